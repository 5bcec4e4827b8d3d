"""The nightly billing job catches up: days missed while the service was down are billed at its next run."""

from __future__ import annotations

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
) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in (5, 3):  # two days the service did not run on
        start = today - timedelta(days=back) + timedelta(hours=9)
        add_booking(db, team, activated=start, ended=start + timedelta(hours=2))
    db.commit()

    waits: list[float] = []

    async def stop_after_one_round(seconds: float) -> Any:
        # The loop's own sleep, passed in: patching asyncio.sleep would reach every event loop of the
        # process, the live servers' included (issue 19).
        waits.append(seconds)
        raise Stop

    app = SimpleNamespace(state=SimpleNamespace(session_factory=factory, settings=settings))
    with pytest.raises(Stop):
        run_async(tasks.daily_billing(app, sleep=stop_after_one_round))
    days = sorted(
        i.day for i in db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalars()
    )
    assert days == [(today - timedelta(days=5)).date(), (today - timedelta(days=3)).date()]
    assert len(waits) == 1 and 60.0 <= waits[0] <= (24 * 3600 + tasks.GRACE.total_seconds())


def test_the_next_run_is_shortly_after_the_next_utc_midnight() -> None:
    assert tasks.seconds_until_next_run(datetime(2026, 3, 1, 23, 0, tzinfo=UTC)) == 3600 + 600
    assert tasks.seconds_until_next_run(datetime(2026, 3, 1, 0, 5, tzinfo=UTC)) == 23 * 3600 + 55 * 60 + 600
    # never a busy loop, even a moment before the run is due
    assert tasks.seconds_until_next_run(datetime(2026, 3, 2, 0, 9, 59, tzinfo=UTC)) == 24 * 3600 + 1
