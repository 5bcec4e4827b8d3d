"""Billing's messages on the bus: ``billing_events``, keyed by tenant id.

``{"type": "payment_received", "tenant_id", "invoice_id", "number", "amount", "currency", "paid_at",
"source", "reference"}`` when a payment is recorded (``billing.payments``). A message is queued on the
session and published only once its transaction commits, like ``booking_events``: a consumer never
hears of a payment that was rolled back (``payment_received`` for a Kill Bill payment carries Kill Bill's
invoice id). The lead's transactional outbox (``core/outbox.py``) replaces this queue at merge.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

TOPIC = "billing_events"
_OUTBOX = "billing_outbox"


def queue(session: Session, bus: Any, key: str, payload: dict[str, Any]) -> None:
    if bus is not None:
        session.info.setdefault(_OUTBOX, []).append((bus, key, payload))


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    for bus, key, payload in session.info.pop(_OUTBOX, []):
        bus.publish(TOPIC, key, payload)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX, None)
