"""Metering: active time cut into UTC days, rounded as documented, idempotent, and correct whether or
not the bus delivered anything."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing import metering, tasks
from billing.models import UsageRecord
from booking.models import BookingState
from core.bus import HandledEvent, MemoryBus
from core.jobs import Runtime
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, at
from tests.support import run_async


def records(db: Session, booking_id: str) -> list[UsageRecord]:
    return list(
        db.execute(
            select(UsageRecord).where(UsageRecord.booking_id == booking_id).order_by(UsageRecord.day)
        ).scalars()
    )


def test_a_booking_across_midnight_is_split_at_midnight_utc(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-13 22:30", ended="2026-10-14 01:15", price="2.4900")
    report = metering.meter(db, at("2026-10-15 00:00"))
    assert (report.bookings, report.written) == (1, 2)
    first, second = records(db, booking.id)
    assert (first.day, first.hours, first.amount) == (date(2026, 10, 13), Decimal("1.5"), Decimal("3.735"))
    assert (second.day, second.hours, second.amount) == (
        date(2026, 10, 14),
        Decimal("1.25"),
        Decimal("3.1125"),
    )
    # 1.5 h x 2.49 and 1.25 h x 2.49, exact: only a document rounds (billing.money).
    assert metering.utc(first.ended_at) == metering.utc(second.started_at) == at("2026-10-14 00:00")
    assert first.final and second.final
    assert (first.unit_price, first.currency) == (Decimal("2.49"), "USD")


def test_a_multi_day_booking_gets_full_days_in_the_middle(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-10 18:00", ended="2026-10-13 06:00", price="12.2900")
    metering.meter(db, at("2026-10-20 00:00"))
    got = [(r.day.isoformat(), r.hours, r.amount) for r in records(db, booking.id)]
    assert got == [
        ("2026-10-10", Decimal("6"), Decimal("73.74")),
        ("2026-10-11", Decimal("24"), Decimal("294.96")),
        ("2026-10-12", Decimal("24"), Decimal("294.96")),
        ("2026-10-13", Decimal("6"), Decimal("73.74")),
    ]


def test_seconds_become_hours_to_six_places(db: Session, team: Team) -> None:
    booking = add_booking(
        db, team, activated="2026-10-14 10:00:00", ended="2026-10-14 10:20:00", price="3.0000"
    )
    metering.meter(db, at("2026-10-15 00:00"))
    (record,) = records(db, booking.id)
    assert record.hours == Decimal("0.333333")  # 20 min
    assert record.amount == Decimal("0.999999")  # 0.333333 x 3, exact


def test_running_twice_writes_nothing_new(db: Session, team: Team) -> None:
    add_booking(db, team, activated="2026-10-13 22:30", ended="2026-10-14 01:15")
    add_booking(db, team, activated="2026-10-12 08:00", ended="2026-10-12 09:00")
    until = at("2026-10-15 00:00")
    first = metering.meter(db, until, tenant_id=team.tenant_id)
    assert first.written == 3
    before = {
        (r.booking_id, r.day): (r.id, r.hours, r.metered_at)
        for r in db.execute(select(UsageRecord)).scalars()
    }
    again = metering.meter(db, until, tenant_id=team.tenant_id)
    assert (again.written, again.updated) == (0, 0)
    assert again.bookings == 0  # both ended and are fully metered: not even looked at again
    after = {
        (r.booking_id, r.day): (r.id, r.hours, r.metered_at)
        for r in db.execute(select(UsageRecord)).scalars()
    }
    assert after == before


def test_an_active_booking_is_provisional_today_and_final_when_it_completes(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-13 20:00")
    # Mid-day on the 14th: the 13th is over (final), the 14th so far is provisional.
    metering.meter(db, now=at("2026-10-14 06:00"))
    day13, day14 = records(db, booking.id)
    assert (day13.hours, day13.final) == (Decimal("4"), True)
    assert (day14.hours, day14.final) == (Decimal("6"), False)

    # Later that day, still running: the provisional record grows, nothing else changes.
    report = metering.meter(db, now=at("2026-10-14 09:30"))
    assert (report.written, report.updated, report.unchanged) == (0, 1, 1)
    assert records(db, booking.id)[1].hours == Decimal("9.5")

    # It completes at 12:45; a run the next day writes its final partial day.
    booking.state = BookingState.COMPLETED.value
    booking.ended_at = at("2026-10-14 12:45")
    db.flush()
    metering.meter(db, now=at("2026-10-15 03:00"))
    day13, day14 = records(db, booking.id)
    assert (day14.hours, day14.amount, day14.final) == (Decimal("12.75"), Decimal("31.7475"), True)
    assert metering.utc(day14.ended_at) == at("2026-10-14 12:45")
    assert len(records(db, booking.id)) == 2  # nothing for the 15th


def test_metering_never_runs_ahead_of_now(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-14 20:00")
    report = metering.meter(db, at("2026-10-20 00:00"), now=at("2026-10-14 21:00"))
    assert report.until == at("2026-10-14 21:00")
    (record,) = records(db, booking.id)
    assert (record.hours, record.final) == (Decimal("1"), False)


def test_bookings_that_never_ran_are_not_billed(db: Session, team: Team) -> None:
    failed = add_booking(db, team, activated=None, state=BookingState.FAILED)
    pending = add_booking(db, team, activated=None, state=BookingState.PENDING_PROVISION)
    report = metering.meter(db, at("2026-10-15 00:00"), tenant_id=team.tenant_id)
    assert report.bookings == 0
    assert records(db, failed.id) == records(db, pending.id) == []


def test_a_cancelled_running_booking_is_billed_until_it_stopped(db: Session, team: Team) -> None:
    booking = add_booking(
        db, team, activated="2026-10-14 08:00", ended="2026-10-14 08:45", state=BookingState.CANCELLED
    )
    metering.meter(db, at("2026-10-15 00:00"))
    (record,) = records(db, booking.id)
    assert (record.hours, record.final) == (Decimal("0.75"), True)


def test_the_bus_message_of_a_finished_booking_meters_it_at_once(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 10:00")
    ignored = metering.on_booking_event(
        db,
        {"booking_id": booking.id, "tenant_id": team.tenant_id, "from": "pending_provision", "to": "active"},
    )
    assert ignored is None and records(db, booking.id) == []
    report = metering.on_booking_event(
        db,
        {
            "booking_id": booking.id,
            "tenant_id": team.tenant_id,
            "from": "active",
            "to": "completed",
            "at": "x",
        },
        now=at("2026-10-14 10:00:05"),
    )
    assert report is not None and report.written == 1
    (record,) = records(db, booking.id)
    assert (record.hours, record.final) == (Decimal("2"), True)
    # The nightly run that follows finds nothing left to do for it.
    assert metering.meter(db, at("2026-10-15 00:00"), booking_ids=[booking.id]).written == 0


def test_the_consumer_meters_what_the_bus_says_ended_once_per_event(
    db: Session, team: Team, factory: sessionmaker[Session], settings: Settings
) -> None:
    booking = add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:30")
    db.commit()
    rt = Runtime(settings=settings, session_factory=factory, bus=MemoryBus())
    payload = {"booking_id": booking.id, "tenant_id": team.tenant_id, "from": "active", "to": "completed"}
    rt.bus.ensure_groups({"booking_events": [tasks.METERING_GROUP]})  # as the worker does when it starts

    async def scenario() -> None:
        # Its own loop in a worker thread: a browser test earlier in the run may hold this thread's.
        stop = asyncio.Event()
        consuming = asyncio.create_task(
            rt.bus.consume(
                "booking_events", tasks.METERING_GROUP, "c1", partial(tasks.meter_ended_booking, rt), stop
            )
        )
        # Published before the consumer looked, and twice with the same id (the outbox's at-least-once).
        rt.bus.publish("booking_events", booking.id, payload, "evt-1")
        rt.bus.publish("booking_events", booking.id, payload, "evt-1")
        try:
            for _ in range(100):
                await asyncio.sleep(0.05)
                if rt.bus.stats[("booking_events", tasks.METERING_GROUP)].handled == 2:
                    break
        finally:
            stop.set()
            await consuming

    run_async(scenario())
    (record,) = records(db, booking.id)
    assert (record.hours, record.final) == (Decimal("1.5"), True)
    handled = db.execute(
        select(HandledEvent).where(
            HandledEvent.group_name == tasks.METERING_GROUP, HandledEvent.event_id == "evt-1"
        )
    ).scalars()
    assert len(list(handled)) == 1


def test_a_late_end_event_shrinks_a_metered_day_and_empties_the_next(db: Session, team: Team) -> None:
    """The provider's end at 23:30 arrives the next morning: the records follow the booking."""
    booking = add_booking(db, team, activated="2026-10-14 20:00")
    metering.meter(db, now=at("2026-10-15 09:00"))
    day14, day15 = records(db, booking.id)
    assert (day14.hours, day15.hours) == (Decimal("4"), Decimal("9"))
    booking.state = BookingState.COMPLETED.value
    booking.ended_at = at("2026-10-14 23:30")
    booking.updated_at = at("2026-10-15 09:30")
    db.flush()
    report = metering.meter(db, now=at("2026-10-15 09:31"))
    assert report.updated == 2
    day14, day15 = records(db, booking.id)
    assert (day14.hours, day14.amount, day14.final) == (Decimal("3.5"), Decimal("8.715"), True)
    assert (day15.hours, day15.amount, day15.final) == (Decimal("0"), Decimal("0"), True)


def test_a_running_day_is_settled_only_after_the_grace_window(db: Session, team: Team) -> None:
    booking = add_booking(db, team, activated="2026-10-14 20:00")
    grace = timedelta(hours=6)
    metering.meter(db, at("2026-10-15 00:00"), now=at("2026-10-15 00:10"), grace=grace)
    assert records(db, booking.id)[0].final is False
    metering.meter(db, at("2026-10-15 00:00"), now=at("2026-10-15 06:00"), grace=grace)
    assert records(db, booking.id)[0].final is True
