"""What a message means: the structured request the parser fills in (cumulative over a thread)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Intent = Literal["recommend", "compare", "forecast", "terraform", "explain"]
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
