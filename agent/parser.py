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
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from catalog.gpus import resolve_gpu
from catalog.regions import locate, resolve_place
from catalog.sizing import normalize_precision

__all__ = ["Intent", "ParsedRequest", "Sort", "Task", "Workload", "parse_request"]

Intent = Literal["recommend", "compare", "forecast", "terraform", "explain"]
Task = Literal["inference", "fine-tune", "lora", "qlora", "pre-train"]
Sort = Literal["price_asc", "price_per_gpu_asc"]


class Workload(BaseModel):
    """What the user wants to run, as far as the message says."""

    model_params_b: float | None = None
    task: Task | None = None
    precision: str | None = None
    context: int | None = None
    batch: int | None = None
    model_name: str | None = None


class ParsedRequest(BaseModel):
    """One message's meaning; cumulative over a thread when ``previous`` was given.

    ``compare_families`` holds every family named when there are several: the sides of a comparison,
    or alternatives ("L4 or A10G") that a single ``gpu_family`` would wrongly narrow to the first.
    """

    intent: Intent = "recommend"
    gpu_family: str | None = None
    gpu_variant: str | None = None
    compare_families: list[str] = Field(default_factory=list)
    min_gpu_count: int | None = None
    min_gpu_memory_gb: float | None = None
    max_price_per_hour: float | None = None
    max_price_per_gpu_hour: float | None = None
    total_budget: float | None = None
    hours: float | None = None
    geo: str | None = None
    country: str | None = None
    region: str | None = None
    spot: bool | None = None
    provider: str | None = None
    workload: Workload | None = None
    wants_iac: bool = False
    wants_forecast: bool = False
    sort: Sort | None = None


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------


def _normalize(text: str) -> str:
    # Place and model tables are ASCII: "São Paulo" -> "sao paulo".
    s = unicodedata.normalize("NFKD", text.lower())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("×", "x").replace("’", "'").replace("—", " - ").replace("–", "-")
    # Prices in other currencies are read at face value: the market quotes USD and a user's "€3/h"
    # is a ceiling of about that size.
    s = s.replace("≤", "<=").replace("≥", ">=").replace("€", "$").replace("£", "$").replace("us$", "$")
    # Digit grouping and decimal commas: "$2,500" is 2500, "2,5 $ per hour" is 2.5 (a comma with one
    # or two digits after it is a decimal point only next to money, so "2,4 or 8 gpus" stays a list).
    s = re.sub(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])", lambda m: m.group(0).replace(",", ""), s)
    s = re.sub(r"(\$\s*\d+),(\d{1,2})(?![\d,])", r"\1.\2", s)
    s = re.sub(
        r"(?<![\d.,])(\d+),(\d{1,2})(?=\s*(?:\$|usd\b|dollars?\b|bucks\b|eur\b|euros?\b|/|per\b))",
        r"\1.\2",
        s,
    )
    # "8xH100" / "H100x8" / "80GBx8": split the multiplier from the name so that both halves are seen.
    s = re.sub(r"\b(\d{1,3})x(?=[a-z])", r"\1x ", s)
    s = re.sub(r"\b([a-z]{1,4}\d{2,4}[a-z]?)x(\d{1,3})\b", r"\1 x\2", s)
    s = re.sub(r"\b(\d{2,3}\s*(?:gb|g))x(\d{1,3})\b", r"\1 x\2", s)
    # Keyboard typos "H1OO", "A1OO": a letter O inside a model number is a zero.
    s = re.sub(
        r"\b([a-z]{1,3})(\d[\do]{1,3})(?=[a-z]?\b)", lambda m: m.group(1) + m.group(2).replace("o", "0"), s
    )
    return re.sub(r"[ \t]+", " ", s)


# --------------------------------------------------------------------------------------------------
# GPU mentions and counts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gpu:
    family: str
    variant: str | None
    memory_gb: float | None
    start: int
    end: int


_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9.+]*(?:-[a-z0-9.+]+)*")
# The GPU table skips counts ("x8", "8x") and would swallow them into a name; they are the count
# rule's business, so a multi-word name may not contain one.
_COUNT_TOKEN_RE = re.compile(r"^(?:x\d*|\d+x|\d{1,3}|\*)$")
_NOT_GPU_RE = re.compile(r"^(?:\d{1,3}(?:\.\d+)?|\d+(?:gb|g|gib|b|h|hr|hrs|k|x|tb|m)|x\d+|[a-z])$")


def _resolve(phrase: str, start: int, end: int) -> _Gpu | None:
    hit = resolve_gpu(phrase)
    if hit is None:
        return None
    return _Gpu(hit.family, hit.variant, float(hit.memory_gb) if hit.memory_gb else None, start, end)


# A model name typed with a gap after its letters: "h 100", "mi 300x", "l 40s".  "a" is left out
# because "a 40GB card" and "a 100 hours" are an article and a number.
_SPLIT_PREFIX_RE = re.compile(r"^(?:[b-hj-wyz]|mi|gh|gb)$")
_SPLIT_NUMBER_RE = re.compile(r"^\d{1,4}[a-z]{0,2}$")


def _split_name(s: str, tokens: list[tuple[str, int, int]], i: int) -> tuple[_Gpu, int] | None:
    """A name split by a space ("h 100": two tokens) or a hyphen the resolver does not take ("mi-300x"),
    with the number of tokens it spans."""
    hyphenated = re.match(r"^([a-z]{1,3})-(\d{1,4}[a-z]{0,2})$", tokens[i][0])
    if hyphenated is not None and _SPLIT_PREFIX_RE.match(hyphenated.group(1)):
        joined = hyphenated.group(1) + hyphenated.group(2)
        for cand in (joined, joined[:-1]) if joined.endswith("s") else (joined,):
            hit = _resolve(cand, tokens[i][1], tokens[i][2])
            if hit is not None and hit.family.lower() == cand:
                return hit, 1
        return None
    if i + 1 >= len(tokens) or not _SPLIT_PREFIX_RE.match(tokens[i][0]):
        return None
    (prefix, start, end), (number, nstart, nend) = tokens[i], tokens[i + 1]
    if not _SPLIT_NUMBER_RE.match(number) or s[end:nstart] != " ":
        return None
    if re.match(
        r"\s*(?:\$|usd\b|dollars?\b|bucks\b|cents?\b|gb\b|gigs?\b|h\b|hrs?\b|hours?\b|days?\b|%)", s[nend:]
    ):
        return None
    joined = prefix + number
    for cand in (joined, joined[:-1]) if joined.endswith("s") else (joined,):
        hit = _resolve(cand, start, nend)
        # Only an exact name: the resolver's fuzzy matching would turn "p 40" into some card.
        if hit is not None and hit.family.lower() == cand:
            return hit, 2
    return None


def _find_gpus(s: str) -> list[_Gpu]:
    """GPU mentions in text order, longest name first ("rtx 6000 ada" before "rtx 6000")."""
    tokens = []
    for m in _TOKEN_RE.finditer(s):
        word = m.group(0).rstrip(".+")
        tokens.append((word, m.start(), m.start() + len(word)))
    found: list[_Gpu] = []
    i = 0
    while i < len(tokens):
        word = tokens[i][0]
        split = _split_name(s, tokens, i)
        if split is not None:
            found.append(split[0])
            i += split[1]
            continue
        if _NOT_GPU_RE.match(word):
            i += 1
            continue
        best: tuple[int, _Gpu] | None = None
        for n in (4, 3, 2, 1):
            if i + n > len(tokens):
                continue
            if n > 1 and (
                (word.isdigit() and len(word) < 4)
                or any(_COUNT_TOKEN_RE.match(t[0]) for t in tokens[i + 1 : i + n])
                or re.search(r"[,;:!?()]", s[tokens[i][1] : tokens[i + n - 1][2]])
            ):
                continue
            words = [t[0] for t in tokens[i : i + n]]
            candidates = [" ".join(words)]
            if words[-1].endswith("s") and len(words[-1]) > 2 and words[-1][-2].isdigit():
                # Plural "a100s", "4090s"; tried after the literal so that "l40s" stays L40S.
                candidates.append(" ".join([*words[:-1], words[-1][:-1]]))
            for cand in candidates:
                hit = _resolve(cand, tokens[i][1], tokens[i + n - 1][2])
                if hit is not None:
                    best = (n, hit)
                    break
            if best is not None:
                break
        if best is None:
            i += 1
            continue
        found.append(best[1])
        i += best[0]
    return found


# Hardware the user already has ("my current setup is a single 3090 at home", "I have a 4090 locally")
# is context, not the ask, when the message goes on to want something.
_OWNED_BEFORE_RE = re.compile(
    r"(?:\b(?:my|our)\s+(?:current\s+|own\s+|local\s+|old\s+|existing\s+|home\s+)?(?:setup|rig|machine|laptop|"
    r"workstation|pc|desktop|box|server)\b(?:\s+(?:is|has|uses|runs|with))?|"
    r"\b(?:i|we)\s+(?:already\s+|currently\s+)?(?:have|own|got|'ve got|am using|are using))[^.;!?]{0,16}$"
)
_OWNED_AFTER_RE = re.compile(r"\s*(?:at home|locally|on my desk|in my (?:pc|rig|machine|laptop|desktop))\b")
_WANT_AFTER_RE = re.compile(r"\b(?:need|want|looking|rent\w*|find|thinking of|hoping|upgrade|something)\b")


def _owned(s: str, g: _Gpu) -> bool:
    before = s[max(0, g.start - 60) : g.start]
    owned = _OWNED_BEFORE_RE.search(before) is not None or _OWNED_AFTER_RE.match(s, g.end) is not None
    return owned and _WANT_AFTER_RE.search(s, g.end) is not None


def _masked(s: str, gpus: list[_Gpu], owned: Iterable[_Gpu] = ()) -> str:
    """``s`` with every GPU mention replaced by the placeholder ``§g`` (``§o`` for hardware the user
    already has, whose count is not what they ask for)."""
    out: list[str] = []
    pos = 0
    marks = sorted([(g, "§g") for g in gpus] + [(g, "§o") for g in owned], key=lambda t: t[0].start)
    for g, mark in marks:
        out.append(s[pos : g.start])
        out.append(mark)
        pos = g.end
    out.append(s[pos:])
    return "".join(out)


_UNITS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUMBERS: dict[str, int] = {
    **{w: i for i, w in enumerate(_UNITS, 1)},
    **{w: 10 * i for i, w in enumerate(_TENS, 2)},
    # "twenty-four", "thirty two"
    **{f"{t}{sep}{u}": 10 * i + j for i, t in enumerate(_TENS, 2) for j, u in enumerate(_UNITS[:9], 1)
       for sep in ("-", " ")},
    "single": 1, "a single": 1, "a pair of": 2, "pair of": 2, "a couple of": 2,
    "couple of": 2, "a couple": 2, "dual": 2, "twin": 2, "triple": 3, "a trio of": 3, "trio of": 3, "quad": 4,
    "half a dozen": 6, "octo": 8, "a dozen": 12, "two dozen": 24, "a hundred": 100, "one hundred": 100,
}  # fmt: skip
_NUM = "(?:\\d+|" + "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True)) + ")"
_MEM_OPT = r"(?:\s*\(?\s*\d+\s*(?:gb|g|gib|gigs?)\b\s*\)?)?"
_VARIANT_OPT = r"(?:\s*(?:sxm\d?|pcie|nvl|80gb|40gb))?"
# "4 pieces of RTX 4090", "2 piece H100", "3 units of A100", "2 pcs L40S"
_PIECES_OPT = r"(?:(?:pieces?|pcs\.?|units?|nos\.?)\s+)?"
_COUNT_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "2-4 H100s": the lower bound is the minimum.
    re.compile(r"(?<![\w$.-])(\d+)\s*(?:-|to)\s*\d+\s*x?\s*(?:§g|gpus?\b)"),
    # "8x H100", "eight H100s", "a pair of L40S", "single 80GB GPU", "4x nvidia a100", "8-gpu node"
    re.compile(
        rf"(?<![\w$.-])({_NUM})(?!\d)\s*\+?\s*(?:x\s*|\*\s*)?{_PIECES_OPT}(?:of\s+(?:the\s+)?)?(?:nvidia\s+|amd\s+)?"
        rf"{_MEM_OPT}\s*"
        r"(?:§g|(?:-\s*)?gpus?\b(?![-\s]?h(?:ou)?rs?\b)|graphics cards?\b|cards?\b)"
    ),
    # "H100 x8", "H100 SXM x 8", "A100 80GB x 8", "H100 SXM5 8x"
    re.compile(rf"§g{_VARIANT_OPT}{_MEM_OPT}{_VARIANT_OPT}\s*(?:x|\*)\s*(\d+)\b"),
    re.compile(rf"§g{_VARIANT_OPT}{_MEM_OPT}{_VARIANT_OPT}\s+(\d+)\s*x\b"),
    # "H100 PCIe single", "A6000 dual" (but a "single node" may hold eight)
    re.compile(
        rf"§g{_VARIANT_OPT}{_MEM_OPT}{_VARIANT_OPT}\s*,?\s*(single|dual|quad)\b"
        r"(?![\s-]*(?:node|machine|box|server|instance|host|tenant|region|zone))"
    ),
    # "H100s. 8. Europe.": a bare number as its own phrase right after the GPU
    re.compile(r"§g\s*[.:,-]\s*(\d{1,3})\s*(?:[.,;]|$)"),
    # "..., 8x" and "make it 8x"
    re.compile(r"(?<![\w$.-])(\d{1,3})x(?=\s*(?:$|[,.;!?)]|\s+(?:of|nodes?|please|then|instead)\b))"),
    # a follow-up that is only a number: "what about 8?", "make it 4"
    re.compile(r"^\s*(?:and|ok|okay|what about|how about|make it|make that|now)\s+(\d{1,3})\s*[?.!]?\s*$"),
    # a change of count in a follow-up: "make it two and on-demand", "bump it to 16"
    re.compile(
        rf"\b(?:make it|make that|change (?:it |that )?to|go with|let'?s (?:do|say|go with)|bump (?:it |that )?(?:up )?to|"
        rf"increase (?:it |that )?to|reduce (?:it |that )?to|scale (?:it |that )?(?:up |down )?to)\s+({_NUM})(?!\d)"
        r"(?!\s*(?:\$|usd\b|dollars?\b|bucks\b|cents?\b|c\b|gb\b|g\b|gigs?\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b|"
        r"months?\b|/|per\b|%|\.\d))"
    ),
    # "4 should be enough", "8 is fine" opening a follow-up
    re.compile(
        rf"^\s*({_NUM})\s+(?:should|would|will|is|are)\s+(?:be\s+)?(?:enough|fine|ok|okay|good|plenty|sufficient|do)\b"
    ),
    # "8 of them", "8 of em", "2 of those"
    re.compile(rf"(?<![\w$.-])({_NUM})(?!\d)\s+of\s+(?:them|em|'em|those|these)\b"),
    re.compile(r"\bnode of (\d+)\b"),
    # "2 pcs", "4 units" on their own
    re.compile(rf"(?<![\w$.-])({_NUM})\s*(?:pcs\.?|pieces?|units?)(?!\w)"),
    # "quantity 2", "qty: 4", "gpu count = 8", "gpus. 4." (a form or a terse list)
    re.compile(
        r"\b(?:count\s*[:=]|quantity|qty|(?:gpu|card) count|number of (?:gpus|cards)|no\.? of (?:gpus|cards)|gpus?)\s*[:=.,-]?\s*"
        r"(\d{1,3})(?!\d|\.\d|\s*(?:x\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b|months?\b|gb\b|g\b|gigs?\b|\$|usd\b|dollars?\b|"
        r"bucks\b|cents?\b|c\b|/|per\b|%|nodes?\b))"
    ),
    re.compile(rf"(?<![\w$.-])({_NUM})-way\b"),
    # "H100 SXM in Canada, x8, on-demand": the multiplier as its own phrase
    re.compile(r"(?:^|[,;:(]|(?<!pcie)(?<!gen\d)(?<!lanes)\s)\s*x\s?(\d{1,3})(?=\s*(?:$|[,.;!?)]))"),
)


def _num_value(word: str) -> int | None:
    word = word.strip()
    return int(word) if word.isdigit() else _WORD_NUMBERS.get(word)


def _find_count(masked: str) -> int | None:
    """The first GPU count in the text ("8x H100", "a pair of", "8 of them")."""
    hits: list[tuple[int, int]] = []
    for pat in _COUNT_PATTERNS:
        for m in pat.finditer(masked):
            value = _num_value(m.group(1))
            if value is None or not 0 < value <= 4096 or "$" in masked[max(0, m.start() - 2) : m.start()]:
                continue
            hits.append((m.start(), value))
    return min(hits)[1] if hits else None


# --------------------------------------------------------------------------------------------------
# Memory, money and time
# --------------------------------------------------------------------------------------------------

_MEMORY_RE = re.compile(r"(?<![\w$.-])(\d+(?:\.\d+)?)\s*\+?\s*(gb|gib|gigs?|gigabytes?|g)\b\s*\+?")
_NOT_GPU_MEMORY_RE = re.compile(
    r"\s*(?:of\s+)?(?:system\s+|cpu\s+|host\s+)?(?:ram|dram|ddr\d?|disk|storage|ssd|nvme|system|cpu|host|"
    r"network|ethernet|egress|bandwidth|model|file|download|dataset|checkpoint)\b"
)
# Memory summed over GPUs says nothing about each one.
_TOTAL_MEMORY_RE = re.compile(r"\b(?:in total|total|combined|across|aggregate|altogether)\b")


def _find_memory(s: str) -> float | None:
    """Per-GPU memory ("80GB", "80 gigs", "48GB+ each"); not system RAM, disk or memory totals."""
    for m in _MEMORY_RE.finditer(s):
        value = float(m.group(1))
        after = re.split(r"[,;]", s[m.end(2) : m.end(2) + 25])[0]
        if value <= 0 or (m.group(2) == "g" and value < 8) or _NOT_GPU_MEMORY_RE.match(s, m.end()):
            continue
        if _TOTAL_MEMORY_RE.search(after) or re.search(
            r"\b(?:total|combined|aggregate)\b", s[max(0, m.start() - 12) : m.start()]
        ):
            continue
        return value
    return None


_AMOUNT_RE = re.compile(
    r"\$\s*(?P<a1>\d+(?:[.,]\d+)?)\s*(?P<k1>k\b)?"
    r"|(?<![\w.$/])(?P<a2>\d+(?:\.\d+)?)\s*(?P<k2>k)?\s*(?:\$|usd\b|dollars?\b|bucks\b|eur\b|euros?\b)"
    r"|(?<![\w.$/])(?P<a3>\d+(?:\.\d+)?)\s*(?P<cents>c\b|cents?\b|¢)"
    r"|\busd\s*(?P<a4>\d+(?:\.\d+)?)"
    r"|\b(?P<spelled>a|one|half a)\s+(?:dollar|buck)\b"
    # A bare number is money only when a rate follows: "2.5/h per gpu", "1.20 per hour".
    r"|(?<![\w.$/])(?P<a5>\d+(?:\.\d+)?)"
    r"(?=\s*(?:/\s*(?:gpu\b|h\b|hr\b|hour\b)|per\s+(?:gpu[- ]?)?(?:hour|hr)\b|"
    r"an\s+hour\b|a\s+gpu\b|per\s+gpu\b))"
    # ... or when a ceiling comes before it and nothing after it says it counts something else:
    # "4090 anywhere <0.3", "A100 under 2, spot ok" (but not "<3 gpus", "under 24gb").
    r"|(?:<=?|\bunder|\bbelow|\bless than|\bcheaper than)\s*(?P<a6>\d+(?:\.\d+)?)"
    r"(?=\s*(?:$|[,;!?)]|\.(?!\d)|(?:and|or|pls|please|spot|on[- ]demand|in|on|for|with|each|total|all|max)\b))"
)
_RATE_RE = re.compile(
    r"^\s*(?:/\s*(?:gpu\s*)?(?:/|-|\s)?\s*(?:h|hr|hrs|hour)\b|(?:per|an?|each)\s+(?:gpu[-\s]?)?(?:h|hr|hour)\b"
    r"|hourly\b|ph\b|/\s*gpu\b|(?:per|/)\s*(?:gpu|card)[-\s/]*(?:h|hr|hour)\b|(?:/\s*)?gpu[-\s]?(?:h|hr|hour))"
)
_DAY_RATE_RE = re.compile(r"^\s*(?:/\s*|per\s+|an?\s+)(day|week|month|mo)\b")
_PER_GPU_AFTER_RE = re.compile(
    r"^[^,;]{0,20}?(?:\bper[-\s]?(?:gpu|card|device|accelerator)\b|/\s*gpu\b|\beach\b|\bapiece\b|\ba piece\b|"
    r"\ba gpu\b|\bgpu[-\s]?(?:h|hr|hour)s?\b)"
)
_PER_GPU_BEFORE_RE = re.compile(r"(?:\bper[-\s]?(?:gpu|card)\b|\beach\b|\bgpu[-\s]?hour\b)[^,;$]{0,25}$")
_TOTAL_BEFORE_RE = re.compile(
    r"(?:\bbudget\b|\bspend\b|\bi have\b|\bwe have\b|\btotal\b|\boverall\b)[^,;]{0,20}$"
)
_TOTAL_AFTER_RE = re.compile(r"^[^,;]{0,12}\b(?:total|in total|overall|all in|all-in|budget)\b")
_INSTANCE_AFTER_RE = re.compile(
    r"^[^,;]{0,16}\b(?:total|all in|all-in|per node|per instance|per box|per machine|for the node|"
    r"for the whole|for the pair|for all|combined)\b"
)
_MIN_PRICE_BEFORE_RE = re.compile(
    r"(?:\bover\b|\babove\b|(?<!no )\bmore than\b|\bat least\b|>=?|\bfrom\b|\bstarting at\b)\s*$"
)
# "not more than", "no more than", "rather not pay more than", "never above": a ceiling after all.
_NEGATED_MIN_RE = re.compile(r"(?:\bnot?|n'?t|\bnever)(?:\s+[\w']+){0,3}?\s+(?:more than|over|above)\s*$")
# Above this, an amount without a rate is a budget for the job, not an hourly price.
_MAX_BARE_HOURLY = 100.0


@dataclass
class _Budget:
    per_hour: float | None = None
    per_gpu_hour: float | None = None
    total: float | None = None


def _find_budget(s: str, families: Iterable[str]) -> _Budget:
    """Price ceilings.  Per GPU only when the text says so ("per gpu", "/gpu/h", "each", "per H100");
    an hourly price without that is for the whole instance, as written."""
    out = _Budget()
    names = "|".join(re.escape(f.lower()) for f in families)
    per_named_gpu = re.compile(rf"^[^,;]{{0,12}}\bper\s+(?:{names})\b") if names else None
    for m in _AMOUNT_RE.finditer(s):
        raw = next((m.group(g) for g in ("a1", "a2", "a3", "a4", "a5", "a6") if m.group(g)), None)
        value = (
            float(raw.replace(",", "."))
            if raw is not None
            else 0.5
            if m.group("spelled") == "half a"
            else 1.0
        )
        if m.group("k1") or m.group("k2"):
            value *= 1000
        before = s[max(0, m.start() - 40) : m.start()]
        after = s[m.end() : m.end() + 40]
        if _MIN_PRICE_BEFORE_RE.search(before[-15:]) and not _NEGATED_MIN_RE.search(before):
            continue
        rate = _RATE_RE.match(after) is not None
        per_gpu = _PER_GPU_AFTER_RE.match(after) is not None or _PER_GPU_BEFORE_RE.search(before) is not None
        per_gpu = per_gpu or (per_named_gpu is not None and per_named_gpu.match(after) is not None)
        if m.group("cents"):
            # Nobody budgets a whole job in cents: "50 cents" is an hourly price.
            value /= 100
            rate = True
        day = _DAY_RATE_RE.match(after)
        if day is not None and not rate:
            value /= _UNITS_TO_HOURS[day.group(1)]
            rate = True
        if rate or per_gpu:
            if per_gpu and not _INSTANCE_AFTER_RE.match(after):
                out.per_gpu_hour = out.per_gpu_hour if out.per_gpu_hour is not None else value
            else:
                out.per_hour = out.per_hour if out.per_hour is not None else value
        elif _TOTAL_BEFORE_RE.search(before) or _TOTAL_AFTER_RE.match(after) or value > _MAX_BARE_HOURLY:
            out.total = out.total if out.total is not None else value
        else:
            # "H100 under $2": small bare amounts are how people quote hourly prices.
            out.per_hour = out.per_hour if out.per_hour is not None else value
    return out


_UNITS_TO_HOURS: dict[str, float] = {
    "minute": 1 / 60, "minutes": 1 / 60, "min": 1 / 60, "mins": 1 / 60,
    "h": 1, "hr": 1, "hrs": 1, "hour": 1, "hours": 1,
    "day": 24, "days": 24,
    "week": 168, "weeks": 168, "wk": 168, "wks": 168,
    "fortnight": 336, "fortnights": 336,
    "month": 720, "months": 720, "mo": 720, "mos": 720,
    "year": 8760, "years": 8760, "yr": 8760, "yrs": 8760,
}  # fmt: skip
_DURATION_RE = re.compile(
    r"(?<![\w$./])(?P<n>\d+(?:\.\d+)?|"
    + "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
    + r"|half an?|an?|one and a half|the (?:whole|entire|full)|an? (?:whole|full|entire))\s*-?\s*(?P<u>"
    + "|".join(sorted(_UNITS_TO_HOURS, key=len, reverse=True))
    + r")\b"
)
# "a week" is a duration after these words ("for a week"), a rate after a price ("$50 a day").
_DURATION_CUE_BEFORE_RE = re.compile(
    r"(?:\bfor\b|\bover\b|\bduring\b|\babout\b|\baround\b|\blasting\b|\bjust\b|\bonly\b|\bof\b|\brun\b|"
    r"\bwithin\b|\bneed it\b|^|(?:^|[,;:]\s*)(?:and|or|plus|then|maybe))\s*(?:another\s+|the\s+next\s+)?$"
)
_PRICE_BEFORE_RE = re.compile(
    r"(?:\$\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:bucks|dollars?|usd|cents?|c|\$))\s*$"
)


# Words of a price-outlook question, where "the next 3 months" is the horizon asked about.
_HORIZON_RE = re.compile(
    r"\b(?:predict\w*|forecast\w*|trend\w*|outlook|histor\w*|prices? (?:go|drop|fall|rise))"
)


def _find_hours(s: str, count: int | None) -> float | None:
    """Rental duration in hours: "48h", "2 days", "for a week", "a fortnight", "1000 GPU hours"."""
    gpu_hours = re.search(r"(?<![\w.$])(\d+(?:\.\d+)?)\s*(k)?\s*gpu[-\s]?(?:hours|hrs|h)\b", s)
    if gpu_hours:
        total = float(gpu_hours.group(1)) * (1000 if gpu_hours.group(2) else 1)
        return total / count if count else total
    for m in _DURATION_RE.finditer(s):
        n, unit = m.group("n"), m.group("u")
        before = s[max(0, m.start() - 25) : m.start()]
        after = s[m.end() : m.end() + 12]
        # "per hour" is a price, "next month" a horizon, not how long the GPUs are needed; but "for the
        # next 48 hours" of a rental (no price outlook asked) is how long.
        if re.search(r"(?:/|\bper|\bevery|\beach|\bnext|\blast|\bpast|\bthis)\s*$", before) and not (
            re.search(r"\b(?:for|over) the next\s*$", before) and not _HORIZON_RE.search(s)
        ):
            continue
        if unit in ("h", "hr", "hrs") and re.match(r"^\s*(?:/|per)\b", after):
            continue
        # "a 30-day forecast", "the 7 day average" describe the data, not the rental.
        if re.match(
            r"^\s*(?:price\s+)?(?:forecast|outlook|trend|horizon|average|history|window|moving)", after
        ):
            continue
        if n in ("a", "an"):
            if unit in ("h", "min", "mo", "mos") or _PRICE_BEFORE_RE.search(before):
                continue
            if not (_DURATION_CUE_BEFORE_RE.search(before) or re.match(r"\s*of\b", after)):
                continue
            value = 1.0
        elif re.match(r"(?:the|an?) (?:whole|full|entire)$", n):
            value = 1.0
        elif n.startswith("half"):
            value = 0.5
        elif n == "one and a half":
            value = 1.5
        elif n[0].isdigit():
            value = float(n)
        else:
            value = float(_num_value(n) or 0)
        if value > 0:
            return round(value * _UNITS_TO_HOURS[unit], 4)
    # "monthly bill", "weekly spend", "cost per month": the period the cost is asked for.
    period = _PERIOD_COST_RE.search(s)
    if period is not None:
        word = period.group(1) or period.group(2)
        return float(_UNITS_TO_HOURS[{"monthly": "month", "weekly": "week", "daily": "day"}.get(word, word)])
    return None


_PERIOD_COST_RE = re.compile(
    r"\b(monthly|weekly|daily)\s+(?:cost|bill|spend|budget|total)\b"
    r"|\b(?:cost|bill|spend)\s+(?:per|a|each|every)\s+(month|week|day)\b"
)


# --------------------------------------------------------------------------------------------------
# Spot, providers, places
# --------------------------------------------------------------------------------------------------

_NEGATION_RE = re.compile(
    r"(?:\bno\b|\bnot\b|\bnon\b|\bnothing\b|\bwithout\b|\bavoid\w*|\bnever\b|\bdon'?t\b|\bexcept\b|"
    r"\bexcluding\b|\bbut not\b|\banything but\b|\boutside(?: of)?\b|\binstead of\b|\brather than\b|"
    r"\bisn'?t\b|\bother than\b|\bno need (?:for|of)\b)\W*(?:\w+\W+)?$"
)
_SPOT_TRUE_RE = re.compile(
    r"\b(?:spot|interruptible|interruptions?|pre-?emptible|preemptable|pre-?emption|community cloud)\b"
)
_SPOT_FALSE_RE = re.compile(
    r"\b(?:on[- ]?demand|reserved|dedicated|non[- ]?spot|uninterruptible|non[- ]?interruptible|"
    r"non[- ]?preemptible|secure cloud|guaranteed)\b|can'?t be interrupted|cannot be interrupted|"
    r"must not be interrupted"
)


# "spot is not ok", "spot instances are too risky for us", "preemptible is a no-go"
_SPOT_REJECTED_AFTER_RE = re.compile(
    r"^\s*(?:instances?\s+|vms?\s+|nodes?\s+|capacity\s+|pricing\s+)?(?:is\s+|are\s+|would be\s+)?"
    r"(?:not\s+(?:ok|okay|fine|allowed|acceptable|an option|wanted|possible|needed|required)|a no\b|a no-go|no good|"
    r"(?:too\s+|way too\s+)?(?:risky|unreliable)|unacceptable|off the table|out of the question|out\b)"
)


def _find_spot(s: str) -> bool | None:
    """True for spot/interruptible, False for on-demand/reserved or a negated spot ("no spot")."""
    marks: list[tuple[int, bool]] = []
    for m in _SPOT_TRUE_RE.finditer(s):
        before = s[max(0, m.start() - 25) : m.start()]
        after = s[m.end() : m.end() + 25]
        negated = _NEGATION_RE.search(before) is not None and not re.search(
            r"don'?t (?:mind|care)\W*$", before
        )
        if _SPOT_REJECTED_AFTER_RE.match(after):
            negated = True
        marks.append((m.start(), not negated))
    for m in _SPOT_FALSE_RE.finditer(s):
        flipped = re.search(
            r"\b(?:instead of|rather than|not|no|no need for|(?:do|does)n'?t need|needn'?t be|"
            r"(?:do|does)n'?t (?:have|need) to be|not necessarily)\s*$",
            s[max(0, m.start() - 30) : m.start()],
        )
        marks.append((m.start(), flipped is not None))
    values = {v for _, v in marks}
    if len(values) == 1:
        return values.pop()
    # "spot vs on-demand" or "spot or on-demand" asks for both; "from spot to on-demand" wants the last.
    if marks and re.search(r"\bfrom\b[^.]*\bto\b|\bswitch|\bchange|\bmake it\b", s):
        return max(marks)[1]
    return None


# Provider ids and how people write them; longer aliases win ("lambda labs" over "lambda").  "DO" is
# matched separately, in capitals only, because "do" is an everyday word.
_PROVIDER_ALIASES: dict[str, str] = {
    "amazon web services": "aws", "amazon": "aws", "aws": "aws", "ec2": "aws",
    "microsoft azure": "azure", "azure": "azure",
    "cudo compute": "cudo", "cudo": "cudo",
    "digital ocean": "digitalocean", "digitalocean": "digitalocean",
    "fluidstack": "fluidstack", "fluid stack": "fluidstack",
    "google cloud platform": "gcp", "google cloud": "gcp", "gcp": "gcp", "gce": "gcp", "google": "gcp",
    "hyperbolic": "hyperbolic",
    "ibm cloud": "ibm", "ibm": "ibm",
    "lambda labs": "lambda", "lambdalabs": "lambda", "lambda cloud": "lambda", "lambda": "lambda",
    "mithril": "mithril", "ml foundry": "mithril", "mlfoundry": "mithril",
    "nebius": "nebius",
    "oracle cloud": "oci", "oracle": "oci", "oci": "oci",
    "ovhcloud": "ovhcloud", "ovh cloud": "ovhcloud", "ovh": "ovhcloud",
    "paperspace": "paperspace",
    "prime intellect": "primeintellect", "primeintellect": "primeintellect",
    "runpod": "runpod", "run pod": "runpod",
    "scaleway": "scaleway",
    "samsung cloud platform": "scp", "samsung cloud": "scp", "samsung sds": "scp", "scp": "scp",
    "seeweb": "seeweb",
    "shadeform": "shadeform",
    "simplepod": "simplepod", "simple pod": "simplepod",
    "vast.ai": "vast", "vastai": "vast", "vast ai": "vast", "vast": "vast",
}  # fmt: skip
_PROVIDER_RE = re.compile(
    r"(?<![\w.])("
    + "|".join(sorted((re.escape(a) for a in _PROVIDER_ALIASES), key=len, reverse=True))
    + r")(?!\w)"
)
_PROVIDER_NEGATION_RE = re.compile(
    r"(?:\bnot\b|\bno\b|\bexcept\b|\bexcluding\b|\bbut not\b|\banything but\b|\bavoid\w*|\bother than\b|"
    r"\binstead of\b|\bwithout\b)\s*(?:on\s+|from\s+|at\s+|using\s+)?$"
)
# "vast" is also an adjective, "google" also a search engine.
_NOT_PROVIDER_RE = re.compile(
    r"vast\s+(?:amount|majority|number|array|range|sums?|improvement)|google\s+(?:colab|docs|search|drive|sheets)"
)


def _find_providers(s: str, original: str) -> list[str]:
    """Provider ids named and not excluded, in text order."""
    found: list[tuple[int, str]] = []
    for m in _PROVIDER_RE.finditer(s):
        if _NOT_PROVIDER_RE.match(s, m.start()) or re.match(r"-like\b", s[m.end() :]):
            continue
        if _PROVIDER_NEGATION_RE.search(s[max(0, m.start() - 25) : m.start()]):
            continue
        found.append((m.start(), _PROVIDER_ALIASES[m.group(1)]))
    for m in re.finditer(r"\b(?:on|at|from|with|use|try|via|in)\s+(DO)\b", original):
        found.append((m.start(1), "digitalocean"))
    ids: list[str] = []
    for _, pid in sorted(found):
        if pid not in ids:
            ids.append(pid)
    return ids


@dataclass(frozen=True)
class _Place:
    geo: str
    country: str | None
    start: int


# Cloud region codes ("us-east-1", "europe-west4", "ap-southeast-2", "us-central1").
_REGION_CODE_RE = re.compile(
    r"\b((?:us|eu|europe|asia|ap|sa|me|af|ca|uk|il|mx|northamerica|southamerica|australia)(?:-[a-z]+)+-?\d{1,2}[a-z]?)\b"
)
# Clouds whose region tables know the country behind a code: "eu-west-1" alone only says Europe, AWS's
# table says Ireland.  Codes rarely clash between clouds, so the first cloud that knows one wins.
_CODE_SCHEMES = ("aws", "gcp", "lambda", "nebius", "ibm")
# Short place codes people type in lower case.  Any other 2-3 letter code counts only in capitals:
# "hr" (per hour), "gb" (memory) and "me" (find me) are not places in a request.
_LOWER_CODES_OK = {"eu", "uk", "uae", "usa", "ksa", "anz"}
# Capitalised tokens that are units, acronyms or English words rather than places.
_UPPER_NOT_PLACES = {
    "GB", "TB", "MB", "HR", "OK", "AI", "ML", "TF", "DO", "IT", "IS", "NO", "IN", "ME", "AM", "AN",
    "AS", "AT",
    "BE", "BY", "GO", "MY", "OR", "SO", "TO", "ID", "HI", "PC", "VM", "OS", "UP", "IO", "CPU", "GPU", "RAM",
    "SSD", "API", "LLM", "SXM", "NVL", "AWS", "GCP", "OCI", "IBM", "SCP", "HCL", "IAC", "USD", "EUR", "ETA",
    "FYI", "PCI", "RTX", "AMD",
}  # fmt: skip
_PLACE_STOPWORDS = {
    "the", "a", "an", "of", "and", "or", "in", "on", "for", "with", "to", "from", "me", "my", "based", "only",
    "region", "regions", "please", "cloud", "gpu", "gpus", "any", "some", "near", "around", "within",
}  # fmt: skip
_PLACE_NEGATION_RE = re.compile(
    r"(?:\bnot\b|\boutside(?: of)?\b|\bexcept\b|\bexcluding\b|\bbut not\b|\bavoid\w*|\bother than\b|\bno\b)"
    r"\s*(?:in\s+)?(?:the\s+)?$"
)


def _short_code_ok(word: str, start: int, s: str, upper_words: set[str]) -> bool:
    """Whether a 2-3 letter token may be a place code here (``upper_words``: those typed in capitals)."""
    upper = word.upper() in upper_words
    if word == "us":
        # "us" is a pronoun unless capitalised or placed like a country ("the us", "us-based", "us only").
        return (
            upper
            or bool(
                re.search(r"\bthe\s*$", s[max(0, start - 8) : start])
                # after a GPU name or a count ("a100 us ondemand", "8x us") or "in"
                or re.search(r"(?:\bin|\b[a-z]{0,4}\d+[a-z]?|\d+x)\s+$", s[max(0, start - 12) : start])
                or re.match(
                    r"^(?:-|\s)?(?:based|only|east|west|central|north|south|region|or\b|and\b|\)|,|\.|$)",
                    s[start + 2 : start + 14],
                )
            )
        )
    if word in _LOWER_CODES_OK:
        return True
    return upper and word.upper() not in _UPPER_NOT_PLACES


def _lookup_place(phrase: str) -> tuple[str, str | None] | None:
    loc = resolve_place(phrase)
    if loc is None or loc.geo is None:
        return None
    return loc.geo, loc.country


def _locate_code(code: str, provider: str | None) -> tuple[str, str | None] | None:
    for scheme in ((provider,) if provider else ()) + _CODE_SCHEMES:
        loc = locate(scheme, code)
        if loc.geo is not None and loc.country is not None:
            return loc.geo, loc.country
    return _lookup_place(code)


def _find_places(
    s: str, original: str, skip: list[tuple[int, int]], provider: str | None
) -> tuple[list[_Place], str | None]:
    """Places named and not excluded, in text order, and the first cloud region code."""
    region: str | None = None
    places: list[_Place] = []
    taken = list(skip)
    for m in _REGION_CODE_RE.finditer(s):
        hit = _locate_code(m.group(1), provider)
        if hit is not None:
            region = region or m.group(1)
            places.append(_Place(hit[0], hit[1], m.start()))
            taken.append((m.start(), m.end()))
    upper_words = set(re.findall(r"\b[A-Z]{2,3}\b", original))
    tokens = []
    for m in re.finditer(r"[a-z][a-z.]*(?:-[a-z]+)*", s):
        word = m.group(0).rstrip(".")
        if word:
            tokens.append((word, m.start(), m.start() + len(word)))
    i = 0
    while i < len(tokens):
        matched = 0
        for n in (3, 2, 1):
            chunk = tokens[i : i + n]
            if len(chunk) < n or chunk[0][0] in _PLACE_STOPWORDS or chunk[-1][0] in _PLACE_STOPWORDS:
                continue
            if any(a <= t[1] < b for t in chunk for a, b in taken):
                continue
            if re.search(r"[,;:!?()/]", s[chunk[0][1] : chunk[-1][2]]):
                continue
            word, start = chunk[0][0], chunk[0][1]
            candidates = [" ".join(t[0] for t in chunk)]
            if n == 1 and "-" in word:
                # "us-based", "asia-pacific": the whole word first, then its first part.
                candidates.append(word.split("-")[0])
            for cand in candidates:
                if len(cand) <= 3 and not _short_code_ok(cand, start, s, upper_words):
                    continue
                hit = _lookup_place(cand)
                if hit is None and n == 1 and _COMPACT_REGION_RE.match(cand):
                    hit = _locate_compact(cand, provider)
                if hit is None:
                    continue
                if not _PLACE_NEGATION_RE.search(s[max(0, start - 25) : start]):
                    places.append(_Place(hit[0], hit[1], start))
                matched = n
                break
            if matched:
                break
        i += matched or 1
    if not places:
        places = _typo_places(tokens, taken, s)
    return places, region


# Azure-style region names written as one word: "eastus", "westeurope", "uksouth", "japaneast".
_COMPACT_REGION_RE = re.compile(
    r"^(?=[a-z]{6,}$)(?:(?:east|west|north|south|central)[a-z]{2,}|[a-z]{2,}(?:east|west|north|south|central))$"
)


def _locate_compact(word: str, provider: str | None) -> tuple[str, str | None] | None:
    for scheme in dict.fromkeys((provider or "azure", "azure")):
        loc = locate(scheme, word)
        if loc.geo is not None and loc.country is not None:
            return loc.geo, loc.country
    return None


def _typo_places(tokens: list[tuple[str, int, int]], taken: list[tuple[int, int]], s: str) -> list[_Place]:
    """Place names one slip away: a dropped final "s" ("netherland"), a doubled or stray letter inside
    the word ("germanny"), two letters swapped ("germnay").  Tried only when no place was found as written,
    and only on words of six letters or more, where a single edit rarely makes another word."""
    for word, start, _end in tokens:
        if len(word) < 6 or not word.isalpha() or word in _PLACE_STOPWORDS:
            continue
        if any(a <= start < b for a, b in taken):
            continue
        if _PLACE_NEGATION_RE.search(s[max(0, start - 25) : start]):
            continue
        edits = [word + "s"]
        # Not the first or last letter: "turing" is not a misspelt Turin, nor "korean" Korea.
        edits += [word[:k] + word[k + 1 :] for k in range(1, len(word) - 1)]
        edits += [word[:k] + word[k + 1] + word[k] + word[k + 2 :] for k in range(len(word) - 1)]
        for cand in dict.fromkeys(edits):
            hit = _lookup_place(cand) if len(cand) >= 5 else None
            if hit is not None:
                return [_Place(hit[0], hit[1], start)]
    return []


# --------------------------------------------------------------------------------------------------
# Workload
# --------------------------------------------------------------------------------------------------

_MODEL_FAMILIES = (
    r"llama|codellama|mistral|mixtral|qwen|qwq|gemma|phi|falcon|deepseek|gpt-oss|gpt-j|gpt-neox|yi|command-r|"
    r"starcoder|olmo|stable diffusion|sdxl|flux|whisper|bert|t5|bloom|mpt|nemotron|grok"
)
_MODEL_NAME_RE = re.compile(
    rf"\b({_MODEL_FAMILIES})\b(?:[\s-]*(?:\d+(?:\.\d+)?|v\d+(?:\.\d+)?|r1|mini|small|medium|large|instruct|chat|"
    r"coder|oss|xl)\b)*(?:[\s-]*(?:\d+x)?\d+(?:\.\d+)?\s*b\b)?"
)
# Sizes of models people name without a parameter count.
_IMPLIED_SIZES: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"mixtral[\s-]*8x22b"), 141.0),
    (re.compile(r"mixtral"), 46.7),
    (re.compile(r"deepseek[\s-]*(?:v3|r1)(?![\w.-]*\s*\d+(?:\.\d+)?\s*b\b)"), 671.0),
    (re.compile(r"phi[\s-]*3[\s-]*mini"), 3.8),
    (re.compile(r"sdxl"), 3.5),
)
_PARAMS_RE = re.compile(r"(?<![\w.$])-?(\d+(?:\.\d+)?)\s*(b|bn|billion|m|million)\b")
_PRECISION_RE = re.compile(
    r"\b(fp32|float32|tf32|bf16|bfloat16|fp16|float16|half precision|fp8|int8|8[- ]?bit|int4|4[- ]?bit|"
    r"nf4|fp4|"
    r"mxfp4|awq|gptq)\b"
)
_CONTEXT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(k)?\s*(?:tokens?\s+)?(?:context|ctx|seq(?:uence)? len)"
    r"|\bcontext(?:\s+(?:length|window|size))?\s*(?:of|=|:)?\s*(\d+(?:\.\d+)?)\s*(k)?\b"
)


def _find_params(s: str) -> float | None:
    implied = next((size for pat, size in _IMPLIED_SIZES if pat.search(s)), None)
    moe = re.search(r"(?<![\w.])(\d+)x(\d+(?:\.\d+)?)b\b", s)
    if moe:
        # Experts share the attention layers, so NxM-B is ~0.83 of N*M (Mixtral 8x7B: 46.7B).
        return implied or round(int(moe.group(1)) * float(moe.group(2)) * 0.83, 1)
    for m in _PARAMS_RE.finditer(s):
        if m.group(2) in ("m", "million"):
            if re.match(r"^[\s-]*(?:param|model)", s[m.end() : m.end() + 20]):
                return float(m.group(1)) / 1000
            continue
        return float(m.group(1))
    return implied


def _find_workload(s: str) -> Workload | None:
    params = _find_params(s)
    name = _MODEL_NAME_RE.search(s)
    model_name = name.group(0).strip(" -") if name else None
    task: Task | None = None
    if re.search(r"\bq-?lora\b", s):
        task = "qlora"
    elif re.search(r"\blora\b|\badapters?\b|\bpeft\b", s):
        task = "lora"
    elif re.search(r"\bfrom scratch\b|\bpre-?train(?:ing|ed)?\b", s):
        task = "pre-train"
    elif re.search(r"\bfine[- ]?tun(?:e|es|ed|ing)\b|\bsft\b|\binstruction[- ]tun", s):
        task = "fine-tune"
    elif re.search(r"\btrain(?:ing)?\b", s) and (params is not None or model_name is not None):
        task = "pre-train"
    elif re.search(r"\b(?:serv(?:e|ing)|inference|host(?:ing)?|deploy(?:ing)?|endpoint|chatbot)\b", s) or (
        model_name is not None and re.search(r"\brun(?:ning)?\b", s)
    ):
        task = "inference"
    precision: str | None = None
    pm = _PRECISION_RE.search(s)
    if pm:
        try:
            precision = normalize_precision(pm.group(1).replace("half precision", "half"))
        except ValueError:
            precision = None
    context: int | None = None
    cm = _CONTEXT_RE.search(s)
    if cm:
        number, kilo = (cm.group(1), cm.group(2)) if cm.group(1) else (cm.group(3), cm.group(4))
        context = int(float(number) * (1024 if kilo else 1))
    bm = re.search(r"\b(?:batch(?:\s*size)?|bs)\s*(?:of|=|:)?\s*(\d+)\b", s)
    batch = int(bm.group(1)) if bm else None
    if params is None and task is None and model_name is None:
        return None
    return Workload(
        model_params_b=params,
        task=task,
        precision=precision,
        context=context,
        batch=batch,
        model_name=model_name,
    )


# --------------------------------------------------------------------------------------------------
# Intent
# --------------------------------------------------------------------------------------------------

_IAC_RE = re.compile(
    r"\bterraform\w*|\btf\b|\.tf\b|\bhcl\b|\biac\b|\binfra(?:structure)?[- ]as[- ]code\b|\bpulumi\b|\bopentofu\b"
)
# Verbs that ask for offers.  "need"/"want" are left out: "I need the terraform" is not a search.
_FIND_VERB_RE = re.compile(
    r"\b(?:find|search|show|list|recommend\w*|looking for|look for|get me|gimme|book|where can i|suggest|"
    r"who has|"
    r"do you have|have you got|(?:is|are) there (?:any|some))\b"
)
# Any word pointing at offers, including nouns that may be the subject of a cost question
# ("how much would the cheapest cost?").
_FIND_RE = re.compile(
    r"\b(?:find|search|show|list|recommend\w*|looking for|look for|cheapest|lowest[- ]pric(?:e|ed)|best (?:price|deal|"
    r"option|offer)s?|options?|offers?|available|availability|deals?|book|what'?s out there|who has|"
    r"where can i|get me|gimme|any\b[^.?]*\b(?:left|for under|under|below)|suggest|do you have|have you got|"
    r"(?:is|are) there (?:any|some))\b"
)
# Cues that name a side-by-side on their own ...
_COMPARE_EXPLICIT_RE = re.compile(
    r"\bcompar(?:e|es|ed|ing|ison)\b|\bvs\.?(?!\w)|\bversus\b|\bhead[- ]to[- ]head\b|\bcontrast(?:ing)?\b|"
    r"\bside[- ]by[- ]side\b|\bprice difference\b|\bdifference in (?:price|cost)s?\b"
)
# ... and cues that do so only between two named GPUs or providers.  Alternatives with a question
# about them ("H100 or H200 - which one ...", "lambda or nebius: who has cheaper H100s?", "should I
# pick A100 or H100") are a comparison; alternatives alone ("an L4 or A10G under $1/h") are a search.
_COMPARE_RE = re.compile(
    r"\bdifferences? (?:in [\w\s]+ )?between\b|"
    r"\b(?:which|who)(?: is| one is|'s| one'?s| has| have| offers?| gives?) (?:the )?(?:better|faster|cheaper|"
    r"lower|more|less)\b|"
    r"\bwhich (?:one )?should i\b|\bbetter value\b|\bworth it over\b|\bworth (?:the|paying)\b[^?]*\bover\b|"
    r"\bstacks? up (?:against|to)\b|\bdifferent from\b|"
    r"\b(?:better|faster|cheaper|slower|pricier|more expensive|less expensive)(?:\s+[\w-]+){0,2}\s+than\b|"
    r"\bor\b[^?]*\bbetter\b|\bagainst\b|"
    r"\b(?:is it|would it be|will it be|is that|which is|which one is|what'?s)\s+(?:\w+\s+)?(?:cheaper|better|faster|"
    r"more cost[- ](?:efficient|effective)|more economical)\b[^?]*\bor\b|"
    r"(?<=\s)v\.?(?=\s)|\bpros and cons\b|\btrade-?offs?\b|"
    r"\b(?:should|shall|do|would) (?:i|we)\s+(?:\w+\s+)?(?:pick|choose|go (?:with|for)|opt for|get|rent|use|take)\b"
    r"[^?]*\bor\b|"
    r"\bwhich\b[^?]*\bor\b|\bor\b[^?]*\bwhich\b"
)
# How prices move, in the forms a question uses ("will ... drop", "are prices stabilizing").
_PRICE_MOVES = (
    r"(?:drop|dip|fall|rise|increase|decrease|climb|decline|spike|crash|soar|sink|stabili[sz]|level(?:l)?|"
    r"flatten|bottom|peak|recover|tank|plummet|jump)(?:s|es|e|ed|ing)?(?: off| out)?"
)
_FORECAST_RE = re.compile(
    r"\bhow much (?:will|would|does|do|is|are|for|to|money|it|would it|will it|'d)\b|"
    r"\bhow (?:expensive|pricey|costly)\b|\bhow many (?:dollars|bucks|usd|euros)\b|"
    r"\bwhat (?:will|would|does|do)\b[^?]*\b(?:cost|run me)\b|\bcost (?:of|me)\b|\bestimat\w*|"
    r"\bwhat (?:would|will|do|does|should|might) (?:i|we|it|that|this) (?:pay|spend|owe)\b|"
    # "total cost", "monthly bill", "what's the hourly and daily cost", "approx cost"
    r"\b(?:total|overall|monthly|weekly|daily|hourly|approx(?:imate)?|rough|expected|estimated) "
    r"(?:cost|spend|bill|price tag)\b|"
    r"\bwhat(?:'?s| is| will be| would be)? (?:the |my |our )?(?:(?:hourly|daily|weekly|monthly|total|overall|"
    r"and)\s+)*(?:(?:cost|price tag|bill|spend)s?\b|total(?=\s*(?:$|[?.!,]|for\b|if\b|when\b|of (?:running|renting))))|"
    r"\bforecast\w*|\bpredict\w*|\btrend\w*|\boutlook\b|\bprojected\b|\bprojection\b|\bballpark\b|"
    r"\bquote (?:me|us|for)\b|\bgo(?:ing)? (?:up|down)\b|"
    rf"\b(?:will|going to|gonna|expect)\b[^?]*\b(?:{_PRICE_MOVES}|get cheaper|cheaper)\b|"
    rf"\bprices?\b[^.?]{{0,30}}\b(?:{_PRICE_MOVES})\b|"
    r"\bhow (?:long|many (?:hours|days|weeks|months))\b[^?]{0,40}?\b(?:can|could|would|will)\s+(?:i|we)\s+(?:\w+\s+)?"
    r"(?:run|rent|last|afford|get|buy|keep|use|have)\b|\bset (?:me|us) back\b|"
    r"\bcost (?:breakdown|estimate|analysis|calculation|summary|projection)\b|\bhow much\s*\?|"
    r"\bprices?\b[^.?]{0,30}\b(?:heading|headed|moving|direction)\b|"
    r"\bget cheaper\b|\bprices? (?:history|forecast|prediction)\b|\bbudget check\b|\brun me\b|\bthe damage\b|"
    r"\bhow many hours\b|\bexpected\b[^?]*\bprice|\bcost me\b|\bcosts? (?:to|for)\b|"
    # "what's the price gonna be next week", "H100 prices over the coming month"
    r"\bprices?\b[^.?]{0,30}\b(?:gonna|going to|will)\s+be\b|"
    r"\bprices?\b[^.?]{0,30}\b(?:next|coming|upcoming) (?:week|month|quarter|year)s?\b|"
    r"\bhow much (?:in total|total|overall|altogether)\b"
)
# A cost word that states a ceiling ("total cost not above $12/h", "monthly spend under $500") is a
# budget, not a cost question.
_COST_CEILING_AFTER_RE = re.compile(
    r"\s*(?:[\w']+\s+){0,3}?(?:(?:should|must|needs? to|has to)\s+(?:be\s+)?(?:stay\s+)?)?"
    r"(?:(?:not (?:above|over|exceed\w*|more than)|no more than|under|below|max(?:imum)?|at most|within|"
    r"less than|up to|capped at|limited to)\b|<)"
)
# "how much VRAM does ..." is a sizing question, not a cost one.
_NOT_COST_RE = re.compile(r"\bhow much (?:v?ram|memory|gpu memory|hbm|bandwidth|compute|context)\b")
# Openers that may come before a question word: "roughly how many GB ...", "quick question: what ...".
_QUESTION_LEAD = (
    r"(?:(?:ok|okay|so|hey|hi|hello|hmm+|btw|roughly|approximately|approx|quick question|just curious|"
    r"curious|honestly|also|and|sorry|please)\W+)*"
)
_EXPLAIN_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:what|what's|whats|why|how|does|do|is|are|can|could|should|explain|"
    r"eli5|define|tell me about|help me understand|when)\b|\bexplain\b|\beli5\b|\bdifference between\b|"
    r"\bwhat (?:is|are|does) (?:a |an |the )?\w+|\bhow does\b|\bwhy\b|"
    r"\btell me (?:what|why|how|when|whether|if)\b|\b(?:i'?d like to|i want to|want to) (?:know|understand)\b|"
    r"\bi (?:wonder|was wondering)\b|"
    # a choice between techniques, not between offers: "which precision should I use, bf16 or fp8?"
    r"\bwhich (?:precision|dtype|data ?type|quantization|quant|format|parallelism|framework|library|"
    r"optimizer|strategy|technique|method|batch size|context length|inference (?:engine|server))\b"
)
# A yes/no question about a hardware or software feature ("is NVLink available on the L40S?", "does
# the A10G support bf16?") asks for knowledge even when it says "available".
_FEATURE_QUESTION_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:is|are|does|do|can|could|will)\b[^?]*\b(?:nvlink|nvswitch|mig|fp8|fp4|bf16|fp16|"
    r"tf32|ecc|infiniband|tensor cores?|cuda|rocm|flash[- ]?attention|transformer engine|hbm\w*|gddr\w*|"
    r"pcie gen ?\d|sr-?iov|multi-instance)\b"
)
# "export the cheapest L40S offer as terraform": a request that opens with making the code asks for the
# code, even when it names the offer to build it from.
_IAC_VERB_START_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:(?:can|could|would|will) you\s+(?:please\s+)?|pls\s+|plz\s+)?"
    r"(?:export|generate|write|create|produce|output|convert|render|draft|emit|spit out)\b"
)
# "A100 or L40S for fine-tuning a 7B model?": alternatives joined by "or" in a question.
_ALTERNATIVES_QUESTION_RE = re.compile(r"\bor\b[^.!]*\?")
# Cues of a question about meaning or mechanism.
_STRONG_EXPLAIN_RE = re.compile(
    r"\bwhat (?:does|do) [^?]{1,40}\bmean\b|\bwhat is meant by\b|\bhow (?:does|do) [^?]{1,40}\bwork\b|"
    r"^\s*(?:explain|eli5|define)\b|\b(?:get|gets|getting|be|being) (?:interrupted|preempted|terminated|"
    r"reclaimed|evicted)\b"
)
# Follow-ups that continue the thread's ask rather than ask a question of their own.
_CONTINUE_RE = re.compile(r"^\s*(?:and\s+)?(?:what|how) (?:about|if)\b|^\s*(?:and|but) (?:if|with|without)\b")
_FOLLOW_UP_START_RE = re.compile(
    r"^\s*(?:and|also|ok|okay|now|then|what about|how about|or|actually|but|same)\b"
)


def _cost_cue(s: str) -> re.Match[str] | None:
    """The first cost-question cue that is not a stated ceiling."""
    for m in _FORECAST_RE.finditer(s):
        if not _COST_CEILING_AFTER_RE.match(s, m.end()):
            return m
    return None


@dataclass(frozen=True)
class _Decision:
    intent: Intent
    wants_iac: bool
    cost_question: bool


def _intent(
    s: str,
    n_families: int,
    n_providers: int,
    searchy: bool,
    previous: ParsedRequest | None,
    budget_given: bool = False,
) -> _Decision:
    """The main ask.  ``searchy``: the message states a budget, a place or a provider;
    ``budget_given``: it states a price ceiling."""
    iac = _IAC_RE.search(s)
    find = _FIND_RE.search(s)
    forecast = None if _NOT_COST_RE.search(s) else _cost_cue(s)
    explicit_compare = _COMPARE_EXPLICIT_RE.search(s)
    compare = explicit_compare or _COMPARE_RE.search(s)
    cost_question = forecast is not None

    # The code is the main ask unless a search, comparison or cost question comes first and the code
    # is an add-on ("find 8 H100s ... and give me the terraform").
    if iac is not None and (
        _IAC_VERB_START_RE.match(s)
        or not any(m is not None and m.start() < iac.start() for m in (find, compare, forecast))
    ):
        return _Decision("terraform", True, cost_question)
    wants_iac = iac is not None
    # "difference between spot and on-demand" is a concept; between two GPUs it is a comparison.
    if compare is not None and (
        n_families >= 2 or n_providers >= 2 or (explicit_compare is not None and (n_families == 1 or searchy))
    ):
        return _Decision("compare", wants_iac, cost_question)
    if forecast is not None and _FIND_VERB_RE.search(s) is None:
        return _Decision("forecast", wants_iac, True)
    # Two GPUs offered as alternatives in a question of their own ("A100 or L40S for a 7B fine-tune?")
    # ask which to take; with a budget or place, or a search verb, they are alternatives to search.
    if n_families >= 2 and _ALTERNATIVES_QUESTION_RE.search(s) and not searchy and find is None:
        return _Decision("compare", wants_iac, cost_question)
    # What a word means or how something works is knowledge, whatever provider it is asked about.
    if _STRONG_EXPLAIN_RE.search(s) and find is None and not (budget_given or n_families):
        return _Decision("explain", wants_iac, cost_question)
    # A question that names no budget, place or provider needs knowledge, not a search.
    if _FEATURE_QUESTION_RE.search(s) and not searchy:
        return _Decision("explain", wants_iac, cost_question)
    if find is not None:
        return _Decision("recommend", wants_iac, cost_question)
    if not searchy and not (previous is not None and _CONTINUE_RE.match(s)) and _EXPLAIN_RE.search(s):
        return _Decision("explain", wants_iac, cost_question)
    if previous is not None:
        # A message without an ask of its own ("in germany", "make it spot") continues the thread's;
        # after an explanation the natural next step is a search.
        return _Decision(
            "recommend" if previous.intent == "explain" else previous.intent, wants_iac, cost_question
        )
    return _Decision("recommend", wants_iac, cost_question)


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------

_CHEAP_RE = re.compile(
    r"\b(?:cheapest|cheaper|lowest[- ]pric(?:e|ed)|least expensive|most affordable|as cheap(?:ly)? as possible|"
    r"for cheap)\b"
)


def parse_request(text: str, previous: ParsedRequest | None = None) -> ParsedRequest:
    """Read ``text`` (one user message) into a ParsedRequest, on top of ``previous`` for follow-ups."""
    original = text or ""
    s = _normalize(original)
    found = _find_gpus(s)
    gpus = [g for g in found if not _owned(s, g)]
    owned = [g for g in found if g not in gpus]
    families = list(dict.fromkeys(g.family for g in gpus))
    providers = _find_providers(s, original)
    places, region = _find_places(
        s, original, [(g.start, g.end) for g in gpus], providers[0] if len(providers) == 1 else None
    )
    count = _find_count(_masked(s, gpus, owned))
    memory = _find_memory(s)
    if memory is None:
        memory = next((g.memory_gb for g in gpus if g.memory_gb), None)
    budget = _find_budget(s, families)
    hours = _find_hours(s, count)
    spot = _find_spot(s)
    workload = _find_workload(s)

    searchy = bool(providers or places or budget.per_hour or budget.per_gpu_hour)
    budget_given = bool(budget.per_hour or budget.per_gpu_hour or budget.total)
    decided = _intent(s, len(families), len(providers), searchy, previous, budget_given)

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
            and _FOLLOW_UP_START_RE.search(s)
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
    return out
