"""DigitalOcean (digitalocean). Catalog v6 generation (DigitalOcean is missing from v7); GpuInfo keys are lower case.

Live mode reads ``GET https://api.digitalocean.com/v2/sizes`` with the account's API token as a bearer
token (scope ``sizes:read``). The answer is ``{"sizes": [{"slug", "memory" (MiB), "vcpus", "disk" (GB),
"price_hourly" (US dollars), "regions": [<region slug>], "available", "description", "gpu_info":
{"count", "model", "vram": {"amount", "unit"}}}], "links": {"pages": {"next", "last"}}, "meta":
{"total"}}`` as specified by DigitalOcean's OpenAPI document (digitalocean/openapi
``specification/resources/sizes``: ``sizes_list.yml``, ``models/size.yml``, ``models/gpu_info.yml``;
``links.pages.next`` from ``shared/pages.yml``, ``per_page`` at most 200). Only GPU Droplet sizes carry
``gpu_info``; its ``vram`` is the size's total. Each available GPU size becomes one snapshot-shaped row
per region it can be created in, named by its slug (``gpu-h100x8-640gb/tor1``) as in the bundled
catalog, so an offer keeps its id in both modes. ``model`` is ``<vendor>_<gpu>`` (``nvidia_h100``,
``amd_mi300x``); the GPU is the part after the vendor. DigitalOcean allows 250 requests a minute.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

SIZES_URL = "https://api.digitalocean.com/v2/sizes"
PAGE_SIZE = 200  # the documented maximum of per_page
MAX_PAGES = 50  # far more than DigitalOcean's sizes fill; stops a next link that never ends
_VENDORS = ("nvidia_", "amd_", "intel_")


def accelerator_of(model: str) -> str:
    """ "nvidia_h100" -> "H100", "amd_mi300x" -> "MI300X", "nvidia_rtx_4000_ada" -> "RTX4000ADA"."""
    name = model.strip().lower()
    for vendor in _VENDORS:
        if name.startswith(vendor):
            name = name[len(vendor) :]
            break
    return name.replace("_", "").upper()


def _gpu_info(gpu: dict[str, Any]) -> str:
    """GpuInfo with the per-GPU memory: ``vram`` is the size's total, in ``unit`` (gib)."""
    vram, count = as_object(gpu.get("vram")), gpu.get("count")
    amount = vram.get("amount")
    if str(vram.get("unit") or "").lower() != "gib" or not isinstance(amount, int | float):
        return ""
    if not isinstance(count, int) or count < 1 or amount <= 0:
        return ""
    return json.dumps({"gpus": [{"count": count, "memoryinfo": {"sizeinmib": amount * 1024 / count}}]})


def size_rows(size: Any) -> list[dict[str, Any]]:
    """Snapshot rows of one Droplet size: one per region; [] for sizes without GPUs or not available."""
    if not isinstance(size, dict) or not size.get("slug"):
        return [{REJECTED: f"size is not an object with a slug: {str(size)[:80]!r}"}]
    slug = str(size["slug"])
    gpu = size.get("gpu_info")
    if not isinstance(gpu, dict) or size.get("available") is False:
        return []
    if not gpu.get("model"):
        return [{REJECTED: f"size {slug!r} has gpu_info without a model"}]
    regions = size.get("regions")
    if not isinstance(regions, list):
        return [{REJECTED: f"size {slug!r} has no regions list"}]
    memory = size.get("memory")
    common = {
        "InstanceType": slug,
        "AcceleratorName": accelerator_of(str(gpu["model"])),
        "AcceleratorCount": str(gpu.get("count", "")),
        "vCPUs": str(size.get("vcpus", "")),
        "MemoryGiB": str(memory / 1024) if isinstance(memory, int | float) else "",
        "StorageGiB": str(size.get("disk", "")),
        "GpuInfo": _gpu_info(gpu),
        "Price": str(size.get("price_hourly", "")),
        "SpotPrice": "",  # DigitalOcean sells no interruptible Droplets
    }
    return [{**common, "Region": str(region)} for region in regions if region]


class DigitaloceanAdapter(SkyPilotCsvAdapter):
    provider_id = "digitalocean"
    name = "DigitalOcean"
    kind = "cloud"
    website = "https://www.digitalocean.com/products/gpu-droplets"
    snapshot_file = "digitalocean.csv"
    live_api = True
    api_key_setting = "digitalocean_api_key"
    requests_per_second = 4.0  # 250 a minute

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.api_key:
            raise AdapterError("digitalocean live mode needs an API key")
        headers = {"Authorization": f"Bearer {self.api_key}"}
        url = SIZES_URL
        params: dict[str, Any] | None = {"per_page": PAGE_SIZE}
        rows: list[dict[str, Any]] = []
        for _page in range(MAX_PAGES):
            payload = self.request_json("GET", url, "digitalocean sizes", headers=headers, params=params)
            sizes = payload.get("sizes") if isinstance(payload, dict) else None
            if not isinstance(sizes, list):
                raise AdapterError("digitalocean sizes returned no 'sizes' list")
            rows.extend(row for size in sizes for row in size_rows(size))
            # The next link carries page and per_page itself.
            next_url = as_object(as_object(payload.get("links")).get("pages")).get("next")
            if not next_url:
                return rows
            url, params = str(next_url), None
        raise AdapterError(f"digitalocean sizes still had a next page after {MAX_PAGES} pages")
