"""The worker process (``gpubroker worker``), and the same machinery embedded in the API for ``make run``.

A worker runs, on one event loop:

- the job engine's worker (core.jobs): every scheduled and deferred job of every domain
  (:data:`JOB_MODULES` declare them);
- one consumer per consumer group (core.jobs.consumer, core.bus.consume): each ``booking_events``
  message handled by one worker of its group, acknowledged after its handler committed;
- a small HTTP server on ``worker_metrics_port`` with ``/healthz`` (503 when the job engine or a
  consumer stopped) and ``/metrics``.

Any number of workers may run, and any may be killed at any moment: periodic jobs are deferred once per
schedule, a killed worker's jobs are run again by another (heartbeats), its unacknowledged messages are
claimed by another consumer of the group, and every handler acts once per event id. SIGTERM stops taking
new work and lets what is running finish for ``shutdown_timeout_s``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from core import metrics
from core.jobs import CONSUMERS, Runtime, consumer_groups, serve_jobs
from core.settings import Settings

log = logging.getLogger(__name__)

# Every module that declares jobs or consumers; importing one registers them on the engine.
JOB_MODULES = (
    "core.outbox",
    "accounts.jobs",
    "billing.tasks",
    "catalog.jobs",
    "analytics.jobs",
    "booking.retention",
    "booking.jobs",
    "alerts.jobs",
)


def load_job_modules() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Background:
    """The running pieces of a worker: the job engine and the consumers, stopped together."""

    runtime: Runtime
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def start(self, *, concurrency: int = 1, name: str | None = None) -> None:
        load_job_modules()
        rt = self.runtime
        rt.bus.ensure_groups(consumer_groups())
        self.tasks["jobs"] = asyncio.create_task(
            serve_jobs(rt, name=name, concurrency=concurrency, stop=self.stop), name="jobs"
        )
        who = name or consumer_name()
        for c in CONSUMERS:
            handler = _counted(c.topic, c.group, partial(c.handle, rt))
            self.tasks[f"consumer:{c.topic}/{c.group}"] = asyncio.create_task(
                rt.bus.consume(c.topic, c.group, who, handler, self.stop), name=f"{c.topic}/{c.group}"
            )

    def problems(self) -> list[str]:
        """What stopped that should be running (the worker's liveness)."""
        out = []
        for name, task in self.tasks.items():
            if task.done() and not self.stop.is_set():
                error = task.exception() if not task.cancelled() else None
                out.append(f"{name} stopped" + (f": {error!r}" if error else ""))
        return out

    async def close(self, timeout_s: float) -> None:
        self.stop.set()
        pending = [t for t in self.tasks.values() if not t.done()]
        if pending:
            _done, still = await asyncio.wait(pending, timeout=timeout_s)
            for task in still:
                task.cancel()
            for task in still:
                with suppress(asyncio.CancelledError, Exception):
                    await task


def _counted(
    topic: str, group: str, handle: Callable[[dict[str, Any]], Awaitable[bool | None]]
) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """A handler counted in ``gpubroker_events_handled_total``: ok, error, or duplicate (it returned
    False: the event was handled before)."""

    async def run(message: dict[str, Any]) -> None:
        try:
            result = await handle(message)
        except Exception:
            metrics.event_handled(topic, group, "error")
            raise
        metrics.event_handled(topic, group, "duplicate" if result is False else "ok")

    return run


def make_runtime(settings: Settings) -> Runtime:
    from core.bus import make_bus
    from core.cache import make_cache
    from core.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url, pool_size=max(4, settings.worker_concurrency + 2))
    return Runtime(
        settings=settings,
        session_factory=make_session_factory(engine),
        cache=make_cache(settings.redis_url, settings.cache_max_entries),
        bus=make_bus(
            settings.redis_url,
            claim_idle_s=settings.consumer_claim_idle_s,
            max_deliveries=settings.consumer_max_deliveries,
        ),
    )


def health_app(background: Background) -> Any:
    """The worker's ``/healthz`` (503 when the job engine or a consumer stopped) and ``/metrics`` (the
    API's probe app: the same metrics token and multiprocess handling)."""
    from fastapi.responses import JSONResponse

    from api.health import create_probe_app

    app = create_probe_app(background.runtime.settings)
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) != "/healthz"]

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        problems = background.problems()
        if problems:
            return JSONResponse({"status": "failing", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ok", "running": sorted(background.tasks)})

    return app


async def run(settings: Settings, *, concurrency: int, host: str | None = None) -> int:
    """``gpubroker worker``: runs until SIGTERM/SIGINT, then drains for ``shutdown_timeout_s``."""
    import uvicorn

    settings.check_production()
    runtime = make_runtime(settings)
    await wait_for_migrations(runtime, timeout_s=settings.worker_migration_wait_s)
    background = Background(runtime)
    background.start(concurrency=concurrency)
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    if settings.worker_metrics_port:
        config = uvicorn.Config(
            health_app(background),
            host=host or settings.host,
            port=settings.worker_metrics_port,
            log_level="warning",
            lifespan="off",
        )
        # uvicorn captures SIGTERM/SIGINT while it serves and raises them again when it stops, which
        # reaches the handlers installed below.
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log.info(
        "worker %s: jobs (concurrency %d) and %d consumers running",
        consumer_name(),
        concurrency,
        len(CONSUMERS),
    )
    watch = asyncio.create_task(stopping.wait())
    failed = asyncio.create_task(_first_failure(background))
    done, _ = await asyncio.wait({watch, failed}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if failed in done:
        log.error("worker stopping: %s", "; ".join(background.problems()))
        code = 1
    for t in (watch, failed):
        t.cancel()
    await background.close(settings.shutdown_timeout_s)
    if server is not None and serving is not None:
        server.should_exit = True
        with suppress(asyncio.CancelledError):
            await serving
    return code


async def wait_for_migrations(runtime: Runtime, timeout_s: float) -> None:
    """A worker started beside `gpubroker migrate` (compose, Kubernetes, a rolling deploy) waits for the
    schema instead of crashing into tables that are not there yet; it gives up after ``timeout_s``."""
    from types import SimpleNamespace

    from api.health import check_database

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    said = False
    while True:
        checks = await asyncio.to_thread(
            check_database, SimpleNamespace(session_factory=runtime.session_factory)
        )
        failing = {name: c.get("reason") for name, c in checks.items() if c.get("status") != "ok"}
        if not failing:
            return
        if loop.time() > deadline:
            raise RuntimeError(f"the database is not ready after {timeout_s:.0f} s: {failing}")
        if not said:
            log.warning("worker waiting for the database and its migrations: %s", failing)
            said = True
        await asyncio.sleep(1.0)


async def _first_failure(background: Background) -> None:
    while not background.problems():
        await asyncio.sleep(1.0)
