"""The served process freezes its start-up heap (core.heap), once at start-up and again after the
warm-up threads; apps made by tests do not."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from api.app import create_app
from core import heap
from core.settings import Settings
from tests.support import run_async


def test_the_heap_is_frozen_after_the_warm_up_threads_end() -> None:
    release = threading.Event()
    warm_up = threading.Thread(target=release.wait, name="knowledge-embeddings", daemon=True)
    warm_up.start()
    counts: list[int] = []

    async def watch() -> None:
        import asyncio

        task = asyncio.create_task(heap.freeze_when_warm(poll_s=0.01, give_up_s=120))
        await asyncio.sleep(0.05)
        counts.append(gc.get_freeze_count())
        assert not task.done(), "it waits for the warm-up thread"
        made_later = [[i] for i in range(1000)]
        release.set()
        await task
        counts.append(gc.get_freeze_count())
        del made_later

    try:
        run_async(watch())
        assert 0 < counts[0] < counts[1]
    finally:
        gc.unfreeze()


def test_apps_made_by_tests_leave_the_heap_alone(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0


def test_a_slow_first_freeze_does_not_use_up_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loaded machine the first collection of a large heap takes longer than the whole wait: the
    second freeze must still wait for the warm-up thread (it once gave up before it started waiting)."""
    real = heap.freeze

    def slow_freeze() -> int:
        time.sleep(0.3)
        return real()

    monkeypatch.setattr(heap, "freeze", slow_freeze)
    release = threading.Event()
    threading.Thread(target=release.wait, name="knowledge-embeddings", daemon=True).start()

    async def watch() -> bool:
        import asyncio

        task = asyncio.create_task(heap.freeze_when_warm(poll_s=0.01, give_up_s=0.25))
        await asyncio.sleep(0.1)
        waiting = not task.done()
        release.set()
        await task
        return waiting

    try:
        assert run_async(watch()), "it gave up before waiting for the warm-up thread"
    finally:
        release.set()
        gc.unfreeze()
