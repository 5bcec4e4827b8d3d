"""Every Prometheus series GPUBroker exports, and the small functions that record them.

The names, types and labels are a contract (the Grafana dashboards in deploy/ query them); labels take
bounded values only: an HTTP route is its template (``/providers/{offer_id}``, ``unmatched`` when no
route matched), never the raw path.

Recorded where the work happens: HTTP requests, errors and WebSocket connections by the request middleware
(core.observability); search cache hits and misses by core.cache; sync figures by catalog.ingest and
provider fetches by catalog.adapters.base; booking transitions by booking.transitions.move; assistant
turns, first events, tools and LLM calls by api.chat, api.chat_ws, api.langgraph_api, agent.nodes and
tools.registry. The job engine, the outbox relay and the bus consumers call these helpers:

- ``with job_run("billing.nightly"):`` around one run of a job: counts it ``succeeded`` (or ``failed`` when
  it raises, re-raising) and observes its duration; ``job_retried(job)`` when the engine schedules a retry.
- ``set_jobs_queued(queue, n)``: the jobs waiting in a queue, read by the worker from the engine's table.
- ``ratelimit_fallback("redis_down")``: a request limited in-process because Redis could not be reached.
- ``set_outbox_pending(n)``: outbox rows not relayed yet.
- ``event_handled(topic, group, "ok" | "error" | "duplicate")``: one bus message handled by a consumer group.

Multiprocess: with ``PROMETHEUS_MULTIPROC_DIR`` set before the process starts (``gpubroker serve --workers
N``), prometheus_client keeps every value in files there and :func:`render` sums the workers' files;
:func:`prepare_multiprocess_dir` empties the folder before the workers start. Gauges say how workers'
values combine (``livesum`` for connections, ``mostrecent`` for values any process may set).
"""

from __future__ import annotations

import atexit
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from core import redisconn
from core.settings import Settings

# Seconds. A cached search is answered in a few milliseconds, an uncached one in tens.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Model calls and whole turns take seconds.
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUEST_DURATION = Histogram(
    "gpubroker_http_request_duration_seconds",
    "Time to the end of the response, by route template, method and status.",
    ["route", "method", "status"],
    buckets=HTTP_BUCKETS,
)
HTTP_REQUESTS = Counter("gpubroker_http_requests", "HTTP requests answered.", ["route", "method", "status"])
HTTP_ERRORS = Counter(
    "gpubroker_http_errors", "HTTP requests answered with a 4xx or 5xx.", ["route", "method", "status"]
)
SEARCH_CACHE_HITS = Counter("gpubroker_search_cache_hits", "Search cache lookups that hit.", ["backend"])
SEARCH_CACHE_MISSES = Counter(
    "gpubroker_search_cache_misses", "Search cache lookups that missed.", ["backend"]
)
CATALOG_VERSION = Gauge(
    "gpubroker_catalog_version",
    "The catalog version (bumped by every ingestion that changed offers).",
    multiprocess_mode="mostrecent",
)
SYNC_RECORDS = Counter(
    "gpubroker_sync_records", "Offer rows a sync handled, by outcome.", ["provider", "outcome"]
)
SYNC_REJECTED = Counter("gpubroker_sync_rejected", "Rows a sync rejected as malformed.", ["provider"])
SYNC_DURATION = Histogram(
    "gpubroker_sync_duration_seconds",
    "One provider's sync, fetch to commit.",
    ["provider"],
    buckets=JOB_BUCKETS,
)
PROVIDER_FETCH = Histogram(
    "gpubroker_provider_fetch_seconds",
    "Fetching one provider's catalog (its API when live, the bundled snapshot otherwise).",
    ["provider"],
    buckets=SLOW_BUCKETS,
)
JOB_RUNS = Counter("gpubroker_job_runs", "Job runs, by outcome.", ["job", "status"])
JOB_DURATION = Histogram("gpubroker_job_duration_seconds", "One job run.", ["job"], buckets=JOB_BUCKETS)
JOBS_QUEUED = Gauge(
    "gpubroker_jobs_queued", "Jobs waiting in a queue.", ["queue"], multiprocess_mode="mostrecent"
)
BOOKING_TRANSITIONS = Counter(
    "gpubroker_booking_transitions",
    "Booking state changes (counted when made; a transaction rolled back after the change still counts).",
    ["from_state", "to_state"],
)
ASSISTANT_TURN = Histogram(
    "gpubroker_assistant_turn_seconds",
    "One assistant turn, request to last event.",
    ["model", "transport"],
    buckets=SLOW_BUCKETS,
)
ASSISTANT_FIRST_EVENT = Histogram(
    "gpubroker_assistant_first_event_seconds",
    "A streamed turn's first event after its metadata (streaming transports only).",
    ["transport"],
    buckets=SLOW_BUCKETS,
)
ASSISTANT_TOOL = Histogram(
    "gpubroker_assistant_tool_seconds",
    "One tool call of the assistant.",
    ["tool", "outcome"],
    buckets=SLOW_BUCKETS,
)
LLM_REQUEST = Histogram(
    "gpubroker_llm_request_seconds", "One chat model call.", ["model"], buckets=SLOW_BUCKETS
)
WEBSOCKET_CONNECTIONS = Gauge(
    "gpubroker_websocket_connections",
    "Open WebSocket connections.",
    ["endpoint"],
    multiprocess_mode="livesum",
)
RATELIMIT_FALLBACK = Counter(
    "gpubroker_ratelimit_fallback",
    "Requests limited in-process because the shared limiter failed.",
    ["reason"],
)
OUTBOX_PENDING = Gauge(
    "gpubroker_outbox_pending", "Outbox events not relayed yet.", multiprocess_mode="mostrecent"
)
EVENTS_HANDLED = Counter(
    "gpubroker_events_handled", "Bus messages handled by a consumer group.", ["topic", "group", "outcome"]
)


def record_sync(
    provider: str, *, inserted: int, updated: int, unchanged: int, rejected: int, seconds: float
) -> None:
    for outcome, count in (
        ("inserted", inserted),
        ("updated", updated),
        ("unchanged", unchanged),
        ("rejected", rejected),
    ):
        if count:
            SYNC_RECORDS.labels(provider, outcome).inc(count)
    if rejected:
        SYNC_REJECTED.labels(provider).inc(rejected)
    SYNC_DURATION.labels(provider).observe(seconds)


T = TypeVar("T")


async def timed_turn(
    events: AsyncIterator[T], *, model: str, transport: str, started: float | None = None
) -> AsyncIterator[T]:
    """Passes a streamed turn's events through, observing the time to the first one after the
    ``metadata`` event and to the end of the turn, both from ``started`` (a ``time.perf_counter()``
    taken when the request arrived; the first event by default)."""
    start = time.perf_counter() if started is None else started
    count = 0
    try:
        async for event in events:
            count += 1
            if count == 2:
                ASSISTANT_FIRST_EVENT.labels(transport).observe(time.perf_counter() - start)
            yield event
    finally:
        ASSISTANT_TURN.labels(model, transport).observe(time.perf_counter() - start)


def booking_transition(from_state: str, to_state: str) -> None:
    BOOKING_TRANSITIONS.labels(from_state, to_state).inc()


@contextmanager
def job_run(job: str) -> Iterator[None]:
    """Counts one run of ``job`` (succeeded, or failed when the block raises) and observes its duration."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        JOB_RUNS.labels(job, "failed").inc()
        raise
    else:
        JOB_RUNS.labels(job, "succeeded").inc()
    finally:
        JOB_DURATION.labels(job).observe(time.perf_counter() - started)


def job_retried(job: str) -> None:
    JOB_RUNS.labels(job, "retried").inc()


def set_jobs_queued(queue: str, count: int) -> None:
    JOBS_QUEUED.labels(queue).set(count)


def ratelimit_fallback(reason: str = "redis_down") -> None:
    RATELIMIT_FALLBACK.labels(reason).inc()


def _on_redis_fallback(breaker: str, reason: str) -> None:
    if breaker == "ratelimit":
        ratelimit_fallback("redis_down")


redisconn.FALLBACK_OBSERVERS.append(_on_redis_fallback)


def set_outbox_pending(count: int) -> None:
    OUTBOX_PENDING.set(count)


def event_handled(topic: str, group: str, outcome: str) -> None:
    EVENTS_HANDLED.labels(topic, group, outcome).inc()


def render(settings: Settings) -> tuple[bytes, str]:
    """The exposition text and its content type: this process's metrics, or every worker's summed."""
    if settings.prometheus_multiproc_dir is not None:
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            registry, path=str(settings.prometheus_multiproc_dir)
        )
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def prepare_multiprocess_dir(settings: Settings) -> None:
    """Empties the multiprocess folder before workers start: files of an earlier run would be summed in."""
    folder = settings.prometheus_multiproc_dir
    if folder is None:
        return
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


_registered_exit = False


def mark_dead_at_exit(settings: Settings) -> None:
    """In multiprocess mode, drop this process's live gauges (open connections) when it exits."""
    global _registered_exit
    if settings.prometheus_multiproc_dir is None or _registered_exit:
        return
    _registered_exit = True
    folder = str(settings.prometheus_multiproc_dir)
    atexit.register(prometheus_multiprocess.mark_process_dead, os.getpid(), folder)
