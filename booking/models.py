"""Booking tables: Booking, BookingTransition, WebhookDelivery.

A booking copies the offer it was made from (name, GPU, region, hourly price) at booking time, so
that what the customer agreed to pay stays fixed when the catalog moves on, and so that billing reads
one row. Its ``state`` only changes through ``booking.service`` (one :class:`BookingTransition` row
per change); ``version`` is the optimistic-concurrency counter SQLAlchemy checks on every UPDATE, so
two writers that read the same state cannot both move it. A provider's webhook is stored by its event
id before anything else happens, which is what makes a repeated delivery harmless.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class BookingState(enum.StrEnum):
    DRAFT = "draft"
    PENDING_PROVISION = "pending_provision"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATES = frozenset({BookingState.COMPLETED, BookingState.FAILED, BookingState.CANCELLED})

# The longest booking we take: 90 days. Longer commitments are reserved instances, a different product.
MAX_HOURS = 24 * 90


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_bookings_tenant_idempotency_key"),
        # The webhook finds its booking by the provider's instance id; NULLs (not yet provisioned) repeat.
        UniqueConstraint("provider_id", "provider_ref", name="uq_bookings_provider_ref"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    # SET NULL: the snapshot below is the booking's record of the offer; the catalog row may go.
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    provider_id: Mapped[str] = mapped_column(String(40))
    offer_name: Mapped[str] = mapped_column(String(300))
    gpu_type: Mapped[str] = mapped_column(String(60))
    gpu_count: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(80))
    # USD (or ``currency``) per instance-hour, as the offer listed it when the booking was made.
    hourly_price: Mapped[Decimal] = mapped_column(Numeric(12, 4, asdecimal=True))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    hours: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(24), index=True, default=BookingState.DRAFT.value)
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Real provisioning (booking/provisioners/, booking/tracking.py). The offer's spot flag and zone, as booked.
    spot: Mapped[bool] = mapped_column(Boolean, default=False)
    zone: Mapped[str | None] = mapped_column(String(80))
    # Who starts the instance: the provider's own API ("aws", "lambda", ...) or "sandbox" (no provisioner of
    # its own); set at submit. "team" or "broker": whose provider account pays.
    provisioner: Mapped[str | None] = mapped_column(String(20))
    credential_source: Mapped[str | None] = mapped_column(String(10))
    # The SSH key the instance lets in (a copy: deleting the key later does not change a running booking).
    ssh_key_id: Mapped[str | None] = mapped_column(ForeignKey("ssh_keys.id", ondelete="SET NULL"))
    ssh_public_key: Mapped[str | None] = mapped_column(Text)
    # {public_ip, ssh_user, ssh_port, ports: [{port, public_port, protocol}]} once the provider reports it.
    connection: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A worker asking the provider for the instance holds this lease; another one waits it out.
    provision_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Polling: when next, and how many polls in a row saw nothing change (the backoff).
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    poll_streak: Mapped[int] = mapped_column(Integer, default=0)
    # Why we asked the provider to end the instance ("booked hours ended", "stopped on request", ...).
    stop_reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}

    @property
    def estimated_total(self) -> Decimal:
        """What the booked hours cost at the booked price; billing charges the hours actually run."""
        return (Decimal(self.hourly_price) * Decimal(str(self.hours))).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )


class BookingTransition(Base):
    """One change of a booking's state: who caused it (``source``) and, for webhooks, which event."""

    __tablename__ = "booking_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(16))  # user | webhook | poll | system
    event_id: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When it happened by the provider's account (its event's ``occurred_at``, clamped as the booking's
    # times are): what billing charges for, so invoices can be recomputed from this log alone.
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebhookDelivery(Base):
    """A provider event we answered, keyed by the provider's event id: a repeated delivery gets
    ``status_code`` and ``response`` back and changes nothing. ``payload`` is the event as received."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("provider_id", "event_id", name="uq_webhook_deliveries_provider_event"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProviderCredential(Base):
    """A team's account at a provider: the secret fields encrypted (``core.crypto``, bound to the team and
    provider), a hint to recognise it by (``AKIA…WXYZ``) and what the provider said when it was checked."""

    __tablename__ = "provider_credentials"
    __table_args__ = (UniqueConstraint("tenant_id", "provider_id", name="uq_provider_credentials_tenant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    provider_id: Mapped[str] = mapped_column(String(40))
    ciphertext: Mapped[str] = mapped_column(Text)
    cipher: Mapped[str] = mapped_column(String(20))
    hint: Mapped[str] = mapped_column(String(60))
    account: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    validated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SshKey(Base):
    """A user's SSH public key; the first one is their default when booking."""

    __tablename__ = "ssh_keys"
    __table_args__ = (UniqueConstraint("user_id", "fingerprint", name="uq_ssh_keys_user_fingerprint"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProviderOrphan(Base):
    """An instance the provider runs under our tag that no live booking accounts for (reconciliation)."""

    __tablename__ = "provider_orphans"
    __table_args__ = (UniqueConstraint("provider_id", "instance_ref", name="uq_provider_orphans_instance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(String(40))
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    instance_ref: Mapped[str] = mapped_column(String(200))
    booking_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
