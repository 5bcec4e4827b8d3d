"""The price stream's events: what an ingestion announces for each changed offer, and which
subscribers' filters an event matches.

Each change of an offer's price or availability that a sync finds becomes one ``price_events`` row in
the sync's own transaction (so ``seq`` numbers only committed changes), and the sync's one outbox event
on the ``price_updates`` topic carries them (``catalog.ingest``). The gateways (``api/price_stream.py``)
send each one to every subscriber whose filters it matches, as::

    {"type": "price_update", "seq", "offer_id", "external_id", "provider", "gpu_type", "region",
     "old_price", "new_price", "availability", "price_as_of", "ts"}

``old_price`` is null for an offer seen for the first time; an offer that left the provider's list is
``availability: "down"`` with its last price. The payload stored beside the message keeps the offer's
attributes under ``match``, so filters are checked without a database read (:func:`matches` is the
in-memory twin of ``catalog.repository._conditions``, tested against it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog.repository import SearchSpec, search_text, tokens

log = logging.getLogger(__name__)

MESSAGE_FIELDS = (
    "seq",
    "offer_id",
    "external_id",
    "provider",
    "gpu_type",
    "region",
    "old_price",
    "new_price",
    "availability",
    "price_as_of",
    "ts",
)


def iso(value: Any) -> str | None:
    """A timestamp as ISO 8601 text, UTC assumed when it has no zone (SQLite reads them so)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)


def event_payload(row: dict[str, Any], old_price: Decimal | None, now: datetime) -> dict[str, Any]:
    """The stored payload of one change: the message (without seq) and the offer's filterable attributes."""
    price = Decimal(str(row["price_per_hour"]))
    return {
        "offer_id": row["id"],
        "external_id": row["external_id"],
        "provider": row["provider"],
        "gpu_type": row["gpu_family"] + (f" {row['gpu_variant']}" if row.get("gpu_variant") else ""),
        "region": row["region"],
        "old_price": float(old_price) if old_price is not None else None,
        "new_price": float(price),
        "availability": row["availability"],
        "price_as_of": iso(row.get("price_as_of")),
        "ts": now.isoformat(),
        "match": {
            "gpu_family": row["gpu_family"],
            "gpu_variant": row.get("gpu_variant"),
            "gpu_count": int(row["gpu_count"]),
            "gpu_memory_gb": float(row["gpu_memory_gb"]),
            "region": str(row["region"]).lower(),
            "geo": row.get("geo"),
            "country": row.get("country"),
            "price_per_hour": float(price),
            "price_per_gpu_hour": float(row["price_per_gpu_hour"]),
            "spot": bool(row["spot"]),
            "availability": row["availability"],
            "tags": list(row.get("tags") or []),
            "price_scope": row.get("price_scope") or "machine",
            "words": search_text(
                row.get("name"),
                row.get("gpu_type"),
                row["gpu_family"],
                row.get("gpu_variant"),
                row["provider"],
                row["region"],
                row.get("country"),
                row.get("geo"),
                row.get("tags") or [],
            ).split(),
        },
    }


def message(event: dict[str, Any]) -> dict[str, Any]:
    """What a subscriber receives for a stored event (``seq`` included)."""
    return {"type": "price_update", **{k: event.get(k) for k in MESSAGE_FIELDS}}


def matches(spec: SearchSpec, event: dict[str, Any]) -> bool:
    """Whether the offer an event describes passes the search's filters (as ``_conditions`` reads them)."""
    m = event.get("match") or {}
    if spec.gpu_family and m.get("gpu_family") != spec.gpu_family:
        return False
    if spec.gpu_variant and m.get("gpu_variant") != spec.gpu_variant:
        return False
    count = int(m.get("gpu_count") or 0)
    if spec.min_gpu_count and count < spec.min_gpu_count:
        return False
    if spec.exact_gpu_count and count != spec.exact_gpu_count:
        return False
    if not spec.include_gpu_only and m.get("price_scope", "machine") != "machine":
        return False
    memory = float(m.get("gpu_memory_gb") or 0)
    if spec.min_gpu_memory_gb and memory < spec.min_gpu_memory_gb:
        return False
    if spec.min_total_gpu_memory_gb and count * memory < spec.min_total_gpu_memory_gb:
        return False
    if spec.region and m.get("region") != spec.region.lower():
        return False
    if spec.geo and m.get("geo") != spec.geo:
        return False
    if spec.country and m.get("country") != spec.country:
        return False
    if spec.providers and event.get("provider") not in spec.providers:
        return False
    if spec.max_price is not None and Decimal(str(m.get("price_per_hour"))) > spec.max_price:
        return False
    if (
        spec.max_price_per_gpu is not None
        and Decimal(str(m.get("price_per_gpu_hour"))) > spec.max_price_per_gpu
    ):
        return False
    if spec.spot is not None and bool(m.get("spot")) is not spec.spot:
        return False
    if spec.availability and m.get("availability") != spec.availability:
        return False
    if spec.tags and not set(spec.tags) <= set(m.get("tags") or []):
        return False
    if spec.q:
        words = m.get("words") or []
        if not all(any(w.startswith(q) for w in words) for q in tokens(spec.q)):
            return False
    return True


# --- the gateway's fan-out, one per API process ------------------------------------------------------


class Subscriber:
    """One client of the stream: its filters and the queue of messages the hub hands it.

    ``sent`` remembers the sequence numbers it already received (a bounded window), so a replay and the
    live feed overlapping, or an event the outbox published twice, reach it once."""

    def __init__(self, spec: SearchSpec | None = None, maxsize: int = 10_000, remember: int = 20_000) -> None:
        self.spec = spec
        # (seq, the message as JSON text): serialized once per event for every subscriber (PriceHub).
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(maxsize=maxsize)
        self._sent: set[int] = set()
        self._order: deque[int] = deque()
        self._remember = remember
        self.overflowed = False

    def first_time(self, seq: int) -> bool:
        if seq in self._sent:
            return False
        self._sent.add(seq)
        self._order.append(seq)
        if len(self._order) > self._remember:
            self._sent.discard(self._order.popleft())
        return True

    @property
    def key(self) -> str:
        """Subscribers with the same filters share one decision per event."""
        return repr(self.spec)

    def offer(self, seq: int, text: str) -> None:
        """Queues a matching event's message (as text) unless this subscriber already had it."""
        if not self.first_time(seq):
            return
        try:
            self.queue.put_nowait((seq, text))
        except asyncio.QueueFull:
            self.overflowed = True  # the connection is told to resume from its last sequence number


Loader = Callable[[int, int], Awaitable[list[dict[str, Any]]]]


class PriceHub:
    """Reads ``price_updates`` once per process (Redis Streams fan-out: every API replica reads every
    message; in-process bus: the process's own syncs) and hands each event to the subscribers whose
    filters match. Started by the first subscriber; ``load`` reads the events a truncated message only
    names by range."""

    def __init__(self, bus: Any, load: Loader, keep_ids: int = 10_000) -> None:
        self._bus = bus
        self._load = load
        self.subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._keep_ids = keep_ids
        self.delivered = 0

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="price-hub")

    def remove(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def _first_time(self, event_id: str | None) -> bool:
        if not event_id:
            return True
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > self._keep_ids:
            self._seen.discard(self._seen_order.popleft())
        return True

    async def _run(self) -> None:
        while True:
            try:
                async for msg in self._bus.subscribe("price_updates"):
                    if self._first_time(msg.get("id")):
                        await self.dispatch(msg.get("payload") or {})
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: read again after a pause, clients stay connected
                log.warning("price hub lost the bus; reading again in 1 s", exc_info=True)
                await asyncio.sleep(1.0)

    async def dispatch(self, payload: dict[str, Any]) -> None:
        events = list(payload.get("changes") or [])
        if payload.get("truncated") and events:
            events += await self._load(int(events[-1]["seq"]) + 1, int(payload["last_seq"]))
        subscribers = [s for s in self.subscribers if s.spec is not None]
        groups: dict[str, list[Subscriber]] = {}
        for subscriber in subscribers:
            groups.setdefault(subscriber.key, []).append(subscriber)
        for event in events:
            text: str | None = None
            seq = int(event["seq"])
            for members in groups.values():
                spec = members[0].spec
                if spec is None or not matches(spec, event):
                    continue
                text = text or json.dumps(message(event))
                for subscriber in members:
                    subscriber.offer(seq, text)
        self.delivered += len(events)
