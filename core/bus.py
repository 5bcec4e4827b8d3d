"""Event bus for ``price_updates``, ``booking_events``, ``audit_events`` and ``billing_events``.

Two ways to read a topic:

- :meth:`subscribe` — *fan-out*: every subscriber sees every message published after it subscribed
  (live views: the price stream, SSE). Nothing is acknowledged; a subscriber that was not there
  missed the message.
- :meth:`consume` — *work*: a named consumer group shares the topic's messages among its consumers,
  each message handled by one of them and acknowledged after the handler returned. On Redis this is a
  Streams consumer group: the group is created at the start of the stream (so messages published
  while no consumer ran are read when one starts), a message whose consumer died unacknowledged is
  claimed by another after ``claim_idle_s`` (``XAUTOCLAIM``), and one that failed
  ``max_deliveries`` times is moved to ``<topic>:dead`` so it cannot block the group.

Delivery is at least once (the outbox may publish an event twice, a consumer may die after its
handler's commit and before its ``XACK``). Handlers that must act once call
:func:`first_handling` inside their own transaction: it records ``(group, event id)`` and answers
False for a duplicate, so the effect and the record commit together.

In-process by default (queues fed thread-safely, since publishers run in worker threads); Redis
Streams when a URL is configured, with Kafka-shaped topics and keys.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import DateTime, String, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.redisconn import Breaker, async_client, sync_client

log = logging.getLogger(__name__)

TOPICS = ("price_updates", "booking_events", "audit_events", "billing_events")
STREAM_MAXLEN = 100_000

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[None]]


class EventBus(Protocol):
    backend: str

    def publish(self, topic: str, key: str, payload: dict[str, Any], event_id: str | None = None) -> None: ...
    def recent(self, topic: str, limit: int = 100) -> list[Message]: ...
    def subscribe(self, topic: str) -> AsyncIterator[Message]: ...
    async def consume(
        self, topic: str, group: str, consumer: str, handler: Handler, stop: asyncio.Event
    ) -> None: ...
    def ensure_groups(self, groups: dict[str, list[str]]) -> None: ...


class HandledEvent(Base):
    """Which consumer group handled which event: the record that makes a handler act once."""

    __tablename__ = "handled_events"

    group_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def first_handling(session: Session, group: str, event_id: str | None) -> bool:
    """Records that ``group`` handles ``event_id`` in the caller's transaction; False when it already
    did (a redelivery). Messages without an id (published before the outbox) always count as new."""
    if not event_id:
        return True
    try:
        with session.begin_nested():
            session.execute(
                insert(HandledEvent).values(group_name=group, event_id=event_id, handled_at=datetime.now(UTC))
            )
    except IntegrityError:
        return False
    return True


def _message(topic: str, key: str, payload: dict[str, Any], event_id: str | None) -> Message:
    return {"topic": topic, "key": key, "payload": payload, "id": event_id or uuid.uuid4().hex}


class BusUnavailable(RuntimeError):
    """A publish that could not reach the bus; the caller's outbox row stays for the relay."""


@dataclass
class ConsumerStats:
    handled: int = 0
    failed: int = 0
    dead: int = 0


class MemoryBus:
    """One process: subscribers and consumer groups are asyncio queues. A group's messages published
    before its first consumer started are kept (up to ``keep``) and handed over when it starts."""

    backend = "memory"

    def __init__(self, keep: int = 1000) -> None:
        self._keep = keep
        self._recent: dict[str, deque[Message]] = {t: deque(maxlen=keep) for t in TOPICS}
        self._subs: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]]] = {}
        self._groups: dict[tuple[str, str], deque[Message]] = {}
        self._group_waiters: dict[tuple[str, str], list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._lock = threading.Lock()
        self.stats: dict[tuple[str, str], ConsumerStats] = {}

    def publish(self, topic: str, key: str, payload: dict[str, Any], event_id: str | None = None) -> None:
        message = _message(topic, key, payload, event_id)
        with self._lock:
            self._recent.setdefault(topic, deque(maxlen=self._keep)).append(message)
            subs = list(self._subs.get(topic, ()))
            wake: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
            for (g_topic, group), queue in self._groups.items():
                if g_topic == topic:
                    queue.append(message)
                    wake.extend(self._group_waiters.get((g_topic, group), ()))
        for loop, q in subs:
            loop.call_soon_threadsafe(q.put_nowait, message)
        for loop, ev in wake:
            if not loop.is_closed():
                loop.call_soon_threadsafe(ev.set)

    def recent(self, topic: str, limit: int = 100) -> list[Message]:
        with self._lock:
            return list(self._recent.get(topic, ()))[-limit:]

    async def subscribe(self, topic: str) -> AsyncIterator[Message]:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subs.setdefault(topic, []).append(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subs[topic].remove(entry)

    def ensure_groups(self, groups: dict[str, list[str]]) -> None:
        with self._lock:
            for topic, names in groups.items():
                for group in names:
                    self._groups.setdefault((topic, group), deque(maxlen=self._keep))

    async def consume(
        self, topic: str, group: str, consumer: str, handler: Handler, stop: asyncio.Event
    ) -> None:
        self.ensure_groups({topic: [group]})
        wake = asyncio.Event()
        entry = (asyncio.get_running_loop(), wake)
        with self._lock:
            self._group_waiters.setdefault((topic, group), []).append(entry)
        stats = self.stats.setdefault((topic, group), ConsumerStats())
        try:
            while not stop.is_set():
                with self._lock:
                    queue = self._groups[(topic, group)]
                    message = queue.popleft() if queue else None
                    if message is None:
                        wake.clear()
                if message is None:
                    await _wait_either(wake, stop)
                    continue
                try:
                    await handler(message)
                    stats.handled += 1
                except Exception:
                    stats.failed += 1
                    log.exception(
                        "%s/%s: handling %s failed; the message is dropped", topic, group, message["id"]
                    )
        finally:
            with self._lock:
                self._group_waiters[(topic, group)].remove(entry)


async def _wait_either(event: asyncio.Event, stop: asyncio.Event, timeout: float = 1.0) -> None:
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class RedisStreamBus:
    """Redis Streams, one stream per topic (``<prefix><topic>``), clients built from the full URL
    (password, ``rediss://`` TLS and the DB index are honoured)."""

    backend = "redis"

    def __init__(
        self,
        url: str,
        prefix: str = "gpubroker:",
        *,
        claim_idle_s: float = 30.0,
        max_deliveries: int = 5,
    ) -> None:
        self._url = url
        self._redis = sync_client(url)
        # Publishing while Redis is away fails at once (the event waits in the outbox for the relay)
        # instead of costing every committing request a connect timeout.
        self.breaker = Breaker("bus")
        self._prefix = prefix
        self.claim_idle_ms = int(claim_idle_s * 1000)
        self.max_deliveries = max_deliveries
        self.stats: dict[tuple[str, str], ConsumerStats] = {}

    def _stream(self, topic: str) -> str:
        return self._prefix + topic

    def _async_client(self) -> Any:
        return async_client(self._url)

    def publish(self, topic: str, key: str, payload: dict[str, Any], event_id: str | None = None) -> None:
        fields = {
            "key": key,
            "id": event_id or uuid.uuid4().hex,
            "payload": orjson.dumps(payload, default=str),
        }

        def unavailable() -> None:
            raise BusUnavailable(f"the event bus (Redis) is unavailable; {topic} event not published")

        self.breaker.call(
            lambda: self._redis.xadd(self._stream(topic), fields, maxlen=STREAM_MAXLEN, approximate=True),
            unavailable,
        )

    @staticmethod
    def _decode(topic: str, fields: dict[bytes, bytes]) -> Message:
        return {
            "topic": topic,
            "key": fields[b"key"].decode(),
            "payload": orjson.loads(fields[b"payload"]),
            "id": fields[b"id"].decode() if b"id" in fields else None,
        }

    def recent(self, topic: str, limit: int = 100) -> list[Message]:
        rows = self._redis.xrevrange(self._stream(topic), count=limit)
        return [self._decode(topic, fields) for _id, fields in reversed(rows)]

    async def subscribe(self, topic: str) -> AsyncIterator[Message]:
        client = self._async_client()
        stream = self._stream(topic)
        try:
            # From the newest entry now, by its id: re-sending ``$`` after each empty 1 s block lost any
            # entry added between two reads (a replica's sockets then missed that price change).
            newest = await client.xrevrange(stream, count=1)
            last = newest[0][0] if newest else "0-0"
            while True:
                res = await client.xread({stream: last}, block=1000, count=100)
                for _stream, entries in res or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        yield self._decode(topic, fields)
        finally:
            await client.aclose()

    def ensure_groups(self, groups: dict[str, list[str]]) -> None:
        """Creates each group at the start of its stream (``0``), so nothing published before the first
        consumer started is skipped; existing groups are left as they are."""
        import redis

        for topic, names in groups.items():
            for group in names:
                try:
                    self._redis.xgroup_create(self._stream(topic), group, id="0", mkstream=True)
                except redis.ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):
                        raise

    async def consume(
        self, topic: str, group: str, consumer: str, handler: Handler, stop: asyncio.Event
    ) -> None:
        """Handles the group's messages until ``stop`` is set: first what this consumer or a dead one
        left pending, then new ones; acknowledges each after ``handler`` returned."""
        import redis

        await asyncio.to_thread(self.ensure_groups, {topic: [group]})
        stream = self._stream(topic)
        stats = self.stats.setdefault((topic, group), ConsumerStats())
        client = self._async_client()
        next_claim = 0.0
        loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                entries: list[tuple[bytes, dict[bytes, bytes]]] = []
                if loop.time() >= next_claim:
                    # Messages idle past the claim time belong to a consumer that died (or hangs).
                    claimed = await client.xautoclaim(
                        stream, group, consumer, min_idle_time=self.claim_idle_ms, start_id="0-0", count=50
                    )
                    entries = [e for e in claimed[1] if e[1]]
                    next_claim = loop.time() + min(5.0, self.claim_idle_ms / 2000)
                if not entries:
                    try:
                        res = await client.xreadgroup(group, consumer, {stream: ">"}, count=50, block=1000)
                    except redis.ResponseError as exc:
                        if "NOGROUP" not in str(exc):
                            raise
                        await asyncio.to_thread(self.ensure_groups, {topic: [group]})
                        continue
                    entries = [e for _s, batch in res or [] for e in batch]
                for entry_id, fields in entries:
                    message = self._decode(topic, fields)
                    try:
                        await handler(message)
                    except Exception:
                        stats.failed += 1
                        log.exception("%s/%s: handling %s failed; it is retried", topic, group, message["id"])
                        await self._maybe_dead_letter(client, stream, group, entry_id, fields, stats)
                        continue
                    await client.xack(stream, group, entry_id)
                    stats.handled += 1
        finally:
            await client.aclose()

    async def _maybe_dead_letter(
        self,
        client: Any,
        stream: str,
        group: str,
        entry_id: bytes,
        fields: dict[bytes, bytes],
        stats: ConsumerStats,
    ) -> None:
        info = await client.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
        deliveries = int(info[0]["times_delivered"]) if info else 1
        if deliveries >= self.max_deliveries:
            await client.xadd(f"{stream}:dead", {**fields, b"group": group.encode()}, maxlen=STREAM_MAXLEN)
            await client.xack(stream, group, entry_id)
            stats.dead += 1
            log.error("%s/%s: %s set aside after %d deliveries", stream, group, entry_id, deliveries)


def make_bus(
    redis_url: str | None, *, claim_idle_s: float = 30.0, max_deliveries: int = 5
) -> MemoryBus | RedisStreamBus:
    if redis_url:
        return RedisStreamBus(redis_url, claim_idle_s=claim_idle_s, max_deliveries=max_deliveries)
    return MemoryBus()
