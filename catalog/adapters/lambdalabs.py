"""Lambda (lambda). Lambda Cloud; TotalGpuMemoryInMiB is per GPU in this catalog, so only MemoryInfo is read."""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class LambdaAdapter(SkyPilotCsvAdapter):
    provider_id = "lambda"
    name = "Lambda"
    kind = "cloud"
    website = "https://lambda.ai/pricing"
    snapshot_file = "lambda.csv"
