"""Background jobs of billing, run by the worker (core.jobs):

- ``billing.close_days`` (hourly, at minute 10): bills the last seven closed days (UTC). A day already
  billed changes nothing, so days missed while the service was down are billed at the next run; the
  first run after midnight bills yesterday, ten minutes after its end, when its last booking events
  have landed.
- the ``booking_events`` consumer of the ``billing-metering`` group meters a booking as soon as it
  stops running, once per event across all workers (``first_handling``).

Both are optional for correctness: ``gpubroker bill`` does what the first does, and the nightly run
meters whatever the consumer missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from billing import service
from billing.metering import on_booking_event
from billing.models import UsageRecord
from core import retention
from core.bus import first_handling
from core.db import session_scope
from core.jobs import Runtime, consumer, job
from core.settings import Settings

log = logging.getLogger(__name__)

# How long after midnight UTC the run waits, so the day's last booking events have landed.
GRACE = timedelta(minutes=10)
# How many closed days each run looks at, so a week of downtime is still billed without a hand-run.
CATCH_UP_DAYS = 7
METERING_GROUP = "billing-metering"


def bill_closed_days(factory: sessionmaker[Session], settings: Settings, today: date) -> list[date]:
    """Bills the last CATCH_UP_DAYS closed days before ``today``, oldest first; returns the days that
    got invoices. A failing day is logged and left for the next run."""
    yesterday = today - timedelta(days=1)
    billed: list[date] = []
    for back in range(CATCH_UP_DAYS - 1, -1, -1):
        day = yesterday - timedelta(days=back)
        try:
            out = service.run_billing(factory, settings, day)
        except Exception:
            log.exception("billing of %s failed; the next run tries again", day)
            continue
        if out.invoices_created or out.errors:
            log.info(
                "billed %s: %d invoices issued, %d errors", day, len(out.invoices_created), len(out.errors)
            )
        if out.invoices_created:
            billed.append(day)
    return billed


@job("billing.close_days", cron="10 * * * *", queue="billing", lock="billing.close_days")
def close_days(rt: Runtime) -> list[str]:
    """Idempotent (an invoice per team and day, gapless numbers under a lock in run_billing)."""
    days = bill_closed_days(rt.session_factory, rt.settings, datetime.now(UTC).date())
    return [d.isoformat() for d in days]


@consumer("booking_events", group=METERING_GROUP)
async def meter_ended_booking(rt: Runtime, message: dict[str, Any]) -> bool:
    return await asyncio.to_thread(_meter_once, rt.session_factory, message)


def _meter_once(factory: sessionmaker[Session], message: dict[str, Any]) -> bool:
    """False when the event was handled before (its effect and the record commit together)."""
    with session_scope(factory) as session:
        if not first_handling(session, METERING_GROUP, message.get("id")):
            return False
        on_booking_event(session, message.get("payload") or {})
        return True


@retention.rule("usage_records", lambda s: s.retention_usage_days)
def _old_usage(session: Session, cutoff: datetime) -> int:
    """Usage records of days older than the retention (spec: two years); the invoices stay, and so do the
    booking transitions they can be rebuilt from."""
    result = session.execute(delete(UsageRecord).where(UsageRecord.day < cutoff.date()))
    return int(getattr(result, "rowcount", 0) or 0)
