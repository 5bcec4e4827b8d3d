"""The assistant and price alerts: "tell me when H100s drop below $2 per GPU-hour" saves an alert for
the signed-in user through the create_price_alert tool; quoted prices carry their age; GPU-only
prices are never the basis of a cost."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from agent.actions import detect_action


def chat(client: TestClient, prompt: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.post("/ai/chat", json={"prompt": prompt}, headers=headers or {})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_alert_phrasing_family_is_read_as_an_alert() -> None:
    for text in (
        "tell me when H100s drop below $2 per GPU-hour",
        "Notify me if an 8x H100 in the EU is under $16/h",
        "let me know as soon as A100 80GB costs less than $1.50 per GPU hour",
        "set up a price alert for L40S under $1/h",
    ):
        action = detect_action(text)
        assert action is not None and action.action == "create_alert", text
    for text in ("cheapest H100 when available", "what happens when I book", "alert levels of GPUs"):
        action = detect_action(text)
        assert action is None or action.action != "create_alert", text


def test_the_assistant_creates_the_alert_for_the_signed_in_user(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    body = chat(client, "tell me when H100s drop below $2 per GPU-hour", auth_headers)
    assert body["summary"].startswith("Alert saved: H100 at or below $2/GPU-h.")
    assert "/account/alerts" in body["summary"]
    (alert,) = client.get("/alerts", headers=auth_headers).json()
    assert (alert["filters"], alert["threshold"], alert["per"]) == ({"gpu_type": "H100"}, 2.0, "gpu_hour")

    body = chat(client, "notify me when 8x H100 in the EU is under $16/h", auth_headers)
    assert body["summary"].startswith("Alert saved: 8x H100 in eu at or below $16/h.")
    assert len(client.get("/alerts", headers=auth_headers).json()) == 2

    asks = chat(client, "tell me when H100s get cheaper", auth_headers)
    assert asks["summary"].startswith("At what price should I tell you?")


def test_a_run_without_a_caller_is_refused_with_a_reason(factory: Any, settings: Any) -> None:
    # Evals and scripts run the graph with nobody signed in: the tool says so instead of failing the run.
    from tools.context import ToolContext
    from tools.registry import TOOL_SPECS, run_tool_safely

    name, fn, args_model = next(spec for spec in TOOL_SPECS if spec[0] == "create_price_alert")
    answer = json.loads(
        run_tool_safely(name, fn, ToolContext(factory, settings), args_model, {"threshold": 2})
    )
    assert answer["code"] == "not_authenticated" and "sign in" in answer["error"]


def test_quoted_prices_state_their_age_and_gpu_only_prices_are_no_basis(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    body = chat(client, "cheapest L4 for 100 hours", auth_headers)
    lines = [line for line in body["summary"].splitlines() if line[:2] in ("1.", "2.")]
    assert lines and all("; price as of 2026-11-27, " in line and line.endswith(" days old") for line in lines)
    # GCP's L4 rows are GPU-only prices: none is recommended nor used for the cost.
    assert body["recommendations"] and all(r["provider_id"] != "gcp" for r in body["recommendations"])
    assert "Cost for 100 h" in body["summary"]
