"""Background jobs of billing in the API's lifespan, until the worker schedules ``billing.jobs``.

- :func:`daily_billing` fetches the ECB rates (when ``GPUBROKER_FX_URL`` is set), bills the last seven
  closed days (UTC) and mails the receipts, at start-up and again shortly after each UTC midnight; a
  day already billed changes nothing, so several replicas may all run it, and days missed while the
  service was down are billed at the next run.
- :func:`billing.metering.consume_booking_events` meters a booking as soon as it stops running.

Both are optional: ``gpubroker bill`` from a scheduler does the same as the first, and the nightly run
meters whatever the second missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from billing import jobs, service
from billing.metering import consume_booking_events, day_end

log = logging.getLogger(__name__)

# How long after midnight UTC the run waits, so the day's last booking events have landed.
GRACE = timedelta(minutes=10)
# How many closed days each run looks at, so a week of downtime is still billed without a hand-run.
CATCH_UP_DAYS = jobs.CATCH_UP_DAYS


Sleep = Callable[[float], Awaitable[object]]


async def bill_closed_days(app: Any, today: date) -> None:
    """One round: bills the last CATCH_UP_DAYS closed days before ``today``, oldest first. A run is
    idempotent, so days already billed cost one look, and days missed while the service was down are
    billed now."""
    factory, settings = app.state.session_factory, app.state.settings
    try:
        await asyncio.to_thread(jobs.fetch_ecb_rates, factory, settings)
    except Exception:
        log.exception("fetching the ECB rates failed; invoices wait if the rates held are too old")
    yesterday = today - timedelta(days=1)
    for back in range(CATCH_UP_DAYS - 1, -1, -1):
        day = yesterday - timedelta(days=back)
        try:
            out = await asyncio.to_thread(
                service.run_billing, app.state.session_factory, app.state.settings, day
            )
            if out.invoices_created or out.errors:
                log.info(
                    "billed %s: %d invoices issued, %d errors",
                    day,
                    len(out.invoices_created),
                    len(out.errors),
                )
        except Exception:
            log.exception("daily billing of %s failed; it runs again at the next start or midnight", day)
    try:
        await asyncio.to_thread(jobs.send_receipts, factory, settings)
    except Exception:
        log.exception("sending receipts failed; the next run sends them")


def seconds_until_next_run(now: datetime) -> float:
    """From ``now`` to GRACE after the next UTC midnight, at least a minute."""
    next_run = day_end(now.date()) + GRACE
    return max(60.0, (next_run - now).total_seconds())


async def daily_billing(app: Any, sleep: Sleep = asyncio.sleep) -> None:
    """Bills at start-up, then shortly after each UTC midnight. ``sleep`` is the loop's own: tests pass
    theirs instead of patching ``asyncio.sleep``, which every other thread's event loop shares."""
    while True:
        await bill_closed_days(app, datetime.now(UTC).date())
        await sleep(seconds_until_next_run(datetime.now(UTC)))


def start(app: Any) -> list[asyncio.Task[None]]:
    """Starts both jobs on the running loop; cancel the returned tasks on shutdown."""
    return [
        asyncio.create_task(daily_billing(app)),
        asyncio.create_task(consume_booking_events(app.state.bus, app.state.session_factory)),
    ]
