"""Background jobs of the catalog, run by the worker (core.jobs).

- ``catalog.refresh_forecasts`` (hourly): recomputes the stored market forecasts when the price history
  changed since they were made (a no-op otherwise), then invalidates cached searches so pages show them.
  Requests never fit a model; they read the last good forecasts meanwhile. Two runs at once compute the
  same forecasts and the lock keeps them from overlapping.
- ``catalog.sync_live`` (per live provider, on its own interval; catalog/schedule.py): the scheduled
  live sync with jitter, retries with backoff and a circuit breaker.
"""

from __future__ import annotations

import logging

from catalog.predict import refresh_forecasts
from catalog.schedule import SYNC_RETRY, SyncFailed, register, sync_live_provider
from core.db import session_scope
from core.jobs import SCHEDULES, Runtime, job

log = logging.getLogger(__name__)


@job("catalog.refresh_forecasts", cron="5 * * * *", queue="catalog", lock="catalog.refresh_forecasts")
def refresh_market_forecasts(rt: Runtime, force: bool = False) -> int:
    """``force``: recompute even if the history did not change (``gpubroker jobs run ... force=true``)."""
    with session_scope(rt.session_factory) as session:
        changed = refresh_forecasts(session, force=force)
    if changed and rt.cache is not None:
        rt.cache.bump_version()
    if changed:
        log.info("forecasts refreshed for %d markets", changed)
    return changed


@job("catalog.sync_live", queue="catalog", retry=SYNC_RETRY)
def sync_live(rt: Runtime, provider: str) -> str:
    """A live provider's scheduled sync (catalog.schedule). Idempotent: a sync writes what the provider
    lists now, and running it twice writes the second time only ``last_seen_at``."""
    outcome = sync_live_provider(rt, provider)
    log.info("live sync of %s: %s %s", provider, outcome.status, outcome.detail)
    if outcome.status == "failed":
        raise SyncFailed(f"{provider}: {outcome.detail}")  # retried with backoff
    return outcome.status


SCHEDULES.append(register)
