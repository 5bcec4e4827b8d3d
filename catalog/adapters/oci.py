"""Oracle Cloud Infrastructure (oci). Partial snapshot (first page of the source file); see SOURCES.md."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class OciAdapter(SkyPilotCsvAdapter):
    provider_id = "oci"
    name = "Oracle Cloud Infrastructure"
    kind = "cloud"
    website = "https://www.oracle.com/cloud/compute/gpu/"
    snapshot_file = "oci.csv"
