"""Request understanding for the offline planner: one free-text message in, a structured request out.

``parse_request`` is the deterministic stand-in for the LLM that reads what a user asks the GPU
assistant.  It finds the GPU family (aliases and typos, through ``catalog.gpus``), the GPU count, the
per-GPU memory, budgets (per instance-hour, per GPU-hour or for the whole job), the rental duration,
the place (through ``catalog.regions``), spot vs on-demand, the provider and the workload (model size,
task, precision, context, batch), and decides the main ask: offers (recommend), a side-by-side
(compare), a cost or price outlook (forecast), infrastructure code (terraform) or an answer that needs
no search (explain).  Follow-ups pass the thread's previous result: what the new message does not
mention is kept, what it mentions replaces the earlier value.  The parser reports what the text says
and nothing more; turning a workload into GPU counts is ``catalog.sizing``'s job.
"""

from __future__ import annotations

import re

from agent.parser.dialogue import (
    asks_about_offer,
    find_reference,
    find_reset,
    has_cue,
    is_bare,
    is_hosting,
    is_question,
    is_small_talk,
    is_trend_question,
)
from agent.parser.durations import find_hours
from agent.parser.gpus import find_gpus, masked, owned_by_user
from agent.parser.intent import (
    FOLLOW_UP_START_RE,
    continues,
    decide_intent,
    has_intent_cue,
    has_intent_cue_beyond_question,
)
from agent.parser.lang import detect_language, to_english
from agent.parser.model import Intent, ParsedRequest, Sort, Task, Workload
from agent.parser.money import find_budget, find_memory
from agent.parser.numbers import find_count
from agent.parser.places import find_places
from agent.parser.providers import find_providers, find_spot
from agent.parser.text import normalize
from agent.parser.workload import find_workload

__all__ = ["Intent", "ParsedRequest", "Sort", "Task", "Workload", "carried_over", "parse_request"]

#: Hours a month of round-the-clock running is priced for (the system prompt's "a month is 720 hours").
HOURS_PER_MONTH = 720.0

_CHEAP_RE = re.compile(
    r"\b(?:cheapest|cheaper|lowest[- ]pric(?:e|ed)|least expensive|most affordable|as cheap(?:ly)? as possible|"
    r"for cheap)\b"
)


def parse_request(text: str, previous: ParsedRequest | None = None) -> ParsedRequest:
    """Read ``text`` (one user message) into a ParsedRequest, on top of ``previous`` for follow-ups."""
    original = text or ""
    told = detect_language(original)
    language = told or (previous.language if previous is not None else "en")
    s = to_english(normalize(original), told)
    reset, rest = find_reset(s)
    if reset:
        # "forget that, 2 A100 in Spain": the new request stands alone.
        previous, s = None, rest
    found = find_gpus(s)
    gpus = [g for g in found if not owned_by_user(s, g)]
    owned = [g for g in found if g not in gpus]
    families = list(dict.fromkeys(g.family for g in gpus))
    providers = find_providers(s, original)
    places, region = find_places(
        s, original, [(g.start, g.end) for g in gpus], providers[0] if len(providers) == 1 else None
    )
    count = find_count(masked(s, gpus, owned))
    memory = find_memory(s)
    if memory is None:
        memory = next((g.memory_gb for g in gpus if g.memory_gb), None)
    budget = find_budget(s, families)
    hours = find_hours(s, count)
    spot = find_spot(s)
    workload = find_workload(s)

    searchy = bool(providers or places or budget.per_hour or budget.per_gpu_hour)
    budget_given = bool(budget.per_hour or budget.per_gpu_hour or budget.total)
    decided = decide_intent(
        s, len(families), len(providers), searchy, previous, budget_given, has_task=workload is not None
    )
    reference = find_reference(s)
    trend = is_trend_question(s)
    hosting = is_hosting(s)

    out = previous.model_copy(deep=True) if previous is not None else ParsedRequest()
    out.intent = decided.intent

    if len(families) >= 2:
        out.compare_families = families
        out.gpu_family = out.gpu_variant = None
    elif families:
        if (
            previous is not None
            and decided.intent == "compare"
            and previous.intent == "compare"
            and len(previous.compare_families) >= 2
            and FOLLOW_UP_START_RE.search(s)
            and not re.search(r"\binstead\b", s)
        ):
            # "and vs H200?" adds a side to the comparison on the table.
            out.compare_families = list(dict.fromkeys([*previous.compare_families, *families]))
        else:
            out.gpu_family, out.gpu_variant = families[0], gpus[0].variant
            out.compare_families = []
    elif decided.intent != "compare":
        out.compare_families = []

    if count is not None:
        out.min_gpu_count = count
    if memory is not None:
        out.min_gpu_memory_gb = memory
    # A newly stated hourly budget replaces the earlier one of either kind: the user restated the price.
    if budget.per_hour is not None or budget.per_gpu_hour is not None:
        out.max_price_per_hour = budget.per_hour
        out.max_price_per_gpu_hour = budget.per_gpu_hour
    if budget.total is not None:
        out.total_budget = budget.total
    if hours is not None:
        out.hours = hours

    if places:
        # Places on one continent ("Sweden or Finland") narrow to it; places on several ("the US or
        # Europe", two sides of a comparison) leave the place open.
        geos = {p.geo for p in places}
        countries = {p.country for p in places}
        out.geo = places[0].geo if len(geos) == 1 else None
        out.country = places[0].country if len(geos) == 1 and len(countries) == 1 else None
        out.region = region if len(geos) == 1 else None
    elif re.search(r"\b(?:any ?where|any region|all regions|any country|worldwide|globally)\b", s):
        out.geo = out.country = out.region = None
    if spot is not None:
        out.spot = spot
    elif re.search(r"\b(?:spot or (?:not|on[- ]?demand)|either (?:spot|way)|don'?t care about spot)\b", s):
        out.spot = None
    if len(providers) == 1:
        out.provider = providers[0]
    elif len(providers) > 1 or re.search(r"\bany (?:provider|cloud|vendor)\b", s):
        out.provider = None

    if workload is not None:
        if out.workload is not None:
            merged = out.workload.model_dump()
            merged.update({k: v for k, v in workload.model_dump().items() if v is not None})
            out.workload = Workload(**merged)
        else:
            out.workload = workload

    if _CHEAP_RE.search(s):
        per_gpu = re.search(r"\b(?:cheapest|cheaper|lowest)\b[^,.;]{0,12}\bper[-\s]gpu\b", s)
        out.sort = "price_per_gpu_asc" if per_gpu else "price_asc"
    previous_iac = previous.wants_iac if previous is not None else False
    previous_forecast = previous.wants_forecast if previous is not None else False
    out.wants_iac = decided.wants_iac or decided.intent == "terraform" or previous_iac
    out.wants_forecast = (
        decided.cost_question or decided.intent == "forecast" or hours is not None or previous_forecast
    )

    stated = [
        name
        for name, said in (
            ("gpu", bool(families)),
            ("count", count is not None),
            ("memory", memory is not None),
            ("budget", budget_given),
            ("hours", hours is not None),
            ("place", bool(places)),
            ("provider", bool(providers)),
            ("spot", spot is not None),
            ("workload", workload is not None),
        )
        if said
    ]
    out.language, out.reset, out.reference, out.query = language, reset, reference, s.strip()
    out.stated = stated
    if hosting:
        out.hosting = True
        if out.hours is None:
            out.hours = HOURS_PER_MONTH
            out.wants_forecast = True
    # A reference points at an offer already found; a new constraint starts a new search instead.
    if reference is not None and stated and set(stated) - {"hours"} and not asks_about_offer(s):
        out.reference = None
    if (trend and out.hours is None) or (trend and decided.intent == "forecast" and hours is None):
        out.trend = trend
    if out.trend and out.intent in ("recommend", "explain") and (families or previous is not None):
        out.intent = "forecast"
    # Nothing to act on: no value, no ask in words, no pointer at the last answer.
    actionable = bool(
        stated
        or out.reference
        or trend
        or hosting
        or has_intent_cue(s)
        or has_cue(s)
        or _CHEAP_RE.search(s)
        or (previous is not None and continues(s))
    )
    # "what is the weather in Paris": a question naming only a place, with no word about GPUs or offers.
    off_topic = (
        previous is None
        and is_question(s)
        and set(stated) <= {"place", "hours"}
        and not (has_cue(s) or has_intent_cue_beyond_question(s) or trend or hosting or out.reference)
        and out.intent == "recommend"
    )
    if reset and is_bare(s):
        out.intent = "reset"
    elif is_small_talk(s) or not actionable or off_topic:
        out.intent = "unclear"
    return out


#: The constraint fields and which statement of a message sets each.
_CARRIED_FIELDS: tuple[tuple[str, str], ...] = (
    ("gpu", "gpu_family"),
    ("gpu", "compare_families"),
    ("count", "min_gpu_count"),
    ("memory", "min_gpu_memory_gb"),
    ("budget", "max_price_per_hour"),
    ("budget", "max_price_per_gpu_hour"),
    ("budget", "total_budget"),
    ("hours", "hours"),
    ("place", "geo"),
    ("place", "country"),
    ("place", "region"),
    ("provider", "provider"),
    ("spot", "spot"),
    ("workload", "workload"),
)


def carried_over(req: ParsedRequest) -> list[str]:
    """The fields of the thread's request that earlier messages set and the last one did not restate."""
    out: list[str] = []
    for statement, name in _CARRIED_FIELDS:
        value = getattr(req, name)
        if value in (None, [], "") or statement in req.stated:
            continue
        if name == "hours" and req.hosting and value == HOURS_PER_MONTH:
            continue
        out.append(name)
    return out
