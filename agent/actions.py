"""Requests to act on the user's account rather than to search: book, list or cancel bookings,
report spending, set a price alert.

The offline planner reads these before the search parser, with deliberately narrow patterns: the
verb "book" (never "reserved", which is a pricing term in searches), "my bookings", "cancel booking
<id>", "what did we spend". Anything else stays a search, a comparison or a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["book", "list_bookings", "cancel_booking", "spending", "create_alert"]

_OFFER_ID = re.compile(r"\b([a-z][a-z0-9.]*-[0-9a-f]{12})\b")
_BOOKING_ID = re.compile(r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")
_BOOK = re.compile(
    r"^(?:please\s+|ok(?:ay)?[,!.]?\s+|yes[,!.]?\s+|then\s+|now\s+|go ahead and\s+)*"
    r"(?:book|place a booking for|make a booking for|i(?:'d| would) like to book|i want to book|"
    r"can you book|could you book)\b"
)
_LIST = re.compile(
    r"\b(?:(?:my|our|the team'?s?|all|list|show)\s+(?:\w+\s+)?bookings?|booking status|"
    r"what(?:'s| is) (?:running|booked)|status of (?:my|our) (?:booking|instance)s?)\b"
)
_CANCEL = re.compile(r"^(?:please\s+)?(?:cancel|stop|terminate|end)\b.*\b(?:booking|instance|it)\b")
_SPENDING = re.compile(
    r"\b(?:(?:my|our)\s+(?:spend(?:ing)?|invoices?|billing|usage|costs so far|bill so far)|"
    r"what (?:did|have) (?:i|we) spen[dt]|how much (?:did|have) (?:i|we) spen[dt]|show (?:me )?(?:the )?invoices?)\b"
)
_ACTIVE = re.compile(r"\b(?:active|running)\b")
# "tell me when H100s drop below $2 per GPU-hour", "notify me if ...", "let me know when ...",
# "alert me when ...", "set an alert for ...": a price alert (the search parser reads the filters and
# the threshold from the same words).
_ALERT = re.compile(
    r"\b(?:(?:tell|notify|alert|ping|email|message) me|let me know)\s+(?:when|if|once|as soon as)\b|"
    r"\b(?:set|create|add|make)\s+(?:up\s+)?(?:a|an|me an?)\s+(?:price\s+)?alert\b"
)


@dataclass(frozen=True)
class AccountAction:
    action: Action
    offer_id: str | None = None
    booking_id: str | None = None
    state: str | None = None


def detect_action(text: str) -> AccountAction | None:
    """The account action ``text`` asks for, or None for a catalog request."""
    s = " ".join(text.lower().split())
    if _ALERT.search(s):
        return AccountAction("create_alert")
    if _BOOK.search(s):
        m = _OFFER_ID.search(s)
        return AccountAction("book", offer_id=m.group(1) if m else None)
    if _CANCEL.search(s):
        m = _BOOKING_ID.search(s)
        return AccountAction("cancel_booking", booking_id=m.group(1) if m else None)
    if _SPENDING.search(s):
        return AccountAction("spending")
    if _LIST.search(s):
        return AccountAction("list_bookings", state="active" if _ACTIVE.search(s) else None)
    return None
