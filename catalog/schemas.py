"""Request and response models of the catalog API.

``OfferFilters`` is the one description of a marketplace search: the REST API, the web pages, the
export and the assistant's search tool all build one, so a filter means the same thing everywhere.
Unknown query parameters are rejected (``extra="forbid"``) so a typo is an error, not a silently
ignored filter.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

SortKey = Literal["price_asc", "price_desc", "price_per_gpu_asc", "updated_desc"]
Geo = Literal["na", "sa", "eu", "asia", "oceania", "me", "af"]
Availability = Literal["up", "down", "degraded"]
Price = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


def _split_csv(value: Any) -> list[str] | None:
    if value is None or value == "" or value == []:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    out = [str(v).strip() for v in items if str(v).strip()]
    return out or None


class OfferFilters(BaseModel):
    """Marketplace search filters. Every field is optional; they combine with AND."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gpu_type: str | None = Field(
        None, max_length=60, description="GPU family or alias: H100, 'rtx 4090', 'A100 80GB'"
    )
    gpu_count: int | None = Field(None, ge=1, le=256, description="minimum GPUs per offer")
    gpu_count_exact: int | None = Field(
        None, ge=1, le=256, description="exactly this many GPUs per offer (1: no 2x machines first)"
    )
    gpu_memory_gb: float | None = Field(None, ge=0, le=1024, description="minimum memory per GPU, GB")
    total_gpu_memory_gb: float | None = Field(
        None, ge=0, le=100_000, description="minimum GPU memory summed over the offer's GPUs, GB"
    )
    region: str | None = Field(None, max_length=80, description="provider region, exact (case-insensitive)")
    geo: Geo | None = Field(None, description="continent: na, sa, eu, asia, oceania, me, af")
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    provider: str | None = Field(
        None, max_length=400, description="provider id, or several separated by commas"
    )
    max_price: Decimal | None = Field(None, gt=0, le=100_000, description="maximum price per hour")
    max_price_per_gpu: Decimal | None = Field(
        None, gt=0, le=100_000, description="maximum price per GPU-hour"
    )
    spot: bool | None = Field(None, description="true: only spot/interruptible; false: only on-demand")
    availability: Availability | None = None
    tags: str | None = Field(None, max_length=400, description="comma separated; an offer must carry all")
    q: str | None = Field(None, max_length=200, description="full-text search on name and tags")
    include_gpu_only: bool = Field(
        False,
        description="also list prices of the GPUs alone (GCP: the host VM is billed on top); "
        "left out by default because they are not a machine's price",
    )
    sort: SortKey = "price_asc"
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(
        None,
        max_length=300,
        description="the next_cursor of the previous page: the page after it, read from the sort "
        "index at once however deep (keyset pagination). Keep the same sort; page must be 1",
    )

    @field_validator("country")
    @classmethod
    def _upper_country(cls, v: str | None) -> str | None:
        if v is not None and not v.isalpha():
            raise ValueError("country must be a two-letter ISO 3166-1 code such as US or DE")
        return v.upper() if v else v

    @field_validator("region", "gpu_type", "q", "provider", "tags", "cursor")
    @classmethod
    def _empty_is_none(cls, v: str | None) -> str | None:
        return v or None

    def provider_list(self) -> list[str] | None:
        items = _split_csv(self.provider)
        return [p.lower() for p in items] if items else None

    def tag_list(self) -> list[str] | None:
        items = _split_csv(self.tags)
        return [t.lower() for t in items] if items else None

    def cache_key(self) -> str:
        return self.model_dump_json(exclude_none=True)


class OfferOut(BaseModel):
    id: str
    provider: str
    external_id: str
    name: str
    gpu_type: str
    gpu_family: str
    gpu_variant: str | None
    gpu_count: int
    gpu_memory_gb: float
    vcpu: float | None
    memory_gb: float | None
    storage_gb: float | None
    price_per_hour: Price
    price_per_gpu_hour: Price
    currency: str
    spot: bool
    region: str
    zone: str | None
    geo: str | None
    country: str | None
    availability: str
    tags: list[str]
    source: str
    fetched_at: datetime
    last_seen_at: datetime
    updated_at: datetime
    price_as_of: datetime = Field(
        description="when the provider published or we observed this price (a snapshot's own date)"
    )
    price_scope: Literal["machine", "gpu_only"] = "machine"
    zones: list[str] | None = None


class SearchResult(BaseModel):
    total: int = Field(description="offers matching the filters, on every page")
    page: int | None = Field(description="the page number; null for a page read by cursor")
    page_size: int
    items: list[OfferOut]
    next_cursor: str | None = Field(
        None,
        description="pass as cursor (with the same filters and sort) for the next page; "
        "absent on the last page",
    )
    warnings: list[str] | None = None


class HistoryPoint(BaseModel):
    observed_at: datetime
    price_per_hour: Price
    price_per_gpu_hour: Price
    source: str


class MarketPoint(BaseModel):
    date: str
    price_per_gpu_hour: float
    low: float | None
    high: float | None


class OfferHistory(BaseModel):
    offer_id: str
    points: list[HistoryPoint]
    market: list[MarketPoint]
    market_label: str | None


class ProviderHealthOut(BaseModel):
    provider: str
    name: str | None = None
    status: str
    last_sync_ts: datetime | None
    last_error: str | None
    latency_ms: float | None
    offers: int = 0
    mode: Literal["live", "snapshot"] | None = None
    data_as_of: datetime | None = Field(None, description="how old the provider's prices are")
    age_s: float | None = Field(None, description="seconds since data_as_of")
    sync_interval_s: int | None = Field(None, description="how often a live provider is synced")
    failures: int = 0


class ForecastDay(BaseModel):
    date: str
    value: float
    low: float
    high: float


class Trend(BaseModel):
    """Where the market index is forecast to go over the horizon (in % of its last value)."""

    direction: Literal["down", "flat", "up"]
    change_pct_30d: float
    low80_pct: float
    high80_pct: float
    past_change_pct_30d: float | None = Field(
        None, description="the index's move in the 30 days to history_end"
    )
    history_end: str
    days: int


class IndexPoint(BaseModel):
    date: str
    value: float


class MarketIndexOut(BaseModel):
    """The market's chained matched-panel index in $/GPU-h, rebased to the market's level on its last day."""

    label: str
    model: str | None
    history_end: str | None
    history: list[IndexPoint]
    forecast: list[ForecastDay]


class PredictResult(BaseModel):
    currency: str
    gpu_family: str
    gpu_variant: str | None
    count: int
    hours: float
    hourly: float
    daily: float
    total: float
    ci_low: float
    ci_high: float
    horizon_days: int
    model: str
    backtest_mape: float | None
    basis: str
    current_offers: int
    series: list[ForecastDay]
    warnings: list[str]
    trend: Trend | None = None
    history_end: str | None = Field(None, description="the day the price history behind the forecast ends")
    market_history_end: str | None = Field(None, description="the day the market index's history ends")
    offer_id: str | None = None
    market_index: MarketIndexOut | None = None


EXPORT_FIELDS = (
    "id",
    "provider",
    "name",
    "gpu_family",
    "gpu_variant",
    "gpu_type",
    "gpu_count",
    "gpu_memory_gb",
    "vcpu",
    "memory_gb",
    "storage_gb",
    "price_per_hour",
    "price_per_gpu_hour",
    "currency",
    "spot",
    "region",
    "geo",
    "country",
    "availability",
    "tags",
    "updated_at",
    "price_as_of",
    "price_scope",
)
