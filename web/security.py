"""What protects the pages in a browser: CSRF checks and security headers.

CSRF. The pages sign in with cookies (``web.session``), which a browser also sends with a form another
site makes it post; SameSite cookies stop other *sites*, not another port of the same host. So every
state-changing request (POST, PUT, PATCH, DELETE) that carries our session cookie and no
``Authorization`` header must pass two checks, each answering 403 in the error envelope (an HTML page
for browsers) when it fails:

1. **Where it comes from**: ``Sec-Fetch-Site`` must be ``same-origin`` (or ``none``: typed by the user);
   without it, ``Origin`` (or else ``Referer``) must be this site's own origin. Requests with neither
   (curl, scripts) go on to the token check alone.
2. **A per-session token**: ``csrf_token`` in the form, or the ``X-CSRF-Token`` header for scripts, equal
   to HMAC-SHA256(``GPUBROKER_JWT_SECRET``, ``"csrf:" + session id``). It is put into every
   ``<form method="post">`` a page renders (:func:`inject_form_tokens`) and into a
   ``<meta name="csrf-token">`` for scripts, so no form can be forgotten.

Requests without a session cookie (sign-in, sign-up) get the origin check only, which is what stops a
login-CSRF. Bearer-token and API-key (``X-Api-Key``) calls are unaffected: the JSON API never reads the
cookies for them, and other origins' pages reach it under accounts.cors's rules.

Headers. Every response gets ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``; HTML gets a
Content-Security-Policy that allows scripts, styles and connections from this origin only (the pages
have no inline script or style; the API documentation pages get ``DOCS_CSP``, which allows their inline
start script and styles but still nothing from another origin), ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``; responses over https get HSTS.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts import tokens
from core.errors import envelope
from core.settings import Settings

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELD = "csrf_token"
HEADER = b"x-csrf-token"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# The API documentation pages are FastAPI's: an inline start script and inline styles, with their assets
# bundled and served from /static-offline-docs (fastapi-offline). They get a policy of their own that
# allows those and still keeps every request on this origin (Redoc's sidebar would load its maker's logo
# from a CDN; here it does not).
DOCS_PREFIXES = ("/docs", "/redoc")
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
HSTS = b"max-age=31536000; includeSubDomains"
_FORM = re.compile(rb"(<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>)", re.IGNORECASE)
_HEAD = re.compile(rb"(<head\b[^>]*>)", re.IGNORECASE)


def token_for(settings: Settings, session_id: str) -> str:
    key = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(key, f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()[:40]


def session_id(settings: Settings, cookies: dict[str, str]) -> str | None:
    """The sign-in session behind the page cookies (access token, or the refresh token when it expired)."""
    for name in (tokens.ACCESS_COOKIE, tokens.REFRESH_COOKIE):
        token = cookies.get(name)
        if token:
            claims = tokens.peek_claims(settings, token)
            if claims is not None:
                return str(claims["sid"])
    return None


def request_token(settings: Settings, cookies: dict[str, str]) -> str | None:
    sid = session_id(settings, cookies)
    return token_for(settings, sid) if sid else None


def inject_form_tokens(html: bytes, token: str) -> bytes:
    """Every POST form of a page gets the session's token as a hidden field, and the page's head a
    ``<meta name="csrf-token">`` for its scripts."""
    hidden = f'<input type="hidden" name="{FIELD}" value="{token}">'.encode()
    html = _FORM.sub(lambda m: m.group(1) + hidden, html)
    return _HEAD.sub(
        lambda m: m.group(1) + b'<meta name="csrf-token" content="' + token.encode() + b'">', html, count=1
    )


def _origin(value: str) -> str | None:
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins(scope: Scope, settings: Settings, host: str | None) -> set[str]:
    origins = set()
    if host:
        origins.add(f"{scope.get('scheme', 'http')}://{host}".lower())
    if settings.public_url:
        own = _origin(settings.public_url)
        if own:
            origins.add(own)
    return origins


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class SecurityMiddleware:
    """Pure ASGI: the CSRF checks before a route runs, the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["app"].state.settings
        headers = scope.get("headers", [])
        if scope["method"] in UNSAFE:
            refusal, receive = await self._check(scope, receive, settings, headers)
            if refusal is not None:
                await self._refuse(scope, send, headers, refusal)
                return
        https = scope.get("scheme") == "https"
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PREFIXES) else CSP
        cookie = _header(headers, b"cookie")
        held: list[Message] = []
        token: str | None = None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                names = {k.lower() for k, _ in out}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                content_type = next((v for k, v in out if k.lower() == b"content-type"), b"")
                html = content_type.startswith(b"text/html")
                if html:
                    extra += [(b"content-security-policy", csp.encode()), (b"x-frame-options", b"DENY")]
                if https:
                    extra.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": out + [(k, v) for k, v in extra if k not in names]}
                if html and cookie:
                    nonlocal token
                    token = request_token(settings, cookie_parser(cookie))
                if html and token:
                    held.append(message)  # the body gets the session's token: sent with it, re-measured
                    return
                await send(message)
                return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body", False):
                    return
                start, *parts = held
                body = inject_form_tokens(b"".join(p.get("body", b"") for p in parts), token or "")
                start_headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                start_headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": start_headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _check(
        self, scope: Scope, receive: Receive, settings: Settings, headers: list[tuple[bytes, bytes]]
    ) -> tuple[str | None, Receive]:
        if _header(headers, b"authorization") or _header(headers, b"x-api-key"):
            return None, receive  # bearer and API-key calls: the cookies are never read
        cookie = _header(headers, b"cookie")
        cookies = cookie_parser(cookie) if cookie else {}
        site = _header(headers, b"sec-fetch-site")
        if site is not None:
            if site not in ("same-origin", "none"):
                return f"the request came from another site ({site})", receive
        else:
            origin = _header(headers, b"origin") or _header(headers, b"referer")
            if origin is not None and origin != "null":
                if _origin(origin) not in _own_origins(scope, settings, _header(headers, b"host")):
                    return "the request came from another origin", receive
            elif origin == "null":
                return "the request came from an opaque origin", receive
        expected = request_token(settings, cookies) if cookies else None
        if expected is None:
            return None, receive  # not signed in: nothing to act on behalf of
        given = _header(headers, HEADER)
        if given is None:
            given, receive = await _form_token(scope, receive, headers)
        if given is None or not hmac.compare_digest(given, expected):
            return (
                "the form's security token is missing or out of date; reload the page and try again",
                receive,
            )
        return None, receive

    async def _refuse(
        self, scope: Scope, send: Send, headers: list[tuple[bytes, bytes]], reason: str
    ) -> None:
        accept = _header(headers, b"accept") or ""
        if "text/html" in accept:
            body = _refusal_page(reason).encode()
            content_type = b"text/html; charset=utf-8"
        else:
            body = orjson.dumps(envelope("csrf_failed", f"refused: {reason}"))
            content_type = b"application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"content-security-policy", CSP.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _form_token(
    scope: Scope, receive: Receive, headers: list[tuple[bytes, bytes]]
) -> tuple[str | None, Receive]:
    """Reads the body of a form post (bounded by the request guard's size limit) to find the token, and
    gives the route a ``receive`` that replays it."""
    content_type = (_header(headers, b"content-type") or "").lower()
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None, receive
    chunks: list[bytes] = []
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    token: str | None = None
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
        token = values[0] if values else None
    else:
        match = re.search(rb'name="' + FIELD.encode() + rb'"\r\n\r\n([^\r\n]*)\r\n', body)
        token = match.group(1).decode("latin-1") if match else None
    replay = iter(messages)

    async def replayed() -> Message:
        try:
            return next(replay)
        except StopIteration:
            return await receive()

    return token, replayed


def _refusal_page(reason: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main class="container">'
        '<h1 class="page-title">This request was refused</h1>'
        f'<p class="notice notice-error" role="alert">{escape(reason)}.</p>'
        '<p>Forms of GPUBroker only work from GPUBroker\'s own pages. <a href="/">Back to the marketplace</a></p>'
        "</main></body></html>"
    )


def install(app: Any) -> None:
    app.add_middleware(SecurityMiddleware)
