"""The agent's booking tools: book an offer (after the user approves), list and cancel bookings.

Booking spends the user's money, so :func:`book_offer` and :func:`cancel_booking` pause the run
with a LangGraph interrupt that carries the question, and act only on an explicit approval. A
resumed run executes the tool again from the start; everything before the interrupt only reads,
and the booking is made with an idempotency key derived from the run's task, so answering twice
cannot book twice. Who books is the run's caller (:func:`tools.context.current_caller`), never a
model argument; the rules (which states may change, tenant isolation) live in ``booking.service``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from langgraph.config import get_config
from langgraph.types import interrupt

from booking import service as bookings
from booking import tracking
from booking.models import Booking, BookingState
from booking.service import PRICE_STEP
from catalog import service as catalog
from core.db import write_transaction
from tools.context import ToolContext, current_caller
from tools.schemas import (
    BookingBrief,
    BookingResult,
    BookingsResult,
    BookOfferArgs,
    CancelBookingArgs,
    ListBookingsArgs,
)


def booking_brief(b: Booking) -> BookingBrief:
    now = datetime.now(UTC)
    cost = tracking.cost_so_far(b, now)
    return BookingBrief(
        id=b.id,
        state=b.state,
        provider=b.provider_id,
        offer_id=b.offer_id,
        offer_name=b.offer_name,
        gpu_type=b.gpu_type,
        gpu_count=b.gpu_count,
        region=b.region,
        hourly_price=float(b.hourly_price),
        currency=b.currency,
        hours=b.hours,
        created_at=b.created_at.isoformat(),
        activated_at=b.activated_at.isoformat() if b.activated_at else None,
        ended_at=b.ended_at.isoformat() if b.ended_at else None,
        failure_reason=b.failure_reason,
        url=f"/account/bookings/{b.id}",
        spot=bool(b.spot),
        provisioner=b.provisioner,
        connection=tracking.connection_view(b),
        time_left_s=tracking.time_left_s(b, now),
        cost_so_far=float(cost) if cost is not None else None,
    )


def market_terms(spot: bool) -> str:
    """What the user agrees to besides the price: spot capacity can be taken back."""
    if spot:
        return (
            "This is a spot (interruptible) instance: the provider can reclaim it at any time, "
            "ending the booking early."
        )
    return "This is an on-demand instance: it runs until the booked hours end or you stop it."


def _approved(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("approved") is True


def _run_key(*parts: object) -> str:
    """A key that is the same when a resumed run repeats this tool call, and differs otherwise."""
    configurable = get_config().get("configurable", {})
    raw = "|".join(str(p) for p in (configurable.get("thread_id"), configurable.get("checkpoint_ns"), *parts))
    return "agent:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def book_offer(ctx: ToolContext, args: BookOfferArgs) -> BookingResult:
    """Book an offer for some hours. The user is asked to approve the price first; nothing is
    booked without that approval."""
    caller = current_caller()
    with ctx.session() as session:
        offer = catalog.get_offer(session, args.offer_id)
    # The figures shown are the ones booked: the same Decimal rounding as the booking and the invoices.
    unit = Decimal(str(offer["price_per_hour"])).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
    total = float((unit * Decimal(str(args.hours))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    price = float(unit)
    answer = interrupt(
        {
            "intent": "book",
            "action": "book_offer",
            "question": (
                f"Book {offer['provider']} {offer['name']} ({offer['gpu_count']}x {offer['gpu_family']}, "
                f"{offer['region'] or 'any region'}) for {args.hours:g} h at ${price:,.2f}/h, "
                f"about ${total:,.2f} in total? {market_terms(bool(offer.get('spot')))}"
            ),
            "spot": bool(offer.get("spot")),
            "offer_id": offer["id"],
            "offer_name": offer["name"],
            "provider": offer["provider"],
            "hours": args.hours,
            "hourly_price": price,
            "estimated_total": total,
            "currency": "USD",
        }
    )
    if not _approved(answer):
        return BookingResult(status="declined", message="Not booked: the booking was not approved.")
    # The price the user saw when they said yes (the resume carries the question as it was shown);
    # the offer may cost something else by now, and then nothing is booked.
    shown = answer.get("approval") or {}
    if shown.get("offer_id") == offer["id"] and shown.get("hourly_price") is not None:
        unit = Decimal(str(shown["hourly_price"])).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
    key = _run_key("book", args.offer_id, args.hours, unit)
    with ctx.session() as session:
        write_transaction(session)
        # Booked at the price the user approved, or not at all (a 409 the model reads and reports).
        booking = bookings.create_booking(
            session,
            caller.ctx,
            caller.principal,
            args.offer_id,
            args.hours,
            idempotency_key=key,
            expected_hourly_price=unit,
        )
        booking_id, state = booking.id, booking.state
    if state == BookingState.DRAFT:
        with ctx.session() as session:
            write_transaction(session)
            booking = bookings.submit_booking(session, caller.ctx, caller.principal, booking_id)
            brief = booking_brief(booking)
    else:
        with ctx.session() as session:
            brief = booking_brief(bookings.get_booking(session, caller.principal, booking_id))
    return BookingResult(
        status="submitted",
        booking=brief,
        message=f"Booked: booking {brief.id} is {brief.state.replace('_', ' ')}.",
    )


def list_bookings(ctx: ToolContext, args: ListBookingsArgs) -> BookingsResult:
    """The signed-in user's team's bookings, newest first, optionally in one state."""
    caller = current_caller()
    with ctx.session() as session:
        rows, total = bookings.list_bookings(session, caller.principal, args.state, 1, args.limit)
        return BookingsResult(total=total, bookings=[booking_brief(b) for b in rows])


def cancel_booking(ctx: ToolContext, args: CancelBookingArgs) -> BookingResult:
    """Cancel a booking that has not started, or stop a running one. Asks the user to confirm."""
    caller = current_caller()
    with ctx.session() as session:
        current = booking_brief(bookings.get_booking(session, caller.principal, args.booking_id))
    running = current.state == BookingState.ACTIVE
    verb = "Stop" if running else "Cancel"
    answer = interrupt(
        {
            "intent": "cancel",
            "action": "cancel_booking",
            "question": f"{verb} booking {current.id} ({current.provider} {current.offer_name}, {current.state})?",
            "booking_id": current.id,
        }
    )
    if not _approved(answer):
        return BookingResult(status="declined", booking=current, message="Left as it is.")
    with ctx.session() as session:
        write_transaction(session)
        if running:
            changed = bookings.stop_booking(session, caller.ctx, caller.principal, current.id)
        else:
            changed = bookings.cancel_booking(session, caller.ctx, caller.principal, current.id)
        brief = booking_brief(changed)
    return BookingResult(
        status="stopping" if running else "cancelled",
        booking=brief,
        message=f"Booking {brief.id} is {brief.state.replace('_', ' ')}.",
    )
