"""Fluidstack (fluidstack). Regions are upper-case place names such as UTAH_USA or FINLAND."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class FluidstackAdapter(SkyPilotCsvAdapter):
    provider_id = "fluidstack"
    name = "Fluidstack"
    kind = "cloud"
    website = "https://www.fluidstack.io"
    snapshot_file = "fluidstack.csv"
