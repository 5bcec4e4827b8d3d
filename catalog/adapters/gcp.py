"""Google Cloud (gcp).

GCP prices accelerators apart from the host VM: the catalog rows kept here are the accelerators'
own price per zone (the a2/a3/g2 host rows carry no accelerator and are billed on top). Offers say
so in their name, carry the ``accelerator-only-price`` tag and ``price_scope = "gpu_only"``, and are
left out of searches unless ``include_gpu_only`` asks for them, so nobody ranks or totals them as a
whole machine's price.
"""

from __future__ import annotations

from typing import Any

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class GcpAdapter(SkyPilotCsvAdapter):
    provider_id = "gcp"
    name = "Google Cloud"
    kind = "cloud"
    website = "https://cloud.google.com/compute/gpus-pricing"
    snapshot_file = "gcp.csv"

    def instance_type(self, row: dict[str, Any]) -> str:
        return str(row.get("InstanceType") or "").strip()

    def hint(self, row: dict[str, Any]) -> str:
        # H100-MEGA is the A3 Mega machine: H100 SXM with more network bandwidth.
        gpu = str(row.get("AcceleratorName") or "")
        return "sxm" if gpu.startswith(("H100", "H200", "B200")) else gpu

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        return f"{count}x {gpu} (GPU only, host VM billed separately)"

    def external_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str:
        ident = f"{gpu}x{count}/{self.region_of(row)}/{self.zone_of(row) or ''}".rstrip("/")
        return ident + ("#spot" if spot else "")

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return ["accelerator-only-price"]

    def price_scope(self, row: dict[str, Any]) -> str:
        # Kept out of searches, rankings and the assistant's costs unless asked for (include_gpu_only):
        # the catalog copied here has no host VM rows to price the whole machine with.
        return "gpu_only"
