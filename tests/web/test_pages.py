"""The server-rendered pages, seen as a user sees them: marketplace, offer detail and provider health.

Requests go through FastAPI's TestClient against the bundled catalog (both backends, see
tests/conftest.py). Assertions read the parsed page (headings, table cells, link targets), and
compare with the REST API where a figure must agree, so they hold whatever the snapshot contains.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from catalog.schemas import EXPORT_FIELDS
from tests.web.dom import Element, parse


def page(client: TestClient, url: str, status: int = 200) -> Element:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)


def result_count(doc: Element) -> int:
    return int(doc.find("h2", cls="result-count").get("data-total") or -1)


def rows(doc: Element) -> list[Element]:
    return doc.find("table", cls="offers").find("tbody").find_all("tr")


def prices(doc: Element, attr: str = "data-price") -> list[float]:
    return [float(td.get(attr) or "nan") for td in doc.find_all("td") if td.get(attr) is not None]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def api_total(client: TestClient, params: str = "") -> int:
    response = client.get(f"/providers?{params}")
    assert response.status_code == 200
    return int(response.json()["total"])


def test_marketplace_shows_every_offer_with_its_count(client: TestClient) -> None:
    doc = page(client, "/")
    total = api_total(client)
    assert total > 1000
    assert doc.find("h2", cls="result-count").text() == f"{total:,} offers"
    assert len(rows(doc)) == 20
    headers = [th.text() for th in doc.find("table", cls="offers").find("thead").find_all("th")]
    columns = (
        "Provider",
        "Offer",
        "GPUs",
        "vCPU",
        "RAM",
        "Region",
        "$/h",
        "$/GPU-h",
        "Pricing",
        "Price as of",
    )
    for name in columns:
        assert any(h.startswith(name) for h in headers), (name, headers)
    assert page(client, "/marketplace").find("h2", cls="result-count").text() == f"{total:,} offers"


def test_filters_narrow_the_results(client: TestClient) -> None:
    everything = result_count(page(client, "/"))
    h100 = page(client, "/?gpu_type=H100")
    h100_eu = page(client, "/?gpu_type=H100&geo=eu")
    assert 0 < result_count(h100_eu) < result_count(h100) < everything
    assert result_count(h100_eu) == api_total(client, "gpu_type=H100&geo=eu")
    for row in rows(h100_eu):
        assert "H100" in row.find("td", cls="gpus").text()
        assert row.find("td", cls="region").find("span", cls="sub").text().startswith("eu")
    # The form shows the filters that are applied.
    assert h100_eu.find("input", id="f-gpu_type").get("value") == "H100"
    assert h100_eu.find("select", id="f-geo").find("option", selected=True).get("value") == "eu"


def test_spot_and_price_filters(client: TestClient) -> None:
    spot = page(client, "/?spot=true&gpu_type=A100")
    assert result_count(spot) > 0
    assert all(row.find("span", cls="badge-spot") for row in rows(spot))
    cheap = page(client, "/?max_price_per_gpu=1.5&sort=price_per_gpu_asc")
    per_gpu = prices(cheap, "data-price-per-gpu")
    assert per_gpu
    assert max(per_gpu) <= 1.5


def test_empty_form_fields_are_ignored(client: TestClient) -> None:
    # What a browser sends when the form is submitted with most fields left empty.
    sent = (
        "/?gpu_type=H100&gpu_count=&gpu_memory_gb=&max_price=&max_price_per_gpu=&geo=&country=&region="
        "&provider=&spot=&q="
    )
    assert result_count(page(client, sent)) == result_count(page(client, "/?gpu_type=H100"))


def test_sort_headers_order_the_table_and_keep_the_filters(client: TestClient) -> None:
    doc = page(client, "/?gpu_type=A100")
    ascending = prices(doc)
    assert ascending == sorted(ascending)
    price_th = doc.find("a", data_sort="price").parent
    assert price_th is not None
    assert price_th.get("aria-sort") == "ascending"
    assert len(doc.find_all("th", aria_sort=True)) == 1

    toggle = doc.find("a", data_sort="price").get("href") or ""
    assert query(toggle) == {"gpu_type": ["A100"], "sort": ["price_desc"]}
    desc = page(client, toggle)
    descending = prices(desc)
    assert descending == sorted(descending, reverse=True)
    assert descending[0] >= ascending[-1]
    desc_th = desc.find("a", data_sort="price").parent
    assert desc_th is not None
    assert desc_th.get("aria-sort") == "descending"

    per_gpu = page(client, doc.find("a", data_sort="gpu_price").get("href") or "")
    values = prices(per_gpu, "data-price-per-gpu")
    assert values == sorted(values)
    updated = page(client, doc.find("a", data_sort="updated").get("href") or "")
    stamps = [t.get("datetime") or "" for t in updated.find_all("time")]
    assert stamps == sorted(stamps, reverse=True)


def test_pagination_keeps_filters_and_moves_through_the_results(client: TestClient) -> None:
    first = page(client, "/?gpu_type=H100")
    total = result_count(first)
    pages = -(-total // 20)
    assert first.find("span", cls="page-status").text() == f"Page 1 of {pages}"
    assert first.find("span", aria_disabled="true").text() == "← Previous"
    next_url = first.find("a", rel="next").get("href") or ""
    assert query(next_url) == {"gpu_type": ["H100"], "page": ["2"]}

    second = page(client, next_url)
    assert second.find("span", cls="page-status").text() == f"Page 2 of {pages}"
    assert query(second.find("a", rel="prev").get("href") or "") == {"gpu_type": ["H100"]}
    ids_1 = {r.get("data-offer-id") for r in rows(first)}
    ids_2 = {r.get("data-offer-id") for r in rows(second)}
    assert ids_1.isdisjoint(ids_2)
    assert min(prices(second)) >= max(prices(first))

    last = page(client, f"/?gpu_type=H100&page={pages}")
    assert len(rows(last)) == total - 20 * (pages - 1)
    assert not last.find_all("a", rel="next")


def test_export_links_carry_the_current_filters(client: TestClient) -> None:
    doc = page(client, "/?gpu_type=H100&geo=eu&sort=price_desc&page=2")
    csv_url = doc.find("a", data_export="csv").get("href") or ""
    json_url = doc.find("a", data_export="json").get("href") or ""
    assert urlsplit(csv_url).path == "/providers/export"
    assert query(csv_url) == {"format": ["csv"], "gpu_type": ["H100"], "geo": ["eu"], "sort": ["price_desc"]}
    assert query(json_url)["format"] == ["json"]

    response = client.get(csv_url)
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == list(EXPORT_FIELDS)
    assert len(table) - 1 == result_count(doc)
    assert client.get(json_url).json()["total"] == result_count(doc)


def test_empty_result_suggests_which_filter_to_relax(client: TestClient) -> None:
    doc = page(client, "/?gpu_type=H100&max_price=0.01&geo=eu")
    assert result_count(doc) == 0
    empty = doc.find("div", cls="empty-state")
    assert "No offers match these filters" in empty.text()
    suggestions = empty.find("ul", cls="relax-list").find_all("a")
    assert "Remove Max $/h" in suggestions[0].text()
    relaxed = suggestions[0].get("href") or ""
    assert query(relaxed) == {"gpu_type": ["H100"], "geo": ["eu"]}
    assert result_count(page(client, relaxed)) > 0
    assert empty.find("a", href="/").text() == "Reset all filters"


@pytest.mark.parametrize(
    ("url", "field", "shown"),
    [
        ("/?gpu_count=abc", "gpu_count", "abc"),
        ("/?gpu_type=H1000&geo=eu", "gpu_type", "H1000"),
        ("/?max_price=-5", "max_price", "-5"),
        ("/?geo=mars", "geo", "mars"),
        ("/?country=Germany", "country", "Germany"),
        ("/?provider=nosuchcloud", "provider", "nosuchcloud"),
    ],
)
def test_invalid_filter_names_the_field_and_keeps_the_form(
    client: TestClient, url: str, field: str, shown: str
) -> None:
    doc = page(client, url, status=422)
    alert = doc.find("section", role="alert")
    assert field in alert.text()
    assert "Check the filter" in alert.text()
    control = doc.find(None, id=f"f-{field}")
    assert control.get("aria-invalid") == "true"
    if control.tag == "select":
        assert control.find("option", selected=True).get("value") == shown
    else:
        assert control.get("value") == shown
    assert not doc.find_all("table", cls="offers")


def test_unknown_gpu_error_suggests_close_names(client: TestClient) -> None:
    alert = page(client, "/?gpu_type=H1000", status=422).find("section", role="alert")
    assert "did you mean" in alert.text()
    assert "H100" in alert.text()


def test_marketplace_form_works_without_javascript(client: TestClient) -> None:
    doc = page(client, "/")
    form = doc.find("form", role="search")
    assert form.get("method") == "get"
    assert form.get("action") == "/"
    controls = [c for c in form.find_all("input") + form.find_all("select") if c.get("type") != "hidden"]
    labels = {lbl.get("for") for lbl in form.find_all("label")}
    assert len(controls) >= 11
    for control in controls:
        assert control.get("id") in labels, f"{control} has no label"
    assert form.find("button", type="submit").text() == "Apply filters"
    assert form.find("a", href="/").text() == "Reset"
    assert doc.find("datalist", id="gpu-families").find_all("option")

    # Submit it the way a browser with JavaScript off does: every field, empty ones included.
    # An unchecked checkbox is not sent at all.
    inputs = [
        c
        for c in controls
        if c.tag == "input" and (c.get("type") != "checkbox" or c.get("checked") is not None)
    ]
    fields = {c.get("name") or "": c.get("value") or "" for c in inputs}
    fields.update({c.get("name") or "": "" for c in controls if c.tag == "select"})
    fields.update(gpu_type="A100", gpu_count="8", spot="false")
    submitted = client.get("/", params=fields)
    assert submitted.status_code == 200
    result = parse(submitted.text)
    assert result_count(result) == api_total(client, "gpu_type=A100&gpu_count=8&spot=false") > 0
    for row in rows(result):
        assert int(row.find("td", cls="gpus").text().split("×")[0]) >= 8
        assert row.find("span", cls="badge-ondemand")


def test_layout_has_nav_skip_link_theme_toggle_and_sources(client: TestClient) -> None:
    doc = page(client, "/health")
    assert doc.find("a", cls="skip-link").get("href") == "#main"
    assert doc.find("main", id="main")
    nav = {a.text(): a.get("href") for a in doc.find("nav", aria_label="Main").find_all("a")}
    # Signed out, the last links are Login and Sign up (signed in: Security, Admin by role and Logout;
    # test_account_pages).
    assert nav == {
        "Marketplace": "/",
        "Providers health": "/health",
        "Chat": "/chat",
        "Login": "/login",
        "Sign up": "/signup",
    }
    assert doc.find("a", aria_current="page").text() == "Providers health"
    # Without JavaScript the toggle stays hidden and the OS preference decides the theme.
    assert doc.find("button", data_theme_toggle=True).get("hidden") is not None
    footer = doc.find("footer").text()
    assert "SkyPilot catalog" in footer
    assert "gpu-pricing-tracker" in footer
    for asset in ("/static/app.css", "/static/app.js"):
        assert client.get(asset).status_code == 200


def test_warnings_are_shown(client: TestClient) -> None:
    doc = page(client, "/?gpu_type=4090")
    assert "'4090' read as RTX4090" in doc.find("div", cls="notice-warn").text()


def expensive_offer(client: TestClient) -> str:
    """An on-demand H100 offer near the top of the price list, so cheaper similar offers exist."""
    doc = page(client, "/?gpu_type=H100&spot=false&sort=price_desc&page=2")
    return rows(doc)[0].get("data-offer-id") or ""


def test_offer_page_shows_specs_chart_and_similar_cheaper_offers(client: TestClient) -> None:
    offer_id = expensive_offer(client)
    offer = client.get(f"/providers/{offer_id}").json()
    doc = page(client, f"/offers/{offer_id}")
    assert doc.find("h1").text() == offer["name"]
    specs = doc.find("section", aria_labelledby="specs-title").text()
    assert f"{offer['gpu_count']}× H100" in specs
    assert doc.find("p", cls="price-main").text().startswith(f"${offer['price_per_hour']:,.2f}")
    location = doc.find("section", aria_labelledby="where-title")
    assert offer["region"] in location.text()
    website = [a for a in location.find_all("a") if a.text() == "website"]
    assert (website[0].get("href") or "").startswith("http")
    assert offer["source"] in doc.find("section", aria_labelledby="source-title").text()

    svg = doc.find("svg", data_chart="price-history")
    assert svg.get("role") == "img"
    assert svg.find("title").text().startswith("$/GPU-hour over time")
    assert "H100" in svg.find("desc").text()
    assert (svg.find("path", cls="chart-median").get("d") or "").startswith("M")
    assert svg.find("path", cls="chart-band")
    assert svg.find_all("circle", cls="chart-offer-dot")
    y_labels = [t.text() for t in svg.find("g", cls="chart-axis-y").find_all("text")]
    assert y_labels[0] == "$0.00"
    assert len(y_labels) >= 3
    assert len(svg.find("g", cls="chart-axis-x").find_all("text")) >= 3
    fallback = doc.find("details", cls="chart-data")
    assert fallback.find("summary").text() == "Chart data as a table"
    assert len(fallback.find_all("tr")) > 10

    similar = doc.find("ul", cls="similar-list").find_all("li")
    assert similar
    for item in similar:
        other_id = (item.find("a").get("href") or "").rsplit("/", 1)[-1]
        other = client.get(f"/providers/{other_id}").json()
        assert other["price_per_hour"] < offer["price_per_hour"]
        assert other["gpu_family"] == "H100"
    assert doc.find("p", cls="breadcrumb").find("a").get("href") == "/"


def test_offer_back_link_returns_to_the_search_the_user_came_from(client: TestClient) -> None:
    offer_id = expensive_offer(client)
    referer = "http://testserver/?gpu_type=H100&page=2"
    response = client.get(f"/offers/{offer_id}", headers={"referer": referer})
    back = parse(response.text).find("p", cls="breadcrumb").find("a").get("href")
    assert back == "/?gpu_type=H100&page=2"
    # Another site's address is never echoed back as a link.
    response = client.get(f"/offers/{offer_id}", headers={"referer": "https://evil.example/?x=1"})
    assert parse(response.text).find("p", cls="breadcrumb").find("a").get("href") == "/"


def test_unknown_offer_is_a_404_page(client: TestClient) -> None:
    doc = page(client, "/offers/aws-000000000000", status=404)
    assert doc.find("h1").text() == "Offer not found"
    assert "aws-000000000000" in doc.find("main").text()


def test_health_page_lists_every_provider(client: TestClient) -> None:
    doc = page(client, "/health")
    body = doc.find("table", cls="health").find("tbody").find_all("tr")
    assert len(body) == 21
    api = {r["provider"]: r for r in client.get("/providers/health").json()}
    for row in body:
        provider = row.get("data-provider") or ""
        badge = row.find("span", cls="badge").text()
        assert badge in ("up", "stale", "snapshot-old", "degraded", "down")
        assert badge == api[provider]["status"]
        assert row.find("td", cls="num").text() == f"{api[provider]['offers']:,}"
        # The bundled snapshot's own date, not the time the tests loaded it.
        assert "days old" in row.find("td", cls="data-age").text()
    assert "21 snapshot-old" in doc.find("p", cls="lede").text()


def test_user_input_is_escaped(client: TestClient) -> None:
    response = client.get("/", params={"q": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert parse(response.text).find("input", id="f-q").get("value") == '"><script>alert(1)</script>'
