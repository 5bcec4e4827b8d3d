"""All SQL of billing's reads and of its simple writes.

Every query that a caller scopes to a tenant takes the tenant id as an argument and filters on it:
an id of another tenant's invoice simply finds nothing. Metering, FX and invoice numbering keep their
few upserts beside the rules they implement (``billing.metering``, ``billing.fx``, ``billing.invoicing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import (
    BillingAccount,
    CurrencyPeriod,
    Invoice,
    InvoiceDelivery,
    InvoiceLine,
    InvoiceStatus,
    KillBillExport,
    Payment,
    UsageRecord,
)
from billing.money import USD
from booking.models import Booking, BookingState


def billing_account(session: Session, tenant_id: str) -> BillingAccount | None:
    return session.get(BillingAccount, tenant_id)


def invoice(session: Session, tenant_id: str, invoice_id: str) -> Invoice | None:
    return session.execute(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.tenant_id == tenant_id)
    ).scalar_one_or_none()


def invoice_any_tenant(session: Session, invoice_id: str) -> Invoice | None:
    """For operators: the document whatever its tenant."""
    return session.get(Invoice, invoice_id)


def period_documents(session: Session, tenant_id: str, period_key: str) -> list[Invoice]:
    """Every document of a tenant's billing period, void ones included, in the order they were issued."""
    return list(
        session.execute(
            select(Invoice)
            .where(Invoice.tenant_id == tenant_id, Invoice.period_key.like(f"{period_key}#%"))
            .order_by(Invoice.issued_at, Invoice.number)
        ).scalars()
    )


def corrections_of(session: Session, invoice_id: str) -> list[Invoice]:
    return list(
        session.execute(
            select(Invoice)
            .where(Invoice.corrects_id == invoice_id)
            .order_by(Invoice.issued_at, Invoice.number)
        ).scalars()
    )


def currency_on(session: Session, tenant_id: str, day: date) -> str:
    """The currency the tenant's usage of ``day`` is billed in: the latest change in force that day."""
    found = session.execute(
        select(CurrencyPeriod.currency)
        .where(CurrencyPeriod.tenant_id == tenant_id, CurrencyPeriod.valid_from <= day)
        .order_by(CurrencyPeriod.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return found
    has_history = session.execute(
        select(func.count()).select_from(CurrencyPeriod).where(CurrencyPeriod.tenant_id == tenant_id)
    ).scalar_one()
    account = billing_account(session, tenant_id)
    # Before the first change the tenant was billed in USD; an account without history (made before
    # there was one) has always had its currency.
    return USD if has_history or account is None else account.currency


def currency_periods(session: Session, tenant_id: str) -> list[CurrencyPeriod]:
    return list(
        session.execute(
            select(CurrencyPeriod)
            .where(CurrencyPeriod.tenant_id == tenant_id)
            .order_by(CurrencyPeriod.valid_from)
        ).scalars()
    )


def usage_in_period(
    session: Session, tenant_id: str, first: date, end: date
) -> list[tuple[UsageRecord, Booking]]:
    rows = session.execute(
        select(UsageRecord, Booking)
        .join(Booking, Booking.id == UsageRecord.booking_id)
        .where(UsageRecord.tenant_id == tenant_id, UsageRecord.day >= first, UsageRecord.day < end)
        .order_by(UsageRecord.day, UsageRecord.started_at, UsageRecord.booking_id)
    ).all()
    return [(r, b) for r, b in rows]


def billed_lines(session: Session, record_ids: list[str]) -> list[tuple[InvoiceLine, str]]:
    """Lines of documents that are not void for these usage records, with their document's kind."""
    if not record_ids:
        return []
    rows = session.execute(
        select(InvoiceLine, Invoice.kind)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.usage_record_id.in_(record_ids), Invoice.status != InvoiceStatus.VOID.value)
    ).all()
    return [(line, kind) for line, kind in rows]


def unsettled_usage(session: Session, tenant_id: str, first: date, end: date) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(UsageRecord)
            .where(
                UsageRecord.tenant_id == tenant_id,
                UsageRecord.day >= first,
                UsageRecord.day < end,
                UsageRecord.final.is_(False),
            )
        ).scalar_one()
    )


def bookings_waiting_for_provider(session: Session, tenant_id: str, before: datetime) -> int:
    """Bookings submitted before ``before`` whose provider has not said yet whether they started."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.tenant_id == tenant_id,
                Booking.state == BookingState.PENDING_PROVISION.value,
                Booking.submitted_at < before,
            )
        ).scalar_one()
    )


def tenants_with_usage(session: Session, first: date, end: date, tenant_id: str | None = None) -> list[str]:
    stmt = select(UsageRecord.tenant_id).where(UsageRecord.day >= first, UsageRecord.day < end).distinct()
    if tenant_id is not None:
        stmt = stmt.where(UsageRecord.tenant_id == tenant_id)
    return sorted(session.execute(stmt).scalars())


def payments_of(session: Session, invoice_id: str) -> list[Payment]:
    return list(
        session.execute(
            select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.paid_at)
        ).scalars()
    )


def deliveries_of(session: Session, invoice_id: str) -> list[InvoiceDelivery]:
    return list(
        session.execute(
            select(InvoiceDelivery)
            .where(InvoiceDelivery.invoice_id == invoice_id)
            .order_by(InvoiceDelivery.attempted_at)
        ).scalars()
    )


def documents_in_range(session: Session, tenant_id: str, first: date, end: date) -> list[Invoice]:
    """Documents of the tenant whose billed period starts in ``[first, end)``, oldest first."""
    return list(
        session.execute(
            select(Invoice)
            .where(Invoice.tenant_id == tenant_id, Invoice.day >= first, Invoice.day < end)
            .order_by(Invoice.day, Invoice.issued_at, Invoice.number)
        ).scalars()
    )


def all_documents(
    session: Session, *, status: str | None, offset: int, limit: int
) -> tuple[int, list[Invoice]]:
    """Every tenant's documents, newest first (the operators' view)."""
    where = [] if status is None else [Invoice.status == status]
    total = int(session.execute(select(func.count()).select_from(Invoice).where(*where)).scalar_one())
    rows = session.execute(
        select(Invoice)
        .where(*where)
        .order_by(Invoice.issued_at.desc(), Invoice.number.desc())
        .offset(offset)
        .limit(limit)
    ).scalars()
    return total, list(rows)


def invoices(
    session: Session,
    tenant_id: str,
    *,
    start: date | None,
    end: date | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Invoice]]:
    """The tenant's invoices with ``start <= day <= end``, newest day first."""
    where = [Invoice.tenant_id == tenant_id]
    if start is not None:
        where.append(Invoice.day >= start)
    if end is not None:
        where.append(Invoice.day <= end)
    total = int(session.execute(select(func.count()).select_from(Invoice).where(*where)).scalar_one())
    rows = (
        session.execute(
            select(Invoice)
            .where(*where)
            .order_by(Invoice.day.desc(), Invoice.number.desc())
            .offset(offset)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return total, rows


def usage(
    session: Session,
    tenant_id: str,
    *,
    start: date | None,
    end: date | None,
    booking_id: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[tuple[UsageRecord, Booking]]]:
    where = [UsageRecord.tenant_id == tenant_id]
    if start is not None:
        where.append(UsageRecord.day >= start)
    if end is not None:
        where.append(UsageRecord.day <= end)
    if booking_id is not None:
        where.append(UsageRecord.booking_id == booking_id)
    total = int(session.execute(select(func.count()).select_from(UsageRecord).where(*where)).scalar_one())
    rows = session.execute(
        select(UsageRecord, Booking)
        .join(Booking, Booking.id == UsageRecord.booking_id)
        .where(*where)
        .order_by(UsageRecord.day.desc(), UsageRecord.booking_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return total, [(r, b) for r, b in rows]


def killbill_exports(session: Session, tenant_id: str, day: date) -> list[KillBillExport]:
    return list(
        session.execute(
            select(KillBillExport)
            .where(KillBillExport.tenant_id == tenant_id, KillBillExport.day == day)
            .order_by(KillBillExport.seq)
        ).scalars()
    )


def tenant_of_killbill_account(session: Session, account_id: str) -> str | None:
    return session.execute(
        select(BillingAccount.tenant_id).where(BillingAccount.killbill_account_id == account_id)
    ).scalar_one_or_none()
