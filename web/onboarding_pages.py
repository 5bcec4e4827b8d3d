"""The pages that bring a person in: sign up (a new team with its first admin), confirming the email
address (a banner on every page until then; booking does not wait for it), resetting a forgotten
password by email, and accepting an invitation into a team (``/invite/<token>``, the link an admin sends).

Each form posts back: on success it signs the person in with the same cookies as ``/login``
(``web.session``) and redirects (303); a refused or invalid form renders the page again with each
field's message beside it and the status the API would give (422 for a bad value, 409 for an email
that already has an account). The rules are the API's (``accounts.schemas``, ``accounts.service``,
``accounts.email_tokens``); mail goes out after the change that made its link has committed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from accounts import email_tokens
from accounts import service as accounts
from accounts.deps import accounts_unit, get_ctx
from accounts.schemas import (
    PASSWORD_MIN_LENGTH,
    PASSWORD_RULES,
    PasswordForgotIn,
    PasswordResetIn,
    RegisterIn,
)
from core.db import session_scope
from core.errors import AppError
from web.account_pages import (
    FormStr,
    already_signed_in,
    error_headers,
    render,
    safe_next,
    signed_in,
    to_login,
)
from web.routes import templates
from web.session import page_session, session_claims

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("tenant_name", "email", "password")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message for each field of a form, in words (pydantic's ``Value error, `` dropped)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc", ())
        field = str(loc[0]) if loc else "form"
        limits = err.get("ctx") or {}
        if err.get("type") == "string_too_short":
            message = f"must be at least {limits.get('min_length')} characters"
        elif err.get("type") == "string_too_long":
            message = f"must be at most {limits.get('max_length')} characters"
        else:
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(field, message)
    return errors


def app_error_fields(exc: AppError, default: str = "form") -> dict[str, str]:
    """An API error as field messages: on the fields its details name, else on ``default``."""
    details = exc.details if isinstance(exc.details, list) else []
    fields = [str(d["field"]) for d in details if isinstance(d, dict) and d.get("field")] or [default]
    return dict.fromkeys(fields, exc.message)


def password_rules() -> dict[str, Any]:
    return {"password_rules": PASSWORD_RULES, "password_min": PASSWORD_MIN_LENGTH}


def public_base(request: Request) -> str:
    """This site's address for links in mail: the configured public URL, else the one asked."""
    return email_tokens.link_base(request.app.state.settings, str(request.base_url))


def email_unverified(request: Request) -> bool:
    """The banner's question: has the signed-in user (by the page's verified cookie) not yet confirmed
    their address? No sign-in, or any failure, shows no banner."""
    user_id = str((session_claims(request) or {}).get("sub") or "")
    if not user_id:
        return False
    try:
        with session_scope(request.app.state.session_factory) as session:
            return not email_tokens.email_verified(session, user_id)
    except Exception:  # the banner never breaks a page
        return False


templates.env.globals.update(email_unverified=email_unverified, public_base=public_base)


def register_and_sign_in(
    request: Request, body: RegisterIn, template: str, context: dict[str, Any], next_page: str
) -> Response:
    """Creates the account (``accounts.service.register``), mails the link that confirms its address
    once that has committed, and signs in; a refusal renders ``template`` again with the message."""
    try:
        with accounts_unit(request) as session:
            ctx = get_ctx(request)
            user, _, pair = accounts.register(session, ctx, body)
            outgoing = email_tokens.verification_mail(session, ctx, user, public_base(request))
    except AppError as exc:
        errors = app_error_fields(exc)
        return render(
            request,
            template,
            {**context, "errors": errors},
            status_code=exc.status,
            headers=error_headers(exc),
        )
    email_tokens.deliver(request.app.state.settings, outgoing)
    return signed_in(request, pair, next_page)


# --- sign up ---------------------------------------------------------------------------------------


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, next: str = "/") -> Response:
    onward = already_signed_in(request, next)
    if onward is not None:
        return onward
    context = {"active": "signup", "next": safe_next(next), "values": {}, "errors": {}, **password_rules()}
    return render(request, "signup.html", context)


@router.post("/signup", response_class=HTMLResponse)
def signup_submit(  # nosec B107  # an empty form field, not a password
    request: Request,
    tenant_name: FormStr = "",
    email: FormStr = "",
    password: FormStr = "",
    next: FormStr = "/",
) -> Response:
    values = {"tenant_name": tenant_name, "email": email}
    context: dict[str, Any] = {
        "active": "signup",
        "next": safe_next(next),
        "values": values,
        **password_rules(),
    }
    errors: dict[str, str] = {}
    if not tenant_name.strip():
        errors["tenant_name"] = "give your team a name"
    try:
        body = RegisterIn.model_validate(
            {"email": email, "password": password, "tenant_name": tenant_name or None}
        )
        accounts.check_password(body.password, body.email)
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    except AppError as exc:
        errors = {**app_error_fields(exc), **errors}
    if errors:
        return render(request, "signup.html", {**context, "errors": errors}, status_code=422)
    return register_and_sign_in(request, body, "signup.html", context, next)


# --- email verification ----------------------------------------------------------------------------


@router.get("/verify-email/{token}", response_class=HTMLResponse)
def verify_email_link(request: Request, token: str) -> Response:
    """The link of the verification mail."""
    try:
        with accounts_unit(request) as session:
            user = email_tokens.verify_email(session, get_ctx(request), token)
    except AppError as exc:
        context = {"active": None, "error": exc.message, "signed_in": session_claims(request) is not None}
        return render(request, "verify_email.html", context, status_code=exc.status)
    return render(request, "verify_email.html", {"active": None, "verified": user.email})


@router.get("/account/verify-email", response_class=HTMLResponse)
def verify_email_page(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    with accounts_unit(request) as session:
        verified = email_tokens.email_verified(session, page.principal.user_id)
    context = {"active": None, "email": page.principal.email, "already": verified, "signed_in": True}
    return render(request, "verify_email.html", context, page)


@router.post("/account/verify-email", response_class=HTMLResponse)
def verify_email_resend(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    settings = request.app.state.settings
    context: dict[str, Any] = {"active": None, "email": page.principal.email, "signed_in": True}
    try:
        with accounts_unit(request) as session:
            outgoing = email_tokens.resend_verification(
                session, get_ctx(request), page.principal, public_base(request)
            )
    except AppError as exc:
        return render(request, "verify_email.html", {**context, "error": exc.message}, page, exc.status)
    delivery = email_tokens.deliver(settings, outgoing)
    if delivery is not None and not delivery.ok:
        error = "The message could not be sent just now; try again in a few minutes."
        return render(request, "verify_email.html", {**context, "error": error}, page, 503)
    context.update(sent=True, mail_note=email_tokens.mail_note(settings))
    return render(request, "verify_email.html", context, page)


# --- password reset --------------------------------------------------------------------------------


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    return render(request, "password_forgot.html", {"active": "login", "values": {}, "errors": {}})


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot_submit(request: Request, email: FormStr = "") -> Response:
    settings = request.app.state.settings
    context: dict[str, Any] = {"active": "login", "values": {"email": email}, "errors": {}}
    try:
        body = PasswordForgotIn.model_validate({"email": email})
    except ValidationError as exc:
        return render(
            request, "password_forgot.html", {**context, "errors": field_errors(exc)}, status_code=422
        )
    with accounts_unit(request) as session:
        outgoing = email_tokens.password_reset_mail(
            session, get_ctx(request), body.email, public_base(request)
        )
    email_tokens.deliver(settings, outgoing)
    # The same answer for every address, so the form does not tell who has an account.
    context.update(
        sent=body.email,
        hours=max(1, round(settings.password_reset_ttl_s / 3600)),
        mail_note=email_tokens.mail_note(settings),
    )
    return render(request, "password_forgot.html", context)


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str) -> Response:
    context: dict[str, Any] = {
        "active": "login",
        "token": token,
        "errors": {},
        "values": {},
        **password_rules(),
    }
    try:
        with accounts_unit(request) as session:
            user = email_tokens.reset_link_user(session, token)
    except AppError as exc:
        return render(
            request, "password_reset.html", {**context, "link_error": exc.message}, status_code=exc.status
        )
    return render(request, "password_reset.html", {**context, "email": user.email})


@router.post("/password/reset/{token}", response_class=HTMLResponse)
def reset_submit(request: Request, token: str, password: FormStr = "") -> Response:  # nosec B107  # an empty form field, not a password
    context: dict[str, Any] = {"active": "login", "token": token, "values": {}, **password_rules()}
    try:
        body = PasswordResetIn.model_validate({"token": token, "password": password})
    except ValidationError as exc:
        errors = field_errors(exc)
        if "token" in errors:
            return render(
                request,
                "password_reset.html",
                {**context, "link_error": "this link is not valid"},
                status_code=400,
            )
        return render(request, "password_reset.html", {**context, "errors": errors}, status_code=422)
    try:
        with accounts_unit(request) as session:
            email_tokens.reset_password(session, get_ctx(request), body.token, body.password)
    except AppError as exc:
        if exc.code == "invalid_link":
            context["link_error"] = exc.message
        else:
            context["errors"] = app_error_fields(exc, "password")
        return render(request, "password_reset.html", context, status_code=exc.status)
    return RedirectResponse("/login?reset=1", status_code=303)


# --- invitations -----------------------------------------------------------------------------------


def invitation_context(request: Request, token: str) -> dict[str, Any]:
    """The invitation as the page shows it, or why it cannot be accepted (``link_error``, ``status``)."""
    context: dict[str, Any] = {"active": None, "token": token, "values": {}, "errors": {}, **password_rules()}
    try:
        with accounts_unit(request) as session:
            invitation, tenant = accounts.pending_invitation(session, token)
            context.update(email=invitation.email, role=invitation.role, team=tenant.name)
    except AppError as exc:
        context.update(link_error=exc.message, status=exc.status)
    return context


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str) -> Response:
    context = invitation_context(request, token)
    return render(request, "invitation.html", context, status_code=context.get("status", 200))


@router.post("/invite/{token}", response_class=HTMLResponse)
def invitation_accept(request: Request, token: str, name: FormStr = "", password: FormStr = "") -> Response:  # nosec B107  # an empty form field, not a password
    context = invitation_context(request, token)
    if "link_error" in context:
        return render(request, "invitation.html", context, status_code=context["status"])
    context["values"] = {"name": name}
    try:
        body = RegisterIn.model_validate(
            {"email": context["email"], "password": password, "name": name or None, "invite_token": token}
        )
        accounts.check_password(body.password, body.email)
    except ValidationError as exc:
        return render(request, "invitation.html", {**context, "errors": field_errors(exc)}, status_code=422)
    except AppError as exc:
        return render(
            request, "invitation.html", {**context, "errors": app_error_fields(exc)}, status_code=exc.status
        )
    return register_and_sign_in(request, body, "invitation.html", context, "/")
