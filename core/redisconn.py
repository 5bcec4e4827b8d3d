"""Redis clients, and what the API does when Redis is away.

Clients are built from the whole URL (password, ``rediss://`` TLS, DB index) with short timeouts: a
Redis that does not answer must cost a request milliseconds, not the default forever.

Redis holds nothing the API cannot do without for a while, so every use of it has a fallback
(``docs/DECISIONS.md``, "Redis outages"): the search cache is bypassed, rate limits and WebSocket slots
are counted in this process, events wait in the outbox. A :class:`Breaker` makes the fallback cheap:
after a failure its callers go straight to the fallback for ``cooldown_s``, then one call tries Redis
again, so an outage costs one timeout per cool-down per process instead of one per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 0.5
SOCKET_TIMEOUT_S = 2.0

T = TypeVar("T")

# Observers of fallbacks: (breaker name, reason). core.metrics counts them.
FALLBACK_OBSERVERS: list[Callable[[str, str], None]] = []


def sync_client(url: str, **kwargs: Any) -> redis.Redis[bytes]:
    options: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": 30,
    }
    options.update(kwargs)
    return redis.Redis.from_url(url, **options)


def async_client(url: str, **kwargs: Any) -> Any:
    import redis.asyncio as aredis

    options: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": 30,
    }
    options.update(kwargs)
    return aredis.from_url(url, **options)


# Connections of one event loop's client for the request path. A request holds one for one command
# (~0.1 ms), so a few dozen serve thousands of concurrent requests; more requests than that wait
# for one instead of failing: redis-py's async pool refuses the 101st with "Too many connections",
# which the breaker took for Redis being down (every search then went to the database for the
# cool-down, measured at 1,000 connections). The wait is bounded by LOOP_POOL_WAIT_S: under an
# overload a few seconds in the queue is still the cheapest answer (a down Redis fails at connect).
LOOP_POOL_SIZE = 64
LOOP_POOL_WAIT_S = 10.0


def pooled_async_client(url: str, max_connections: int = LOOP_POOL_SIZE) -> Any:
    """An async client whose requests queue for one of ``max_connections`` connections."""
    import redis.asyncio as aredis

    pool: Any = aredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=LOOP_POOL_WAIT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )
    return aredis.Redis(connection_pool=pool)


class LoopClients:
    """An async client for the running event loop: redis.asyncio connections belong to the loop that
    opened them, and one process may run several loops in turn (tests, a restarted lifespan), so a
    client (:func:`pooled_async_client`) is made for each loop the first time that loop asks."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, Any, dict[str, Any]]] = {}

    def _held(self) -> tuple[asyncio.AbstractEventLoop, Any, dict[str, Any]]:
        loop = asyncio.get_running_loop()
        held = self._clients.get(id(loop))
        if held is not None and held[0] is loop:
            return held
        # Clients of loops that have ended are dropped (their connections went with their loop).
        for key, (old, _client, _scripts) in list(self._clients.items()):
            if old.is_closed():
                del self._clients[key]
        held = (loop, pooled_async_client(self._url), {})
        self._clients[id(loop)] = held
        return held

    def get(self) -> Any:
        return self._held()[1]

    def script(self, lua: str) -> Callable[..., Awaitable[Any]]:
        """``lua`` as ``await script(keys=[...], args=[...])`` on this loop's client: EVALSHA, loaded
        again if Redis forgot it. redis-py's own ``AsyncScript`` does the same after two isinstance
        checks against its pipeline classes per call (2.3 us, under 1% of a cached search)."""
        _loop, client, scripts = self._held()
        script = scripts.get(lua)
        if script is None:
            script = scripts[lua] = _Script(client, lua)
        return script


class _Script:
    def __init__(self, client: Any, lua: str) -> None:
        self.client = client
        self.lua = lua
        self.sha = hashlib.sha1(lua.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, keys: list[Any], args: list[Any]) -> Any:
        try:
            return await self.client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            self.sha = await self.client.script_load(self.lua)
            return await self.client.evalsha(self.sha, len(keys), *keys, *args)


class Breaker:
    """Calls Redis through :meth:`call`; a Redis error (or an open breaker) answers with the fallback."""

    def __init__(self, name: str, cooldown_s: float = 2.0) -> None:
        self.name = name
        self.cooldown_s = cooldown_s
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.failures = 0
        self.fallbacks = 0

    @property
    def open(self) -> bool:
        return time.monotonic() < self._open_until

    def call(self, fn: Callable[[], T], fallback: Callable[[], T]) -> T:
        if self.open:
            return self._fallback(fallback, "open")
        try:
            return fn()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self._trip(exc)
            return self._fallback(fallback, "redis_down")

    async def acall(self, fn: Callable[[], Awaitable[T]], fallback: Callable[[], T]) -> T:
        """:meth:`call` for an async client: the same breaker, the same fallbacks."""
        if self.open:
            return self._fallback(fallback, "open")
        try:
            return await fn()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self._trip(exc)
            return self._fallback(fallback, "redis_down")

    def _trip(self, exc: BaseException) -> None:
        with self._lock:
            first = not self.open
            self._open_until = time.monotonic() + self.cooldown_s
            self.failures += 1
        if first:
            log.warning(
                "redis unavailable for %s (%s): falling back for %.0f s", self.name, exc, self.cooldown_s
            )

    def _fallback(self, fallback: Callable[[], T], reason: str) -> T:
        self.fallbacks += 1
        for observe in FALLBACK_OBSERVERS:
            try:
                observe(self.name, reason)
            except Exception:  # metrics must never fail a request
                log.exception("fallback observer failed")
        return fallback()
