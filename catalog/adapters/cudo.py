"""Cudo Compute (cudo). Cudo sells small GPU VMs whose instance type encodes the CPU platform and the GPU variant."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class CudoAdapter(SkyPilotCsvAdapter):
    provider_id = "cudo"
    name = "Cudo Compute"
    kind = "cloud"
    website = "https://www.cudocompute.com"
    snapshot_file = "cudo.csv"
