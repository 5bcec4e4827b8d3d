"""Amazon Web Services (aws). Zones of one region share a price; each zone is its own offer because capacity differs by zone."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class AwsAdapter(SkyPilotCsvAdapter):
    provider_id = "aws"
    name = "Amazon Web Services"
    kind = "cloud"
    website = "https://aws.amazon.com/ec2/instance-types/"
    snapshot_file = "aws.csv"
