"""Invoicing: one invoice per tenant per closed UTC day, from that day's final usage records.

Issuing is idempotent and safe to run twice at once. It first takes the tenant's row in
``invoice_sequences`` (an ``UPDATE ... RETURNING``: a row lock on PostgreSQL, the database write lock
on SQLite), then looks for the day's invoice, and only then numbers a new one; a second run waiting on
that lock finds the first run's invoice when it gets it. ``uq_invoices_tenant_day`` and
``uq_invoices_tenant_number`` hold the same line in the database whatever happens.

Numbers run per tenant and per calendar year of the billed day without gaps: ``INV-2026-000001``,
``INV-2026-000002``, ... The USD subtotal is the sum of the lines (each already in cents); the total in
the tenant's currency is ``round(subtotal x fx_rate, 2)`` with ROUND_HALF_UP, where ``fx_rate`` is the
ECB cross rate of ``billing.fx.usd_to`` and the invoice records its date and source.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from accounts.models import Tenant
from billing import fx, repository
from billing.errors import DayNotClosed
from billing.metering import CENTS, day_end, day_start, utc
from billing.models import Invoice, InvoiceLine, InvoiceSequence, InvoiceStatus, UsageRecord
from booking.models import Booking
from core.errors import Conflict


@dataclass(frozen=True)
class Issued:
    invoice: Invoice
    created: bool


def invoice_number(year: int, sequence: int) -> str:
    return f"INV-{year}-{sequence:06d}"


def check_closed(day: date, now: datetime | None = None) -> None:
    now = utc(now or datetime.now(UTC))
    # Compared as dates first: the end of 9999-12-31 is past the last date Python can hold.
    if day >= now.date() or day_end(day) > now:
        raise DayNotClosed(
            f"{day.isoformat()} is not over yet in UTC; it can be billed from {day.isoformat()} 24:00 UTC",
            details=[{"field": "day", "message": "the day has not ended (UTC)"}],
        )


def _lock_sequence(session: Session, tenant_id: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(InvoiceSequence)
        .values(tenant_id=tenant_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "year"])
    )
    # A no-op UPDATE: takes the row's lock until this transaction ends.
    return int(
        session.execute(
            update(InvoiceSequence)
            .where(InvoiceSequence.tenant_id == tenant_id, InvoiceSequence.year == year)
            .values(last_number=InvoiceSequence.last_number)
            .returning(InvoiceSequence.last_number)
        ).scalar_one()
    )


def describe(booking: Booking, record: UsageRecord) -> str:
    where = f", {booking.region}" if booking.region else ""
    return (
        f"{booking.provider_id} {booking.offer_name} ({booking.gpu_count}x {booking.gpu_type}{where}): "
        f"{plain(record.hours)} h x {plain(record.unit_price)} USD/h"
    )


def plain(value: Decimal) -> str:
    """A decimal without padding zeros, never in exponent form: 5.500000 -> 5.5, 24.000000 -> 24."""
    text = format(value.normalize(), "f")
    return text


def issue(session: Session, tenant_id: str, day: date, *, now: datetime | None = None) -> Issued | None:
    """The tenant's invoice for ``day``: the one already issued, or a new one from the day's final usage
    records; ``None`` when the tenant used nothing that day."""
    check_closed(day, now)
    last = _lock_sequence(session, tenant_id, day.year)
    existing = repository.invoice_for_day(session, tenant_id, day)
    if existing is not None:
        return Issued(existing, created=False)
    usage = repository.uninvoiced_usage(session, tenant_id, day)
    if not usage:
        return None
    if any(r.currency != fx.USD for r, _ in usage):
        raise Conflict(
            "usage priced in a currency other than USD cannot be invoiced", code="usage_currency_not_usd"
        )
    tenant = session.get(Tenant, tenant_id)
    account = repository.billing_account(session, tenant_id)
    currency = account.currency if account is not None else fx.USD
    conversion = fx.usd_to(session, currency, day)
    subtotal = sum((r.amount for r, _ in usage), Decimal("0.00")).quantize(CENTS)
    total = (subtotal * conversion.rate).quantize(CENTS, rounding=ROUND_HALF_UP)
    number = last + 1
    session.execute(
        update(InvoiceSequence)
        .where(InvoiceSequence.tenant_id == tenant_id, InvoiceSequence.year == day.year)
        .values(last_number=number)
    )
    invoice = Invoice(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        number=invoice_number(day.year, number),
        day=day,
        period_start=day_start(day),
        period_end=day_end(day),
        status=InvoiceStatus.ISSUED.value,
        bill_to_name=tenant.name if tenant is not None else tenant_id,
        bill_to_email=account.email if account is not None else None,
        subtotal_usd=subtotal,
        currency=conversion.currency,
        fx_rate=conversion.rate,
        fx_rate_date=conversion.rate_date,
        fx_source=conversion.source,
        total=total,
        issued_at=utc(now or datetime.now(UTC)),
    )
    session.add(invoice)
    session.flush()
    for position, (record, booking) in enumerate(usage, start=1):
        session.add(
            InvoiceLine(
                id=str(uuid.uuid4()),
                invoice_id=invoice.id,
                position=position,
                usage_record_id=record.id,
                booking_id=record.booking_id,
                description=describe(booking, record),
                hours=record.hours,
                unit_price=record.unit_price,
                amount_usd=record.amount,
            )
        )
    session.flush()
    session.refresh(invoice)
    return Issued(invoice, created=True)
