"""Invoicing: a tenant's usage of a billing period (a closed UTC day, or a month) becomes an invoice,
and any later change of that usage a supplementary invoice or a credit note that references it.

**What is billed.** Each document line records what it billed for one usage record (hours and the exact
USD amount; a credit note's lines count negatively). For every record of the period, *billed* is the sum
over the lines of documents that are not void; *due* is the record as metered now. :func:`bill` turns
the differences into documents:

- nothing billed yet in the period: one invoice (if an earlier one was voided, the new one says it
  replaces it), in the currency in force on the period's first day, at the ECB rate of its last day;
- already invoiced: increases become a supplementary invoice, decreases a credit note, both referencing
  that invoice and using its currency, rate and tax, so the corrections add up against it exactly.

A period is billed only when its usage is settled (every record ``final``: the booking's end event is
in, or the grace window after the day passed, and no booking submitted in the period still waits for
its provider); until then :func:`bill` reports it as deferred. Amounts are rounded once per document
(``billing.money``); a document whose total rounds to zero is not issued and uses no number (the usage
stays on record and is billed with the next change, if any, or shown as below the smallest unit).

**Numbers** run per tenant, per series (``INV`` for invoices, ``CN`` for credit notes) and per calendar
year of the *issue date*, without gaps: ``INV-2027-000001`` can bill 2026-12-31. Issuing first takes the
tenant's ``INV`` sequence row of that year (``UPDATE ... RETURNING``: a row lock on PostgreSQL, the
write lock on SQLite), then reads what was billed, and only then numbers new documents; a second run
waiting on the lock finds the first run's documents and nothing left to bill. ``uq_invoices_tenant_
period_key`` and ``uq_invoices_tenant_number`` hold the same line in the database whatever happens.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from accounts.models import Tenant
from billing import fx, repository, tax
from billing.errors import DayNotClosed
from billing.metering import day_start, utc
from billing.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    UsageRecord,
)
from billing.money import USD, plain, round_money, to_minor
from booking.models import Booking
from core.errors import Conflict
from core.settings import Settings

SERIES = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """A billing period: ``key`` ``2026-10-14`` (a UTC day) or ``2026-10`` (a month), ``[first, end)``."""

    key: str
    first: date
    end: date

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.first).days


def period_of(day: date, billing_period: str) -> Period:
    if billing_period == "monthly":
        first = day.replace(day=1)
        end = (first + timedelta(days=32)).replace(day=1)
        return Period(first.strftime("%Y-%m"), first, end)
    return Period(day.isoformat(), day, day + timedelta(days=1))


@dataclass
class Outcome:
    created: list[Invoice] = field(default_factory=list)
    existing: list[Invoice] = field(default_factory=list)
    deferred: str | None = None


def document_number(series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:06d}"


def check_closed(day: date, now: datetime | None = None) -> None:
    now = utc(now or datetime.now(UTC))
    # Compared as dates first: the end of 9999-12-31 is past the last date Python can hold.
    if day >= now.date() or day_start(day) + timedelta(days=1) > now:
        raise DayNotClosed(
            f"{day.isoformat()} is not over yet in UTC; it can be billed from {day.isoformat()} 24:00 UTC",
            details=[{"field": "day", "message": "the day has not ended (UTC)"}],
        )


def lock_sequence(session: Session, tenant_id: str, series: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(InvoiceSequence)
        .values(tenant_id=tenant_id, series=series, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "series", "year"])
    )
    # A no-op UPDATE: takes the row's lock until this transaction ends.
    return int(
        session.execute(
            update(InvoiceSequence)
            .where(
                InvoiceSequence.tenant_id == tenant_id,
                InvoiceSequence.series == series,
                InvoiceSequence.year == year,
            )
            .values(last_number=InvoiceSequence.last_number)
            .returning(InvoiceSequence.last_number)
        ).scalar_one()
    )


def next_number(session: Session, tenant_id: str, kind: DocumentKind, year: int) -> str:
    series = SERIES[kind]
    number = lock_sequence(session, tenant_id, series, year) + 1
    session.execute(
        update(InvoiceSequence)
        .where(
            InvoiceSequence.tenant_id == tenant_id,
            InvoiceSequence.series == series,
            InvoiceSequence.year == year,
        )
        .values(last_number=number)
    )
    return document_number(series, year, number)


def describe(booking: Booking, hours: Decimal, unit_price: Decimal) -> str:
    where = f", {booking.region}" if booking.region else ""
    return (
        f"{booking.provider_id} {booking.offer_name} ({booking.gpu_count}x {booking.gpu_type}{where}): "
        f"{plain(hours)} h x {plain(unit_price)} USD/h"
    )


@dataclass(frozen=True)
class Delta:
    record: UsageRecord
    booking: Booking
    hours: Decimal
    amount: Decimal
    billed_hours: Decimal


def _deltas(session: Session, tenant_id: str, period: Period) -> tuple[list[Delta], list[UsageRecord]]:
    records = repository.usage_in_period(session, tenant_id, period.first, period.end)
    billed_hours: dict[str, Decimal] = defaultdict(Decimal)
    billed_amount: dict[str, Decimal] = defaultdict(Decimal)
    for line, kind in repository.billed_lines(session, [r.id for r, _ in records]):
        sign = -1 if kind == DocumentKind.CREDIT_NOTE.value else 1
        assert line.usage_record_id is not None  # nosec B101  # billed lines all meter a usage record
        billed_hours[line.usage_record_id] += sign * (line.hours or ZERO)
        billed_amount[line.usage_record_id] += sign * line.amount_usd
    out = []
    for record, booking in records:
        hours = record.hours - billed_hours[record.id]
        amount = record.amount - billed_amount[record.id]
        if hours or amount:
            out.append(Delta(record, booking, hours, amount, billed_hours[record.id]))
    return out, [r for r, _ in records]


def _waiting(
    session: Session, settings: Settings, tenant_id: str, period: Period, now: datetime
) -> str | None:
    """Why the period cannot be billed yet, or ``None``."""
    open_until = day_start(period.end) + timedelta(seconds=settings.billing_grace_s)
    if now >= open_until:
        return None
    unsettled = repository.unsettled_usage(session, tenant_id, period.first, period.end)
    if unsettled:
        return (
            f"{unsettled} usage record(s) still running without their provider's end event; "
            f"billed once it arrives or from {open_until:%Y-%m-%d %H:%M} UTC"
        )
    pending = repository.bookings_waiting_for_provider(session, tenant_id, day_start(period.end))
    if pending:
        return (
            f"{pending} booking(s) submitted in the period still wait for the provider's start event; "
            f"billed once it arrives or from {open_until:%Y-%m-%d %H:%M} UTC"
        )
    return None


def bill(
    session: Session, settings: Settings, tenant_id: str, period: Period, *, now: datetime | None = None
) -> Outcome:
    """Issues what the tenant's usage of ``period`` still needs: its invoice, or corrections to it."""
    now = utc(now or datetime.now(UTC))
    check_closed(period.last, now)
    # The tenant's lock: concurrent runs take turns from here on.
    lock_sequence(session, tenant_id, SERIES[DocumentKind.INVOICE], now.year)
    documents = repository.period_documents(session, tenant_id, period.key)
    live = [d for d in documents if d.status != InvoiceStatus.VOID.value]
    outcome = Outcome(existing=live)
    if (reason := _waiting(session, settings, tenant_id, period, now)) is not None:
        outcome.deferred = reason
        return outcome
    deltas, _ = _deltas(session, tenant_id, period)
    if not deltas:
        return outcome
    if any(d.record.currency != USD for d in deltas):
        raise Conflict(
            "usage priced in a currency other than USD cannot be invoiced", code="usage_currency_not_usd"
        )
    base = next((d for d in live if d.kind == DocumentKind.INVOICE.value), None)
    ups = [d for d in deltas if d.amount > 0]
    downs = [d for d in deltas if d.amount < 0]
    cause = "usage changed after it was issued (provider events reported late)"
    if base is None:
        replaced = next((d for d in reversed(documents) if d.kind == DocumentKind.INVOICE.value), None)
        memo = f"Replaces {replaced.number} (void)" if replaced is not None else None
        plan = [(DocumentKind.INVOICE, ups, replaced, memo)]
    else:
        plan = [
            (DocumentKind.INVOICE, ups, base, f"Supplementary invoice to {base.number}: {cause}"),
            (DocumentKind.CREDIT_NOTE, downs, base, f"Credit note to {base.number}: {cause}"),
        ]
    made: list[Invoice] = []
    for kind, part, corrects, memo in plan:
        made += _issue(session, settings, tenant_id, period, kind, part, base, corrects, memo, now)
    outcome.created = made
    return outcome


def _line_text(delta: Delta, base: Invoice | None) -> str:
    if base is None:
        return describe(delta.booking, delta.record.hours, delta.record.unit_price)
    return (
        f"{describe(delta.booking, abs(delta.hours), delta.record.unit_price)} "
        f"(usage of {delta.record.day.isoformat()}: {plain(delta.billed_hours)} h billed, "
        f"{plain(delta.record.hours)} h used)"
    )


# What a document copies from the one it corrects, so corrections add up against it exactly.
TERMS = (
    "bill_to_name",
    "bill_to_email",
    "bill_to_address",
    "bill_to_country",
    "bill_to_vat_id",
    "seller_name",
    "seller_address",
    "seller_tax_id",
    "currency",
    "fx_rate",
    "fx_rate_date",
    "fx_source",
    "fx_note",
    "tax_rate",
    "tax_country",
    "tax_note",
    "reverse_charge",
)


def terms_of(invoice: Invoice) -> dict[str, Any]:
    return {name: getattr(invoice, name) for name in TERMS}


def fresh_terms(session: Session, settings: Settings, tenant_id: str, period: Period) -> dict[str, Any]:
    """Buyer, seller, FX and tax of a new invoice of ``period``, as they stand now."""
    tenant = session.get(Tenant, tenant_id)
    account = repository.billing_account(session, tenant_id)
    currency = repository.currency_on(session, tenant_id, period.first)
    conversion = fx.usd_to(session, currency, period.last, max_age_days=settings.fx_max_age_days)
    country = account.country if account is not None else None
    vat_id = account.vat_id if account is not None else None
    treatment = tax.treatment(settings, country, vat_id)
    return {
        "bill_to_name": tenant.name if tenant is not None else tenant_id,
        "bill_to_email": account.email if account is not None else None,
        "bill_to_address": account.address if account is not None else None,
        "bill_to_country": country,
        "bill_to_vat_id": vat_id,
        "seller_name": settings.seller_name,
        "seller_address": settings.seller_address,
        "seller_tax_id": settings.seller_tax_id,
        "currency": conversion.currency,
        "fx_rate": conversion.rate,
        "fx_rate_date": conversion.rate_date,
        "fx_source": conversion.source,
        "fx_note": conversion.note,
        "tax_rate": treatment.rate,
        "tax_country": treatment.country,
        "tax_note": treatment.note,
        "reverse_charge": treatment.reverse_charge,
    }


@dataclass(frozen=True)
class LineSpec:
    usage_record_id: str | None
    booking_id: str | None
    description: str
    hours: Decimal | None
    unit_price: Decimal | None
    amount_usd: Decimal  # exact, positive


def issue_document(
    session: Session,
    settings: Settings,
    template: Invoice | Period,
    kind: DocumentKind,
    lines: list[LineSpec],
    terms: dict[str, Any],
    *,
    tenant_id: str,
    corrects: Invoice | None,
    memo: str | None,
    now: datetime,
    subtotal: Decimal | None = None,
) -> Invoice | None:
    """Numbers and stores one document of ``lines`` for the period of ``template`` (a period, or the
    invoice whose period it is), rounding once (``billing.money``). ``None`` when its net rounds to
    zero: no document, no number."""
    subtotal = (
        round_money(sum((line.amount_usd for line in lines), ZERO), USD) if subtotal is None else subtotal
    )
    currency = str(terms["currency"])
    net = round_money(subtotal * terms["fx_rate"], currency)
    if not lines or net == 0:
        return None
    tax_amount = round_money(net * terms["tax_rate"] / 100, currency)
    if isinstance(template, Period):
        key, first, start, end = (
            template.key,
            template.first,
            day_start(template.first),
            day_start(template.end),
        )
    else:
        key, first = template.period_key.split("#")[0], template.day
        start, end = template.period_start, template.period_end
    is_credit = kind is DocumentKind.CREDIT_NOTE
    invoice = Invoice(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        number=next_number(session, tenant_id, kind, now.year),
        kind=kind.value,
        corrects_id=corrects.id if corrects is not None else None,
        period_key=f"{key}#{len(repository.period_documents(session, tenant_id, key)) + 1}",
        day=first,
        period_start=start,
        period_end=end,
        status=InvoiceStatus.OPEN.value,
        subtotal_usd=subtotal,
        net_minor=to_minor(net, currency),
        tax_minor=to_minor(tax_amount, currency),
        total_minor=to_minor(net + tax_amount, currency),
        issued_at=now,
        due_date=now.date() if is_credit else now.date() + timedelta(days=settings.payment_terms_days),
        payment_terms=(
            "Credit: deducted from what is due, or refunded"
            if is_credit
            else f"Net {settings.payment_terms_days} days"
        ),
        memo=memo,
        **terms,
    )
    session.add(invoice)
    session.flush()
    for position, line in enumerate(lines, start=1):
        session.add(InvoiceLine(id=str(uuid.uuid4()), invoice_id=invoice.id, position=position, **vars(line)))
    session.flush()
    session.refresh(invoice)
    return invoice


def _issue(
    session: Session,
    settings: Settings,
    tenant_id: str,
    period: Period,
    kind: DocumentKind,
    deltas: list[Delta],
    base: Invoice | None,
    corrects: Invoice | None,
    memo: str | None,
    now: datetime,
) -> list[Invoice]:
    if not deltas:
        return []
    terms = terms_of(base) if base is not None else fresh_terms(session, settings, tenant_id, period)
    ordered = sorted(deltas, key=lambda d: (d.record.day, utc(d.record.started_at), d.record.booking_id))
    lines = [
        LineSpec(
            usage_record_id=d.record.id,
            booking_id=d.record.booking_id,
            description=_line_text(d, base),
            hours=abs(d.hours),
            unit_price=d.record.unit_price,
            amount_usd=abs(d.amount),
        )
        for d in ordered
    ]
    made = issue_document(
        session,
        settings,
        period,
        kind,
        lines,
        terms,
        tenant_id=tenant_id,
        corrects=corrects,
        memo=memo,
        now=now,
    )
    return [made] if made is not None else []
