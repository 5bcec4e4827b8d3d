"""SimplePod (simplepod). No SpotPrice column; regions read 'Europe-NO' or 'North America-CA'."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class SimplepodAdapter(SkyPilotCsvAdapter):
    provider_id = "simplepod"
    name = "SimplePod"
    kind = "marketplace"
    website = "https://simplepod.ai"
    snapshot_file = "simplepod.csv"
