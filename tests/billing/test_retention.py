"""Retention (issue 12, spec 3.4): usage records past two years and raw provider webhooks past 90 days
are deleted by the worker's daily job; recent ones, invoices and the audit log stay; the run is recorded
in the global audit chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accounts.jobs import apply_retention
from accounts.models import AuditEntry
from api.worker import load_job_modules
from billing import metering
from billing.models import UsageRecord
from booking.models import WebhookDelivery
from core.jobs import Runtime
from core.settings import Settings
from tests.billing.conftest import Team, add_booking


def test_retention_deletes_what_is_past_it_and_says_so(
    db: Session, team: Team, factory: sessionmaker[Session], settings: Settings
) -> None:
    load_job_modules()  # every domain's rules, as the worker has them
    now = datetime.now(UTC)
    old = add_booking(
        db, team, activated=now - timedelta(days=800), ended=now - timedelta(days=800, hours=-2)
    )
    new = add_booking(db, team, activated=now - timedelta(days=3), ended=now - timedelta(days=3, hours=-2))
    metering.meter(db, now)
    db.add_all(
        [
            WebhookDelivery(
                provider_id="lambda",
                event_id=f"evt-{age}",
                event_type="instance.running",
                received_at=now - timedelta(days=age),
                booking_id=None,
                status_code=200,
            )
            for age in (120, 1)
        ]
    )
    db.commit()

    deleted = apply_retention(Runtime(settings=settings, session_factory=factory))

    assert deleted["usage_records"] >= 1 and deleted["webhook_deliveries"] >= 1
    kept = db.execute(select(UsageRecord.booking_id).where(UsageRecord.booking_id.in_([old.id, new.id])))
    assert set(kept.scalars()) == {new.id}
    events = db.execute(
        select(WebhookDelivery.event_id).where(WebhookDelivery.event_id.in_(["evt-120", "evt-1"]))
    )
    assert set(events.scalars()) == {"evt-1"}
    entry = (
        db.execute(
            select(AuditEntry)
            .where(AuditEntry.event_type == "retention.applied")
            .order_by(AuditEntry.seq.desc())
        )
        .scalars()
        .first()
    )
    assert entry is not None and entry.tenant_id is None
    assert entry.details["deleted"]["usage_records"] == deleted["usage_records"]
    # Shorter retention settings apply on the next run; nothing recent is touched by the defaults.
    assert apply_retention(Runtime(settings=settings, session_factory=factory))["usage_records"] == 0
