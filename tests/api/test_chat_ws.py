"""The assistant over a WebSocket (/ai/chat/ws): sign-in, turns, approvals, and the plan's ws_limit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.accounts.conftest import register
from tests.support import platform_operator, set_team_limits


def receive_turn(ws: Any) -> list[tuple[str, Any]]:
    """Frames until the turn's ``end``."""
    out: list[tuple[str, Any]] = []
    while True:
        frame = ws.receive_json()
        out.append((frame["event"], frame["data"]))
        if frame["event"] == "end":
            return out


def signed_in(ws: Any, token: str) -> dict[str, Any]:
    ws.send_json({"type": "auth", "access_token": token})
    frame = ws.receive_json()
    assert frame["event"] == "ready", frame
    return dict(frame["data"])


def test_a_turn_streams_the_same_events_as_sse(client: TestClient) -> None:
    account = register(client)
    with client.websocket_connect("/ai/chat/ws") as ws:
        ready = signed_in(ws, account.access_token)
        assert ready["tenant_id"] == account.tenant_id and ready["limit"] == 2 and ready["connections"] == 1
        ws.send_json({"type": "chat", "prompt": "cheapest 8x H100 in the US for a week"})
        events = receive_turn(ws)
        names = [e for e, _ in events]
        assert names[0] == "metadata" and names[-1] == "end"
        assert "token" in names and "tool_start" in names and "tool_end" in names
        result = next(d for e, d in events if e == "result")
        assert result["recommendations"] and result["forecast"]["hours"] == 168
        thread_id = events[0][1]["thread_id"]

        # A follow-up on the same connection continues the thread.
        ws.send_json({"type": "chat", "prompt": "make it spot", "thread_id": thread_id})
        follow = receive_turn(ws)
        assert follow[0][1]["thread_id"] == thread_id
        assert next(d for e, d in follow if e == "result")["searches"][-1]["spot"] is True


def test_the_authorization_header_also_signs_in(client: TestClient) -> None:
    account = register(client)
    with client.websocket_connect("/ai/chat/ws", headers=account.headers) as ws:
        assert ws.receive_json()["event"] == "ready"


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "auth", "access_token": "not-a-token"}, "invalid_token"),
        ({"type": "chat", "prompt": "hi"}, "not_authenticated"),
        ({"type": "auth"}, "not_authenticated"),
    ],
)
def test_without_a_valid_sign_in_the_socket_is_closed(
    client: TestClient, first: dict[str, Any], code: str
) -> None:
    with client.websocket_connect("/ai/chat/ws") as ws:
        ws.send_json(first)
        frame = ws.receive_json()
        assert frame["event"] == "error" and frame["data"]["code"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_bad_messages_are_errors_naming_the_field_and_the_socket_stays_open(client: TestClient) -> None:
    account = register(client)
    with client.websocket_connect("/ai/chat/ws") as ws:
        signed_in(ws, account.access_token)
        ws.send_text("{not json")
        assert ws.receive_json()["data"]["code"] == "invalid_json"
        ws.send_json({"type": "dance"})
        frame = ws.receive_json()["data"]
        assert frame["code"] == "invalid_input" and frame["details"] == [{"field": "type"}]
        ws.send_json({"type": "chat", "prompt": "x" * 20_000})
        frame = ws.receive_json()["data"]
        assert frame["code"] == "invalid_input" and frame["details"][0]["field"] == "prompt"
        ws.send_json({"type": "chat", "prompt": "hi", "thread_id": "no-such-thread"})
        frame = ws.receive_json()["data"]
        assert frame["code"] == "not_found"
        ws.send_json({"type": "chat", "prompt": "cheapest L4"})
        assert receive_turn(ws)[-1][0] == "end"


def test_an_approval_is_answered_on_the_socket(client: TestClient) -> None:
    account = register(client)
    with client.websocket_connect("/ai/chat/ws") as ws:
        signed_in(ws, account.access_token)
        ws.send_json({"type": "chat", "prompt": "book the cheapest H100 for 2 hours"})
        events = receive_turn(ws)
        approval = next(d for e, d in events if e == "approval_required")
        assert approval["action"] == "book_offer" and approval["hours"] == 2
        thread_id = events[0][1]["thread_id"]
        ws.send_json({"type": "resume", "thread_id": thread_id, "approved": False})
        answer = next(d for e, d in receive_turn(ws) if e == "result")
        assert answer["booking"] is None and "Not booked" in answer["summary"]
        ws.send_json({"type": "resume", "thread_id": thread_id, "approved": True})
        assert ws.receive_json()["data"]["code"] == "no_pending_approval"
        ws.send_json({"type": "resume", "thread_id": thread_id, "approved": "yes"})
        assert ws.receive_json()["data"]["details"] == [{"field": "approved"}]


def test_the_plans_ws_limit_is_enforced_and_released(client: TestClient, app: Any) -> None:
    account = register(client)
    with client.websocket_connect("/ai/chat/ws") as first, client.websocket_connect("/ai/chat/ws") as second:
        assert signed_in(first, account.access_token)["connections"] == 1
        assert signed_in(second, account.access_token)["connections"] == 2
        with client.websocket_connect("/ai/chat/ws") as third:
            third.send_json({"type": "auth", "access_token": account.access_token})
            frame = third.receive_json()
            assert frame["event"] == "error" and frame["data"]["code"] == "ws_limit_reached"
            assert "2 open connections" in frame["data"]["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json()
            assert closed.value.code == 1008
        # Another team is not affected.
        other = register(client)
        with client.websocket_connect("/ai/chat/ws") as theirs:
            assert signed_in(theirs, other.access_token)["connections"] == 1
    # Both closed: their slots are free again, and a lower limit applies to the next connection.
    set_team_limits(client, platform_operator(client, app), account.tenant_id, ws_limit=1)
    with client.websocket_connect("/ai/chat/ws") as again:
        assert signed_in(again, account.access_token) == {
            "user": account.email,
            "tenant_id": account.tenant_id,
            "connections": 1,
            "limit": 1,
        }
        with client.websocket_connect("/ai/chat/ws") as over:
            over.send_json({"type": "auth", "access_token": account.access_token})
            assert over.receive_json()["data"]["code"] == "ws_limit_reached"
