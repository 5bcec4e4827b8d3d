"""Vast.ai (vast), a marketplace of hosts.

Snapshot regions read "Czechia, CZ, EU" (state or country name, ISO country, continent code); the
region mapping reads the country and continent from them. SpotPrice 0.00 means no interruptible
price in this catalog.

Live mode reads Vast's public offer search, ``GET https://console.vast.ai/api/v0/bundles?q=<json>``,
which answers ``{"offers": [...]}`` with no API key. The endpoint, the ``q`` query and the ``offers``
envelope are those of Vast's own CLI (vast-ai/vast-python ``vast.py``, ``search__offers``); the offer
fields read here (``id``, ``machine_id``, ``gpu_name``, ``num_gpus``, ``gpu_ram`` in MiB per GPU,
``cpu_cores``, ``cpu_cores_effective``, ``cpu_ram`` in MiB, ``gpu_frac``, ``disk_space``,
``dph_total``, ``min_bid``, ``geolocation``) are as recorded in vast-ai/vast-python ``search.json``
(commit 11ecdfa9faed4bd8954e0fee092fb4ff39640d69). Each offer becomes one row in the snapshot's
shape, the way SkyPilot builds that snapshot (skypilot-org/skypilot
``sky/catalog/data_fetchers/fetch_vast.py``: InstanceType ``{num_gpus}x-{gpu_name}-{cpu_cores}-{cpu_ram}``,
Price from the total hourly price, SpotPrice from ``min_bid``, Region from ``geolocation``), so
:func:`catalog.ingest.normalize` treats both modes alike.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError
from catalog.adapters.skypilot import SkyPilotCsvAdapter
from catalog.regions import locate

BUNDLES_URL = "https://console.vast.ai/api/v0/bundles"
# The CLI's default search (verified, rentable, not external) restricted to offers free right now.
SEARCH_QUERY: dict[str, Any] = {
    "verified": {"eq": True},
    "external": {"eq": False},
    "rentable": {"eq": True},
    "rented": {"eq": False},
    "order": [["score", "desc"]],
    "type": "on-demand",
    "limit": 1000,  # the search has no pages: one answer must cover the rentable market
}
# Vast's snapshot regions end in a continent code; live geolocations ("Czechia, CZ") do not, so the
# code is derived from the country to keep one region spelling across both modes.
_CONTINENT_OF_GEO = {
    "na": "NA",
    "sa": "SA",
    "eu": "EU",
    "asia": "AS",
    "me": "AS",
    "oceania": "OC",
    "af": "AF",
}


def region_of_geolocation(geolocation: str) -> str:
    """ "Czechia, CZ" -> "Czechia, CZ, EU"; left as is when it already has a continent or none is known."""
    parts = [p.strip() for p in geolocation.split(",")]
    if len(parts) != 2:
        return geolocation.strip()
    continent = _CONTINENT_OF_GEO.get(locate("vast", geolocation).geo or "")
    return f"{parts[0]}, {parts[1]}, {continent}" if continent else geolocation.strip()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def offer_to_row(offer: Any) -> dict[str, Any]:
    """One bundles offer as a snapshot row; missing fields stay empty so parse_row names them."""
    if not isinstance(offer, dict):
        return {REJECTED: f"offer is not an object: {str(offer)[:80]!r}"}
    gpu_name = _text(offer.get("gpu_name")).strip()
    cpu_ram = offer.get("cpu_ram")
    memory_gib = ""
    try:
        # Vast gives an instance a share of host RAM in proportion to its share of the GPUs.
        share = Decimal(_text(offer.get("gpu_frac") or 1))
        memory_gib = str((Decimal(_text(cpu_ram)) * share / 1024).quantize(Decimal("0.1")))
    except (InvalidOperation, ValueError):
        pass
    count = offer.get("num_gpus")
    gpu_info = ""
    if offer.get("gpu_ram") is not None:  # MiB per GPU (gpu_total_ram is the sum)
        gpu = {"Name": gpu_name, "Count": count, "MemoryInfo": {"SizeInMiB": offer["gpu_ram"]}}
        gpu_info = json.dumps({"Gpus": [gpu]})
    shape = [_text(count), gpu_name.replace(" ", "_"), _text(offer.get("cpu_cores")), _text(cpu_ram)]
    return {
        "InstanceType": "{}x-{}-{}-{}".format(*shape),
        "AcceleratorName": gpu_name,
        "AcceleratorCount": _text(count),
        "vCPUs": _text(offer.get("cpu_cores_effective") or offer.get("cpu_cores")),
        "MemoryGiB": memory_gib,
        "StorageGiB": _text(offer.get("disk_space")),
        "GpuInfo": gpu_info,
        "Price": _text(offer.get("dph_total")),
        "SpotPrice": _text(offer.get("min_bid")),
        "Region": region_of_geolocation(_text(offer.get("geolocation"))),
        "MachineId": _text(offer.get("machine_id")),
        "OfferId": _text(offer.get("id")),
    }


class VastAdapter(SkyPilotCsvAdapter):
    provider_id = "vast"
    name = "Vast.ai"
    kind = "marketplace"
    website = "https://vast.ai"
    snapshot_file = "vast.csv"
    live_api = True

    def fetch_live(self) -> list[dict[str, Any]]:
        payload = self.request_json(
            "GET", BUNDLES_URL, "vast offer search", params={"q": json.dumps(SEARCH_QUERY)}
        )
        offers = payload.get("offers") if isinstance(payload, dict) else None
        if not isinstance(offers, list):
            raise AdapterError("vast offer search returned no 'offers' list")
        return [offer_to_row(offer) for offer in offers]

    def spot_price(self, row: dict[str, Any]) -> Any:
        # A minimum bid at or above the on-demand price is no interruptible discount: nobody would
        # take it, and listing it as a spot offer would mislead a buyer sorting by price.
        bid, price = row.get("SpotPrice"), row.get("Price")
        try:
            if Decimal(_text(bid)) >= Decimal(_text(price)):
                return None
        except InvalidOperation:
            pass
        return bid

    def external_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str:
        base = super().external_id(row, gpu, count, spot=False)
        machine = str(row.get("MachineId") or "").strip()
        # Live offers are single hosts: two machines with the same shape in one region are two offers,
        # and the machine id (unlike the offer id) survives a host relisting.
        if machine:
            base = f"{base}/machine-{machine}"
        return base + ("#spot" if spot else "")
