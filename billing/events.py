"""Billing's messages on the bus: ``billing_events``, keyed by tenant id.

``{"type": "payment_received", "tenant_id", "invoice_id", "number", "amount", "currency", "paid_at",
"source", "reference"}`` when a payment is recorded (``billing.payments``). The message goes through the
transactional outbox (``core.outbox``): announced once its transaction commits, and only then (a
``payment_received`` for a Kill Bill payment carries Kill Bill's invoice id).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import outbox

TOPIC = "billing_events"


def queue(session: Session, bus: Any, key: str, payload: dict[str, Any]) -> None:
    outbox.enqueue(session, TOPIC, key, payload, bus)
