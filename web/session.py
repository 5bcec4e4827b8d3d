"""The browser's sign-in session, shared by every page (sign-in, account, admin, chat).

Pages cannot send a bearer token without script, so a page sign-in goes through ``accounts.service``
itself and keeps the token pair in HttpOnly, SameSite=Strict cookies: cross-site requests carry no
cookie, which is the CSRF guard for the pages' forms (the JSON API reads bearer tokens only, never
these cookies). When the access token has run out, the refresh cookie renews the pair (rotation, with
reuse detection, as for any client) and the response writes the new pair back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from accounts import service as accounts
from accounts import tokens
from accounts.deps import accounts_unit, get_ctx
from accounts.policy import Action, allowed
from accounts.schemas import TokenPair
from accounts.service import Principal
from core.errors import AppError

ACCESS_COOKIE = tokens.ACCESS_COOKIE
REFRESH_COOKIE = tokens.REFRESH_COOKIE
COOKIE_PATH = "/"


@dataclass
class PageSession:
    """Who is asking; ``renewed`` is set when the cookies were refreshed and must be written back."""

    principal: Principal | None = None
    access_token: str | None = None
    renewed: TokenPair | None = None


def page_session(request: Request) -> PageSession:
    """The signed-in user behind the page's cookies, refreshing the pair when the access token ran out.
    Blocking (database): call it in a worker thread."""
    settings = request.app.state.settings
    access = request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            with accounts_unit(request) as session:
                return PageSession(accounts.authenticate(session, settings, access), access)
        except AppError:
            pass
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        try:
            with accounts_unit(request) as session:
                pair = accounts.refresh(session, get_ctx(request), refresh)
                principal = accounts.authenticate(session, settings, pair.access_token)
            return PageSession(principal, pair.access_token, pair)
        except AppError:
            pass
    return PageSession()


def set_cookies(request: Request, response: Response, pair: TokenPair) -> None:
    secure = request.url.scheme == "https"
    common: dict[str, Any] = {"path": COOKIE_PATH, "httponly": True, "samesite": "strict", "secure": secure}
    response.set_cookie(ACCESS_COOKIE, pair.access_token, max_age=pair.expires_in, **common)
    max_age = int(request.app.state.settings.refresh_token_ttl_s)
    response.set_cookie(REFRESH_COOKIE, pair.refresh_token, max_age=max_age, **common)


def clear_cookies(response: Response) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="strict")


def session_claims(request: Request) -> dict[str, Any] | None:
    """The verified claims of the page's session cookie (access, else refresh), without a database call:
    for what the navigation shows only; every page and route still checks for itself."""
    settings = request.app.state.settings
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        token = request.cookies.get(name)
        if not token:
            continue
        claims = tokens.peek_claims(settings, token)
        if claims is not None:
            return claims
    return None


def nav_user(request: Request) -> dict[str, Any] | None:
    """What the navigation shows: the signed-in role and which links it may see."""
    claims = session_claims(request)
    if claims is None:
        return None
    role = str(claims.get("role", ""))
    return {
        "role": role,
        "admin": allowed(role, Action.TENANT_READ) or allowed(role, Action.USERS_READ),
        "invoices": allowed(role, Action.TENANT_READ),
        "operator": bool(claims.get("op")),
    }
