"""KPI facts in SQL on the main database (SQLite or PostgreSQL): every query of the SQL backend.

Days are UTC days: ``date(ts)`` on SQLite (timestamps are stored as UTC text there) and
``timezone('UTC', ts)::date`` on PostgreSQL. Sums are taken over integers (see :mod:`analytics.facts`);
SQLite has no median, so its medians are taken in Python over the integers the query returns, where
PostgreSQL uses ``percentile_cont(0.5)``: both interpolate the two middle values the same way.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, and_, case, cast, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from analytics.facts import FamilyMedian, PriceFacts, TenantFacts, UsageAgg
from billing.models import DocumentKind, Invoice, InvoiceStatus, UsageRecord
from booking.models import Booking, BookingState
from catalog.models import Offer, PriceHistory

# event -> (the timestamp that dates it, the state the booking must be in; None: any)
EVENT_COLUMNS: dict[str, tuple[Any, str | None]] = {
    "created": (Booking.created_at, None),
    "submitted": (Booking.submitted_at, None),
    "activated": (Booking.activated_at, None),
    "completed": (Booking.ended_at, BookingState.COMPLETED.value),
    "failed": (Booking.ended_at, BookingState.FAILED.value),
    "cancelled": (Booking.ended_at, BookingState.CANCELLED.value),
}


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The range as timestamps: from ``start`` 00:00 UTC to the midnight after ``end`` (excluded)."""
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _utc_day(session: Session, column: Any) -> ColumnElement[Any]:
    if _dialect(session) == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _scaled(column: Any, factor: int) -> ColumnElement[Any]:
    """``round(column x factor)`` as an integer: exact whether the column is NUMERIC or SQLite's REAL."""
    return cast(func.round(column * factor), BigInteger)


def _epoch_us(session: Session, column: Any) -> ColumnElement[Any]:
    """Microseconds since the epoch of a timestamp column, as an integer."""
    if _dialect(session) == "postgresql":
        return cast(func.round(func.extract("epoch", column) * 1_000_000), BigInteger)
    # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's format): whole seconds, then the fraction.
    seconds = cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger)
    return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def _median(values: Iterable[int]) -> float | None:
    data = list(values)
    return float(statistics.median(data)) if data else None


def tenant_facts(session: Session, tenant_id: str | None, start: date, end: date) -> TenantFacts:
    """One team's facts, or every team's summed when ``tenant_id`` is None (the operators' view)."""
    lo, hi = bounds(start, end)
    facts = TenantFacts()
    mine = Booking.tenant_id == tenant_id if tenant_id is not None else true()
    usage_mine = UsageRecord.tenant_id == tenant_id if tenant_id is not None else true()
    invoices_mine = Invoice.tenant_id == tenant_id if tenant_id is not None else true()

    for event, (column, state) in EVENT_COLUMNS.items():
        day = _utc_day(session, column).label("day")
        cond = [mine, column >= lo, column < hi]
        if state is not None:
            cond.append(Booking.state == state)
        rows = session.execute(select(day, func.count()).where(*cond).group_by(day)).all()
        facts.events[event] = {_as_date(d): int(n) for d, n in rows}

    submitted_in_range = and_(mine, Booking.submitted_at >= lo, Booking.submitted_at < hi)
    cohort = session.execute(
        select(func.count(), func.count(Booking.activated_at)).where(submitted_in_range)
    ).one()
    facts.cohort_submitted, facts.cohort_activated = int(cohort[0]), int(cohort[1])

    waited = (_epoch_us(session, Booking.activated_at) - _epoch_us(session, Booking.submitted_at)).label("us")
    activated_in_range = and_(
        mine, Booking.activated_at >= lo, Booking.activated_at < hi, Booking.submitted_at.is_not(None)
    )
    if _dialect(session) == "postgresql":
        median = session.execute(
            select(func.percentile_cont(0.5).within_group(waited)).where(activated_in_range)
        ).scalar()
        facts.median_to_active_us = float(median) if median is not None else None
    else:
        facts.median_to_active_us = _median(
            int(v) for v in session.execute(select(waited).where(activated_in_range)).scalars()
        )

    micro = (_scaled(UsageRecord.hours, 1_000_000) * Booking.gpu_count).label("micro")
    cents = case((UsageRecord.currency == "USD", _scaled(UsageRecord.amount, 100)), else_=literal(0))
    family = func.coalesce(Offer.gpu_family, Booking.gpu_type)
    usage_from = (
        select()
        .select_from(UsageRecord)
        .join(Booking, Booking.id == UsageRecord.booking_id)
        .outerjoin(Offer, Offer.id == Booking.offer_id)
        .where(usage_mine, UsageRecord.day >= start, UsageRecord.day <= end)
    )
    sums = (func.sum(micro), func.sum(cents), func.count(func.distinct(UsageRecord.booking_id)))
    for key, target in ((UsageRecord.day, "day"), (family, "family"), (Booking.provider_id, "provider")):
        rows = session.execute(usage_from.add_columns(key.label("k"), *sums).group_by(key)).all()
        groups = {k: UsageAgg(int(m or 0), int(c or 0), int(b)) for k, m, c, b in rows}
        if target == "day":
            facts.usage_by_day = {_as_date(k): v for k, v in groups.items()}
        elif target == "family":
            facts.by_family = {str(k): v for k, v in groups.items()}
        else:
            facts.by_provider = {str(k): v for k, v in groups.items()}

    facts.active_now = int(
        session.execute(
            select(func.count()).where(mine, Booking.state == BookingState.ACTIVE.value)
        ).scalar_one()
    )
    invoices = session.execute(
        select(func.count(), func.sum(_scaled(Invoice.subtotal_usd, 100))).where(
            invoices_mine,
            # Issued invoices, paid or not (credit notes are not invoices; void ones never counted).
            Invoice.kind == DocumentKind.INVOICE.value,
            Invoice.status != InvoiceStatus.VOID.value,
            Invoice.day >= start,
            Invoice.day <= end,
        )
    ).one()
    facts.invoices_issued, facts.invoices_cents = int(invoices[0]), int(invoices[1] or 0)
    return facts


def price_facts(session: Session, days: Iterable[date]) -> PriceFacts:
    """Per reference day, the median on-demand $/GPU-h (micro-dollars) of each family's offers as of
    the end of that day: each offer counts with its latest price history row at or before then."""
    out: PriceFacts = {}
    for day in days:
        _, cutoff = bounds(day, day)
        latest = (
            select(
                PriceHistory.gpu_family.label("family"),
                _scaled(PriceHistory.price_per_gpu_hour, 1_000_000).label("px"),
                func.row_number()
                .over(
                    partition_by=PriceHistory.offer_id,
                    order_by=(PriceHistory.observed_at.desc(), PriceHistory.id.desc()),
                )
                .label("rn"),
            )
            .where(
                PriceHistory.offer_id.is_not(None),
                PriceHistory.spot.is_(False),
                PriceHistory.observed_at < cutoff,
            )
            .subquery()
        )
        if _dialect(session) == "postgresql":
            rows = session.execute(
                select(
                    latest.c.family,
                    func.percentile_cont(0.5).within_group(latest.c.px),
                    func.count(),
                )
                .where(latest.c.rn == 1)
                .group_by(latest.c.family)
            ).all()
            out[day] = {str(f): FamilyMedian(float(m), int(n)) for f, m, n in rows}
        else:
            prices: dict[str, list[int]] = {}
            for family, px in session.execute(select(latest.c.family, latest.c.px).where(latest.c.rn == 1)):
                prices.setdefault(str(family), []).append(int(px))
            out[day] = {f: FamilyMedian(float(statistics.median(v)), len(v)) for f, v in prices.items()}
    return out


def offers_by_provider(session: Session) -> dict[str, dict[str, int]]:
    """provider -> availability (up, degraded, down) -> offers."""
    out: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Offer.provider, Offer.availability, func.count()).group_by(Offer.provider, Offer.availability)
    )
    for provider, availability, n in rows:
        out.setdefault(str(provider), {})[str(availability)] = int(n)
    return out
