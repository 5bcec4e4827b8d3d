"""Found in review: each test failed before its fix. Money, authorization, crossed provider events and
bad input that used to be a 500 or a dead socket."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from catalog.models import Offer
from tests.booking.conftest import (
    Account,
    QuietProvisioner,
    create,
    detail,
    event_body,
    invite,
    post_event,
    submit,
)


@pytest.fixture
def raw(app: Any, client: TestClient) -> TestClient:
    """The same app, answering a 500 instead of raising it in the test."""
    return TestClient(app, raise_server_exceptions=False)


def turn(ws: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    while True:
        frame = ws.receive_json()
        out.append((frame["event"], frame["data"]))
        if frame["event"] == "end":
            return out


def signed_in(ws: Any, token: str) -> None:
    ws.send_json({"type": "auth", "access_token": token})
    assert ws.receive_json()["event"] == "ready"


def test_a_price_change_while_the_question_waits_books_nothing(
    client: TestClient, alice: Account, quiet: QuietProvisioner, factory: sessionmaker[Session]
) -> None:
    asked = client.post(
        "/ai/chat", json={"prompt": "book the cheapest H100 for 2 hours"}, headers=alice.headers
    )
    approval = asked.json()["approval"]
    approved = Decimal(str(approval["hourly_price"]))
    assert Decimal(str(approval["estimated_total"])) == (approved * 2).quantize(Decimal("0.01"))
    with factory() as session:  # a price sync lands before the user answers
        session.get(Offer, approval["offer_id"]).price_per_hour = float(approved * 10)  # type: ignore[union-attr]
        session.commit()
    done = client.post(
        "/ai/chat",
        json={"thread_id": asked.json()["thread_id"], "resume": {"approved": True}},
        headers=alice.headers,
    )
    body = done.json()
    assert body["booking"] is None and "price" in body["summary"] and "changed" in body["summary"]
    assert client.get("/bookings", headers=alice.headers).json()["items"] == []
    assert quiet.provisioned == []


def test_a_disabled_user_loses_an_open_socket_at_the_next_turn(
    client: TestClient, alice: Account, quiet: QuietProvisioner
) -> None:
    bob = invite(client, alice, "user")
    with client.websocket_connect("/ai/chat/ws") as ws:
        signed_in(ws, bob.access_token)
        assert (
            client.patch(f"/users/{bob.user_id}", json={"active": False}, headers=alice.headers).status_code
            == 200
        )
        ws.send_json({"type": "chat", "prompt": "book the cheapest H100 for 2 hours"})
        frame = ws.receive_json()
        assert frame["event"] == "error" and frame["data"]["code"] == "invalid_token"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008
    assert client.get("/bookings", headers=alice.headers).json()["items"] == []


def test_crossed_provider_events_still_record_the_run_and_its_times(
    client: TestClient, alice: Account, quiet: QuietProvisioner, offer_id: str
) -> None:
    booking = submit(client, alice, create(client, alice, offer_id)["id"])
    # Provider times fall between the submit and now (earlier or later ones are clamped to those).
    started = datetime.now(UTC)
    time.sleep(0.05)
    ended = datetime.now(UTC)
    running = event_body("instance.running", booking["provider_ref"], occurred_at=started.isoformat())
    terminated = event_body("instance.terminated", booking["provider_ref"], occurred_at=ended.isoformat())
    assert post_event(client, booking["provider_id"], terminated).status_code == 200  # the later one first
    assert detail(client, alice, booking["id"])["state"] == "cancelled"
    late = post_event(client, booking["provider_id"], running)
    assert late.status_code == 200 and late.json()["state"] == "completed"
    final = detail(client, alice, booking["id"])
    assert final["state"] == "completed"
    assert datetime.fromisoformat(final["activated_at"]) == started
    assert datetime.fromisoformat(final["ended_at"]) == ended
    assert [t["to_state"] for t in final["transitions"]][-1] == "completed"


def test_in_order_events_keep_the_providers_times(
    client: TestClient, alice: Account, quiet: QuietProvisioner, offer_id: str
) -> None:
    booking = submit(client, alice, create(client, alice, offer_id)["id"])
    started = datetime.now(UTC)
    time.sleep(0.05)
    r = post_event(
        client,
        booking["provider_id"],
        event_body("instance.running", booking["provider_ref"], occurred_at=started.isoformat()),
    )
    assert r.status_code == 200
    assert datetime.fromisoformat(detail(client, alice, booking["id"])["activated_at"]) == started
    # A time in the future is clamped to now: billing never runs ahead of the clock.
    later = datetime.now(UTC) + timedelta(days=3)
    post_event(
        client,
        booking["provider_id"],
        event_body("instance.terminated", booking["provider_ref"], occurred_at=later.isoformat()),
    )
    assert datetime.fromisoformat(detail(client, alice, booking["id"])["ended_at"]) <= datetime.now(UTC)


def test_socket_frames_that_used_to_kill_it_are_errors(client: TestClient, alice: Account) -> None:
    with client.websocket_connect("/ai/chat/ws") as ws:
        signed_in(ws, alice.access_token)
        ws.send_json({"type": "resume", "thread_id": "t", "approved": True, "resume": {"approved": True}})
        frame = ws.receive_json()
        assert frame["event"] == "error" and frame["data"]["details"] == [{"field": "resume"}]
        ws.send_bytes(b"\xff\xfe not utf-8")
        frame = ws.receive_json()
        assert frame["event"] == "error" and frame["data"]["details"] == [{"field": "frame"}]
        ws.send_bytes(b'{"type": "chat", "prompt": "cheapest L4"}')  # JSON in a binary frame is read
        assert turn(ws)[-1][0] == "end"


def test_inputs_that_were_500s_are_422s_naming_the_field(raw: TestClient, alice: Account) -> None:
    r = raw.post("/billing/run", params={"day": "9999-12-31"}, headers=alice.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "day"
    r = raw.post("/bookings", json={"offer_id": "abc\u0000def", "hours": 1}, headers=alice.headers)
    assert r.status_code == 422 and "offer_id" in str(r.json()["error"]["details"])
    r = raw.post("/ai/chat", json={"prompt": "hi", "thread_id": "abc\u0000"}, headers=alice.headers)
    assert r.status_code == 422 and "thread_id" in str(r.json()["error"]["details"])
    r = post_event(raw, "lambda", b"[]")
    assert r.status_code == 422 and all(d["field"] for d in r.json()["error"]["details"])


def test_a_langgraph_command_without_resume_is_a_422(
    raw: TestClient, alice: Account, quiet: QuietProvisioner
) -> None:
    thread = raw.post("/threads", json={}, headers=alice.headers).json()["thread_id"]
    first = raw.post(
        f"/threads/{thread}/runs/stream",
        json={
            "input": {"messages": [{"role": "user", "content": "book the cheapest H100 for 2 hours"}]},
            "stream_mode": ["updates"],
        },
        headers=alice.headers,
    )
    assert "__interrupt__" in first.text
    for command in ({"resume": None}, {}):
        r = raw.post(
            f"/threads/{thread}/runs/stream",
            json={"command": command, "stream_mode": ["updates"]},
            headers=alice.headers,
        )
        assert r.status_code == 422 and r.json()["error"]["details"] == [{"field": "command.resume"}]


def test_new_langgraph_input_declines_a_waiting_approval(
    client: TestClient, alice: Account, quiet: QuietProvisioner
) -> None:
    thread = client.post("/threads", json={}, headers=alice.headers).json()["thread_id"]
    ask = {"messages": [{"role": "user", "content": "book the cheapest H100 for 2 hours"}]}
    first = client.post(
        f"/threads/{thread}/runs/stream",
        json={"input": ask, "stream_mode": ["updates"]},
        headers=alice.headers,
    )
    assert "__interrupt__" in first.text
    other = {"messages": [{"role": "user", "content": "cheapest L4"}]}
    second = client.post(
        f"/threads/{thread}/runs/stream",
        json={"input": other, "stream_mode": ["updates"]},
        headers=alice.headers,
    )
    assert second.status_code == 200 and "event: error" not in second.text
    state = client.get(f"/threads/{thread}/state", headers=alice.headers).json()
    assert state["interrupts"] == [] and state["next"] == []
    texts = [m.get("content") for m in state["values"]["messages"] if m["type"] == "tool"]
    assert any("not approved" in str(t) for t in texts)
    assert client.get("/bookings", headers=alice.headers).json()["items"] == []
