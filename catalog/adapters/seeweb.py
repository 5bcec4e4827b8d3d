"""Seeweb (seeweb), an Italian cloud. Many rows leave Region empty; Seeweb's GPU cloud runs in its
Italian data centres, which the region mapping records for an empty region."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class SeewebAdapter(SkyPilotCsvAdapter):
    provider_id = "seeweb"
    name = "Seeweb"
    kind = "cloud"
    website = "https://www.seeweb.it/en/products/cloud-server-gpu"
    snapshot_file = "seeweb.csv"
