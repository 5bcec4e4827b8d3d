"""LangGraph's Python client (langgraph-sdk) driving the whole protocol a chat front-end uses, with a team
API key: assistants, threads, runs and their stream modes, background runs, cancellation, multitask
strategies, resumable streams, and a run joined and cancelled from a second API replica."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from core.settings import Settings
from tests.api.lg_support import Team, new_team, served
from tests.conftest import REDIS_URL
from tests.support import run_async

ASK = {"messages": [{"role": "user", "content": "cheapest 8x H100 in the US for a week"}]}
BOOK = {"messages": [{"role": "user", "content": "book the cheapest H100 for 2 hours"}]}


@pytest.fixture(scope="module")
def app_url(settings: Settings, engine: Any) -> Iterator[str]:
    with served(settings) as (url, _app):
        yield url


@pytest.fixture(scope="module")
def slow_url(settings: Settings, engine: Any) -> Iterator[str]:
    with served(settings, slow=0.15) as (url, _app):
        yield url


@pytest.fixture(scope="module")
def team(app_url: str) -> Team:
    return new_team(app_url)


def client(url: str, team: Team) -> Any:
    return get_client(url=url, api_key=team.key())


def wait_status(http: httpx.Client, path: str, wanted: set[str], timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(path).json()
        if body.get("status") in wanted or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.1)


def test_assistants_are_found_by_graph_and_describe_the_graph(app_url: str, team: Team) -> None:
    async def scenario() -> dict[str, Any]:
        c = client(app_url, team)
        found = await c.assistants.search(graph_id="gpubroker")
        by_uuid = await c.assistants.get(found[0]["assistant_id"])
        by_name = await c.assistants.get("gpubroker")
        graph = await c.assistants.get_graph("gpubroker")
        schemas = await c.assistants.get_schemas("gpubroker")
        none = await c.assistants.search(graph_id="other")
        return {
            "found": found,
            "uuid": by_uuid,
            "name": by_name,
            "graph": graph,
            "schemas": schemas,
            "none": none,
        }

    out = run_async(scenario())
    assert len(out["found"]) == 1 and out["found"][0]["graph_id"] == "gpubroker"
    assert out["uuid"] == out["name"] == out["found"][0]
    assert {"plan", "tools", "respond"} <= {n["id"] for n in out["graph"]["nodes"]}
    assert "messages" in out["schemas"]["input_schema"]["properties"]
    assert out["none"] == []
    with httpx.Client(base_url=app_url, headers={"X-Api-Key": team.key()}) as http:
        r = http.post("/assistants", json={"graph_id": "gpubroker"})
        assert r.status_code == 501 and r.json()["error"]["code"] == "not_implemented"
        assert http.post("/runs/crons", json={}).status_code == 501
        assert http.get("/assistants/nope").status_code == 404


def test_threads_search_patch_copy_count_state_history_delete(app_url: str, team: Team) -> None:
    tag = uuid.uuid4().hex

    async def scenario() -> dict[str, Any]:
        c = client(app_url, team)
        threads = [await c.threads.create(metadata={"tag": tag, "n": i}) for i in range(3)]
        first = threads[0]["thread_id"]
        await c.runs.wait(first, "gpubroker", input=ASK)
        out: dict[str, Any] = {"ids": [t["thread_id"] for t in threads]}
        out["page1"] = await c.threads.search(metadata={"tag": tag}, limit=2, offset=0)
        out["page2"] = await c.threads.search(metadata={"tag": tag}, limit=2, offset=2)
        out["graph"] = await c.threads.search(metadata={"tag": tag, "graph_id": "gpubroker"})
        out["idle"] = await c.threads.search(metadata={"tag": tag}, status="idle")
        out["count"] = await c.threads.count(metadata={"tag": tag})
        out["patched"] = await c.threads.update(first, metadata={"title": "H100 week"})
        out["got"] = await c.threads.get(first)
        out["state"] = await c.threads.get_state(first)
        out["history"] = await c.threads.get_history(first, limit=3)
        older = out["history"][-1]["checkpoint"]["checkpoint_id"]
        out["at"] = await c.threads.get_state(first, checkpoint_id=older)
        out["copy"] = await c.threads.copy(first)
        out["copy_state"] = await c.threads.get_state(out["copy"]["thread_id"])
        out["updated"] = await c.threads.update_state(
            threads[1]["thread_id"], {"messages": [{"role": "user", "content": "a note"}]}, as_node="respond"
        )
        out["note"] = await c.threads.get_state(threads[1]["thread_id"])
        await c.threads.delete(threads[2]["thread_id"])
        out["after_delete"] = await c.threads.count(metadata={"tag": tag})
        return out

    out = run_async(scenario())
    assert [t["metadata"]["n"] for t in out["page1"] + out["page2"]] == [2, 1, 0]  # newest first, paged
    assert [t["thread_id"] for t in out["graph"]] == [
        out["ids"][0]
    ]  # a run stamps graph_id, as LangGraph does
    assert out["count"] == 3 and out["after_delete"] == 3  # the copy keeps the metadata; one was deleted
    assert out["patched"]["metadata"] == {
        "tag": tag,
        "n": 0,
        "graph_id": "gpubroker",
        "assistant_id": "gpubroker",
        "title": "H100 week",
    }
    got = out["got"]
    assert got["status"] == "idle" and got["values"]["messages"][-1]["type"] == "ai"
    assert got["values"]["result"]["recommendations"]
    assert out["state"]["values"]["messages"] == got["values"]["messages"]
    history = out["history"]
    assert len(history) == 3 and history[0]["checkpoint"] == out["state"]["checkpoint"]
    assert history[0]["created_at"] > history[-1]["created_at"]
    assert len(out["at"]["values"].get("messages", [])) < len(got["values"]["messages"])
    assert out["copy"]["thread_id"] not in out["ids"] and out["copy"]["status"] == "idle"
    assert out["copy_state"]["values"]["messages"] == got["values"]["messages"]
    assert out["updated"]["checkpoint"]["checkpoint_id"]
    assert out["note"]["values"]["messages"][-1]["content"] == "a note"
    with httpx.Client(base_url=app_url, headers=team.headers) as http:
        assert http.get(f"/threads/{out['ids'][2]}").status_code == 404
        r = http.post("/threads/search", json={"metadata": {"tag": tag}, "limit": 1})
        assert r.headers["X-Pagination-Total"] == "3" and r.headers["X-Pagination-Next"] == "1"


def test_every_stream_mode_and_custom_tool_progress(app_url: str, team: Team) -> None:
    modes = ["values", "updates", "messages-tuple", "messages", "custom", "events", "debug"]

    async def scenario() -> list[Any]:
        c = client(app_url, team)
        thread = await c.threads.create()
        return [
            p async for p in c.runs.stream(thread["thread_id"], "gpubroker", input=ASK, stream_mode=modes)
        ]

    parts = run_async(scenario())
    events = [p.event for p in parts]
    assert events[0] == "metadata"
    assert {
        "values",
        "updates",
        "messages",
        "custom",
        "events",
        "debug",
        "messages/partial",
        "messages/complete",
    } <= set(events)
    progress = [p.data for p in parts if p.event == "custom"]
    assert progress[0]["type"] == "progress" and progress[0]["tool"] == "search_offers"
    assert progress[0]["message"].startswith("found ") and progress[0]["message"].endswith(" matching offers")
    tuples = [p.data for p in parts if p.event == "messages"]
    assert any(
        chunk["type"] == "AIMessageChunk" and meta["langgraph_node"] == "plan" for chunk, meta in tuples
    )
    assert {e["event"] for e in (p.data for p in parts if p.event == "events")} >= {
        "on_chain_start",
        "on_chat_model_stream",
    }
    assert {d["type"] for d in (p.data for p in parts if p.event == "debug")} >= {"checkpoint", "task_result"}


@pytest.mark.parametrize(
    ("prompt", "tool", "said"),
    [
        ("L40S or A100 for serving llama 3 8b", "compare_offers", "compared "),
        ("what will 8x H100 cost for a week", "forecast_cost", "forecast 168 h"),
        ("terraform for the cheapest A100", "generate_terraform", "wrote Terraform for "),
    ],
)
def test_other_tools_report_their_progress(
    app_url: str, team: Team, prompt: str, tool: str, said: str
) -> None:
    async def scenario() -> list[Any]:
        c = client(app_url, team)
        thread = await c.threads.create()
        ask = {"messages": [{"role": "user", "content": prompt}]}
        return [
            p async for p in c.runs.stream(thread["thread_id"], "gpubroker", input=ask, stream_mode="custom")
        ]

    progress = [p.data for p in run_async(scenario()) if p.event == "custom"]
    assert any(p["tool"] == tool and p["message"].startswith(said) for p in progress), progress


def test_background_runs_are_listed_joined_and_waited_for(app_url: str, team: Team) -> None:
    async def scenario() -> dict[str, Any]:
        c = client(app_url, team)
        thread = await c.threads.create()
        tid = thread["thread_id"]
        run = await c.runs.create(tid, "gpubroker", input=ASK, metadata={"source": "test"})
        joined = await c.runs.join(tid, run["run_id"])
        got = await c.runs.get(tid, run["run_id"])
        waited = await c.runs.wait(tid, "gpubroker", input=ASK)
        listed = await c.runs.list(tid)
        stateless = await c.runs.wait(None, "gpubroker", input=ASK)
        return {
            "run": run,
            "joined": joined,
            "got": got,
            "waited": waited,
            "listed": listed,
            "stateless": stateless,
        }

    out = run_async(scenario())
    assert out["run"]["status"] == "pending" and out["run"]["metadata"] == {"source": "test"}
    assert out["joined"]["result"]["recommendations"] and out["got"]["status"] == "success"
    assert out["waited"]["result"]["recommendations"]
    assert [r["run_id"] for r in out["listed"]][-1] == out["run"]["run_id"] and len(out["listed"]) == 2
    assert all(r["status"] == "success" for r in out["listed"])
    assert out["stateless"]["result"]["recommendations"]


def test_an_interrupted_thread_says_so_and_resumes(app_url: str, team: Team) -> None:
    async def scenario() -> dict[str, Any]:
        c = client(app_url, team)
        tid = (await c.threads.create())["thread_id"]
        paused = await c.runs.wait(tid, "gpubroker", input=BOOK)
        asked = await c.threads.get(tid)
        listed = await c.threads.search(status="interrupted", limit=100)
        declined = await c.runs.wait(tid, "gpubroker", command={"resume": {"approved": False}})
        after = await c.threads.get(tid)
        return {
            "paused": paused,
            "asked": asked,
            "listed": listed,
            "declined": declined,
            "after": after,
            "tid": tid,
        }

    out = run_async(scenario())
    assert out["paused"]["__interrupt__"][0]["value"]["action"] == "book_offer"
    asked = out["asked"]
    assert asked["status"] == "interrupted" and asked["values"]["messages"][0]["type"] == "human"
    (pending,) = asked["interrupts"].values()
    assert pending[0]["value"]["hours"] == 2
    assert out["tid"] in [t["thread_id"] for t in out["listed"]]
    assert out["after"]["status"] == "idle" and not out["after"]["interrupts"]


def test_cancel_and_multitask_strategies(slow_url: str) -> None:
    team = new_team(slow_url)
    key = team.key()

    async def scenario() -> dict[str, Any]:
        c = get_client(url=slow_url, api_key=key)
        tid = (await c.threads.create())["thread_id"]
        out: dict[str, Any] = {"tid": tid}
        first = await c.runs.create(tid, "gpubroker", input=ASK)
        try:
            await c.runs.create(tid, "gpubroker", input=ASK)
        except httpx.HTTPStatusError as exc:
            out["reject"] = (exc.response.status_code, exc.response.json()["error"]["code"])
        queued = await c.runs.create(tid, "gpubroker", input=ASK, multitask_strategy="enqueue")
        out["queued_at_start"] = (await c.runs.get(tid, queued["run_id"]))["status"]
        await c.runs.cancel(tid, first["run_id"], wait=True)
        out["first"] = await c.runs.get(tid, first["run_id"])
        await c.runs.join(tid, queued["run_id"])
        out["queued"] = await c.runs.get(tid, queued["run_id"])
        before = await c.threads.get_state(tid)
        doomed = await c.runs.create(
            tid, "gpubroker", input={"messages": [{"role": "user", "content": "L4 in europe"}]}
        )
        winner = await c.runs.create(tid, "gpubroker", input=ASK, multitask_strategy="rollback")
        await c.runs.join(tid, winner["run_id"])
        out["doomed"] = [r["run_id"] for r in await c.runs.list(tid, limit=50)]
        out["doomed_id"] = doomed["run_id"]
        after = await c.threads.get_state(tid)
        out["before_n"] = len(before["values"]["messages"])
        out["after_contents"] = [m["content"] for m in after["values"]["messages"]]
        interrupted = await c.runs.create(tid, "gpubroker", input=ASK)
        successor = await c.runs.create(tid, "gpubroker", input=ASK, multitask_strategy="interrupt")
        await c.runs.join(tid, successor["run_id"])
        out["interrupted"] = (await c.runs.get(tid, interrupted["run_id"]))["status"]
        out["successor"] = (await c.runs.get(tid, successor["run_id"]))["status"]
        out["thread"] = await c.threads.get(tid)
        return out

    out = run_async(scenario())
    assert out["reject"] == (409, "thread_busy")
    assert out["queued_at_start"] == "pending"
    assert out["first"]["status"] == "interrupted" and out["queued"]["status"] == "success"
    assert out["doomed_id"] not in out["doomed"]  # a rolled-back run is deleted ...
    assert "L4 in europe" not in out["after_contents"]  # ... with what it wrote to the thread
    assert len(out["after_contents"]) > out["before_n"]
    assert out["interrupted"] == "interrupted" and out["successor"] == "success"
    assert out["thread"]["status"] == "idle"


def test_resumable_streams_rejoin_after_the_last_event_seen(slow_url: str) -> None:
    team = new_team(slow_url)
    key = team.key()

    async def scenario() -> dict[str, Any]:
        c = get_client(url=slow_url, api_key=key)
        tid = (await c.threads.create())["thread_id"]
        seen: list[Any] = []
        created: list[Any] = []
        async for part in c.runs.stream(
            tid,
            "gpubroker",
            input=ASK,
            stream_mode=["updates", "messages-tuple"],
            stream_resumable=True,
            on_run_created=created.append,
        ):
            seen.append(part)
            if len(seen) == 4:
                break  # the client goes away; the run goes on (on_disconnect defaults to continue)
        run_id = created[0]["run_id"]
        rest = [p async for p in c.runs.join_stream(tid, run_id, last_event_id=seen[-1].id)]
        replay = [p async for p in c.runs.join_stream(tid, run_id, last_event_id="-1", stream_mode="updates")]
        status = (await c.runs.get(tid, run_id))["status"]
        return {"seen": seen, "rest": rest, "replay": replay, "status": status}

    out = run_async(scenario())
    seen, rest = out["seen"], out["rest"]
    assert out["status"] == "success"
    ids = [p.id for p in seen + rest]
    assert all(ids) and len(set(ids)) == len(ids)  # nothing lost, nothing twice
    assert any(p.event == "updates" and "respond" in p.data for p in rest)
    assert {p.event for p in out["replay"]} == {"metadata", "updates"}
    assert len([p for p in out["replay"] if p.event == "updates"]) == len(
        [p for p in seen + rest if p.event == "updates"]
    )


def test_on_disconnect_cancel_stops_the_run(slow_url: str) -> None:
    team = new_team(slow_url)
    key = team.key()

    async def scenario() -> tuple[str, str]:
        c = get_client(url=slow_url, api_key=key)
        tid = (await c.threads.create())["thread_id"]
        created: list[Any] = []
        stream = c.runs.stream(
            tid,
            "gpubroker",
            input=ASK,
            stream_mode="messages-tuple",
            on_disconnect="cancel",
            on_run_created=created.append,
        )
        async for part in stream:
            if part.event == "messages":
                break
        # Hang up now, as a closed browser tab does. Leaving the stream to the garbage collector kept the
        # socket open until the run had ended on some runs: the test then saw "success".
        await stream.aclose()
        await c.aclose()
        return tid, created[0]["run_id"]

    tid, run_id = run_async(scenario())
    with httpx.Client(base_url=slow_url, headers={"X-Api-Key": key}) as http:
        run = wait_status(http, f"/threads/{tid}/runs/{run_id}", {"interrupted", "success", "error"})
        assert run["status"] == "interrupted"
        assert wait_status(http, f"/threads/{tid}", {"idle"})["status"] == "idle"


def test_a_run_is_joined_and_cancelled_from_another_replica(settings: Settings, engine: Any) -> None:
    """Two API replicas on one database and one Redis: the run goes on replica A, its stream is read and it
    is cancelled on replica B."""
    shared = settings.model_copy(update={"redis_url": REDIS_URL})
    with served(shared, slow=0.15) as (url_a, _a), served(shared) as (url_b, _b):
        team = new_team(url_a)
        key = team.key()

        async def scenario() -> dict[str, Any]:
            a = get_client(url=url_a, api_key=key)
            b = get_client(url=url_b, api_key=key)
            tid = (await a.threads.create())["thread_id"]
            run = await a.runs.create(tid, "gpubroker", input=ASK, stream_mode=["messages-tuple", "custom"])
            parts = []
            async for part in b.runs.join_stream(tid, run["run_id"], last_event_id="-1"):
                parts.append(part)
                if part.event == "custom":
                    break
            on_b = await b.runs.get(tid, run["run_id"])
            await b.runs.cancel(tid, run["run_id"], wait=True)
            return {
                "parts": parts,
                "on_b": on_b,
                "final": await a.runs.get(tid, run["run_id"]),
                "thread": await b.threads.get(tid),
            }

        out = run_async(scenario())
    assert out["parts"][0].event == "metadata" and out["parts"][-1].event == "custom"
    assert any(p.event == "messages" for p in out["parts"])
    assert out["on_b"]["status"] == "running"
    assert out["final"]["status"] == "interrupted" and out["thread"]["status"] == "idle"
