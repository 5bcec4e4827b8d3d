"""The booking domain's background work, run by the worker (``api/worker.py``):

- consumer ``booking-provisioner`` of ``booking_events``: a submit to a provider with a provisioner of its own
  (``to: pending_provision``) is answered by asking that provider for the instance, after the submit
  committed. Acting twice is harmless: ``booking.tracking.provision_booking`` claims the booking first, and
  the provider call looks for the booking's instance before creating one.
- ``booking.poll_instances`` every 15 s: each due pending or active booking's instance is read and its
  booking moved as a webhook would (``booking.tracking.poll_due``). Idempotent: what a poll sees is applied
  under the event id ``poll:<instance>:<type>``, and the lock keeps one run at a time.
- ``booking.reconcile_instances`` every 10 min: instances tagged by us that no live booking accounts for are
  recorded as orphans for the operator console. Idempotent: orphans are upserted by instance.
"""

from __future__ import annotations

import asyncio
from typing import Any

from booking import tracking
from booking.provisioners import CREDENTIAL_FIELDS
from core.jobs import Runtime, consumer, job

PROVISIONER_GROUP = "booking-provisioner"


@consumer("booking_events", group=PROVISIONER_GROUP)
async def provision_submitted(rt: Runtime, message: dict[str, Any]) -> None:
    payload = message.get("payload") or {}
    if payload.get("to") != "pending_provision" or not payload.get("booking_id"):
        return
    await asyncio.to_thread(
        tracking.provision_booking, rt.session_factory, rt.settings, str(payload["booking_id"]), bus=rt.bus
    )


@job("booking.poll_instances", cron="* * * * * */15", retry=False, lock="booking.poll_instances")
def poll_instances(rt: Runtime) -> int:
    return len(tracking.poll_due(rt.session_factory, rt.settings, bus=rt.bus))


@job("booking.reconcile_instances", cron="*/10 * * * *", retry=False, lock="booking.reconcile_instances")
def reconcile_instances(rt: Runtime) -> int:
    return len(tracking.reconcile(rt.session_factory, rt.settings, sorted(CREDENTIAL_FIELDS)))
