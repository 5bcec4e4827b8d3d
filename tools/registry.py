"""The agent's tools as LangChain tools, bound to one run context.

A tool never raises into the graph: a failure becomes a JSON ``{"error": ...}`` message the model
reads and can act on (ask for something else, relax a filter), so one bad call does not end a run.
The one exception is LangGraph's interrupt, which a tool raises to wait for the user's approval.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.errors import GraphBubbleUp
from pydantic import BaseModel

from core import metrics, tracing
from core.errors import AppError
from tools import alert_tools as at
from tools import billing_tools as billt
from tools import booking_tools as bt
from tools import catalog_tools as ct
from tools import knowledge_tools as kt
from tools.context import ToolContext
from tools.schemas import (
    BookOfferArgs,
    CancelBookingArgs,
    CompareOffersArgs,
    CreatePriceAlertArgs,
    EstimateRequirementsArgs,
    ForecastCostArgs,
    GenerateTerraformArgs,
    GetOfferArgs,
    ListBookingsArgs,
    SearchKnowledgeArgs,
    SearchOffersArgs,
    SpendingReportArgs,
)

log = logging.getLogger(__name__)

TOOL_SPECS: list[tuple[str, Callable[[ToolContext, Any], BaseModel], type[BaseModel]]] = [
    ("search_offers", ct.search_offers, SearchOffersArgs),
    ("get_offer", ct.get_offer, GetOfferArgs),
    ("compare_offers", ct.compare_offers, CompareOffersArgs),
    ("estimate_requirements", ct.estimate_requirements, EstimateRequirementsArgs),
    ("forecast_cost", ct.forecast_cost, ForecastCostArgs),
    ("generate_terraform", ct.generate_terraform, GenerateTerraformArgs),
    ("search_knowledge", kt.search_knowledge, SearchKnowledgeArgs),
    ("book_offer", bt.book_offer, BookOfferArgs),
    ("list_bookings", bt.list_bookings, ListBookingsArgs),
    ("cancel_booking", bt.cancel_booking, CancelBookingArgs),
    ("spending_report", billt.spending_report, SpendingReportArgs),
    ("create_price_alert", at.create_price_alert, CreatePriceAlertArgs),
]


def run_tool_safely(
    name: str,
    fn: Callable[[ToolContext, Any], BaseModel],
    ctx: ToolContext,
    args_model: type[BaseModel],
    kwargs: dict[str, Any],
) -> str:
    """The tool's JSON answer; timed (``gpubroker_assistant_tool_seconds``) and traced (``tool <name>``)."""
    started = time.perf_counter()
    outcome = "error"
    try:
        with tracing.span(f"tool {name}", {"gen_ai.tool.name": name}) as current_span:
            answer = _answer(name, fn, ctx, args_model, kwargs)
            outcome = "error" if answer.startswith('{"error"') else "ok"
            if current_span is not None:
                current_span.set_attribute("gpubroker.tool.outcome", outcome)
            return answer
    except GraphBubbleUp:
        outcome = "ok"  # waiting for the user's approval is the tool working as meant
        raise
    finally:
        metrics.ASSISTANT_TOOL.labels(name, outcome).observe(time.perf_counter() - started)


def _answer(
    name: str,
    fn: Callable[[ToolContext, Any], BaseModel],
    ctx: ToolContext,
    args_model: type[BaseModel],
    kwargs: dict[str, Any],
) -> str:
    try:
        result = fn(ctx, args_model(**kwargs))
        return result.model_dump_json()
    except GraphBubbleUp:
        # An interrupt (a tool waiting for the user's approval) pauses the graph; it is not a failure.
        raise
    except AppError as exc:
        return json.dumps({"error": exc.message, "code": exc.code})
    except ValueError as exc:  # pydantic validation of the arguments
        return json.dumps({"error": f"invalid arguments: {exc}", "code": "invalid_arguments"})
    except Exception as exc:
        log.exception("tool %s failed", name)
        return json.dumps({"error": f"{name} failed: {type(exc).__name__}", "code": "tool_failed"})


def make_tools(ctx: ToolContext) -> list[BaseTool]:
    tools: list[BaseTool] = []
    for name, fn, args_model in TOOL_SPECS:

        def call(_name: str = name, _fn: Any = fn, _model: Any = args_model, **kwargs: Any) -> str:
            return run_tool_safely(_name, _fn, ctx, _model, kwargs)

        tools.append(
            StructuredTool.from_function(
                func=call,
                name=name,
                description=(fn.__doc__ or name).strip(),
                args_schema=args_model,
                infer_schema=False,
            )
        )
    return tools
