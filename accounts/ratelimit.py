"""Rate limiting (FR-SEC-2) and the request guards that run before any route.

Token buckets: a bucket holds up to ``burst`` tokens, refills at ``rps`` tokens a second, and each
request takes one. A signed-in caller, and a team API key (``X-Api-Key`` or a ``gbk_`` bearer), draws
from its tenant's bucket (the tenant's ``rate_limit_rps`` and ``burst``, set by its plan or an admin);
anonymous callers, and callers whose token or key does not verify, draw from a bucket per client IP.
With ``GPUBROKER_REDIS_URL`` set the buckets live in Redis and one Lua script reads, refills and takes
atomically, with Redis's own clock, so every API replica shares them; otherwise they live in this process.

Every response carries ``X-RateLimit-Limit`` (the bucket's size) and ``X-RateLimit-Remaining``
(whole tokens left); a refused request gets 429 in the error envelope with ``Retry-After``.
The guard draws from the event loop (redis.asyncio, or the in-process buckets under their lock); only
a caller whose team or limits are not known in this process yet costs a worker thread (the database).
For a cached search (``GET /providers`` on Redis) the same script that draws also looks the answer up
(core.cache.LOOKUP_LUA), so a cache hit costs one Redis round trip; the route reads it from the scope.
The guard also refuses bodies over ``max_request_body_bytes`` (413) and NUL bytes in the URL (422),
which no route can use and which PostgreSQL would choke on.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts import api_keys, repository, tokens
from core.cache import RedisCache, query_digest, raw_search_key
from core.errors import envelope
from core.redisconn import Breaker, LoopClients, sync_client
from core.settings import Settings

# The probes and the scrape: a kubelet or Prometheus must never be told to slow down, nor fail with Redis.
EXEMPT_PATHS = frozenset({"/healthz", "/ready", "/metrics"})
TENANT_LIMITS_TTL_S = 10.0
# Searches whose cached answer the guard looks up with its draw (core.cache.query_digest), and the
# scope key it leaves the answer under: bytes, or None when it looked and found nothing.
PREFETCHED_SEARCH_PATHS = frozenset({"/providers"})
PREFETCHED = "gpubroker.cached_search"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float


class RateLimiter(Protocol):
    backend: str

    def hit(self, key: str, rps: float, burst: int, cost: float = 1.0) -> Decision: ...
    def forget(self, key: str) -> None: ...
    def reset(self) -> None: ...


class MemoryRateLimiter:
    """Buckets in a dict; a lock because sync routes and the middleware run on several threads."""

    backend = "memory"

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, rps: float, burst: int, cost: float = 1.0) -> Decision:
        now = time.monotonic()
        with self._lock:
            tokens_left, last = self._buckets.get(key, (float(burst), now))
            tokens_left = min(float(burst), tokens_left + max(0.0, now - last) * rps)
            if tokens_left >= cost:
                tokens_left -= cost
                decision = Decision(True, burst, int(tokens_left), 0.0)
            else:
                decision = Decision(False, burst, 0, (cost - tokens_left) / rps)
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                # A flood of distinct IPs must not grow memory without bound; full buckets are
                # the same as no bucket, so dropping them loses nothing.
                self._evict_full(now, rps)
            self._buckets[key] = (tokens_left, now)
        return decision

    def _evict_full(self, now: float, rps: float) -> None:
        stale = [k for k, (_, last) in self._buckets.items() if now - last > 60]
        for k in stale or list(self._buckets)[: len(self._buckets) // 10]:
            del self._buckets[k]

    def forget(self, key: str) -> None:
        """Drop one bucket: the next request starts from a full bucket (of the limits it then has)."""
        with self._lock:
            self._buckets.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


# KEYS[1] bucket; ARGV rate (tokens/s), burst, cost. Returns {allowed, tokens_left, retry_after_s}.
# Numbers go back as strings because Redis truncates Lua numbers to integers.
LIMITER_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(retry)}
"""

# The draw and a cached search's lookup in one script: KEYS[2] the catalog version, KEYS[3] the entry;
# ARGV[4] the version in the entry's key. The entry comes back only for an allowed draw whose version
# is the stored one (core.cache.LOOKUP_LUA); the stored version always comes back.
LIMIT_AND_LOOKUP_LUA = LIMITER_LUA.replace(
    "return {allowed, tostring(tokens), tostring(retry)}",
    """local version = redis.call('GET', KEYS[2])
local entry = false
if allowed == 1 and (version or '0') == ARGV[4] then
  entry = redis.call('GET', KEYS[3])
end
return {allowed, tostring(tokens), tostring(retry), version, entry}""",
)


class RedisRateLimiter:
    """Buckets shared by every replica. When Redis cannot be reached the limiter fails open at the
    caller's own limits: each process keeps buckets of its own (the same rps and burst, so a client is
    held to at most its limit per replica) until Redis answers again (core.redisconn.Breaker)."""

    backend = "redis"

    def __init__(self, url: str, prefix: str = "gpubroker:ratelimit:") -> None:
        self._redis = sync_client(url)
        self._script = self._redis.register_script(LIMITER_LUA)
        self.aclients = LoopClients(url)
        self._prefix = prefix
        self.local = MemoryRateLimiter()
        self.breaker = Breaker("ratelimit")

    @staticmethod
    def _decision(allowed: Any, left: Any, retry: Any, burst: int) -> Decision:
        return Decision(bool(int(allowed)), burst, int(float(left)) if int(allowed) else 0, float(retry))

    def _hit_redis(self, key: str, rps: float, burst: int, cost: float) -> Decision:
        allowed, left, retry = self._script(keys=[self._prefix + key], args=[rps, burst, cost])
        return self._decision(allowed, left, retry, burst)

    def hit(self, key: str, rps: float, burst: int, cost: float = 1.0) -> Decision:
        return self.breaker.call(
            lambda: self._hit_redis(key, rps, burst, cost), lambda: self.local.hit(key, rps, burst, cost)
        )

    async def ahit(self, key: str, rps: float, burst: int, cost: float = 1.0) -> Decision:
        """:meth:`hit` from the event loop (redis.asyncio): no worker thread."""

        async def draw() -> Decision:
            script = self.aclients.script(LIMITER_LUA)
            allowed, left, retry = await script(keys=[self._prefix + key], args=[rps, burst, cost])
            return self._decision(allowed, left, retry, burst)

        return await self.breaker.acall(draw, lambda: self.local.hit(key, rps, burst, cost))

    async def ahit_and_lookup(
        self, key: str, rps: float, burst: int, cache: RedisCache, digest: str
    ) -> tuple[Decision, bytes | bool | None]:
        """The draw and the cached search of ``digest`` in one round trip: the decision, and the
        entry's bytes, None (looked, not there), or False (not looked: Redis was away)."""

        async def draw() -> tuple[Decision, bytes | bool | None]:
            script = self.aclients.script(LIMIT_AND_LOOKUP_LUA)
            asked = cache.seen_version
            entry_key = cache.full_key(raw_search_key(asked, digest))
            allowed, left, retry, version, entry = await script(
                keys=[self._prefix + key, cache.VERSION_KEY, entry_key], args=[rps, burst, 1, asked]
            )
            return self._decision(allowed, left, retry, burst), cache.saw(version, entry)

        return await self.breaker.acall(draw, lambda: (self.local.hit(key, rps, burst), False))

    def forget(self, key: str) -> None:
        self.local.forget(key)
        self.breaker.call(lambda: self._redis.delete(self._prefix + key), lambda: 0)

    def reset(self) -> None:
        self.local.reset()
        for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            self._redis.delete(key)


def make_rate_limiter(redis_url: str | None) -> MemoryRateLimiter | RedisRateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()


class TenantLimits:
    """Tenants' (rps, burst), read from the database and kept for a few seconds, so the limiter does
    not query on every request; an admin's change here is forgotten at once, elsewhere within the TTL."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, tuple[float, int] | None]] = {}
        self._lock = threading.Lock()
        # Other per-team caches to forget with these limits (accounts.cors's origins).
        self.listeners: list[Any] = []

    def get(self, session_factory: Any, tenant_id: str) -> tuple[float, int] | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            with session_factory() as session:
                tenant = repository.tenant(session, tenant_id)
                limits = (
                    (tenant.rate_limit_rps, tenant.burst) if tenant is not None and tenant.active else None
                )
        except SQLAlchemyError:
            # The database is away: the limits last known (or the client's IP bucket); the request itself
            # then gets its 503 from the route that needs the database.
            return hit[1] if hit is not None else None
        with self._lock:
            self._cache[tenant_id] = (now + TENANT_LIMITS_TTL_S, limits)
        return limits

    def knows(self, tenant_id: str) -> bool:
        """Whether :meth:`get` answers without the database."""
        with self._lock:
            hit = self._cache.get(tenant_id)
        return hit is not None and hit[0] > time.monotonic()

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            self._cache.pop(tenant_id, None)
        for listener in self.listeners:
            listener(tenant_id)


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def bearer_token(scope: Scope) -> str | None:
    """The caller's access token: the Authorization header, or the web pages' session cookie."""
    cookie: str | None = None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
        if name == b"cookie":
            cookie = cookie_parser(value.decode("latin-1")).get(tokens.ACCESS_COOKIE)
    return cookie or None


def api_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-api-key":
            return value.decode("latin-1").strip() or None
    return None


Bucket = tuple[str, float, int]


class _NeedsDatabase(Exception):
    """The caller's team or limits are not known in this process: finding them queries the database."""


def bucket(app_state: Any, scope: Scope, *, block: bool = True) -> Bucket:
    """Which bucket the request draws from: ``(name, rps, burst)``. Finding a caller's team or limits
    may query the database: with ``block=False`` that raises :class:`_NeedsDatabase` instead."""
    settings: Settings = app_state.settings
    token = bearer_token(scope)
    key = api_key(scope) or (token if api_keys.is_api_key(token) else None)
    if key:
        if not block and not app_state.key_teams.knows(key):
            raise _NeedsDatabase
        tenant_id = app_state.key_teams.team_of(app_state.session_factory, key)
    else:
        tenant_id = tokens.peek_tenant(settings, token) if token else None
    if tenant_id is not None:
        if not block and not app_state.tenant_limits.knows(tenant_id):
            raise _NeedsDatabase
        limits = app_state.tenant_limits.get(app_state.session_factory, tenant_id)
        if limits is not None:
            return f"tenant:{tenant_id}", limits[0], limits[1]
    return f"ip:{client_ip(scope)}", settings.rate_limit_anonymous_rps, settings.rate_limit_anonymous_burst


def decide(app_state: Any, scope: Scope) -> Decision:
    """Which bucket the request draws from, and the draw. Blocking (Redis, the database): run it in
    a worker thread, or await :func:`adecide`."""
    name, rps, burst = bucket(app_state, scope)
    limiter: RateLimiter = app_state.rate_limiter
    return limiter.hit(name, rps, burst)


async def adecide(app_state: Any, scope: Scope) -> tuple[Decision, bytes | bool | None]:
    """:func:`decide` from the event loop, and for a search the guard looks up with its draw, the
    cached answer (see :meth:`RedisRateLimiter.ahit_and_lookup`; False: not looked up)."""
    try:
        name, rps, burst = bucket(app_state, scope, block=False)
    except _NeedsDatabase:
        name, rps, burst = await anyio.to_thread.run_sync(functools.partial(bucket, app_state, scope))
    limiter: RateLimiter = app_state.rate_limiter
    if isinstance(limiter, RedisRateLimiter):
        cache = getattr(app_state, "cache", None)
        if (
            isinstance(cache, RedisCache)
            and scope["method"] == "GET"
            and scope["path"] in PREFETCHED_SEARCH_PATHS
        ):
            return await limiter.ahit_and_lookup(name, rps, burst, cache, query_digest(scope["query_string"]))
        return await limiter.ahit(name, rps, burst), False
    if isinstance(limiter, MemoryRateLimiter):
        return limiter.hit(name, rps, burst), False  # a dict under a lock: no I/O
    decision = await anyio.to_thread.run_sync(limiter.hit, name, rps, burst)
    return decision, False


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class RequestGuard:
    """Pure ASGI middleware, so it can count a streamed body and answer before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings: Settings = state.settings
        headers: list[tuple[bytes, bytes]] = []
        if settings.rate_limit_enabled:
            decision, cached = await adecide(state, scope)
            if cached is not False:
                scope[PREFETCHED] = cached
            headers = [
                (b"x-ratelimit-limit", str(decision.limit).encode()),
                (b"x-ratelimit-remaining", str(decision.remaining).encode()),
            ]
            if not decision.allowed:
                retry = max(1, math.ceil(decision.retry_after_s))
                message = f"too many requests; retry after {retry} s"
                await self._reject(scope, receive, send, 429, "rate_limited", message, headers, retry)
                return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower():
            message = "NUL bytes are not allowed in URLs"
            await self._reject(scope, receive, send, 422, "invalid_input", message, headers)
            return
        limit = settings.max_request_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            message = f"the request body is larger than {limit} bytes"
            await self._reject(scope, receive, send, 413, "payload_too_large", message, headers)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read; FastAPI lets HTTPException through to
                    # the envelope handler as a 413.
                    raise BodyTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and headers:
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, counting_receive, send_with_headers)

    @staticmethod
    async def _reject(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        message: str,
        headers: list[tuple[bytes, bytes]],
        retry_after: int | None = None,
    ) -> None:
        extra = {k.decode(): v.decode() for k, v in headers}
        if retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        response = JSONResponse(envelope(code, message), status_code=status, headers=extra)
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install_request_guards(app: FastAPI) -> None:
    """Adds the guard; call it before the tracing middleware is added, so tracing wraps it and its
    429/413 answers carry the trace id."""
    app.state.rate_limiter = make_rate_limiter(app.state.settings.redis_url)
    app.state.tenant_limits = TenantLimits()
    app.state.key_teams = api_keys.KeyTeams()
    app.add_middleware(RequestGuard)
