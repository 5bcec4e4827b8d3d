"""The booking state machine and the one function that moves a booking: ``move``.

::

    draft ──submit──▶ pending_provision ──instance.running──▶ active ──instance.terminated──▶ completed
      │                    │   │                                  │
      └──cancel──▶ cancelled ◀─┘ (cancel, or instance.terminated   └──instance.failed──▶ failed
                                  before it ran)    instance.failed ──▶ failed

Every change of state is one :class:`BookingTransition` row, one audit entry (``booking.submitted``,
``booking.activated``, ...) and one ``booking_events`` message, all in the caller's transaction: the
message is an outbox row (``core.outbox``) published once that transaction commits, so a consumer
never hears of a state that was rolled back, and always hears of one that committed.

Two writers cannot both move a booking: PostgreSQL locks its row for the read that precedes a change
(``booking.repository``), and on every backend the ``version`` column makes a write based on a stale
read fail with :class:`ConcurrentUpdate` (409), leaving nothing behind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from accounts.audit import Actor, iso
from accounts.service import Ctx, now_utc, record
from booking.errors import ConcurrentUpdate, IllegalTransition
from booking.models import TERMINAL_STATES, Booking, BookingState, BookingTransition
from core import metrics, outbox

TOPIC = "booking_events"

S = BookingState
ALLOWED: dict[BookingState, frozenset[BookingState]] = {
    S.DRAFT: frozenset({S.PENDING_PROVISION, S.CANCELLED}),
    S.PENDING_PROVISION: frozenset({S.ACTIVE, S.FAILED, S.CANCELLED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
AUDIT_EVENTS: dict[BookingState, str] = {
    S.PENDING_PROVISION: "booking.submitted",
    S.ACTIVE: "booking.activated",
    S.COMPLETED: "booking.completed",
    S.FAILED: "booking.failed",
    S.CANCELLED: "booking.cancelled",
}


def check_allowed(booking: Booking, to_state: BookingState) -> None:
    """409 naming both states when the machine has no such edge."""
    current = BookingState(booking.state)
    if to_state not in ALLOWED[current]:
        raise IllegalTransition(current.value, to_state.value)


def _clamp(at: datetime, booking: Booking, now: datetime) -> datetime:
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    floor = booking.submitted_at or booking.created_at
    if floor is not None:
        floor = floor if floor.tzinfo is not None else floor.replace(tzinfo=UTC)
        at = max(at, floor)
    return min(at, now)


def flush(session: Session) -> None:
    """Flushes, turning a lost race for a booking into :class:`ConcurrentUpdate` (409)."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdate("the booking was changed meanwhile; reload it and try again") from exc
    except OperationalError as exc:
        # SQLite's form of the same conflict: our read snapshot is older than another writer's commit,
        # so the database refuses our write ("database is locked") instead of counting zero rows.
        if "locked" not in str(exc.orig):
            raise
        raise ConcurrentUpdate("the booking was changed meanwhile; reload it and try again") from exc


def move(
    session: Session,
    ctx: Ctx,
    booking: Booking,
    to_state: BookingState,
    *,
    source: str,
    actor: Actor,
    event_id: str | None = None,
    details: dict[str, Any] | None = None,
    happened_at: datetime | None = None,
    correction: bool = False,
) -> BookingTransition:
    """The one place a booking's state changes: the row (version-checked), its transition, its audit
    entry and its bus message, together or not at all.

    ``happened_at`` is when the provider says it happened (its event's ``occurred_at``): the booking's
    ``activated_at``/``ended_at``, which billing reads, take it rather than the time the delivery was
    processed, clamped to no earlier than the submit and no later than now; the transition keeps it as
    ``occurred_at`` (``at`` is when we processed it). ``correction`` records a move outside the table of
    allowed moves, for a provider's deliveries that crossed (see ``booking.webhooks``); it leaves
    ``ended_at`` as it was, and its ``occurred_at`` is when the instance started running.
    """
    if not correction:
        check_allowed(booking, to_state)
    from_state = booking.state
    now = now_utc()
    when = now if happened_at is None else _clamp(happened_at, booking, now)
    booking.state = to_state.value
    booking.updated_at = now
    if to_state is S.PENDING_PROVISION:
        booking.submitted_at = now
    elif to_state is S.ACTIVE:
        booking.activated_at = when
    elif to_state in TERMINAL_STATES and not correction:
        booking.ended_at = when
    transition = BookingTransition(
        booking_id=booking.id,
        from_state=from_state,
        to_state=to_state.value,
        source=source,
        event_id=event_id,
        at=now,
        occurred_at=when,
        details=details or {},
    )
    session.add(transition)
    flush(session)
    metrics.booking_transition(from_state, to_state.value)
    record(
        session,
        ctx,
        AUDIT_EVENTS[to_state],
        "success",
        tenant_id=booking.tenant_id,
        actor=actor,
        target=f"booking:{booking.id}",
        details={"from": from_state, "to": to_state.value, "source": source, "event_id": event_id},
    )
    message = {
        "booking_id": booking.id,
        "tenant_id": booking.tenant_id,
        "from": from_state,
        "to": to_state.value,
        "at": iso(now),
    }
    outbox.enqueue(session, TOPIC, booking.id, message, ctx.bus)
    return transition
