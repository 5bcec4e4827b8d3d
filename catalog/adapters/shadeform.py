"""Shadeform (shadeform), an aggregator that resells other clouds.

The instance type's prefix before the first ``_`` names the underlying seller (``hyperstack_``,
``datacrunch_``, ``crusoe_``, ...); it becomes a ``via-<seller>`` tag and part of the name. Rows
carry no GPU memory, so the GPU knowledge module supplies it.

Live mode reads ``GET https://api.shadeform.ai/v1/instances/types`` with the ``X-API-KEY`` header.
The answer is ``{"instance_types": [{"cloud", "region", "shade_instance_type", "cloud_instance_type",
"configuration": {"memory_in_gb", "storage_in_gb", "vcpus", "num_gpus", "gpu_type", "interconnect",
"vram_per_gpu_in_gb", "os_options"}, "hourly_price" (US cents), "availability": [{"region",
"available"}]}]}`` as specified by Shadeform's OpenAPI document (shadeform/docs ``openapi.yaml``,
``InstanceTypesResponse``, ``InstanceType``, ``Configuration``, ``HourlyPrice``: "the hourly price of the
instance in cents"). Each type becomes one snapshot-shaped row per region where it is available now,
named ``<cloud>_<shade_instance_type>`` as SkyPilot's Shadeform catalog names it, so an offer keeps its
id in both modes. Shadeform publishes no request limit; the adapter asks at most twice a second.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

INSTANCE_TYPES_URL = "https://api.shadeform.ai/v1/instances/types"


def instance_type_rows(entry: Any) -> list[dict[str, Any]]:
    """Snapshot rows of one instance type: one per region where it is available."""
    if not isinstance(entry, dict) or not isinstance(entry.get("configuration"), dict):
        return [{REJECTED: f"instance type is not an object with a configuration: {str(entry)[:80]!r}"}]
    config = entry["configuration"]
    cloud, shade_type = str(entry.get("cloud") or ""), str(entry.get("shade_instance_type") or "")
    if not cloud or not shade_type:
        return [{REJECTED: f"instance type without cloud or shade_instance_type: {str(entry)[:80]!r}"}]
    try:
        price = str(Decimal(str(entry.get("hourly_price"))) / 100)
    except InvalidOperation:
        price = str(entry.get("hourly_price") or "")  # parse_row names the bad value
    vram = config.get("vram_per_gpu_in_gb")
    gpu_info = (
        json.dumps(
            {"Gpus": [{"Count": config.get("num_gpus"), "MemoryInfo": {"SizeInMiB": float(vram) * 1024}}]}
        )
        if isinstance(vram, int | float) and vram > 0
        else ""
    )
    availability = entry.get("availability")
    if not isinstance(availability, list):
        return [{REJECTED: f"{cloud}_{shade_type} has no availability list"}]
    rows = []
    for place in availability:
        if not isinstance(place, dict) or not place.get("region"):
            rows.append({REJECTED: f"{cloud}_{shade_type} lists an availability without a region"})
            continue
        if place.get("available") is not True:
            continue
        rows.append(
            {
                "InstanceType": f"{cloud}_{shade_type}",
                "AcceleratorName": str(config.get("gpu_type") or "").replace("_", "-"),
                "AcceleratorCount": str(config.get("num_gpus", "")),
                "vCPUs": str(config.get("vcpus", "")),
                "MemoryGiB": str(config.get("memory_in_gb", "")),
                "StorageGiB": str(config.get("storage_in_gb", "")),
                "GpuInfo": gpu_info,
                "Interconnect": str(config.get("interconnect") or ""),
                "Price": price,
                "SpotPrice": "",
                "Region": str(place["region"]),
            }
        )
    return rows


class ShadeformAdapter(SkyPilotCsvAdapter):
    provider_id = "shadeform"
    name = "Shadeform"
    kind = "aggregator"
    website = "https://www.shadeform.ai"
    snapshot_file = "shadeform.csv"
    live_api = True
    api_key_setting = "shadeform_api_key"
    requests_per_second = 2.0

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("shadeform live mode needs an API key")
        payload = self.request_json(
            "GET", INSTANCE_TYPES_URL, "shadeform instances/types", headers={"X-API-KEY": self.api_key}
        )
        types = payload.get("instance_types") if isinstance(payload, dict) else None
        if not isinstance(types, list):
            raise AdapterError("shadeform instances/types returned no 'instance_types' list")
        return [row for entry in types for row in instance_type_rows(entry)]

    def upstream(self, row: dict[str, Any]) -> str:
        return self.instance_type(row).split("_", 1)[0]

    def hint(self, row: dict[str, Any]) -> str:
        return f"{self.instance_type(row)} {row.get('Interconnect') or ''}".strip()

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        rest = self.instance_type(row).split("_", 1)[-1]
        return f"{rest} via {self.upstream(row)}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return [f"via-{self.upstream(row)}"]
