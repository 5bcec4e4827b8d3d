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
