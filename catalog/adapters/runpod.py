"""RunPod (runpod). Instance types end in _SECURE or _COMMUNITY (RunPod's two clouds); regions are
country codes and zones are RunPod data centres (CA-MTL-1). PCIe and SXM A100s are separate
accelerator names (A100-80GB, A100-80GB-SXM)."""

from __future__ import annotations

from typing import Any

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class RunpodAdapter(SkyPilotCsvAdapter):
    provider_id = "runpod"
    name = "RunPod"
    kind = "cloud"
    website = "https://www.runpod.io/pricing"
    snapshot_file = "runpod.csv"

    def hint(self, row: dict[str, Any]) -> str:
        gpu = str(row.get("AcceleratorName") or "")
        return f"{self.instance_type(row)} {'sxm' if 'SXM' in gpu.upper() else 'pcie'}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        kind = self.instance_type(row).rsplit("_", 1)[-1].lower()
        return [f"{kind}-cloud"] if kind in ("secure", "community") else []
