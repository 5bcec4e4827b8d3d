"""Scorers of the assistant evals. Each reads one case's gold ``expect`` and what the agent did.

- intent: the answer's intent equals the gold intent.
- filters: for each gold filter field present, the filters the agent actually searched with equal it
  (search_offers arguments, the GPU types of compare_offers, the GPU of forecast_cost).
- validity: every recommended offer satisfies all gold filters, checked against the catalog.
- cheapest_in_top3: the cheapest offer satisfying the gold filters is among the first three
  recommendations (a tie on price counts); skipped when no offer satisfies them. When the turn sized a
  workload (estimate_requirements), "satisfying" also means holding that much GPU memory in total:
  otherwise an 8 GB card would count as the right answer for a 70B model.
- needs_met: the Terraform parses, the forecast is there with ci_low <= hourly <= ci_high, the
  hours are used as given, and the tools a case names (``needs.tools``) were called.
- mention: an answer contains the gold facts: ``expect.must_mention`` is a list of groups of accepted
  words, and every group must have one of its words in the answer (case-insensitive).
- trend: a price-direction answer states a direction and its size (``expect.trend``): the forecast it
  shows has a trend, and the answer names that direction and its 30-day change in percent.
- language: the answer is in the user's language (``expect.language``), as an independent identifier
  (py3langid, limited to en/de/fr/es) reads it; quotes of English sources ("> ...") and the source list
  are left out, since they are quoted as written.
- offers: ``expect.offers: 0`` means the answer shows no offer at all ("I did not understand").
- approval: for account actions, the run paused to ask exactly what the gold says (``expect.approval``:
  the action, the hours and, with gold filters, the cheapest offer satisfying them, a tie on price
  counting), or did not pause when the gold is ``null`` (say, a booking without hours asks for them);
  and nothing was booked without an approval.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from catalog import service
from catalog.gpus import resolve_gpu
from catalog.schemas import OfferFilters
from core.errors import AppError

FILTER_FIELDS = (
    "gpu_family",
    "gpu_families",
    "min_gpu_count",
    "min_gpu_memory_gb",
    "max_price_per_hour",
    "max_price_per_gpu_hour",
    "geo",
    "country",
    "spot",
    "provider",
)


@dataclass
class Observed:
    """What the agent did in one turn, read from its tool calls and result."""

    intent: str | None
    searched: dict[str, Any]
    recommendations: list[dict[str, Any]]
    forecast: dict[str, Any] | None
    iac: dict[str, Any] | None
    forecast_hours: float | None
    latency_ms: float
    first_event_ms: float
    error: str | None = None
    required_total_gb: float | None = None
    approval: dict[str, Any] | None = None
    tools: list[str] = field(default_factory=list)
    booked: bool = False
    summary: str = ""
    language: str | None = None
    nearest: int = 0


@dataclass
class CaseScore:
    id: str
    intent: bool | None = None
    filters: tuple[int, int] = (0, 0)  # (fields right, fields present)
    validity: bool | None = None
    cheapest_in_top3: bool | None = None
    needs_met: bool | None = None
    approval: bool | None = None
    mention: bool | None = None
    trend: bool | None = None
    language: bool | None = None
    offers: bool | None = None
    why: list[str] = field(default_factory=list)

    def passed(self) -> bool:
        """Every check that applies to the case held (the per-category accuracy counts these)."""
        checks = [
            self.intent,
            self.validity,
            self.cheapest_in_top3,
            self.needs_met,
            self.approval,
            self.mention,
            self.trend,
            self.language,
            self.offers,
        ]
        return not any(c is False for c in checks) and self.filters[0] == self.filters[1]


def searched_filters(tool_calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The filters of the turn, in the eval's field names (the last search wins)."""
    out: dict[str, Any] = {}
    for name, args in tool_calls:
        if name == "search_offers":
            out = {}
            if args.get("gpu_type"):
                gpu = resolve_gpu(str(args["gpu_type"]))
                out["gpu_family"] = gpu.family if gpu else args["gpu_type"]
                if gpu and gpu.memory_gb and not args.get("min_gpu_memory_gb"):
                    out["min_gpu_memory_gb"] = gpu.memory_gb
            if args.get("gpu_types"):
                out["gpu_families"] = [g.family for t in args["gpu_types"] if (g := resolve_gpu(str(t)))]
            for key in (
                "min_gpu_count",
                "min_gpu_memory_gb",
                "max_price_per_hour",
                "max_price_per_gpu_hour",
                "geo",
                "country",
                "spot",
                "provider",
            ):
                if args.get(key) is not None:
                    out[key] = args[key]
        elif name == "compare_offers" and not out:
            fams = [g.family for t in args.get("gpu_types", []) if (g := resolve_gpu(str(t)))]
            if len(fams) == 1:
                out["gpu_family"] = fams[0]
            for key in ("min_gpu_count", "geo", "country", "provider", "spot"):
                if args.get(key) is not None:
                    out[key] = args[key]
        elif name == "forecast_cost" and not out and args.get("gpu_type"):
            gpu = resolve_gpu(str(args["gpu_type"]))
            if gpu:
                out["gpu_family"] = gpu.family
    return out


def _equal(gold: Any, got: Any) -> bool:
    if isinstance(gold, bool) or isinstance(got, bool):
        return gold is got
    if isinstance(gold, int | float) and isinstance(got, int | float):
        return math.isclose(float(gold), float(got), rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(gold, str) and isinstance(got, str):
        return gold.lower() == got.lower()
    if isinstance(gold, list) and isinstance(got, list):
        return sorted(str(g).lower() for g in gold) == sorted(str(g).lower() for g in got)
    return bool(gold == got)


def gold_filters(gold: dict[str, Any]) -> OfferFilters:
    return OfferFilters(
        gpu_type=gold.get("gpu_family"),
        gpu_count=gold.get("min_gpu_count"),
        gpu_memory_gb=gold.get("min_gpu_memory_gb"),
        max_price=gold.get("max_price_per_hour"),
        max_price_per_gpu=gold.get("max_price_per_gpu_hour"),
        geo=gold.get("geo"),
        country=gold.get("country"),
        spot=gold.get("spot"),
        provider=gold.get("provider"),
        availability="up",
        page_size=1,
    )


def cheapest_whole_machine(session: Session, filters: OfferFilters) -> list[dict[str, Any]]:
    """The cheapest offer satisfying ``filters`` whose price is a whole machine's (a list of 0 or 1): the
    catalog's search leaves GPU-only prices (GCP's accelerator rows) out unless asked, as the agent does."""
    found = service.search(
        session, filters.model_copy(update={"page": 1, "page_size": 1, "include_gpu_only": False})
    )
    return [item for item in found["items"] if item.get("price_scope", "machine") == "machine"][:1]


def on_demand_policy(expect: dict[str, Any], gold: dict[str, Any]) -> bool:
    """The agent's rule: a job longer than a day, or hosting around the clock, searches on-demand offers
    unless the user asked for spot. The gold then means on-demand when it says nothing of spot."""
    hours = float(expect.get("hours") or 0)
    return gold.get("spot") is None and (hours > 24 or bool(expect.get("hosting")))


def satisfies(offer: dict[str, Any], gold: dict[str, Any]) -> list[str]:
    bad = []
    checks: dict[str, Callable[[Any], bool]] = {
        "gpu_family": lambda v: offer["gpu_family"] == v,
        "gpu_families": lambda v: offer["gpu_family"] in v,
        "min_gpu_count": lambda v: offer["gpu_count"] >= v,
        "min_gpu_memory_gb": lambda v: offer["gpu_memory_gb"] >= v,
        "max_price_per_hour": lambda v: float(offer["price_per_hour"]) <= v + 1e-9,
        "max_price_per_gpu_hour": lambda v: float(offer["price_per_gpu_hour"]) <= v + 1e-9,
        "geo": lambda v: offer["geo"] == v,
        "country": lambda v: offer["country"] == v,
        "spot": lambda v: bool(offer["spot"]) is v,
        "provider": lambda v: offer["provider"] == v,
    }
    for key, value in gold.items():
        if key in checks and not checks[key](value):
            bad.append(f"{key}={offer.get(key.replace('min_', '').replace('max_', ''), '?')} fails {value}")
    return bad


def hcl_parses(text: str) -> str | None:
    import hcl2

    try:
        hcl2.load(io.StringIO(text))
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return None


def score_case(session: Session, case: dict[str, Any], obs: Observed) -> CaseScore:
    expect = case.get("expect") or {}
    s = CaseScore(id=str(case.get("id")))
    if obs.error:
        s.why.append(f"run failed: {obs.error}")
    if "intent" in expect:
        s.intent = obs.intent == expect["intent"]
        if not s.intent:
            s.why.append(f"intent {obs.intent} != {expect['intent']}")
    gold = {k: v for k, v in (expect.get("filters") or {}).items() if k in FILTER_FIELDS}
    right = 0
    # A turn that acts on an offer of the previous answer ("terraform for the cheapest one") searches
    # nothing: the offer it picked must satisfy the gold instead (the validity check below).
    by_offer = not obs.searched and "get_offer" in obs.tools and bool(obs.recommendations)
    for key, value in gold.items():
        got = obs.searched.get(key)
        if by_offer:
            offer = service.get_offer(session, obs.recommendations[0]["offer_id"])
            if not satisfies(offer, {key: value}):
                right += 1
                continue
            s.why.append(f"filter {key}: the offer pointed at fails {value!r}")
        elif got is not None and _equal(value, got):
            right += 1
        else:
            s.why.append(f"filter {key}: searched {got!r}, expected {value!r}")
    s.filters = (right, len(gold))
    if obs.recommendations and gold:
        bad = []
        for rec in obs.recommendations:
            try:
                offer = service.get_offer(session, rec["offer_id"])
            except Exception:
                bad.append(f"{rec['offer_id']} not in catalog")
                continue
            bad += [f"{rec['offer_id']}: {b}" for b in satisfies(offer, gold)]
        s.validity = not bad
        s.why += bad[:3]
    elif obs.recommendations:
        s.validity = True
    if gold and expect.get("intent") in ("recommend", "terraform", "forecast"):
        filters = gold_filters(gold)
        if obs.required_total_gb:
            filters = filters.model_copy(update={"total_gpu_memory_gb": obs.required_total_gb})
        if on_demand_policy(expect, gold):
            filters = filters.model_copy(update={"spot": False})
        try:
            families = gold.get("gpu_families") or []
            sides = [filters.model_copy(update={"gpu_type": f}) for f in families] if families else [filters]
            found = [o for side in sides for o in cheapest_whole_machine(session, side)]
            cheapest = sorted(found, key=lambda o: float(o["price_per_hour"]))[:1]
        except AppError:  # e.g. a provider the catalog has no offers of: nothing satisfies the gold
            cheapest = []
        if cheapest:
            low = float(cheapest[0]["price_per_hour"])
            top3 = [float(r["price_per_hour"]) for r in obs.recommendations[:3]]
            s.cheapest_in_top3 = any(math.isclose(p, low, abs_tol=1e-6) for p in top3)
            if not s.cheapest_in_top3:
                s.why.append(f"cheapest ${low}/h ({cheapest[0]['id']}) not in top 3 {top3}")
    needs = expect.get("needs") or {}
    checks: list[bool] = []
    if needs.get("iac"):
        err = hcl_parses(obs.iac["terraform"]) if obs.iac else "no terraform"
        checks.append(err is None)
        if err:
            s.why.append(f"iac: {err}")
    if needs.get("forecast"):
        f = obs.forecast
        ok = bool(f) and f["ci_low"] <= f["hourly"] <= f["ci_high"]  # type: ignore[index]
        checks.append(ok)
        if not ok:
            s.why.append(f"forecast missing or interval wrong: {f}")
    if "hours" in expect and (needs.get("forecast") or obs.forecast):
        ok = obs.forecast_hours is not None and math.isclose(
            float(obs.forecast_hours), float(expect["hours"])
        )
        checks.append(ok)
        if not ok:
            s.why.append(f"hours {obs.forecast_hours} != {expect['hours']}")
    for tool in needs.get("tools") or []:
        checks.append(tool in obs.tools)
        if tool not in obs.tools:
            s.why.append(f"tool {tool} not called (called {obs.tools})")
    if checks:
        s.needs_met = all(checks)
    if "approval" in expect:
        s.approval = _approval_ok(session, expect["approval"], gold, obs, s.why)
    if "must_mention" in expect:
        s.mention = mentions_ok(obs.summary, expect["must_mention"], s.why)
    if expect.get("trend"):
        s.trend = trend_ok(obs, s.why)
    if "language" in expect:
        s.language = language_ok(obs.summary, str(expect["language"]), s.why)
    if "offers" in expect:
        shown = len(obs.recommendations) + obs.nearest
        s.offers = shown == int(expect["offers"])
        if not s.offers:
            s.why.append(f"showed {shown} offers, expected {expect['offers']}")
    return s


def mentions_ok(summary: str, groups: list[list[str]], why: list[str]) -> bool:
    text = summary.lower()
    missing = [group for group in groups if not any(word.lower() in text for word in group)]
    for group in missing:
        why.append(f"answer mentions none of {group}")
    return not missing


#: How the answers name a direction, per language (agent/locales); a trend answer must use one.
DIRECTION_WORDS = {
    "up": ("go up", "nach oben", "à la hausse", "al alza"),
    "down": ("go down", "nach unten", "à la baisse", "a la baja"),
    "flat": ("go flat", "seitwärts", "stables", "estables"),
}


def trend_ok(obs: Observed, why: list[str]) -> bool:
    trend = (obs.forecast or {}).get("trend")
    if not trend:
        why.append("no trend in the forecast shown")
        return False
    text = obs.summary.lower()
    direction = str(trend["direction"])
    named = any(word in text for word in DIRECTION_WORDS.get(direction, (direction,)))
    size = f"{abs(float(trend['change_pct_30d'])):.1f}"
    sized = size in text or size.replace(".", ",") in text
    if not named:
        why.append(f"the answer does not say prices go {direction}")
    if not sized:
        why.append(f"the answer does not give the size of the move ({size}%)")
    return named and sized


def _prose(summary: str) -> str:
    """The answer without verbatim quotes of sources, source lists, URLs and code."""
    import re

    lines = [
        line
        for line in summary.splitlines()
        if not line.startswith(("> ", "["))
        and not re.match(r"^\s*(?:sources|quellen|fuentes)\s*:", line, re.I)
    ]
    return re.sub(r"https?://\S+", " ", "\n".join(lines))


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "de", "fr", "es"])
    return identifier


def language_ok(summary: str, want: str, why: list[str]) -> bool:
    got, _ = _identifier().classify(_prose(summary))
    if got != want:
        why.append(f"answer is in {got}, expected {want}")
    return bool(got == want)


def _approval_ok(
    session: Session, want: dict[str, Any] | None, gold: dict[str, Any], obs: Observed, why: list[str]
) -> bool:
    got = obs.approval
    if obs.booked:
        why.append("booked without an approval")
        return False
    if want is None:
        if got is not None:
            why.append(f"asked to approve {got.get('action')} but should not have")
        return got is None
    if got is None:
        why.append(f"did not ask to approve {want.get('action')}")
        return False
    ok = True
    for key in ("action", "hours", "booking_id"):
        if key in want and not _equal(want[key], got.get(key)):
            why.append(f"approval {key} {got.get(key)!r} != {want[key]!r}")
            ok = False
    if gold and got.get("offer_id"):
        try:
            filters = gold_filters(gold)
            if on_demand_policy({"hours": want.get("hours")}, gold):
                filters = filters.model_copy(update={"spot": False})
            cheapest = cheapest_whole_machine(session, filters)
        except AppError:
            cheapest = []
        offer = service.get_offer(session, str(got["offer_id"]))
        bad = satisfies(offer, gold)
        if bad:
            why.append(f"approval offer {got['offer_id']}: {'; '.join(bad)}")
            ok = False
        elif cheapest and not math.isclose(
            float(offer["price_per_hour"]), float(cheapest[0]["price_per_hour"]), abs_tol=1e-6
        ):
            why.append(
                f"approval offer ${offer['price_per_hour']}/h is not the cheapest ${cheapest[0]['price_per_hour']}/h"
            )
            ok = False
    return ok
