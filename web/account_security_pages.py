"""The account's security page, ``/account/security``: passkeys (register one from the page, rename,
remove), the authenticator app (TOTP) and recovery codes, and the open sign-in sessions (sign one out,
or all but this one).

Forms post back and redirect (303) with a notice; a refused change renders the page again with the
message and the status the service gives, never a 500. Registering a passkey is the one step that needs
script: ``static/account_security.js`` runs the WebAuthn ceremony against the two JSON routes here,
which take the page's cookies and its CSRF header (web.security), like the login page's passkey button.
The rules (the last way in cannot be removed, a session is really ended, each change audited) live in
the accounts services the page calls.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from accounts import mfa, repository, sessions, webauthn
from accounts.deps import accounts_unit, get_ctx
from accounts.schemas import PasskeyNameIn, TotpCodeIn, WebAuthnCredentialOut, WebAuthnOptions
from accounts.service import Principal
from core.errors import AppError, envelope
from web.account_pages import FormStr, error_headers, first_error, render, to_login
from web.session import PageSession, page_session, set_cookies

router = APIRouter(include_in_schema=False)

PAGE = "/account/security"
NOTICES = {
    "passkey_added": "Passkey added. You can sign in with it from the sign-in page.",
    "passkey_renamed": "Passkey renamed.",
    "passkey_removed": "Passkey removed.",
    "totp_disabled": "Authenticator app turned off.",
    "session_ended": "That session is signed out: its browser must sign in again.",
    "others_ended": "Every other session is signed out.",
    "no_others": "There was no other session to sign out.",
}

# Browser and system names, most specific first (Edge and Opera also say Chrome; Chrome also says Safari).
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome/", "Headless Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "Python (httpx)"),
    ("python-requests/", "Python (requests)"),
    ("testclient", "Test client"),
)
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_GPUBROKER_SDK = re.compile(r"gpubroker[\w-]*/[\w.]+", re.IGNORECASE)


def device_label(user_agent: str | None) -> str:
    """A short name for the program behind a session ("Chrome on Linux"); the full string is shown too."""
    if not user_agent:
        return "Unknown device"
    sdk = _GPUBROKER_SDK.search(user_agent)
    if sdk:
        return sdk.group(0)
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent.split(" ", 1)[0][:60]


def security_context(request: Request, principal: Principal) -> dict[str, Any]:
    with accounts_unit(request) as session:
        user = repository.user(session, principal.user_id)
        passkeys = webauthn.credentials_of(session, principal)
        open_sessions = sessions.open_sessions(session, principal)
        codes_left = mfa.recovery_codes_left(session, principal)
        sso = repository.count_oidc_identities(session, principal.user_id) > 0
    totp = user is not None and user.totp_confirmed_at is not None
    return {
        "active": "account",
        "email": principal.email,
        "passkeys": passkeys,
        "totp": totp,
        "has_password": user is not None and user.password_hash is not None,
        "sso": sso,
        "has_factor": totp or bool(passkeys),
        "codes_left": codes_left,
        "sessions": [{"view": s, "device": device_label(s.user_agent)} for s in open_sessions],
        "others": sum(not s.current for s in open_sessions),
    }


def _page(
    request: Request,
    page: PageSession,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    assert page.principal is not None  # nosec B101  # callers render it only for a signed-in page
    context = {**security_context(request, page.principal), **extra}
    return render(request, "account_security.html", context, page, status_code, headers)


def _back(request: Request, page: PageSession, done: str) -> Response:
    response = RedirectResponse(f"{PAGE}?done={done}", status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


def _change(request: Request, page: PageSession, work: Any, done: str) -> Response:
    """Runs one change for the signed-in user and goes back to the page with its notice, or renders the
    page with the refusal. ``work(session, ctx, principal)`` may return the notice's key instead."""
    try:
        with accounts_unit(request) as session:
            outcome = work(session, get_ctx(request), page.principal)
    except AppError as exc:
        return _page(request, page, exc.status, error_headers(exc), error=exc.message)
    except ValidationError as exc:
        return _page(request, page, 422, error=first_error(exc))
    return _back(request, page, outcome if isinstance(outcome, str) else done)


@router.get(PAGE, response_class=HTMLResponse)
def security_page(request: Request, done: str = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    return _page(request, page, notice=NOTICES.get(done))


# --- passkeys ---------------------------------------------------------------------------------------


def _json_error(exc: AppError) -> JSONResponse:
    return JSONResponse(
        envelope(exc.code, exc.message, exc.details), status_code=exc.status, headers=error_headers(exc)
    )


def _json_refused(message: str, field: str) -> JSONResponse:
    return JSONResponse(envelope("validation_error", message, [{"field": field}]), status_code=422)


@router.post(f"{PAGE}/passkeys/options")
async def passkey_options(request: Request) -> Response:
    """Creation options for ``navigator.credentials.create()``, with the flow that remembers the challenge."""
    page = await run_in_threadpool(page_session, request)
    if page.principal is None:
        return JSONResponse(envelope("not_authenticated", "sign in again"), status_code=401)
    principal = page.principal

    def work() -> WebAuthnOptions:
        with accounts_unit(request) as session:
            return webauthn.registration_options(session, get_ctx(request), principal)

    try:
        options = await run_in_threadpool(work)
    except AppError as exc:
        return _json_error(exc)
    return JSONResponse(options.model_dump(mode="json"))


@router.post(f"{PAGE}/passkeys")
async def passkey_register(request: Request) -> Response:
    """The authenticator's attestation for a challenge of :func:`passkey_options`. Answers the new
    passkey and, for a first second factor, its recovery codes (shown once, by the page's script)."""
    page = await run_in_threadpool(page_session, request)
    if page.principal is None:
        return JSONResponse(envelope("not_authenticated", "sign in again"), status_code=401)
    principal = page.principal
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return _json_refused("send a JSON object", "body")
    flow_id, credential = payload.get("flow_id"), payload.get("credential")
    if not isinstance(flow_id, str) or not isinstance(credential, dict):
        return _json_refused("flow_id and credential are required", "credential")
    try:
        name = PasskeyNameIn.model_validate(
            {"name": str(payload.get("name") or "").strip() or "Passkey"}
        ).name
    except ValidationError as exc:
        return _json_refused(first_error(exc), "name")

    def work() -> WebAuthnCredentialOut:
        with accounts_unit(request) as session:
            return webauthn.register(session, get_ctx(request), principal, flow_id, credential, name)

    try:
        added = await run_in_threadpool(work)
    except AppError as exc:
        return _json_error(exc)
    return JSONResponse(
        {"name": added.name, "recovery_codes": added.recovery_codes, "next": f"{PAGE}?done=passkey_added"},
        status_code=201,
    )


@router.post(f"{PAGE}/passkeys/{{credential_id}}/rename", response_class=HTMLResponse)
def passkey_rename(request: Request, credential_id: str, name: FormStr = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        new_name = PasskeyNameIn.model_validate({"name": name.strip()}).name
        webauthn.rename_credential(session, ctx, principal, credential_id, new_name)

    return _change(request, page, work, "passkey_renamed")


@router.post(f"{PAGE}/passkeys/{{credential_id}}/remove", response_class=HTMLResponse)
def passkey_remove(request: Request, credential_id: str) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        webauthn.remove_credential(session, ctx, principal, credential_id)

    return _change(request, page, work, "passkey_removed")


# --- authenticator app and recovery codes ------------------------------------------------------------


@router.post(f"{PAGE}/totp/disable", response_class=HTMLResponse)
def totp_disable(request: Request, code: FormStr = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        body = TotpCodeIn.model_validate({"code": code.strip()})
        mfa.disable_totp(session, ctx, principal, body.code)

    return _change(request, page, work, "totp_disabled")


@router.post(f"{PAGE}/recovery-codes", response_class=HTMLResponse)
def recovery_codes_regenerate(request: Request) -> Response:
    """New recovery codes, rendered on the answer (the only time they are readable), not redirected."""
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    try:
        with accounts_unit(request) as session:
            codes = mfa.regenerate_recovery_codes(session, get_ctx(request), page.principal)
    except AppError as exc:
        return _page(request, page, exc.status, error=exc.message)
    return _page(request, page, recovery_codes=codes.recovery_codes)


# --- sessions -----------------------------------------------------------------------------------------


@router.post(f"{PAGE}/sessions/others/end", response_class=HTMLResponse)
def sessions_end_others(request: Request) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)

    def work(session: Any, ctx: Any, principal: Principal) -> str:
        return "others_ended" if sessions.end_other_sessions(session, ctx, principal) else "no_others"

    return _change(request, page, work, "others_ended")


@router.post(f"{PAGE}/sessions/{{session_id}}/end", response_class=HTMLResponse)
def session_end(request: Request, session_id: str) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)

    def work(session: Any, ctx: Any, principal: Principal) -> None:
        sessions.end_session(session, ctx, principal, session_id)

    return _change(request, page, work, "session_ended")
