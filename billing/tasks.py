"""Billing's jobs and consumer as the worker runs them (core.jobs); the bodies are in billing/jobs.py.

- ``billing.close_days`` (hourly, at minute 10): meters and bills the last seven closed days (UTC). A day
  already billed changes nothing and an unsettled one waits, so days missed while the service was down are
  billed at the next run; the first run after midnight bills yesterday ten minutes after its end.
- ``billing.fetch_ecb_rates`` (weekdays 14:30, 15:30 and 16:30 UTC): the ECB publishes around 16:00 CET;
  the later runs catch a late publication and the summer-time shift. Rates are stored once.
- ``billing.send_receipts`` (every 5 minutes): mails each issued document once (claimed first).
- the ``booking_events`` consumer of the ``billing-metering`` group meters a booking as soon as it stops
  running, once per event across all workers (``first_handling``).

None is needed for correctness alone: ``gpubroker bill`` does what the first does, and the hourly run
meters whatever the consumer missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from billing import jobs
from billing.metering import on_booking_event
from billing.models import UsageRecord
from core import retention
from core.bus import first_handling
from core.db import session_scope
from core.jobs import Runtime, consumer, job

log = logging.getLogger(__name__)

METERING_GROUP = "billing-metering"


@job("billing.close_days", cron="10 * * * *", queue="billing", lock="billing.close_days")
def close_days(rt: Runtime) -> list[str]:
    """Idempotent: an invoice per team and day (or period), numbers taken under a lock in run_billing.
    Returns the days that got new documents."""
    runs = jobs.bill(rt.session_factory, rt.settings, now=datetime.now(UTC))
    return [r.day.isoformat() for r in runs if r.invoices_created]


@job("billing.fetch_ecb_rates", cron="30 14,15,16 * * 1-5", queue="billing")
def fetch_ecb_rates(rt: Runtime) -> str | None:
    """Stores the day's ECB rates once (conflict-do-nothing); a source error is retried with backoff."""
    fetched = jobs.fetch_ecb_rates(rt.session_factory, rt.settings)
    return fetched[0].isoformat() if fetched else None


@job("billing.send_receipts", cron="*/5 * * * *", queue="billing", lock="billing.send_receipts")
def send_receipts(rt: Runtime) -> int:
    """Each document is claimed before it is sent, so overlapping runs never mail one twice."""
    return len(jobs.send_receipts(rt.session_factory, rt.settings))


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
