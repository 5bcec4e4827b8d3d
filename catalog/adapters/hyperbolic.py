"""Hyperbolic (hyperbolic). The catalog has one region, 'default'; it also states the local disk (StorageGiB)."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class HyperbolicAdapter(SkyPilotCsvAdapter):
    provider_id = "hyperbolic"
    name = "Hyperbolic"
    kind = "marketplace"
    website = "https://hyperbolic.xyz"
    snapshot_file = "hyperbolic.csv"
