"""Per-turn latency of the assistant in-process over an eval dataset, without the scoring: every turn
streamed through ``evals.runner.run_turn`` as ``gpubroker eval`` runs it. Prints p50/p95 of the turn and of
its first event. The database is GPUBROKER_DATABASE_URL (with the bundled catalog: `gpubroker init`); on
PostgreSQL the knowledge search's embedding model is loaded before the timings, as the API loads it at startup.

Run it against two checkouts in turn to compare them on the same machine and minutes (the script file
works with an older tree on PYTHONPATH):

    .venv/bin/python -m bench.bench_eval_latency --dataset evals/datasets/assistant.jsonl
    PYTHONPATH=../main .venv/bin/python bench/bench_eval_latency.py --dataset evals/datasets/assistant.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from bench.common import machine_header, percentile
from core.db import make_engine, make_session_factory
from core.settings import get_settings
from evals.runner import eval_caller, load_cases, run_turn

try:
    from evals.runner import run_case
except ImportError:  # a checkout from before multi-turn cases
    run_case = None  # type: ignore[assignment]


async def measure(path: Path) -> dict[str, float]:
    from agent.service import Assistant

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    assistant = Assistant(factory, settings, checkpointer=InMemorySaver())
    if not settings.is_sqlite:
        try:
            from agent.knowledge.embeddings import embedder
        except ImportError:  # a checkout from before the knowledge base
            pass
        else:
            embedder(settings)
    caller = eval_caller(settings)
    turns: list[float] = []
    firsts: list[float] = []
    for index, case in enumerate(load_cases([path])):
        if run_case is not None:
            obs = await run_case(assistant, case, index, caller)
        else:  # an older tree: single prompts only
            thread = f"eval-{case['thread']}" if case.get("thread") else f"eval-case-{index}"
            obs = await run_turn(assistant, case["prompt"], thread, caller)
        turns.append(obs.latency_ms)
        firsts.append(obs.first_event_ms)
    return {
        "turns": len(turns),
        "p50_ms": round(percentile(turns, 50), 1),
        "p95_ms": round(percentile(turns, 95), 1),
        "first_event_p95_ms": round(percentile(firsts, 95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="evals/datasets/assistant.jsonl")
    args = parser.parse_args()
    print(machine_header())
    print(json.dumps(asyncio.run(measure(Path(args.dataset)))))


if __name__ == "__main__":
    main()
