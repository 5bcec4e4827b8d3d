"""RunPod (runpod). Instance types end in _SECURE or _COMMUNITY (RunPod's two clouds); regions are
country codes and zones are RunPod data centres (CA-MTL-1). PCIe and SXM A100s are separate
accelerator names (A100-80GB, A100-80GB-SXM).

Live mode posts a GraphQL query to ``https://api.runpod.io/graphql?api_key=<key>`` (the endpoint and
key parameter of RunPod's own SDK, runpod/runpod-python ``runpod/api/graphql.py``) asking for
``gpuTypes { id displayName manufacturer memoryInGb maxGpuCount secureCloud communityCloud
securePrice communityPrice secureSpotPrice communitySpotPrice }``, fields of the ``GpuType`` object
as queried in runpod-python ``runpod/api/queries/gpus.py``. The answer is ``{"data": {"gpuTypes":
[...]}}``, or ``{"errors": [{"message"}]}`` (runpod-python ``run_graphql_query``). Prices are per GPU
and hour; as SkyPilot's RunPod catalog does (skypilot-org/skypilot
``sky/catalog/data_fetchers/fetch_runpod.py``: ``format_gpu_name``, price times GPU count,
``{count}x_{gpu}_SECURE``), each cloud a GPU is sold in becomes rows for 1, 2, 4 and 8 GPUs (up to
``maxGpuCount``). ``gpuTypes`` prices are not per data centre, so live rows carry no region.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

GRAPHQL_URL = "https://api.runpod.io/graphql"
GPU_TYPES_QUERY = (
    "query GpuTypes { gpuTypes { id displayName manufacturer memoryInGb maxGpuCount secureCloud "
    "communityCloud securePrice communityPrice secureSpotPrice communitySpotPrice } }"
)
POD_SIZES = (1, 2, 4, 8)  # the GPU counts the bundled snapshot lists
# SkyPilot's names for these display names, kept so both modes name the accelerator alike.
_NAME_OVERRIDES = {"A100-PCIe": "A100-80GB", "A100-SXM": "A100-80GB-SXM", "H100-PCIe": "H100"}
_CLOUDS = (
    ("SECURE", "secureCloud", "securePrice", "secureSpotPrice"),
    ("COMMUNITY", "communityCloud", "communityPrice", "communitySpotPrice"),
)


def accelerator_name(display_name: str) -> str:
    """RunPod display name -> catalog name: "RTX 4090" -> "RTX4090", "H100 SXM" -> "H100-SXM"."""
    name = display_name.replace("RTX PRO ", "RTXPRO").replace("RTX ", "RTX").replace(" ", "-")
    return _NAME_OVERRIDES.get(name, name)


def _times(price: Any, count: int) -> str:
    try:
        return str(Decimal(str(price)) * count)
    except InvalidOperation:
        return str(price)  # parse_row names the bad value


def gpu_type_rows(gpu: Any) -> list[dict[str, Any]]:
    if not isinstance(gpu, dict):
        return [{REJECTED: f"gpu type is not an object: {str(gpu)[:80]!r}"}]
    display = str(gpu.get("displayName") or "").strip()
    if str(gpu.get("id") or "").lower() == "unknown":
        return []  # RunPod's placeholder type, which its own docs tooling drops too
    if not gpu.get("id") or not display:
        return [{REJECTED: f"gpu type without id or display name: {str(gpu)[:80]!r}"}]
    name = accelerator_name(display)
    try:
        max_count = int(gpu.get("maxGpuCount") or 1)
    except (TypeError, ValueError):
        max_count = 1
    memory = gpu.get("memoryInGb")
    rows = []
    for cloud, offered, price_key, spot_key in _CLOUDS:
        price = gpu.get(price_key)
        # A cloud that does not sell the GPU reports it with a zero or null price.
        if not gpu.get(offered) or price in (None, 0):
            continue
        for count in (c for c in POD_SIZES if c <= max_count):
            spot = gpu.get(spot_key)
            rows.append(
                {
                    "InstanceType": f"{count}x_{name}_{cloud}",
                    "AcceleratorName": name,
                    "AcceleratorCount": str(count),
                    "vCPUs": "",
                    "MemoryGiB": "",
                    "GpuInfo": json.dumps({"Gpus": [{"MemoryInfo": {"SizeInMiB": float(memory) * 1024}}]})
                    if isinstance(memory, int | float)
                    else "",
                    "Price": _times(price, count),
                    "SpotPrice": _times(spot, count) if spot else "",
                    "Region": "",
                    "AvailabilityZone": "",
                }
            )
    return rows


class RunpodAdapter(SkyPilotCsvAdapter):
    provider_id = "runpod"
    name = "RunPod"
    kind = "cloud"
    website = "https://www.runpod.io/pricing"
    snapshot_file = "runpod.csv"
    live_api = True
    api_key_setting = "runpod_api_key"

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("runpod live mode needs an API key")
        params = {"api_key": self.api_key}
        payload = self.request_json(
            "POST", GRAPHQL_URL, "runpod graphql", params=params, json={"query": GPU_TYPES_QUERY}
        )
        if isinstance(payload, dict) and payload.get("errors"):
            errors = payload["errors"]
            first = errors[0] if isinstance(errors, list) and errors else errors
            message = first.get("message") if isinstance(first, dict) else first
            raise AdapterError(f"runpod graphql error: {message}")
        data = payload.get("data") if isinstance(payload, dict) else None
        gpu_types = data.get("gpuTypes") if isinstance(data, dict) else None
        if not isinstance(gpu_types, list):
            raise AdapterError("runpod graphql returned no 'data.gpuTypes' list")
        return [row for gpu in gpu_types for row in gpu_type_rows(gpu)]

    def hint(self, row: dict[str, Any]) -> str:
        gpu = str(row.get("AcceleratorName") or "")
        return f"{self.instance_type(row)} {'sxm' if 'SXM' in gpu.upper() else 'pcie'}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        kind = self.instance_type(row).rsplit("_", 1)[-1].lower()
        return [f"{kind}-cloud"] if kind in ("secure", "community") else []
