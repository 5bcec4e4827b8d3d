"""Background jobs: every scheduled or deferred piece of work runs on one job engine, procrastinate.

Domains declare their jobs beside their code (``billing/jobs.py``, ``catalog/jobs.py``, ...) with
:func:`job`; the worker process (``api/worker.py``, ``gpubroker worker``) imports them and runs them.
A job is a plain function taking the :class:`Runtime` (settings, session factory, cache, bus) and its
own keyword arguments; sync functions run in a thread of the worker, async ones on its loop.

Where the jobs live
    PostgreSQL: procrastinate's tables (``procrastinate_jobs`` ...), created by ``gpubroker migrate``.
    Any number of ``gpubroker worker`` processes share them.
    SQLite (``make run``): procrastinate's in-memory connector, and a worker inside the API process
    (``Settings.runs_embedded_worker``), running the same job definitions.

What the engine guarantees, and how we rely on it
    * Periodic jobs run once per schedule whatever the number of workers: every worker's deferrer
      tries to defer ``(job, schedule time)``, and a unique key in ``procrastinate_periodic_defers``
      lets exactly one succeed.
    * A failed run is retried with exponential backoff (:data:`DEFAULT_RETRY`, per job overridable).
    * A job held by a worker that died is run again: workers heartbeat every ``update_heartbeat_interval``
      seconds, and :func:`recover_stalled_jobs` (every minute) hands the jobs of a worker silent for
      ``job_stalled_after_s`` back to the queue. Jobs must therefore be idempotent: each of ours says
      why it is in its docstring.
    * ``lock=``: jobs sharing a lock never run at the same time (one sync per provider, say).
    * Metrics: a worker middleware counts every run by job and outcome and times it; the queue depth
      is read from the jobs table (``gpubroker_job_runs_total``, ``gpubroker_job_duration_seconds``,
      ``gpubroker_jobs_queued``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import procrastinate
from procrastinate import JobContext
from procrastinate.testing import InMemoryConnector
from sqlalchemy.orm import Session, sessionmaker

from core import metrics
from core.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# 5 tries in all, waiting 2, 4, 8 and 16 seconds between them.
DEFAULT_RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2)
HEARTBEAT_S = 5.0

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Runtime:
    """What a job may use: the same objects the API has, made by the worker process."""

    settings: Settings
    session_factory: sessionmaker[Session]
    cache: Any = None
    bus: Any = None


@dataclass(frozen=True)
class Consumer:
    """A consumer group's handler of one topic (see core.bus.consume): ``handle(runtime, message)``."""

    topic: str
    group: str
    # Returns False for a duplicate (the event was handled before), anything else when it acted.
    handle: Callable[[Runtime, dict[str, Any]], Awaitable[bool | None]]


CONSUMERS: list[Consumer] = []


def consumer(topic: str, group: str) -> Callable[[F], F]:
    """Declares ``async fn(runtime, message)`` as the handler of ``topic`` for the consumer ``group``:
    each message is handled by one worker of the group, at least once (use core.bus.first_handling
    to act once)."""

    def decorate(fn: F) -> F:
        CONSUMERS.append(Consumer(topic, group, fn))
        return fn

    return decorate


def consumer_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for c in CONSUMERS:
        groups.setdefault(c.topic, []).append(c.group)
    return groups


# Schedules that depend on the settings (one periodic sync per live provider, say): each is called with
# the engine and the settings when the engine is made, and registers its periodic jobs on it.
Schedule = Callable[[procrastinate.App, Settings], None]
SCHEDULES: list[Schedule] = []


# Observers of every run: (job name, outcome, seconds). core.metrics registers one; tests may add theirs.
RunObserver = Callable[[str, str, float], None]
RUN_OBSERVERS: list[RunObserver] = []


def job(
    name: str,
    *,
    cron: str | None = None,
    queue: str = "default",
    retry: procrastinate.RetryStrategy | int | bool = DEFAULT_RETRY,
    lock: str | None = None,
) -> Callable[[F], F]:
    """Declares ``fn(runtime, **kwargs)`` as the job ``name``; with ``cron`` (5 fields, or 6 with
    seconds last) it is also deferred on that schedule, once per schedule across all workers. The
    function stays callable as it was; ``fn.task`` is its procrastinate task (``.defer_async(...)``)."""

    def decorate(fn: F) -> F:
        wants_timestamp = "timestamp" in inspect.signature(fn).parameters

        def arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
            if not wants_timestamp:
                kwargs.pop("timestamp", None)
            return kwargs

        run: Any
        if inspect.iscoroutinefunction(fn):

            async def run_async(context: JobContext, **kwargs: Any) -> Any:
                return await fn(runtime_of(context), **arguments(kwargs))

            run = run_async
        else:

            def run_sync(context: JobContext, **kwargs: Any) -> Any:
                return fn(runtime_of(context), **arguments(kwargs))

            run = run_sync
        run.__name__ = run.__qualname__ = fn.__name__
        run.__module__ = fn.__module__
        run.__doc__ = fn.__doc__
        task: Any = blueprint.task(name=name, queue=queue, retry=retry, pass_context=True, lock=lock)(run)
        if cron is not None:
            blueprint.periodic(cron=cron, periodic_id=name)(task)
        fn.task = task  # type: ignore[attr-defined]
        return fn

    return decorate


def runtime_of(context: JobContext) -> Runtime:
    runtime = context.additional_context.get("runtime")
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the worker was started without a Runtime (core.jobs.run_worker)")
    return runtime


def make_app(settings: Settings, extra: Iterable[procrastinate.Blueprint] = ()) -> procrastinate.App:
    """The engine for these settings: PostgreSQL's tables, or in memory next to SQLite. ``extra``:
    blueprints of jobs beyond the product's (tests declare theirs there)."""
    connector: Any
    if settings.is_sqlite:
        connector = InMemoryConnector()
    else:
        connector = procrastinate.PsycopgConnector(
            conninfo=_libpq_url(settings.database_url),
            kwargs={"application_name": "gpubroker-jobs"},
            min_size=1,
            max_size=max(4, settings.worker_concurrency + 2),
        )
    app = procrastinate.App(connector=connector, periodic_defaults={"max_delay": 600})
    app.add_tasks_from(blueprint, namespace="")
    for more in extra:
        app.add_tasks_from(more, namespace="")
    for schedule in SCHEDULES:
        schedule(app, settings)
    return app


def _libpq_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


async def _measure(call_next: Callable[[], Awaitable[Any]], context: JobContext, worker: Any) -> Any:
    """Worker middleware: every run counted by outcome (succeeded, failed, or retried when the engine
    will run it again) and timed, whatever the job."""
    name = context.job.task_name
    started = time.perf_counter()
    outcome = "succeeded"
    try:
        return await call_next()
    except BaseException as exc:
        task = context.app.tasks.get(name)
        retry = task.get_retry_exception(exception=exc, job=context.job) if task is not None else None
        outcome = "retried" if retry is not None else "failed"
        raise
    finally:
        elapsed = time.perf_counter() - started
        metrics.JOB_RUNS.labels(name, outcome).inc()
        metrics.JOB_DURATION.labels(name).observe(elapsed)
        for observe in RUN_OBSERVERS:
            try:
                observe(name, outcome, elapsed)
            except Exception:  # an observer must never fail a job
                log.exception("job run observer failed")


async def run_worker(
    app: procrastinate.App,
    runtime: Runtime,
    *,
    name: str | None = None,
    concurrency: int = 1,
    install_signal_handlers: bool = False,
    queues: list[str] | None = None,
) -> None:
    """Runs jobs until cancelled (or a signal, with ``install_signal_handlers``); the app must be open."""
    options: dict[str, Any] = {}
    if name is not None:
        options["name"] = name
    if queues is not None:
        options["queues"] = queues
    await app.run_worker_async(
        **options,
        concurrency=concurrency,
        wait=True,
        install_signal_handlers=install_signal_handlers,
        additional_context={"runtime": runtime},
        shutdown_graceful_timeout=runtime.settings.shutdown_timeout_s,
        update_heartbeat_interval=HEARTBEAT_S,
        stalled_worker_timeout=runtime.settings.job_stalled_after_s,
        listen_notify=not runtime.settings.is_sqlite,
        # Jobs scheduled for later (retries, periodic) are found by polling; new ones by LISTEN/NOTIFY.
        fetch_job_polling_interval=1.0,
        worker_middleware=[_measure],
        delete_jobs="never",
    )


# --- the engine's own housekeeping ------------------------------------------------------------------


# The engine a worker runs, for the housekeeping jobs below (set by serve_jobs).
_current_app: contextvars.ContextVar[procrastinate.App | None] = contextvars.ContextVar(
    "jobs_app", default=None
)


@job("core.recover_stalled_jobs", cron="* * * * * */10", retry=False)
async def recover_stalled_jobs(rt: Runtime) -> int:
    """Jobs held by a worker that stopped heartbeating (killed, frozen) go back to the queue. Running it
    twice at once retries a job once: the second retry finds the job no longer ``doing``. It also reads
    the queues' depth for ``gpubroker_jobs_queued``."""
    app = _current_app.get()
    if app is None:
        return 0
    for queue in await app.job_manager.list_queues_async():
        metrics.set_jobs_queued(str(queue["name"]), int(queue["todo"]))
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=rt.settings.job_stalled_after_s)
    count = 0
    for stalled_job in stalled:
        try:
            await app.job_manager.retry_job(stalled_job)
            count += 1
            log.warning(
                "job %s (%s) was held by a dead worker; queued again", stalled_job.id, stalled_job.task_name
            )
        except Exception:  # another worker retried it first
            log.info("stalled job %s was already taken care of", stalled_job.id)
    return count


@job("core.remove_old_jobs", cron="17 3 * * *", retry=False)
async def remove_old_jobs(rt: Runtime) -> None:
    """Finished jobs are kept for operators to read (a day; failed and cancelled ones a week), then deleted."""
    app = _current_app.get()
    if app is not None:
        await app.job_manager.delete_old_jobs(nb_hours=24)
        await app.job_manager.delete_old_jobs(
            nb_hours=24 * 7, include_failed=True, include_cancelled=True, include_aborted=True
        )


async def serve_jobs(
    runtime: Runtime,
    *,
    name: str | None = None,
    concurrency: int = 1,
    install_signal_handlers: bool = False,
    stop: asyncio.Event | None = None,
    extra: Iterable[procrastinate.Blueprint] = (),
) -> None:
    """Opens the engine for ``runtime.settings`` and runs a worker until cancelled or ``stop`` is set."""
    app = make_app(runtime.settings, extra)
    token = _current_app.set(app)
    try:
        async with app.open_async():
            worker = asyncio.ensure_future(
                run_worker(
                    app,
                    runtime,
                    name=name,
                    concurrency=concurrency,
                    install_signal_handlers=install_signal_handlers,
                )
            )
            if stop is None:
                await worker
                return
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if worker in done:
                stopper.cancel()
                worker.result()
                return
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(worker, timeout=runtime.settings.shutdown_timeout_s + 5)
    finally:
        _current_app.reset(token)
