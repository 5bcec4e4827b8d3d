"""Event bus for ``price_updates``, ``booking_events`` and ``audit_events``.

In-process by default (subscribers are asyncio queues fed thread-safely, since publishers run in
worker threads); Redis Streams when a URL is configured, with Kafka-shaped topics and keys so that a
consumer group can read them from another process.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Protocol

import orjson

TOPICS = ("price_updates", "booking_events", "audit_events", "billing_events")


class EventBus(Protocol):
    def publish(self, topic: str, key: str, payload: dict[str, Any]) -> None: ...
    def recent(self, topic: str, limit: int = 100) -> list[dict[str, Any]]: ...
    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...


class MemoryBus:
    backend = "memory"

    def __init__(self, keep: int = 1000) -> None:
        self._recent: dict[str, deque[dict[str, Any]]] = {t: deque(maxlen=keep) for t in TOPICS}
        self._subs: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]]] = {}
        self._lock = threading.Lock()

    def publish(self, topic: str, key: str, payload: dict[str, Any]) -> None:
        message = {"topic": topic, "key": key, "payload": payload}
        with self._lock:
            self._recent.setdefault(topic, deque(maxlen=1000)).append(message)
            subs = list(self._subs.get(topic, ()))
        for loop, queue in subs:
            loop.call_soon_threadsafe(queue.put_nowait, message)

    def recent(self, topic: str, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._recent.get(topic, ()))[-limit:]

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subs.setdefault(topic, []).append(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subs[topic].remove(entry)


class RedisStreamBus:
    backend = "redis"

    def __init__(self, url: str, prefix: str = "gpubroker:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def _stream(self, topic: str) -> str:
        return self._prefix + topic

    def publish(self, topic: str, key: str, payload: dict[str, Any]) -> None:
        self._redis.xadd(
            self._stream(topic), {"key": key, "payload": orjson.dumps(payload, default=str)}, maxlen=100_000
        )

    def recent(self, topic: str, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._redis.xrevrange(self._stream(topic), count=limit)
        out = []
        for _id, fields in reversed(rows):
            out.append(
                {"topic": topic, "key": fields[b"key"].decode(), "payload": orjson.loads(fields[b"payload"])}
            )
        return out

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        import redis.asyncio as aredis

        kwargs = self._redis.connection_pool.connection_kwargs
        client = aredis.Redis(
            host=kwargs.get("host", "127.0.0.1"), port=kwargs.get("port", 6379), db=kwargs.get("db", 0)
        )
        last = "$"
        try:
            while True:
                res = await client.xread({self._stream(topic): last}, block=1000, count=100)
                for _stream, entries in res or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        yield {
                            "topic": topic,
                            "key": fields[b"key"].decode(),
                            "payload": orjson.loads(fields[b"payload"]),
                        }
        finally:
            await client.aclose()  # type: ignore[attr-defined]


def make_bus(redis_url: str | None) -> MemoryBus | RedisStreamBus:
    if redis_url:
        return RedisStreamBus(redis_url)
    return MemoryBus()
