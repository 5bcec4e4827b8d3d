"""Cudo Compute (cudo). Cudo sells small GPU VMs whose instance type encodes the CPU platform and the GPU variant.

Live mode reads ``GET https://rest.compute.cudo.org/v1/vms/machine-types-2`` (no key), answered
``{"machineTypes": [{"dataCenterId", "machineType", "cpuModel", "gpuModel", "gpuModelId", "minVcpu",
"minMemoryGib", "vcpuPriceHr": {"value"}, "memoryGibPriceHr": {"value"}, "gpuPriceHr": {"value"},
"minStorageGibPriceHr", "ipv4PriceHr", "maxGpuFree", ...}]}`` with prices as decimal strings in US
dollars: Cudo's REST API (``ListVMMachineTypes2``) as read by dstackai/gpuhunt ``providers/cudo.py``
and recorded in its ``tests/providers/test_cudo.py``. A Cudo VM is priced by its parts, so the rows are
built as SkyPilot's fetcher builds the bundled catalog (skypilot-org/skypilot
``sky/catalog/data_fetchers/fetch_cudo.py`` with ``sky/provision/cudo/cudo_utils.py``): every machine
type whose GPU model SkyPilot names, in each of its VM sizes that the machine type's minimums allow,
priced vCPUs x vCPU price + GiB x memory price + GPUs x GPU price (storage and IPv4 left out), named
``<machine type>_<GPUs>x<vCPUs>v<GiB>gb`` in its data centre, so an offer keeps its id in both modes. Like
the catalog, a size is listed whatever the free capacity (``maxGpuFree``) is at the moment.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

MACHINE_TYPES_URL = "https://rest.compute.cudo.org/v1/vms/machine-types-2"
# SkyPilot's accelerator names of Cudo's GPU models and their memory in GiB (cudo_utils.py); a model not
# named here is not in the catalog either.
GPU_MODELS: dict[str, tuple[str, int]] = {
    "H100 NVL": ("H100", 94),
    "H100 SXM": ("H100-SXM", 80),
    "L40S (compute mode)": ("L40S", 48),
    "L40S (graphics mode)": ("L40S", 48),
    "A40 (compute mode)": ("A40", 48),
    "A40 (graphics mode)": ("A40", 48),
    "RTX A5000": ("RTXA5000", 24),
    "RTX A6000": ("RTXA6000", 48),
    "A100 80GB PCIe": ("A100", 80),
    "A800 PCIe": ("A800", 80),
    "V100": ("V100", 16),
}
# The VM sizes SkyPilot lists for every machine type (machine_specs): GPUs, vCPUs, memory GiB.
VM_SIZES = (
    (1, 2, 4),
    (1, 4, 8),
    (2, 8, 16),
    (2, 16, 32),
    (4, 32, 64),
    (8, 64, 128),
    (8, 96, 192),
    (4, 48, 96),
    (2, 24, 48),
    (1, 12, 24),
    (4, 96, 192),
    (2, 48, 96),
    (1, 24, 48),
)


def _price(machine: dict[str, Any], part: str) -> Decimal:
    value = as_object(machine.get(part)).get("value")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{part} is not a price: {value!r}") from exc


def machine_type_rows(machine: Any) -> list[dict[str, Any]]:
    """Snapshot rows of one machine type in one data centre: one per VM size; [] for other GPUs."""
    if not isinstance(machine, dict) or not machine.get("machineType") or not machine.get("dataCenterId"):
        return [{REJECTED: f"machine type without machineType or dataCenterId: {str(machine)[:80]!r}"}]
    name, region = str(machine["machineType"]), str(machine["dataCenterId"])
    known = GPU_MODELS.get(str(machine.get("gpuModel") or ""))
    if known is None:
        return []  # a CPU machine type, or a GPU SkyPilot's catalog does not list
    accelerator, memory_gib = known
    try:
        vcpu, memory, gpu = (_price(machine, p) for p in ("vcpuPriceHr", "memoryGibPriceHr", "gpuPriceHr"))
    except ValueError as exc:
        return [{REJECTED: f"{name} in {region}: {exc}"}]
    min_vcpu, min_memory = machine.get("minVcpu") or 0, machine.get("minMemoryGib") or 0
    return [
        {
            "InstanceType": f"{name}_{gpus}x{vcpus}v{gib}gb",
            "AcceleratorName": accelerator,
            "AcceleratorCount": str(gpus),
            "vCPUs": str(vcpus),
            "MemoryGiB": str(gib),
            "Price": str(vcpus * vcpu + gib * memory + gpus * gpu),
            "Region": region,
            "GpuInfo": json.dumps(
                {"Gpus": [{"Count": gpus, "MemoryInfo": {"SizeInMiB": memory_gib * 1024}}]}
            ),
            "SpotPrice": "",  # Cudo sells no interruptible VMs
        }
        for gpus, vcpus, gib in VM_SIZES
        if vcpus >= min_vcpu and gib >= min_memory
    ]


class CudoAdapter(SkyPilotCsvAdapter):
    provider_id = "cudo"
    name = "Cudo Compute"
    kind = "cloud"
    website = "https://www.cudocompute.com"
    snapshot_file = "cudo.csv"
    live_api = True

    def fetch_live(self) -> list[dict[str, Any]]:
        payload = self.request_json("GET", MACHINE_TYPES_URL, "cudo vms/machine-types-2")
        machines = payload.get("machineTypes") if isinstance(payload, dict) else None
        if not isinstance(machines, list):
            raise AdapterError("cudo vms/machine-types-2 returned no 'machineTypes' list")
        return [row for machine in machines for row in machine_type_rows(machine)]
