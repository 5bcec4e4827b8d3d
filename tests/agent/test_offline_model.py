"""The offline planner model behaves like a tool-calling chat model, streaming included."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy.orm import Session, sessionmaker

from agent.offline import OfflinePlannerModel
from agent.service import Assistant
from core.settings import Settings
from tests.support import run_async
from tools.context import ToolContext
from tools.registry import make_tools


def test_bind_tools_and_tool_call_then_answer(factory: sessionmaker[Session], settings: Settings) -> None:
    tools = make_tools(ToolContext(factory, settings))
    model = OfflinePlannerModel().bind_tools(tools)
    first = model.invoke([HumanMessage("2x L40S in Europe")])
    assert isinstance(first, AIMessage)
    call = first.tool_calls[0]
    assert (
        call["name"] == "search_offers" and call["args"]["gpu_type"] == "L40S" and call["args"]["geo"] == "eu"
    )
    result = tools[0].invoke(call["args"])
    answer = model.invoke(
        [HumanMessage("2x L40S in Europe"), first, ToolMessage(result, tool_call_id=call["id"])]
    )
    assert not answer.tool_calls and "L40S" in str(answer.content)


def test_streaming_yields_tool_call_chunks_and_text_chunks() -> None:
    model = OfflinePlannerModel()
    chunks = list(model.stream([HumanMessage("8x H100 in the US")]))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0]
    for c in chunks[1:]:
        merged = merged + c
    assert merged.tool_calls and merged.tool_calls[0]["name"] == "search_offers"
    payload = json.dumps({"total": 0, "offers": [], "filters": {}, "relaxations": []})
    text_chunks = list(
        model.stream(
            [
                HumanMessage("8x H100 in the US"),
                AIMessage("", tool_calls=merged.tool_calls),
                ToolMessage(payload, tool_call_id=merged.tool_calls[0]["id"]),
            ]
        )
    )
    assert len(text_chunks) > 2 and "".join(str(c.content) for c in text_chunks).startswith(
        "No offer matches"
    )


def test_a_failing_tool_does_not_end_the_run(
    factory: sessionmaker[Session], settings: Settings, monkeypatch: Any
) -> None:
    import tools.catalog_tools as ct

    def broken(ctx: Any, args: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(ct, "forecast_cost", broken)
    from tools import registry

    monkeypatch.setattr(
        registry,
        "TOOL_SPECS",
        [(n, broken if n == "forecast_cost" else f, a) for n, f, a in registry.TOOL_SPECS],
    )
    assistant = Assistant(factory, settings, checkpointer=InMemorySaver())
    result = run_async(assistant.run("cheapest H100 for 10 hours", "t-broken"))
    assert result.recommendations and result.forecast is None
    assert "could not price it" in result.summary and "forecast_cost failed" in result.summary


def test_the_user_messages_are_read_once_per_turn_and_kept_apart_by_their_ids() -> None:
    """The planner is asked again after each tool call with the same user messages: they are read once, under
    their ids, and every caller gets its own copy (the request is mutable); equal words in another message
    (another id) are read again, and messages without ids every time."""
    from agent.offline import _understood, understood
    from agent.planner import understand

    texts = ["8x H100 in the US"]
    first = [HumanMessage(texts[0], id="m-1")]
    _understood.cache_clear()
    a = understood(first, texts)
    a.gpu_family, a.min_gpu_count = "changed by a caller", 1
    b = understood(first, texts)
    assert _understood.cache_info().hits == 1
    assert b == understand(texts) and b.gpu_family == "H100" and b.min_gpu_count == 8
    understood([HumanMessage(texts[0], id="m-2")], texts)
    understood([HumanMessage(texts[0])], texts)
    assert _understood.cache_info().hits == 1 and _understood.cache_info().misses == 2
    # Follow-ups: the thread's earlier message under its id plus the new one is a new key.
    two = [first[0], HumanMessage("make it spot", id="m-3")]
    assert understood(two, [texts[0], "make it spot"]) == understand([texts[0], "make it spot"])
    assert understood(two, [texts[0], "make it spot"]).spot is True
