"""GET /providers and friends, as an API user calls them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/providers", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_default_search_pages_through_all_offers_cheapest_first(client: TestClient) -> None:
    body = search(client)
    # Whole machines only by default: GCP's GPU-only prices wait for include_gpu_only.
    assert body["total"] >= 1400
    assert len(body["items"]) == 20
    prices = [o["price_per_hour"] for o in body["items"]]
    assert prices == sorted(prices)
    page2 = search(client, page=2)
    assert {o["id"] for o in page2["items"]}.isdisjoint(o["id"] for o in body["items"])
    assert page2["items"][0]["price_per_hour"] >= prices[-1]


@pytest.mark.parametrize("alias", ["H100", "h100", "h100 sxm", "H100-SXM"])
def test_gpu_type_accepts_family_and_aliases(client: TestClient, alias: str) -> None:
    body = search(client, gpu_type=alias, page_size=100)
    assert body["total"] > 0
    assert all(o["gpu_family"] == "H100" for o in body["items"])
    if "sxm" in alias.lower():
        assert all(o["gpu_variant"] == "SXM" for o in body["items"])


def test_alias_with_memory_filters_memory_and_warns_how_it_was_read(client: TestClient) -> None:
    body = search(client, gpu_type="A100 80GB", page_size=100)
    assert body["total"] > 0
    assert all(o["gpu_family"] == "A100" and o["gpu_memory_gb"] >= 80 for o in body["items"])
    assert any("read as A100" in w for w in body["warnings"])


def test_filters_combine(client: TestClient) -> None:
    body = search(client, gpu_type="H100", gpu_count=8, geo="eu", max_price=40, spot=False, page_size=100)
    assert body["total"] > 0
    for o in body["items"]:
        assert o["gpu_count"] >= 8 and o["geo"] == "eu" and o["price_per_hour"] <= 40 and not o["spot"]


def test_country_region_provider_and_per_gpu_price(client: TestClient) -> None:
    de = search(client, country="de", page_size=100)
    assert de["total"] > 0 and all(o["country"] == "DE" for o in de["items"])
    region = search(client, region="US-EAST-1", provider="aws,lambda", page_size=100)
    assert region["total"] > 0
    assert all(o["region"] == "us-east-1" and o["provider"] in ("aws", "lambda") for o in region["items"])
    cheap = search(client, max_price_per_gpu=1.0, sort="price_per_gpu_asc", page_size=100)
    per_gpu = [o["price_per_gpu_hour"] for o in cheap["items"]]
    assert per_gpu == sorted(per_gpu) and per_gpu[-1] <= 1.0


def test_spot_and_tags_and_memory(client: TestClient) -> None:
    spot = search(client, spot=True, page_size=100)
    assert spot["total"] > 0 and all(o["spot"] and "spot" in o["tags"] for o in spot["items"])
    tagged = search(client, tags="aggregator,via-hyperstack", page_size=100)
    assert tagged["total"] > 0
    assert all({"aggregator", "via-hyperstack"} <= set(o["tags"]) for o in tagged["items"])
    big = search(client, gpu_memory_gb=141, page_size=100)
    assert big["total"] > 0 and all(o["gpu_memory_gb"] >= 141 for o in big["items"])


def test_full_text_matches_name_and_tags(client: TestClient) -> None:
    body = search(client, q="p5.48xlarge")
    assert body["total"] > 0 and all(o["name"] == "p5.48xlarge" for o in body["items"])
    secure = search(client, q="secure", provider="runpod")
    assert secure["total"] > 0 and all("secure-cloud" in o["tags"] for o in secure["items"])
    assert search(client, q="nosuchthingxyz")["total"] == 0


def test_sorts(client: TestClient) -> None:
    desc = [o["price_per_hour"] for o in search(client, sort="price_desc")["items"]]
    assert desc == sorted(desc, reverse=True)
    upd = [o["updated_at"] for o in search(client, sort="updated_desc")["items"]]
    assert upd == sorted(upd, reverse=True)


def test_deep_page_past_the_end_is_empty_with_a_warning(client: TestClient) -> None:
    body = search(client, page=999, page_size=100)
    assert body["items"] == [] and body["total"] > 0
    assert any("past the last page" in w for w in body["warnings"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"gpu_count": "abc"}, "gpu_count"),
        ({"page_size": 101}, "page_size"),
        ({"sort": "cheapest"}, "sort"),
        ({"geo": "mars"}, "geo"),
        ({"max_price": -1}, "max_price"),
        ({"country": "USA"}, "country"),
        ({"gpu_typ": "H100"}, "gpu_typ"),
        ({"spot": "maybe"}, "spot"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    r = client.get("/providers", params=params)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert field in err["message"]
    assert any(d["field"] == field for d in err["details"])
    assert err["trace_id"]


def test_unknown_gpu_is_422_with_suggestions(client: TestClient) -> None:
    r = client.get("/providers", params={"gpu_type": "H1000"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert "gpu_type" in err["message"] and "H100" in err["details"][0]["suggestions"]
    r = client.get("/providers", params={"provider": "azurex"})
    assert r.status_code == 422 and "provider" in r.json()["error"]["message"]


def test_hostile_values_are_harmless(client: TestClient) -> None:
    for q in ["'; DROP TABLE offers; --", "%", "_", "a' OR '1'='1", "\\", "h100 & | ! :*"]:
        r = client.get("/providers", params={"q": q})
        assert r.status_code == 200
    r = client.get("/providers", params={"tags": "\"]}'", "region": "x' OR 1=1 --"})
    assert r.status_code == 200 and r.json()["total"] == 0
    assert search(client)["total"] >= 1400


def test_offer_detail_history_and_404(client: TestClient) -> None:
    offer = search(client, gpu_type="H100", provider="lambda")["items"][0]
    r = client.get(f"/providers/{offer['id']}")
    assert r.status_code == 200 and r.json()["name"] == offer["name"]
    hist = client.get(f"/providers/{offer['id']}/history").json()
    assert len(hist["points"]) >= 1 and hist["points"][0]["price_per_hour"] == offer["price_per_hour"]
    # The bundled observations give the market context: months of daily medians.
    assert len(hist["market"]) > 100 and "H100" in hist["market_label"]
    missing = client.get("/providers/nope-123")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/providers/nope-123/history").status_code == 404


def test_export_csv_and_json_use_the_same_filters(client: TestClient) -> None:
    body = search(client, gpu_type="A100", geo="eu")
    r = client.get("/providers/export", params={"format": "csv", "gpu_type": "A100", "geo": "eu"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == body["total"]
    assert {"id", "provider", "gpu_family", "price_per_hour", "region"} <= set(rows[0])
    assert all(row["gpu_family"] == "A100" for row in rows)
    j = client.get("/providers/export", params={"format": "json", "gpu_type": "A100", "geo": "eu"}).json()
    assert j["total"] == body["total"] and j["items"][0]["id"] == body["items"][0]["id"]
    assert client.get("/providers/export", params={"format": "xml"}).status_code == 422
    assert client.get("/providers/export", params={"limit": 20000}).status_code == 422


def test_health_lists_every_provider_and_never_fails(client: TestClient) -> None:
    r = client.get("/providers/health")
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 21
    # The bundled snapshot is dated 2026-11-27 (PROVENANCE.json): older than 7 days, so never "up".
    assert {row["status"] for row in rows} <= {"snapshot-old", "up", "degraded", "down"}
    assert all(row["last_sync_ts"] for row in rows)
    assert all(row["mode"] == "snapshot" and row["data_as_of"].startswith("2026-11-27") for row in rows)


def test_cache_hits_and_misses_are_counted(client: TestClient, app: Any) -> None:
    before = app.state.cache.stats()
    search(client, gpu_type="L4")
    search(client, gpu_type="L4")
    after = app.state.cache.stats()
    assert after["misses"] == before["misses"] + 1
    assert after["hits"] == before["hits"] + 1
    metrics = client.get("/metrics").text
    assert "gpubroker_search_cache_hits_total" in metrics


def test_openapi_documents_the_search(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/providers"]["get"]["parameters"]}
    assert {"gpu_type", "max_price", "q", "sort", "page_size"} <= params


def test_metrics_can_require_a_token(client: TestClient, app: Any) -> None:
    app.state.settings = app.state.settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    refused = client.get("/metrics")
    assert refused.status_code == 401 and "GPUBROKER_METRICS_TOKEN" in refused.json()["error"]["message"]
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert allowed.status_code == 200 and "gpubroker_http_requests_total" in allowed.text


def test_openapi_documents_the_export_as_it_is_sent(client: TestClient) -> None:
    # Issue 12: the export was documented as JSON while it sends CSV by default.
    documented = client.get("/openapi.json").json()["paths"]["/providers/export"]["get"]["responses"]["200"]
    assert set(documented["content"]) == {"text/csv", "application/json"}
    csv_answer = client.get("/providers/export", params={"limit": 5})
    assert csv_answer.headers["content-type"].split(";")[0] == "text/csv"
    json_answer = client.get("/providers/export", params={"limit": 5, "format": "json"})
    assert json_answer.headers["content-type"] == "application/json"
    required = documented["content"]["application/json"]["schema"]["properties"]["items"]["items"]["required"]
    assert set(required) <= set(json_answer.json()["items"][0])
