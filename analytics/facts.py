"""The raw facts each KPI backend returns, and the one place they become answers.

A backend (``analytics.repository`` for SQL, ``analytics.clickhouse`` for ClickHouse) only counts and
sums, in integers: GPU-hours in micro GPU-hours (``round(hours x 10^6) x gpu_count``), money in cents,
prices in micro-dollars, durations in microseconds. Integer sums are exact on every engine (SQLite keeps
``Numeric`` columns as floating point), and a median of integers below 2^52 is exact in a double, so the
two backends hand over identical facts and this module turns them into identical reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from analytics.schemas import (
    Backend,
    BookingTotals,
    DayKpis,
    FamilyPrice,
    KpiReport,
    Ranked,
)

EVENTS = ("created", "submitted", "activated", "completed", "failed", "cancelled")
TOP_N = 5
MICRO = Decimal(1_000_000)
# The reference days of the catalog's price trend, in days before the day asked about.
PRICE_LOOKBACK_DAYS = (0, 7, 30)


@dataclass
class UsageAgg:
    micro_gpu_hours: int = 0
    cents: int = 0
    bookings: int = 0


@dataclass
class TenantFacts:
    # event -> UTC day -> bookings; events are EVENTS
    events: dict[str, dict[date, int]] = field(default_factory=dict)
    cohort_submitted: int = 0
    cohort_activated: int = 0
    # median of (activated_at - submitted_at) in microseconds, None when nothing was activated
    median_to_active_us: float | None = None
    usage_by_day: dict[date, UsageAgg] = field(default_factory=dict)
    by_family: dict[str, UsageAgg] = field(default_factory=dict)
    by_provider: dict[str, UsageAgg] = field(default_factory=dict)
    active_now: int = 0
    invoices_issued: int = 0
    invoices_cents: int = 0


@dataclass
class FamilyMedian:
    median_micro: float
    offers: int


# reference day -> GPU family -> its median as of that day
PriceFacts = dict[date, dict[str, FamilyMedian]]


def gpu_hours(micro: int) -> Decimal:
    return (Decimal(micro) / MICRO).quantize(Decimal("0.000001"))


def usd(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def price(median_micro: float) -> Decimal:
    # A median of integers is a whole number or one half; repr() of such a double is exact.
    return (Decimal(repr(median_micro)) / MICRO).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _ranked(groups: dict[str, UsageAgg]) -> list[Ranked]:
    # Most GPU-hours first; names break ties so that both backends list the same order.
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1].micro_gpu_hours, -kv[1].cents, kv[0]))
    return [
        Ranked(
            name=name, gpu_hours=gpu_hours(g.micro_gpu_hours), revenue_usd=usd(g.cents), bookings=g.bookings
        )
        for name, g in ordered[:TOP_N]
    ]


def build_report(
    facts: TenantFacts, tenant_id: str, start: date, end: date, backend: Backend, now: datetime
) -> KpiReport:
    days = []
    for d in days_of(start, end):
        usage = facts.usage_by_day.get(d, UsageAgg())
        counts = {e: facts.events.get(e, {}).get(d, 0) for e in EVENTS}
        days.append(
            DayKpis(day=d, gpu_hours=gpu_hours(usage.micro_gpu_hours), revenue_usd=usd(usage.cents), **counts)
        )
    totals = BookingTotals(**{e: sum(facts.events.get(e, {}).values()) for e in EVENTS})
    micro_total = sum(u.micro_gpu_hours for u in facts.usage_by_day.values())
    cents_total = sum(u.cents for u in facts.usage_by_day.values())
    rate = round(facts.cohort_activated / facts.cohort_submitted, 4) if facts.cohort_submitted else None
    median_s = (
        round(facts.median_to_active_us / 1_000_000, 3) if facts.median_to_active_us is not None else None
    )
    return KpiReport(
        tenant_id=tenant_id,
        start=start,
        end=end,
        backend=backend,
        totals=totals,
        success_rate=rate,
        submitted_cohort=facts.cohort_submitted,
        activated_of_submitted=facts.cohort_activated,
        median_time_to_active_s=median_s,
        gpu_hours=gpu_hours(micro_total),
        revenue_usd=usd(cents_total),
        active_now=facts.active_now,
        invoices_issued=facts.invoices_issued,
        invoices_total_usd=usd(facts.invoices_cents),
        days=days,
        top_gpu_families=_ranked(facts.by_family),
        top_providers=_ranked(facts.by_provider),
        generated_at=now,
    )


def reference_days(day: date) -> list[date]:
    return [day - timedelta(days=n) for n in PRICE_LOOKBACK_DAYS]


def _change(now: Decimal | None, before: Decimal | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return float(((now - before) / before * 100).quantize(Decimal("0.1"), ROUND_HALF_UP))


def family_prices(facts: PriceFacts, day: date) -> list[FamilyPrice]:
    """One row per family priced on any reference day: the families with the most offers today first."""
    today, d7, d30 = (facts.get(d, {}) for d in reference_days(day))
    families = set(today) | set(d7) | set(d30)

    def med(table: dict[str, FamilyMedian], family: str) -> Decimal | None:
        m = table.get(family)
        return price(m.median_micro) if m is not None else None

    rows = []
    for family in families:
        now, week, month = med(today, family), med(d7, family), med(d30, family)
        rows.append(
            FamilyPrice(
                family=family,
                offers=today[family].offers if family in today else 0,
                today=now,
                days_7=week,
                days_30=month,
                change_7d_pct=_change(now, week),
                change_30d_pct=_change(now, month),
            )
        )
    return sorted(rows, key=lambda r: (-r.offers, r.family))
