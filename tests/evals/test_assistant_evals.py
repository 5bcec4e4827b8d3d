"""The assistant's eval dataset, scored in CI: it fails below the thresholds of the evals harness."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from evals.runner import DATASETS, below_thresholds, load_cases, run_eval


def test_dataset_has_the_agreed_shape() -> None:
    cases = load_cases([DATASETS / "assistant.jsonl"])
    assert len(cases) >= 200
    intents = {c["expect"]["intent"] for c in cases}
    assert intents == {"recommend", "compare", "forecast", "terraform", "explain"}
    allowed = {"intent", "filters", "hours", "needs"}
    assert all(set(c["expect"]) <= allowed for c in cases)


def test_offline_agent_meets_the_eval_thresholds(factory: sessionmaker[Session], settings: Settings) -> None:
    report = run_eval([DATASETS / "assistant.jsonl"], factory, settings)
    Path("var").mkdir(exist_ok=True)
    Path(f"var/eval-{settings.database_url.split(':')[0]}.json").write_text(json.dumps(report, indent=1))
    # Latency is reported (docs/BENCHMARKS.md) but not asserted here: a test-runner machine is noisy.
    bad = [b for b in below_thresholds(report) if not b.startswith("latency")]
    assert not bad, (bad, report["failures"][:10])
    assert report["needs_met"] >= 0.9


def test_account_actions_ask_for_approval_exactly_when_they_should(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    cases = load_cases([DATASETS / "actions.jsonl"])
    assert {c["expect"]["intent"] for c in cases} >= {"book", "bookings", "spending", "cancel"}
    assert sum(1 for c in cases if c["expect"].get("approval")) >= 15
    report = run_eval([DATASETS / "actions.jsonl"], factory, settings)
    assert report["approval_accuracy"] == 1.0, report["failures"]
    assert report["intent_accuracy"] == 1.0 and report["needs_met"] == 1.0, report["failures"]
    # The eval never approves, so nothing was booked: every turn that asked was declined.
    assert not [f for f in report["failures"] if "booked" in f["why"]]


def test_real_users_dataset_has_its_categories_and_shape() -> None:
    cases = load_cases([DATASETS / "users.jsonl"])
    assert len(cases) >= 150
    categories = {c["category"] for c in cases}
    assert categories >= {
        "lang_de", "lang_fr", "lang_es", "split_names", "alternatives", "references", "resets", "carried",
        "unclear", "knowledge", "trends", "sizing", "safety",
    }  # fmt: skip
    assert sum(1 for c in cases if "turns" in c) >= 30
    assert sum(1 for c in cases if c["expect"].get("must_mention")) >= 30
    assert sum(1 for c in cases if c["expect"].get("language") in ("de", "fr", "es")) >= 60


def test_offline_agent_meets_every_category_of_the_real_users_dataset(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    report = run_eval([DATASETS / "users.jsonl"], factory, settings)
    Path("var").mkdir(exist_ok=True)
    Path(f"var/eval-users-{settings.database_url.split(':')[0]}.json").write_text(
        json.dumps(report, indent=1)
    )
    bad = [b for b in below_thresholds(report) if not b.startswith("latency")]
    assert not bad, (bad, report["failures"][:10])
    assert all(entry["accuracy"] >= 0.95 for entry in report["categories"].values())
