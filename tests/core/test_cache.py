"""The search cache, in-process and on Redis: expiry, LRU, versions."""

from __future__ import annotations

import time
from typing import Any

from core.cache import MemoryCache


def test_cache_roundtrip_and_version_bump(cache: Any) -> None:
    cache.set("k", {"total": 3, "items": [1, 2, 3]}, ttl_s=60)
    assert cache.get("k") == {"total": 3, "items": [1, 2, 3]}
    v = cache.version()
    assert cache.bump_version() == v + 1
    assert cache.get("missing") is None
    stats = cache.stats()
    assert stats["hits"] >= 1 and stats["misses"] >= 1


def test_entries_expire(cache: Any) -> None:
    cache.set("short", [1], ttl_s=1)
    assert cache.get("short") == [1]
    time.sleep(1.2)
    assert cache.get("short") is None


def test_memory_cache_evicts_least_recently_used() -> None:
    c = MemoryCache(max_entries=2)
    c.set("a", 1, 60)
    c.set("b", 2, 60)
    assert c.get("a") == 1
    c.set("c", 3, 60)
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
