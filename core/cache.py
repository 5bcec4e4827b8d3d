"""Search cache: in-process LRU with TTL by default, Redis when a URL is configured.

Keys carry the catalog version, so a successful ingestion invalidates every cached search at once by
bumping the version (old entries then age out by TTL). Hits and misses are counted here and exported as
``gpubroker_search_cache_hits_total`` / ``_misses_total`` (core.metrics).

``GET /providers`` also keeps its answers as the bytes it sent, under the normalised raw query string
(:func:`query_digest`), so a hit is served from the event loop before any validation
(catalog.endpoints): :meth:`get_bytes` / :meth:`aget_bytes` and :meth:`set_bytes`. Only a query that
validated and answered 200 is stored, so a hit is always a valid query. On Redis the lookup sends the
version this process last saw and one script compares it with the stored one: a bump made by any
process (the worker's ingestion) makes the next lookup a miss everywhere, in the same round trip.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

import orjson

from core import metrics
from core.redisconn import Breaker, LoopClients, sync_client


def query_digest(query_string: bytes) -> str:
    """The raw query string, normalised: parameters sorted by name (the order of one name's repeated
    values is kept, as it may matter) and hashed. Two URLs with one digest are parsed into the same
    query parameters, so they get the same answer. A string with escapes (``%``, ``+``) is decoded as
    Starlette decodes it first; one without them (most) is sorted as it is (6 us instead of 21)."""
    if b"%" in query_string or b"+" in query_string:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        pairs.sort(key=lambda kv: kv[0])
        normal = urlencode(pairs).encode()
    else:
        parts = query_string.split(b"&")
        parts.sort(key=_param_name)
        normal = b"&".join(parts)
    return hashlib.sha1(normal, usedforsecurity=False).hexdigest()


def _param_name(part: bytes) -> bytes:
    return part.partition(b"=")[0]


def raw_search_key(version: int, digest: str) -> str:
    return f"search:v{version}:raw:{digest}"


class Cache(Protocol):
    hits: int
    misses: int

    def get(self, key: str) -> Any | None: ...
    def peek(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any, ttl_s: int) -> None: ...
    def version(self) -> int: ...
    def bump_version(self) -> int: ...
    def clear(self) -> None: ...
    def stats(self) -> dict[str, Any]: ...
    def set_bytes(self, key: str, data: bytes, ttl_s: int) -> None: ...


class MemoryCache:
    """An LRU dict with per-entry expiry; thread-safe because FastAPI runs sync routes in threads."""

    backend = "memory"

    def __init__(self, max_entries: int = 4096) -> None:
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._version = 0
        self.hits = 0
        self.misses = 0
        self._hit_counter = metrics.SEARCH_CACHE_HITS.labels(self.backend)
        self._miss_counter = metrics.SEARCH_CACHE_MISSES.labels(self.backend)

    def get(self, key: str) -> Any | None:
        now = time.monotonic()
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] < now:
                if item is not None:
                    del self._data[key]
                self.misses += 1
                self._miss_counter.inc()
                return None
            self._data.move_to_end(key)
            self.hits += 1
            self._hit_counter.inc()
            return item[1]

    def peek(self, key: str) -> Any | None:
        """A value kept beside the answers (a search's total), not counted as an answer's hit or miss."""
        with self._lock:
            item = self._data.get(key)
            return item[1] if item is not None and item[0] >= time.monotonic() else None

    def get_bytes(self, key: str) -> bytes | None:
        """A stored answer's bytes (:meth:`set_bytes`); counts a hit, and nothing on a miss: the slow
        path that follows a miss counts its own lookup."""
        now = time.monotonic()
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] < now or not isinstance(item[1], bytes):
                return None
            self._data.move_to_end(key)
            self.hits += 1
        self._hit_counter.inc()
        return item[1]

    def set_bytes(self, key: str, data: bytes, ttl_s: int) -> None:
        self.set(key, data, ttl_s)

    def set(self, key: str, value: Any, ttl_s: int) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl_s, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def version(self) -> int:
        return self._version

    def bump_version(self) -> int:
        with self._lock:
            self._version += 1
            self._data.clear()
            return self._version

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def stats(self) -> dict[str, Any]:
        return {"backend": self.backend, "hits": self.hits, "misses": self.misses, "entries": len(self._data)}


# KEYS[1] the catalog version, KEYS[2] the entry asked for; ARGV[1] the version in its key.
# Returns {stored version or false, the entry or false}: the entry only if the versions agree.
LOOKUP_LUA = """
local version = redis.call('GET', KEYS[1])
local entry = false
if (version or '0') == ARGV[1] then
  entry = redis.call('GET', KEYS[2])
end
return {version, entry}
"""


class RedisCache:
    """Shared across API replicas; values are JSON so any replica (or language) can read them. When
    Redis cannot be reached the cache is bypassed (a miss, nothing stored): searches go to the database,
    slower but correct (core.redisconn.Breaker)."""

    backend = "redis"
    VERSION_KEY = "gpubroker:catalog_version"

    def __init__(self, url: str, prefix: str = "gpubroker:cache:") -> None:
        self._redis = sync_client(url)
        self.aclients = LoopClients(url)
        self._prefix = prefix
        # The catalog version this process last saw (-1: none yet); the async lookups send it and learn
        # the stored one in the same script, so a stale copy costs one miss, never a stale answer.
        self.seen_version = -1
        self.hits = 0
        self.misses = 0
        self.breaker = Breaker("cache")
        self._hit_counter = metrics.SEARCH_CACHE_HITS.labels(self.backend)
        self._miss_counter = metrics.SEARCH_CACHE_MISSES.labels(self.backend)

    def get(self, key: str) -> Any | None:
        raw = self.breaker.call(lambda: self._redis.get(self._prefix + key), lambda: None)
        if raw is None:
            self.misses += 1
            self._miss_counter.inc()
            return None
        self.hits += 1
        self._hit_counter.inc()
        return orjson.loads(raw)

    def peek(self, key: str) -> Any | None:
        """A value kept beside the answers (a search's total), not counted as an answer's hit or miss."""
        raw = self.breaker.call(lambda: self._redis.get(self._prefix + key), lambda: None)
        return None if raw is None else orjson.loads(raw)

    def full_key(self, key: str) -> str:
        return self._prefix + key

    def set(self, key: str, value: Any, ttl_s: int) -> None:
        self.set_bytes(key, orjson.dumps(value, default=str), ttl_s)

    def set_bytes(self, key: str, data: bytes, ttl_s: int) -> None:
        self.breaker.call(lambda: self._redis.set(self._prefix + key, data, ex=ttl_s), lambda: None)

    def version(self) -> int:
        raw = self.breaker.call(lambda: self._redis.get(self.VERSION_KEY), lambda: None)
        version = int(raw) if raw is not None else 0
        if raw is not None:
            self.seen_version = version
        return version

    def bump_version(self) -> int:
        # Not through the breaker: an ingestion whose invalidation failed must say so (it is retried).
        version = int(self._redis.incr(self.VERSION_KEY))
        self.seen_version = version
        return version

    def saw(self, version: bytes | None, entry: bytes | None) -> bytes | None:
        """Takes a lookup script's answer: the stored version and, when it was the one asked for, the
        entry. Counts a hit; a miss is counted by the slow path that follows it."""
        self.seen_version = int(version) if version is not None else 0
        if entry is None:
            return None
        self.hits += 1
        self._hit_counter.inc()
        return bytes(entry)

    async def aget_bytes(self, digest: str) -> bytes | None:
        """The stored answer of a search by its :func:`query_digest`, in one round trip, from the
        event loop; None on a miss, a changed version, or Redis away (the breaker's fallback)."""

        async def lookup() -> bytes | None:
            script = self.aclients.script(LOOKUP_LUA)
            asked = self.seen_version
            version, entry = await script(
                keys=[self.VERSION_KEY, self.full_key(raw_search_key(asked, digest))], args=[asked]
            )
            return self.saw(version, entry)

        return await self.breaker.acall(lookup, lambda: None)

    def clear(self) -> None:
        for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            self._redis.delete(key)

    def stats(self) -> dict[str, Any]:
        return {"backend": self.backend, "hits": self.hits, "misses": self.misses}


def make_cache(redis_url: str | None, max_entries: int = 4096) -> MemoryCache | RedisCache:
    if redis_url:
        return RedisCache(redis_url)
    return MemoryCache(max_entries)
