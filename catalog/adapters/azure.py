"""Microsoft Azure (azure), GPU virtual machines priced by the public Azure Retail Prices API.

There is no bundled Azure snapshot (the SkyPilot catalogs copied into ``catalog/snapshots`` leave
Azure out), so this provider is live only: :meth:`AzureAdapter.read_snapshot` returns no rows and the
registry keeps Azure out of the default (snapshot) sync. In live mode the adapter asks
``GET https://prices.azure.com/api/retail/prices`` (no key) once per GPU SKU in :data:`GPU_SKUS`,
``$filter=serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armSkuName eq '<sku>'``,
and follows ``NextPageLink`` until it is null. Pages are ``{"BillingCurrency", "CustomerEntityId",
"CustomerEntityType", "Items": [...], "NextPageLink", "Count"}`` and each item carries
``currencyCode``, ``retailPrice``, ``unitPrice``, ``armRegionName``, ``location``, ``meterName``,
``productName``, ``skuName``, ``serviceName``, ``unitOfMeasure``, ``type``, ``isPrimaryMeterRegion``
and ``armSkuName`` (Microsoft Learn, "Azure Retail Prices overview",
https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices). Meters are
read the way SkyPilot's Azure fetcher reads them (skypilot-org/skypilot
``sky/catalog/data_fetchers/fetch_azure.py``): Windows (" Win") and Cloud Services products are
dropped, " Low Priority" SKUs are dropped, and " Spot" in the SKU or meter name is the spot price of
the same SKU and region. One SKU in one region becomes one snapshot-shaped row.

The retail API says nothing about GPUs, so :data:`GPU_SKUS` maps the NC/ND/NV sizes sold by the
whole GPU to accelerator and count, from Azure's GPU-accelerated size pages
(https://learn.microsoft.com/azure/virtual-machines/sizes/overview, "GPU accelerated"). Fractional
GPU sizes (NVadsA10 v5 below 36 vCPUs) are left out because an offer needs a whole GPU count. The
vCPU count is the number in the size name, per Azure's VM naming convention
(https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

log = logging.getLogger(__name__)

RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices"
# A SKU's meters across all regions fit in a few pages; more means the API is looping.
MAX_PAGES_PER_SKU = 50
_VCPUS_IN_NAME = re.compile(r"^Standard_[A-Za-z]+?(\d+)")

# armSkuName -> (accelerator name as the GPU parser reads it, GPUs per VM).
GPU_SKUS: dict[str, tuple[str, int]] = {
    # NCasT4_v3: NVIDIA T4 16GB.
    "Standard_NC4as_T4_v3": ("T4", 1),
    "Standard_NC8as_T4_v3": ("T4", 1),
    "Standard_NC16as_T4_v3": ("T4", 1),
    "Standard_NC64as_T4_v3": ("T4", 4),
    # NCv3: V100 16GB; NDv2: V100 32GB (SXM, NVLink).
    "Standard_NC6s_v3": ("V100", 1),
    "Standard_NC12s_v3": ("V100", 2),
    "Standard_NC24s_v3": ("V100", 4),
    "Standard_NC24rs_v3": ("V100", 4),
    "Standard_ND40rs_v2": ("V100-32GB", 8),
    # NC A100 v4: A100 80GB PCIe; ND A100 v4: A100 40GB SXM; NDm A100 v4: A100 80GB SXM.
    "Standard_NC24ads_A100_v4": ("A100-80GB", 1),
    "Standard_NC48ads_A100_v4": ("A100-80GB", 2),
    "Standard_NC96ads_A100_v4": ("A100-80GB", 4),
    "Standard_ND96asr_v4": ("A100", 8),
    "Standard_ND96amsr_A100_v4": ("A100-80GB", 8),
    # NVadsA10 v5: the sizes with whole A10 GPUs.
    "Standard_NV36ads_A10_v5": ("A10", 1),
    "Standard_NV72ads_A10_v5": ("A10", 2),
    # NC H100 v5: H100 NVL 94GB; ND H100 v5: H100 SXM 80GB; ND H200 v5: H200 141GB.
    "Standard_NC40ads_H100_v5": ("H100 NVL", 1),
    "Standard_NC80adis_H100_v5": ("H100 NVL", 2),
    "Standard_ND96isr_H100_v5": ("H100 SXM", 8),
    "Standard_ND96isr_H200_v5": ("H200", 8),
}


def sku_filter(sku: str) -> str:
    return f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armSkuName eq '{sku}'"


def _is_linux_pay_as_you_go(item: dict[str, Any]) -> bool:
    product = str(item.get("productName") or "")
    sku_name = str(item.get("skuName") or "")
    if " Win" in product or "Cloud Services" in product or "CloudServices" in product:
        return False
    return not sku_name.endswith(" Low Priority") and str(item.get("type") or "Consumption") == "Consumption"


def items_to_rows(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Retail price items -> one row per (SKU, region) with its on-demand and spot price."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    rejected: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            rejected.append({REJECTED: f"price item is not an object: {str(item)[:80]!r}"})
            continue
        sku, region = str(item.get("armSkuName") or ""), str(item.get("armRegionName") or "")
        if sku not in GPU_SKUS or not _is_linux_pay_as_you_go(item):
            continue
        meter = str(item.get("meterName") or "")
        if not region:
            rejected.append({REJECTED: f"{sku} meter {meter!r} has no armRegionName"})
            continue
        if item.get("unitOfMeasure") != "1 Hour" or item.get("currencyCode", "USD") != "USD":
            rejected.append(
                {
                    REJECTED: f"{sku} in {region}: expected USD per '1 Hour', got "
                    f"{item.get('currencyCode')!r} per {item.get('unitOfMeasure')!r}"
                }
            )
            continue
        spot = " Spot" in str(item.get("skuName") or "") or " Spot" in meter
        gpu, count = GPU_SKUS[sku]
        vcpus = _VCPUS_IN_NAME.match(sku)
        row = rows.setdefault(
            (sku, region),
            {
                "InstanceType": sku,
                "AcceleratorName": gpu,
                "AcceleratorCount": str(count),
                "vCPUs": vcpus.group(1) if vcpus else "",
                "MemoryGiB": "",
                "Price": "",
                "SpotPrice": "",
                "Region": region,
            },
        )
        column = "SpotPrice" if spot else "Price"
        price = str(item.get("retailPrice") if item.get("retailPrice") is not None else "")
        row[column] = _lower(row[column], price)
    return [*rows.values(), *rejected]


def _lower(current: str, new: str) -> str:
    """Keep one price per SKU, region and kind; a second Linux meter keeps the lower number."""
    if not current:
        return new
    try:
        new_value = Decimal(new)
    except InvalidOperation:
        return current
    try:
        return new if new_value < Decimal(current) else current
    except InvalidOperation:
        return new  # the first price was not a number; a readable one wins


class AzureAdapter(SkyPilotCsvAdapter):
    provider_id = "azure"
    name = "Microsoft Azure"
    kind = "cloud"
    website = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/"
    snapshot_file = "azure.csv"  # never read: see read_snapshot
    source = "Azure Retail Prices API"
    live_api = True

    def read_snapshot(self) -> list[dict[str, Any]]:
        # No bundled Azure catalog exists. An explicit snapshot-mode sync finds nothing rather than
        # failing, so Azure offers a past live sync stored go down: without live prices they are not
        # current. The registry leaves Azure out of default syncs, so this happens only when asked.
        log.info("azure has no bundled snapshot; add it to GPUBROKER_LIVE_PROVIDERS to sync its prices")
        return []

    def _get_page(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        page = self.request_json("GET", url, "azure retail prices", params=params)
        if not isinstance(page, dict) or not isinstance(page.get("Items"), list):
            raise AdapterError("azure retail prices returned no 'Items' list")
        return page

    def fetch_live(self) -> list[dict[str, Any]]:
        items: list[Any] = []
        for sku in GPU_SKUS:
            url: str | None = RETAIL_PRICES_URL
            params: dict[str, str] | None = {"$filter": sku_filter(sku)}
            for _ in range(MAX_PAGES_PER_SKU):
                page = self._get_page(str(url), params)
                items.extend(page["Items"])
                url = page.get("NextPageLink") or None
                params = None  # the next-page link already carries the filter and $skip
                if url is None:
                    break
            else:
                raise AdapterError(f"azure retail prices for {sku} ran past {MAX_PAGES_PER_SKU} pages")
        return items_to_rows(items)
