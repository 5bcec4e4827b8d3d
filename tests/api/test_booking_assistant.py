"""Booking through the assistant: the run pauses for the user's approval, and only an approval books.

The app is served on a loopback port because a booking goes through the sandbox provider over real
HTTP, and the provider's signed webhook comes back the same way.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from core.settings import Settings
from tests.support import run_async, serve_app

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def base_url(settings: Settings, engine: Any) -> Iterator[str]:
    with serve_app(settings) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    email = f"booker-{uuid.uuid4().hex[:12]}@example.com"
    with httpx.Client(base_url=base_url, timeout=60) as client:
        r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
        assert r.status_code == 201, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield client


def chat(http: httpx.Client, **body: Any) -> dict[str, Any]:
    r = http.post("/ai/chat", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def stream(http: httpx.Client, **body: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    with http.stream("POST", "/ai/chat/stream", json=body) as r:
        assert r.status_code == 200, r.read()
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.append((str(event), json.loads(line[6:])))
    return out


def bookings(http: httpx.Client) -> list[dict[str, Any]]:
    r = http.get("/bookings")
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def wait_for_state(http: httpx.Client, booking_id: str, state: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(f"/bookings/{booking_id}").json()
        if body["state"] == state or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.1)


def test_booking_waits_for_approval_then_books_once(http: httpx.Client) -> None:
    asked = chat(http, prompt="book the cheapest H100 for 2 hours")
    approval = asked["approval"]
    assert approval and approval["action"] == "book_offer" and asked["intent"] == "book"
    offer = http.get(f"/providers/{approval['offer_id']}").json()
    assert offer["gpu_family"] == "H100"
    assert approval["hours"] == 2
    assert approval["estimated_total"] == pytest.approx(offer["price_per_hour"] * 2, abs=0.01)
    assert "$" in asked["summary"] and "2 h" in asked["summary"]
    assert bookings(http) == [], "nothing is booked before the user approves"

    done = chat(http, thread_id=asked["thread_id"], resume={"approved": True})
    booking = done["booking"]
    assert booking["offer_id"] == offer["id"] and booking["hours"] == 2
    assert booking["state"] in ("pending_provision", "active")
    assert booking["id"] in done["summary"] and done["approval"] is None
    assert wait_for_state(http, booking["id"], "active")["state"] == "active"

    # Answering again books nothing more: nothing is waiting any more.
    again = http.post("/ai/chat", json={"thread_id": asked["thread_id"], "resume": {"approved": True}})
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_pending_approval"
    assert [b["id"] for b in bookings(http)] == [booking["id"]]


def test_an_approval_waits_across_a_restart_of_the_api(settings: Settings) -> None:
    """Checkpoints are written when a turn ends or pauses (``assistant_durability="exit"``): the question
    asked by one API process is answered in the next one, and the booking is made once."""
    with serve_app(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
        email = f"restart-{uuid.uuid4().hex[:12]}@example.com"
        r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
        assert r.status_code == 201, r.text
        token = r.json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        events = stream(client, prompt="book the cheapest H100 for 2 hours")
        asked = next(data for name, data in events if name == "approval_required")
        thread_id = next(data for name, data in events if name == "metadata")["thread_id"]
        assert bookings(client) == []
    # A new process: nothing of the first one's memory is left, only the database and its checkpoints.
    with serve_app(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        done = chat(client, thread_id=thread_id, resume={"approved": True})
        assert done["booking"]["offer_id"] == asked["offer_id"]
        assert [b["id"] for b in bookings(client)] == [done["booking"]["id"]]


def test_declining_books_nothing(http: httpx.Client) -> None:
    asked = chat(http, prompt="book the cheapest A100 for 3 hours")
    assert asked["approval"]["hours"] == 3
    declined = chat(http, thread_id=asked["thread_id"], resume={"approved": False})
    assert declined["booking"] is None and "Not booked" in declined["summary"]
    assert bookings(http) == []


def test_a_new_request_while_an_approval_waits_declines_it(http: httpx.Client) -> None:
    asked = chat(http, prompt="book the cheapest L4 for 5 hours")
    assert asked["approval"]
    moved_on = chat(http, thread_id=asked["thread_id"], prompt="cheapest 8x H100 in the US")
    assert moved_on["recommendations"] and moved_on["approval"] is None
    assert bookings(http) == []
    r = http.post("/ai/chat", json={"thread_id": asked["thread_id"], "resume": {"approved": True}})
    assert r.status_code == 409


def test_the_hours_are_asked_for_when_missing(http: httpx.Client) -> None:
    first = chat(http, prompt="book the cheapest H100")
    assert first["approval"] is None and "how many hours" in first["summary"].lower()
    second = chat(http, thread_id=first["thread_id"], prompt="for 4 hours")
    assert second["approval"] and second["approval"]["hours"] == 4


def test_streamed_booking_list_and_cancel(http: httpx.Client) -> None:
    evs = stream(http, prompt="book the cheapest H100 for 1 hour")
    names = [e for e, _ in evs]
    assert names[0] == "metadata" and names[-1] == "end" and "approval_required" in names
    assert "result" not in names, "a paused run has no result yet"
    thread_id = evs[0][1]["thread_id"]
    approval = next(d for e, d in evs if e == "approval_required")
    assert approval["id"] and approval["question"].startswith("Book ")

    evs = stream(http, thread_id=thread_id, resume={"approved": True})
    tool_ends = [d for e, d in evs if e == "tool_end"]
    assert [t["name"] for t in tool_ends] == ["book_offer"] and tool_ends[0]["ok"]
    result = next(d for e, d in evs if e == "result")
    booking_id = result["booking"]["id"]
    wait_for_state(http, booking_id, "active")

    listed = chat(http, thread_id=thread_id, prompt="show my bookings")
    assert [b["id"] for b in listed["bookings"]] == [booking_id] and listed["intent"] == "bookings"

    asked = chat(http, thread_id=thread_id, prompt=f"cancel booking {booking_id}")
    assert asked["approval"]["action"] == "cancel_booking" and asked["approval"]["booking_id"] == booking_id
    stopped = chat(http, thread_id=thread_id, resume={"approved": True})
    assert stopped["booking"]["id"] == booking_id
    assert wait_for_state(http, booking_id, "completed")["state"] == "completed"


def test_resume_needs_a_thread_and_not_a_prompt(http: httpx.Client) -> None:
    r = http.post("/ai/chat", json={"resume": {"approved": True}})
    assert r.status_code == 422 and "thread_id" in r.text
    r = http.post("/ai/chat", json={"prompt": "hi", "thread_id": "x", "resume": {"approved": True}})
    assert r.status_code == 422
    fresh = chat(http, prompt="cheapest L4")
    r = http.post("/ai/chat", json={"thread_id": fresh["thread_id"], "resume": {"approved": True}})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_pending_approval"


def test_langgraph_sdk_sees_the_interrupt_and_resumes_with_a_command(
    base_url: str, http: httpx.Client
) -> None:
    headers = {"Authorization": http.headers["Authorization"]}

    async def scenario() -> dict[str, Any]:
        client = get_client(url=base_url, headers=headers)
        thread = await client.threads.create()
        first = [
            p
            async for p in client.runs.stream(
                thread["thread_id"],
                "gpubroker",
                input={"messages": [{"role": "user", "content": "book the cheapest H100 for 2 hours"}]},
                stream_mode="updates",
            )
        ]
        state = await client.threads.get_state(thread["thread_id"])
        second = [
            p
            async for p in client.runs.stream(
                thread["thread_id"],
                "gpubroker",
                command={"resume": {"approved": True}},
                stream_mode="updates",
            )
        ]
        return {"first": first, "state": state, "second": second}

    out = run_async(scenario())
    interrupts = [
        p.data["__interrupt__"] for p in out["first"] if p.event == "updates" and "__interrupt__" in p.data
    ]
    assert interrupts and interrupts[0][0]["value"]["action"] == "book_offer" and interrupts[0][0]["id"]
    assert out["state"]["next"] == ["tools"]
    assert out["state"]["interrupts"][0]["value"]["hours"] == 2
    assert out["state"]["tasks"][0]["interrupts"][0]["id"] == interrupts[0][0]["id"]
    result = next(
        p.data["respond"]["result"] for p in out["second"] if p.event == "updates" and "respond" in p.data
    )
    assert result["booking"]["hours"] == 2
    assert len(bookings(http)) == 1


def test_without_a_signed_in_caller_the_tool_refuses(settings: Settings, factory: Any) -> None:
    """In-process runs (evals, scripts) have no caller: the booking tool says so and books nothing."""
    from langgraph.checkpoint.memory import InMemorySaver

    from agent.service import Assistant

    assistant = Assistant(factory, settings, checkpointer=InMemorySaver())
    result = run_async(assistant.run("book the cheapest H100 for 2 hours", str(uuid.uuid4())))
    assert result.approval is None and result.booking is None
    assert "could not book" in result.summary and "sign in" in result.summary


def test_signed_out_callers_are_401(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as anon:
        r = anon.post("/ai/chat", json={"prompt": "book the cheapest H100 for 2 hours"})
        assert r.status_code == 401


def test_spending_reports_running_bookings_and_metered_usage(http: httpx.Client) -> None:
    empty = chat(http, prompt="what did we spend this month?")
    assert empty["intent"] == "spending" and empty["spending"]["usage_usd"] == "0.00"
    assert empty["spending"]["running_now"] == 0 and "Running now" not in empty["summary"]

    asked = chat(http, prompt="book the cheapest L4 for 3 hours")
    booking = chat(http, thread_id=asked["thread_id"], resume={"approved": True})["booking"]
    wait_for_state(http, booking["id"], "active")
    report = chat(http, prompt="what did we spend this month?")["spending"]
    assert report["running_now"] == 1
    assert report["running_usd_per_hour"] == f"{booking['hourly_price']:.2f}"
    assert float(report["running_accrued_usd"]) >= 0
    assert "Running now: 1 at $" in report["summary"]
