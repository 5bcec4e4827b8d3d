"""Places: continents, countries, states and cities, cloud region codes, with typos."""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.regions import locate, resolve_place


@dataclass(frozen=True)
class PlaceMention:
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


def find_places(
    s: str, original: str, skip: list[tuple[int, int]], provider: str | None
) -> tuple[list[PlaceMention], str | None]:
    """Places named and not excluded, in text order, and the first cloud region code."""
    region: str | None = None
    places: list[PlaceMention] = []
    taken = list(skip)
    for m in _REGION_CODE_RE.finditer(s):
        hit = _locate_code(m.group(1), provider)
        if hit is not None:
            region = region or m.group(1)
            places.append(PlaceMention(hit[0], hit[1], m.start()))
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
                    places.append(PlaceMention(hit[0], hit[1], start))
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


def _typo_places(
    tokens: list[tuple[str, int, int]], taken: list[tuple[int, int]], s: str
) -> list[PlaceMention]:
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
                return [PlaceMention(hit[0], hit[1], start)]
    return []
