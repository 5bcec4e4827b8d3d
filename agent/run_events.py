"""The event log of each run: what its stream sends, readable from any API replica.

The replica that runs a run appends every server-sent event to the run's log (:meth:`publish`) and
closes it when the run ends; any replica reads it (:meth:`read`): the request that created the run
from the start, a join from where its caller left off (``Last-Event-ID``) or from now. Ids grow with
each event and are what the SSE ``id:`` field carries, so a client that lost its connection resumes
exactly after the last event it saw.

With ``GPUBROKER_REDIS_URL`` the log is a Redis stream per run (``gpubroker:run:<id>:events``; ids are
Redis stream ids, reads block in ``XREAD``); otherwise it lives in this process (the embedded default,
one process). A closed log is kept ``keep_s`` (longer for ``stream_resumable`` runs) and then expires.
The end of a run is an entry named :data:`END` that readers stop at and never forward.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.redisconn import async_client

END = "__end__"
Entry = tuple[str, str, str]  # (id, event, JSON data)


class RunEvents(Protocol):
    backend: str

    async def publish(self, run_id: str, event: str, data: str) -> str: ...
    async def read(self, run_id: str, after: str, timeout_s: float) -> list[Entry]: ...
    async def last_id(self, run_id: str) -> str: ...
    async def close(self, run_id: str, keep_s: float) -> None: ...


START = "0"  # read from the first event


@dataclass
class _Log:
    entries: list[Entry] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    expires_at: float | None = None


class MemoryRunEvents:
    """One process: a list per run and an event that wakes its readers (all on the app's event loop)."""

    backend = "memory"

    def __init__(self) -> None:
        self._logs: dict[str, _Log] = {}

    def _log(self, run_id: str) -> _Log:
        now = time.monotonic()
        for rid in [
            r for r, log in self._logs.items() if log.expires_at is not None and log.expires_at < now
        ]:
            del self._logs[rid]
        return self._logs.setdefault(run_id, _Log())

    async def publish(self, run_id: str, event: str, data: str) -> str:
        log = self._log(run_id)
        entry_id = str(len(log.entries) + 1)
        log.entries.append((entry_id, event, data))
        log.changed.set()
        log.changed = asyncio.Event()
        return entry_id

    async def read(self, run_id: str, after: str, timeout_s: float) -> list[Entry]:
        log = self._log(run_id)
        start = _position(after)
        if start < len(log.entries):
            return log.entries[start:]
        waiter = log.changed
        try:
            await asyncio.wait_for(waiter.wait(), timeout_s)
        except TimeoutError:
            return []
        return log.entries[start:]

    async def last_id(self, run_id: str) -> str:
        log = self._log(run_id)
        return log.entries[-1][0] if log.entries else START

    async def close(self, run_id: str, keep_s: float) -> None:
        await self.publish(run_id, END, "null")
        self._log(run_id).expires_at = time.monotonic() + keep_s


def _position(after: str) -> int:
    try:
        return max(0, int(after))
    except ValueError:
        return 0


class RedisRunEvents:
    """A Redis stream per run, shared by every replica."""

    backend = "redis"

    def __init__(self, url: str, prefix: str = "gpubroker:run:") -> None:
        self._url = url
        self._prefix = prefix
        self._clients: dict[int, Any] = {}

    def _client(self) -> Any:
        # One client per event loop (test servers run several apps, each on its own loop).
        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            client = self._clients[loop_id] = async_client(self._url, socket_timeout=None)
        return client

    def _key(self, run_id: str) -> str:
        return f"{self._prefix}{run_id}:events"

    async def publish(self, run_id: str, event: str, data: str) -> str:
        entry_id = await self._client().xadd(self._key(run_id), {"event": event, "data": data})
        return str(entry_id.decode() if isinstance(entry_id, bytes) else entry_id)

    async def read(self, run_id: str, after: str, timeout_s: float) -> list[Entry]:
        after = after if after != START else "0-0"
        res = await self._client().xread(
            {self._key(run_id): after}, block=max(1, int(timeout_s * 1000)), count=500
        )
        out: list[Entry] = []
        for _stream, entries in res or []:
            for entry_id, fields in entries:
                out.append((_text(entry_id), _text(fields[b"event"]), _text(fields[b"data"])))
        return out

    async def last_id(self, run_id: str) -> str:
        rows = await self._client().xrevrange(self._key(run_id), count=1)
        return _text(rows[0][0]) if rows else "0-0"

    async def close(self, run_id: str, keep_s: float) -> None:
        await self.publish(run_id, END, "null")
        await self._client().expire(self._key(run_id), max(1, int(keep_s)))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def make_run_events(redis_url: str | None) -> MemoryRunEvents | RedisRunEvents:
    return RedisRunEvents(redis_url) if redis_url else MemoryRunEvents()
