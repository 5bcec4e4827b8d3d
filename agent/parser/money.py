"""Prices and budgets: per instance-hour, per GPU-hour, or for the whole job."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from agent.parser.durations import UNITS_TO_HOURS

_MEMORY_RE = re.compile(r"(?<![\w$.-])(\d+(?:\.\d+)?)\s*\+?\s*(gb|gib|gigs?|gigabytes?|g)\b\s*\+?")
_NOT_GPU_MEMORY_RE = re.compile(
    r"\s*(?:of\s+)?(?:system\s+|cpu\s+|host\s+)?(?:ram|dram|ddr\d?|disk|storage|ssd|nvme|system|cpu|host|"
    r"network|ethernet|egress|bandwidth|model|file|download|dataset|checkpoint)\b"
)
# Memory summed over GPUs says nothing about each one.
_TOTAL_MEMORY_RE = re.compile(r"\b(?:in total|total|combined|across|aggregate|altogether)\b")


def find_memory(s: str) -> float | None:
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
class Budget:
    per_hour: float | None = None
    per_gpu_hour: float | None = None
    total: float | None = None


def find_budget(s: str, families: Iterable[str]) -> Budget:
    """Price ceilings.  Per GPU only when the text says so ("per gpu", "/gpu/h", "each", "per H100");
    an hourly price without that is for the whole instance, as written."""
    out = Budget()
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
            value /= UNITS_TO_HOURS[day.group(1)]
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
