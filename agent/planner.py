"""The offline planner's decisions: which tools to call next, and the answer once they have run.

It is the brain of :class:`agent.offline.OfflinePlannerModel`, kept apart from LangChain so that it
is plain, testable code: the request is read by :mod:`agent.parser` (earlier messages of the thread
give the context of a follow-up, until a reset drops them), then each step looks at which tools already
ran in this turn and what they returned. The answers are written by :mod:`agent.answers` in the user's
language.

Rules the answers keep:

- every answer says which constraints it carried over from earlier messages;
- a message with nothing to act on gets "I did not understand" with examples, and no offers;
- a job longer than a day, or hosting around the clock, searches on-demand offers unless the user asked
  for spot, and a spot pick for such a job says what an interruption means;
- a question of knowledge is answered from the sourced knowledge base, quoting it, or not at all;
- "the second one", "the cheaper one", "that one" point at the offers of the previous answer.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from agent import answers
from agent.actions import AccountAction, detect_action
from agent.answers import RELAX_WORDS
from agent.i18n import Translator, translator
from agent.knowledge.service import terms
from agent.parser import ParsedRequest, carried_over, parse_request
from agent.parser.lang import detect_language, to_english
from agent.parser.text import normalize
from catalog.gpus import GPUS

__all__ = ["RELAX_WORDS", "Step", "ToolRun", "format_constraints", "next_step", "tool_runs_from_messages"]

DEFAULT_FORECAST_HOURS = 24.0
#: A job longer than this runs on-demand unless the user asked for spot.
LONG_JOB_HOURS = 24.0
_CONSTRAINTS = re.compile(r"\n*\[constraints: (?P<body>[^\]]*)\]\s*$")


@dataclass
class ToolRun:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class Step:
    """Either tool calls to make, or the final answer."""

    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answer: str | None = None
    intent: str | None = None
    #: The language the answer is written in.
    language: str = "en"


def format_constraints(constraints: dict[str, Any]) -> str:
    """API constraints travel inside the user message so every model (LLM or offline) sees them."""
    parts = [f"{k}={v}" for k, v in constraints.items() if v not in (None, "")]
    return f"\n\n[constraints: {'; '.join(parts)}]" if parts else ""


def split_constraints(text: str) -> tuple[str, dict[str, str]]:
    m = _CONSTRAINTS.search(text)
    if not m:
        return text, {}
    pairs = {}
    for part in m.group("body").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            pairs[k.strip()] = v.strip()
    return text[: m.start()], pairs


def apply_constraints(req: ParsedRequest, c: dict[str, str]) -> ParsedRequest:
    from catalog.gpus import resolve_gpu
    from catalog.regions import resolve_place

    if c.get("gpu_type"):
        gpu = resolve_gpu(c["gpu_type"])
        if gpu:
            req.gpu_family, req.gpu_variant = gpu.family, gpu.variant or req.gpu_variant
            if gpu.memory_gb:
                req.min_gpu_memory_gb = max(req.min_gpu_memory_gb or 0, gpu.memory_gb)
            req.stated.append("gpu")
    if c.get("region"):
        place = resolve_place(c["region"])
        if place is not None:
            req.geo, req.country = place.geo, place.country
        else:
            req.region = c["region"]
        req.stated.append("place")
    if c.get("budget_per_hour"):
        with contextlib.suppress(ValueError):
            req.max_price_per_hour = float(c["budget_per_hour"])
            req.stated.append("budget")
    if c.get("hours"):
        try:
            req.hours = float(c["hours"])
            req.wants_forecast = True
            req.stated.append("hours")
        except ValueError:
            pass
    if c and req.intent == "unclear":
        # Constraints given through the API are something to act on, whatever the text says.
        req.intent = "recommend"
    return req


def understand(human_texts: list[str]) -> ParsedRequest:
    """The thread's request as of its last message: each message parsed on top of the ones before.
    A message with nothing to act on leaves the request as it was (but answers "not understood")."""
    parsed: ParsedRequest | None = None
    last = len(human_texts) - 1
    for i, text in enumerate(human_texts):
        body, constraints = split_constraints(text)
        new = apply_constraints(parse_request(body, parsed), constraints)
        if i < last and new.intent == "reset":
            parsed = None  # "never mind": what came before is dropped
            continue
        if i < last and new.intent == "unclear":
            if parsed is not None:
                parsed.language = new.language
            continue
        parsed = new
    return parsed or parse_request("")


def _english(text: str) -> str:
    return to_english(normalize(text), detect_language(text))


def search_args(req: ParsedRequest, requirement: dict[str, Any] | None) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if req.gpu_family:
        args["gpu_type"] = req.gpu_family + (f" {req.gpu_variant}" if req.gpu_variant else "")
    elif len(req.compare_families) >= 2:
        # Alternatives ("an L4 or an A10G"): the cheapest offers of any of them.
        args["gpu_types"] = list(req.compare_families[:4])
    count = req.min_gpu_count
    if requirement and requirement.get("kind", "llm") == "llm":
        need = float(requirement["total_memory_gb"])
        if req.gpu_family and req.gpu_family in GPUS:
            per_gpu = req.min_gpu_memory_gb or GPUS[req.gpu_family].default_memory_gb
            count = max(count or 1, math.ceil(need / per_gpu))
        else:
            args["min_total_gpu_memory_gb"] = need
    if count:
        args["min_gpu_count"] = count
    memory = req.min_gpu_memory_gb
    if requirement and requirement.get("kind", "llm") != "llm" and requirement.get("min_gpu_memory_gb"):
        memory = max(memory or 0, float(requirement["min_gpu_memory_gb"]))
    if memory:
        args["min_gpu_memory_gb"] = memory
    hours = job_hours(req, requirement)
    max_hour = req.max_price_per_hour
    if req.total_budget and hours:
        per_hour = round(req.total_budget / hours, 4)
        max_hour = min(max_hour, per_hour) if max_hour else per_hour
    if max_hour:
        args["max_price_per_hour"] = max_hour
    if req.max_price_per_gpu_hour:
        args["max_price_per_gpu_hour"] = req.max_price_per_gpu_hour
    for key in ("geo", "country", "region", "provider", "spot"):
        value = getattr(req, key)
        if value is not None:
            args[key] = value
    if on_demand_by_policy(req, requirement):
        args["spot"] = False
    if req.sort:
        args["sort"] = req.sort
    args["limit"] = 5
    return args


def job_hours(req: ParsedRequest, requirement: dict[str, Any] | None) -> float | None:
    """How long the machine runs: what the user said, else the GPU-hours a sized speech job takes."""
    if req.hours:
        return req.hours
    if requirement and requirement.get("gpu_hours"):
        return float(requirement["gpu_hours"])
    return None


def on_demand_by_policy(req: ParsedRequest, requirement: dict[str, Any] | None = None) -> bool:
    """A long job or round-the-clock hosting, with spot not asked for: search on-demand only."""
    hours = job_hours(req, requirement)
    return req.spot is None and (req.hosting or (hours is not None and hours > LONG_JOB_HOURS))


def compare_args(
    req: ParsedRequest, families: list[str], requirement: dict[str, Any] | None = None
) -> dict[str, Any]:
    args: dict[str, Any] = {"gpu_types": families}
    for key in ("min_gpu_count", "geo", "country", "provider", "spot"):
        if getattr(req, key) is not None:
            args[key] = getattr(req, key)
    if req.max_price_per_hour:
        args["max_price_per_hour"] = req.max_price_per_hour
    if requirement and requirement.get("kind", "llm") == "llm":
        args["min_total_gpu_memory_gb"] = float(requirement["total_memory_gb"])
    if on_demand_by_policy(req, requirement):
        args["spot"] = False
    return args


def _latest(runs: list[ToolRun], name: str) -> ToolRun | None:
    for run in reversed(runs):
        if run.name == name:
            return run
    return None


def account_action(human_texts: list[str]) -> AccountAction | None:
    """The account action of the last message; a bare duration answers a booking question."""
    if not human_texts:
        return None
    action = detect_action(_english(split_constraints(human_texts[-1])[0]))
    if action is None and len(human_texts) >= 2:
        before = detect_action(_english(split_constraints(human_texts[-2])[0]))
        last = parse_request(split_constraints(human_texts[-1])[0])
        if before is not None and before.action == "book" and last.hours and not last.gpu_family:
            return before
    return action


def resolve_reference(reference: str, offers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The offer of the previous answer that ``reference`` points at."""
    if not offers:
        return None
    if reference.isdigit():
        n = int(reference)
        return offers[n - 1] if n <= len(offers) else None
    if reference == "last":
        return offers[-1]
    if reference in ("cheapest", "cheaper"):
        return min(offers, key=lambda o: float(o["price_per_hour"]))
    return offers[0]  # "that one": the answer's pick, shown first


def workload_args(req: ParsedRequest) -> dict[str, Any] | None:
    """The estimate_requirements call the workload asks for, if it can be sized."""
    wl = req.workload
    if wl is None:
        return None
    if wl.kind in ("diffusion", "speech", "embeddings"):
        args: dict[str, Any] = {"kind": wl.kind}
        if wl.model_name:
            args["model"] = wl.model_name
        if wl.audio_hours:
            args["audio_hours"] = wl.audio_hours
        return args
    if not wl.model_params_b:
        return None
    args = {"params_b": wl.model_params_b, "task": wl.task or "inference"}
    if wl.precision:
        args["precision"] = wl.precision
    if wl.context:
        args["context"] = wl.context
    if wl.batch:
        args["batch"] = wl.batch
    return args


def next_step(
    human_texts: list[str],
    runs: list[ToolRun],
    previous_offers: list[dict[str, Any]] | None = None,
    understood: ParsedRequest | None = None,
) -> Step:
    """The next step of the turn: ``human_texts`` are the thread's user messages, ``runs`` this turn's
    tool calls so far, ``previous_offers`` the offers the previous answer showed, in its order;
    ``understood``: ``understand(human_texts)`` when the caller has it already."""
    req = understood if understood is not None else understand(human_texts)
    step = _next_step(req, human_texts, runs, previous_offers)
    step.language = req.language
    return step


def _next_step(
    req: ParsedRequest,
    human_texts: list[str],
    runs: list[ToolRun],
    previous_offers: list[dict[str, Any]] | None,
) -> Step:
    t = translator(req.language)
    action = account_action(human_texts)
    if action is not None:
        return account_step(action, human_texts, runs, previous_offers or [], t)
    if req.intent == "reset":
        return Step(answer=answers.reset_answer(t, dropped=len(human_texts) > 1), intent="reset")
    if req.intent == "unclear":
        small_talk = bool(re.match(r"^\W*(?:hello|hi|hey|thanks?|thank you|ok|okay)\b", req.query))
        return Step(answer=answers.unclear_answer(t, small_talk), intent="unclear")
    carried = answers.carried_line(t, req, carried_over(req))

    if req.reference is not None:
        return reference_step(req, runs, previous_offers or [], t, carried)

    estimate = _latest(runs, "estimate_requirements")
    sizing = workload_args(req)
    if sizing is not None and estimate is None:
        return Step(tool_calls=[("estimate_requirements", sizing)], intent=req.intent)
    requirement = estimate.result if estimate and "error" not in estimate.result else None

    families = req.compare_families or ([req.gpu_family] if req.gpu_family else [])
    if req.intent == "explain":
        # A question of knowledge is about what it names, not about the thread's search.
        named = families if "gpu" in req.stated else []
        return explain_step(req, runs, named, requirement, t, None)

    if req.intent == "compare" and len(req.compare_families) >= 2:
        compare = _latest(runs, "compare_offers")
        if compare is None:
            return Step(
                tool_calls=[("compare_offers", compare_args(req, req.compare_families, requirement))],
                intent=req.intent,
            )
        lines = answers.compare_answer(t, compare.result, requirement)
        return Step(answer=_with(lines, carried), intent=req.intent)

    return search_step(req, runs, requirement, t, carried)


def _with(lines: list[str], carried: str | None) -> str:
    return "\n".join([*lines, *([carried] if carried else [])])


def search_step(
    req: ParsedRequest,
    runs: list[ToolRun],
    requirement: dict[str, Any] | None,
    t: Translator,
    carried: str | None,
) -> Step:
    intent = req.intent
    hours = job_hours(req, requirement)
    wants_cost = intent == "forecast" or req.wants_forecast or hours is not None
    wants_iac = intent == "terraform" or req.wants_iac
    search = _latest(runs, "search_offers")
    if search is None:
        return Step(tool_calls=[("search_offers", search_args(req, requirement))], intent=intent)
    offers = search.result.get("offers") or []
    calls: list[tuple[str, dict[str, Any]]] = []
    if offers:
        top = offers[0]["id"]
        if wants_cost and _latest(runs, "forecast_cost") is None:
            calls.append(("forecast_cost", {"offer_id": top, "hours": hours or DEFAULT_FORECAST_HOURS}))
        if wants_iac and _latest(runs, "generate_terraform") is None:
            calls.append(("generate_terraform", {"offer_id": top}))
    else:
        # Nothing in the catalog fits: still price the GPU from its market, and still write the
        # Terraform for the configuration asked for, saying that no offer backs it.
        sargs = search.args
        family = sargs.get("gpu_type") or req.gpu_family
        if wants_cost and family and _latest(runs, "forecast_cost") is None:
            fargs: dict[str, Any] = {
                "gpu_type": family,
                "count": sargs.get("min_gpu_count") or 1,
                "hours": hours or DEFAULT_FORECAST_HOURS,
            }
            if req.geo:
                fargs["region"] = req.geo
            calls.append(("forecast_cost", fargs))
        if wants_iac and family and _latest(runs, "generate_terraform") is None:
            targs: dict[str, Any] = {
                "provider": req.provider or "unspecified",
                "gpu_type": family,
                "gpu_count": sargs.get("min_gpu_count") or 1,
                "spot": bool(req.spot),
            }
            if req.region:
                targs["region"] = req.region
            calls.append(("generate_terraform", targs))
    if calls:
        return Step(tool_calls=calls, intent=intent)
    return Step(answer=search_answer(t, req, runs, requirement, carried), intent=intent)


def search_answer(
    t: Translator,
    req: ParsedRequest,
    runs: list[ToolRun],
    requirement: dict[str, Any] | None,
    carried: str | None,
) -> str:
    search = _latest(runs, "search_offers")
    assert search is not None  # nosec B101  # called only after a search ran
    res = search.result
    if "error" in res:
        return _with([t("I could not search the catalog: {error}", error=res["error"])], carried)
    forecast = _latest(runs, "forecast_cost")
    f = forecast.result if forecast else None
    tf = _latest(runs, "generate_terraform")
    lines: list[str] = []
    if req.trend and f is not None and "error" not in f:
        subject = req.gpu_family or (res.get("offers") or [{}])[0].get("gpu_family") or t("This GPU")
        lines += answers.trend_answer(t, subject, f)
        f = None
    if requirement:
        lines.append(answers.sizing_line(t, requirement))
    wanted = answers.describe_filters(t, search.args)
    offers = res.get("offers") or []
    if not offers:
        lines.append(t("No offer matches all of: {wanted}.", wanted=wanted))
        for r in (res.get("relaxations") or [])[:3]:
            near = r["nearest"][0]
            lines.append(
                t(
                    "- {advice}: {total} offers, cheapest {provider} {name} ({count}x {family}) at {price}/h",
                    advice=answers.relax_words(t, r["drop"]),
                    total=r["total"],
                    provider=near["provider"],
                    name=near["name"],
                    count=near["gpu_count"],
                    family=near["gpu_family"],
                    price=t.money(float(near["price_per_hour"])),
                )
            )
        if not res.get("relaxations"):
            lines.append(t("Relaxing any single constraint does not help; try another GPU or region."))
    else:
        lines.append(
            t.tn(
                "{n} offer matches {wanted}:",
                "{n} offers match {wanted}. The cheapest:",
                int(res["total"]),
                wanted=wanted,
            )
        )
        lines.extend(answers.offer_line(t, i, o) for i, o in enumerate(offers[:5], 1))
    lines += answers.cost_lines(t, f, tf.result if tf else None)
    hours = job_hours(req, requirement)
    long_job = req.hosting or (hours is not None and hours > LONG_JOB_HOURS)
    if search.args.get("spot") is False and req.spot is None and long_job:
        lines.append(answers.on_demand_note(t, req.hosting))
    elif offers and (req.spot is True or any(o.get("spot") for o in offers[:1])):
        lines.append(answers.spot_note(t, chosen=req.spot is True, long_job=long_job))
    lines.extend(t("Note: {note}", note=w) for w in res.get("warnings") or [])
    return _with(lines, carried)


def reference_step(
    req: ParsedRequest, runs: list[ToolRun], offers: list[dict[str, Any]], t: Translator, carried: str | None
) -> Step:
    """A pointer at the previous answer's offers: show that offer, price it or write its Terraform."""
    assert req.reference is not None  # nosec B101  # called only for requests with a reference
    offer = resolve_reference(req.reference, offers)
    if offer is None:
        text = (
            t.tn(
                "My last answer showed only {n} offer.", "My last answer showed only {n} offers.", len(offers)
            )
            if offers
            else answers.no_previous_offers(t)
        )
        return Step(answer=text, intent="recommend")
    hours = req.hours if "hours" in req.stated else None
    intent = (
        "terraform"
        if req.intent == "terraform"
        else "forecast"
        if req.intent == "forecast" or hours is not None
        else "recommend"
    )
    wants_cost = intent == "forecast" or hours is not None
    calls: list[tuple[str, dict[str, Any]]] = []
    if _latest(runs, "get_offer") is None:
        calls.append(("get_offer", {"offer_id": offer["id"]}))
    if wants_cost and _latest(runs, "forecast_cost") is None:
        calls.append(("forecast_cost", {"offer_id": offer["id"], "hours": hours or DEFAULT_FORECAST_HOURS}))
    if intent == "terraform" and _latest(runs, "generate_terraform") is None:
        calls.append(("generate_terraform", {"offer_id": offer["id"]}))
    if calls:
        return Step(tool_calls=calls, intent=intent)
    got = _latest(runs, "get_offer")
    current = got.result if got and "error" not in got.result else offer
    lines = [answers.reference_line(t, req.reference, current)]
    forecast = _latest(runs, "forecast_cost")
    tf = _latest(runs, "generate_terraform")
    lines += answers.cost_lines(t, forecast.result if forecast else None, tf.result if tf else None)
    if current.get("spot"):
        lines.append(answers.spot_note(t, chosen=False, long_job=bool(hours and hours > LONG_JOB_HOURS)))
    return Step(answer=_with(lines, carried), intent=intent)


def explain_step(
    req: ParsedRequest,
    runs: list[ToolRun],
    families: list[str],
    requirement: dict[str, Any] | None,
    t: Translator,
    carried: str | None,
) -> Step:
    """Knowledge: passages of the knowledge base (quoted, with sources), the catalog's facts of the GPUs
    named with today's cheapest offer of each, and the workload's sizing."""
    calls: list[tuple[str, dict[str, Any]]] = []
    knowledge = _latest(runs, "search_knowledge")
    if knowledge is None:
        calls.append(("search_knowledge", {"query": req.query or "gpu", "limit": 3}))
    compare = _latest(runs, "compare_offers")
    if families and compare is None:
        calls.append(("compare_offers", compare_args(req, families)))
    if calls:
        return Step(tool_calls=calls, intent="explain")
    lines: list[str] = []
    if requirement:
        lines.append(answers.sizing_line(t, requirement))
        counts = requirement.get("gpu_count_by_family") or {}
        if counts:
            lines.append(
                t(
                    "That is {options}.",
                    options=", ".join(f"{n}x {fam}" for fam, n in list(counts.items())[:5]),
                )
            )
    lines += answers.gpu_facts(t, families, compare.result if compare else None)
    passages = (
        (knowledge.result.get("passages") or []) if knowledge and "error" not in knowledge.result else []
    )
    lines += answers.knowledge_lines(t, terms(req.query), passages)
    if not lines:
        lines.append(answers.no_knowledge(t))
    return Step(answer=_with(lines, carried), intent="explain")


def alert_step(human_texts: list[str], runs: list[ToolRun], t: Translator) -> Step:
    """A price alert: the filters and the threshold come from the same words a search would read."""
    done = _latest(runs, "create_price_alert")
    if done is not None:
        if "error" in done.result:
            return Step(
                answer=t("I could not save the alert: {error}", error=done.result["error"]), intent="alert"
            )
        return Step(
            answer=t("{summary} Manage it at {url}.", summary=done.result["summary"], url=done.result["url"]),
            intent="alert",
        )
    req = understand(human_texts)
    if req.max_price_per_gpu_hour is not None:
        threshold, per = req.max_price_per_gpu_hour, "gpu_hour"
    elif req.max_price_per_hour is not None:
        threshold, per = req.max_price_per_hour, "hour"
    else:
        return Step(
            answer=t(
                "At what price should I tell you? For example: tell me when H100s drop below $2 per GPU-hour."
            ),
            intent="alert",
        )
    args: dict[str, Any] = {"threshold": threshold, "per": per}
    if req.gpu_family:
        args["gpu_type"] = req.gpu_family + (f" {req.gpu_variant}" if req.gpu_variant else "")
    for key, arg in (
        ("min_gpu_count", "gpu_count"),
        ("geo", "geo"),
        ("country", "country"),
        ("provider", "provider"),
        ("spot", "spot"),
    ):
        if getattr(req, key) is not None:
            args[arg] = getattr(req, key)
    if any("email" in text.lower() for text in human_texts[-1:]):
        args["email"] = True
    return Step(tool_calls=[("create_price_alert", args)], intent="alert")


def account_step(
    action: AccountAction,
    human_texts: list[str],
    runs: list[ToolRun],
    previous_offers: list[dict[str, Any]],
    t: Translator,
) -> Step:
    """Booking, booking list, cancellation, spending and price alerts: one tool each, then its answer."""
    if action.action == "create_alert":
        return alert_step(human_texts, runs, t)
    if action.action == "list_bookings":
        listed = _latest(runs, "list_bookings")
        if listed is None:
            args: dict[str, Any] = {"limit": 10}
            if action.state:
                args["state"] = action.state
            return Step(tool_calls=[("list_bookings", args)], intent="bookings")
        return Step(answer=bookings_answer(t, listed.result), intent="bookings")
    if action.action == "spending":
        report = _latest(runs, "spending_report")
        if report is None:
            return Step(tool_calls=[("spending_report", {})], intent="spending")
        return Step(answer=spending_answer(t, report.result), intent="spending")
    if action.action == "cancel_booking":
        done = _latest(runs, "cancel_booking")
        if done is not None:
            return Step(answer=_booking_outcome(t, done.result, t("change the booking")), intent="cancel")
        if action.booking_id:
            return Step(tool_calls=[("cancel_booking", {"booking_id": action.booking_id})], intent="cancel")
        listed = _latest(runs, "list_bookings")
        if listed is None:
            return Step(tool_calls=[("list_bookings", {"limit": 20})], intent="cancel")
        live = [
            b
            for b in listed.result.get("bookings", [])
            if b["state"] in ("draft", "pending_provision", "active")
        ]
        if len(live) == 1:
            return Step(tool_calls=[("cancel_booking", {"booking_id": live[0]["id"]})], intent="cancel")
        if not live:
            return Step(answer=t("You have no booking that is running or about to start."), intent="cancel")
        return Step(
            answer=t("Which one? Say 'cancel booking <id>'.") + "\n" + bookings_answer(t, listed.result),
            intent="cancel",
        )
    # Booking: an offer (named, pointed at, or the top of the thread's search) for a stated number of hours.
    booked = _latest(runs, "book_offer")
    if booked is not None:
        return Step(answer=_booking_outcome(t, booked.result, t("book it")), intent="book")
    req = understand(human_texts)
    if not req.hours:
        return Step(
            answer=t("For how many hours should I book it? (for example: book it for 24 hours)"),
            intent="book",
        )
    offer_id = action.offer_id
    if offer_id is None and req.reference is not None:
        offer = resolve_reference(req.reference, previous_offers)
        if offer is None:
            return Step(answer=answers.no_previous_offers(t), intent="book")
        offer_id = str(offer["id"])
    if offer_id is None:
        search = _latest(runs, "search_offers")
        if search is None:
            return Step(tool_calls=[("search_offers", search_args(req, None))], intent="book")
        offers = search.result.get("offers") or []
        if not offers:
            wanted = answers.describe_filters(t, search.args)
            return Step(
                answer=t("No offer matches {wanted}, so I did not book anything.", wanted=wanted),
                intent="book",
            )
        offer_id = offers[0]["id"]
    return Step(tool_calls=[("book_offer", {"offer_id": offer_id, "hours": req.hours})], intent="book")


def _booking_outcome(t: Translator, result: dict[str, Any], what: str) -> str:
    if "error" in result:
        return t("I could not {what}: {error}", what=what, error=result["error"])
    message = str(result.get("message") or "")
    booking = result.get("booking")
    if booking and result.get("status") in ("submitted", "cancelled", "stopping"):
        message += " " + t(
            "{provider} {offer}, {count}x {gpu} at {price}/h for {hours} h. Details: {url}",
            provider=booking["provider"],
            offer=booking["offer_name"],
            count=booking["gpu_count"],
            gpu=booking["gpu_type"],
            price=t.money(float(booking["hourly_price"])),
            hours=t.number(float(booking["hours"])),
            url=booking["url"],
        )
    return message.strip()


def bookings_answer(t: Translator, result: dict[str, Any]) -> str:
    if "error" in result:
        return t("I could not read the bookings: {error}", error=result["error"])
    rows = result.get("bookings") or []
    if not rows:
        return t("No bookings yet. Ask me to find an offer and then 'book it for 24 hours'.")
    lines = [t("{n} bookings, newest first:", n=result.get("total", len(rows)))]
    for b in rows:
        lines.append(
            t(
                "- {id}: {state}, {provider} {offer} ({count}x {gpu}) at {price}/h for {hours} h",
                id=b["id"],
                state=b["state"].replace("_", " "),
                provider=b["provider"],
                offer=b["offer_name"],
                count=b["gpu_count"],
                gpu=b["gpu_type"],
                price=t.money(float(b["hourly_price"])),
                hours=t.number(float(b["hours"])),
            )
        )
    return "\n".join(lines)


def spending_answer(t: Translator, result: dict[str, Any]) -> str:
    if "error" in result:
        return t("I could not read the spending: {error}", error=result["error"])
    lines = [str(result.get("summary") or t("Spending:"))]
    for inv in (result.get("invoices") or [])[:10]:
        lines.append(f"- {inv['number']} ({inv['day']}): {inv['total']} {inv['currency']}")
    return "\n".join(lines)


def tool_runs_from_messages(pairs: list[tuple[str, dict[str, Any], str]]) -> list[ToolRun]:
    runs = []
    for name, args, content in pairs:
        try:
            result = json.loads(content)
        except (TypeError, ValueError):
            result = {"error": str(content)}
        runs.append(ToolRun(name, args, result if isinstance(result, dict) else {"value": result}))
    return runs
