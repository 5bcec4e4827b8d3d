"""DataCrunch (datacrunch), a Finnish GPU cloud; live only (no bundled snapshot).

Live mode signs in with OAuth2 client credentials (``POST https://api.datacrunch.io/v1/oauth2/token``
with ``{"grant_type": "client_credentials", "client_id", "client_secret"}``, answered ``{"access_token",
"token_type": "Bearer", "expires_in", ...}``), then reads, with the bearer token:

- ``GET /v1/instance-types``: ``[{"id", "instance_type": "1H100.80S.30V", "price_per_hour": "3.95",
  "spot_price": "1.70", "description", "cpu": {"description", "number_of_cores"}, "gpu": {"description":
  "1x H100 SXM5 80GB", "number_of_gpus"}, "gpu_memory": {"description", "size_in_gigabytes"}, "memory":
  {"description", "size_in_gigabytes"}, "storage": {"description"}, "model", "name", ...}]`` (prices are
  strings, per instance and hour, USD);
- ``GET /v1/locations``: ``[{"code": "FIN-01", "name": "Finland 1", "country_code": "FI"}]``;
- ``GET /v1/instance-availability``: ``[{"location_code": "FIN-01", "availabilities": ["1H100.80S.30V",
  ...]}]``: which types can be started where now.

Endpoints and fields as in DataCrunch's API reference (https://api.datacrunch.io/v1/docs) and its
Python SDK (DataCrunch-io/datacrunch-python: ``instance_types.get()``, ``locations.get()``,
``instances.get_availabilities()``), whose responses are recorded verbatim in dstackai/gpuhunt's
DataCrunch provider tests. Each (type, location) where the type is available becomes one row with its
on-demand and spot price; the location's name ("Finland 1") is the region, its code the zone.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

log = logging.getLogger(__name__)

API = "https://api.datacrunch.io/v1"
_COUNT_PREFIX = re.compile(r"^\s*\d+\s*x\s*", re.IGNORECASE)


def type_rows(
    entry: Any, places: dict[str, dict[str, Any]], available: dict[str, list[str]]
) -> list[dict[str, Any]]:
    if not isinstance(entry, dict) or not entry.get("instance_type"):
        return [{REJECTED: f"instance type without instance_type: {str(entry)[:80]!r}"}]
    name = str(entry["instance_type"])
    gpu = as_object(entry.get("gpu"))
    count = gpu.get("number_of_gpus")
    if not count:
        return []  # a CPU-only type
    description = str(gpu.get("description") or entry.get("model") or "")
    memory = as_object(entry.get("gpu_memory"))
    total_vram = memory.get("size_in_gigabytes")
    gpu_info = ""
    if isinstance(total_vram, int | float) and isinstance(count, int) and count > 0:
        gpu_info = json.dumps(
            {"Gpus": [{"Count": count, "MemoryInfo": {"SizeInMiB": total_vram / count * 1024}}]}
        )
    cpu = as_object(entry.get("cpu"))
    ram = as_object(entry.get("memory"))
    rows = []
    for code in available.get(name, []):
        place = places.get(code, {})
        rows.append(
            {
                "InstanceType": name,
                "AcceleratorName": _COUNT_PREFIX.sub("", description),
                "AcceleratorCount": str(count),
                "vCPUs": str(cpu.get("number_of_cores", "")),
                "MemoryGiB": str(ram.get("size_in_gigabytes", "")),
                "GpuInfo": gpu_info,
                "Price": str(entry.get("price_per_hour") or ""),
                "SpotPrice": str(entry.get("spot_price") or ""),
                "Region": str(place.get("name") or code),
                "AvailabilityZone": code,
            }
        )
    return rows


class DatacrunchAdapter(SkyPilotCsvAdapter):
    provider_id = "datacrunch"
    name = "DataCrunch"
    kind = "cloud"
    website = "https://datacrunch.io/products"
    snapshot_file = "datacrunch.csv"  # never read: see read_snapshot
    source = "DataCrunch API"
    live_api = True
    requests_per_second = 2.0

    api_key_setting = "datacrunch_client_secret"  # with datacrunch_client_id

    def read_snapshot(self) -> list[dict[str, Any]]:
        log.info("datacrunch has no bundled snapshot; add it to GPUBROKER_LIVE_PROVIDERS to sync its prices")
        return []

    def hint(self, row: dict[str, Any]) -> str:
        return str(row.get("AcceleratorName") or "")

    def regional_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str | None:
        return None  # a location is one data centre: its code is part of the offer

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.settings.datacrunch_client_id or not self.api_key:
            raise AdapterError("datacrunch live mode needs GPUBROKER_DATACRUNCH_CLIENT_ID and _CLIENT_SECRET")
        token = self.request_json(
            "POST",
            f"{API}/oauth2/token",
            "datacrunch oauth2/token",
            json={
                "grant_type": "client_credentials",
                "client_id": self.settings.datacrunch_client_id,
                "client_secret": self.api_key,
            },
        )
        access = token.get("access_token") if isinstance(token, dict) else None
        if not access:
            raise AdapterError("datacrunch oauth2/token returned no access_token")
        headers = {"Authorization": f"Bearer {access}"}
        types = self.request_json(
            "GET", f"{API}/instance-types", "datacrunch instance-types", headers=headers
        )
        locations = self.request_json("GET", f"{API}/locations", "datacrunch locations", headers=headers)
        availability = self.request_json(
            "GET", f"{API}/instance-availability", "datacrunch instance-availability", headers=headers
        )
        if (
            not isinstance(types, list)
            or not isinstance(locations, list)
            or not isinstance(availability, list)
        ):
            raise AdapterError("datacrunch returned something other than the documented lists")
        places = {str(p.get("code")): p for p in locations if isinstance(p, dict)}
        available: dict[str, list[str]] = {}
        for place in availability:
            if isinstance(place, dict):
                for name in place.get("availabilities") or []:
                    available.setdefault(str(name), []).append(str(place.get("location_code")))
        return [row for entry in types for row in type_rows(entry, places, available)]
