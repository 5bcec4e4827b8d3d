"""Billing tables: metered usage, billing accounts, invoices and their lines, invoice numbering and
the FX rates invoices were converted with.

Money is ``Numeric`` and ``Decimal`` end to end, never float. Amounts are rounded to cents with
``ROUND_HALF_UP`` at two places only: a line (``hours x unit price``) and an invoice's total in the
tenant's currency (``subtotal x fx rate``); the USD subtotal is the exact sum of its lines. Hours are
kept to six decimals (3.6 ms) and a line's amount is computed from the hours it shows, so every figure
on an invoice can be recomputed from the figures printed next to it.

A usage record is one booking's active time on one UTC day. It is *final* once that day has ended or
the booking has left the active state; until then it is provisional and the next metering run
updates it. Invoices only ever take final records.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base

# USD and tenant-currency amounts in cents; unit prices and rates keep the precision they came with.
Cents = Numeric(14, 2, asdecimal=True)
UnitPrice = Numeric(14, 6, asdecimal=True)
Hours = Numeric(12, 6, asdecimal=True)
Rate = Numeric(18, 8, asdecimal=True)


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    VOID = "void"


class UsageRecord(Base):
    __tablename__ = "usage_records"
    __table_args__ = (
        # One record per booking per UTC day: metering upserts on it, so re-runs add nothing.
        UniqueConstraint("booking_id", "day", name="uq_usage_records_booking_day"),
        Index("ix_usage_records_tenant_day", "tenant_id", "day"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # The active interval inside the day that these hours measure.
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hours: Mapped[Decimal] = mapped_column(Hours)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    amount: Mapped[Decimal] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    final: Mapped[bool] = mapped_column(Boolean)
    metered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set once the record was recorded in Kill Bill (when it is the ledger).
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BillingAccount(Base):
    """A tenant's billing settings. Kept here rather than on ``tenants`` so that accounts stays free
    of billing; a tenant without a row is billed in USD with no billing email."""

    __tablename__ = "billing_accounts"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    email: Mapped[str | None] = mapped_column(String(320))
    killbill_account_id: Mapped[str | None] = mapped_column(String(36))
    killbill_subscription_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceSequence(Base):
    """The last invoice number given to a tenant in a year. Issuing locks this row, so two billing
    runs take turns and numbers stay gapless and unique."""

    __tablename__ = "invoice_sequences"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        # One invoice per tenant per day: the billing run is idempotent on it.
        UniqueConstraint("tenant_id", "day", name="uq_invoices_tenant_day"),
        UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    # Who was billed, as it stood when the invoice was issued (an invoice does not change later).
    bill_to_name: Mapped[str] = mapped_column(String(200))
    bill_to_email: Mapped[str | None] = mapped_column(String(320))
    subtotal_usd: Mapped[Decimal] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    # Units of `currency` per 1 USD, the date of the published rate used and where it came from.
    fx_rate: Mapped[Decimal] = mapped_column(Rate)
    fx_rate_date: Mapped[date] = mapped_column(Date)
    fx_source: Mapped[str] = mapped_column(String(400))
    total: Mapped[Decimal] = mapped_column(Cents)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", lazy="selectin"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # A usage record is invoiced once, whatever happens to runs.
    usage_record_id: Mapped[str] = mapped_column(ForeignKey("usage_records.id"), unique=True)
    booking_id: Mapped[str] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(400))
    hours: Mapped[Decimal] = mapped_column(Hours)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    amount_usd: Mapped[Decimal] = mapped_column(Cents)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class FxRate(Base):
    """A published reference rate: 1 ``base`` = ``rate`` ``quote`` on ``date``. ECB rates are stored as
    the ECB publishes them (base EUR); USD cross rates are derived when an invoice needs one."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("date", "base", "quote", name="uq_fx_rates_date_base_quote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rate_date: Mapped[date] = mapped_column("date", Date)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
