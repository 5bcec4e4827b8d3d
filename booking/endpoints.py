"""The bookings API (``/bookings``) and the provider webhook (``POST /webhooks/{provider_id}``).

Thin: validate, call one service function, return. A booking route's request owns one session and
commits at its end (``core.deps.DbSession``). The webhook has no signed-in caller: its signature is
its credential (checked by the service before anything else), and it runs its own unit of work so
that a delivery which lost a race with a concurrent one is run again from the start, where it finds
the winner's answer or the booking's new state.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from accounts.deps import get_ctx
from booking import service, tracking
from booking.deps import BookingCtx, CanBook, CanReadBookings
from booking.errors import ConcurrentUpdate
from booking.models import Booking
from booking.schemas import BookingCreate, BookingDetailOut, BookingOut, BookingPage, TransitionOut
from core.db import session_scope
from core.deps import DbSession
from core.errors import ErrorEnvelope

router = APIRouter()
log = logging.getLogger(__name__)

WEBHOOK_ATTEMPTS = 5
COMPUTED = frozenset({"connection", "time_left_s", "cost_so_far"})
# The provider is reached through a provisioner chosen at run time, which the OpenAPI builder
# (api/openapi.py) cannot follow: its refusals are declared here.
PROVIDER_ERRORS: dict[int | str, dict[str, Any]] = {
    502: {
        "model": ErrorEnvelope,
        "description": "the provider refused or could not be reached (`provider_error`)",
    }
}


def booking_out(booking: Booking, now: datetime | None = None) -> BookingOut:
    """The booking with what is computed from it: ``connection`` (with the SSH command), time left, cost so far."""
    at = now or datetime.now(UTC)
    fields = {name: getattr(booking, name) for name in BookingOut.model_fields if name not in COMPUTED}
    return BookingOut.model_validate(
        {
            **fields,
            "connection": tracking.connection_view(booking),
            "time_left_s": tracking.time_left_s(booking, at),
            "cost_so_far": tracking.cost_so_far(booking, at),
        }
    )


@router.post("/bookings", response_model=BookingOut, status_code=201, tags=["bookings"])
def create_booking(
    principal: CanBook,
    body: BookingCreate,
    session: DbSession,
    ctx: BookingCtx,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> BookingOut:
    """A draft booking of an offer at today's price; submit it to provision. ``idempotency_key`` (in the
    body or the ``Idempotency-Key`` header) makes a retried request return the same booking."""
    key = body.idempotency_key or idempotency_key
    return booking_out(
        service.create_booking(
            session, ctx, principal, body.offer_id, body.hours, key, ssh_key_id=body.ssh_key_id
        )
    )


@router.get("/bookings", response_model=BookingPage, tags=["bookings"])
def list_bookings(
    principal: CanReadBookings,
    session: DbSession,
    state: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 20,
) -> BookingPage:
    items, total = service.list_bookings(session, principal, state, page, page_size)
    return BookingPage(total=total, page=page, page_size=page_size, items=[booking_out(b) for b in items])


@router.get("/bookings/{booking_id}", response_model=BookingDetailOut, tags=["bookings"])
def get_booking(principal: CanReadBookings, booking_id: str, session: DbSession) -> BookingDetailOut:
    """The booking with its timeline of state changes, oldest first."""
    booking = service.get_booking(session, principal, booking_id)
    transitions = [
        TransitionOut.model_validate(t) for t in service.booking_transitions(session, principal, booking_id)
    ]
    return BookingDetailOut(**booking_out(booking).model_dump(), transitions=transitions)


@router.post(
    "/bookings/{booking_id}/submit", response_model=BookingOut, tags=["bookings"], responses=PROVIDER_ERRORS
)
def submit_booking(principal: CanBook, booking_id: str, session: DbSession, ctx: BookingCtx) -> BookingOut:
    """draft -> pending_provision; the provider's webhook makes it active."""
    return booking_out(service.submit_booking(session, ctx, principal, booking_id))


@router.post(
    "/bookings/{booking_id}/cancel", response_model=BookingOut, tags=["bookings"], responses=PROVIDER_ERRORS
)
def cancel_booking(principal: CanBook, booking_id: str, session: DbSession, ctx: BookingCtx) -> BookingOut:
    """Cancels a draft or pending booking; an active one is asked to stop (completed on the provider's word)."""
    return booking_out(service.cancel_booking(session, ctx, principal, booking_id))


@router.post(
    "/bookings/{booking_id}/stop", response_model=BookingOut, tags=["bookings"], responses=PROVIDER_ERRORS
)
def stop_booking(principal: CanBook, booking_id: str, session: DbSession, ctx: BookingCtx) -> BookingOut:
    """Ends an active booking early; it completes when the provider confirms (instance.terminated)."""
    return booking_out(service.stop_booking(session, ctx, principal, booking_id))


def _apply_webhook(request: Request, provider_id: str, body: bytes) -> dict[str, Any]:
    """One delivery in its own unit of work, run again when it lost a race (a version conflict, a
    concurrent delivery of the same event, SQLite's writer lock)."""
    for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
        try:
            with session_scope(request.app.state.session_factory) as session:
                return service.apply_webhook(session, get_ctx(request), provider_id, body, request.headers)
        except (ConcurrentUpdate, OperationalError) as exc:
            if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
                raise
            if attempt == WEBHOOK_ATTEMPTS:
                raise
            log.info("webhook of %s lost a race (%s); running it again", provider_id, type(exc).__name__)
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")


@router.post("/webhooks/{provider_id}", tags=["webhooks"], summary="A provider's signed instance event")
async def provider_webhook(provider_id: str, request: Request) -> JSONResponse:
    """``instance.running``, ``instance.failed`` or ``instance.terminated`` for one of our bookings,
    signed with the provider's secret (``X-GPUBroker-Timestamp``, ``X-GPUBroker-Signature: v1=<hmac>``).
    A repeated event id is answered as the first time, with ``Idempotent-Replayed: true``."""
    body = await request.body()
    result = await run_in_threadpool(_apply_webhook, request, provider_id, body)
    headers = {"Idempotent-Replayed": "true"} if result["replayed"] else None
    return JSONResponse(result["body"], status_code=result["status_code"], headers=headers)
