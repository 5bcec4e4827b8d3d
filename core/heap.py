"""The served process's start-up heap, kept out of the garbage collector's full passes.

An API worker holds about 700,000 objects once started (FastAPI, pydantic, SQLAlchemy, LangGraph, and
torch for the knowledge embeddings, loaded in a thread after start-up). None of them is ever garbage,
yet each full collection walked them all: 0.3-0.5 s with the event loop stopped, several times a
minute under load (measured with gc callbacks at 100 connections on cached searches: p95 300-580 ms,
with the heap frozen 34-52 ms; docs/BENCHMARKS.md, issue 14). :func:`freeze_when_warm` moves what
start-up made into the permanent generation (``gc.freeze``), once after start-up and once more when
the warm-up threads are done; objects made later are collected as before.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time

log = logging.getLogger(__name__)

# Threads that load large libraries after start-up (agent.knowledge.embeddings.warm_up).
WARM_UP_THREADS = frozenset({"knowledge-embeddings"})


def freeze() -> int:
    """Collects once, then freezes everything left; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def freeze_when_warm(poll_s: float = 1.0, give_up_s: float = 600.0) -> None:
    """Freezes now, and again once no warm-up thread runs (or after waiting ``give_up_s``)."""
    log.info("start-up heap frozen: %d objects", freeze())
    # The wait starts after the first freeze: a collection of a large heap on a loaded machine takes
    # seconds, and must not use up the time given to the warm-up threads.
    started = time.monotonic()
    while time.monotonic() - started < give_up_s:
        if not any(t.name in WARM_UP_THREADS for t in threading.enumerate()):
            break
        await asyncio.sleep(poll_s)
    log.info("warm heap frozen: %d objects", freeze())
