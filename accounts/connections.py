"""How many live connections (WebSockets) a team holds at once: its plan's ``ws_limit``.

A connection takes a slot when it opens and gives it back when it closes. On Redis the slots of a
team are a sorted set shared by every API replica, each member scored with the time its lease runs
out; an open connection renews its lease every ``LEASE_S / 3`` seconds, so the slots of a replica
that died come free within ``LEASE_S`` instead of leaking. In-process (no Redis) a dict does the same
for one process.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Protocol

from core.redisconn import Breaker, sync_client

LEASE_S = 60.0

# KEYS[1] the team's set; ARGV now, lease end, member, limit. Returns 1 when the slot was taken.
ACQUIRE_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[2]) - tonumber(ARGV[1])) * 1000) + 1000)
return 1
"""


class ConnectionSlots(Protocol):
    def acquire(self, tenant_id: str, limit: int) -> str | None: ...
    def renew(self, tenant_id: str, slot: str) -> None: ...
    def release(self, tenant_id: str, slot: str) -> None: ...
    def count(self, tenant_id: str) -> int: ...


class MemoryConnectionSlots:
    def __init__(self) -> None:
        self._slots: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, tenant_id: str, now: float) -> dict[str, float]:
        slots = self._slots.setdefault(tenant_id, {})
        for slot in [s for s, until in slots.items() if until <= now]:
            del slots[slot]
        return slots

    def acquire(self, tenant_id: str, limit: int) -> str | None:
        now = time.monotonic()
        with self._lock:
            slots = self._live(tenant_id, now)
            if len(slots) >= limit:
                return None
            slot = uuid.uuid4().hex
            slots[slot] = now + LEASE_S
            return slot

    def renew(self, tenant_id: str, slot: str) -> None:
        with self._lock:
            slots = self._slots.get(tenant_id, {})
            if slot in slots:
                slots[slot] = time.monotonic() + LEASE_S

    def release(self, tenant_id: str, slot: str) -> None:
        with self._lock:
            self._slots.get(tenant_id, {}).pop(slot, None)

    def count(self, tenant_id: str) -> int:
        with self._lock:
            return len(self._live(tenant_id, time.monotonic()))


class RedisConnectionSlots:
    """Slots shared by every replica; while Redis cannot be reached, each process counts its own
    connections against the team's limit (core.redisconn.Breaker), so a team may then hold up to its
    limit per replica."""

    def __init__(self, url: str, prefix: str = "gpubroker:ws:") -> None:
        self._redis = sync_client(url)
        self._acquire: Any = self._redis.register_script(ACQUIRE_LUA)
        self._prefix = prefix
        self.local = MemoryConnectionSlots()
        self.breaker = Breaker("ws_slots")

    def _key(self, tenant_id: str) -> str:
        return self._prefix + tenant_id

    def acquire(self, tenant_id: str, limit: int) -> str | None:
        def remote() -> str | None:
            now = time.time()
            slot = uuid.uuid4().hex
            taken = self._acquire(keys=[self._key(tenant_id)], args=[now, now + LEASE_S, slot, limit])
            return slot if int(taken) == 1 else None

        def local() -> str | None:
            slot = self.local.acquire(tenant_id, limit)
            return f"local:{slot}" if slot else None

        return self.breaker.call(remote, local)

    def renew(self, tenant_id: str, slot: str) -> None:
        if slot.startswith("local:"):
            self.local.renew(tenant_id, slot[6:])
            return
        # XX: only a slot still held is renewed; one that expired meanwhile is not brought back.
        self.breaker.call(
            lambda: self._redis.zadd(self._key(tenant_id), {slot: time.time() + LEASE_S}, xx=True), lambda: 0
        )

    def release(self, tenant_id: str, slot: str) -> None:
        if slot.startswith("local:"):
            self.local.release(tenant_id, slot[6:])
            return
        self.breaker.call(lambda: self._redis.zrem(self._key(tenant_id), slot), lambda: 0)

    def count(self, tenant_id: str) -> int:
        def remote() -> int:
            key = self._key(tenant_id)
            self._redis.zremrangebyscore(key, "-inf", time.time())
            return int(self._redis.zcard(key))

        return self.breaker.call(remote, lambda: self.local.count(tenant_id))


def make_connection_slots(redis_url: str | None) -> MemoryConnectionSlots | RedisConnectionSlots:
    return RedisConnectionSlots(redis_url) if redis_url else MemoryConnectionSlots()
