"""Oracle Cloud Infrastructure (oci). Partial snapshot (first page of the source file); see SOURCES.md.

Live mode reads Oracle's public price list, ``GET https://apexapps.oracle.com/pls/apex/cetools/api/v1/
products/?currencyCode=USD`` (no key), answered ``{"lastUpdated", "items": [{"partNumber", "displayName",
"metricName", "serviceCategory", "currencyCodeLocalizations": [{"currencyCode", "prices": [{"model",
"value"}]}]}]}`` (Oracle, "Estimating costs: accessing list pricing",
https://docs.oracle.com/en-us/iaas/Content/GSG/Tasks/signingup_topic-Estimating_Costs.htm#accessing_list_pricing;
the same shape read by Oracle's own OCI pricing MCP server, oracle/mcp ``oci-pricing-mcp-server``). GPU
parts are priced ``"GPU Per Hour"`` with one ``PAY_AS_YOU_GO`` price in every region. The price list
names no shapes and no regions, so live rows are the bundled catalog's shapes and regions priced with
today's per-GPU list price times the shape's GPU count; a shape whose GPU the price list no longer
prices is rejected with that reason.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

PRICE_LIST_URL = "https://apexapps.oracle.com/pls/apex/cetools/api/v1/products/"
GPU_METRIC = "GPU Per Hour"
# The price list's display names ("Compute - GPU - A10", "Compute - GPU - A100 - v2") by the bundled
# catalog's accelerator names; checked in order, the more specific first.
_ACCELERATORS = (
    ("A100-80GB", re.compile(r"\bA100\b.*(?:\bv2\b|80\s*GB)", re.IGNORECASE)),
    ("A100", re.compile(r"\bA100\b", re.IGNORECASE)),
    ("A10", re.compile(r"\bA10\b", re.IGNORECASE)),
    ("H100", re.compile(r"\bH100\b", re.IGNORECASE)),
    ("H200", re.compile(r"\bH200\b", re.IGNORECASE)),
    ("L40S", re.compile(r"\bL40S\b", re.IGNORECASE)),
    ("V100", re.compile(r"\bV100\b", re.IGNORECASE)),
    ("P100", re.compile(r"\bP100\b", re.IGNORECASE)),
)


def gpu_prices(items: list[Any]) -> dict[str, Decimal]:
    """Per-GPU hourly USD list price by accelerator name, from the price list's GPU parts."""
    out: dict[str, Decimal] = {}
    for item in items:
        if not isinstance(item, dict) or item.get("metricName") != GPU_METRIC:
            continue
        name = str(item.get("displayName") or "")
        accelerator = next((a for a, pattern in _ACCELERATORS if pattern.search(name)), None)
        if accelerator is None or accelerator in out:
            continue
        for local in item.get("currencyCodeLocalizations") or []:
            if not isinstance(local, dict) or local.get("currencyCode") != "USD":
                continue
            for price in local.get("prices") or []:
                if isinstance(price, dict) and price.get("model") == "PAY_AS_YOU_GO":
                    try:
                        value = Decimal(str(price.get("value")))
                    except InvalidOperation:
                        continue
                    if value > 0:
                        out[accelerator] = value
    return out


class OciAdapter(SkyPilotCsvAdapter):
    provider_id = "oci"
    name = "Oracle Cloud Infrastructure"
    kind = "cloud"
    website = "https://www.oracle.com/cloud/compute/gpu/"
    snapshot_file = "oci.csv"
    live_api = True

    def fetch_live(self) -> list[dict[str, Any]]:
        payload = self.request_json("GET", PRICE_LIST_URL, "oci price list", params={"currencyCode": "USD"})
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise AdapterError("oci price list returned no 'items' list")
        prices = gpu_prices(items)
        if not prices:
            raise AdapterError(f"oci price list has no '{GPU_METRIC}' part priced in USD")
        rows = []
        for row in self.read_snapshot():
            gpu = str(row.get("AcceleratorName") or "")
            per_gpu = prices.get(gpu)
            if per_gpu is None:
                rows.append({REJECTED: f"{row.get('InstanceType')}: OCI's price list has no {gpu} GPU price"})
                continue
            try:
                count = Decimal(str(row.get("AcceleratorCount")))
            except InvalidOperation:
                rows.append(
                    {REJECTED: f"{row.get('InstanceType')}: GPU count {row.get('AcceleratorCount')!r}"}
                )
                continue
            rows.append({**row, "Price": str(per_gpu * count), "SpotPrice": ""})
        return rows
