"""Alert tables: PriceAlert, AlertOfferState, AlertFiring, AlertDelivery.

An alert is a saved search (the ``GET /providers`` filters) with a price threshold, per hour or per
GPU-hour. ``AlertOfferState`` remembers, per alert and offer, whether the offer is at or under the
threshold now; an alert fires only on the step from "not under" to "under" (a *crossing*), so one
offer notifies once per crossing however many syncs see it there. Each firing is one in-app
notification (``read_at``) and one ``AlertDelivery`` per outside channel (email, webhook), the
delivery log, retried with backoff until sent or given up.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(14, 6, asdecimal=True)


class PriceAlert(Base):
    __tablename__ = "price_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType)  # catalog.schemas.OfferFilters fields
    threshold: Mapped[Decimal] = mapped_column(Money)
    per: Mapped[str] = mapped_column(String(10))  # hour | gpu_hour
    channels: Mapped[list[str]] = mapped_column(JSONType)  # in_app, email, webhook
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Encrypted (accounts.crypto.encrypt with the JWT secret): the server must read it to sign.
    webhook_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertOfferState(Base):
    """Whether an offer is under an alert's threshold now; the row is locked while a crossing is decided."""

    __tablename__ = "alert_offer_states"

    alert_id: Mapped[str] = mapped_column(ForeignKey("price_alerts.id", ondelete="CASCADE"), primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    under: Mapped[bool] = mapped_column(Boolean)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertFiring(Base):
    """One crossing: the in-app notification."""

    __tablename__ = "alert_firings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("price_alerts.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(36))
    offer_id: Mapped[str] = mapped_column(String(64))
    price: Mapped[Decimal] = mapped_column(Money)  # the price compared (per hour or per GPU-hour)
    price_per_hour: Mapped[Decimal] = mapped_column(Money)
    threshold: Mapped[Decimal] = mapped_column(Money)
    per: Mapped[str] = mapped_column(String(10))
    offer: Mapped[dict[str, Any]] = mapped_column(JSONType)  # what the notification shows
    price_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    event_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_alert_firings_user_read", "user_id", "read_at"),
        Index("ix_alert_firings_alert", "alert_id", "fired_at"),
    )


class AlertDelivery(Base):
    """One firing sent through one outside channel: the delivery log."""

    __tablename__ = "alert_deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    firing_id: Mapped[str] = mapped_column(ForeignKey("alert_firings.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_attempt_at"),)
