"""The pages real provisioning needs: ``/account/ssh-keys`` (your SSH public keys; the first is the default
when booking) and ``/account/provider-credentials`` (the team's accounts at AWS, RunPod, Lambda and Vast).

Plain forms that post and redirect (303), on the site's sign-in cookies, calling the same
``booking.credentials`` functions as the API: the same validation, the same 422 quoting a provider that
refused the credentials, admins only for credentials (a refusal is a 403 page, audited). A credential's
value is never rendered back, not even into the form after an error.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import service as accounts
from accounts.deps import get_ctx
from accounts.policy import Action, allowed
from booking import credentials
from booking.provisioners import CREDENTIAL_FIELDS
from core.db import session_scope
from core.errors import AppError
from web.account_pages import FormStr, render, to_login
from web.session import PageSession, page_session, set_cookies

router = APIRouter(include_in_schema=False)

NOTICES = {
    "key_added": "SSH key added.",
    "key_removed": "SSH key removed.",
    "saved": "Credentials checked with the provider and saved, encrypted.",
    "removed": "Credentials removed.",
}
FIELD_LABELS = {
    "api_key": "API key",
    "access_key_id": "Access key ID",
    "secret_access_key": "Secret access key",  # nosec B105  # a form label, not a secret
}
PROVIDER_NAMES = {"aws": "AWS EC2", "lambda": "Lambda Cloud", "runpod": "RunPod", "vast": "Vast.ai"}


def _back(request: Request, url: str, page: PageSession) -> Response:
    response = RedirectResponse(url, status_code=303)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


# --- SSH keys ---------------------------------------------------------------------------------------------


def _keys_context(request: Request, page: PageSession) -> dict[str, Any]:
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    with session_scope(request.app.state.session_factory) as session:
        keys = credentials.list_ssh_keys(session, page.principal)
    return {"active": "ssh_keys", "keys": keys}


@router.get("/account/ssh-keys", response_class=HTMLResponse)
def ssh_keys_page(request: Request, done: str = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    return render(
        request, "ssh_keys.html", {**_keys_context(request, page), "notice": NOTICES.get(done)}, page
    )


@router.post("/account/ssh-keys", response_class=HTMLResponse)
def ssh_keys_add(request: Request, name: FormStr = "", public_key: FormStr = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    try:
        with session_scope(request.app.state.session_factory) as session:
            credentials.add_ssh_key(session, get_ctx(request), page.principal, name or None, public_key)
    except AppError as exc:
        # The key is not echoed when it looked like a private key.
        echo = "" if "PRIVATE KEY" in public_key else public_key
        context = {
            **_keys_context(request, page),
            "error": exc.message,
            "form": {"name": name, "public_key": echo},
        }
        return render(request, "ssh_keys.html", context, page, exc.status)
    return _back(request, "/account/ssh-keys?done=key_added", page)


@router.post("/account/ssh-keys/{key_id}/delete", response_class=HTMLResponse)
def ssh_keys_delete(request: Request, key_id: str) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    try:
        with session_scope(request.app.state.session_factory) as session:
            credentials.delete_ssh_key(session, get_ctx(request), page.principal, key_id)
    except AppError as exc:
        return render(
            request, "ssh_keys.html", {**_keys_context(request, page), "error": exc.message}, page, exc.status
        )
    return _back(request, "/account/ssh-keys?done=key_removed", page)


# --- provider credentials ----------------------------------------------------------------------------------


def _accounts_context(request: Request, page: PageSession) -> dict[str, Any]:
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    settings = request.app.state.settings
    with session_scope(request.app.state.session_factory) as session:
        stored = {row.provider_id: row for row in credentials.list_credentials(session, page.principal)}
    rows = []
    for provider_id in sorted(CREDENTIAL_FIELDS):
        broker = credentials.broker_credentials(settings, provider_id) is not None
        rows.append(
            {
                "provider_id": provider_id,
                "name": PROVIDER_NAMES.get(provider_id, provider_id),
                "stored": stored.get(provider_id),
                "broker": broker,
                "fields": [(f, FIELD_LABELS[f]) for f in CREDENTIAL_FIELDS[provider_id]],
            }
        )
    return {
        "active": "provider_credentials",
        "rows": rows,
        "can_write": allowed(page.principal.role, Action.CREDENTIALS_WRITE),
    }


@router.get("/account/provider-credentials", response_class=HTMLResponse)
def credentials_page(request: Request, done: str = "") -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    context = {**_accounts_context(request, page), "notice": NOTICES.get(done)}
    return render(request, "provider_credentials.html", context, page)


def _refused(request: Request, page: PageSession) -> Response | None:
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    if allowed(page.principal.role, Action.CREDENTIALS_WRITE):
        return None
    with session_scope(request.app.state.session_factory) as session:
        accounts.record_denied(
            session, get_ctx(request), page.principal, Action.CREDENTIALS_WRITE.value, request.url.path
        )
    message = f"Your role ({page.principal.role}) may not change the team's provider accounts: ask an admin."
    return render(
        request,
        "provider_credentials.html",
        {**_accounts_context(request, page), "error": message},
        page,
        403,
    )


@router.post("/account/provider-credentials/{provider_id}", response_class=HTMLResponse)
async def credentials_save(request: Request, provider_id: str) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k in FIELD_LABELS}
    return await _run(request, provider_id, values)


async def _run(request: Request, provider_id: str, values: dict[str, str] | None) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_save_or_remove, request, provider_id, values)


def _save_or_remove(request: Request, provider_id: str, values: dict[str, str] | None) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    if (refusal := _refused(request, page)) is not None:
        return refusal
    try:
        with session_scope(request.app.state.session_factory) as session:
            if values is None:
                credentials.delete_credentials(session, get_ctx(request), page.principal, provider_id)
            else:
                credentials.put_credentials(session, get_ctx(request), page.principal, provider_id, values)
    except AppError as exc:
        context = {**_accounts_context(request, page), "error": exc.message, "failed": provider_id}
        return render(request, "provider_credentials.html", context, page, exc.status)
    return _back(
        request, f"/account/provider-credentials?done={'removed' if values is None else 'saved'}", page
    )


@router.post("/account/provider-credentials/{provider_id}/delete", response_class=HTMLResponse)
async def credentials_delete(request: Request, provider_id: str) -> Response:
    return await _run(request, provider_id, None)
