"""The offline planner's decisions: which tools to call next, and the answer once they have run.

It is the brain of :class:`agent.offline.OfflinePlannerModel`, kept apart from LangChain so that it
is plain, testable code: the request is read by :mod:`agent.parser` (earlier messages of the thread
give the context of a follow-up), then each step looks at which tools already ran in this turn and
what they returned.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from agent.actions import AccountAction, detect_action
from agent.parser import ParsedRequest, parse_request
from catalog.gpus import GPUS

DEFAULT_FORECAST_HOURS = 24.0
_CONSTRAINTS = re.compile(r"\n*\[constraints: (?P<body>[^\]]*)\]\s*$")
GEO_NAMES = {
    "na": "North America",
    "sa": "South America",
    "eu": "Europe",
    "asia": "Asia",
    "oceania": "Oceania",
    "me": "the Middle East",
    "af": "Africa",
}


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
    if c.get("region"):
        place = resolve_place(c["region"])
        if place is not None:
            req.geo, req.country = place.geo, place.country
        else:
            req.region = c["region"]
    if c.get("budget_per_hour"):
        with contextlib.suppress(ValueError):
            req.max_price_per_hour = float(c["budget_per_hour"])
    if c.get("hours"):
        try:
            req.hours = float(c["hours"])
            req.wants_forecast = True
        except ValueError:
            pass
    return req


def understand(human_texts: list[str]) -> ParsedRequest:
    """The thread's request as of its last message: each message parsed on top of the ones before."""
    parsed: ParsedRequest | None = None
    for text in human_texts:
        body, constraints = split_constraints(text)
        parsed = apply_constraints(parse_request(body, parsed), constraints)
    return parsed or parse_request("")


def search_args(req: ParsedRequest, requirement: dict[str, Any] | None) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if req.gpu_family:
        args["gpu_type"] = req.gpu_family + (f" {req.gpu_variant}" if req.gpu_variant else "")
    count = req.min_gpu_count
    if requirement:
        need = float(requirement["total_memory_gb"])
        if req.gpu_family and req.gpu_family in GPUS:
            per_gpu = req.min_gpu_memory_gb or GPUS[req.gpu_family].default_memory_gb
            count = max(count or 1, math.ceil(need / per_gpu))
        else:
            args["min_total_gpu_memory_gb"] = need
    if count:
        args["min_gpu_count"] = count
    if req.min_gpu_memory_gb:
        args["min_gpu_memory_gb"] = req.min_gpu_memory_gb
    max_hour = req.max_price_per_hour
    if req.total_budget and req.hours:
        per_hour = round(req.total_budget / req.hours, 4)
        max_hour = min(max_hour, per_hour) if max_hour else per_hour
    if max_hour:
        args["max_price_per_hour"] = max_hour
    if req.max_price_per_gpu_hour:
        args["max_price_per_gpu_hour"] = req.max_price_per_gpu_hour
    for key in ("geo", "country", "region", "provider", "spot"):
        value = getattr(req, key)
        if value is not None:
            args[key] = value
    if req.sort:
        args["sort"] = req.sort
    args["limit"] = 5
    return args


def compare_args(req: ParsedRequest, families: list[str]) -> dict[str, Any]:
    args: dict[str, Any] = {"gpu_types": families}
    for key in ("min_gpu_count", "geo", "country", "provider", "spot"):
        if getattr(req, key) is not None:
            args[key] = getattr(req, key)
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
    action = detect_action(split_constraints(human_texts[-1])[0])
    if action is None and len(human_texts) >= 2:
        before = detect_action(split_constraints(human_texts[-2])[0])
        last = parse_request(split_constraints(human_texts[-1])[0])
        if before is not None and before.action == "book" and last.hours and not last.gpu_family:
            return before
    return action


def next_step(human_texts: list[str], runs: list[ToolRun]) -> Step:
    action = account_action(human_texts)
    if action is not None:
        return account_step(action, human_texts, runs)
    req = understand(human_texts)
    intent = req.intent
    wl = req.workload
    hours = req.hours
    wants_cost = intent == "forecast" or req.wants_forecast or hours is not None
    wants_iac = intent == "terraform" or req.wants_iac

    estimate = _latest(runs, "estimate_requirements")
    if wl and wl.model_params_b and estimate is None:
        args: dict[str, Any] = {"params_b": wl.model_params_b, "task": wl.task or "inference"}
        if wl.precision:
            args["precision"] = wl.precision
        if wl.context:
            args["context"] = wl.context
        if wl.batch:
            args["batch"] = wl.batch
        return Step(tool_calls=[("estimate_requirements", args)], intent=intent)
    requirement = estimate.result if estimate and "error" not in estimate.result else None

    families = req.compare_families or ([req.gpu_family] if req.gpu_family else [])
    if intent == "explain":
        # Facts about the GPUs asked about come from the catalog, with today's cheapest offer of each.
        compare = _latest(runs, "compare_offers")
        if families and compare is None:
            return Step(tool_calls=[("compare_offers", compare_args(req, families))], intent=intent)
        return Step(
            answer=explain_answer(req, requirement, compare.result if compare else None), intent=intent
        )

    if intent == "compare" and len(req.compare_families) >= 2:
        compare = _latest(runs, "compare_offers")
        if compare is None:
            return Step(
                tool_calls=[("compare_offers", compare_args(req, req.compare_families))], intent=intent
            )
        return Step(answer=compare_answer(req, compare.result), intent=intent)

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
        if wants_cost and req.gpu_family and _latest(runs, "forecast_cost") is None:
            fargs: dict[str, Any] = {
                "gpu_type": sargs.get("gpu_type", req.gpu_family),
                "count": sargs.get("min_gpu_count") or 1,
                "hours": hours or DEFAULT_FORECAST_HOURS,
            }
            if req.geo:
                fargs["region"] = req.geo
            calls.append(("forecast_cost", fargs))
        if wants_iac and req.gpu_family and _latest(runs, "generate_terraform") is None:
            targs: dict[str, Any] = {
                "provider": req.provider or "unspecified",
                "gpu_type": sargs.get("gpu_type", req.gpu_family),
                "gpu_count": sargs.get("min_gpu_count") or 1,
                "spot": bool(req.spot),
            }
            if req.region:
                targs["region"] = req.region
            calls.append(("generate_terraform", targs))
    if calls:
        return Step(tool_calls=calls, intent=intent)
    return Step(answer=search_answer(req, runs, requirement), intent=intent)


def alert_step(human_texts: list[str], runs: list[ToolRun]) -> Step:
    """A price alert: the filters and the threshold come from the same words a search would read."""
    done = _latest(runs, "create_price_alert")
    if done is not None:
        if "error" in done.result:
            return Step(answer=f"I could not save the alert: {done.result['error']}", intent="alert")
        return Step(answer=f"{done.result['summary']} Manage it at {done.result['url']}.", intent="alert")
    req = understand(human_texts)
    if req.max_price_per_gpu_hour is not None:
        threshold, per = req.max_price_per_gpu_hour, "gpu_hour"
    elif req.max_price_per_hour is not None:
        threshold, per = req.max_price_per_hour, "hour"
    else:
        return Step(
            answer="At what price should I tell you? For example: tell me when H100s drop below $2 per GPU-hour.",
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
    if any("email" in t.lower() for t in human_texts[-1:]):
        args["email"] = True
    return Step(tool_calls=[("create_price_alert", args)], intent="alert")


def account_step(action: AccountAction, human_texts: list[str], runs: list[ToolRun]) -> Step:
    """Booking, booking list, cancellation, spending and price alerts: one tool each, then its answer."""
    if action.action == "create_alert":
        return alert_step(human_texts, runs)
    if action.action == "list_bookings":
        listed = _latest(runs, "list_bookings")
        if listed is None:
            args: dict[str, Any] = {"limit": 10}
            if action.state:
                args["state"] = action.state
            return Step(tool_calls=[("list_bookings", args)], intent="bookings")
        return Step(answer=bookings_answer(listed.result), intent="bookings")
    if action.action == "spending":
        report = _latest(runs, "spending_report")
        if report is None:
            return Step(tool_calls=[("spending_report", {})], intent="spending")
        return Step(answer=spending_answer(report.result), intent="spending")
    if action.action == "cancel_booking":
        done = _latest(runs, "cancel_booking")
        if done is not None:
            return Step(answer=_booking_outcome(done.result, "change the booking"), intent="cancel")
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
            return Step(answer="You have no booking that is running or about to start.", intent="cancel")
        return Step(
            answer="Which one? Say 'cancel booking <id>'.\n" + bookings_answer(listed.result), intent="cancel"
        )
    # Booking: an offer (named, or the top of the thread's search) for a stated number of hours.
    booked = _latest(runs, "book_offer")
    if booked is not None:
        return Step(answer=_booking_outcome(booked.result, "book it"), intent="book")
    req = understand(human_texts)
    if not req.hours:
        return Step(
            answer="For how many hours should I book it? (for example: book it for 24 hours)", intent="book"
        )
    offer_id = action.offer_id
    if offer_id is None:
        search = _latest(runs, "search_offers")
        if search is None:
            return Step(tool_calls=[("search_offers", search_args(req, None))], intent="book")
        offers = search.result.get("offers") or []
        if not offers:
            wanted = describe_filters(search.args)
            return Step(answer=f"No offer matches {wanted}, so I did not book anything.", intent="book")
        offer_id = offers[0]["id"]
    return Step(tool_calls=[("book_offer", {"offer_id": offer_id, "hours": req.hours})], intent="book")


def _booking_outcome(result: dict[str, Any], what: str) -> str:
    if "error" in result:
        return f"I could not {what}: {result['error']}"
    message = str(result.get("message") or "")
    booking = result.get("booking")
    if booking and result.get("status") in ("submitted", "cancelled", "stopping"):
        message += (
            f" {booking['provider']} {booking['offer_name']}, {booking['gpu_count']}x {booking['gpu_type']}"
            f" at {_money(booking['hourly_price'])}/h for {booking['hours']:g} h. Details: {booking['url']}"
        )
    return message.strip()


def bookings_answer(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"I could not read the bookings: {result['error']}"
    rows = result.get("bookings") or []
    if not rows:
        return "No bookings yet. Ask me to find an offer and then 'book it for 24 hours'."
    lines = [f"{result.get('total', len(rows))} bookings, newest first:"]
    for b in rows:
        lines.append(
            f"- {b['id']}: {b['state'].replace('_', ' ')}, {b['provider']} {b['offer_name']} "
            f"({b['gpu_count']}x {b['gpu_type']}) at {_money(b['hourly_price'])}/h for {b['hours']:g} h"
        )
    return "\n".join(lines)


def spending_answer(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"I could not read the spending: {result['error']}"
    lines = [str(result.get("summary") or "Spending:")]
    for inv in (result.get("invoices") or [])[:10]:
        lines.append(f"- {inv['number']} ({inv['day']}): {inv['total']} {inv['currency']}")
    return "\n".join(lines)


# --- answers ---------------------------------------------------------------------------------------


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _offer_line(i: int, o: dict[str, Any]) -> str:
    variant = f" {o['gpu_variant']}" if o.get("gpu_variant") else ""
    place = o["region"] or GEO_NAMES.get(o.get("geo") or "", "unspecified region")
    spot = ", spot" if o.get("spot") else ""
    age = f"; price as of {o['price_as_of'][:10]}, {o['price_age']}" if o.get("price_as_of") else ""
    return (
        f"{i}. {o['provider']} {o['name']}: {o['gpu_count']}x {o['gpu_family']}{variant} "
        f"{o['gpu_memory_gb']:g} GB, {place}{spot} at {_money(o['price_per_hour'])}/h "
        f"({_money(o['price_per_gpu_hour'])}/GPU-h{age})"
    )


def describe_filters(f: dict[str, Any]) -> str:
    parts = []
    if f.get("min_gpu_count"):
        parts.append(f"{f['min_gpu_count']}+ GPUs")
    if f.get("gpu_type"):
        parts.append(str(f["gpu_type"]))
    if f.get("min_gpu_memory_gb"):
        parts.append(f">= {f['min_gpu_memory_gb']:g} GB per GPU")
    if f.get("min_total_gpu_memory_gb"):
        parts.append(f">= {f['min_total_gpu_memory_gb']:g} GB GPU memory in total")
    if f.get("geo"):
        parts.append(f"in {GEO_NAMES.get(f['geo'], f['geo'])}")
    if f.get("country"):
        parts.append(f"in {f['country']}")
    if f.get("region"):
        parts.append(f"in region {f['region']}")
    if f.get("provider"):
        parts.append(f"on {f['provider']}")
    if f.get("max_price_per_hour"):
        parts.append(f"under {_money(f['max_price_per_hour'])}/h")
    if f.get("max_price_per_gpu_hour"):
        parts.append(f"under {_money(f['max_price_per_gpu_hour'])}/GPU-h")
    if f.get("spot") is True:
        parts.append("spot")
    if f.get("spot") is False:
        parts.append("on-demand")
    return ", ".join(parts) or "any GPU"


RELAX_WORDS = {
    "max_price": "raise the hourly budget",
    "max_price_per_gpu": "raise the per-GPU-hour budget",
    "gpu_count": "accept fewer GPUs",
    "gpu_memory_gb": "accept less memory per GPU",
    "total_gpu_memory_gb": "accept less total GPU memory",
    "spot": "allow both spot and on-demand",
    "country": "widen the country",
    "region": "widen the region",
    "geo": "look outside that continent",
    "provider": "allow other providers",
    "q": "drop the keyword",
    "gpu_type": "consider another GPU type",
}


def search_answer(req: ParsedRequest, runs: list[ToolRun], requirement: dict[str, Any] | None) -> str:
    search = _latest(runs, "search_offers")
    assert search is not None
    res = search.result
    lines: list[str] = []
    if "error" in res:
        return f"I could not search the catalog: {res['error']}"
    if requirement:
        lines.append(f"Sizing: {requirement['rule']}")
    wanted = describe_filters(search.args)
    if not res.get("offers"):
        lines.append(f"No offer matches all of: {wanted}.")
        for r in (res.get("relaxations") or [])[:3]:
            near = r["nearest"][0]
            lines.append(
                f"- {RELAX_WORDS.get(r['drop'], 'drop ' + r['drop'])}: {r['total']} offers, cheapest {near['provider']} "
                f"{near['name']} ({near['gpu_count']}x {near['gpu_family']}) at {_money(near['price_per_hour'])}/h"
            )
        if not res.get("relaxations"):
            lines.append("Relaxing any single constraint does not help; try another GPU or region.")
        lines += _cost_and_iac_lines(runs)
        return "\n".join(lines)
    lines.append(f"{res['total']} offers match {wanted}. The cheapest:")
    lines.extend(_offer_line(i, o) for i, o in enumerate(res["offers"][:5], 1))
    lines += _cost_and_iac_lines(runs)
    for w in res.get("warnings") or []:
        lines.append(f"Note: {w}")
    return "\n".join(lines)


def trend_sentence(trend: dict[str, Any]) -> str:
    """'Market index: flat (+0.0% over the next 30 days, 80%: -5.3% to +5.6%); it moved -8.0% in the
    30 days to 2026-06-18.'"""
    days = trend.get("days", 30)
    text = (
        f"Market index: {trend['direction']} ({trend['change_pct_30d']:+.1f}% over the next {days} days, "
        f"80%: {trend['low80_pct']:+.1f}% to {trend['high80_pct']:+.1f}%)"
    )
    if trend.get("past_change_pct_30d") is not None:
        text += f"; it moved {trend['past_change_pct_30d']:+.1f}% in the 30 days to {trend['history_end']}"
    return text + "."


def _cost_and_iac_lines(runs: list[ToolRun]) -> list[str]:
    lines = []
    forecast = _latest(runs, "forecast_cost")
    if forecast and "error" not in forecast.result:
        f = forecast.result
        lines.append(
            f"Cost for {f['hours']:g} h: about {_money(f['total'])} ({_money(f['hourly'])}/h, {_money(f['daily'])}/day); "
            f"likely range {_money(f['ci_low'])}-{_money(f['ci_high'])}/h. Basis: {f['basis']}."
        )
        if f.get("trend"):
            lines.append(trend_sentence(f["trend"]))
        lines.extend(f"Note: {w}" for w in f.get("warnings") or [] if "of the past" in w)
    elif forecast:
        lines.append(f"I could not price it: {forecast.result['error']}")
    tf = _latest(runs, "generate_terraform")
    if tf and "error" not in tf.result:
        lines.append(f"Terraform ({tf.result['template']}) is below.")
        lines.extend(f"Note: {n}" for n in tf.result.get("notes", []))
    return lines


def compare_answer(req: ParsedRequest, result: dict[str, Any]) -> str:
    if "error" in result:
        return f"I could not compare them: {result['error']}"
    lines = ["Side by side:"]
    for g in result.get("gpus", []):
        cheapest = g.get("cheapest")
        price = (
            f"cheapest {cheapest['provider']} {cheapest['gpu_count']}x at {_money(cheapest['price_per_hour'])}/h "
            f"({_money(cheapest['price_per_gpu_hour'])}/GPU-h)"
            if cheapest
            else "no offer in the catalog"
        )
        lines.append(
            f"- {g['family']} ({g['vendor']} {g['architecture']}, {g['memory_gb']:g} GB): {g['offers']} offers, {price}"
        )
    return "\n".join(lines)


def explain_answer(
    req: ParsedRequest, requirement: dict[str, Any] | None, compare: dict[str, Any] | None = None
) -> str:
    lines: list[str] = []
    if requirement:
        lines.append(
            f"Estimated need: {requirement['total_memory_gb']:g} GB of GPU memory. {requirement['rule']}"
        )
        counts = requirement.get("gpu_count_by_family") or {}
        if counts:
            lines.append("That is " + ", ".join(f"{n}x {fam}" for fam, n in list(counts.items())[:5]) + ".")
    families = req.compare_families or ([req.gpu_family] if req.gpu_family else [])
    cheapest = {g["family"]: g.get("cheapest") for g in (compare or {}).get("gpus", [])}
    for fam in families:
        model = GPUS.get(fam)
        if model:
            mem = ", ".join(f"{v} {g:g} GB" for v, g in model.memory_gb.items())
            line = f"{fam}: {model.vendor} {model.architecture}; memory {mem}."
            offer = cheapest.get(fam)
            if offer:
                line += (
                    f" Cheapest today: {offer['provider']} at {_money(offer['price_per_gpu_hour'])}/GPU-h."
                )
            lines.append(line)
    if not lines:
        lines.append(
            "I can find GPU offers, compare GPUs, size a model workload and price it. "
            "Tell me the GPU, count, region or budget, or the model you want to run."
        )
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
