"""Paperspace (paperspace). Regions are named like 'East Coast (NY2)'; GpuInfo is a bare name."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class PaperspaceAdapter(SkyPilotCsvAdapter):
    provider_id = "paperspace"
    name = "Paperspace"
    kind = "cloud"
    website = "https://www.paperspace.com/pricing"
    snapshot_file = "paperspace.csv"
