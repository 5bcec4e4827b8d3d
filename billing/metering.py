"""Metering: a booking's time in the active state, cut into UTC days, becomes usage records.

A booking is billed from ``activated_at`` to ``ended_at`` (or, while still active, to the metering
instant) at its ``hourly_price`` per instance-hour; both times are the provider's (its events'
``occurred_at``, kept on ``booking_transitions`` too). :func:`meter` writes one record per booking per
UTC day up to an instant and can run any number of times: records are upserted on ``(booking_id, day)``
and always brought in line with what the booking says now, so a provider event that arrives late (an
activation at 23:55 reported at 00:15, an end at 23:30 reported the next morning) changes the record,
and a day the booking no longer covers drops to zero hours. Invoices keep what they billed in their own
lines; ``billing.invoicing`` turns any later difference into a supplementary invoice or a credit note.

A record is *settled* (``final``) once the booking's end event is in (it has ``ended_at``), or once
``grace`` has passed since the record's day ended: until then a late event may still change it, and
the day is not invoiced. Hours are rounded to 6 decimals (3.6 ms) and a record's amount is
``hours x unit price`` exactly (``billing.money`` rounds once, per document).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing.models import UsageRecord
from booking.models import Booking, BookingState, BookingTransition

log = logging.getLogger(__name__)

HOUR_PLACES = Decimal("0.000001")
ZERO = Decimal(0)
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
    """Exact: 6 decimals of hours times 4 of price fit the 12 of the column."""
    return hours * unit_price


def active_until(session: Session, booking: Booking, until: datetime) -> tuple[datetime, bool] | None:
    """Where the booking's active time ends for a run up to ``until``, and whether that end is final.
    ``None`` when it has none to bill (never active)."""
    if booking.activated_at is None:
        return None
    ended = booking.ended_at
    if ended is None and booking.state != BookingState.ACTIVE:
        # Left the active state without an end time: the transition out of it says when.
        ended = session.execute(
            select(func.coalesce(BookingTransition.occurred_at, BookingTransition.at))
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
    # Fully metered: the booking has ended, a settled record ends where it ended, and no record is older
    # than the booking's last change (a late event changes ``updated_at``, so the booking is redone).
    done = and_(
        exists().where(
            UsageRecord.booking_id == Booking.id,
            UsageRecord.final.is_(True),
            UsageRecord.ended_at == Booking.ended_at,
        ),
        ~exists().where(UsageRecord.booking_id == Booking.id, UsageRecord.metered_at < Booking.updated_at),
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
    grace: timedelta = timedelta(0),
) -> MeterReport:
    """Writes usage records of every booking's active time up to ``until`` (default and at most: now).
    A record whose day ended ``grace`` or more before ``now`` is settled even while its booking runs."""
    now = utc(now or datetime.now(UTC))
    until = min(utc(until), now) if until is not None else now
    report = MeterReport(until=until)
    bookings = _candidates(session, until, tenant_id, booking_ids)
    if not bookings:
        return report
    existing: dict[str, dict[date, UsageRecord]] = {}
    for r in session.execute(
        select(UsageRecord).where(UsageRecord.booking_id.in_([b.id for b in bookings]))
    ).scalars():
        existing.setdefault(r.booking_id, {})[r.day] = r
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
        assert booking.activated_at is not None  # nosec B101  # a booking that left active had activated_at
        report.bookings += 1
        mine = existing.get(booking.id, {})
        covered: set[date] = set()
        # The booking's end event is in: nothing later can change its usage but a correction.
        ended = booking.state != BookingState.ACTIVE
        for day, start, finish in split_by_day(booking.activated_at, stop):
            covered.add(day)
            hours = hours_between(start, finish)
            values: dict[str, Any] = {
                "started_at": start,
                "ended_at": finish,
                "hours": hours,
                "unit_price": booking.hourly_price,
                "amount": line_amount(hours, booking.hourly_price),
                "currency": booking.currency,
                "final": ended or day_end(day) + grace <= now,
                "metered_at": now,
            }
            _write(session, insert, report, booking, day, mine.get(day), values)
        # Days the booking no longer covers (its start or end was corrected): nothing was used there.
        for day, record in sorted(mine.items()):
            if day in covered or (record.hours == ZERO and record.final):
                continue
            if day >= utc(until).date() and not booking_final:
                continue  # not metered yet in this run's window
            values = {
                "started_at": day_start(day),
                "ended_at": day_start(day),
                "hours": ZERO,
                "unit_price": booking.hourly_price,
                "amount": ZERO,
                "currency": booking.currency,
                "final": True,
                "metered_at": now,
            }
            _write(session, insert, report, booking, day, record, values)
    session.flush()
    session.expire_all()
    return report


def _write(
    session: Session,
    insert: Any,
    report: MeterReport,
    booking: Booking,
    day: date,
    current: UsageRecord | None,
    values: dict[str, Any],
) -> None:
    if current is not None and _same(current, values):
        report.unchanged += 1
        if utc(current.metered_at) < utc(booking.updated_at):
            # Looked at again after the booking changed: say so, or the booking stays a candidate.
            current.metered_at = values["metered_at"]
        return
    stmt = insert(UsageRecord).values(
        id=str(uuid.uuid4()), booking_id=booking.id, tenant_id=booking.tenant_id, day=day, **values
    )
    session.execute(stmt.on_conflict_do_update(index_elements=["booking_id", "day"], set_=values))
    if current is None:
        report.written += 1
    else:
        report.updated += 1


def _same(record: UsageRecord, values: dict[str, Any]) -> bool:
    return bool(
        record.hours == values["hours"]
        and record.amount == values["amount"]
        and record.unit_price == values["unit_price"]
        and bool(record.final) == values["final"]
        and utc(record.started_at) == values["started_at"]
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
