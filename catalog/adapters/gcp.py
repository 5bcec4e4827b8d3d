"""Google Cloud (gcp).

GCP prices accelerators apart from the host VM: the catalog rows kept here are the accelerators'
own price per zone (the a2/a3/g2 host rows carry no accelerator and are billed on top). Offers say
so in their name, carry the ``accelerator-only-price`` tag and ``price_scope = "gpu_only"``, and are
left out of searches unless ``include_gpu_only`` asks for them, so nobody ranks or totals them as a
whole machine's price.

Live mode reads the Cloud Billing Catalog: ``GET https://cloudbilling.googleapis.com/v1/services/
6F81-5844-456A/skus?key=<API key>`` (Compute Engine's service id), following ``nextPageToken`` (5,000
SKUs a page). Each SKU is ``{"name", "skuId", "description", "category": {"serviceDisplayName",
"resourceFamily", "resourceGroup", "usageType"}, "serviceRegions": [...], "pricingInfo": [{"effectiveTime",
"summary", "pricingExpression": {"usageUnit", "usageUnitDescription", "baseUnit", "displayQuantity",
"tieredRates": [{"startUsageAmount", "unitPrice": {"currencyCode", "units", "nanos"}}]},
"aggregationInfo", "currencyConversionRate"}], "serviceProviderName"}`` (Google, "Get Google Cloud
pricing information: Cloud Billing Catalog API", https://cloud.google.com/billing/v1/how-tos/catalog-api).
GPU SKUs (``resourceGroup`` "GPU", ``usageType`` "OnDemand" or "Preemptible"; commitments are left out)
price one GPU for one hour (``usageUnit`` "h"); the description names the GPU ("Nvidia L4 GPU running in
Belgium"). Each GPU and region becomes rows for 1, 2, 4 and 8 GPUs with the on-demand price and the
preemptible (spot) one, keyed like the bundled catalog's regional offers (``L4x1/europe-west1``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

SKUS_URL = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"
MAX_PAGES = 20
GPU_COUNTS = (1, 2, 4, 8)
# SKU descriptions by the bundled catalog's accelerator names; the more specific first.
_ACCELERATORS = (
    ("H100-MEGA", re.compile(r"\bH100\b.*\bMega\b", re.IGNORECASE)),
    ("H100", re.compile(r"\bH100\b", re.IGNORECASE)),
    ("H200", re.compile(r"\bH200\b", re.IGNORECASE)),
    ("B200", re.compile(r"\bB200\b", re.IGNORECASE)),
    ("A100-80GB", re.compile(r"\bA100\b.*\b80\s*GB\b", re.IGNORECASE)),
    ("A100", re.compile(r"\bA100\b", re.IGNORECASE)),
    ("L4", re.compile(r"\bL4\b", re.IGNORECASE)),
    ("T4", re.compile(r"\bT4\b", re.IGNORECASE)),
    ("V100", re.compile(r"\bV100\b", re.IGNORECASE)),
    ("P100", re.compile(r"\bP100\b", re.IGNORECASE)),
    ("P4", re.compile(r"\bP4\b", re.IGNORECASE)),
)


def _money(unit_price: Any) -> Decimal | None:
    if not isinstance(unit_price, dict) or unit_price.get("currencyCode") != "USD":
        return None
    value = Decimal(str(unit_price.get("units") or 0)) + Decimal(int(unit_price.get("nanos") or 0)) / Decimal(
        10**9
    )
    return value if value > 0 else None


def sku_rows(skus: list[Any]) -> list[dict[str, Any]]:
    """GPU SKUs -> one row per (GPU, count, region) with its on-demand and spot price."""
    prices: dict[tuple[str, str, str], Decimal] = {}  # (accelerator, region, usage) -> $/GPU-h
    rejected: list[dict[str, Any]] = []
    for sku in skus:
        if not isinstance(sku, dict):
            continue
        category = as_object(sku.get("category"))
        usage = category.get("usageType")
        if category.get("resourceGroup") != "GPU" or usage not in ("OnDemand", "Preemptible"):
            continue
        description = str(sku.get("description") or "")
        accelerator = next((a for a, p in _ACCELERATORS if p.search(description)), None)
        if accelerator is None:
            continue
        try:
            expression = sku["pricingInfo"][0]["pricingExpression"]
            price = _money(expression["tieredRates"][-1]["unitPrice"])
        except (KeyError, IndexError, TypeError):
            rejected.append({REJECTED: f"SKU {sku.get('skuId')} ({description}) has no pricing expression"})
            continue
        if price is None or expression.get("usageUnit") != "h":
            rejected.append(
                {REJECTED: f"SKU {sku.get('skuId')} ({description}) is not priced in USD per hour"}
            )
            continue
        for region in sku.get("serviceRegions") or []:
            prices[(accelerator, str(region), str(usage))] = price
    rows = []
    for (accelerator, region, usage), price in sorted(prices.items()):
        if usage != "OnDemand":
            continue
        spot = prices.get((accelerator, region, "Preemptible"))
        for count in GPU_COUNTS:
            rows.append(
                {
                    "InstanceType": "",
                    "AcceleratorName": accelerator,
                    "AcceleratorCount": str(count),
                    "Price": str(price * count),
                    "SpotPrice": str(spot * count) if spot else "",
                    "Region": region,
                    "AvailabilityZone": "",
                }
            )
    return [*rows, *rejected]


class GcpAdapter(SkyPilotCsvAdapter):
    provider_id = "gcp"
    name = "Google Cloud"
    kind = "cloud"
    website = "https://cloud.google.com/compute/gpus-pricing"
    snapshot_file = "gcp.csv"
    live_api = True
    api_key_setting = "gcp_api_key"

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("gcp live mode needs a Cloud Billing API key")
        skus: list[Any] = []
        params: dict[str, str] = {"key": self.api_key, "pageSize": "5000"}
        for _ in range(MAX_PAGES):
            page = self.request_json("GET", SKUS_URL, "gcp cloud billing skus", params=params)
            if not isinstance(page, dict) or not isinstance(page.get("skus"), list):
                raise AdapterError("gcp cloud billing catalog returned no 'skus' list")
            skus.extend(page["skus"])
            token = page.get("nextPageToken")
            if not token:
                break
            params = {**params, "pageToken": str(token)}
        else:
            raise AdapterError(f"gcp cloud billing catalog ran past {MAX_PAGES} pages")
        return sku_rows(skus)

    def instance_type(self, row: dict[str, Any]) -> str:
        return str(row.get("InstanceType") or "").strip()

    def hint(self, row: dict[str, Any]) -> str:
        # H100-MEGA is the A3 Mega machine: H100 SXM with more network bandwidth.
        gpu = str(row.get("AcceleratorName") or "")
        return "sxm" if gpu.startswith(("H100", "H200", "B200")) else gpu

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        return f"{count}x {gpu} (GPU only, host VM billed separately)"

    def external_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str:
        ident = f"{gpu}x{count}/{self.region_of(row)}/{self.zone_of(row) or ''}".rstrip("/")
        return ident + ("#spot" if spot else "")

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return ["accelerator-only-price"]

    def price_scope(self, row: dict[str, Any]) -> str:
        # Kept out of searches, rankings and the assistant's costs unless asked for (include_gpu_only):
        # the catalog copied here has no host VM rows to price the whole machine with.
        return "gpu_only"
