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


def test_query_digest_is_the_parsed_parameters_in_name_order() -> None:
    from core.cache import query_digest

    assert query_digest(b"gpu_type=H100&sort=price_desc") == query_digest(b"sort=price_desc&gpu_type=H100")
    # Escapes are decoded first, as Starlette decodes them.
    assert query_digest(b"gpu_type=H100&page_size=%37") == query_digest(b"page_size=7&gpu_type=H100")
    assert query_digest(b"q=a+b&page=2") == query_digest(b"page=2&q=a%20b")
    # One name's values keep their order; different values are different searches.
    assert query_digest(b"tags=a&tags=b") != query_digest(b"tags=b&tags=a")
    assert query_digest(b"page=2") != query_digest(b"page=3")
