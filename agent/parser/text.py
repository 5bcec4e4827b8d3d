"""Normalisation before any rule runs: lower case, ASCII, one spelling of numbers, prices and multipliers."""

from __future__ import annotations

import re
import unicodedata


def normalize(text: str) -> str:
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
