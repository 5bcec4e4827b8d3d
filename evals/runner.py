"""Runs eval datasets through the agent in-process and reports accuracy and latency.

Cases are JSON Lines (see evals/datasets/README.md). Cases that share a top-level ``thread`` run in
order in one conversation; a case with ``turns`` (a list of messages) runs them in a conversation of
its own and is scored on the last one. Each turn is streamed, so the time to the first streamed event
is measured as a user of the SSE API would see it.

A case's ``category`` groups it in the report: the share of its cases that pass every check that applies
(``CaseScore.passed``) must reach ``CATEGORY_MINIMUM`` in CI, for every category of the run.

The same harness scores any model of :func:`agent.llm.make_chat_model`: ``gpubroker eval --model
openai:<model>`` with ``GPUBROKER_LLM_BASE_URL`` and ``GPUBROKER_LLM_API_KEY`` set (README, "Evals").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from sqlalchemy.orm import Session, sessionmaker

from accounts.audit import Source
from accounts.service import Ctx, Principal
from agent.knowledge.embeddings import embedder
from agent.service import Assistant, approval_request, user_message
from agent.state import ChatResult
from core.settings import Settings
from evals.scorers import Observed, score_case, searched_filters
from tools.context import Caller, acting_as

DATASETS = Path(__file__).parent / "datasets"
THRESHOLDS = {
    "intent_accuracy": 0.95,
    "mention_accuracy": 0.95,
    "trend_accuracy": 0.95,
    "language_accuracy": 0.95,
    "filter_accuracy": 0.95,
    "validity": 1.0,
    "cheapest_in_top3": 0.95,
    "approval_accuracy": 0.95,
}
DEFAULT_DATASETS = ("assistant.jsonl", "actions.jsonl", "users.jsonl")
#: Each category's share of passing cases must reach this in CI.
CATEGORY_MINIMUM = 0.95


def eval_caller(settings: Settings) -> Caller:
    """A signed-in user for the account actions of the evals. It exists in no database: the evals
    score what the agent asks to approve and never approve, so nothing is ever booked."""
    principal = Principal(
        user_id="eval-user",
        tenant_id="eval-tenant",
        role="user",
        session_id="eval",
        email="eval@eval.invalid",
    )
    return Caller(principal=principal, ctx=Ctx(settings=settings, source=Source()))


MAX_P95_MS = 300.0


def load_cases(paths: list[Path]) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path.name}:{number}: not JSON ({exc})") from exc
            if not isinstance(case, dict) or "intent" not in case.get("expect", {}):
                raise ValueError(f"{path.name}:{number}: a case needs expect.intent")
            turns = case.get("turns")
            if "prompt" not in case and not (
                isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns)
            ):
                raise ValueError(f"{path.name}:{number}: a case needs prompt, or turns (a list of messages)")
            case.setdefault("id", f"{path.stem}-{number}")
            cases.append(case)
    return cases


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


async def run_turn(
    assistant: Assistant, prompt: str, thread_id: str, caller: Caller | None = None
) -> Observed:
    started = time.perf_counter()
    first: float | None = None
    calls: list[tuple[str, dict[str, Any]]] = []
    result: dict[str, Any] | None = None
    approval: dict[str, Any] | None = None
    error = None
    try:
        with acting_as(caller):
            async for mode, chunk in assistant.stream(
                {"messages": [user_message(prompt)]}, thread_id, ["messages", "updates"]
            ):
                if first is None:
                    first = time.perf_counter()
                if mode != "updates":
                    continue
                for node, update in (chunk or {}).items():
                    if node == "__interrupt__":
                        approval = approval_request(next(iter(update)))
                    elif node == "plan" and isinstance(update, dict):
                        for m in update.get("messages", []):
                            if isinstance(m, AIMessage):
                                calls += [(tc["name"], dict(tc["args"])) for tc in m.tool_calls]
                    elif node == "respond" and isinstance(update, dict):
                        result = update.get("result")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    done = time.perf_counter()
    if approval is not None:
        # The evals never approve: answer no, so the thread does not keep a question open.
        with acting_as(caller):
            await assistant.graph.ainvoke(Command(resume={"approved": False}), assistant.config(thread_id))
    r = ChatResult(**(result or {}))
    hours = next((float(a["hours"]) for n, a in calls if n == "forecast_cost" and "hours" in a), None)
    summary = str(approval.get("question") or "") if approval else r.summary
    required = float(r.requirement["total_memory_gb"]) if r.requirement else None
    return Observed(
        intent=str(approval.get("intent")) if approval else r.intent,
        searched=searched_filters(calls),
        recommendations=[rec.model_dump() for rec in r.recommendations],
        forecast=r.forecast.model_dump() if r.forecast else None,
        iac=r.iac.model_dump() if r.iac else None,
        forecast_hours=hours,
        required_total_gb=required,
        latency_ms=(done - started) * 1000,
        first_event_ms=((first or done) - started) * 1000,
        error=error,
        approval=approval,
        tools=[name for name, _ in calls],
        booked=r.booking is not None,
        summary=summary,
        language=r.language,
        nearest=len(r.nearest),
    )


async def run_case(assistant: Assistant, case: dict[str, Any], index: int, caller: Caller | None) -> Observed:
    """One case: its earlier ``turns`` (if any) in its thread, then the turn that is scored."""
    thread = f"eval-{case['thread']}" if case.get("thread") else f"eval-case-{index}"
    for earlier in case.get("turns", [])[:-1]:
        await run_turn(assistant, earlier, thread, caller)
    return await run_turn(assistant, case["turns"][-1] if "turns" in case else case["prompt"], thread, caller)


async def run_cases(
    cases: list[dict[str, Any]],
    session_factory: sessionmaker[Session],
    settings: Settings,
    model: str = "offline",
) -> dict[str, Any]:
    assistant = Assistant(session_factory, settings, checkpointer=InMemorySaver(), model_spec=model)
    if not settings.is_sqlite:
        # The API loads the knowledge search's embedding model at startup; the timings start after it too.
        embedder(settings)
    caller = eval_caller(settings)
    scores = []
    latencies: list[float] = []
    firsts: list[float] = []
    for index, case in enumerate(cases):
        obs = await run_case(assistant, case, index, caller)
        latencies.append(obs.latency_ms)
        firsts.append(obs.first_event_ms)
        with session_factory() as session:
            scores.append(score_case(session, case, obs))

    def rate(values: list[bool | None]) -> float | None:
        known = [v for v in values if v is not None]
        return round(sum(known) / len(known), 4) if known else None

    right = sum(s.filters[0] for s in scores)
    present = sum(s.filters[1] for s in scores)
    categories: dict[str, dict[str, Any]] = {}
    for case, sc in zip(cases, scores, strict=True):
        if case.get("category"):
            entry = categories.setdefault(str(case["category"]), {"cases": 0, "passed": 0})
            entry["cases"] += 1
            entry["passed"] += int(sc.passed())
    for entry in categories.values():
        entry["accuracy"] = round(entry["passed"] / entry["cases"], 4)
    return {
        "cases": len(cases),
        "intent_accuracy": rate([s.intent for s in scores]),
        "filter_accuracy": round(right / present, 4) if present else None,
        "validity": rate([s.validity for s in scores]),
        "cheapest_in_top3": rate([s.cheapest_in_top3 for s in scores]),
        "needs_met": rate([s.needs_met for s in scores]),
        "approval_accuracy": rate([s.approval for s in scores]),
        "mention_accuracy": rate([s.mention for s in scores]),
        "trend_accuracy": rate([s.trend for s in scores]),
        "language_accuracy": rate([s.language for s in scores]),
        "categories": dict(sorted(categories.items())),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1) if latencies else 0.0,
            "p95": round(_pct(latencies, 0.95), 1),
            "first_event_p95": round(_pct(firsts, 0.95), 1),
        },
        "failures": [{"id": s.id, "why": "; ".join(s.why)} for s in scores if s.why],
    }


def below_thresholds(report: dict[str, Any], model: str = "offline") -> list[str]:
    bad = []
    for key, minimum in THRESHOLDS.items():
        value = report.get(key)
        if value is not None and value < minimum:
            bad.append(f"{key} {value} < {minimum}")
    for name, entry in (report.get("categories") or {}).items():
        if entry["accuracy"] < CATEGORY_MINIMUM:
            bad.append(f"category {name} {entry['accuracy']} < {CATEGORY_MINIMUM}")
    if model == "offline" and report["latency_ms"]["p95"] > MAX_P95_MS:
        bad.append(f"latency p95 {report['latency_ms']['p95']} ms > {MAX_P95_MS} ms")
    return bad


def run_eval(
    paths: list[Path], session_factory: sessionmaker[Session], settings: Settings, model: str = "offline"
) -> dict[str, Any]:
    coro = run_cases(load_cases(paths), session_factory, settings, model)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from code that already runs an event loop in this thread: run on a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def format_report(report: dict[str, Any]) -> str:
    lines = [f"cases            {report['cases']}"]
    for key in (
        "intent_accuracy",
        "filter_accuracy",
        "validity",
        "cheapest_in_top3",
        "needs_met",
        "approval_accuracy",
        "mention_accuracy",
        "trend_accuracy",
        "language_accuracy",
    ):
        v = report[key]
        lines.append(f"{key:<17} {'n/a' if v is None else f'{v:.3f}'}")
    for name, entry in (report.get("categories") or {}).items():
        lines.append(f"  {name:<15} {entry['passed']}/{entry['cases']} = {entry['accuracy']:.3f}")
    lat = report["latency_ms"]
    lines.append(
        f"latency ms       p50 {lat['p50']}  p95 {lat['p95']}  first event p95 {lat['first_event_p95']}"
    )
    if report["failures"]:
        lines.append(f"failures ({len(report['failures'])}):")
        lines += [f"  {f['id']}: {f['why']}" for f in report["failures"][:40]]
    return "\n".join(lines)
