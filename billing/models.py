"""Billing tables: metered usage, billing accounts and their currency history, invoices and credit
notes with their lines, payments, receipts sent, invoice numbering, the FX rates used, and what was
recorded in Kill Bill.

Money is ``Numeric`` and ``Decimal`` end to end, never float, rounded by ``billing.money`` only. Usage
and line amounts are exact (``Exact``: hours x unit price, unrounded); an invoice's USD subtotal is in
cents and its net, tax and total are integer minor units of its currency (``*_minor``), so JPY has no
cents and KWD has mills.

A usage record is one booking's active time on one UTC day, recomputed by every metering run from the
booking's provider times until it is *settled* (``final``): the booking's end event covers it, or the
grace window after the day passed. Documents record what was billed for each record (their lines), so a
later change of a record becomes a supplementary invoice or a credit note, never a silent difference.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
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

# USD amounts in cents; exact (unrounded) usage amounts; unit prices and rates keep their precision.
Cents = Numeric(14, 2, asdecimal=True)
Exact = Numeric(24, 12, asdecimal=True)
UnitPrice = Numeric(14, 6, asdecimal=True)
Hours = Numeric(12, 6, asdecimal=True)
Rate = Numeric(18, 8, asdecimal=True)


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"  # issued, not (fully) paid; a credit note: issued
    PAID = "paid"
    VOID = "void"  # cancelled: its lines no longer count, and the usage is billed again


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


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
    amount: Mapped[Decimal] = mapped_column(Exact)
    currency: Mapped[str] = mapped_column(String(3))
    # Settled: the booking's end event covers this day, or the grace window after the day has passed.
    final: Mapped[bool] = mapped_column(Boolean)
    metered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set once the record was recorded in Kill Bill (when it is the ledger).
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BillingAccount(Base):
    """A tenant's billing settings. Kept here rather than on ``tenants`` so that accounts stays free
    of billing; a tenant without a row is billed in USD with no billing email. ``currency`` is the one
    chosen last; which currency a day is billed in is ``billing_currency_periods``'."""

    __tablename__ = "billing_accounts"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    email: Mapped[str | None] = mapped_column(String(320))
    # ISO 3166-1 alpha-2, the VAT ID as validated (``DE136695976``) and a postal address for the invoice.
    country: Mapped[str | None] = mapped_column(String(2))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(400))
    killbill_account_id: Mapped[str | None] = mapped_column(String(36))
    killbill_subscription_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CurrencyPeriod(Base):
    """From ``valid_from`` on (a UTC day), the tenant's usage is billed in ``currency``. A change made
    on a day applies from the next billing period, so a day is never billed in two currencies."""

    __tablename__ = "billing_currency_periods"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceSequence(Base):
    """The last number of a series (``INV`` invoices, ``CN`` credit notes) given to a tenant in a year
    of issue. Issuing locks this row, so two billing runs take turns and numbers stay gapless and unique."""

    __tablename__ = "invoice_sequences"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[str] = mapped_column(String(8), primary_key=True, default="INV")
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An invoice or a credit note (``kind``). A day's (or month's) first invoice bills its usage; a
    later change of that usage is a supplementary invoice or a credit note that ``corrects`` it. Every
    figure is fixed when issued: only ``status``, ``paid_at`` and the void fields change afterwards."""

    __tablename__ = "invoices"
    __table_args__ = (
        # The n-th document of a tenant's billing period: issuing is idempotent on it.
        UniqueConstraint("tenant_id", "period_key", name="uq_invoices_tenant_period_key"),
        UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
        Index("ix_invoices_tenant_day", "tenant_id", "day"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12), default=DocumentKind.INVOICE.value)
    # The invoice this one corrects (supplementary invoice, credit note) or replaces (after a void).
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    # "2026-10-14#1": the billing period (a day, or a month "2026-10") and the document's place in it.
    period_key: Mapped[str] = mapped_column(String(40))
    # The first UTC day of the billed period.
    day: Mapped[date] = mapped_column(Date)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    # Who was billed and who billed, as it stood when the document was issued.
    bill_to_name: Mapped[str] = mapped_column(String(200))
    bill_to_email: Mapped[str | None] = mapped_column(String(320))
    bill_to_address: Mapped[str | None] = mapped_column(String(400))
    bill_to_country: Mapped[str | None] = mapped_column(String(2))
    bill_to_vat_id: Mapped[str | None] = mapped_column(String(20))
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_address: Mapped[str | None] = mapped_column(String(400))
    seller_tax_id: Mapped[str | None] = mapped_column(String(40))
    subtotal_usd: Mapped[Decimal] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    # Units of `currency` per 1 USD, the date of the published rate used and where it came from.
    fx_rate: Mapped[Decimal] = mapped_column(Rate)
    fx_rate_date: Mapped[date] = mapped_column(Date)
    fx_source: Mapped[str] = mapped_column(String(400))
    # "ECB rate of Fri 2026-10-09; no rate published on Sat 2026-10-10", or None when of the day itself.
    fx_note: Mapped[str | None] = mapped_column(String(200))
    # In minor units of `currency` (billing.money): net = round(subtotal x rate), tax, total = net + tax.
    net_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4, asdecimal=True))  # percent
    tax_country: Mapped[str | None] = mapped_column(String(2))
    tax_note: Mapped[str] = mapped_column(String(300))
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_date: Mapped[date] = mapped_column(Date)
    payment_terms: Mapped[str] = mapped_column(String(80))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(String(400))
    # Why the document exists beyond billing usage (a credit note's reason, a correction's cause).
    memo: Mapped[str | None] = mapped_column(String(400))
    # Taken by the receipt job before it mails the document (billing.jobs.send_receipts).
    receipt_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", lazy="selectin"
    )


class InvoiceLine(Base):
    """What a document billed (or credited) for one usage record, or a manual credit (no record).
    ``amount_usd`` is exact; its sign is the document's (a credit note's lines reduce what was billed)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_position"),
        Index("ix_invoice_lines_usage_record_id", "usage_record_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    usage_record_id: Mapped[str | None] = mapped_column(ForeignKey("usage_records.id"))
    booking_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(400))
    hours: Mapped[Decimal | None] = mapped_column(Hours)
    unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice)
    amount_usd: Mapped[Decimal] = mapped_column(Exact)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    """Money received against an invoice: marked on the operators' page, or read from Kill Bill (then
    ``invoice_id`` is empty and ``external_invoice_id`` is Kill Bill's). One row per source reference,
    so a payment reported twice is recorded once."""

    __tablename__ = "invoice_payments"
    __table_args__ = (UniqueConstraint("source", "reference", name="uq_invoice_payments_source_reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    external_invoice_id: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # admin | killbill
    reference: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceDelivery(Base):
    """One attempt to email a document to the billing address: the delivery log."""

    __tablename__ = "invoice_deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(10))  # sent | written | failed
    transport: Mapped[str] = mapped_column(String(10))  # smtp | file
    message_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(400))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KillBillExport(Base):
    """One change recorded in Kill Bill for a tenant's day: usage (``usage``), an invoice item
    adjustment (``item_adjustment``) or an account credit (``credit``), in signed US cents. The
    tenant-day's rows sum to what Kill Bill holds, so the next run sends only the difference."""

    __tablename__ = "killbill_exports"
    __table_args__ = (UniqueConstraint("tenant_id", "day", "seq", name="uq_killbill_exports_tenant_day_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
