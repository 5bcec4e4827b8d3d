"""Data retention (spec 3.4): what is deleted once it is older than its retention, and what is kept.

Each domain registers its rules here (:func:`rule`); the worker's ``accounts.apply_retention`` job runs
them daily and records what it deleted in the audit log. Kept, never deleted by retention: the audit log
(hash-chained, at least two years and in practice forever), invoices and credit notes (seven years, and
the booking transitions they can be rebuilt from), bookings. Deleted past their retention (settings, in
days): usage records (``GPUBROKER_RETENTION_USAGE_DAYS``, two years), raw provider webhook payloads
(``GPUBROKER_RETENTION_WEBHOOK_DAYS``, 90 days). Expired sign-in flows, published outbox events and
finished jobs have shorter housekeeping of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.settings import Settings


@dataclass(frozen=True)
class Rule:
    name: str
    days: Callable[[Settings], int]
    apply: Callable[[Session, datetime], int]  # deletes what is older than the cutoff; returns how many


RULES: list[Rule] = []


def rule(
    name: str, days: Callable[[Settings], int]
) -> Callable[[Callable[[Session, datetime], int]], Callable[[Session, datetime], int]]:
    def register(apply: Callable[[Session, datetime], int]) -> Callable[[Session, datetime], int]:
        RULES.append(Rule(name, days, apply))
        return apply

    return register
