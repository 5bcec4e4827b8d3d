"""The ``openai:<model>`` path: ChatOpenAI against a local OpenAI-compatible server that speaks the
real wire format (chat.completions with tool_calls, streamed ``chat.completion.chunk`` deltas and
``data: [DONE]``), driving the same graph and tools as the offline model."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.service import Assistant
from core.settings import Settings
from tests.support import run_async, serve

SEEN: list[dict[str, Any]] = []


def _plan(body: dict[str, Any]) -> dict[str, Any]:
    """A scripted model: search first, then answer from the tool result it was given. Asked to book,
    it books the cheapest offer found for 6 hours and then reports what book_offer returned."""
    tool_results = [m for m in body["messages"] if m["role"] == "tool"]
    user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    if "book" in str(user) and tool_results:
        found = json.loads(tool_results[-1]["content"])
        if "offers" in found:
            return {
                "tool_calls": [
                    {
                        "id": "call_book1",
                        "name": "book_offer",
                        "arguments": json.dumps({"offer_id": found["offers"][0]["id"], "hours": 6}),
                    }
                ]
            }
        return {"content": f"Booking result: {found['status']}."}
    if not tool_results:
        return {
            "tool_calls": [
                {
                    "id": "call_abc123",
                    "name": "search_offers",
                    "arguments": json.dumps({"gpu_type": "H100", "geo": "eu", "min_gpu_count": 8}),
                }
            ]
        }
    found = json.loads(tool_results[-1]["content"])
    cheapest = found["offers"][0]
    return {"content": f"The cheapest is {cheapest['provider']} at ${cheapest['price_per_hour']:.2f}/h."}


async def completions(request: Request) -> Response:
    body = await request.json()
    SEEN.append(body)
    plan = _plan(body)
    created = int(time.time())
    if not body.get("stream"):
        message: dict[str, Any] = {"role": "assistant", "content": plan.get("content")}
        if "tool_calls" in plan:
            message["tool_calls"] = [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": c["arguments"]},
                }
                for c in plan["tool_calls"]
            ]
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": created,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if "tool_calls" in plan else "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    async def chunks() -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            payload = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": created,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(payload)}\n\n".encode()

        yield chunk({"role": "assistant", "content": None if "tool_calls" in plan else ""})
        if "tool_calls" in plan:
            for i, c in enumerate(plan["tool_calls"]):
                yield chunk(
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": c["id"],
                                "type": "function",
                                "function": {"name": c["name"], "arguments": ""},
                            }
                        ]
                    }
                )
                args = c["arguments"]
                for part in (args[: len(args) // 2], args[len(args) // 2 :]):
                    yield chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
            yield chunk({}, "tool_calls")
        else:
            for word in plan["content"].split(" "):
                yield chunk({"content": word + " "})
            yield chunk({}, "stop")
        yield b"data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[str]:
    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
    with serve(app) as url:
        yield f"{url}/v1"


def test_graph_runs_on_an_openai_compatible_server(
    fake_openai: str, factory: sessionmaker[Session], settings: Settings
) -> None:
    SEEN.clear()
    s = settings.model_copy(update={"llm_base_url": fake_openai, "llm_api_key": "sk-test"})
    assistant = Assistant(factory, s, checkpointer=InMemorySaver(), model_spec="openai:gpt-test")

    async def run() -> list[tuple[str, Any]]:
        return [
            (mode, chunk)
            async for mode, chunk in assistant.stream(
                {"messages": [{"role": "user", "content": "8 H100s in Europe please"}]},
                "oa-1",
                ["messages", "updates"],
            )
        ]

    parts = run_async(run())
    # The request carried our tools in OpenAI's function format and streamed.
    first = SEEN[0]
    assert first["stream"] is True and first["model"] == "gpt-test"
    names = {t["function"]["name"] for t in first["tools"]}
    assert {"search_offers", "forecast_cost", "generate_terraform"} <= names
    assert first["messages"][0]["role"] == "system"
    # Streamed tool-call deltas became a tool call that the tool node ran.
    updates = [c for m, c in parts if m == "updates"]
    plan_msg = updates[0]["plan"]["messages"][0]
    assert (
        plan_msg.tool_calls[0]["name"] == "search_offers"
        and plan_msg.tool_calls[0]["args"]["min_gpu_count"] == 8
    )
    second = SEEN[1]
    tool_msg = next(m for m in second["messages"] if m["role"] == "tool")
    assert tool_msg["tool_call_id"] == "call_abc123" and json.loads(tool_msg["content"])["total"] > 0
    # Text tokens streamed, and the structured result has the offers the tool found.
    tokens = [
        c[0].content
        for m, c in parts
        if m == "messages" and c[1].get("langgraph_node") == "plan" and c[0].content
    ]
    assert len(tokens) > 3
    result = updates[-1]["respond"]["result"]
    assert result["recommendations"] and result["summary"].startswith("The cheapest is")
    assert all(r["gpu_count"] >= 8 for r in result["recommendations"])


def test_an_llm_booking_waits_for_approval_and_books_once(
    fake_openai: str,
    factory: sessionmaker[Session],
    settings: Settings,
    client: Any,
    auth_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import booking.service
    from accounts.audit import Source
    from accounts.service import Ctx, authenticate
    from booking.models import Booking
    from tools.context import Caller

    provisioned: list[str] = []

    class Provider:
        """The provider's side is not what this test is about: it accepts and stays quiet."""

        def provision(self, b: Booking) -> str:
            provisioned.append(b.id)
            return f"llm-{b.id}"

        def stop(self, b: Booking) -> None:
            raise AssertionError("nothing is stopped here")

    monkeypatch.setattr(booking.service, "provisioner_for", lambda provider_id, settings: Provider())
    with factory() as session:
        principal = authenticate(session, settings, auth_headers["Authorization"].split(" ", 1)[1])
    caller = Caller(principal=principal, ctx=Ctx(settings=settings, source=Source()))
    SEEN.clear()
    s = settings.model_copy(update={"llm_base_url": fake_openai, "llm_api_key": "sk-test"})
    assistant = Assistant(factory, s, checkpointer=InMemorySaver(), model_spec="openai:gpt-test")

    seen_before_resume: list[int] = []

    async def scenario() -> tuple[Any, Any]:
        # One event loop for both turns: the OpenAI client keeps its connection pool on it.
        asked = await assistant.run("please book 8 H100s in Europe", "oa-book", caller=caller)
        seen_before_resume.append(len(SEEN))
        booked_before = list(provisioned)
        done = await assistant.run(None, "oa-book", resume={"approved": True}, caller=caller)
        return (asked, booked_before), done

    (asked, booked_before), done = run_async(scenario())
    assert asked.approval and asked.approval["action"] == "book_offer" and asked.approval["hours"] == 6
    assert booked_before == [], "nothing is booked before the user approves"
    calls_before = seen_before_resume[0]

    assert done.booking and done.booking["hours"] == 6 and done.booking["state"] == "pending_provision"
    assert provisioned == [done.booking["id"]]
    assert done.summary.startswith("Booking result: submitted")
    # After the resume the model read book_offer's answer: one more call, with the tool message.
    tool_msgs = [m for m in SEEN[-1]["messages"] if m["role"] == "tool"]
    assert len(SEEN) == calls_before + 1 and tool_msgs[-1]["tool_call_id"] == "call_book1"
    assert json.loads(tool_msgs[-1]["content"])["status"] == "submitted"
