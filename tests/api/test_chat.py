"""POST /ai/chat and /ai/chat/stream as a client of the assistant uses them."""

from __future__ import annotations

import json
from typing import Any

import hcl2
import pytest
from fastapi.testclient import TestClient

DONE_PROMPT = "4x A100 80GB in Europe under $8/h for 3 days, and give me terraform"


@pytest.fixture(autouse=True)
def signed_in(client: TestClient, auth_headers: dict[str, str]) -> None:
    """The assistant needs a login: every request of these tests carries a signed-in user's token."""
    client.headers.update(auth_headers)


def events(client: TestClient, body: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    with client.stream("POST", "/ai/chat/stream", json=body) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.append((str(event), json.loads(line[6:])))
    return out


def test_the_done_when_request_gets_valid_offers_cost_and_terraform(client: TestClient) -> None:
    r = client.post("/ai/chat", json={"prompt": DONE_PROMPT})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["thread_id"]
    assert body["recommendations"], body["summary"]
    for rec in body["recommendations"]:
        offer = client.get(f"/providers/{rec['offer_id']}").json()
        assert offer["gpu_family"] == "A100" and offer["gpu_count"] >= 4 and offer["gpu_memory_gb"] >= 80
        assert offer["geo"] == "eu" and offer["price_per_hour"] <= 8
        assert rec["provider_id"] == offer["provider"] and rec["reason"]
    prices = [rec["price_per_hour"] for rec in body["recommendations"]]
    assert prices == sorted(prices)
    f = body["forecast"]
    assert f["ci_low"] <= f["hourly"] <= f["ci_high"] and f["hours"] == 72
    assert f["total"] == pytest.approx(f["hourly"] * 72, rel=1e-3)
    assert f["daily"] == pytest.approx(f["hourly"] * 24, rel=1e-3)
    # The cost is the recommended offer's own forecast: its price moved by its market index.
    assert f["offer_id"] == body["recommendations"][0]["offer_id"]
    assert f["hourly"] == pytest.approx(body["recommendations"][0]["price_per_hour"], rel=0.06)
    assert f["trend"]["direction"] in ("down", "flat", "up")
    assert f["history_end"] and any("of the past" in w for w in f["warnings"])
    assert "Market index: " in body["summary"]
    tf = hcl2.loads(body["iac"]["terraform"])
    assert tf["resource"] or tf.get("terraform")
    assert "$" in body["summary"] and "72 h" in body["summary"]


def test_stream_emits_documented_events_in_order(client: TestClient) -> None:
    evs = events(client, {"prompt": DONE_PROMPT})
    names = [e for e, _ in evs]
    assert names[0] == "metadata" and names[-1] == "end"
    assert names.index("tool_start") < names.index("tool_end") < names.index("token") < names.index("result")
    assert "error" not in names
    started = [d["name"] for e, d in evs if e == "tool_start"]
    assert started[0] == "search_offers" and {"forecast_cost", "generate_terraform"} <= set(started)
    assert all(d["ok"] for e, d in evs if e == "tool_end")
    text = "".join(d["text"] for e, d in evs if e == "token")
    result = next(d for e, d in evs if e == "result")
    assert text == result["summary"]
    assert result["thread_id"] == evs[0][1]["thread_id"]


def test_follow_up_in_a_thread_keeps_the_constraints(client: TestClient) -> None:
    first = client.post("/ai/chat", json={"prompt": "8x H100 in the US"}).json()
    again = client.post("/ai/chat", json={"prompt": "make it spot", "thread_id": first["thread_id"]}).json()
    assert again["thread_id"] == first["thread_id"]
    assert again["searches"][-1]["gpu_type"].startswith("H100")
    assert again["searches"][-1]["min_gpu_count"] == 8 and again["searches"][-1]["spot"] is True


def test_constraints_are_applied(client: TestClient) -> None:
    body = client.post(
        "/ai/chat",
        json={
            "prompt": "cheapest option please",
            "constraints": {"gpu_type": "L40S", "region": "europe", "hours": 10},
        },
    ).json()
    assert body["searches"][-1]["gpu_type"] == "L40S" and body["searches"][-1]["geo"] == "eu"
    assert body["forecast"]["hours"] == 10


def test_no_match_says_what_to_relax_and_shows_nearest(client: TestClient) -> None:
    body = client.post("/ai/chat", json={"prompt": "8x H100 in Germany under $5/h"}).json()
    assert body["recommendations"] == []
    assert "No offer matches" in body["summary"]
    assert body["relax"] and body["nearest"]
    assert "budget" in body["summary"] or "GPUs" in body["summary"]


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"prompt": ""}, 422, "prompt"),
        ({"prompt": "   "}, 422, "prompt"),
        ({"prompt": "x" * 20_000}, 422, "prompt"),
        ({}, 422, "prompt"),
        ({"prompt": "hi", "constraints": {"budget_per_hour": -1}}, 422, "constraints.budget_per_hour"),
        ({"prompt": "hi", "color": "red"}, 422, "color"),
    ],
)
def test_bad_input_is_a_4xx_in_the_envelope(
    client: TestClient, payload: dict[str, Any], status: int, field: str
) -> None:
    for path in ("/ai/chat", "/ai/chat/stream"):
        r = client.post(path, json=payload)
        assert r.status_code == status
        err = r.json()["error"]
        assert any(d["field"] == field for d in err["details"]), err


def test_unknown_thread_is_404(client: TestClient) -> None:
    for path in ("/ai/chat", "/ai/chat/stream"):
        r = client.post(path, json={"prompt": "hi", "thread_id": "no-such-thread"})
        assert r.status_code == 404 and "no-such-thread" in r.json()["error"]["message"]


def test_malformed_json_is_422(client: TestClient) -> None:
    r = client.post("/ai/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_the_assistant_needs_a_login(client: TestClient) -> None:
    for path in ("/ai/chat", "/ai/chat/stream"):
        r = client.post(path, json={"prompt": "8x H100 in the US"}, headers={"Authorization": ""})
        assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
        r = client.post(path, json={"prompt": "hi"}, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


def test_another_teams_thread_is_not_found(client: TestClient) -> None:
    mine = client.post("/ai/chat", json={"prompt": "8x H100 in the US"}).json()["thread_id"]
    other = client.post(
        "/auth/register", json={"email": "other-team@example.com", "password": "another long passphrase"}
    ).json()
    theirs = {"Authorization": f"Bearer {other['access_token']}"}
    for path in ("/ai/chat", "/ai/chat/stream"):
        r = client.post(path, json={"prompt": "make it spot", "thread_id": mine}, headers=theirs)
        assert r.status_code == 404 and mine in r.json()["error"]["message"]


def test_a_new_thread_is_not_read_for_a_waiting_approval(client: TestClient) -> None:
    """A thread made for this turn has no checkpoint: its turn reads the checkpointer once (LangGraph's own
    read as the run starts), a turn in an existing thread once more (what may be waiting for approval)."""
    saver = client.app.state.assistant.graph.checkpointer  # type: ignore[attr-defined]
    reads: list[str] = []
    real = saver.aget_tuple

    async def counted(config: Any) -> Any:
        reads.append(config["configurable"]["thread_id"])
        return await real(config)

    saver.aget_tuple = counted
    try:
        for path in ("/ai/chat", "/ai/chat/stream"):
            reads.clear()
            if path == "/ai/chat":
                thread_id = client.post(path, json={"prompt": "8x H100 in the US"}).json()["thread_id"]
            else:
                thread_id = next(
                    d for e, d in events(client, {"prompt": "8x H100 in the US"}) if e == "metadata"
                )["thread_id"]
            assert reads == [thread_id], path
            reads.clear()
            r = client.post("/ai/chat", json={"prompt": "make it spot", "thread_id": thread_id})
            assert r.status_code == 200 and r.json()["searches"][-1]["spot"] is True
            assert reads == [thread_id, thread_id], path
    finally:
        del saver.aget_tuple


def test_a_tool_end_says_why_a_tool_failed() -> None:
    from api.chat import _tool_error

    assert (
        _tool_error(json.dumps({"error": "offer 'x' not found", "code": "not_found"}))
        == "offer 'x' not found"
    )
    assert _tool_error(json.dumps({"total": 2, "offers": [{"name": 'say "error"'}], "error_rate": 0})) is None
    assert _tool_error("Error: ValueError('boom')\n Please fix your mistakes.").startswith(
        "Error: ValueError"
    )
    assert _tool_error("plain text") is None and _tool_error("[1, 2]") is None
