"""Booking's retention rules (core.retention): raw provider webhook payloads go after
``GPUBROKER_RETENTION_WEBHOOK_DAYS``; the bookings and their transitions stay (billing rebuilds from them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from booking.models import WebhookDelivery
from core import retention


@retention.rule("webhook_deliveries", lambda s: s.retention_webhook_days)
def old_webhooks(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(WebhookDelivery).where(WebhookDelivery.received_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
