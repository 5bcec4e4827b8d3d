"""All SQL of billing's reads and of its simple writes.

Every query that a caller scopes to a tenant takes the tenant id as an argument and filters on it:
an id of another tenant's invoice simply finds nothing. Metering, FX and invoice numbering keep their
few upserts beside the rules they implement (``billing.metering``, ``billing.fx``, ``billing.invoicing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import BillingAccount, Invoice, InvoiceLine, UsageRecord
from booking.models import Booking


def billing_account(session: Session, tenant_id: str) -> BillingAccount | None:
    return session.get(BillingAccount, tenant_id)


def invoice(session: Session, tenant_id: str, invoice_id: str) -> Invoice | None:
    return session.execute(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.tenant_id == tenant_id)
    ).scalar_one_or_none()


def invoice_for_day(session: Session, tenant_id: str, day: date) -> Invoice | None:
    return session.execute(
        select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.day == day)
    ).scalar_one_or_none()


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


def uninvoiced_usage(session: Session, tenant_id: str, day: date) -> list[tuple[UsageRecord, Booking]]:
    """The tenant's final usage records of ``day`` that no invoice line holds yet, with their bookings."""
    invoiced = select(InvoiceLine.usage_record_id)
    rows = session.execute(
        select(UsageRecord, Booking)
        .join(Booking, Booking.id == UsageRecord.booking_id)
        .where(
            UsageRecord.tenant_id == tenant_id,
            UsageRecord.day == day,
            UsageRecord.final.is_(True),
            UsageRecord.id.not_in(invoiced),
        )
        .order_by(UsageRecord.started_at, UsageRecord.booking_id)
    ).all()
    return [(r, b) for r, b in rows]


def tenants_with_final_usage(session: Session, day: date, tenant_id: str | None = None) -> list[str]:
    stmt = select(UsageRecord.tenant_id).where(UsageRecord.day == day, UsageRecord.final.is_(True)).distinct()
    if tenant_id is not None:
        stmt = stmt.where(UsageRecord.tenant_id == tenant_id)
    return sorted(session.execute(stmt).scalars())


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


def unexported_usage(session: Session, day: date) -> list[UsageRecord]:
    """Final records of ``day`` not yet recorded in Kill Bill."""
    return list(
        session.execute(
            select(UsageRecord)
            .where(UsageRecord.day == day, UsageRecord.final.is_(True), UsageRecord.exported_at.is_(None))
            .order_by(UsageRecord.tenant_id, UsageRecord.booking_id)
        ).scalars()
    )
