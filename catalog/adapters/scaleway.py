"""Scaleway (scaleway). Zones (fr-par-1, fr-par-2) come first in the file.

Scaleway prices in euros: SkyPilot's fetcher copied the Instance API's ``hourly_price`` ("Hourly price
in Euro", scaleway/scaleway-sdk-python ``instance/v1/types.py``) unconverted
(skypilot-org/skypilot ``sky/clouds/service_catalog/data_fetchers/fetch_scaleway.py``), so the
bundled catalog's prices are euros too and the offers say so.

Live mode reads ``GET https://api.scaleway.com/instance/v1/zones/{zone}/products/servers?per_page=100
&page=N`` in every zone, with the account's secret key in ``X-Auth-Token``. The answer is ``{"servers":
{<commercial type>: {"alt_names", "arch", "ncpus", "ram" (bytes), "gpu", "gpu_info": {"gpu_manufacturer",
"gpu_name", "gpu_memory" (bytes, per GPU)}, "mig_profile", "hourly_price", "monthly_price",
"end_of_service", ...}}}`` as Scaleway's Instance API specifies it (scaleway/scaleway-sdk-python
``instance/v1/api.py`` ``list_servers_types`` and ``types.py`` ``ListServersTypesResponse``,
``ServerType``, ``ServerTypeGPUInfo``; the zones are the SDK's ``ALL_ZONES``). A page shorter than
``per_page`` is the last. Each GPU type becomes one snapshot-shaped row per zone, named as SkyPilot's
fetcher names it (instance type, zone, region = the zone without its number), so an offer keeps its id
in both modes; types at end of service are no longer sold and make no row, nor do MIG slices
(``mig_profile``), which are a share of one GPU, not a GPU.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter

SERVER_TYPES_URL = "https://api.scaleway.com/instance/v1/zones/{zone}/products/servers"
ZONES = ("fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2")
PAGE_SIZE = 100
MAX_PAGES = 20  # far more than a zone's types fill; stops a zone that never sends a short page
GIB = 1024**3


def server_type_rows(zone: str, name: str, spec: Any) -> list[dict[str, Any]]:
    """The snapshot row of one commercial type in one zone; [] for CPU types and types not sold."""
    if not isinstance(spec, dict):
        return [{REJECTED: f"{zone} {name}: server type is not an object"}]
    gpu_info = spec.get("gpu_info")
    if not spec.get("gpu") or spec.get("end_of_service") is True or spec.get("mig_profile"):
        return []
    if not isinstance(gpu_info, dict) or not gpu_info.get("gpu_name"):
        return [{REJECTED: f"{zone} {name}: GPU type without gpu_info.gpu_name"}]
    memory, ram = gpu_info.get("gpu_memory"), spec.get("ram")
    return [
        {
            "AvailabilityZone": zone,
            "InstanceType": name,
            "vCPUs": str(spec.get("ncpus", "")),
            "MemoryGiB": str(ram / GIB) if isinstance(ram, int | float) else "",
            "AcceleratorName": str(gpu_info["gpu_name"]),
            "AcceleratorCount": str(spec.get("gpu", "")),
            "GpuInfo": json.dumps(
                {"Gpus": [{"Count": spec.get("gpu"), "MemoryInfo": {"SizeInMiB": memory / 1024**2}}]}
            )
            if isinstance(memory, int | float) and memory > 0
            else "",
            "Region": zone.rsplit("-", 1)[0],
            "Price": str(spec.get("hourly_price", "")),
            "SpotPrice": "",  # Scaleway sells no interruptible Instances
        }
    ]


class ScalewayAdapter(SkyPilotCsvAdapter):
    provider_id = "scaleway"
    name = "Scaleway"
    kind = "cloud"
    website = "https://www.scaleway.com/en/pricing/gpu/"
    snapshot_file = "scaleway.csv"
    currency = "EUR"
    live_api = True
    api_key_setting = "scaleway_api_key"

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("scaleway live mode needs an API key")
        rows = []
        for zone in ZONES:
            for name, spec in self.server_types(zone).items():
                rows.extend(server_type_rows(zone, name, spec))
        return rows

    def server_types(self, zone: str) -> dict[str, Any]:
        """Every commercial type of one zone, page by page."""
        found: dict[str, Any] = {}
        url, what = SERVER_TYPES_URL.format(zone=zone), f"scaleway {zone} products/servers"
        for page in range(1, MAX_PAGES + 1):
            payload = self.request_json(
                "GET",
                url,
                what,
                headers={"X-Auth-Token": str(self.api_key)},
                params={"per_page": PAGE_SIZE, "page": page},
            )
            servers = payload.get("servers") if isinstance(payload, dict) else None
            if not isinstance(servers, dict):
                raise AdapterError(f"{what} returned no 'servers' object")
            for name, spec in servers.items():
                found.setdefault(str(name), spec)
            if len(servers) < PAGE_SIZE:
                return found
        raise AdapterError(f"{what} still had a full page after {MAX_PAGES} pages")
