"""Numbers written as words and GPU counts ("8x H100", "a pair of L40S", "make it 4")."""

from __future__ import annotations

import re

_UNITS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_NUMBERS: dict[str, int] = {
    **{w: i for i, w in enumerate(_UNITS, 1)},
    **{w: 10 * i for i, w in enumerate(_TENS, 2)},
    # "twenty-four", "thirty two"
    **{f"{t}{sep}{u}": 10 * i + j for i, t in enumerate(_TENS, 2) for j, u in enumerate(_UNITS[:9], 1)
       for sep in ("-", " ")},
    "single": 1, "a single": 1, "a pair of": 2, "pair of": 2, "a couple of": 2,
    "couple of": 2, "a couple": 2, "dual": 2, "twin": 2, "triple": 3, "a trio of": 3, "trio of": 3, "quad": 4,
    "half a dozen": 6, "octo": 8, "a dozen": 12, "two dozen": 24, "a hundred": 100, "one hundred": 100,
}  # fmt: skip
NUM = "(?:\\d+|" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + ")"
_MEM_OPT = r"(?:\s*\(?\s*\d+\s*(?:gb|g|gib|gigs?)\b\s*\)?)?"
_VARIANT_OPT = r"(?:\s*(?:sxm\d?|pcie|nvl|80gb|40gb))?"
# "4 pieces of RTX 4090", "2 piece H100", "3 units of A100", "2 pcs L40S"
_PIECES_OPT = r"(?:(?:pieces?|pcs\.?|units?|nos\.?)\s+)?"
_COUNT_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "2-4 H100s": the lower bound is the minimum.
    re.compile(r"(?<![\w$.-])(\d+)\s*(?:-|to)\s*\d+\s*x?\s*(?:§g|gpus?\b)"),
    # "8x H100", "eight H100s", "a pair of L40S", "single 80GB GPU", "4x nvidia a100", "8-gpu node"
    re.compile(
        rf"(?<![\w$.-])({NUM})(?!\d)\s*\+?\s*(?:x\s*|\*\s*)?{_PIECES_OPT}(?:of\s+(?:the\s+)?)?(?:nvidia\s+|amd\s+)?"
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
        rf"increase (?:it |that )?to|reduce (?:it |that )?to|scale (?:it |that )?(?:up |down )?to)\s+({NUM})(?!\d)"
        r"(?!\s*(?:\$|usd\b|dollars?\b|bucks\b|cents?\b|c\b|gb\b|g\b|gigs?\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b|"
        r"months?\b|/|per\b|%|\.\d))"
    ),
    # "4 should be enough", "8 is fine" opening a follow-up
    re.compile(
        rf"^\s*({NUM})\s+(?:should|would|will|is|are)\s+(?:be\s+)?(?:enough|fine|ok|okay|good|plenty|sufficient|do)\b"
    ),
    # "8 of them", "8 of em", "2 of those"
    re.compile(rf"(?<![\w$.-])({NUM})(?!\d)\s+of\s+(?:them|em|'em|those|these)\b"),
    re.compile(r"\bnode of (\d+)\b"),
    # "2 pcs", "4 units" on their own
    re.compile(rf"(?<![\w$.-])({NUM})\s*(?:pcs\.?|pieces?|units?)(?!\w)"),
    # "quantity 2", "qty: 4", "gpu count = 8", "gpus. 4." (a form or a terse list)
    re.compile(
        r"\b(?:count\s*[:=]|quantity|qty|(?:gpu|card) count|number of (?:gpus|cards)|no\.? of (?:gpus|cards)|gpus?)\s*[:=.,-]?\s*"
        r"(\d{1,3})(?!\d|\.\d|\s*(?:x\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b|months?\b|gb\b|g\b|gigs?\b|\$|usd\b|dollars?\b|"
        r"bucks\b|cents?\b|c\b|/|per\b|%|nodes?\b))"
    ),
    re.compile(rf"(?<![\w$.-])({NUM})-way\b"),
    # "H100 SXM in Canada, x8, on-demand": the multiplier as its own phrase
    re.compile(r"(?:^|[,;:(]|(?<!pcie)(?<!gen\d)(?<!lanes)\s)\s*x\s?(\d{1,3})(?=\s*(?:$|[,.;!?)]))"),
)


def num_value(word: str) -> int | None:
    word = word.strip()
    return int(word) if word.isdigit() else WORD_NUMBERS.get(word)


def find_count(masked: str) -> int | None:
    """The first GPU count in the text ("8x H100", "a pair of", "8 of them")."""
    hits: list[tuple[int, int]] = []
    for pat in _COUNT_PATTERNS:
        for m in pat.finditer(masked):
            value = num_value(m.group(1))
            if value is None or not 0 < value <= 4096 or "$" in masked[max(0, m.start() - 2) : m.start()]:
                continue
            hits.append((m.start(), value))
    return min(hits)[1] if hits else None
