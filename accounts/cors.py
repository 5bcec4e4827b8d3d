"""CORS per team: which other origins' browser pages may call the API, and with whose credentials.

A team lists its front-ends' origins in its settings (``tenants.cors_origins``: ``https://app.example.com``,
or ``*`` for any). A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) carries no credentials,
so it cannot name a team: it is allowed when *any* active team lists the origin, and answered 204 with
the methods and the asked-for headers (``X-Api-Key``, ``Authorization``, ``Last-Event-ID``, ...), cached
ten minutes by the browser. The actual request then names its team through its API key or bearer token,
and is refused with 403 ``origin_not_allowed`` (before any route runs) unless that team lists the origin.
A request with no credentials (``/info``, the catalog, a 401) gets the CORS headers when any team lists
the origin, so a front-end can read the answer.

``Access-Control-Allow-Origin`` always echoes the one origin (with ``Vary: Origin``), never ``*``, and
``Access-Control-Allow-Credentials`` is never sent: cookies are never usable from another origin, so the
pages' cookie sessions stay same-origin (web.security's CSRF checks). ``Content-Location`` and ``Location``
(run ids and stream reconnection, which LangGraph's clients read), the paging and rate-limit headers are
exposed. Requests from our own origin (the Host, or ``GPUBROKER_PUBLIC_URL``) pass untouched.

The teams' origins are read from the database and kept ``ORIGINS_TTL_S``; an admin's change is forgotten
at once in this process (``TenantLimits.forget`` tells :meth:`TeamOrigins.forget`).
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import anyio
import orjson
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts import api_keys, tokens
from accounts.models import Tenant
from core.errors import envelope
from core.settings import Settings

ORIGINS_TTL_S = 10.0
ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSE = (
    b"Content-Location, Location, X-Pagination-Next, X-Pagination-Total, X-RateLimit-Limit, "
    b"X-RateLimit-Remaining, Retry-After, X-Trace-Id"
)
MAX_AGE = b"600"


class TeamOrigins:
    """Teams' allowed origins, kept a few seconds: per team, and the union of all (for preflights)."""

    def __init__(self, ttl_s: float = ORIGINS_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._teams: dict[str, tuple[float, frozenset[str]]] = {}
        self._union: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def of_team(self, session_factory: Any, tenant_id: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            hit = self._teams.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            with session_factory() as session:
                tenant = session.get(Tenant, tenant_id)
                origins = (
                    frozenset(tenant.cors_origins or ())
                    if tenant is not None and tenant.active
                    else frozenset()
                )
        except SQLAlchemyError:
            return hit[1] if hit is not None else frozenset()
        with self._lock:
            self._teams[tenant_id] = (now + self._ttl_s, origins)
        return origins

    def any_team(self, session_factory: Any) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            hit = self._union
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            with session_factory() as session:
                rows = session.execute(select(Tenant.cors_origins).where(Tenant.active.is_(True))).scalars()
                union = frozenset(o for row in rows for o in (row or ()))
        except SQLAlchemyError:
            return hit[1] if hit is not None else frozenset()
        with self._lock:
            self._union = (now + self._ttl_s, union)
        return union

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            self._teams.pop(tenant_id, None)
            self._union = None


def allows(origins: frozenset[str], origin: str) -> bool:
    return origin in origins or "*" in origins


def _headers(scope: Scope) -> dict[bytes, str]:
    return {k: v.decode("latin-1") for k, v in scope.get("headers", ())}


def _own_origins(scope: Scope, settings: Settings, headers: dict[bytes, str]) -> set[str]:
    own = set()
    host = headers.get(b"host")
    if host:
        own.add(f"{scope.get('scheme', 'http')}://{host}".lower())
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        own.add(f"{parts.scheme}://{parts.netloc}".lower())
    return own


def team_of_request(state: Any, headers: dict[bytes, str]) -> str | None:
    """The team whose credentials the request carries (API key or bearer token), without a route's checks:
    the route still authenticates it. Blocking (cache misses query): run it in a worker thread."""
    key = headers.get(b"x-api-key")
    scheme, _, token = headers.get(b"authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else ""
    if not key and api_keys.is_api_key(bearer):
        key = bearer
    if key:
        team: str | None = state.key_teams.team_of(state.session_factory, key)
        return team
    if bearer:
        return tokens.peek_tenant(state.settings, bearer)
    return None


class CorsMiddleware:
    """Pure ASGI: answers preflights, refuses another team's origin, adds the headers to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        raw_origin = headers.get(b"origin")
        state = scope["app"].state
        if not raw_origin or raw_origin == "null":
            await self.app(scope, receive, send)
            return
        origin = raw_origin.strip().lower().rstrip("/")
        if origin in _own_origins(scope, state.settings, headers):
            await self.app(scope, receive, send)
            return
        cors = [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            known = await anyio.to_thread.run_sync(state.team_origins.any_team, state.session_factory)
            if not allows(known, origin):
                await _answer(send, 403, [], "origin_not_allowed", f"no team allows the origin {origin}")
                return
            asked = headers.get(b"access-control-request-headers", "")
            preflight = [
                *cors,
                (b"access-control-allow-methods", ALLOW_METHODS),
                (b"access-control-allow-headers", asked.encode("latin-1")),
                (b"access-control-max-age", MAX_AGE),
            ]
            await _answer(send, 204, preflight)
            return
        team = await anyio.to_thread.run_sync(team_of_request, state, headers)
        if team is not None:
            origins = await anyio.to_thread.run_sync(state.team_origins.of_team, state.session_factory, team)
            if not allows(origins, origin):
                message = f"your team does not allow calls from {origin}: add it to the team's CORS origins"
                await _answer(send, 403, cors, "origin_not_allowed", message)
                return
        else:
            known = await anyio.to_thread.run_sync(state.team_origins.any_team, state.session_factory)
            if not allows(known, origin):
                await self.app(scope, receive, send)  # a browser will not let that page read the answer
                return
        extra = [*cors, (b"access-control-expose-headers", EXPOSE)]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], code: str | None = None, message: str = ""
) -> None:
    body = orjson.dumps(envelope(code, message)) if code else b""
    out = [*headers, (b"content-length", str(len(body)).encode())]
    if body:
        out.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


def install(app: Any) -> None:
    """Outermost but for the proxy headers: preflights and refusals are answered before any guard, and
    every answer (a 429 or 401 included) carries the headers a browser needs to read it."""
    app.state.team_origins = TeamOrigins()
    app.state.key_teams = getattr(app.state, "key_teams", None) or api_keys.KeyTeams()
    limits = getattr(app.state, "tenant_limits", None)
    if limits is not None:
        limits.listeners.append(app.state.team_origins.forget)
    app.add_middleware(CorsMiddleware)
