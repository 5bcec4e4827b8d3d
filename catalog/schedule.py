"""Scheduled live syncs: each provider in ``live_providers`` is synced by the worker on its own interval.

How it runs
    One procrastinate periodic job per live provider (``catalog.sync_live`` with ``provider=<id>``,
    periodic id ``catalog.sync_live:<id>``), registered when the worker's engine is made
    (``core.jobs.SCHEDULES``), so N workers defer each provider once per schedule. The cron comes from
    ``sync_intervals[<id>]`` or ``sync_interval_s`` (default 600 s), offset by a fixed per-provider
    minute so providers do not all start together; each run then waits a random ``sync_jitter_s``
    more. A per-provider lock keeps two syncs of one provider from running at once.

Failures
    A failed sync marks the provider ``degraded`` with the reason and counts one more consecutive
    failure (``provider_health.failures``); the job is retried with exponential backoff
    (:data:`SYNC_RETRY`). After ``sync_breaker_failures`` failures in a row the circuit opens: runs
    skip the provider until ``breaker_open_until`` (``sync_breaker_open_s`` later), and
    ``/providers/health`` says ``degraded`` with "circuit open after N failed syncs until ...". The
    first run after that time is the trial: success closes the circuit (failures back to 0), failure
    opens it again. Provider API rate limits are kept by the adapters' requests
    (``catalog.adapters.base.RateLimiter``, ``provider_rate_limits``, and ``Retry-After`` on 429).
"""

from __future__ import annotations

import logging
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate

from catalog import repository as repo
from catalog.adapters.base import ProviderAdapter
from catalog.adapters.registry import get_adapter_class
from catalog.ingest import run_sync
from catalog.service import sync_interval_s
from core.db import session_scope
from core.jobs import Runtime
from core.settings import Settings

log = logging.getLogger(__name__)

JOB_NAME = "catalog.sync_live"
# 3 tries in all, waiting 30 and 60 s: a short outage is ridden out inside one interval.
SYNC_RETRY = procrastinate.RetryStrategy(max_attempts=3, exponential_wait=30)


def cron_for(provider: str, interval_s: int) -> str:
    """A cron that fires every ``interval_s`` (rounded to whole minutes that divide an hour, or whole
    hours that divide a day), shifted by a minute offset fixed per provider."""
    minutes = max(1, round(interval_s / 60))
    offset = zlib.crc32(provider.encode())
    if minutes < 60:
        step = max(m for m in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) if m <= minutes)
        return f"{offset % step}-59/{step} * * * *" if step > 1 else "* * * * *"
    hours = max(h for h in (1, 2, 3, 4, 6, 8, 12, 24) if h <= minutes // 60)
    return (
        f"{offset % 60} {offset % hours}-23/{hours} * * *"
        if hours < 24
        else f"{offset % 60} {offset % 24} * * *"
    )


def register(app: procrastinate.App, settings: Settings) -> None:
    """One periodic sync per live provider (``core.jobs.SCHEDULES`` calls this)."""
    task = app.tasks[JOB_NAME]
    for provider in sorted(settings.live_provider_set):
        try:
            get_adapter_class(provider)
        except KeyError:
            log.error("GPUBROKER_LIVE_PROVIDERS names %r, which is no provider; not scheduled", provider)
            continue
        app.periodic(
            cron=cron_for(provider, sync_interval_s(settings, provider)),
            periodic_id=f"{JOB_NAME}:{provider}",
            task_kwargs={"provider": provider},
            lock=f"{JOB_NAME}:{provider}",
            queueing_lock=f"{JOB_NAME}:{provider}",
        )(task)


class SyncFailed(Exception):
    """Raised so the job engine retries the sync with backoff."""


@dataclass
class Outcome:
    provider: str
    status: str  # synced | skipped | failed | circuit-opened
    detail: str = ""


def breaker_for(settings: Settings, now: Callable[[], datetime]) -> Callable[[int], datetime | None]:
    def open_until(failures: int) -> datetime | None:
        if failures >= settings.sync_breaker_failures:
            return now() + timedelta(seconds=settings.sync_breaker_open_s)
        return None

    return open_until


def sync_live_provider(
    rt: Runtime,
    provider: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    adapters: dict[str, ProviderAdapter] | None = None,
) -> Outcome:
    """One scheduled sync of ``provider``: jitter, the circuit breaker, the sync, the failure count."""
    settings = rt.settings
    sleep((rng or random.Random()).uniform(0, settings.sync_jitter_s))  # nosec B311  # jitter, not a secret
    with session_scope(rt.session_factory) as session:
        health = repo.health_row(session, provider)
        open_until = health.breaker_open_until if health is not None else None
    if open_until is not None:
        open_until = open_until if open_until.tzinfo else open_until.replace(tzinfo=UTC)
        if open_until > now():
            return Outcome(provider, "skipped", f"circuit open until {open_until.isoformat()}")
    report = run_sync(
        rt.session_factory,
        settings,
        cache=rt.cache,
        bus=rt.bus,
        providers=[provider],
        adapters=adapters,
        breaker=breaker_for(settings, now),
    ).providers[0]
    if report.error is None:
        return Outcome(
            provider, "synced", f"{report.inserted} new, {report.updated} changed, {report.down} down"
        )
    with session_scope(rt.session_factory) as session:
        health = repo.health_row(session, provider)
        opened = health is not None and health.breaker_open_until is not None
    return Outcome(provider, "circuit-opened" if opened else "failed", report.error)
