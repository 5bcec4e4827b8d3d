"""The nightly billing job catches up: days missed while the service was down are billed at its next run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing import tasks
from billing.models import Invoice
from core.jobs import Runtime
from core.settings import Settings
from tests.billing.conftest import Team, add_booking


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

    rt = Runtime(settings=settings, session_factory=factory)
    billed = tasks.close_days(rt)
    days = sorted(
        i.day for i in db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalars()
    )
    assert days == [(today - timedelta(days=5)).date(), (today - timedelta(days=3)).date()]
    assert {d.isoformat() for d in days} <= set(billed)
    # The next run (an hour later, or on another worker at the same time) finds nothing left to bill.
    assert tasks.close_days(rt) == []


def test_the_job_is_scheduled_hourly_on_the_engine() -> None:
    from core.jobs import blueprint

    (periodic,) = [
        p for p in blueprint.periodic_registry.periodic_tasks.values() if p.task.name == "billing.close_days"
    ]
    assert periodic.cron == "10 * * * *"
