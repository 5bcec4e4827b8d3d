"""OVHcloud (ovhcloud). Regions are OVH datacentre codes (GRA, BHS, WAW, ...).

Live mode reads OVHcloud's public order catalog, ``GET https://ca.api.ovh.com/v1/order/catalog/public/
cloud?ovhSubsidiary=WE`` (no key; WE is the international subsidiary, priced in US dollars, whose accounts
live on the CA endpoint). The answer is ``{"catalogId", "locale": {"currencyCode", "subsidiary",
"taxRate"}, "plans": [...], "addons": [{"planCode", "invoiceName", "product", "pricingType",
"pricings": [{"capacities", "description", "interval", "intervalUnit", "price", "tax", "type", ...}],
"configurations": [{"name": "region", "values": [<region>]}], "blobs": {"commercial", "technical":
{"cpu": {"cores"}, "memory": {"size"}, "gpu": {"model", "number", "memory": {"size", "interface"}},
"storage": {"disks": [{"capacity", "number"}]}}, "tags"}}], ...}`` as the OVHcloud API console
documents ``/order/catalog/public/cloud`` (https://ca.api.ovh.com/console/, ``order.catalog.public``)
and as SpareCores/sc-crawler ``src/sc_crawler/vendors/ovh.py`` and tdr2d/ovh_pricelist
``jobs/publiccloud.py`` read it. Prices are in micro-cents (1e-8 of the currency). An instance flavour is
sold through several addons (``t1-45.consumption`` hourly, ``t1-45.monthly.postpaid``, local-zone and
3-AZ variants ``.LZ``, ``.3AZ``): the hourly consumption addon gives the price, and the regions are
those of every variant of the flavour, as the hourly one may list none (sc-crawler merges them the
same way). Local-zone and 3-AZ variants, priced apart, are left out, and so are the Windows flavours
(``win-``, a licence in the price), as sc-crawler leaves them out. Each GPU flavour becomes one
snapshot-shaped row per region, named as the bundled catalog names it: region ``GRA``, zone ``GRA11``
(``DE1`` is FRA, ``UK1`` is LON), and the accelerator with its memory where the family comes in more
than one size (``A100-80GB``, ``V100-32GB`` for the V100S), so an offer keeps its id in both modes.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

CATALOG_URL = "https://ca.api.ovh.com/v1/order/catalog/public/cloud"
SUBSIDIARY = "WE"
MICRO_CENTS = Decimal(100_000_000)
HOURLY_SUFFIX = ".consumption"
SEPARATELY_PRICED = (".LZ", ".3AZ")  # local-zone and 3-AZ plans of a flavour, at their own prices
WINDOWS_PREFIX = "win-"  # a flavour with a Windows licence in its price
# The bundled catalog's region for a datacentre whose code is not the region's own ("DE1" is in FRA).
_REGION_OF_CODE = {"DE": "FRA", "UK": "LON"}
_DATACENTRE = re.compile(r"([A-Z]+)\d+")
# GPU families sold in more than one memory size, by the size the bundled catalog leaves unnamed.
_DEFAULT_MEMORY_GB = {"A100": 40, "V100": 16}
_MODEL_PREFIXES = ("NVIDIA ", "Tesla ", "Quadro ")


def accelerator_of(model: str, memory_gb: Any) -> str:
    """ "Tesla V100S", 32 -> "V100-32GB"; "A100", 80 -> "A100-80GB"; "H100", 80 -> "H100"."""
    name = model.strip()
    for prefix in _MODEL_PREFIXES:
        name = name.removeprefix(prefix)
    name = name.replace(" ", "")
    if name == "V100S":  # the 32 GB V100, which SkyPilot names V100-32GB
        name = "V100"
    default = _DEFAULT_MEMORY_GB.get(name)
    if default is not None and isinstance(memory_gb, int | float) and memory_gb != default:
        return f"{name}-{memory_gb:g}GB"
    return name


def place_of(code: str) -> tuple[str, str]:
    """(region, zone) of a catalog region: "GRA11" -> ("GRA", "GRA11"), "DE1" -> ("FRA", "DE1")."""
    match = _DATACENTRE.fullmatch(code)
    if match is None:
        return code, ""  # a named region ("EU-WEST-PAR") is its own region
    return _REGION_OF_CODE.get(match.group(1), match.group(1)), code


def _regions(addon: dict[str, Any]) -> list[str]:
    for config in addon.get("configurations") or []:
        if (
            isinstance(config, dict)
            and config.get("name") == "region"
            and isinstance(config.get("values"), list)
        ):
            return [str(v) for v in config["values"] if v]
    return []


def _hourly_price(addon: dict[str, Any]) -> str:
    for pricing in addon.get("pricings") or []:
        if isinstance(pricing, dict) and pricing.get("intervalUnit") == "hour":
            try:
                return str(Decimal(str(pricing.get("price"))) / MICRO_CENTS)
            except InvalidOperation:
                return str(pricing.get("price") or "")  # parse_row names the bad value
    return ""


def flavour_rows(addon: dict[str, Any], regions: list[str]) -> list[dict[str, Any]]:
    """Snapshot rows of one GPU flavour's hourly addon: one per region the flavour is sold in."""
    flavour = str(addon.get("invoiceName") or "")
    blobs = as_object(addon.get("blobs"))
    technical = as_object(blobs.get("technical"))
    gpu = as_object(technical.get("gpu"))
    if not gpu.get("model"):
        return [{REJECTED: f"{flavour}: the GPU flavour's blobs name no GPU model"}]
    memory_gb = as_object(gpu.get("memory")).get("size")
    gpu_info = (
        json.dumps({"Gpus": [{"Count": gpu.get("number"), "MemoryInfo": {"SizeInMiB": memory_gb * 1024}}]})
        if isinstance(memory_gb, int | float) and memory_gb > 0
        else ""
    )
    disks = as_object(technical.get("storage")).get("disks") or []
    storage = sum(
        (d.get("capacity") or 0) * (d.get("number") or 1)
        for d in disks
        if isinstance(d, dict) and isinstance(d.get("capacity"), int | float)
    )
    common = {
        "InstanceType": flavour,
        "AcceleratorName": accelerator_of(str(gpu["model"]), memory_gb),
        "AcceleratorCount": str(gpu.get("number", "")),
        "vCPUs": str(as_object(technical.get("cpu")).get("cores", "")),
        "MemoryGiB": str(as_object(technical.get("memory")).get("size", "")),
        "StorageGiB": str(storage) if storage else "",
        "GpuInfo": gpu_info,
        "Price": _hourly_price(addon),
        "SpotPrice": "",  # OVHcloud Public Cloud sells no interruptible instances
    }
    rows = []
    for code in sorted(set(regions)):
        region, zone = place_of(code)
        rows.append({**common, "Region": region, "AvailabilityZone": zone})
    return rows


def catalog_rows(addons: list[Any]) -> list[dict[str, Any]]:
    """Snapshot rows of every GPU flavour sold by the hour, with the regions of all its variants."""
    regions: dict[str, list[str]] = {}
    hourly: list[dict[str, Any]] = []
    for addon in addons:
        if not isinstance(addon, dict) or not addon.get("invoiceName"):
            continue
        flavour, plan = str(addon["invoiceName"]), str(addon.get("planCode") or "")
        if any(part in plan for part in SEPARATELY_PRICED) or flavour.startswith(WINDOWS_PREFIX):
            continue
        regions.setdefault(flavour, []).extend(_regions(addon))
        technical = as_object(as_object(addon.get("blobs")).get("technical"))
        tags = as_object(addon.get("blobs")).get("tags")
        on_sale = not isinstance(tags, list) or "active" in tags
        if "gpu" in technical and plan == f"{flavour}{HOURLY_SUFFIX}" and on_sale:
            hourly.append(addon)
    return [row for addon in hourly for row in flavour_rows(addon, regions[str(addon["invoiceName"])])]


class OvhcloudAdapter(SkyPilotCsvAdapter):
    provider_id = "ovhcloud"
    name = "OVHcloud"
    kind = "cloud"
    website = "https://www.ovhcloud.com/en/public-cloud/prices/"
    snapshot_file = "ovhcloud.csv"
    live_api = True
    requests_per_second = 1.0  # one catalog per sync; OVHcloud publishes no limit for it

    def fetch_live(self) -> list[dict[str, Any]]:
        payload = self.request_json(
            "GET", CATALOG_URL, "ovhcloud public cloud catalog", params={"ovhSubsidiary": SUBSIDIARY}
        )
        addons = payload.get("addons") if isinstance(payload, dict) else None
        if not isinstance(addons, list):
            raise AdapterError("ovhcloud public cloud catalog returned no 'addons' list")
        currency = as_object(payload.get("locale")).get("currencyCode")
        if currency != "USD":
            raise AdapterError(
                f"ovhcloud public cloud catalog for {SUBSIDIARY} is priced in {currency}, not USD"
            )
        return catalog_rows(addons)
