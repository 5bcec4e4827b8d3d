"""Tests of the offline planner's request parser (agent.parser).

The dataset test replays evals/datasets/assistant.jsonl the way a chat does (turns of a thread in
order, each given the previous parse) and holds intent and per-field accuracy to 0.95; the unit tests
pin down phrasings that are easy to get wrong (per-GPU vs per-instance budgets, "an hour" as a rate,
"me"/"us"/"hr" that are not places, negated spot, follow-ups that keep earlier constraints).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent.parser import ParsedRequest, parse_request
from catalog.gpus import GPUS

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"
INTENTS = {"recommend", "compare", "forecast", "terraform", "explain"}
FILTER_KEYS = {
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
}
GEOS = {"na", "sa", "eu", "asia", "oceania", "me", "af"}
MIN_ACCURACY = 0.95


def _load(name: str) -> list[dict[str, Any]]:
    with (DATASETS / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _same(got: object, want: object) -> bool:
    if isinstance(want, bool) or isinstance(got, bool) or want is None or got is None:
        return got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-6)
    return got == want


def _score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Replay the rows; threads pass their previous parse along."""
    last: dict[str, ParsedRequest] = {}
    intent_ok = 0
    fields: Counter[str] = Counter()
    fields_ok: Counter[str] = Counter()
    failures: list[str] = []
    for row in rows:
        thread = row.get("thread")
        parsed = parse_request(row["prompt"], last.get(thread) if thread else None)
        if thread:
            last[thread] = parsed
        expect = row["expect"]
        checks: dict[str, tuple[object, object]] = {
            key: (parsed.compare_families if key == "gpu_families" else getattr(parsed, key), want)
            for key, want in expect.get("filters", {}).items()
        }
        if "hours" in expect:
            checks["hours"] = (parsed.hours, expect["hours"])
        for key, want in expect.get("needs", {}).items():
            checks[f"needs.{key}"] = (parsed.wants_iac if key == "iac" else parsed.wants_forecast, want)
        bad = []
        if parsed.intent == expect["intent"]:
            intent_ok += 1
        else:
            bad.append(f"intent={parsed.intent!r} want {expect['intent']!r}")
        for key, (got, want) in checks.items():
            fields[key] += 1
            if _same(got, want):
                fields_ok[key] += 1
            else:
                bad.append(f"{key}={got!r} want {want!r}")
        if bad:
            failures.append(f"{row['id']}: {row['prompt']!r}: {'; '.join(bad)}")
    total = sum(fields.values())
    return {
        "intent": intent_ok / len(rows),
        "fields": sum(fields_ok.values()) / total if total else 1.0,
        "per_field": {k: fields_ok[k] / n for k, n in fields.items()},
        "failures": failures,
    }


# ------------------------------------------------------------------------------------------------
# Datasets
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["assistant.jsonl", "smoke.jsonl", "heldout.jsonl"])
def test_dataset_shape(name: str) -> None:
    rows = _load(name)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for row in rows:
        assert set(row) <= {"id", "prompt", "expect", "thread"}, row["id"]
        assert row["prompt"].strip(), row["id"]
        expect = row["expect"]
        assert set(expect) <= {"intent", "filters", "hours", "needs"}, row["id"]
        assert expect["intent"] in INTENTS, row["id"]
        assert set(expect.get("filters", {})) <= FILTER_KEYS, row["id"]
        assert set(expect.get("needs", {})) <= {"iac", "forecast"}, row["id"]
        if "geo" in expect.get("filters", {}):
            assert expect["filters"]["geo"] in GEOS, row["id"]
        if "country" in expect.get("filters", {}):
            country = expect["filters"]["country"]
            assert len(country) == 2, row["id"]
            assert country.isupper(), row["id"]


def test_assistant_dataset_covers_the_space() -> None:
    rows = _load("assistant.jsonl")
    assert len(rows) >= 220
    intents = Counter(r["expect"]["intent"] for r in rows)
    assert set(intents) == INTENTS
    assert min(intents.values()) >= 20
    geos = {r["expect"].get("filters", {}).get("geo") for r in rows}
    assert geos >= GEOS
    threads = Counter(r["thread"] for r in rows if "thread" in r)
    assert len(threads) >= 10
    assert all(n >= 2 for n in threads.values())


@pytest.mark.parametrize("name", ["assistant.jsonl", "smoke.jsonl", "heldout.jsonl"])
def test_dataset_accuracy(name: str) -> None:
    score = _score(_load(name))
    report = "\n".join(score["failures"][:40])
    assert score["intent"] >= MIN_ACCURACY, f"intent accuracy {score['intent']:.3f}\n{report}"
    fields = f"field accuracy {score['fields']:.3f} {score['per_field']}"
    assert score["fields"] >= MIN_ACCURACY, f"{fields}\n{report}"


# ------------------------------------------------------------------------------------------------
# GPUs and counts
# ------------------------------------------------------------------------------------------------

CANONICAL = [
    "H100", "H200", "B200", "B300", "GH200", "GB200", "A100", "A800", "A40", "A30", "A10", "A10G", "L4",
    "L40", "L40S", "T4", "V100", "P100", "A6000", "A5000", "A4000", "RTX6000ADA", "RTX4090", "RTX4080",
    "RTX3090", "RTX5090", "RTXPRO6000", "MI300X", "MI355X",
]  # fmt: skip


@pytest.mark.parametrize("family", CANONICAL)
def test_every_canonical_family_is_understood(family: str) -> None:
    assert family in GPUS
    assert parse_request(f"need a {family} please").gpu_family == family


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("cheapest H1OO", "H100"),
        ("two a100s", "A100"),
        ("any 4090s?", "RTX4090"),
        ("l40s in europe", "L40S"),
        ("L40 in europe", "L40"),
        ("rtx 6000 ada", "RTX6000ADA"),
        ("RTX PRO 6000 Blackwell", "RTXPRO6000"),
        ("8xH100", "H100"),
        ("h100x8", "H100"),
        ("Instinct MI300X", "MI300X"),
        ("gb200 nvl72", "GB200"),
    ],
)
def test_gpu_aliases_and_typos(text: str, family: str) -> None:
    assert parse_request(text).gpu_family == family


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("4x A100", 4),
        ("8 H100s", 8),
        ("a pair of L4s", 2),
        ("two A10G", 2),
        ("a single H100", 1),
        ("h100 sxm x8 on runpod", 8),
        ("A100 80GB x 8", 8),
        ("H100 SXM5 8x", 8),
        ("2-4 H100s", 2),
        ("eight gpus", 8),
        ("an 8-GPU node", 8),
        ("RTX4090s: 8 of em", 8),
        ("need 192GB GPUs", None),
        ("a 48GB card", None),
        ("us-east-1 h100", None),
        ("h100 for $2 GPU rental", None),
        ("llama 3 70b on an h100", None),
    ],
)
def test_gpu_count(text: str, count: int | None) -> None:
    assert parse_request(text).min_gpu_count == count


def test_alternatives_do_not_narrow_to_the_first_family() -> None:
    parsed = parse_request("L4 or A10G in the US under $1/h")
    assert parsed.intent == "recommend"
    assert parsed.gpu_family is None
    assert parsed.compare_families == ["L4", "A10G"]


# ------------------------------------------------------------------------------------------------
# Memory, budgets, durations
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "memory"),
    [
        ("80GB", 80.0),
        ("80 gigs per GPU", 80.0),
        ("at least 48GB VRAM", 48.0),
        ("48GB+ each", 48.0),
        ("A100 80G", 80.0),
        ("H100 NVL 94GB", 94.0),
        ("A100 with 200GB RAM", None),
        ("A100 with 1TB disk", None),
        ("640GB of VRAM in total", None),
        ("total 320GB across the node", None),
    ],
)
def test_gpu_memory(text: str, memory: float | None) -> None:
    assert parse_request(text).min_gpu_memory_gb == memory


@pytest.mark.parametrize(
    ("text", "per_hour", "per_gpu", "total"),
    [
        ("8x H100 under $8/h", 8.0, None, None),
        ("$2.5/h per gpu", None, 2.5, None),
        ("2.5/h per gpu", None, 2.5, None),
        ("< 20 bucks an hour", 20.0, None, None),
        ("max 2 dollars per GPU-hour", None, 2.0, None),
        ("under $3.2/gpu/hr", None, 3.2, None),
        ("H100s, each under $2.2/hr", None, 2.2, None),
        ("under 3 bucks per card", None, 3.0, None),
        ("$3 per H100 per hour", None, 3.0, None),
        ("8 gpus with 80GB each, under $16/h total", 16.0, None, None),
        ("budget of $500 total", None, None, 500.0),
        ("I have $1,000 to spend", None, None, 1000.0),
        ("any 4090s under 50 cents an hour?", 0.5, None, None),
        ("t4 under 15 cents/hour", 0.15, None, None),
        ("under a dollar an hour", 1.0, None, None),
        ("$48 a day for an A100", 2.0, None, None),
        ("H100 over $2/h", None, None, None),
        ("single H100 under $2", 2.0, None, None),
        ("need 8 H100 for 48h", None, None, None),
    ],
)
def test_budgets(text: str, per_hour: float | None, per_gpu: float | None, total: float | None) -> None:
    parsed = parse_request(text)
    assert (parsed.max_price_per_hour, parsed.max_price_per_gpu_hour) == (per_hour, per_gpu)
    assert parsed.total_budget == total


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("48h", 48.0),
        ("for 36 hours", 36.0),
        ("2 days", 48.0),
        ("for three days", 72.0),
        ("a fortnight of 2 A100s", 336.0),
        ("for a week", 168.0),
        ("two weeks", 336.0),
        ("for a month", 720.0),
        ("the whole month", 720.0),
        ("for a year", 8760.0),
        ("1.5 days", 36.0),
        ("90 minutes", 1.5),
        ("6 hrs", 6.0),
        ("1000 GPU hours on 8 H100", 125.0),
        ("20 bucks an hour", None),
        ("$2.5/h per gpu", None),
        ("$50 a day", None),
        ("will prices drop next month?", None),
        ("how many hours of H100 can I get?", None),
    ],
)
def test_durations(text: str, hours: float | None) -> None:
    parsed = parse_request(text)
    assert parsed.hours == hours
    if hours is not None:
        assert parsed.wants_forecast


# ------------------------------------------------------------------------------------------------
# Places, spot, providers
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "geo", "country"),
    [
        ("H100 in Europe", "eu", None),
        ("A100, EU only", "eu", None),
        ("US-based A100", "na", "US"),
        ("in the us please", "na", "US"),
        ("A100 in germany", "eu", "DE"),
        ("mi300x in asia-pacific", "asia", None),
        ("H100 in the middle east", "me", None),
        ("H100 in Frankfurt", "eu", "DE"),
        ("h100 around $2/hr in Texas", "na", "US"),
        ("a100 in eu-west-1", "eu", "IE"),
        ("A100s in São Paulo", "sa", "BR"),
        ("US or Canada", "na", None),
        ("Spain or Portugal", "eu", None),
        ("in the US or in Europe", None, None),
        ("find me an H100", None, None),
        ("give us an A100", None, None),
        ("A100 under $2/hr with 40 GB", None, None),
        ("make it spot", None, None),
        ("H100 but not in the US", None, None),
    ],
)
def test_places(text: str, geo: str | None, country: str | None) -> None:
    parsed = parse_request(text)
    assert (parsed.geo, parsed.country) == (geo, country)


@pytest.mark.parametrize(
    ("text", "spot"),
    [
        ("spot is fine", True),
        ("preemptible ok", True),
        ("interruptible", True),
        ("community cloud", True),
        ("I don't mind spot", True),
        ("no spot", False),
        ("non-spot", False),
        ("on-demand only", False),
        ("reserved capacity", False),
        ("anything but spot", False),
        ("no preemption", False),
        ("Nothing interruptible please", False),
        ("spot or on-demand, whichever is cheaper", None),
        ("switch from spot to on-demand", False),
        ("H100 in europe", None),
    ],
)
def test_spot(text: str, spot: bool | None) -> None:
    assert parse_request(text).spot is spot


@pytest.mark.parametrize(
    ("text", "provider"),
    [
        ("H100 on Lambda Labs", "lambda"),
        ("AWS", "aws"),
        ("on Google Cloud", "gcp"),
        ("vast.ai", "vast"),
        ("Oracle", "oci"),
        ("OVH", "ovhcloud"),
        ("B200 x 8 on DO", "digitalocean"),
        ("digital ocean", "digitalocean"),
        ("prime intellect", "primeintellect"),
        ("Samsung Cloud Platform", "scp"),
        ("Do you have B200?", None),
        ("not on aws", None),
        ("AWS or GCP", None),
        ("a vast amount of memory", None),
        ("Vultr-like providers", None),
    ],
)
def test_providers(text: str, provider: str | None) -> None:
    assert parse_request(text).provider == provider


# ------------------------------------------------------------------------------------------------
# Workloads
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "params", "task"),
    [
        ("fine-tune Llama 3 70B with LoRA", 70.0, "lora"),
        ("serve mistral 7b", 7.0, "inference"),
        ("train a 1B model from scratch", 1.0, "pre-train"),
        ("QLoRA 65B", 65.0, "qlora"),
        ("full fine-tune of qwen 2.5 32B", 32.0, "fine-tune"),
        ("mixtral 8x7b inference", 46.7, "inference"),
        ("a 13 billion parameter model, inference", 13.0, "inference"),
        ("deploy gpt-oss-120b", 120.0, "inference"),
        ("350M param model pretraining", 0.35, "pre-train"),
    ],
)
def test_workload(text: str, params: float, task: str) -> None:
    workload = parse_request(text).workload
    assert workload is not None
    assert workload.model_params_b == pytest.approx(params)
    assert workload.task == task


def test_workload_details() -> None:
    workload = parse_request("serve llama 3.1 405b in fp8 with 32k context, batch size 8").workload
    assert workload is not None
    assert (workload.precision, workload.context, workload.batch) == ("fp8", 32768, 8)
    assert workload.model_name == "llama 3.1 405b"
    assert parse_request("8 H100 in europe").workload is None


# ------------------------------------------------------------------------------------------------
# Intent
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what is NVLink?", "explain"),
        ("how much VRAM does a 70B model need?", "explain"),
        ("explain the difference between spot and on-demand instances", "explain"),
        ("is the L4 good for inference?", "explain"),
        ("what is the difference in memory between H100 and H200?", "compare"),
        ("H100 vs H200", "compare"),
        ("compare A100 and L40S prices in europe", "compare"),
        ("which is better for training, A100 or H100?", "compare"),
        ("H100 spot vs on-demand on runpod", "compare"),
        ("how much will 8 H100s cost for a week?", "forecast"),
        ("will H100 prices drop next month?", "forecast"),
        ("how much would the cheapest cost for 3 days?", "forecast"),
        ("terraform for 4x A100 on lambda", "terraform"),
        ("give me tf to launch 2 L4s on GCP", "terraform"),
        ("I need the terraform module for an A100 on runpod", "terraform"),
        ("tf for the cheapest 4090 on vast", "terraform"),
        ("8x H100 in EU under $30/h", "recommend"),
        ("what GPUs can I get for under $0.25/hr?", "recommend"),
        ("Do you have B200?", "recommend"),
        ("", "unclear"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert parse_request(text).intent == intent


def test_terraform_as_an_add_on_keeps_the_search() -> None:
    parsed = parse_request("find 8 H100 in EU under $30/h and give me the terraform")
    assert parsed.intent == "recommend"
    assert parsed.wants_iac
    terraform = parse_request("terraform for 4x A100 on lambda")
    assert terraform.intent == "terraform"
    assert terraform.wants_iac


def test_duration_on_a_search_asks_for_a_forecast_but_stays_a_search() -> None:
    parsed = parse_request("cheapest A100 for 3 days")
    assert parsed.intent == "recommend"
    assert (parsed.hours, parsed.wants_forecast, parsed.sort) == (72.0, True, "price_asc")
    assert parse_request("cheapest per GPU H100").sort == "price_per_gpu_asc"


# ------------------------------------------------------------------------------------------------
# Follow-ups
# ------------------------------------------------------------------------------------------------


def test_thread_keeps_and_replaces_constraints() -> None:
    first = parse_request("8x H100 in the US under $25/h")
    assert (first.gpu_family, first.min_gpu_count, first.geo, first.country) == ("H100", 8, "na", "US")

    europe = parse_request("what about in Europe?", first)
    assert (europe.geo, europe.country) == ("eu", None)
    assert (europe.min_gpu_count, europe.max_price_per_hour) == (8, 25.0)

    more = parse_request("and with 16 of them?", europe)
    assert (more.min_gpu_count, more.geo, more.gpu_family) == (16, "eu", "H100")

    cheaper = parse_request("cheaper?", more)
    assert (cheaper.intent, cheaper.sort, cheaper.min_gpu_count) == ("recommend", "price_asc", 16)

    spot = parse_request("make it spot", cheaper)
    assert (spot.spot, spot.geo) == (True, "eu")

    tf = parse_request("now give me the terraform", spot)
    assert (tf.intent, tf.wants_iac) == ("terraform", True)
    assert (tf.spot, tf.min_gpu_count, tf.geo) == (True, 16, "eu")

    # The earlier parse is left as it was.
    assert (first.geo, first.spot) == ("na", None)


def test_follow_up_budget_of_the_other_kind_replaces_the_first() -> None:
    first = parse_request("4x A100 under $10/h")
    second = parse_request("actually cap it at $2 per GPU", first)
    assert (second.max_price_per_hour, second.max_price_per_gpu_hour) == (None, 2.0)
    assert second.min_gpu_count == 4


def test_follow_up_inherits_the_ask() -> None:
    forecast = parse_request("how much would 4 A100s cost for a week?")
    assert forecast.intent == "forecast"
    longer = parse_request("and for a month?", forecast)
    assert (longer.intent, longer.hours, longer.min_gpu_count) == ("forecast", 720.0, 4)
    search = parse_request("ok find me the cheapest ones in Japan", longer)
    assert (search.intent, search.country, search.hours) == ("recommend", "JP", 720.0)

    explained = parse_request("what is NVLink?")
    assert parse_request("in the EU", explained).intent == "recommend"


def test_follow_up_extends_a_comparison() -> None:
    compare = parse_request("compare H100 and A100")
    assert compare.compare_families == ["H100", "A100"]
    assert compare.gpu_family is None
    more = parse_request("and vs H200?", compare)
    assert more.intent == "compare"
    assert more.compare_families == ["H100", "A100", "H200"]


def test_follow_up_clears_with_anywhere_and_any_provider() -> None:
    first = parse_request("A100 in germany on aws")
    cleared = parse_request("actually anywhere, any provider", first)
    assert (cleared.geo, cleared.country, cleared.provider, cleared.gpu_family) == (None, None, None, "A100")


# ------------------------------------------------------------------------------------------------
# Phrasings beyond the main dataset (evals/datasets/heldout.jsonl): the general rules behind them
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "family", "count"),
    [
        # a model name typed with a gap after its letters
        ("h 100 on lambda cloud", "H100", None),
        ("mi 300x", "MI300X", None),
        ("8x mi-300x", "MI300X", 8),
        ("l 40s x 2", "L40S", 2),
        ("need a 40gb card", None, None),  # "a" is an article, not the A in A40
        ("plan b 200 dollars", None, None),  # a number with a unit is not a model number
        # counts written as pieces, multipliers on their own, spelled numbers, forms
        ("4 pieces of RTX 4090", "RTX4090", 4),
        ("Need 2 piece H100", "H100", 2),
        ("a100 - 80 GB - EU - spot - 2 pcs", "A100", 2),
        ("triple 3090 setup", "RTX3090", 3),
        ("eight-way H100 node", "H100", 8),
        ("twenty-four A100s", "A100", 24),
        ("H100 SXM in Canada, x8, on-demand", "H100", 8),
        ("h100 sxm5 80g on nebius finland x8", "H100", 8),
        ("rtx 4090 with pcie gen4 x16", "RTX4090", None),
        ("H100 80GBx8", "H100", 8),
        ("L40S (48GB) x2, Europe", "L40S", 2),
        ("H100 PCIe single, cheapest in NA", "H100", 1),
        ("H100 single node", "H100", None),
        ("gpu: h100\ncount: 8\nregion: eu", "H100", 8),
        ("Need GPU: H100, quantity 2, region USA", "H100", 2),
    ],
)
def test_gpu_names_and_counts_as_people_type_them(text: str, family: str | None, count: int | None) -> None:
    parsed = parse_request(text)
    assert (parsed.gpu_family, parsed.min_gpu_count) == (family, count)


@pytest.mark.parametrize(
    ("text", "per_hour", "per_gpu", "total"),
    [
        ("max 2,5 $ per hour for A100", 2.5, None, None),  # decimal comma next to money
        ("a budget of $2,500 total", None, None, 2500.0),  # digit grouping
        ("price not more than 8 dollar per hour", 8.0, None, None),
        ("I'd rather not pay more than $2 an hour", 2.0, None, None),
        ("total cost not above $12 per hour", 12.0, None, None),
        ("spot 4090 anywhere <0.3", 0.3, None, None),  # a bare number after a ceiling
        ("A100 under 2, spot ok", 2.0, None, None),
        ("need <3 gpus", None, None, None),
        ("under 24gb", None, None, None),
        ("≤ $3 per gpu-hour", None, 3.0, None),
        ("max 1.2/gpu/h", None, 1.2, None),
    ],
)
def test_budget_number_grammar(
    text: str, per_hour: float | None, per_gpu: float | None, total: float | None
) -> None:
    parsed = parse_request(text)
    assert (parsed.max_price_per_hour, parsed.max_price_per_gpu_hour, parsed.total_budget) == (
        per_hour,
        per_gpu,
        total,
    )


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("H100 for the next 48 hours", 48.0),
        ("predict H100 prices for the next 3 months", None),  # a horizon, not a rental
        ("monthly bill for a single L40S running 24/7?", 720.0),
        ("what does an H100 cost per month?", 720.0),
        ("what's the hourly and daily cost for 2 H100s over 3 days", 72.0),
        ("A100 for half a day", 12.0),
        ("L4 for 45 minutes", 0.75),
        ("cost of 1.5 weeks on 4 H100", 252.0),
    ],
)
def test_duration_phrasings(text: str, hours: float | None) -> None:
    assert parse_request(text).hours == hours


def test_follow_up_duration_without_for() -> None:
    day = parse_request("how much is an H100 for a day?")
    assert parse_request("and a week?", day).hours == 168.0


@pytest.mark.parametrize(
    ("text", "geo", "country"),
    [
        ("i want rent 2 gpu A6000 in netherland", "eu", "NL"),  # a dropped final "s"
        ("h100 in germnay", "eu", "DE"),  # two letters swapped
        ("RTX 6000 Turing card", None, None),  # not a misspelt Turin
        ("azure eastus h100", "na", "US"),  # Azure's one-word region names
        ("westeurope a100 on azure", "eu", "NL"),
        ("a100 us ondemand", "na", "US"),  # "us" right after a GPU is the country
        ("can you find us 2 a100s", None, None),  # ... and after a verb the pronoun
    ],
)
def test_place_typos_and_region_words(text: str, geo: str | None, country: str | None) -> None:
    parsed = parse_request(text)
    assert (parsed.geo, parsed.country) == (geo, country)


@pytest.mark.parametrize(
    ("text", "spot"),
    [
        ("Spot instances are too risky for us so please no spot", False),
        ("spot is a no-go", False),
        ("spot not needed", False),
        ("I need an H100 in the US, no need for spot", False),
        ("no need for on-demand, spot is ok, need 2 A100", True),
        ("spot is fine", True),
    ],
)
def test_spot_judgements(text: str, spot: bool | None) -> None:
    assert parse_request(text).spot is spot


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # comparisons: alternatives with a question about them, and more cue words
        ("H100 or H200 - which one for serving a 70B model?", "compare"),
        ("lambda or nebius: who has cheaper H100s?", "compare"),
        ("RTX 4090 against RTX 3090 for stable diffusion", "compare"),
        ("B200 v H200", "compare"),
        ("contrast spot and on-demand H100 prices on vast", "compare"),
        ("Should I pick A100 or H100 for finetuning a 13B?", "compare"),
        ("put H100 and H200 side-by-side for me, EU", "compare"),
        ("H100 PCIe or SXM, price difference?", "compare"),
        ("is it cheaper to rent 2 A100s or 1 H100?", "compare"),
        ("is the L40S a better deal than the A100?", "compare"),
        ("A100 or L40S for fine-tuning a 7B model?", "compare"),
        ("tell me the differences between A100 and H100", "compare"),
        ("find me a cheaper A100 or H100 in EU", "recommend"),
        ("Any A100 or H100 available?", "recommend"),
        ("L4 or A10G, whichever is cheaper, in the US", "recommend"),
        # cost questions
        ("ballpark for 4 A100s running for a fortnight?", "forecast"),
        ("monthly bill for a single L40S running 24/7?", "forecast"),
        ("total spend if I rent 2 h100 for 5 days in EU", "forecast"),
        ("where are MI300X prices heading?", "forecast"),
        ("how many dollars for 100 hours on an A100 on lambda?", "forecast"),
        ("what would I pay to keep 8 A100 up for a week in the US", "forecast"),
        ("how pricey is a B200 for 12h", "forecast"),
        ("quote me 2 weeks of 8xH200", "forecast"),
        ("what would running 8 H200 for 10 days set me back?", "forecast"),
        ("Do you think H100 prices will keep falling?", "forecast"),
        ("Are B200 prices stabilizing?", "forecast"),
        ("I'd like a cost breakdown for 8x A100 for 30 days", "forecast"),
        ("I have a $2000 budget; how many days of H100 can I get?", "forecast"),
        ("2x A100 on AWS for a week, how much?", "forecast"),
        ("If we rent 8 H100 for 90 days, what's the total?", "forecast"),
        ("need 8 GPUs, total cost not above $12 per hour", "recommend"),  # a ceiling, not a question
        ("what is the total memory of 8 H100s?", "explain"),
        # code
        ("need infra as code for 4 H100 on nebius", "terraform"),
        ("export the cheapest L40S offer as terraform", "terraform"),
        # knowledge
        ("roughly how many GB do I need to run mixtral 8x7b?", "explain"),
        ("tell me what ECC memory is", "explain"),
        ("which precision should I use for inference, bf16 or fp8?", "explain"),
        ("Is NVLink available on L40S?", "explain"),
        ("what does 'interruptible' mean on vast?", "explain"),
        ("do spot instances get interrupted often on runpod?", "explain"),
        ("how long does it take to finetune a 7b?", "explain"),
    ],
)
def test_intent_cues(text: str, intent: str) -> None:
    assert parse_request(text).intent == intent


def test_follow_up_what_if_keeps_the_ask() -> None:
    cost = parse_request("2x A100 on AWS for a week, how much?")
    spot = parse_request("what if spot?", cost)
    assert (spot.intent, spot.spot, spot.hours) == ("forecast", True, 168.0)


def test_follow_up_count_changes() -> None:
    first = parse_request("I need H100s in Europe for training")
    assert parse_request("4 should be enough", first).min_gpu_count == 4
    a6000 = parse_request("cheapest A6000")
    two = parse_request("hmm, make it two and on-demand", a6000)
    assert (two.min_gpu_count, two.spot) == (2, False)
    assert parse_request("make it 48 hours", first).min_gpu_count is None


def test_hardware_the_user_already_has_is_not_the_ask() -> None:
    parsed = parse_request(
        "my current setup is a single 3090 at home and it's not cutting it. thinking of renting something "
        "beefier, under $2 an hour"
    )
    assert (parsed.gpu_family, parsed.min_gpu_count, parsed.max_price_per_hour) == (None, None, 2.0)
    upgrade = parse_request("I have a 4090 locally but need 2 H100 for a week")
    assert (upgrade.gpu_family, upgrade.min_gpu_count, upgrade.hours) == ("H100", 2, 168.0)
    assert parse_request("I have 2 A100s").gpu_family == "A100"  # nothing else wanted: it is the ask
