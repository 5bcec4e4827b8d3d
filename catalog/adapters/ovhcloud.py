"""OVHcloud (ovhcloud). Regions are OVH datacentre codes (GRA, BHS, WAW, ...)."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class OvhcloudAdapter(SkyPilotCsvAdapter):
    provider_id = "ovhcloud"
    name = "OVHcloud"
    kind = "cloud"
    website = "https://www.ovhcloud.com/en/public-cloud/prices/"
    snapshot_file = "ovhcloud.csv"
