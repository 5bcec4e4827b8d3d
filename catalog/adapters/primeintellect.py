"""Prime Intellect (primeintellect), an aggregator that resells other clouds.

The instance type names the upstream seller before ``__`` (``runpod__1xA100_80GB__8__117``) and
UpstreamCloudId names the exact GPU ("NVIDIA A100-SXM4-80GB"), which tells the variant. The catalog
fills SpotPrice with the placeholder 99999999 where there is no spot price: that means none.
"""

from __future__ import annotations

from typing import Any

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class PrimeIntellectAdapter(SkyPilotCsvAdapter):
    provider_id = "primeintellect"
    name = "Prime Intellect"
    kind = "aggregator"
    website = "https://www.primeintellect.ai"
    snapshot_file = "primeintellect.csv"

    def upstream(self, row: dict[str, Any]) -> str:
        return self.instance_type(row).split("__", 1)[0]

    def hint(self, row: dict[str, Any]) -> str:
        return f"{self.instance_type(row)} {row.get('UpstreamCloudId') or ''}"

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        upstream = str(row.get("UpstreamCloudId") or gpu).strip()
        return f"{count}x {upstream} via {self.upstream(row)}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return [f"via-{self.upstream(row)}"]
