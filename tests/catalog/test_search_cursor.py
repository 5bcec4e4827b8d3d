"""Keyset pagination of GET /providers: ``next_cursor`` walks a search page after page, as the page
numbers do, without reading the rows before the page."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from catalog import service
from catalog.schemas import OfferFilters


def get(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/providers", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def walk_by_cursor(client: TestClient, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of the search, following next_cursor; and every page's body."""
    pages = [get(client, **params)]
    while pages[-1].get("next_cursor"):
        pages.append(get(client, **params, cursor=pages[-1]["next_cursor"]))
        assert len(pages) < 200, "the cursor never reached the last page"
    return [o for p in pages for o in p["items"]], pages


def walk_by_page(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(client, **params, page=page)
        if not body["items"]:
            return items
        items.extend(body["items"])
        page += 1


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "price_per_gpu_asc", "updated_desc"])
def test_the_cursor_walks_the_same_rows_in_the_same_order_as_the_pages(client: TestClient, sort: str) -> None:
    params = {"sort": sort, "page_size": 100, "include_gpu_only": True}
    by_cursor, pages = walk_by_cursor(client, **params)
    by_page = walk_by_page(client, **params)
    assert [o["id"] for o in by_cursor] == [o["id"] for o in by_page]
    total = pages[0]["total"]
    assert len(by_cursor) == total == len({o["id"] for o in by_cursor})  # no row twice, none skipped
    assert all(p["total"] == total for p in pages)
    assert pages[0]["page"] == 1 and all(p["page"] is None for p in pages[1:])
    assert "next_cursor" not in pages[-1] and len(pages) == -(-total // 100)
    # Equal sort keys run across page boundaries (many offers share a price), and the id decides.
    field = {"price_per_gpu_asc": "price_per_gpu_hour", "updated_desc": "updated_at"}.get(
        sort, "price_per_hour"
    )
    keys = [o[field] for o in by_cursor]
    assert len(set(keys)) < len(keys)
    assert keys == sorted(keys, reverse=sort.endswith("desc"))


def test_a_full_text_search_pages_by_cursor_too(client: TestClient) -> None:
    by_cursor, pages = walk_by_cursor(client, q="h100", page_size=7)
    assert len(pages) > 2
    assert [o["id"] for o in by_cursor] == [o["id"] for o in walk_by_page(client, q="h100", page_size=7)]


def test_filters_hold_on_every_page_after_the_cursor(client: TestClient) -> None:
    items, pages = walk_by_cursor(client, gpu_type="A100", geo="na", page_size=5, sort="price_desc")
    assert len(pages) > 2 and len(items) == pages[0]["total"]
    assert all(o["gpu_family"] == "A100" and o["geo"] == "na" for o in items)


def test_the_last_page_has_no_cursor_and_an_exact_fit_has_no_empty_page_after_it(client: TestClient) -> None:
    total = get(client, gpu_type="H200")["total"]
    assert total > 1
    whole = get(client, gpu_type="H200", page_size=total)
    assert len(whole["items"]) == total and "next_cursor" not in whole
    first = get(client, gpu_type="H200", page_size=total - 1)
    rest = get(client, gpu_type="H200", page_size=total - 1, cursor=first["next_cursor"])
    assert [o["id"] for o in first["items"] + rest["items"]] == [o["id"] for o in whole["items"]]
    assert "next_cursor" not in rest and "warnings" not in rest


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"cursor": "not-a-cursor"}, "cursor", "next_cursor"),
        ({"cursor": _cursor(1, "price_asc", "abc", "x")}, "cursor", "next_cursor"),
        ({"cursor": _cursor(2, "price_asc", "1.0", "x")}, "cursor", "next_cursor"),
        ({"cursor": _cursor(1, "cheapest", "1.0", "x")}, "cursor", "next_cursor"),
        ({"cursor": _cursor(1, "price_asc", "1.0", "x"), "sort": "price_desc"}, "cursor", "sort=price_asc"),
        ({"cursor": _cursor(1, "price_asc", "1.0", "x"), "page": 3}, "page", "cursor"),
        ({"cursor": "x" * 301}, "cursor", "300"),
        ({"cursor": _cursor(1, "price_asc", "1e999999", "x")}, "cursor", "next_cursor"),
        ({"cursor": _cursor(1, "price_asc", "NaN", "x")}, "cursor", "next_cursor"),
        ({"cursor": _cursor(1, "price_asc", "1.0", "a\x00b")}, "cursor", "next_cursor"),
        (
            {"cursor": _cursor(1, "updated_desc", "yesterday", "x"), "sort": "updated_desc"},
            "cursor",
            "next_cursor",
        ),
        ({"cursor": _cursor(1, "price_asc", "1.0")}, "cursor", "next_cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"\xff\xfe").decode()}, "cursor", "next_cursor"),
    ],
)
def test_a_bad_cursor_is_a_422_naming_it(
    client: TestClient, params: dict[str, Any], field: str, says: str
) -> None:
    r = client.get("/providers", params=params)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert field in err["message"] and says in err["message"]
    assert any(d["field"] == field for d in err["details"])


def test_export_starts_after_a_cursor(client: TestClient) -> None:
    first = get(client, gpu_type="H100", page_size=10)
    r = client.get(
        "/providers/export", params={"gpu_type": "H100", "cursor": first["next_cursor"], "limit": 5}
    )
    assert r.status_code == 200, r.text
    exported = [row["id"] for row in csv.DictReader(io.StringIO(r.text))]
    second = get(client, gpu_type="H100", page_size=5, cursor=first["next_cursor"])
    assert exported == [o["id"] for o in second["items"]]


def test_the_marketplace_page_numbers_its_pages_and_ignores_a_cursor(client: TestClient) -> None:
    first = get(client, page_size=20)
    r = client.get("/", params={"cursor": first["next_cursor"]})
    assert r.status_code == 200
    assert first["items"][0]["name"] in r.text


def test_a_walk_counts_the_matches_once_per_catalog_version(db: Any, cache: Any, connection: Any) -> None:
    """Every page of a search has the same total: the first page counts it, the pages after it (by
    cursor or by number) take it from the cache until the catalog changes."""
    counts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "count(" in statement.lower():
            counts.append(statement)

    event.listen(connection, "before_cursor_execute", seen)
    try:
        first = service.search(db, OfferFilters(gpu_type="A100", page_size=5), cache)
        assert len(counts) == 1
        second = service.search(
            db, OfferFilters(gpu_type="A100", page_size=5, cursor=first["next_cursor"]), cache
        )
        third = service.search(db, OfferFilters(gpu_type="A100", page_size=5, page=3), cache)
        assert len(counts) == 1 and second["total"] == third["total"] == first["total"]
        # Another search, or the same one after an ingestion, counts again.
        service.search(db, OfferFilters(gpu_type="A100", geo="eu", page_size=5, page=2), cache)
        assert len(counts) == 2
        cache.bump_version()
        again = service.search(
            db, OfferFilters(gpu_type="A100", page_size=5, cursor=first["next_cursor"]), cache
        )
        assert len(counts) == 3 and again["items"] == second["items"]
    finally:
        event.remove(connection, "before_cursor_execute", seen)
