"""Mithril (mithril). Mithril (formerly Foundry) sells capacity by auction; the catalog's spot price equals the list price."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class MithrilAdapter(SkyPilotCsvAdapter):
    provider_id = "mithril"
    name = "Mithril"
    kind = "cloud"
    website = "https://mithril.ai"
    snapshot_file = "mithril.csv"
