"""Booking pages: the team's bookings with their states, one booking with its timeline and the
buttons its state allows (Submit, Cancel, Stop), and the Book form of the offer page.

The pages use the browser session of ``web.session`` and call the same ``booking.service`` functions
as the API, so the rules are the same: another team's booking is "not found", an auditor sees but
cannot act (403, audited), an illegal move is refused with both states named. Every button is a plain
form that posts and redirects (303), so the pages work without JavaScript; a booking waiting for its
provider reloads itself every few seconds (a meta refresh, no script) until the provider answers.
With JavaScript, ``/static/booking.js`` follows an active or provisioning booking live instead
(``GET /bookings/{id}`` with the page's API token from ``POST /chat/token``): its state, how to
connect, the time left (counting down) and the cost so far.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from accounts import service as accounts
from accounts.deps import get_ctx
from accounts.policy import Action
from accounts.service import Ctx, Principal
from booking import service, tracking
from booking.models import Booking, BookingState
from core.db import session_scope
from core.errors import AppError
from web.account_pages import render, to_login
from web.routes import templates
from web.session import PageSession, page_session, set_cookies

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
PAGE_SIZE = 20
STATE_LABELS = {
    BookingState.DRAFT: "Draft",
    BookingState.PENDING_PROVISION: "Provisioning",
    BookingState.ACTIVE: "Active",
    BookingState.COMPLETED: "Completed",
    BookingState.FAILED: "Failed",
    BookingState.CANCELLED: "Cancelled",
}
NOTICES = {
    "created": "Booking created as a draft. Submit it to start the instance.",
    "submitted": "Submitted. The provider is starting the instance; this page updates when it is running.",
    "cancelled": "Booking cancelled.",
    "stop_requested": "Stop requested. The booking completes when the provider confirms the instance is gone.",
}
NOTICE_WHILE = {"submitted": BookingState.PENDING_PROVISION, "stop_requested": BookingState.ACTIVE}
# A fresh key per rendered Book form: a double click or a reload posts the same key, one booking.
templates.env.globals.update(
    booking_state_labels={s.value: label for s, label in STATE_LABELS.items()},
    new_idempotency_key=lambda: uuid.uuid4().hex,
    booking_roles=service.WRITERS,
)


def _see_other(request: Request, url: str, page: PageSession) -> Response:
    response = RedirectResponse(url, status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


def _refuse_auditor(request: Request, principal: Principal) -> str | None:
    """The refusal message when the role may not book (and the refusal is audited)."""
    if principal.role in service.WRITERS:
        return None
    with session_scope(request.app.state.session_factory) as session:
        accounts.record_denied(
            session, get_ctx(request), principal, Action.BOOKING_WRITE.value, request.url.path
        )
    return f"Your role ({principal.role}) may look at bookings but not make or change them."


def _detail_context(request: Request, principal: Principal, booking_id: str) -> dict[str, Any]:
    with session_scope(request.app.state.session_factory) as session:
        booking = service.get_booking(session, principal, booking_id)
        transitions = service.booking_transitions(session, principal, booking_id)
    now = datetime.now(UTC)
    return {
        "active": "bookings",
        "booking": booking,
        "transitions": transitions,
        "can_act": principal.role in service.WRITERS,
        "refresh": booking.state == BookingState.PENDING_PROVISION,
        "connection": tracking.connection_view(booking),
        "time_left_s": tracking.time_left_s(booking, now),
        "cost_so_far": tracking.cost_so_far(booking, now),
        "live": booking.state in (BookingState.PENDING_PROVISION, BookingState.ACTIVE),
    }


def _not_found(request: Request, page: PageSession, message: str) -> Response:
    return render(request, "booking_detail.html", {"active": "bookings", "missing": message}, page, 404)


# --- the list --------------------------------------------------------------------------------------


@router.get("/account/bookings", response_class=HTMLResponse)
def bookings_page(request: Request, state: str = "", page: str = "1") -> Response:
    session_page = page_session(request)
    principal = session_page.principal
    if principal is None:
        return to_login(request)
    try:
        number = max(1, int(page))
    except ValueError:
        number = 1
    chosen = state if state in {s.value for s in BookingState} else None
    with session_scope(request.app.state.session_factory) as session:
        items, total = service.list_bookings(session, principal, chosen, number, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))

    def url(**changes: Any) -> str:
        params = {
            k: v for k, v in {"state": chosen, "page": number, **changes}.items() if v not in (None, 1, "")
        }
        return "/account/bookings" + (f"?{urlencode(params)}" if params else "")

    context = {
        "active": "bookings",
        "items": items,
        "total": total,
        "state": chosen,
        "states": [s.value for s in BookingState],
        "page": number,
        "pages": pages,
        "prev_url": url(page=number - 1) if number > 1 else None,
        "next_url": url(page=number + 1) if number < pages else None,
        "invalid_state": bool(state) and chosen is None,
    }
    return render(request, "bookings.html", context, session_page)


# --- one booking -----------------------------------------------------------------------------------


@router.get("/account/bookings/{booking_id}", response_class=HTMLResponse)
def booking_page(request: Request, booking_id: str, done: str = "", error: str = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    try:
        context = _detail_context(request, page.principal, booking_id)
    except AppError as exc:
        return _not_found(request, page, exc.message)
    state = context["booking"].state
    # A notice about waiting for the provider is dropped once the provider has answered.
    if NOTICE_WHILE.get(done, state) == state:
        context["notice"] = NOTICES.get(done)
    if done == "stop_requested" and state == BookingState.ACTIVE:
        context["refresh"] = True
    if error:
        context["error"] = error[:300]
    return render(request, "booking_detail.html", context, page)


def _act(
    request: Request,
    booking_id: str,
    work: Callable[[Session, Ctx, Principal], Booking],
    done: str,
) -> Response:
    """Runs one button's service call for the page, then back to the booking (303), or the booking
    again with the refusal and the status the API would give."""
    page = page_session(request)
    principal = page.principal
    if principal is None:
        return to_login(request)
    refused = _refuse_auditor(request, principal)
    try:
        if refused is None:
            with session_scope(request.app.state.session_factory) as session:
                work(session, get_ctx(request), principal)
    except AppError as exc:
        try:
            context = _detail_context(request, principal, booking_id)
        except AppError:
            return _not_found(request, page, exc.message)
        return render(request, "booking_detail.html", {**context, "error": exc.message}, page, exc.status)
    if refused is not None:
        try:
            context = _detail_context(request, principal, booking_id)
        except AppError as exc:
            return _not_found(request, page, exc.message)
        return render(request, "booking_detail.html", {**context, "error": refused}, page, 403)
    return _see_other(request, f"/account/bookings/{booking_id}?done={done}", page)


@router.post("/account/bookings/{booking_id}/submit", response_class=HTMLResponse)
def booking_submit(request: Request, booking_id: str) -> Response:
    return _act(request, booking_id, lambda s, c, p: service.submit_booking(s, c, p, booking_id), "submitted")


@router.post("/account/bookings/{booking_id}/cancel", response_class=HTMLResponse)
def booking_cancel(request: Request, booking_id: str) -> Response:
    def work(session: Session, ctx: Ctx, principal: Principal) -> Booking:
        return service.cancel_booking(session, ctx, principal, booking_id)

    return _act(request, booking_id, work, "cancelled")


@router.post("/account/bookings/{booking_id}/stop", response_class=HTMLResponse)
def booking_stop(request: Request, booking_id: str) -> Response:
    return _act(
        request, booking_id, lambda s, c, p: service.stop_booking(s, c, p, booking_id), "stop_requested"
    )


# --- the offer page's Book form --------------------------------------------------------------------


@router.post("/account/bookings", response_class=HTMLResponse)
def book_offer(
    request: Request, offer_id: FormStr = "", hours: FormStr = "", idempotency_key: FormStr = ""
) -> Response:
    """Creates the booking and submits it. The two steps commit apart: when the provider cannot be
    reached, the draft stays and its page says so, with a Submit button to try again."""
    page = page_session(request)
    principal = page.principal
    back = f"/offers/{offer_id}" if offer_id else "/"
    if principal is None:
        return RedirectResponse(f"/login?next={back}", status_code=303)
    refused = _refuse_auditor(request, principal)
    if refused is not None:
        return render(
            request, "booking_error.html", {"active": "bookings", "error": refused, "back": back}, page, 403
        )
    try:
        amount = float(hours)
    except ValueError:
        amount = math.nan
    ctx = get_ctx(request)
    try:
        with session_scope(request.app.state.session_factory) as session:
            booking = service.create_booking(
                session, ctx, principal, offer_id, amount, idempotency_key or None
            )
    except AppError as exc:
        context = {"active": "bookings", "error": exc.message, "back": back}
        return render(request, "booking_error.html", context, page, exc.status)
    if booking.state != BookingState.DRAFT:  # the same form posted twice: the first one submitted it
        return _see_other(request, f"/account/bookings/{booking.id}", page)
    try:
        with session_scope(request.app.state.session_factory) as session:
            service.submit_booking(session, ctx, principal, booking.id)
    except AppError as exc:
        query = urlencode({"error": f"Created, but not submitted: {exc.message}"})
        return _see_other(request, f"/account/bookings/{booking.id}?{query}", page)
    return _see_other(request, f"/account/bookings/{booking.id}?done=submitted", page)
