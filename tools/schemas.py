"""Arguments and results of the agent's tools. Field descriptions are what the model reads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Geo = Literal["na", "sa", "eu", "asia", "oceania", "me", "af"]


class SearchOffersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gpu_type: str | None = Field(None, description="GPU family or alias, e.g. H100, 'A100 80GB', 4090")
    gpu_types: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="alternatives instead of gpu_type ('an L4 or an A10G'): the cheapest offers of any of them",
    )
    min_gpu_count: int | None = Field(None, ge=1, le=256, description="minimum GPUs in one offer")
    min_gpu_memory_gb: float | None = Field(None, ge=0, description="minimum memory per GPU in GB")
    min_total_gpu_memory_gb: float | None = Field(
        None, ge=0, description="minimum GPU memory summed over the offer"
    )
    max_price_per_hour: float | None = Field(
        None, gt=0, description="maximum USD per hour for the whole offer"
    )
    max_price_per_gpu_hour: float | None = Field(None, gt=0, description="maximum USD per GPU-hour")
    geo: Geo | None = Field(None, description="continent: na, sa, eu, asia, oceania, me, af")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country code")
    region: str | None = Field(None, description="a provider region name, exact")
    provider: str | None = Field(None, description="provider id such as aws, gcp, lambda, runpod, vast")
    spot: bool | None = Field(None, description="true: only spot/interruptible; false: only on-demand")
    q: str | None = Field(None, description="full-text words to match in offer names and tags")
    sort: Literal["price_asc", "price_desc", "price_per_gpu_asc", "updated_desc"] = "price_asc"
    limit: int = Field(5, ge=1, le=20, description="how many offers to return")


class OfferBrief(BaseModel):
    id: str
    provider: str
    name: str
    gpu_family: str
    gpu_variant: str | None
    gpu_count: int
    gpu_memory_gb: float
    price_per_hour: float
    price_per_gpu_hour: float
    region: str
    geo: str | None
    country: str | None
    spot: bool
    availability: str
    url: str
    price_as_of: str | None = Field(None, description="when the provider published or we observed the price")
    price_age: str | None = Field(
        None, description="how old the price is, in words: '10 days old', '2 min ago'"
    )


class Relaxation(BaseModel):
    drop: str
    total: int
    nearest: list[OfferBrief]


class SearchOffersResult(BaseModel):
    total: int
    offers: list[OfferBrief]
    filters: dict[str, object]
    warnings: list[str] = Field(default_factory=list)
    relaxations: list[Relaxation] = Field(default_factory=list)


class GetOfferArgs(BaseModel):
    offer_id: str = Field(description="an offer id from search_offers")


class CompareOffersArgs(BaseModel):
    offer_ids: list[str] = Field(
        default_factory=list, max_length=10, description="offer ids to put side by side"
    )
    gpu_types: list[str] = Field(
        default_factory=list, max_length=6, description="GPU families to compare by their cheapest offers"
    )
    min_gpu_count: int | None = Field(
        None, ge=1, description="minimum GPUs per offer when comparing GPU types"
    )
    min_total_gpu_memory_gb: float | None = Field(
        None,
        ge=0,
        description="each side's cheapest offer must hold this much GPU memory in total (a sized workload)",
    )
    max_price_per_hour: float | None = Field(
        None, gt=0, description="maximum USD per hour for the whole offer"
    )
    geo: Geo | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country code")
    provider: str | None = Field(None, description="compare within one provider")
    spot: bool | None = None


class GpuFacts(BaseModel):
    family: str
    vendor: str
    architecture: str
    memory_gb: float
    cheapest: OfferBrief | None
    offers: int


class CompareOffersResult(BaseModel):
    offers: list[OfferBrief] = Field(default_factory=list)
    gpus: list[GpuFacts] = Field(default_factory=list)


class EstimateRequirementsArgs(BaseModel):
    kind: Literal["llm", "diffusion", "speech", "embeddings"] = Field(
        "llm", description="llm (sized by params_b), diffusion (SDXL, Flux), speech (Whisper), embeddings"
    )
    params_b: float | None = Field(
        None, gt=0, le=10_000, description="model size in billions of parameters (llm; embeddings when known)"
    )
    model: str | None = Field(
        None, max_length=80, description="the model's name, e.g. 'flux', 'sdxl', 'whisper large'"
    )
    audio_hours: float | None = Field(
        None, gt=0, le=1_000_000, description="speech: hours of audio to transcribe"
    )
    task: Literal["inference", "fine-tune", "lora", "qlora", "pre-train"] = "inference"
    precision: str = Field("bf16", description="fp32, bf16, fp16, fp8, int8, int4")
    context: int = Field(4096, ge=1, le=2_000_000, description="context length in tokens")
    batch: int = Field(1, ge=1, le=4096)


class EstimateRequirementsResult(BaseModel):
    kind: str = "llm"
    total_memory_gb: float
    min_gpu_memory_gb: float | None
    gpu_count_by_family: dict[str, int]
    rule: str
    #: speech: the GPU-hours the audio takes (the job's duration on one GPU).
    gpu_hours: float | None = None
    #: Where the rule's figures come from (knowledge-base source URLs).
    sources: list[str] = Field(default_factory=list)


class ForecastCostArgs(BaseModel):
    gpu_type: str | None = Field(None, description="GPU family or alias, when no offer is chosen")
    offer_id: str | None = Field(None, description="price this offer")
    hours: float = Field(1, gt=0, le=24 * 366, description="how long it runs, in hours")
    count: int = Field(1, ge=1, le=1024, description="GPUs (when pricing a GPU type)")
    region: str | None = Field(None, description="geo or region to price in")


class ForecastCostResult(BaseModel):
    currency: str = "USD"
    hourly: float
    daily: float
    total: float
    hours: float
    ci_low: float
    ci_high: float
    basis: str
    model: str
    warnings: list[str] = Field(default_factory=list)
    series: list[dict[str, object]] = Field(
        default_factory=list, description="daily forecast: date, value, low, high ($/h)"
    )
    trend: dict[str, object] | None = Field(
        None, description="market index trend: direction, change_pct_30d, low80_pct, high80_pct"
    )
    history_end: str | None = Field(None, description="the day the price history behind it ends")
    data_age_days: int | None = Field(None, description="how many days before today the price history ends")
    offer_id: str | None = Field(None, description="the offer priced, when one was")


class GenerateTerraformArgs(BaseModel):
    offer_id: str | None = Field(None, description="the offer to launch (preferred)")
    provider: str | None = Field(None, description="without an offer: the provider to launch on")
    gpu_type: str | None = Field(None, description="without an offer: the GPU family")
    gpu_count: int = Field(1, ge=1, le=256, description="without an offer: GPUs")
    region: str | None = Field(None, description="without an offer: the provider region")
    spot: bool = False
    name: str = Field("gpubroker-node", pattern=r"^[a-z][a-z0-9-]{0,40}$", description="instance name")


class GenerateTerraformResult(BaseModel):
    provider: str
    template: str
    terraform: str
    notes: list[str]


class BookOfferArgs(BaseModel):
    offer_id: str = Field(description="the offer to book, an id from search_offers")
    hours: float = Field(gt=0, le=24 * 90, description="how long to keep the instance, in hours")


class BookingBrief(BaseModel):
    id: str
    state: str
    provider: str
    offer_id: str | None
    offer_name: str
    gpu_type: str
    gpu_count: int
    region: str | None
    hourly_price: float
    currency: str
    hours: float
    created_at: str
    activated_at: str | None = None
    ended_at: str | None = None
    failure_reason: str | None = None
    url: str
    spot: bool = False
    provisioner: str | None = None
    connection: dict[str, Any] | None = None
    time_left_s: int | None = None
    cost_so_far: float | None = None


class BookingResult(BaseModel):
    status: Literal["submitted", "declined", "cancelled", "stopping"]
    booking: BookingBrief | None = None
    message: str


class ListBookingsArgs(BaseModel):
    state: Literal["draft", "pending_provision", "active", "completed", "failed", "cancelled"] | None = Field(
        None, description="only bookings in this state"
    )
    limit: int = Field(10, ge=1, le=50)


class BookingsResult(BaseModel):
    total: int
    bookings: list[BookingBrief]


class CancelBookingArgs(BaseModel):
    booking_id: str = Field(description="the booking to cancel or, when it is running, to stop")


class SpendingReportArgs(BaseModel):
    days: int = Field(30, ge=1, le=366, description="how many days back to report")


class InvoiceBrief(BaseModel):
    id: str
    number: str
    day: str
    total: str
    currency: str
    url: str


class SpendingResult(BaseModel):
    days: int
    usage_usd: str
    usage_hours: str
    bookings_billed: int
    running_now: int
    running_usd_per_hour: str
    running_accrued_usd: str
    invoices: list[InvoiceBrief]
    invoices_total: int
    summary: str


class CreatePriceAlertArgs(BaseModel):
    """A price alert for the signed-in user: the offers it watches and the price that triggers it."""

    model_config = ConfigDict(extra="forbid")

    gpu_type: str | None = Field(None, description="GPU family or alias, e.g. H100")
    gpu_count: int | None = Field(None, ge=1, le=256, description="exactly this many GPUs per offer")
    geo: Geo | None = Field(None, description="continent: na, sa, eu, asia, oceania, me, af")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country code")
    provider: str | None = Field(None, description="provider id")
    spot: bool | None = Field(None, description="true: only spot; false: only on-demand")
    threshold: float = Field(gt=0, description="notify when a matching offer costs at most this, USD")
    per: Literal["hour", "gpu_hour"] = Field("hour", description="the threshold is per hour or per GPU-hour")
    email: bool = Field(False, description="also send an email to the user's address")


class AlertCreatedResult(BaseModel):
    id: str
    name: str
    threshold: float
    per: str
    channels: list[str]
    currently_under: int
    url: str
    summary: str


class SearchKnowledgeArgs(BaseModel):
    query: str = Field(min_length=2, max_length=500, description="the question, in English words")
    limit: int = Field(4, ge=1, le=8, description="how many passages to return")


class KnowledgePassageOut(BaseModel):
    id: str
    topic: str
    title: str
    text: str
    source_title: str
    source_url: str
    score: float


class SearchKnowledgeResult(BaseModel):
    passages: list[KnowledgePassageOut]
    method: Literal["hybrid", "full_text"]
