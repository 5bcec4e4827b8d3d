"""Lambda (lambda). Lambda Cloud; TotalGpuMemoryInMiB is per GPU in this catalog, so only MemoryInfo is read.

Live mode reads ``GET https://cloud.lambdalabs.com/api/v1/instance-types`` with the account's API key
as a bearer token. The answer is ``{"data": {<instance type name>: {"instance_type": {"name",
"description", "gpu_description", "price_cents_per_hour", "specs": {"vcpus", "memory_gib",
"storage_gib", "gpus"}}, "regions_with_capacity_available": [{"name", "description"}]}}}`` as
specified by Lambda's OpenAPI document for API v1 (``InstanceTypeGetListResponse``, mirrored in
konfig-sdks/openapi-examples ``lambda/openapi.yaml``); errors are ``{"error": {"code", "message"}}``
with HTTP 401/403. Each instance type becomes one snapshot-shaped row per region that has capacity
now, and the accelerator name comes from the type name the way SkyPilot's catalog fetcher derives
it (skypilot-org/skypilot ``sky/catalog/data_fetchers/fetch_lambda_cloud.py``), so a type keeps its
offer id (``gpu_8x_h100_sxm5/us-east-1``) in both modes. Types with no capacity anywhere produce no
row and go down, which is what a buyer needs to know.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

INSTANCE_TYPES_URL = "https://cloud.lambdalabs.com/api/v1/instance-types"
_GPU_MEMORY_GB = re.compile(r"(\d+(?:\.\d+)?)\s*GB", re.IGNORECASE)


def accelerator_of(type_name: str) -> str | None:
    """ "gpu_8x_h100_sxm5" -> "H100", "gpu_8x_a100_80gb_sxm4" -> "A100-80GB"; None for CPU-only types."""
    parts = type_name.lower().split("_")
    if len(parts) < 3 or parts[0] != "gpu" or parts[2] == "general":
        return None
    gpu = parts[2].upper()
    return f"{gpu}-80GB" if "80gb" in parts[3:] else gpu


def _gpu_info(gpu_description: Any, count: Any) -> str:
    """GpuInfo with the per-GPU memory Lambda prints in gpu_description ("H100 (80 GB SXM5)")."""
    match = _GPU_MEMORY_GB.search(str(gpu_description or ""))
    if not match:
        return ""
    mib = float(match.group(1)) * 1024
    return json.dumps({"Gpus": [{"Count": count, "MemoryInfo": {"SizeInMiB": mib}}]})


def instance_type_rows(type_name: str, entry: Any) -> list[dict[str, Any]]:
    """Snapshot rows for one instance type: one per region with capacity; [] for CPU-only types."""
    if not isinstance(entry, dict) or not isinstance(entry.get("instance_type"), dict):
        return [{REJECTED: f"instance type {type_name!r} has no instance_type object"}]
    accelerator = accelerator_of(type_name)
    if accelerator is None:
        return []
    spec = entry["instance_type"]
    specs = spec.get("specs") if isinstance(spec.get("specs"), dict) else {}
    regions = entry.get("regions_with_capacity_available")
    if not isinstance(regions, list):
        return [{REJECTED: f"instance type {type_name!r} has no regions_with_capacity_available list"}]
    try:
        price = str(Decimal(str(spec.get("price_cents_per_hour"))) / 100)
    except InvalidOperation:
        price = str(spec.get("price_cents_per_hour") or "")  # parse_row names the bad value
    rows = []
    for region in regions:
        name = region.get("name") if isinstance(region, dict) else None
        if not name:
            rows.append({REJECTED: f"instance type {type_name!r} lists a region without a name"})
            continue
        rows.append(
            {
                "InstanceType": type_name,
                "AcceleratorName": accelerator,
                "AcceleratorCount": str(specs.get("gpus", "")),
                "vCPUs": str(specs.get("vcpus", "")),
                "MemoryGiB": str(specs.get("memory_gib", "")),
                "StorageGiB": str(specs.get("storage_gib", "")),
                "GpuInfo": _gpu_info(spec.get("gpu_description"), specs.get("gpus")),
                "Price": price,
                "SpotPrice": "",  # Lambda sells no interruptible capacity
                "Region": str(name),
            }
        )
    return rows


class LambdaAdapter(SkyPilotCsvAdapter):
    provider_id = "lambda"
    name = "Lambda"
    kind = "cloud"
    website = "https://lambda.ai/pricing"
    snapshot_file = "lambda.csv"
    live_api = True
    api_key_setting = "lambda_api_key"

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("lambda live mode needs an API key")
        headers = {"Authorization": f"Bearer {self.api_key}"}
        payload = self.request_json("GET", INSTANCE_TYPES_URL, "lambda instance-types", headers=headers)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise AdapterError("lambda instance-types returned no 'data' object")
        return [row for type_name, entry in data.items() for row in instance_type_rows(str(type_name), entry)]
