"""The KPI answers: a team's report for a date range and the catalog's public figures.

Money and GPU-hours travel as decimal strings (``"123.45"``), as billing's do, so a client sees exactly
the figures that were summed. Both backends (SQL on the main database, ClickHouse) produce these models
from the same raw facts (:mod:`analytics.facts`), so their answers are equal field for field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

DecimalStr = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
Backend = Literal["sql", "clickhouse"]


class DayKpis(BaseModel):
    """One UTC day: bookings by the event that happened to them that day, and the metered usage."""

    day: date
    created: int = 0
    submitted: int = 0
    activated: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    gpu_hours: DecimalStr = Decimal("0.000000")
    revenue_usd: DecimalStr = Decimal("0.00")


class BookingTotals(BaseModel):
    created: int
    submitted: int
    activated: int
    completed: int
    failed: int
    cancelled: int


class Ranked(BaseModel):
    """A GPU family or a provider with the usage metered for it in the range."""

    name: str
    gpu_hours: DecimalStr
    revenue_usd: DecimalStr
    bookings: int = Field(description="bookings with usage in the range")


class KpiReport(BaseModel):
    tenant_id: str
    start: date
    end: date
    backend: Backend
    totals: BookingTotals
    success_rate: float | None = Field(
        description="of the bookings submitted in the range, the share that became active (None: none submitted)"
    )
    submitted_cohort: int = Field(description="bookings submitted in the range")
    activated_of_submitted: int = Field(description="of those, how many became active")
    median_time_to_active_s: float | None = Field(
        description="median seconds from submit to active of the bookings activated in the range"
    )
    gpu_hours: DecimalStr
    revenue_usd: DecimalStr = Field(
        description="metered usage in USD (usage in other currencies is left out)"
    )
    active_now: int = Field(description="the team's bookings active at the time of the answer")
    invoices_issued: int
    invoices_total_usd: DecimalStr = Field(
        description="the USD subtotals of the invoices issued for days in the range"
    )
    days: list[DayKpis]
    top_gpu_families: list[Ranked]
    top_providers: list[Ranked]
    generated_at: datetime


class ProviderOffers(BaseModel):
    provider: str
    up: int = 0
    degraded: int = 0
    down: int = 0
    total: int = 0


class ProviderSync(BaseModel):
    provider: str
    name: str
    status: str
    last_sync_ts: datetime | None
    last_error: str | None
    latency_ms: float | None
    offers: int
    mode: str | None


class FamilyPrice(BaseModel):
    """The median on-demand $/GPU-h of a GPU family's offers as of the end of a day, today and before.

    An offer's price as of a day is its latest price history row at or before that day's end; a family
    has a median on a day when at least one of its offers had been observed by then."""

    family: str
    offers: int = Field(description="on-demand offers with a price as of the day")
    today: DecimalStr | None
    days_7: DecimalStr | None = Field(description="the median as of 7 days before")
    days_30: DecimalStr | None = Field(description="the median as of 30 days before")
    change_7d_pct: float | None
    change_30d_pct: float | None


class CatalogKpis(BaseModel):
    day: date
    backend: Backend
    offers_total: int
    offers_by_provider: list[ProviderOffers]
    providers: list[ProviderSync]
    providers_by_status: dict[str, int]
    family_prices: list[FamilyPrice]
    generated_at: datetime
