"""The graph's nodes: ``plan`` (the model with tools bound) and ``respond`` (the structured result).

Routing is visible in :func:`route_after_plan`'s return type: tool calls go to ``tools``, a final
answer goes to ``respond``.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from agent.parser.lang import detect_language
from agent.planner import RELAX_WORDS
from agent.state import AgentState, ChatResult, Forecast, Iac, Recommendation
from core import metrics, tracing

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
MAX_PLAN_STEPS = 6


def system_prompt() -> str:
    return (PROMPTS / "system.md").read_text(encoding="utf-8")


def _turn(messages: list[BaseMessage]) -> list[BaseMessage]:
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
    return messages[last_human:]


def make_plan_node(
    model: BaseChatModel, tools: list[BaseTool], model_name: str = "offline"
) -> Callable[[AgentState], Awaitable[dict[str, Any]]]:
    """``model_name`` (the GPUBROKER_LLM spec) labels the model call's metric and span."""
    bound: Runnable[Any, BaseMessage] = model.bind_tools(tools)
    prompt = SystemMessage(system_prompt())
    llm_seconds = metrics.LLM_REQUEST.labels(model_name)

    async def plan(state: AgentState) -> dict[str, Any]:
        messages: list[BaseMessage] = list(state.get("messages", []))
        steps = sum(1 for m in _turn(messages) if isinstance(m, AIMessage))
        if steps >= MAX_PLAN_STEPS:
            return {
                "messages": [AIMessage(content="I stopped after too many steps; please narrow the request.")]
            }
        started = time.perf_counter()
        try:
            with tracing.span("llm.request", {"gen_ai.request.model": model_name}):
                reply = await bound.ainvoke([prompt, *messages])
        finally:
            llm_seconds.observe(time.perf_counter() - started)
        return {"messages": [reply]}

    return plan


def route_after_plan(state: AgentState) -> Literal["tools", "respond"]:
    last = state["messages"][-1]
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return "respond"


def _rec(o: dict[str, Any], reason: str) -> Recommendation:
    return Recommendation(
        provider_id=o["provider"],
        offer_id=o["id"],
        reason=reason,
        name=o["name"],
        price_per_hour=o["price_per_hour"],
        price_per_gpu_hour=o["price_per_gpu_hour"],
        gpu_count=o["gpu_count"],
        gpu_family=o["gpu_family"],
        region=o["region"],
        url=o["url"],
    )


def _marketplace_url(filters: dict[str, Any]) -> str:
    names = {
        "gpu_type": "gpu_type",
        "min_gpu_count": "gpu_count",
        "min_gpu_memory_gb": "gpu_memory_gb",
        "max_price_per_hour": "max_price",
        "max_price_per_gpu_hour": "max_price_per_gpu",
        "geo": "geo",
        "country": "country",
        "region": "region",
        "provider": "provider",
        "spot": "spot",
        "q": "q",
    }
    params = {
        names[k]: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items() if k in names
    }
    return "/?" + urllib.parse.urlencode(params)


def build_result(messages: list[BaseMessage]) -> ChatResult:
    """The structured answer from this turn's tool calls and the final message."""
    turn = _turn(messages)
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    result = ChatResult()
    language: str | None = None
    final = turn[-1] if turn and isinstance(turn[-1], AIMessage) else None
    for m in turn:
        if isinstance(m, AIMessage):
            for tc in m.tool_calls:
                calls[str(tc["id"])] = (tc["name"], dict(tc["args"]))
            result.intent = m.response_metadata.get("intent") or result.intent
            language = m.response_metadata.get("language")
        if not isinstance(m, ToolMessage) or m.tool_call_id not in calls:
            continue
        name, args = calls[m.tool_call_id]
        try:
            data = json.loads(str(m.content))
        except ValueError:
            continue
        if not isinstance(data, dict) or "error" in data:
            continue
        if name == "search_offers":
            result.searches.append(data.get("filters") or args)
            offers = data.get("offers") or []
            result.recommendations = [
                _rec(o, "cheapest match" if i == 0 else f"#{i + 1} by price") for i, o in enumerate(offers)
            ]
            result.nearest = [
                _rec(r["nearest"][0], f"nearest if you {RELAX_WORDS.get(r['drop'], 'drop ' + r['drop'])}")
                for r in data.get("relaxations", [])
            ]
            result.relax = [r["drop"] for r in data.get("relaxations", [])]
            result.marketplace_url = _marketplace_url(data.get("filters") or args)
        elif name == "compare_offers":
            gpus = [g for g in data.get("gpus", []) if g.get("cheapest")]
            result.recommendations = [_rec(g["cheapest"], f"cheapest {g['family']}") for g in gpus] + [
                _rec(o, "compared") for o in data.get("offers", [])
            ]
        elif name == "forecast_cost":
            result.forecast = Forecast(**{k: data[k] for k in Forecast.model_fields if k in data})
        elif name == "generate_terraform":
            result.iac = Iac(
                terraform=data["terraform"],
                provider=data["provider"],
                template=data["template"],
                notes=data.get("notes", []),
            )
        elif name == "get_offer":
            result.recommendations = [_rec(data, "the offer you pointed at")]
        elif name == "search_knowledge":
            result.sources = [
                {"title": p["title"], "source_title": p["source_title"], "url": p["source_url"]}
                for p in data.get("passages") or []
            ]
        elif name == "estimate_requirements":
            result.requirement = data
        elif name in ("book_offer", "cancel_booking"):
            result.booking = data.get("booking")
        elif name == "list_bookings":
            result.bookings = list(data.get("bookings") or [])
        elif name == "spending_report":
            result.spending = data
    if result.booking is not None:
        # A booking turn searched only to pick the offer; the booking is the answer, not a list.
        result.recommendations, result.nearest, result.relax, result.marketplace_url = [], [], [], None
    if final is not None:
        result.summary = (
            final.text if hasattr(final, "text") and isinstance(final.text, str) else str(final.content)
        )
    first = next((m for m in turn if isinstance(m, HumanMessage)), None)
    if language:
        result.language = str(language)
    elif first is not None:
        # A model that does not say which language it answered in: the user's message tells.
        result.language = detect_language(str(first.content)) or result.language
    if result.intent is None:
        names = {n for n, _ in calls.values()}
        result.intent = (
            "book"
            if "book_offer" in names
            else "cancel"
            if "cancel_booking" in names
            else "bookings"
            if "list_bookings" in names
            else "spending"
            if "spending_report" in names
            else "compare"
            if "compare_offers" in names
            else "terraform"
            if "generate_terraform" in names and "search_offers" not in names
            else "explain"
            if "search_knowledge" in names
            else "recommend"
            if "search_offers" in names
            else "forecast"
            if "forecast_cost" in names
            else "explain"
        )
    return result


async def respond(state: AgentState) -> dict[str, Any]:
    return {"result": build_result(list(state.get("messages", []))).model_dump()}
