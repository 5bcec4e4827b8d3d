"""Providers named (and not excluded) and spot versus on-demand."""

from __future__ import annotations

import re

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


def find_spot(s: str) -> bool | None:
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


def find_providers(s: str, original: str) -> list[str]:
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
