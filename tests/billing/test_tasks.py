"""The nightly billing job catches up: days missed while the service was down are billed at its next run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing import tasks
from billing.models import Invoice
from core.settings import Settings
from tests.billing.conftest import Team, add_booking
from tests.support import run_async


class Stop(Exception):
    pass


def test_a_run_bills_the_last_week_of_closed_days(
    db: Session,
    settings: Settings,
    team: Team,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in (5, 3):  # two days the service did not run on
        start = today - timedelta(days=back) + timedelta(hours=9)
        add_booking(db, team, activated=start, ended=start + timedelta(hours=2))
    db.commit()

    async def stop_after_one_round(seconds: float) -> Any:
        raise Stop

    monkeypatch.setattr(asyncio, "sleep", stop_after_one_round)
    app = SimpleNamespace(state=SimpleNamespace(session_factory=factory, settings=settings))
    with pytest.raises(Stop):
        run_async(tasks.daily_billing(app))
    days = sorted(
        i.day for i in db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalars()
    )
    assert days == [(today - timedelta(days=5)).date(), (today - timedelta(days=3)).date()]
