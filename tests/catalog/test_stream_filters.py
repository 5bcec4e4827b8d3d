"""The price stream checks a subscriber's filters in memory (catalog.stream.matches): it must pick
exactly the offers the same search picks in SQL (catalog.repository), over the whole bundled catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.models import Offer
from catalog.schemas import OfferFilters
from catalog.service import build_spec
from catalog.stream import event_payload, matches

SEARCHES: list[dict[str, Any]] = [
    {},
    {"gpu_type": "H100"},
    {"gpu_type": "A100 80GB", "gpu_count": 8},
    {"gpu_count_exact": 1, "geo": "eu"},
    {"provider": "aws,lambda", "spot": True},
    {"country": "US", "max_price": "10"},
    {"max_price_per_gpu": "2", "gpu_memory_gb": 40},
    {"total_gpu_memory_gb": 300, "region": "US-EAST-1"},
    {"tags": "on-demand,cloud", "availability": "up"},
    {"q": "h100 sxm"},
    {"include_gpu_only": True, "gpu_type": "L4"},
    {"gpu_type": "L4"},
]


@pytest.mark.parametrize("query", SEARCHES, ids=[str(q) for q in SEARCHES])
def test_in_memory_filters_pick_what_sql_picks(db: Session, query: dict[str, Any]) -> None:
    spec, _ = build_spec(OfferFilters.model_validate(query), limit=100_000)
    _total, sql_rows = repo.search_offers(db, spec)
    expected = {r["id"] for r in sql_rows}
    now = datetime.now(UTC)
    offers = [o.as_dict() for o in db.execute(select(Offer)).scalars()]
    picked = {o["id"] for o in offers if matches(spec, {**event_payload(o, None, now), "seq": 1})}
    assert picked == expected
    assert query == {} or len(expected) < len(offers)
