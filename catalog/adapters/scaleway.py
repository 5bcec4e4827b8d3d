"""Scaleway (scaleway). Zones (fr-par-1, fr-par-2) come first in the file."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class ScalewayAdapter(SkyPilotCsvAdapter):
    provider_id = "scaleway"
    name = "Scaleway"
    kind = "cloud"
    website = "https://www.scaleway.com/en/pricing/gpu/"
    snapshot_file = "scaleway.csv"
