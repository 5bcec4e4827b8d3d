"""The conversation around a request: resets, pointers at the previous answer's offers, small talk, price
direction questions, round-the-clock hosting, and whether a message says anything to act on.

All rules read the message in its English forms (after :mod:`agent.parser.lang`).
"""

from __future__ import annotations

import re

from agent.parser.model import Reference

# "never mind", "forget that, 2 A100s in Spain", "scratch that", "start over": what came before is dropped.
# Only at the start of a message (after a filler word), so "I never mind spot" is not a reset.
_RESET_RE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|actually|hmm+|sorry|no|wait|um+|oh)\W+)*"
    r"(?:never ?mind|forget (?:that|it|this|about (?:it|that)|everything|all (?:of )?that|what i said)|"
    r"scratch that|start (?:over|again|afresh|fresh)|let'?s start (?:over|again)|new (?:search|question|request)|"
    r"reset|cancel that|ignore (?:that|the above|what i said|my last (?:message|request)))\b"
)
_BARE_RESET_RE = re.compile(r"^[\s\W]*(?:please|pls|then|and|ok(?:ay)?|thanks?)?[\s\W]*$")

_ORDINALS = {
    "first": "1", "1st": "1", "top": "1", "second": "2", "2nd": "2", "third": "3", "3rd": "3", "fourth": "4",
    "4th": "4", "fifth": "5", "5th": "5", "last": "last", "bottom": "last",
}  # fmt: skip
_THING = r"(?:one|offer|option|result|machine|instance|box|node|pick|choice|listing|of them|on the list)"
_REFERENCE_RES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(rf"\bthe\s+(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|top|last|bottom)\s+{_THING}\b"), None),
    (re.compile(r"\b(?:option|offer|number|no\.?|result|#)\s*([1-5])\b(?!\s*(?:gpus?|x|h|hours?|days?|gb)\b)"), None),
    (re.compile(r"^\W*(?:and\s+|what about\s+|how about\s+)?(?:the\s+)?(first|second|third|fourth|fifth|last)\W*$"), None),
    (re.compile(rf"\bthe\s+(?:cheaper|less expensive|lower[- ]priced)\s+(?:{_THING}|of (?:the|those|these) two)\b"
                r"|\bthe\s+cheaper\s*(?:$|[?.!,])"), "cheaper"),
    (re.compile(rf"\bthe\s+(?:cheapest|least expensive|lowest[- ]priced)\s+(?:{_THING}|of (?:them|those|these))\b"),
     "cheapest"),
    (re.compile(rf"\b(?:that|this|the same|this very|that very)\s+{_THING}\b|\bthat\s+(?:h|a|b|l|rtx)\s?\d+\b"), "that"),
)  # fmt: skip

# Greetings and thanks without an ask.
_SMALL_TALK_RE = re.compile(
    r"^\W*(?:hello|hi|hey|hiya|yo|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: (?:so|very) much)?|"
    r"thx|ty|cheers|ok(?:ay)?|cool|great|nice|perfect|got it|bye|goodbye)(?:\s+(?:there|again|a lot|mate))?\W*$"
)

# A price-direction question: "will H100 prices go down", "good time to buy?", "should I wait for B200
# prices to fall", "are A100 prices trending up".
_TREND_RE = re.compile(
    r"\bgood (?:time|moment) to (?:buy|rent|book|get|commit|reserve|sign|lock)|\bbest time to (?:buy|rent|book)|"
    r"\bshould (?:i|we) (?:\w+\s+)?(?:wait|hold off|buy now|rent now|book now|lock in)|\bworth waiting\b|"
    r"\bwait(?:ing)? (?:for|until)\b[^.?]*\b(?:prices?|cheaper|drop|fall|falling|go down|come down)|"
    r"\b(?:falling|dropping|lower|cheaper) (?:\w+ )?prices?\b|"
    r"\b(?:go|goes|going|trending|trend|heading|headed|moving|move)\s+(?:up|down)\b|\bup or down\b|"
    r"\btrend\w*|\boutlook\b|\bdirection\b|\bprice predictions?\b|\bpredict\w*\b[^?.]*\bprices?\b|"
    r"\b(?:will|going to|gonna|expect\w*|think|likely)\b[^?.]*\b(?:drop|dip|fall|rise|increase|decrease|decline|climb|"
    r"get cheaper|get more expensive|come down|keep (?:falling|rising|dropping)|stabili[sz]e|spike|crash)\w*|"
    r"\bprices?\b[^?.]{0,30}\b(?:drop|dip|fall|rise|climb|decline|stabili[sz]|spike|crash|soar|sink)\w*"
)

# Round the clock: a hosted model or endpoint, priced per month and better not interrupted.
_HOSTING_RE = re.compile(
    r"\b(?:24\s*/\s*7|24x7|around the clock|round the clock|always[- ]on|host(?:ing|ed)?\b|"
    r"(?:production|public|permanent) (?:endpoint|api|service)|keep (?:it|them) running)"
)


def find_reset(s: str) -> tuple[bool, str]:
    """Whether the message drops the thread's request, and the rest of the message after the reset."""
    m = _RESET_RE.match(s)
    if m is None:
        return False, s
    return True, s[m.end() :].lstrip(" ,.;:!-")


def is_bare(rest: str) -> bool:
    """Nothing left after the reset phrase ("never mind." or "forget it please")."""
    return _BARE_RESET_RE.match(rest) is not None


def find_reference(s: str) -> Reference | None:
    """Which offer of the previous answer the message points at, if any."""
    for pattern, kind in _REFERENCE_RES:
        m = pattern.search(s)
        if m is None:
            continue
        value = kind or _ORDINALS.get(m.group(1), m.group(1))
        return value  # type: ignore[return-value]
    return None


def is_small_talk(s: str) -> bool:
    return _SMALL_TALK_RE.match(s) is not None


def is_trend_question(s: str) -> bool:
    return _TREND_RE.search(s) is not None


def is_hosting(s: str) -> bool:
    return _HOSTING_RE.search(s) is not None


# Words that carry no request on their own; what is left when a message has only these (and words the
# rules do not know) is gibberish or chat.
_CUE_RE = re.compile(
    r"\b(?:gpus?|cards?|offers?|options?|price\w*|cost\w*|cheap\w*|rent\w*|book\w*|deals?|budget|spot|"
    r"on-demand|region|provider|cloud|vram|memory|model|llm|train\w*|fine-tune|inference|serve|deploy|"
    r"terraform|compare|versus|vs|forecast|node|cluster|instance|machine|server|quote|more|again|same|"
    r"details?|another|else|other)\b"
)


def has_cue(s: str) -> bool:
    """A word that asks about GPUs or offers, even without a value ("cheaper?", "other options")."""
    return _CUE_RE.search(s) is not None


# A yes/no or wh- question about the offer pointed at ("is that one spot?", "what region is the second one in?").
_ABOUT_OFFER_RE = re.compile(r"^\W*(?:is|are|does|do|has|what|which|where|how)\b")


def asks_about_offer(s: str) -> bool:
    return _ABOUT_OFFER_RE.match(s) is not None


# "what is the weather in Paris": a question that only names a place is not about GPUs.
_QUESTION_RE = re.compile(r"^\W*(?:what|who|when|where|why|how|tell|is|are|can|will)\b")


def is_question(s: str) -> bool:
    return _QUESTION_RE.match(s) is not None
