"""Bookings: create, submit, cancel, stop and read; the booking domain's service functions.

A user never moves a booking to ``active``, ``completed`` or ``failed``: the provider says so through
its signed webhook (``booking.webhooks``, re-exported here as :func:`apply_webhook`). Stopping an
active booking (``stop`` or ``cancel``) asks the provider to end the instance; its
``instance.terminated`` then completes the booking. Every change of state goes through
``booking.transitions.move`` (transition row, audit entry, ``booking_events`` after commit, version
check). Services take the session first and never commit.
"""

from __future__ import annotations

import math
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.errors import PermissionDenied
from accounts.policy import POLICY, Action
from accounts.service import Ctx, Principal, now_utc, record
from booking import credentials, repository
from booking.errors import IllegalTransition
from booking.models import MAX_HOURS, Booking, BookingState, BookingTransition
from booking.provisioners import SANDBOX, has_provisioner, provisioner_for
from booking.transitions import S, check_allowed, move
from booking.webhooks import apply_webhook
from core.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "apply_webhook",
    "booking_transitions",
    "cancel_booking",
    "create_booking",
    "get_booking",
    "list_bookings",
    "stop_booking",
    "submit_booking",
]

# Roles that may book (accounts.policy: auditors look, they do not act).
WRITERS = frozenset(role.value for role in POLICY[Action.BOOKING_WRITE])
MAX_PAGE_SIZE = 100
PRICE_STEP = Decimal("0.0001")


# --- reading ---------------------------------------------------------------------------------------


def _own(session: Session, principal: Principal, booking_id: str, *, lock: bool = False) -> Booking:
    """The caller's team's booking; another team's is as absent as a made-up id (404)."""
    booking = repository.booking(session, booking_id, lock=lock) if len(booking_id) <= 36 else None
    if booking is None or booking.tenant_id != principal.tenant_id:
        raise NotFound(f"booking {booking_id!r} not found")
    return booking


def get_booking(session: Session, principal: Principal, booking_id: str) -> Booking:
    return _own(session, principal, booking_id)


def booking_transitions(session: Session, principal: Principal, booking_id: str) -> list[BookingTransition]:
    return list(repository.transitions(session, _own(session, principal, booking_id).id))


def list_bookings(
    session: Session, principal: Principal, state: str | None = None, page: int = 1, page_size: int = 20
) -> tuple[list[Booking], int]:
    """The team's bookings, newest first, and how many there are in all."""
    if state is not None and state not in {s.value for s in BookingState}:
        allowed = ", ".join(s.value for s in BookingState)
        raise InvalidInput(f"state must be one of {allowed}", details=[{"field": "state"}])
    if page < 1:
        raise InvalidInput("page must be 1 or more", details=[{"field": "page"}])
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be 1 to {MAX_PAGE_SIZE}", details=[{"field": "page_size"}])
    rows, total = repository.list_bookings(
        session, principal.tenant_id, state, (page - 1) * page_size, page_size
    )
    return list(rows), total


# --- what users do ---------------------------------------------------------------------------------


def _require_writer(principal: Principal) -> None:
    # The routes check the same rule (and audit a refusal); this keeps the agent's tools honest too.
    if principal.role not in WRITERS:
        raise PermissionDenied(
            f"your role ({principal.role}) may not book",
            details={"action": "booking.write", "role": principal.role},
        )
    if principal.api_key_id is not None and "bookings" not in principal.scopes:
        raise PermissionDenied(
            "this API key has no bookings scope",
            details={"action": "booking.write", "scopes": sorted(principal.scopes)},
        )


def _check_hours(hours: float) -> float:
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise InvalidInput("hours must be a number", details=[{"field": "hours"}]) from None
    if not math.isfinite(value) or value <= 0 or value > MAX_HOURS:
        raise InvalidInput(f"hours must be above 0 and at most {MAX_HOURS}", details=[{"field": "hours"}])
    return value


def _check_key(key: str | None) -> str | None:
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > 100 or any(not 0x21 <= ord(c) <= 0x7E for c in key):
        raise InvalidInput(
            "idempotency_key must be 1 to 100 printable ASCII characters",
            details=[{"field": "idempotency_key"}],
        )
    return key


def _same_request(booking: Booking, offer_id: str, hours: float) -> Booking:
    if booking.offer_id != offer_id or not math.isclose(booking.hours, hours):
        raise Conflict(
            "this idempotency key was used for a different booking",
            code="idempotency_key_reused",
            details={"booking_id": booking.id},
        )
    return booking


def create_booking(
    session: Session,
    ctx: Ctx,
    principal: Principal,
    offer_id: str,
    hours: float,
    idempotency_key: str | None = None,
    expected_hourly_price: Decimal | None = None,
    ssh_key_id: str | None = None,
) -> Booking:
    """A draft booking of an available offer at its price now. With an idempotency key, asking again
    returns the first booking (and a different request under the same key is a 409). With
    ``expected_hourly_price`` (the price a user approved), a different price now is a 409
    ``price_changed`` and nothing is booked."""
    _require_writer(principal)
    hours = _check_hours(hours)
    key = _check_key(idempotency_key)
    if key is not None and (existing := repository.booking_by_key(session, principal.tenant_id, key)):
        return _same_request(existing, offer_id, hours)
    offer = repository.offer(session, offer_id) if len(offer_id) <= 64 else None
    if offer is None:
        raise InvalidInput(f"no offer {offer_id!r}", code="unknown_offer", details=[{"field": "offer_id"}])
    if offer.availability == "down":
        raise Conflict(
            f"offer {offer_id!r} is not available now",
            code="offer_unavailable",
            details={"offer_id": offer_id},
        )
    price = Decimal(offer.price_per_hour).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
    if expected_hourly_price is not None and price != expected_hourly_price.quantize(
        PRICE_STEP, ROUND_HALF_UP
    ):
        raise Conflict(
            f"the price of offer {offer_id!r} changed from ${expected_hourly_price:,.4f}/h to ${price:,.4f}/h"
            " since it was approved; nothing was booked",
            code="price_changed",
            details={"offer_id": offer_id, "approved": str(expected_hourly_price), "now": str(price)},
        )
    if ssh_key_id is not None:
        credentials.key_for_booking(session, principal, ssh_key_id)  # 422 when it is not the user's
    now = now_utc()
    booking = Booking(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        offer_id=offer.id,
        provider_id=offer.provider,
        offer_name=offer.name,
        gpu_type=offer.gpu_type,
        gpu_count=offer.gpu_count,
        region=offer.region,
        hourly_price=price,
        currency=offer.currency or "USD",
        hours=hours,
        spot=bool(offer.spot),
        zone=offer.zone,
        ssh_key_id=ssh_key_id,
        state=S.DRAFT.value,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    try:
        # A savepoint: when a concurrent request with the same key wins the insert, we return its row.
        with session.begin_nested():
            session.add(booking)
    except IntegrityError:
        existing = repository.booking_by_key(session, principal.tenant_id, key) if key else None
        if existing is None:
            raise
        return _same_request(existing, offer_id, hours)
    record(
        session,
        ctx,
        "booking.created",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"booking:{booking.id}",
        details={"offer_id": offer.id, "provider": offer.provider, "hours": hours},
    )
    return booking


def submit_booking(session: Session, ctx: Ctx, principal: Principal, booking_id: str) -> Booking:
    """draft -> pending_provision.

    A provider with a provisioner of its own (AWS, RunPod, Lambda, Vast) is *not* called here: the submit
    checks that the team has an account there (409 naming the page otherwise) and that the user has an SSH
    key (409), commits, and the worker asks the provider (``booking.tracking.provision_booking``, run by
    the ``booking-provisioner`` consumer of the ``pending_provision`` event, and by the poll job for any
    booking it missed). Every other provider provisions through the sandbox here, as before: a provider
    error (502) leaves the booking a draft, and submitting again gets the same instance."""
    _require_writer(principal)
    booking = _own(session, principal, booking_id, lock=True)
    check_allowed(booking, S.PENDING_PROVISION)
    if has_provisioner(booking.provider_id):
        account = credentials.require_account(session, ctx.settings, booking.tenant_id, booking.provider_id)
        key = credentials.key_for_booking(session, principal, booking.ssh_key_id)
        booking.ssh_key_id = key.id
        booking.ssh_public_key = key.public_key
        booking.provisioner = booking.provider_id
        booking.credential_source = account.source
        booking.next_poll_at = now_utc()
        booking.poll_streak = 0
        details: dict[str, object] = {"provisioner": booking.provider_id, "account": account.source}
    else:
        ref = provisioner_for(booking.provider_id, ctx.settings).provision(booking)
        booking.provider_ref = ref
        booking.provisioner = SANDBOX
        details = {"provider_ref": ref, "provisioner": SANDBOX}
    move(
        session,
        ctx,
        booking,
        S.PENDING_PROVISION,
        source="user",
        actor=principal.actor,
        details=details,
    )
    return booking


def end_instance(session: Session, ctx: Ctx, booking: Booking, reason: str) -> None:
    """Asks the booking's provider to end its instance (nothing to do before it has one). A provider with a
    provisioner of its own is told with the booking's account; the poll then records the end."""
    if booking.provider_ref is None:
        return
    if booking.provisioner and booking.provisioner != SANDBOX:
        account = credentials.require_account(session, ctx.settings, booking.tenant_id, booking.provider_id)
        provisioner_for(booking.provider_id, ctx.settings, account.credentials).stop(booking)
        booking.stop_reason = reason
        booking.next_poll_at = now_utc()
        booking.poll_streak = 0
    else:
        provisioner_for(booking.provider_id, ctx.settings).stop(booking)


def _request_stop(session: Session, ctx: Ctx, principal: Principal, booking: Booking, how: str) -> Booking:
    end_instance(session, ctx, booking, "stopped on request")
    record(
        session,
        ctx,
        "booking.stop_requested",
        "success",
        tenant_id=booking.tenant_id,
        actor=principal.actor,
        target=f"booking:{booking.id}",
        details={"provider_ref": booking.provider_ref, "via": how},
    )
    return booking


def cancel_booking(session: Session, ctx: Ctx, principal: Principal, booking_id: str) -> Booking:
    """draft or pending_provision -> cancelled (a pending instance is stopped at the provider first);
    an active booking is asked to stop and completes when the provider confirms."""
    _require_writer(principal)
    booking = _own(session, principal, booking_id, lock=True)
    if booking.state == S.ACTIVE:
        return _request_stop(session, ctx, principal, booking, "cancel")
    check_allowed(booking, S.CANCELLED)
    if booking.state == S.PENDING_PROVISION and booking.provider_ref:
        # Before the state changes: if the provider cannot be told, nothing changes (502). An instance still
        # being created is ended by the worker that creates it, once it sees the booking cancelled.
        end_instance(session, ctx, booking, "cancelled before it started")
    move(session, ctx, booking, S.CANCELLED, source="user", actor=principal.actor)
    return booking


def stop_booking(session: Session, ctx: Ctx, principal: Principal, booking_id: str) -> Booking:
    """Ends an active booking early: the provider is asked to stop, and its instance.terminated
    webhook completes the booking. Any other state is a 409."""
    _require_writer(principal)
    booking = _own(session, principal, booking_id, lock=True)
    if booking.state != S.ACTIVE:
        raise IllegalTransition(
            booking.state,
            S.COMPLETED.value,
            f"a booking cannot go from {booking.state} to completed: only an active booking can be stopped",
        )
    return _request_stop(session, ctx, principal, booking, "stop")
