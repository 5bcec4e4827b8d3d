"""How long the GPUs are needed: "48h", "2 days", "for a week", "1000 GPU hours", "monthly bill"."""

from __future__ import annotations

import re

from agent.parser.numbers import WORD_NUMBERS, num_value

UNITS_TO_HOURS: dict[str, float] = {
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
    + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True))
    + r"|half an?|an?|one and a half|the (?:whole|entire|full)|an? (?:whole|full|entire))\s*-?\s*(?P<u>"
    + "|".join(sorted(UNITS_TO_HOURS, key=len, reverse=True))
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


def find_hours(s: str, count: int | None) -> float | None:
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
        # "200 hours of audio" is the work to do, not the rental.
        if re.match(
            r"^\s*of\s+(?:audio|recordings?|speech|podcasts?|calls?|interviews?|meetings?|voice|video)",
            s[m.end() : m.end() + 30],
        ):
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
            value = float(num_value(n) or 0)
        if value > 0:
            return round(value * UNITS_TO_HOURS[unit], 4)
    # "monthly bill", "weekly spend", "cost per month": the period the cost is asked for.
    period = _PERIOD_COST_RE.search(s)
    if period is not None:
        word = period.group(1) or period.group(2)
        return float(UNITS_TO_HOURS[{"monthly": "month", "weekly": "week", "daily": "day"}.get(word, word)])
    return None


_PERIOD_COST_RE = re.compile(
    r"\b(monthly|weekly|daily)\s+(?:cost|bill|spend|budget|total)\b"
    r"|\b(?:cost|bill|spend)\s+(?:per|a|each|every)\s+(month|week|day)\b"
)
