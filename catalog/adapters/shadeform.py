"""Shadeform (shadeform), an aggregator that resells other clouds.

The instance type's prefix before the first ``_`` names the underlying seller (``hyperstack_``,
``datacrunch_``, ``crusoe_``, ...); it becomes a ``via-<seller>`` tag and part of the name. Rows
carry no GPU memory, so the GPU knowledge module supplies it.
"""

from __future__ import annotations

from typing import Any

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class ShadeformAdapter(SkyPilotCsvAdapter):
    provider_id = "shadeform"
    name = "Shadeform"
    kind = "aggregator"
    website = "https://www.shadeform.ai"
    snapshot_file = "shadeform.csv"

    def upstream(self, row: dict[str, Any]) -> str:
        return self.instance_type(row).split("_", 1)[0]

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        rest = self.instance_type(row).split("_", 1)[-1]
        return f"{rest} via {self.upstream(row)}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return [f"via-{self.upstream(row)}"]
