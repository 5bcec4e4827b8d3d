"""Account actions (book, list, cancel, spending) are read narrowly: searches stay searches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.actions import detect_action
from agent.planner import ToolRun, next_step

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"
BOOKING_ID = "3f2a1b4c-1234-4abc-8def-0123456789ab"


@pytest.mark.parametrize(
    ("text", "action", "extra"),
    [
        ("book the cheapest H100 for 24 hours", "book", {}),
        ("Book it for 8 hours", "book", {}),
        ("please book aws-0123456789ab for 10h", "book", {"offer_id": "aws-0123456789ab"}),
        ("show my bookings", "list_bookings", {"state": None}),
        ("what's running?", "list_bookings", {"state": "active"}),
        (f"cancel booking {BOOKING_ID}", "cancel_booking", {"booking_id": BOOKING_ID}),
        ("stop it", "cancel_booking", {"booking_id": None}),
        ("what did we spend this month", "spending", {}),
        ("show me the invoices", "spending", {}),
    ],
)
def test_account_requests(text: str, action: str, extra: dict[str, str | None]) -> None:
    found = detect_action(text)
    assert found is not None and found.action == action
    for key, value in extra.items():
        assert getattr(found, key) == value


@pytest.mark.parametrize(
    "text",
    [
        "H100 reserved for 1 year",
        "difference between on-demand and reserved pricing?",
        "cheapest booking option for 8 A100s",
        "what's my bill for 8 L40S for a week?",
        "how much will 4 H100s cost for a month",
    ],
)
def test_catalog_requests_are_not_account_actions(text: str) -> None:
    assert detect_action(text) is None


def test_no_eval_prompt_is_read_as_an_account_action() -> None:
    prompts = []
    # The search and question datasets; actions.jsonl is the account actions' own dataset.
    for path in sorted(p for p in DATASETS.glob("*.jsonl") if p.name != "actions.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            turns = case.get("turns") or [case.get("prompt", "")]
            prompts.extend(str(t) for t in turns)
    assert len(prompts) > 800
    assert [p for p in prompts if detect_action(p)] == []


def test_booking_plan_searches_books_the_top_offer_then_answers() -> None:
    texts = ["cheapest H100 in the US", "book it for 6 hours"]
    step = next_step(texts, [])
    assert step.tool_calls and step.tool_calls[0][0] == "search_offers" and step.intent == "book"
    search = ToolRun(
        "search_offers", step.tool_calls[0][1], {"offers": [{"id": "aws-0123456789ab"}], "total": 1}
    )
    step = next_step(texts, [search])
    assert step.tool_calls == [("book_offer", {"offer_id": "aws-0123456789ab", "hours": 6.0})]
    booked = ToolRun("book_offer", step.tool_calls[0][1], {"status": "declined", "message": "Not booked."})
    assert next_step(texts, [search, booked]).answer == "Not booked."


def test_booking_without_hours_asks_for_them_and_a_bare_duration_answers() -> None:
    step = next_step(["book the cheapest L4"], [])
    assert step.answer and "how many hours" in step.answer.lower()
    step = next_step(["book the cheapest L4", "12 hours"], [])
    assert step.tool_calls and step.tool_calls[0][0] == "search_offers" and step.intent == "book"


def test_cancel_without_an_id_picks_the_only_live_booking() -> None:
    listed = ToolRun(
        "list_bookings",
        {"limit": 20},
        {
            "total": 2,
            "bookings": [{"id": BOOKING_ID, "state": "active"}, {"id": "old", "state": "completed"}],
        },
    )
    step = next_step(["stop it"], [listed])
    assert step.tool_calls == [("cancel_booking", {"booking_id": BOOKING_ID})]
