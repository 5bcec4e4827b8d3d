"""What a message means: the structured request the parser fills in (cumulative over a thread)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: ``unclear``: nothing in the message to act on (gibberish, or no ask); ``reset``: only "never mind".
Intent = Literal["recommend", "compare", "forecast", "terraform", "explain", "unclear", "reset"]
#: What kind of model runs: a language model (sized by parameters), an image diffusion model, speech
#: recognition, or an embedding model.
WorkloadKind = Literal["llm", "diffusion", "speech", "embeddings"]
#: A pointer at the previous answer's offers: "1".."5" (ordinal), "last", "cheapest", "cheaper", "that".
Reference = Literal["1", "2", "3", "4", "5", "last", "cheapest", "cheaper", "that"]
Task = Literal["inference", "fine-tune", "lora", "qlora", "pre-train"]
Sort = Literal["price_asc", "price_per_gpu_asc"]


class Workload(BaseModel):
    """What the user wants to run, as far as the message says."""

    model_params_b: float | None = None
    task: Task | None = None
    precision: str | None = None
    context: int | None = None
    batch: int | None = None
    model_name: str | None = None
    kind: WorkloadKind | None = None
    #: Hours of audio to transcribe (speech), when said.
    audio_hours: float | None = None


class ParsedRequest(BaseModel):
    """One message's meaning; cumulative over a thread when ``previous`` was given.

    ``compare_families`` holds every family named when there are several: the sides of a comparison,
    or alternatives ("L4 or A10G") that a single ``gpu_family`` would wrongly narrow to the first.
    """

    intent: Intent = "recommend"
    gpu_family: str | None = None
    gpu_variant: str | None = None
    compare_families: list[str] = Field(default_factory=list)
    min_gpu_count: int | None = None
    min_gpu_memory_gb: float | None = None
    max_price_per_hour: float | None = None
    max_price_per_gpu_hour: float | None = None
    total_budget: float | None = None
    hours: float | None = None
    geo: str | None = None
    country: str | None = None
    region: str | None = None
    spot: bool | None = None
    provider: str | None = None
    workload: Workload | None = None
    wants_iac: bool = False
    wants_forecast: bool = False
    sort: Sort | None = None
    #: The user's language ("en", "de", "fr", "es"): of the last message that told, else English.
    language: str = "en"
    #: A price-direction question ("will H100 prices fall?", "good time to buy?").
    trend: bool = False
    #: Runs around the clock (a hosted endpoint): priced per month, on-demand by default.
    hosting: bool = False
    #: This message points at an offer of the previous answer.
    reference: Reference | None = None
    #: This message dropped what the thread had asked before ("never mind", "forget that, ...").
    reset: bool = False
    #: The fields this message stated itself (not carried over from earlier messages).
    stated: list[str] = Field(default_factory=list)
    #: The message as the rules read it (in English forms); a knowledge search uses it.
    query: str = ""
