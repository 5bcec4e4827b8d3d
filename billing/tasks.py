"""Background jobs of billing, for the app's lifespan or a worker process.

- :func:`daily_billing` bills the last seven closed days (UTC) at start-up and again shortly after each
  UTC midnight; a day already billed changes nothing, so several replicas may all run it, and days
  missed while the service was down are billed at the next run.
- :func:`billing.metering.consume_booking_events` meters a booking as soon as it stops running.

Both are optional: ``gpubroker bill`` from a scheduler does the same as the first, and the nightly run
meters whatever the second missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from billing import service
from billing.metering import consume_booking_events, day_end

log = logging.getLogger(__name__)

# How long after midnight UTC the run waits, so the day's last booking events have landed.
GRACE = timedelta(minutes=10)
# How many closed days each run looks at, so a week of downtime is still billed without a hand-run.
CATCH_UP_DAYS = 7


async def daily_billing(app: Any) -> None:
    while True:
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        # The last CATCH_UP_DAYS closed days, oldest first: a run is idempotent, so days already billed
        # cost one look, and days missed while the service was down are billed now.
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
        next_run = day_end(yesterday + timedelta(days=1)) + GRACE
        await asyncio.sleep(max(60.0, (next_run - datetime.now(UTC)).total_seconds()))


def start(app: Any) -> list[asyncio.Task[None]]:
    """Starts both jobs on the running loop; cancel the returned tasks on shutdown."""
    return [
        asyncio.create_task(daily_billing(app)),
        asyncio.create_task(consume_booking_events(app.state.bus, app.state.session_factory)),
    ]
