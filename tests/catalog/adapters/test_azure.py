"""Azure live mode: the public Retail Prices API, one query per GPU SKU, every page followed."""

from __future__ import annotations

from typing import Any

import httpx

from catalog.adapters.azure import GPU_SKUS, AzureAdapter, sku_filter
from catalog.adapters.registry import ADAPTERS, LIVE_ONLY_ADAPTERS, get_adapter_class
from core.settings import Settings
from tests.catalog.adapters.recorded import Provider, live_settings, reasons, recorded, sync_rows

PAGED_SKU = "Standard_ND96isr_H100_v5"
SINGLE_PAGE_SKU = "Standard_NC24ads_A100_v4"


def retail_prices(request: httpx.Request) -> httpx.Response:
    """prices.azure.com as recorded: two pages for the H100 SKU, one for the A100, none for the rest."""
    assert (request.url.host, request.url.path) == ("prices.azure.com", "/api/retail/prices")
    query = request.url.params["$filter"]
    if query == sku_filter(PAGED_SKU):
        page = "page2" if request.url.params.get("$skip") == "1000" else "page1"
        return httpx.Response(200, json=recorded(f"azure/nd96isr_h100_v5.{page}.json"))
    if query == sku_filter(SINGLE_PAGE_SKU):
        return httpx.Response(200, json=recorded("azure/nc24ads_a100_v4.json"))
    return httpx.Response(200, json=recorded("azure/empty.json"))


def azure(fake: Provider) -> AzureAdapter:
    return AzureAdapter(live_settings(), fake.client(), sleep=fake.sleeps.append)


def test_pages_are_followed_and_meters_become_offers() -> None:
    fake = Provider(retail_prices)
    fetched, rows, report = sync_rows(azure(fake))

    # One query per GPU SKU, plus the H100's second page reached through NextPageLink.
    assert len(fake.requests) == len(GPU_SKUS) + 1
    assert [r.url.params.get("$skip") for r in fake.requests].count("1000") == 1
    assert fetched.mode == "live"
    assert report.rejected == 0, reasons(report)

    prices = {(r["external_id"], r["spot"]): float(r["price_per_hour"]) for r in rows}
    # Windows and Low Priority meters are not offers; Spot meters are the spot offers.
    assert prices == {
        ("Standard_ND96isr_H100_v5/eastus", False): 98.32,
        ("Standard_ND96isr_H100_v5/eastus#spot", True): 39.328,
        ("Standard_ND96isr_H100_v5/westeurope", False): 117.984,  # from page 2
        ("Standard_ND96isr_H100_v5/westeurope#spot", True): 47.1936,
        ("Standard_NC24ads_A100_v4/southcentralus", False): 3.673,
        ("Standard_NC24ads_A100_v4/southcentralus#spot", True): 0.7346,
    }
    h100 = next(r for r in rows if r["external_id"] == "Standard_ND96isr_H100_v5/eastus")
    assert (h100["gpu_family"], h100["gpu_variant"], h100["gpu_count"]) == ("H100", "SXM", 8)
    assert h100["vcpu"] == 96.0  # the number in the size name
    assert float(h100["price_per_gpu_hour"]) == 12.29
    a100 = next(r for r in rows if r["external_id"] == "Standard_NC24ads_A100_v4/southcentralus")
    assert (a100["gpu_family"], a100["gpu_memory_gb"], a100["gpu_count"]) == ("A100", 80.0, 1)


def test_malformed_items_are_rejected_with_a_reason() -> None:
    good = recorded("azure/nc24ads_a100_v4.json")["Items"][0]
    items: list[Any] = [
        good,
        "not an item",
        {**good, "armRegionName": "", "meterName": "NC24ads A100 v4"},
        {**good, "armRegionName": "westus2", "unitOfMeasure": "1/Month"},
        {**good, "armRegionName": "eastus", "retailPrice": None},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["$filter"] == sku_filter(SINGLE_PAGE_SKU):
            page = {**recorded("azure/empty.json"), "Items": items, "Count": len(items)}
            return httpx.Response(200, json=page)
        return httpx.Response(200, json=recorded("azure/empty.json"))

    _fetched, rows, report = sync_rows(azure(Provider(handler)))
    assert [r["external_id"] for r in rows] == ["Standard_NC24ads_A100_v4/southcentralus"]
    assert report.rejected == 4
    text = reasons(report)
    for expected in (
        "price item is not an object",
        "has no armRegionName",
        "expected USD per '1 Hour'",
        "missing price",
    ):
        assert expected in text


def test_azure_is_live_only_and_stays_out_of_the_default_sync() -> None:
    assert "azure" not in ADAPTERS
    assert LIVE_ONLY_ADAPTERS["azure"] is AzureAdapter
    assert get_adapter_class("azure") is AzureAdapter
    # Without live mode there is nothing to read, and that is not an error.
    fetched = AzureAdapter(Settings(live_providers="")).fetch()
    assert (fetched.mode, fetched.rows) == ("snapshot", [])
