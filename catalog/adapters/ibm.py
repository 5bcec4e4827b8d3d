"""IBM Cloud (ibm). Older (v5) catalog; some rows leave Region empty and only name the zone
(``jp-tok-2``), so the region is taken from the zone name."""

from __future__ import annotations

from typing import Any

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class IbmAdapter(SkyPilotCsvAdapter):
    provider_id = "ibm"
    name = "IBM Cloud"
    kind = "cloud"
    website = "https://www.ibm.com/cloud/gpu"
    snapshot_file = "ibm.csv"

    def region_of(self, row: dict[str, Any]) -> str:
        region = str(row.get("Region") or "").strip()
        zone = self.zone_of(row) or ""
        if not region and zone.count("-") >= 2:
            region = zone.rsplit("-", 1)[0]
        return region
