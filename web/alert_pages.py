"""The alerts page (``/account/alerts``): the user's price alerts with a form to add one, the alerts
that fired (the in-app notifications) and the email/webhook delivery log; and the navigation's count
of unread notifications. Plain forms that post and redirect (303), like the other account pages; the
services are those of ``/alerts``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from alerts import service
from alerts.schemas import AlertCreate
from core.db import session_scope
from core.errors import AppError, validation_details
from web.account_pages import render, to_login
from web.routes import GEO_LABELS, templates
from web.session import PageSession, page_session, session_claims, set_cookies

router = APIRouter(include_in_schema=False)
FILTER_FIELDS = ("gpu_type", "gpu_count", "gpu_count_exact", "geo", "country", "region", "provider", "spot")


def unread_alerts(request: Request) -> int:
    """The navigation's counter: unread notifications of the user named by the page's session cookie
    (verified, no session lookup; the page itself checks the sign-in)."""
    claims = session_claims(request)
    user_id = str((claims or {}).get("sub") or "")
    if not user_id:
        return 0
    try:
        with session_scope(request.app.state.session_factory) as session:
            return service.unread(session, user_id)
    except Exception:  # the navigation never breaks a page
        return 0


templates.env.globals.update(unread_alerts=unread_alerts)


def _see_other(request: Request, url: str, page: PageSession) -> Response:
    response = RedirectResponse(url, status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


def _context(request: Request, page: PageSession, **extra: Any) -> dict[str, Any]:
    principal = page.principal
    assert principal is not None  # nosec B101  # the guard above refused anonymous callers
    with session_scope(request.app.state.session_factory) as session:
        alerts = service.list_alerts(session, principal)
        fired = [
            {c.name: getattr(f, c.name) for c in f.__table__.columns}
            for f in service.notifications(session, principal)
        ]
        log = [
            {c.name: getattr(d, c.name) for c in d.__table__.columns}
            for d in service.delivery_log(session, principal)
        ]
    names = {a["id"]: a["name"] for a in alerts}
    return {
        "active": "alerts",
        "alerts": alerts,
        "fired": fired,
        "deliveries": log,
        "names": names,
        "geo_labels": GEO_LABELS,
        "form": {},
        "errors": [],
        "email": principal.email,
        **extra,
    }


@router.get("/account/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, done: str = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    return render(request, "alerts.html", _context(request, page, done=done), page)


@router.post("/account/alerts", response_class=HTMLResponse)
def create_from_form(
    request: Request,
    threshold: Annotated[str, Form()] = "",
    per: Annotated[str, Form()] = "hour",
    name: Annotated[str, Form()] = "",
    channel_email: Annotated[str, Form()] = "",
    channel_webhook: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    webhook_url: Annotated[str, Form()] = "",
    gpu_type: Annotated[str, Form()] = "",
    gpu_count: Annotated[str, Form()] = "",
    gpu_count_exact: Annotated[str, Form()] = "",
    geo: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "",
    spot: Annotated[str, Form()] = "",
) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    form = {k: v.strip() for k, v in locals().items() if isinstance(v, str) and v.strip()}
    filters = {k: form[k] for k in FILTER_FIELDS if k in form}
    channels = ["in_app"] + (["email"] if channel_email else []) + (["webhook"] if channel_webhook else [])
    try:
        body = AlertCreate(
            name=name or None,
            filters=filters,
            threshold=threshold or "0",
            per=per,
            channels=channels,
            email=email or None,
            webhook_url=webhook_url or None,
        )
        with session_scope(request.app.state.session_factory) as session:
            created = service.create_alert(session, request.app.state.settings, page.principal, body)
    except ValidationError as exc:
        errors = validation_details([dict(e) for e in exc.errors()])
        return render(request, "alerts.html", _context(request, page, form=form, errors=errors), page, 422)
    except AppError as exc:
        details = exc.details if isinstance(exc.details, list) else []
        errors = details or [{"field": "request", "message": exc.message}]
        errors = [{**e, "message": e.get("message") or exc.message} for e in errors]
        return render(request, "alerts.html", _context(request, page, form=form, errors=errors), page, 422)
    if created.get("webhook_secret"):
        # Shown once: the page renders it instead of redirecting, so it never sits in a URL or a log.
        return render(request, "alerts.html", _context(request, page, created=created), page, 201)
    return _see_other(request, f"/account/alerts?done={quote('created')}", page)


@router.post("/account/alerts/read")
def read_all(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    with session_scope(request.app.state.session_factory) as session:
        service.mark_read(session, page.principal)
    return _see_other(request, "/account/alerts?done=read", page)


@router.post("/account/alerts/{alert_id}/delete")
def delete(request: Request, alert_id: str) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    try:
        with session_scope(request.app.state.session_factory) as session:
            service.delete_alert(session, page.principal, alert_id)
    except AppError:
        return _see_other(request, "/account/alerts?done=missing", page)
    return _see_other(request, "/account/alerts?done=deleted", page)
