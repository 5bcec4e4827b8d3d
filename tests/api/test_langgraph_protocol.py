"""The LangGraph server protocol subset, driven by LangGraph's own Python client (langgraph-sdk)
against the app served on a loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client

from core.settings import Settings
from tests.support import serve


@pytest.fixture(scope="module")
def base_url(settings: Settings, engine: Any) -> Iterator[str]:
    from api.app import create_app

    with serve(create_app(settings)) as url:
        yield url


def test_sdk_streams_a_run_on_a_thread(base_url: str) -> None:
    async def scenario() -> dict[str, Any]:
        client = get_client(url=base_url)
        thread = await client.threads.create(metadata={"who": "test"})
        created: list[Any] = []
        parts = [
            part
            async for part in client.runs.stream(
                thread["thread_id"],
                "gpubroker",
                input={"messages": [{"role": "user", "content": "cheapest 8x H100 in the US for a week"}]},
                stream_mode=["updates", "messages-tuple"],
                on_run_created=created.append,
            )
        ]
        state = await client.threads.get_state(thread["thread_id"])
        return {"thread": thread, "parts": parts, "state": state, "created": created}

    out = asyncio.run(scenario())
    parts = out["parts"]
    assert parts[0].event == "metadata"
    assert parts[0].data["thread_id"] == out["thread"]["thread_id"]
    assert out["created"] and out["created"][0]["run_id"] == parts[0].data["run_id"]
    kinds = {p.event for p in parts}
    assert {"updates", "messages"} <= kinds
    chunk, meta = next(p.data for p in parts if p.event == "messages")
    assert chunk["type"] in ("AIMessageChunk", "ai") and meta["langgraph_node"] == "plan"
    nodes = [next(iter(p.data)) for p in parts if p.event == "updates"]
    assert nodes[0] == "plan" and "tools" in nodes and nodes[-1] == "respond"
    result = next(p.data["respond"]["result"] for p in parts if p.event == "updates" and "respond" in p.data)
    assert result["recommendations"] and result["forecast"]["hours"] == 168
    messages = out["state"]["values"]["messages"]
    assert messages[0]["type"] == "human" and messages[-1]["type"] == "ai"


def test_sdk_stateless_run_with_values(base_url: str) -> None:
    async def scenario() -> list[Any]:
        client = get_client(url=base_url)
        return [
            part
            async for part in client.runs.stream(
                None,
                "gpubroker",
                input={"messages": [{"role": "user", "content": "L4 in europe"}]},
                stream_mode="values",
            )
        ]

    parts = asyncio.run(scenario())
    values = [p.data for p in parts if p.event == "values"]
    assert values and values[-1]["result"]["recommendations"]


def test_protocol_errors_are_4xx(base_url: str) -> None:
    import httpx

    with httpx.Client(base_url=base_url) as http:
        assert http.get("/info").status_code == 200
        assert http.get("/threads/nope/state").status_code == 404
        r = http.post("/runs/stream", json={"assistant_id": "gpubroker", "input": {"messages": []}})
        assert r.status_code == 422 and "input.messages" in r.json()["error"]["message"]
        r = http.post(
            "/runs/stream",
            json={"assistant_id": "other", "input": {"messages": [{"role": "user", "content": "x"}]}},
        )
        assert r.status_code == 422 and "assistant_id" in r.json()["error"]["message"]
        r = http.post(
            "/runs/stream",
            json={
                "assistant_id": "gpubroker",
                "stream_mode": "debug",
                "input": {"messages": [{"role": "user", "content": "x"}]},
            },
        )
        assert r.status_code == 422 and "stream_mode" in r.json()["error"]["message"]
        tid = http.post("/threads", json={}).json()["thread_id"]
        assert http.post("/threads", json={"thread_id": tid}).status_code == 409
        assert http.post("/threads", json={"thread_id": tid, "if_exists": "do_nothing"}).status_code == 200
