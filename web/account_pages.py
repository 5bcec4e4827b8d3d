"""Account pages: sign in (password, then the second factor when one is enrolled), sign out, TOTP
enrolment with a QR code drawn on the server, and the team admin page (users and roles, invitations,
plan limits, the audit chain's state).

The pages use the browser session of ``web.session`` and call the same accounts services as the API,
so the rules are the same: the policy table decides what a role may do (and what the page shows),
another team's user id is "not found", and every change is audited. Forms post back and redirect
(303) on success; a refused or invalid form renders the page again with the message and the status
the API would give.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from accounts import admin as accounts_admin
from accounts import api_keys, audit, email_tokens, mfa, oidc, webauthn
from accounts import service as accounts
from accounts.deps import accounts_unit, get_ctx
from accounts.models import PLAN_LIMITS, Plan, Role
from accounts.policy import Action, allowed
from accounts.schemas import (
    ApiKeyIn,
    InviteIn,
    LoginIn,
    MfaChallenge,
    MfaCodeIn,
    PasskeyLoginIn,
    TenantUpdate,
    TokenPair,
    UserUpdate,
)
from accounts.service import Principal
from core.errors import AppError, envelope
from core.types import FIRST_DAY, LAST_DAY
from web.errors import forbidden_page
from web.routes import templates
from web.session import PageSession, clear_cookies, page_session, set_cookies

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only, never another host."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ()))
    return f"{field}: {err.get('msg', 'invalid')}" if field else str(err.get("msg", "invalid"))


def parse_day(value: str | None, field: str, errors: list[str]) -> date | None:
    """A page's ``YYYY-MM-DD`` filter: None when empty; a bad value is added to ``errors`` by name."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(f"{field}: not a date (YYYY-MM-DD): {value}")
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors.append(f"{field}: must be a day between {FIRST_DAY} and {LAST_DAY}")
        return None
    return day


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    page: PageSession | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)
    if page is not None and page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


def error_headers(exc: AppError) -> dict[str, str] | None:
    retry = getattr(exc, "retry_after_s", None)
    return {"Retry-After": str(max(1, int(retry + 0.999)))} if retry is not None else None


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def signed_in(request: Request, pair: TokenPair, next_page: str) -> Response:
    # 303: the browser follows with a GET, so a reload does not post the password again.
    response = RedirectResponse(safe_next(next_page), status_code=303)
    set_cookies(request, response, pair)
    return response


def already_signed_in(request: Request, next_page: str) -> Response | None:
    """Where a signed-in visitor of a sign-in or sign-up page goes instead (None: not signed in)."""
    page = page_session(request)
    if page.principal is None:
        return None
    response = RedirectResponse(safe_next(next_page), status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


# --- sign in and out -------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", signed_out: bool = False, reset: bool = False) -> Response:
    onward = already_signed_in(request, next)
    if onward is not None:
        return onward
    notice = "You are signed out." if signed_out else None
    if reset:
        notice = "Your password is changed, and every earlier sign-in ended. Sign in with the new password."
    return render(request, "login.html", {"active": "login", "next": safe_next(next), "notice": notice})


@router.post("/login", response_class=HTMLResponse)
def login_submit(  # nosec B107  # an empty form field, not a password
    request: Request, email: FormStr = "", password: FormStr = "", next: FormStr = "/"
) -> Response:
    context: dict[str, Any] = {"active": "login", "next": safe_next(next), "email": email}
    try:
        body = LoginIn.model_validate({"email": email, "password": password})
    except ValidationError as exc:
        return render(request, "login.html", {**context, "error": first_error(exc)}, status_code=422)
    try:
        with accounts_unit(request) as session:
            outcome = accounts.login(session, get_ctx(request), body.email, body.password)
    except AppError as exc:
        return render(
            request,
            "login.html",
            {**context, "error": exc.message},
            status_code=exc.status,
            headers=error_headers(exc),
        )
    if isinstance(outcome, MfaChallenge):
        return render(
            request, "login.html", {**context, "mfa_token": outcome.mfa_token, "methods": outcome.methods}
        )
    return signed_in(request, outcome, next)


@router.post("/login/passkey")
async def login_passkey(request: Request) -> Response:
    """The login page's passkey button (static/passkey.js): the authenticator's assertion for a
    challenge from ``/auth/passkey/options``; on success the site's sign-in cookies, as ``/login`` sets."""
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return JSONResponse(
            envelope("validation_error", "send a JSON object", [{"field": "body"}]), status_code=422
        )
    try:
        body = PasskeyLoginIn.model_validate({k: payload.get(k) for k in ("flow_id", "credential")})
    except ValidationError as exc:
        return JSONResponse(
            envelope("validation_error", first_error(exc), [{"field": "credential"}]), status_code=422
        )

    def work() -> TokenPair:
        with accounts_unit(request) as session:
            return webauthn.passkey_login(session, get_ctx(request), body.flow_id, body.credential)

    try:
        pair = await run_in_threadpool(work)
    except AppError as exc:
        return JSONResponse(
            envelope(exc.code, exc.message, exc.details), status_code=exc.status, headers=error_headers(exc)
        )
    response = JSONResponse({"next": safe_next(str(payload.get("next") or "/"))})
    set_cookies(request, response, pair)
    return response


@router.post("/login/mfa", response_class=HTMLResponse)
def login_mfa_submit(  # nosec B107  # an empty form field, not a password
    request: Request, mfa_token: FormStr = "", code: FormStr = "", next: FormStr = "/"
) -> Response:
    context: dict[str, Any] = {
        "active": "login",
        "next": safe_next(next),
        "mfa_token": mfa_token,
        "methods": ["totp"],
    }
    try:
        body = MfaCodeIn.model_validate({"mfa_token": mfa_token, "code": code.strip()})
    except ValidationError as exc:
        return render(request, "login.html", {**context, "error": first_error(exc)}, status_code=422)
    try:
        with accounts_unit(request) as session:
            pair = mfa.complete_with_code(session, get_ctx(request), body.mfa_token, body.code)
    except AppError as exc:
        if exc.code == "invalid_token":  # the challenge is over: start again from the password
            context = {"active": "login", "next": safe_next(next)}
        return render(
            request,
            "login.html",
            {**context, "error": exc.message},
            status_code=exc.status,
            headers=error_headers(exc),
        )
    return signed_in(request, pair, next)


@router.get("/login/sso")
def sso_start(request: Request, next: str = "/") -> Response:
    """Single sign-on through the configured OIDC provider; comes back to :func:`sso_callback`."""
    if not request.app.state.settings.oidc_enabled:
        context = {"active": "login", "next": safe_next(next), "error": "Single sign-on is not configured."}
        return render(request, "login.html", context, status_code=404)
    try:
        with accounts_unit(request) as session:
            url = oidc.start(session, get_ctx(request), str(request.url_for("sso_callback")), safe_next(next))
    except AppError as exc:
        context = {"active": "login", "next": safe_next(next), "error": exc.message}
        return render(request, "login.html", context, status_code=exc.status)
    return RedirectResponse(url, status_code=303)


@router.get("/login/sso/callback", name="sso_callback")
def sso_callback(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> Response:
    try:
        with accounts_unit(request) as session:
            result = oidc.callback(session, get_ctx(request), code, state, error)
    except AppError as exc:
        context = {"active": "login", "next": "/", "error": exc.message, "sso": True}
        return render(request, "login.html", context, status_code=exc.status)
    next_page = safe_next(result.next_page)
    if isinstance(result.outcome, MfaChallenge):
        context = {
            "active": "login",
            "next": next_page,
            "mfa_token": result.outcome.mfa_token,
            "methods": result.outcome.methods,
        }
        return render(request, "login.html", context)
    return signed_in(request, result.outcome, next_page)


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "logout.html", {"active": None, "email": page.principal.email}, page)


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    page = page_session(request)
    if page.principal is not None:
        with accounts_unit(request) as session:
            accounts.logout(session, get_ctx(request), page.principal)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_cookies(response)
    return response


# --- second factor ---------------------------------------------------------------------------------


def mfa_context(request: Request, principal: Principal) -> dict[str, Any]:
    with accounts_unit(request) as session:
        user, _ = accounts.me(session, principal)
        methods = accounts.mfa_methods(session, user)
    return {"active": "account", "email": principal.email, "methods": methods}


@router.get("/account/mfa", response_class=HTMLResponse)
def mfa_page(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    return render(request, "account_mfa.html", mfa_context(request, page.principal), page)


@router.post("/account/mfa/totp", response_class=HTMLResponse)
def mfa_totp_start(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    context = mfa_context(request, page.principal)
    try:
        with accounts_unit(request) as session:
            enrolment = mfa.start_totp(session, get_ctx(request), page.principal)
    except AppError as exc:
        return render(request, "account_mfa.html", {**context, "error": exc.message}, page, exc.status)
    return render(request, "account_mfa.html", {**context, "enrolment": enrolment}, page)


@router.post("/account/mfa/totp/confirm", response_class=HTMLResponse)
def mfa_totp_confirm(request: Request, code: FormStr = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    context = mfa_context(request, page.principal)
    try:
        with accounts_unit(request) as session:
            codes = mfa.confirm_totp(session, get_ctx(request), page.principal, code.strip())
    except AppError as exc:
        message = exc.message + " Start the setup again to get a new code."
        return render(request, "account_mfa.html", {**context, "error": message}, page, exc.status)
    context = mfa_context(request, page.principal)
    return render(request, "account_mfa.html", {**context, "recovery_codes": codes.recovery_codes}, page)


# --- team admin ------------------------------------------------------------------------------------


def admin_context(request: Request, principal: Principal) -> dict[str, Any]:
    role = principal.role
    can = {
        "read_users": allowed(role, Action.USERS_READ),
        "manage_users": allowed(role, Action.USERS_MANAGE),
        "invite": allowed(role, Action.USERS_INVITE),
        "update_tenant": allowed(role, Action.TENANT_UPDATE),
        "read_audit": allowed(role, Action.AUDIT_READ),
        "api_keys": allowed(role, Action.API_KEYS_MANAGE),
    }
    with accounts_unit(request) as session:
        keys = (
            [api_keys.key_out(k) for k in api_keys.list_keys(session, principal)] if can["api_keys"] else []
        )
        tenant = accounts_admin.own_tenant(session, principal, principal.tenant_id)
        users = (
            [accounts.user_out(session, u) for u in accounts_admin.list_users(session, principal, tenant.id)]
            if can["read_users"]
            else []
        )
        chain = accounts_admin.verify_audit(session, principal) if can["read_audit"] else None
        recent = (
            [
                audit.public_view(e)
                for e in accounts_admin.audit_log(
                    session, principal, event_type=None, before_id=None, limit=10
                )
            ]
            if can["read_audit"]
            else []
        )
        tenant_view = accounts.tenant_out(tenant)
    # The least powerful role first, so it is what an invitation gets unless someone chooses.
    order = [Role.USER, Role.MANAGER, Role.AUDITOR, Role.ADMIN]
    grantable = [r.value for r in order if role == Role.ADMIN.value or r == Role.USER]
    return {
        "active": "admin",
        "me": principal,
        "tenant": tenant_view,
        "users": users,
        "chain": chain,
        "recent": recent,
        "can": can,
        "roles": [r.value for r in Role],
        "grantable": grantable,
        "plans": {p.value: PLAN_LIMITS[p] for p in Plan},
        "api_keys": keys,
        "key_scopes": api_keys.SCOPES,
    }


def admin_guard(request: Request) -> tuple[PageSession, Response | None]:
    page = page_session(request)
    if page.principal is None:
        return page, to_login(request)
    if not (
        allowed(page.principal.role, Action.TENANT_READ) or allowed(page.principal.role, Action.USERS_READ)
    ):
        detail = f"Your role ({page.principal.role}) cannot see the team's administration."
        refused = forbidden_page(request, detail)
        if page.renewed is not None:
            set_cookies(request, refused, page.renewed)
        return page, refused
    return page, None


def admin_action(
    request: Request,
    page: PageSession,
    action: Action,
    work: Any,
    after: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """Runs one admin change for the page: policy check, the service call, then back to the page.
    ``after`` runs once the change has committed, with what ``work`` returned (mail goes out there)."""
    principal = page.principal
    assert principal is not None  # nosec B101  # the guard above refused anonymous callers
    if not allowed(principal.role, action):
        context = {
            **admin_context(request, principal),
            "error": f"Your role ({principal.role}) may not do this.",
        }
        return render(request, "admin.html", context, page, 403)
    try:
        with accounts_unit(request) as session:
            shown = work(session, get_ctx(request), principal)
    except AppError as exc:
        return render(
            request,
            "admin.html",
            {**admin_context(request, principal), "error": exc.message},
            page,
            exc.status,
        )
    except ValidationError as exc:
        return render(
            request, "admin.html", {**admin_context(request, principal), "error": first_error(exc)}, page, 422
        )
    if shown is not None:
        if after is not None:
            shown = {**shown, **after(shown)}
        return render(request, "admin.html", {**admin_context(request, principal), **shown}, page)
    response = RedirectResponse("/admin?saved=1", status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, saved: bool = False) -> Response:
    page, refused = admin_guard(request)
    if refused is not None:
        return refused
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    context = {**admin_context(request, page.principal), "notice": "Saved." if saved else None}
    return render(request, "admin.html", context, page)


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse)
def admin_set_role(request: Request, user_id: str, role: FormStr = "") -> Response:
    page, refused = admin_guard(request)
    if refused is not None:
        return refused

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        accounts_admin.update_user(
            session, ctx, principal, user_id, UserUpdate.model_validate({"role": role})
        )

    return admin_action(request, page, Action.USERS_MANAGE, work)


@router.post("/admin/tenant", response_class=HTMLResponse)
def admin_rename_team(request: Request, name: FormStr = "") -> Response:
    """A team admin renames the team; plans and limits are the operators' (/ops)."""
    page, refused = admin_guard(request)
    if refused is not None:
        return refused

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        data = TenantUpdate.model_validate({"name": name})
        accounts_admin.update_tenant(session, ctx, principal, principal.tenant_id, data)

    return admin_action(request, page, Action.TENANT_UPDATE, work)


@router.post("/admin/invitations", response_class=HTMLResponse)
def admin_invite(request: Request, email: FormStr = "", role: FormStr = "user") -> Response:
    page, refused = admin_guard(request)
    if refused is not None:
        return refused

    def work(session: Any, ctx: Any, principal: Principal) -> dict[str, Any]:
        invitation = accounts_admin.invite(
            session,
            ctx,
            principal,
            principal.tenant_id,
            InviteIn.model_validate({"email": email, "role": role}),
        )
        team = accounts_admin.own_tenant(session, principal, principal.tenant_id).name
        return {"invitation": invitation, "team": team}

    def mail_it(shown: dict[str, Any]) -> dict[str, Any]:
        settings = request.app.state.settings
        base = email_tokens.link_base(settings, str(request.base_url))
        assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
        outgoing = email_tokens.invitation_mail(
            shown["invitation"], shown["team"], page.principal.email, base
        )
        delivery = email_tokens.deliver(settings, outgoing)
        return {"mailed": delivery is not None and delivery.ok, "mail_note": email_tokens.mail_note(settings)}

    return admin_action(request, page, Action.USERS_INVITE, work, after=mail_it)


@router.post("/admin/api-keys", response_class=HTMLResponse)
def admin_create_api_key(
    request: Request, name: FormStr = "", scopes: Annotated[list[str] | None, Form()] = None
) -> Response:
    """A team API key for a program or a front-end: shown once on the page that answers, then only its
    prefix (the API's POST /api-keys)."""
    page, refused = admin_guard(request)
    if refused is not None:
        return refused

    def work(session: Any, ctx: Any, principal: Principal) -> dict[str, Any]:
        data = ApiKeyIn.model_validate({"name": name, "scopes": scopes or []})
        row, key = api_keys.create(session, ctx, principal, data.name, data.scopes)
        return {"new_key": {**api_keys.key_out(row), "key": key}}

    return admin_action(request, page, Action.API_KEYS_MANAGE, work)


@router.post("/admin/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def admin_revoke_api_key(request: Request, key_id: str) -> Response:
    page, refused = admin_guard(request)
    if refused is not None:
        return refused

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        api_keys.revoke(session, ctx, principal, key_id, getattr(request.app.state, "key_teams", None))

    return admin_action(request, page, Action.API_KEYS_MANAGE, work)
