"""Vast.ai (vast), a marketplace of hosts.

Snapshot regions read "Czechia, CZ, EU" (state or country name, ISO country, continent code); the
region mapping reads the country and continent from them. SpotPrice 0.00 means no interruptible
price in this catalog. In live mode the adapter reads Vast's public offer search (``bundles``) and
maps each offer to the same row shape as the snapshot.
"""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class VastAdapter(SkyPilotCsvAdapter):
    provider_id = "vast"
    name = "Vast.ai"
    kind = "marketplace"
    website = "https://vast.ai"
    snapshot_file = "vast.csv"
