"""Nebius AI Cloud (nebius). GpuInfo memory is the host's, not the GPU's; the GPU knowledge module ignores implausible values."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class NebiusAdapter(SkyPilotCsvAdapter):
    provider_id = "nebius"
    name = "Nebius AI Cloud"
    kind = "cloud"
    website = "https://nebius.com/prices"
    snapshot_file = "nebius.csv"
