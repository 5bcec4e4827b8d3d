"""Metering: a booking's time in the active state, cut into UTC days, becomes usage records.

A booking is billed from ``activated_at`` to ``ended_at`` (or, while still active, to the metering
instant) at its ``hourly_price`` per instance-hour. :func:`meter` writes one record per booking per UTC
day up to an instant and can run any number of times: records are upserted on ``(booking_id, day)``,
a *final* record (its day is over, or the booking has ended) is never touched again, and a
provisional one (today, booking still active) is brought up to date. A booking that completes later
gets its last, partial day on the next run. Nothing here depends on the bus: the consumer at the end
only makes a finished booking's usage appear sooner.

Hours are rounded to 6 decimals and a record's amount is ``round(hours x unit price, 2)`` with
ROUND_HALF_UP (see ``billing.models``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing.models import UsageRecord
from booking.models import Booking, BookingState, BookingTransition

log = logging.getLogger(__name__)

HOUR_PLACES = Decimal("0.000001")
CENTS = Decimal("0.01")
# A booking leaving one of these states has stopped running: meter it now (see `on_booking_event`).
ENDED_STATES = frozenset({BookingState.COMPLETED, BookingState.FAILED, BookingState.CANCELLED})


@dataclass
class MeterReport:
    until: datetime
    bookings: int = 0
    written: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)


def utc(ts: datetime) -> datetime:
    # SQLite gives datetimes back naive; everything stored is UTC.
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_end(day: date) -> datetime:
    return day_start(day) + timedelta(days=1)


def split_by_day(start: datetime, end: datetime) -> Iterator[tuple[date, datetime, datetime]]:
    """``[start, end)`` cut at UTC midnights: ``(day, from, to)`` for each day it touches."""
    cursor = utc(start)
    end = utc(end)
    while cursor < end:
        stop = min(end, day_end(cursor.date()))
        yield cursor.date(), cursor, stop
        cursor = stop


def hours_between(start: datetime, end: datetime) -> Decimal:
    delta = utc(end) - utc(start)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return (Decimal(micros) / Decimal(3_600_000_000)).quantize(HOUR_PLACES, rounding=ROUND_HALF_UP)


def line_amount(hours: Decimal, unit_price: Decimal) -> Decimal:
    return (hours * unit_price).quantize(CENTS, rounding=ROUND_HALF_UP)


def active_until(session: Session, booking: Booking, until: datetime) -> tuple[datetime, bool] | None:
    """Where the booking's active time ends for a run up to ``until``, and whether that end is final.
    ``None`` when it has none to bill (never active)."""
    if booking.activated_at is None:
        return None
    ended = booking.ended_at
    if ended is None and booking.state != BookingState.ACTIVE:
        # Left the active state without an end time: the transition out of it says when.
        ended = session.execute(
            select(BookingTransition.at)
            .where(
                BookingTransition.booking_id == booking.id,
                BookingTransition.from_state == BookingState.ACTIVE,
            )
            .order_by(BookingTransition.at)
            .limit(1)
        ).scalar_one_or_none()
        if ended is None:
            return None
    if ended is not None and utc(ended) <= until:
        return utc(ended), True
    return until, False


def _candidates(
    session: Session, until: datetime, tenant_id: str | None, booking_ids: list[str] | None
) -> list[Booking]:
    # A booking whose last record already ends where the booking ended is fully metered and final.
    done = exists().where(
        UsageRecord.booking_id == Booking.id,
        UsageRecord.final.is_(True),
        UsageRecord.ended_at == Booking.ended_at,
    )
    stmt = select(Booking).where(
        Booking.activated_at.is_not(None),
        Booking.activated_at < until,
        or_(Booking.ended_at.is_(None), ~done),
    )
    if tenant_id is not None:
        stmt = stmt.where(Booking.tenant_id == tenant_id)
    if booking_ids is not None:
        stmt = stmt.where(Booking.id.in_(booking_ids))
    # One order for every run, so concurrent runs lock rows in the same order.
    return list(session.execute(stmt.order_by(Booking.id)).scalars())


def meter(
    session: Session,
    until: datetime | None = None,
    *,
    tenant_id: str | None = None,
    booking_ids: list[str] | None = None,
    now: datetime | None = None,
) -> MeterReport:
    """Writes usage records of every booking's active time up to ``until`` (default and at most: now)."""
    now = utc(now or datetime.now(UTC))
    until = min(utc(until), now) if until is not None else now
    report = MeterReport(until=until)
    bookings = _candidates(session, until, tenant_id, booking_ids)
    if not bookings:
        return report
    existing = {
        (r.booking_id, r.day): r
        for r in session.execute(
            select(UsageRecord).where(UsageRecord.booking_id.in_([b.id for b in bookings]))
        ).scalars()
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for booking in bookings:
        end = active_until(session, booking, until)
        if end is None:
            report.skipped.append(
                {"booking_id": booking.id, "reason": "left the active state at an unknown time"}
            )
            continue
        stop, booking_final = end
        assert booking.activated_at is not None
        report.bookings += 1
        for day, start, finish in split_by_day(booking.activated_at, stop):
            final = booking_final or day_end(day) <= until
            hours = hours_between(start, finish)
            values: dict[str, Any] = {
                "started_at": start,
                "ended_at": finish,
                "hours": hours,
                "unit_price": booking.hourly_price,
                "amount": line_amount(hours, booking.hourly_price),
                "currency": booking.currency,
                "final": final,
                "metered_at": now,
            }
            current = existing.get((booking.id, day))
            if current is not None and (current.final or _same(current, values)):
                report.unchanged += 1
                continue
            stmt = insert(UsageRecord).values(
                id=str(uuid.uuid4()), booking_id=booking.id, tenant_id=booking.tenant_id, day=day, **values
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["booking_id", "day"],
                set_=values,
                where=UsageRecord.__table__.c.final.is_(False),
            )
            session.execute(stmt)
            if current is None:
                report.written += 1
            else:
                report.updated += 1
    session.expire_all()
    return report


def _same(record: UsageRecord, values: dict[str, Any]) -> bool:
    return bool(
        record.hours == values["hours"]
        and record.amount == values["amount"]
        and record.unit_price == values["unit_price"]
        and bool(record.final) == values["final"]
        and utc(record.ended_at) == values["ended_at"]
    )


def meter_booking(session: Session, booking_id: str, *, now: datetime | None = None) -> MeterReport:
    return meter(session, booking_ids=[booking_id], now=now)


# --- the bus -------------------------------------------------------------------------------------


def on_booking_event(
    session: Session, payload: dict[str, Any], *, now: datetime | None = None
) -> MeterReport | None:
    """A ``booking_events`` message (``{booking_id, tenant_id, from, to, at}``): a booking that
    stopped running is metered at once, so its last day is on record before the nightly run."""
    if payload.get("to") not in ENDED_STATES or not payload.get("booking_id"):
        return None
    return meter_booking(session, str(payload["booking_id"]), now=now)
