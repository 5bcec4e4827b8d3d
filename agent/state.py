"""The agent's state, its reducers and the structured result it produces.

``messages`` is the conversation (kept per thread by the checkpointer); ``result`` is what the
``respond`` node builds from the tool results of the current turn.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    result: dict[str, Any] | None


class Recommendation(BaseModel):
    provider_id: str
    offer_id: str
    reason: str
    name: str
    price_per_hour: float
    price_per_gpu_hour: float
    gpu_count: int
    gpu_family: str
    region: str
    url: str


class Forecast(BaseModel):
    currency: str = "USD"
    hourly: float
    daily: float
    total: float
    hours: float
    ci_low: float
    ci_high: float
    model: str
    basis: str
    series: list[dict[str, Any]] = Field(default_factory=list)
    #: The market index's trend (direction, change_pct_30d, low80_pct, high80_pct, ...), when known.
    trend: dict[str, Any] | None = None
    #: The day the price history behind the forecast ends, and what the reader must know (a
    #: forecast of the past, a short history).
    history_end: str | None = None
    warnings: list[str] = Field(default_factory=list)
    offer_id: str | None = None


class Iac(BaseModel):
    terraform: str
    provider: str
    template: str
    notes: list[str] = Field(default_factory=list)


class ChatResult(BaseModel):
    """The structured answer of one turn (spec section 5), plus what the UI and evals need."""

    recommendations: list[Recommendation] = Field(default_factory=list)
    forecast: Forecast | None = None
    iac: Iac | None = None
    summary: str = ""
    thread_id: str | None = None
    intent: str | None = None
    searches: list[dict[str, Any]] = Field(default_factory=list)
    nearest: list[Recommendation] = Field(default_factory=list)
    relax: list[str] = Field(default_factory=list)
    requirement: dict[str, Any] | None = None
    marketplace_url: str | None = None
    #: Set when the run paused for the user's approval (a booking): what to approve, and its id.
    approval: dict[str, Any] | None = None
    #: A booking made or changed in this turn, and bookings listed in this turn.
    booking: dict[str, Any] | None = None
    bookings: list[dict[str, Any]] = Field(default_factory=list)
    #: Spending (usage and invoices) reported in this turn.
    spending: dict[str, Any] | None = None
    #: The knowledge-base passages an explanation quotes: ``{title, source_title, url}``.
    sources: list[dict[str, Any]] = Field(default_factory=list)
    #: The language of the user's message ("en", "de", "fr", "es"), which the answer is written in.
    language: str = "en"
