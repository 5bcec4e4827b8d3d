"""A full-text search counts and pages in one pass; it returns what the two passes (a count, then the
page through the sort index) return: the same total, the same rows in the same order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.repository import SearchSpec


def two_passes(
    db: Session, spec: SearchSpec, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[dict[str, Any]]]:
    with monkeypatch.context() as m:
        m.setattr(repo, "_one_pass", lambda spec: False)
        return repo.search_offers(db, spec)


SPECS = [
    SearchSpec(q="h100"),
    SearchSpec(q="H100 sxm", sort="price_desc"),
    SearchSpec(q="a100", sort="price_per_gpu_asc", offset=20, limit=50),
    SearchSpec(q="h", sort="updated_desc", offset=30, limit=100),  # ties on updated_at: id decides
    SearchSpec(q="us east", gpu_family="H100", max_price=Decimal("40")),
    SearchSpec(q="spot", spot=True, tags=["spot"]),
    SearchSpec(q="no-such-word-anywhere"),
    SearchSpec(q="h100", offset=100_000),  # past the last page
]


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.q}-{s.sort}-{s.offset}" for s in SPECS])
def test_one_pass_matches_two_passes(db: Session, spec: SearchSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    assert repo._one_pass(spec)
    total, rows = repo.search_offers(db, spec)
    assert (total, rows) == two_passes(db, spec, monkeypatch)
    if spec.offset < total:
        assert rows and len(rows) == min(spec.limit, total - spec.offset)
        assert "total" not in rows[0] and set(rows[0]) == {c.name for c in repo.OFFER_COLUMNS}
    else:
        assert rows == []


def test_the_last_page_and_just_past_it(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    total, _ = repo.search_offers(db, SearchSpec(q="h100", limit=1))
    assert total > 10
    for offset in (total - 3, total - 1, total, total + 1):
        spec = SearchSpec(q="h100", offset=offset, limit=5)
        result = repo.search_offers(db, spec)
        assert result == two_passes(db, spec, monkeypatch)
        assert result[0] == total and len(result[1]) == max(0, min(5, total - offset))


def test_words_that_tokenize_to_nothing_are_no_full_text(db: Session) -> None:
    spec = SearchSpec(q=" -- ", include_gpu_only=True)
    assert not repo._one_pass(spec)
    total, rows = repo.search_offers(db, spec)
    assert total == repo.offer_count(db) and len(rows) == spec.limit
