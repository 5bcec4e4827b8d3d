"""GPU mentions: names, aliases, typos and names split by a space ("h 100", "a 100"); hardware the user
already owns; per-GPU memory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.gpus import resolve_gpu


@dataclass(frozen=True)
class GpuMention:
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


def _resolve(phrase: str, start: int, end: int) -> GpuMention | None:
    hit = resolve_gpu(phrase)
    if hit is None:
        return None
    return GpuMention(hit.family, hit.variant, float(hit.memory_gb) if hit.memory_gb else None, start, end)


# A model name typed with a gap after its letters: "h 100", "mi 300x", "l 40s", "a 100".
_SPLIT_PREFIX_RE = re.compile(r"^(?:[a-hj-wyz]|mi|gh|gb)$")
# "a" is also the article: "a 40GB card", "a 100 hours", "a 10 minute job", "a 100 node cluster".  "a 100"
# is the A100 only where a GPU name can stand: at the end, before punctuation, a conjunction or
# preposition, a variant or memory size, or a word for a GPU.
_ARTICLE_SPLIT_AFTER_RE = re.compile(
    r"\s*(?:$|[?.!,;:)/]|(?:or|and|in|on|at|for|with|from|under|below|vs|versus|gpus?|cards?|sxm\d?|pcie|nvl|"
    r"spot|on-demand|instances?|x\d+|\d+\s*(?:gb|g)|s)\b)"
)
_SPLIT_NUMBER_RE = re.compile(r"^\d{1,4}[a-z]{0,2}$")


def _split_name(s: str, tokens: list[tuple[str, int, int]], i: int) -> tuple[GpuMention, int] | None:
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
    if prefix == "a" and not _ARTICLE_SPLIT_AFTER_RE.match(s, nend):
        return None
    joined = prefix + number
    for cand in (joined, joined[:-1]) if joined.endswith("s") else (joined,):
        hit = _resolve(cand, start, nend)
        # Only an exact name: the resolver's fuzzy matching would turn "p 40" into some card.
        if hit is not None and hit.family.lower() == cand:
            return hit, 2
    return None


def find_gpus(s: str) -> list[GpuMention]:
    """GPU mentions in text order, longest name first ("rtx 6000 ada" before "rtx 6000")."""
    tokens = []
    for m in _TOKEN_RE.finditer(s):
        word = m.group(0).rstrip(".+")
        tokens.append((word, m.start(), m.start() + len(word)))
    found: list[GpuMention] = []
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
        best: tuple[int, GpuMention] | None = None
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


def owned_by_user(s: str, g: GpuMention) -> bool:
    before = s[max(0, g.start - 60) : g.start]
    owned = _OWNED_BEFORE_RE.search(before) is not None or _OWNED_AFTER_RE.match(s, g.end) is not None
    return owned and _WANT_AFTER_RE.search(s, g.end) is not None


def masked(s: str, gpus: list[GpuMention], owned: Iterable[GpuMention] = ()) -> str:
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
