"""The LangGraph server protocol subset, driven by LangGraph's own Python client (langgraph-sdk)
against the app served on a loopback port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client

from core.settings import Settings
from tests.support import run_async, serve


@pytest.fixture(scope="module")
def base_url(settings: Settings, engine: Any) -> Iterator[str]:
    from api.app import create_app

    with serve(create_app(settings)) as url:
        yield url


def sign_up(base_url: str) -> dict[str, str]:
    """A new user of a new team on the served app; returns the SDK's ``headers``."""
    import httpx

    email = f"sdk-{uuid.uuid4().hex[:12]}@example.com"
    r = httpx.post(
        f"{base_url}/auth/register", json={"email": email, "password": "correct horse battery staple"}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
def headers(base_url: str) -> dict[str, str]:
    return sign_up(base_url)


def test_sdk_streams_a_run_on_a_thread(base_url: str, headers: dict[str, str]) -> None:
    async def scenario() -> dict[str, Any]:
        client = get_client(url=base_url, headers=headers)
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

    out = run_async(scenario())
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


def test_sdk_stateless_run_with_values(base_url: str, headers: dict[str, str]) -> None:
    async def scenario() -> list[Any]:
        client = get_client(url=base_url, headers=headers)
        return [
            part
            async for part in client.runs.stream(
                None,
                "gpubroker",
                input={"messages": [{"role": "user", "content": "L4 in europe"}]},
                stream_mode="values",
            )
        ]

    parts = run_async(scenario())
    values = [p.data for p in parts if p.event == "values"]
    assert values and values[-1]["result"]["recommendations"]


def test_protocol_errors_are_4xx(base_url: str, headers: dict[str, str]) -> None:
    import httpx

    with httpx.Client(base_url=base_url, headers=headers) as http:
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
                "stream_mode": "tools",
                "input": {"messages": [{"role": "user", "content": "x"}]},
            },
        )
        assert r.status_code == 422 and "stream_mode" in r.json()["error"]["message"]
        tid = http.post("/threads", json={}).json()["thread_id"]
        assert http.post("/threads", json={"thread_id": tid}).status_code == 409
        assert http.post("/threads", json={"thread_id": tid, "if_exists": "do_nothing"}).status_code == 200


def test_threads_and_runs_need_a_login_and_stay_in_their_team(base_url: str, headers: dict[str, str]) -> None:
    import httpx

    run = {"assistant_id": "gpubroker", "input": {"messages": [{"role": "user", "content": "L4 in europe"}]}}
    with httpx.Client(base_url=base_url) as anonymous:
        assert anonymous.get("/info").status_code == 200
        for method, path, body in [
            ("POST", "/threads", {}),
            ("GET", "/threads/any", None),
            ("GET", "/threads/any/state", None),
            ("POST", "/threads/any/runs/stream", run),
            ("POST", "/runs/stream", run),
        ]:
            r = anonymous.request(method, path, json=body)
            assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated", (path, r.text)
    with httpx.Client(base_url=base_url, headers=headers) as mine:
        tid = mine.post("/threads", json={}).json()["thread_id"]
        assert mine.get(f"/threads/{tid}").status_code == 200
    with httpx.Client(base_url=base_url, headers=sign_up(base_url)) as theirs:
        assert theirs.get(f"/threads/{tid}").status_code == 404
        assert theirs.get(f"/threads/{tid}/state").status_code == 404
        assert theirs.post(f"/threads/{tid}/runs/stream", json=run).status_code == 404
        # Claiming the id does not hand the thread over either.
        r = theirs.post("/threads", json={"thread_id": tid, "if_exists": "do_nothing"})
        assert r.status_code == 409
