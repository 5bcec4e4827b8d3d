"""Samsung Cloud Platform (scp). Korean regions; an older (v5) catalog generation."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class ScpAdapter(SkyPilotCsvAdapter):
    provider_id = "scp"
    name = "Samsung Cloud Platform"
    kind = "cloud"
    website = "https://cloud.samsungsds.com"
    snapshot_file = "scp.csv"
