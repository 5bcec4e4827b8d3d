"""Search cache: in-process LRU with TTL by default, Redis when a URL is configured.

Keys carry the catalog version, so a successful ingestion invalidates every cached search at once by
bumping the version (old entries then age out by TTL). Hits and misses are counted here and exported as
``gpubroker_search_cache_hits_total`` / ``_misses_total`` (core.metrics).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

import orjson

from core import metrics
from core.redisconn import Breaker, sync_client


class Cache(Protocol):
    hits: int
    misses: int

    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any, ttl_s: int) -> None: ...
    def version(self) -> int: ...
    def bump_version(self) -> int: ...
    def clear(self) -> None: ...
    def stats(self) -> dict[str, Any]: ...


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


class RedisCache:
    """Shared across API replicas; values are JSON so any replica (or language) can read them. When
    Redis cannot be reached the cache is bypassed (a miss, nothing stored): searches go to the database,
    slower but correct (core.redisconn.Breaker)."""

    backend = "redis"
    VERSION_KEY = "gpubroker:catalog_version"

    def __init__(self, url: str, prefix: str = "gpubroker:cache:") -> None:
        self._redis = sync_client(url)
        self._prefix = prefix
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

    def set(self, key: str, value: Any, ttl_s: int) -> None:
        data = orjson.dumps(value, default=str)
        self.breaker.call(lambda: self._redis.set(self._prefix + key, data, ex=ttl_s), lambda: None)

    def version(self) -> int:
        raw = self.breaker.call(lambda: self._redis.get(self.VERSION_KEY), lambda: None)
        return int(raw) if raw is not None else 0

    def bump_version(self) -> int:
        # Not through the breaker: an ingestion whose invalidation failed must say so (it is retried).
        return int(self._redis.incr(self.VERSION_KEY))

    def clear(self) -> None:
        for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            self._redis.delete(key)

    def stats(self) -> dict[str, Any]:
        return {"backend": self.backend, "hits": self.hits, "misses": self.misses}


def make_cache(redis_url: str | None, max_entries: int = 4096) -> MemoryCache | RedisCache:
    if redis_url:
        return RedisCache(redis_url)
    return MemoryCache(max_entries)
