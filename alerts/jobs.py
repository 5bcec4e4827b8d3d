"""Background work of alerts, run by the worker (core.jobs).

- consumer ``price_updates`` / group ``alerts``: each sync's changes are checked against every active
  alert, once per event (``core.bus.first_handling`` in the same transaction as the firings), then the
  new deliveries are sent at once.
- ``alerts.deliver`` (every 10 s): deliveries still due (retries after backoff, or a sender that died)
  are sent. Idempotent: each delivery is claimed by one conditional UPDATE before it is sent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from alerts import service
from catalog import repository as catalog_repo
from core.bus import first_handling
from core.db import session_scope
from core.jobs import Runtime, consumer, job

log = logging.getLogger(__name__)

GROUP = "alerts"


def handle_price_updates(rt: Runtime, message: dict[str, Any]) -> int:
    """Decides the crossings of one ``price_updates`` message; returns the number of firings."""
    payload = message.get("payload") or {}
    with session_scope(rt.session_factory) as session:
        if not first_handling(session, GROUP, message.get("id")):
            return 0
        events = list(payload.get("changes") or [])
        if payload.get("truncated") and events:
            events += catalog_repo.price_events_between(
                session, int(events[-1]["seq"]) + 1, int(payload["last_seq"])
            )
        fired = service.evaluate(session, events)
    if fired:
        log.info("%d price alerts fired", len(fired))
        service.deliver_due(rt.session_factory, rt.settings)
    return len(fired)


@consumer("price_updates", GROUP)
async def on_price_updates(rt: Runtime, message: dict[str, Any]) -> None:
    await asyncio.to_thread(handle_price_updates, rt, message)


@job("alerts.deliver", cron="* * * * * */10", queue="alerts", retry=False, lock="alerts.deliver")
def deliver(rt: Runtime) -> int:
    return service.deliver_due(rt.session_factory, rt.settings)
