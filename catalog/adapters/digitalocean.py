"""DigitalOcean (digitalocean). Catalog v6 generation (DigitalOcean is missing from v7); GpuInfo keys are lower case."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class DigitaloceanAdapter(SkyPilotCsvAdapter):
    provider_id = "digitalocean"
    name = "DigitalOcean"
    kind = "cloud"
    website = "https://www.digitalocean.com/products/gpu-droplets"
    snapshot_file = "digitalocean.csv"
