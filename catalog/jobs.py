"""Background jobs of the catalog, run by the worker (core.jobs).

- ``catalog.refresh_forecasts`` (hourly): recomputes the stored market forecasts when the price history
  changed since they were made (a no-op otherwise), then invalidates cached searches so pages show them.
  Requests never fit a model; they read the last good forecasts meanwhile. Two runs at once compute the
  same forecasts and the lock keeps them from overlapping.
"""

from __future__ import annotations

import logging

from catalog.predict import refresh_forecasts
from core.db import session_scope
from core.jobs import Runtime, job

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
