"""Other languages: which one a message is written in, and its words in the forms the English rules read.

The rules of :mod:`agent.parser` are written once, for English. A German, French or Spanish message is
first rewritten word by word into those forms ("drei Tage" -> "3 days", "menos de 5 dólares la hora" ->
"under 5 dollars per hour", "Allemagne" -> "germany"); everything after that is the same code for every
language. Each language keeps its vocabulary in a module of its own (:mod:`.de`, :mod:`.fr`, :mod:`.es`):
marker words that tell the language, number words, units, and phrases in the order they are rewritten.
Country names come from pycountry's translations of ISO 3166-1 (the Debian iso-codes catalogs), so
every country is known in every language without a hand-written table.

Invariants: an English message is never rewritten except for foreign place names ("Deutschland",
"Europa" name one place whatever the language around them); a message whose language is unclear is
read as English; rewriting only adds English words, it never removes a digit, a price sign or a GPU name.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import pycountry

from catalog.regions import resolve_place

LANGUAGES = ("en", "de", "fr", "es")


@dataclass(frozen=True)
class Vocabulary:
    """One language's words, as the rewriting uses them (all lower case, accents removed)."""

    code: str
    #: Common words of the language; a word several languages share counts for each of them in part.
    markers: frozenset[str]
    #: Number words ("drei": 3). Articles meaning "one" are in ``articles``.
    numbers: Mapping[str, int]
    #: "a"/"one" (ein, une, una): 1 before a unit of time ("eine Woche" -> "1 week"), else "a".
    articles: frozenset[str]
    #: Units of time, singular and plural, to the English unit.
    units: Mapping[str, str]
    #: (regex, replacement) applied in order before numbers and units; phrases first, single words last.
    phrases: Sequence[tuple[str, str]]
    #: Continents and other place names pycountry does not translate, to the English name.
    places: Mapping[str, str] = field(default_factory=dict)
    #: Letters that only this language uses (on the text before accents are removed), with their weight.
    letters: Mapping[str, float] = field(default_factory=dict)


def fold(text: str) -> str:
    """Lower case without accents ("Größe" -> "grosse"), as :func:`agent.parser.text.normalize` does."""
    s = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def _vocabularies() -> dict[str, Vocabulary]:
    from agent.parser.lang import de, es, fr

    return {v.code: v for v in (de.VOCABULARY, fr.VOCABULARY, es.VOCABULARY)}


_ENGLISH_MARKERS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "is",
        "are",
        "for",
        "with",
        "how",
        "much",
        "what",
        "whats",
        "under",
        "per",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "in",
        "need",
        "cheapest",
        "cheaper",
        "find",
        "me",
        "of",
        "to",
        "or",
        "can",
        "will",
        "i",
        "get",
        "show",
        "which",
        "better",
        "than",
        "on",
        "my",
        "we",
        "it",
        "cost",
        "does",
        "do",
        "run",
        "price",
        "prices",
        "go",
        "up",
        "down",
        "should",
        "wait",
        "buy",
        "good",
        "time",
    ]
)
# Whole tokens: "a100" is a GPU, not the article "a".
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@cache
def _marker_weights() -> dict[str, dict[str, float]]:
    """Each marker word's weight per language: 1 when one language has it, shared evenly otherwise."""
    owners: dict[str, list[str]] = {}
    for code, vocab in [("en", None), *_vocabularies().items()]:
        words = _ENGLISH_MARKERS if vocab is None else vocab.markers
        for w in words:
            owners.setdefault(w, []).append(code)
    return {w: {c: 1 / len(cs) for c in cs} for w, cs in owners.items()}


def language_scores(text: str) -> dict[str, float]:
    """How much of ``text`` reads as each language (marker words and letters)."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    weights = _marker_weights()
    for word in _WORD_RE.findall(fold(text)):
        for code, w in weights.get(word, {}).items():
            scores[code] += w
    lowered = text.lower()
    for code, vocab in _vocabularies().items():
        for letter, w in vocab.letters.items():
            scores[code] += w * lowered.count(letter)
    return scores


def detect_language(text: str) -> str | None:
    """The language of ``text``: "de", "fr" or "es" when its words say so clearly, "en" when they read as
    English, None when nothing tells (a bare "H100?")."""
    scores = language_scores(text)
    best = max(("de", "fr", "es"), key=lambda c: scores[c])
    if scores[best] >= 1.0 and scores[best] > scores["en"]:
        return best
    return "en" if scores["en"] > 0 else None


@cache
def _country_names(code: str) -> dict[str, str]:
    """Country names in language ``code`` (folded) -> an English name the place tables resolve."""
    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[code])
    except OSError:
        return {}
    out: dict[str, str] = {}
    for country in pycountry.countries:
        english = _english_name(country)
        if english is None:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            foreign = fold(tr.gettext(value))
            foreign = re.sub(r"\s*\(.*?\)", "", foreign).strip()
            if len(foreign) >= 4 and "," not in foreign and foreign != english:
                out.setdefault(foreign, english)
    return out


def _english_name(country: object) -> str | None:
    code = getattr(country, "alpha_2", None)
    for attr in ("common_name", "name"):
        value = getattr(country, attr, None)
        if not value:
            continue
        for cand in (value, str(value).split(",")[0]):
            cand = fold(cand).strip()
            place = resolve_place(cand) if "," not in cand else None
            if place is not None and place.country == code:
                return cand
    return None


@cache
def _place_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern of every foreign place name of every language (longest first)."""
    names: dict[str, str] = {}
    for code, vocab in _vocabularies().items():
        names.update(_country_names(code))
        names.update(vocab.places)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), names


@cache
def _compiled(code: str) -> tuple[list[tuple[re.Pattern[str], str]], re.Pattern[str], re.Pattern[str]]:
    vocab = _vocabularies()[code]
    phrases = [(re.compile(p), r) for p, r in vocab.phrases]
    units = "|".join(sorted((re.escape(u) for u in vocab.units), key=len, reverse=True))
    counted = "|".join(
        sorted((re.escape(w) for w in [*vocab.numbers, *vocab.articles]), key=len, reverse=True)
    )
    number_unit = re.compile(rf"(?<![\w-])({counted}|\d+(?:\.\d+)?)\s+({units})(?![\w-])")
    words = re.compile(rf"(?<![\w-])({counted}|{units})(?![\w-])")
    return phrases, number_unit, words


def to_english(s: str, code: str | None) -> str:
    """``s`` (already normalised) with language ``code``'s words in English forms, and foreign place
    names replaced by English ones in every language."""
    if code in ("de", "fr", "es"):
        vocab = _vocabularies()[code]
        phrases, number_unit, words = _compiled(code)
        for pattern, replacement in phrases:
            s = pattern.sub(replacement, s)

        def number(word: str) -> str:
            return "1" if word in vocab.articles else str(vocab.numbers.get(word, word))

        # "drei Tage", "une semaine": the count is a number whatever the word, the unit English.
        s = number_unit.sub(lambda m: f"{number(m.group(1))} {vocab.units[m.group(2)]}", s)
        s = words.sub(
            lambda m: (
                vocab.units[m.group(1)]
                if m.group(1) in vocab.units
                else "a"
                if m.group(1) in vocab.articles
                else str(vocab.numbers[m.group(1)])
            ),
            s,
        )
    pattern, names = _place_pattern()
    return pattern.sub(lambda m: names[m.group(0)], s)
