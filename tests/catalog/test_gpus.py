"""GPU knowledge: what users type, what provider catalogs print, and the price-history names all land
on the right canonical family, variant and per-GPU memory; every row of the bundled catalog resolves."""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

import catalog
from catalog.gpus import (
    GPUS,
    ResolvedGpu,
    gpu_memory_gb,
    history_model_to_gpu,
    normalize_accelerator,
    resolve_gpu,
    suggest_gpus,
)

SNAPSHOTS = Path(catalog.__file__).parent / "snapshots"
CATALOG_FILES = sorted((SNAPSHOTS / "catalog").glob("*.csv"))


def _first_gpu_memory_mib(cell: str) -> float | None:
    """SizeInMiB of the first GPU in a GpuInfo cell, as the adapters pass it.

    It may be a whole-instance total (vast, primeintellect) or host memory (nebius).
    """
    text = (cell or "").strip()
    if not text.startswith("{"):
        return None
    try:
        info: Any = json.loads(text)
    except ValueError:
        info = ast.literal_eval(text)
    lowered = {str(k).lower(): v for k, v in info.items()}
    gpus = lowered.get("gpus") or [{}]
    memory = {str(k).lower(): v for k, v in gpus[0].items()}.get("memoryinfo") or {}
    size = {str(k).lower(): v for k, v in memory.items()}.get("sizeinmib")
    return float(size) if size else None


def _catalog_rows() -> list[tuple[str, dict[str, str]]]:
    rows: list[tuple[str, dict[str, str]]] = []
    for path in CATALOG_FILES:
        with path.open(newline="") as handle:
            rows.extend((path.stem, row) for row in csv.DictReader(handle))
    return rows


CATALOG_ROWS = _catalog_rows()


def _normalize_row(row: dict[str, str]) -> ResolvedGpu | None:
    hint = f"{row.get('InstanceType') or ''} {row.get('UpstreamCloudId') or ''}".strip()
    return normalize_accelerator(row["AcceleratorName"], _first_gpu_memory_mib(row.get("GpuInfo", "")), hint)


@pytest.mark.parametrize(
    ("text", "family", "variant", "memory"),
    [
        ("4090", "RTX4090", None, None),
        ("RTX 4090", "RTX4090", None, None),
        ("rtx4090", "RTX4090", None, None),
        ("GeForce RTX 4090 24GB", "RTX4090", None, 24.0),
        ("h100 sxm", "H100", "SXM", None),
        ("H100-SXM", "H100", "SXM", None),
        ("H100 SXM5 80GB", "H100", "SXM", 80.0),
        ("h100 pcie", "H100", "PCIe", None),
        ("H100 NVL", "H100", "NVL", None),
        ("H100NVL", "H100", "NVL", None),
        ("h100 94gb", "H100", "NVL", 94.0),
        ("H100s", "H100", None, None),
        ("8x H100", "H100", None, None),
        ("A100 80GB", "A100", None, 80.0),
        ("a100-80gb", "A100", None, 80.0),
        ("A100 SXM4 40GB", "A100", "SXM", 40.0),
        ("rtx a6000", "A6000", None, None),
        ("A6000", "A6000", None, None),
        ("RTX 6000 Ada", "RTX6000ADA", None, None),
        ("rtx6000ada", "RTX6000ADA", None, None),
        ("Quadro RTX 6000", "RTX6000", None, None),
        ("RTX 6000", "RTX6000", None, None),
        ("RTX PRO 6000", "RTXPRO6000", None, None),
        ("RTX Pro 6000 Blackwell", "RTXPRO6000", None, None),
        ("L40s", "L40S", None, None),
        ("L40", "L40", None, None),
        ("L4", "L4", None, None),
        ("mi300x", "MI300X", None, None),
        ("MI355X", "MI355X", None, None),
        ("gh200", "GH200", None, None),
        ("GB200", "GB200", None, None),
        ("B200", "B200", None, None),
        ("b300", "B300", None, None),
        ("H200", "H200", None, None),
        ("A10", "A10", None, None),
        ("A10G", "A10G", None, None),
        ("t4", "T4", None, None),
        ("Tesla V100 32GB", "V100", None, 32.0),
        ("rtx 3060 ti", "RTX3060TI", None, None),
        ("RTX 3060", "RTX3060", None, None),
        ("RTX 4080 Super", "RTX4080", None, None),
        ("5090", "RTX5090", None, None),
        ("NVIDIA A100-SXM4-80GB", "A100", "SXM", 80.0),
    ],
)
def test_resolve_gpu_user_input(text: str, family: str, variant: str | None, memory: float | None) -> None:
    assert resolve_gpu(text) == ResolvedGpu(family, variant, memory)


@pytest.mark.parametrize("text", ["", "hello", "cpu", "6000", "A1000", "A100G", "H1", "europe", "80GB"])
def test_resolve_gpu_rejects_non_gpus(text: str) -> None:
    assert resolve_gpu(text) is None


def test_resolve_gpu_drops_memory_the_family_is_not_sold_with() -> None:
    assert resolve_gpu("A100 48GB") == ResolvedGpu("A100", None, None)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("RTX A6000", "A6000"),
        ("RTX 6000 Ada Generation", "RTX6000ADA"),
        ("Quadro RTX 6000", "RTX6000"),
        ("RTX PRO 6000 Blackwell Server Edition", "RTXPRO6000"),
        ("RTX 6000 Blackwell", "RTXPRO6000"),
    ],
)
def test_the_four_6000s_stay_apart(text: str, family: str) -> None:
    resolved = resolve_gpu(text)
    assert resolved is not None
    assert resolved.family == family


@pytest.mark.parametrize(
    ("name", "memory_mib", "hint", "expected"),
    [
        ("A100-80GB", None, "", ResolvedGpu("A100", None, 80.0)),
        ("A100-80GB-SXM", None, "", ResolvedGpu("A100", "SXM", 80.0)),
        ("A100-80G", None, "crusoe_A100-80G", ResolvedGpu("A100", None, 80.0)),
        ("H100-SXM", 81920, "sapphire-rapids-h100_1x2v4gb", ResolvedGpu("H100", "SXM", 80.0)),
        ("H100-MEGA", 81920, "", ResolvedGpu("H100", "SXM", 80.0)),
        ("RTX PRO 6000 96GB", 0, "ECS1GPU12", ResolvedGpu("RTXPRO6000", None, 96.0)),
        ("RTXPRO6000Blackwell", 97280, "gpu_1x_rtxpro6000blackwell_96", ResolvedGpu("RTXPRO6000", None, 96)),
        ("RTXPro6000", None, "hyperstack_RTXPro6000", ResolvedGpu("RTXPRO6000", None, 96.0)),
        ("RTXA6000", 48384, "ECS1GPU2", ResolvedGpu("A6000", None, 48.0)),
        ("A6000", 49152, "gpu_1x_a6000", ResolvedGpu("A6000", None, 48.0)),
        ("RTX6000-Ada", 98280, "2x-RTX_6000Ada-32-65536", ResolvedGpu("RTX6000ADA", None, 48.0)),
        ("RTX6000Ada", None, "datacrunch_RTX6000Ada", ResolvedGpu("RTX6000ADA", None, 48.0)),
        ("RTX6000", 24576, "gpu_1x_rtx6000", ResolvedGpu("RTX6000", None, 24.0)),
        ("V100-32GB", 32768, "p3dn.24xlarge", ResolvedGpu("V100", None, 32.0)),
        ("V100-32G", None, "paperspace_V100-32G", ResolvedGpu("V100", None, 32.0)),
        ("V100", 16384, "p3.8xlarge", ResolvedGpu("V100", None, 16.0)),
        ("RTX 3070", 8192, "GPU-3070-S", ResolvedGpu("RTX3070", None, 8.0)),
        ("RTX3060Ti", 8192, "gpu_1x_rtx3060ti_8", ResolvedGpu("RTX3060TI", None, 8.0)),
        ("RTX3060", 12288, "gpu_1x_rtx3060_16", ResolvedGpu("RTX3060", None, 12.0)),
        ("RTX4000Ada", None, "digitalocean_RTX4000Ada", ResolvedGpu("RTX4000ADA", None, 20.0)),
        ("RTX4080", 16376, "1x-RTX_4080S-32-65536", ResolvedGpu("RTX4080", None, 16.0)),
        ("A16", None, "vultr_A16", ResolvedGpu("A16", None, 16.0)),
        ("M4000", None, "GPU+", ResolvedGpu("M4000", None, 8.0)),
        ("P4000", None, "P4000", ResolvedGpu("P4000", None, 8.0)),
        ("P100", 16384, "RENDER-S", ResolvedGpu("P100", None, 16.0)),
        ("RTXA2000", 6144, "gpu_1x_rtxa2000_24", ResolvedGpu("A2000", None, 6.0)),
        ("GH200", 98304, "gpu_1x_gh200", ResolvedGpu("GH200", None, 96.0)),
        # GpuInfo memory that is host memory (nebius) is ignored; the variant comes from the hint.
        ("H100", 204800, "gpu-h100-sxm_1gpu-16vcpu-200gb", ResolvedGpu("H100", "SXM", 80.0)),
        ("H200", 204800, "gpu-h200-sxm_8gpu-128vcpu-1600gb", ResolvedGpu("H200", "SXM", 141.0)),
        ("B200", 229376, "gpu-b200-sxm_8gpu-160vcpu-1792gb", ResolvedGpu("B200", "SXM", 180.0)),
        ("L40S", 294912, "gpu-l40s-d_1gpu-48vcpu-288gb", ResolvedGpu("L40S", None, 48.0)),
        # NVL: 94GB cards, named in the hint or only told by their memory.
        ("H100", 96256, "epyc-genoa-h100-nvl-pcie_1x2v4gb", ResolvedGpu("H100", "NVL", 94.0)),
        ("H100", 96256, "", ResolvedGpu("H100", "NVL", 94.0)),
        ("H100", 191660, "2x-H100_NVL-32-65536", ResolvedGpu("H100", "NVL", 94.0)),
        # Variant from the hint.
        ("H100", 81920, "h100-80gb.sxm.8x", ResolvedGpu("H100", "SXM", 80.0)),
        ("H100", 81559, "1x-H100_SXM-32-65536", ResolvedGpu("H100", "SXM", 80.0)),
        ("H100", 81920, "gpu_1x_h100_pcie", ResolvedGpu("H100", "PCIe", 80.0)),
        ("H100", 81920, "H100_PCIE_80GB::1", ResolvedGpu("H100", "PCIe", 80.0)),
        ("H100", 81559, "H100-1-80G", ResolvedGpu("H100", None, 80.0)),
        ("H100", 81920, "p5.48xlarge", ResolvedGpu("H100", "SXM", 80.0)),
        ("A800", 81920, "intel-ice-lake-a800-pci_1x2v4gb", ResolvedGpu("A800", "PCIe", 80.0)),
        (
            "A100",
            81920,
            "runpod__1xA100_80GB__16__125 NVIDIA A100-SXM4-80GB",
            ResolvedGpu("A100", "SXM", 80.0),
        ),
        (
            "A100",
            163840,
            "runpod__2xA100_80GB__16__234 NVIDIA A100 80GB PCIe",
            ResolvedGpu("A100", "PCIe", 80.0),
        ),
        # A bare SkyPilot "A100" is the 40GB part unless the data says otherwise.
        ("A100", 40960, "p4d.24xlarge", ResolvedGpu("A100", "SXM", 40.0)),
        ("A100", None, "denvr_A100-sxm4", ResolvedGpu("A100", "SXM", 40.0)),
        ("A100", 81920, "epyc-genoa-a100-pcie_2x24v48gb", ResolvedGpu("A100", "PCIe", 80.0)),
        ("A100", 81920, "a100-80gb.sxm.1x", ResolvedGpu("A100", "SXM", 80.0)),
        # Vast states whole-instance memory; the count in the instance type splits it.
        ("A100", 163840, "4x-A100_SXM4-32-65536", ResolvedGpu("A100", "SXM", 40.0)),
        ("A100", 81920, "2x-A100_SXM4-32-65536", ResolvedGpu("A100", "SXM", 40.0)),
        ("RTXA4000", 65504, "4x-RTX_A4000-32-65536", ResolvedGpu("A4000", None, 16.0)),
        ("RTX4090", 294768, "12x-RTX_4090-32-65536", ResolvedGpu("RTX4090", None, 24.0)),
        ("RTX4090", 24576, "gpu_4x_rtx4090_128", ResolvedGpu("RTX4090", None, 24.0)),
        ("H100", 81559, "2x-H100-56-541", ResolvedGpu("H100", None, 80.0)),
    ],
)
def test_normalize_accelerator(name: str, memory_mib: float | None, hint: str, expected: ResolvedGpu) -> None:
    assert normalize_accelerator(name, memory_mib, hint) == expected


@pytest.mark.parametrize("name", ["", "Gaudi2", "TPU-v5e", "K80X", "unknown"])
def test_normalize_accelerator_unknown(name: str) -> None:
    assert normalize_accelerator(name, 16384, "") is None


# Every AcceleratorName the bundled catalog uses, and the family it must become.
CATALOG_NAME_FAMILIES = {
    "A10": "A10",
    "A100": "A100",
    "A100-80GB": "A100",
    "A100-80GB-SXM": "A100",
    "A100-80G": "A100",
    "A16": "A16",
    "A30": "A30",
    "A40": "A40",
    "A4000": "A4000",
    "A5000": "A5000",
    "A6000": "A6000",
    "A800": "A800",
    "B200": "B200",
    "GH200": "GH200",
    "H100": "H100",
    "H100-MEGA": "H100",
    "H100-SXM": "H100",
    "H200": "H200",
    "L4": "L4",
    "L40": "L40",
    "L40S": "L40S",
    "M4000": "M4000",
    "P100": "P100",
    "P4000": "P4000",
    "RTX 3070": "RTX3070",
    "RTX PRO 6000 96GB": "RTXPRO6000",
    "RTX3060": "RTX3060",
    "RTX3060Ti": "RTX3060TI",
    "RTX3070": "RTX3070",
    "RTX3090": "RTX3090",
    "RTX4000Ada": "RTX4000ADA",
    "RTX4080": "RTX4080",
    "RTX4090": "RTX4090",
    "RTX5090": "RTX5090",
    "RTX6000": "RTX6000",
    "RTX6000-Ada": "RTX6000ADA",
    "RTX6000Ada": "RTX6000ADA",
    "RTXA2000": "A2000",
    "RTXA4000": "A4000",
    "RTXA5000": "A5000",
    "RTXA6000": "A6000",
    "RTXPRO6000Blackwell": "RTXPRO6000",
    "RTXPro6000": "RTXPRO6000",
    "V100": "V100",
    "V100-32G": "V100",
    "V100-32GB": "V100",
}


def test_catalog_accelerator_names_are_all_listed() -> None:
    names = {row["AcceleratorName"] for _, row in CATALOG_ROWS}
    assert names == set(CATALOG_NAME_FAMILIES)


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_every_catalog_row_normalizes(path: Path) -> None:
    rows = [row for provider, row in CATALOG_ROWS if provider == path.stem]
    assert rows
    for row in rows:
        resolved = _normalize_row(row)
        assert resolved is not None, row
        assert resolved.family == CATALOG_NAME_FAMILIES[row["AcceleratorName"]], row
        model = GPUS[resolved.family]
        assert resolved.memory_gb in model.known_memory_gb(), row
        assert resolved.variant is None or resolved.variant in model.memory_gb, row


def test_catalog_memory_quirks() -> None:
    by_type: dict[tuple[str, str], set[float | None]] = {}
    for provider, row in CATALOG_ROWS:
        resolved = _normalize_row(row)
        assert resolved is not None
        by_type.setdefault((provider, row["AcceleratorName"]), set()).add(resolved.memory_gb)
    assert by_type[("nebius", "H100")] == {80.0}
    assert by_type[("nebius", "L40S")] == {48.0}
    assert by_type[("nebius", "B200")] == {180.0}
    assert by_type[("vast", "A100")] == {40.0}
    assert by_type[("vast", "A40")] == {48.0}
    assert by_type[("primeintellect", "A100")] == {80.0}
    assert by_type[("primeintellect", "B200")] == {180.0}
    assert by_type[("cudo", "H100")] == {94.0}
    assert by_type[("lambda", "A100")] == {40.0}
    assert by_type[("gcp", "A100")] == {40.0}
    assert by_type[("gcp", "A100-80GB")] == {80.0}
    assert by_type[("shadeform", "A100-80G")] == {80.0}


HISTORY_EXPECTED = {
    "H100_SXM": ResolvedGpu("H100", "SXM", 80.0),
    "H100_PCIE": ResolvedGpu("H100", "PCIe", 80.0),
    "H100_NVL": ResolvedGpu("H100", "NVL", 94.0),
    "H200": ResolvedGpu("H200", None, 141.0),
    "B200": ResolvedGpu("B200", None, 180.0),
    "B300": ResolvedGpu("B300", None, 288.0),
    "GB200": ResolvedGpu("GB200", None, 186.0),
    "GH200": ResolvedGpu("GH200", None, 96.0),
    "A100_SXM_80GB": ResolvedGpu("A100", "SXM", 80.0),
    "A100_PCIE_80GB": ResolvedGpu("A100", "PCIe", 80.0),
    "A100_SXM_40GB": ResolvedGpu("A100", "SXM", 40.0),
    "A100_PCIE_40GB": ResolvedGpu("A100", "PCIe", 40.0),
    "L40S": ResolvedGpu("L40S", None, 48.0),
    "L40": ResolvedGpu("L40", None, 48.0),
    "RTX_4090": ResolvedGpu("RTX4090", None, 24.0),
    "RTX_5090": ResolvedGpu("RTX5090", None, 32.0),
    "RTX_PRO_6000": ResolvedGpu("RTXPRO6000", None, 96.0),
    "MI300X": ResolvedGpu("MI300X", None, 192.0),
    "MI355X": ResolvedGpu("MI355X", None, 288.0),
}


@pytest.mark.parametrize(("gpu_model", "expected"), sorted(HISTORY_EXPECTED.items()))
def test_history_model_to_gpu(gpu_model: str, expected: ResolvedGpu) -> None:
    assert history_model_to_gpu(gpu_model) == expected


def test_history_file_models_are_all_known() -> None:
    with (SNAPSHOTS / "price_history" / "gpu_observations_daily.csv").open(newline="") as handle:
        models = {row["gpu_model"] for row in csv.DictReader(handle)}
    assert models <= set(HISTORY_EXPECTED)


def test_history_model_to_gpu_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown"):
        history_model_to_gpu("TPU_V5E")


@pytest.mark.parametrize(
    ("text", "family"),
    [("H10O", "H100"), ("rtx 4900", "RTX4090"), ("A1OO", "A100"), ("L40SS", "L40S"), ("mi300", "MI300X")],
)
def test_suggest_gpus(text: str, family: str) -> None:
    suggestions = suggest_gpus(text)
    assert family in suggestions
    assert len(suggestions) <= 3
    assert all(s in GPUS for s in suggestions)


def test_suggest_gpus_respects_n() -> None:
    assert len(suggest_gpus("RTX", n=5)) <= 5
    assert suggest_gpus("H100", n=0) == []


@pytest.mark.parametrize(
    ("family", "variant", "memory"),
    [
        ("H100", None, 80.0),
        ("H100", "NVL", 94.0),
        ("H100", "nvl", 94.0),
        ("H100", "SXM", 80.0),
        ("H100", "OAM", 80.0),
        ("A100", None, 80.0),
        ("V100", None, 16.0),
        ("RTXPRO6000", None, 96.0),
        ("RTX6000", None, 24.0),
        ("RTX6000ADA", None, 48.0),
        ("MI300X", None, 192.0),
        ("4090", None, 24.0),
        ("h100 nvl", None, 94.0),
    ],
)
def test_gpu_memory_gb(family: str, variant: str | None, memory: float) -> None:
    assert gpu_memory_gb(family, variant) == memory


def test_gpu_memory_gb_unknown_family() -> None:
    with pytest.raises(KeyError):
        gpu_memory_gb("TPU")


REQUIRED_FAMILIES = [
    "H100",
    "H200",
    "B200",
    "B300",
    "GH200",
    "GB200",
    "A100",
    "A800",
    "A40",
    "A30",
    "A10",
    "A10G",
    "A16",
    "L4",
    "L40",
    "L40S",
    "T4",
    "V100",
    "P100",
    "P4000",
    "M4000",
    "A6000",
    "A5000",
    "A4000",
    "A2000",
    "RTX6000",
    "RTX6000ADA",
    "RTX4000ADA",
    "RTX4090",
    "RTX4080",
    "RTX3090",
    "RTX3080",
    "RTX3070",
    "RTX3060",
    "RTX3060TI",
    "RTX5090",
    "RTXPRO6000",
    "MI300X",
    "MI355X",
]


@pytest.mark.parametrize("family", REQUIRED_FAMILIES)
def test_required_families_exist(family: str) -> None:
    assert family in GPUS


@pytest.mark.parametrize("model", list(GPUS.values()), ids=list(GPUS))
def test_gpu_model_is_consistent(model: Any) -> None:
    assert re.fullmatch(r"[A-Z0-9]+", model.family)
    assert model.vendor in {"NVIDIA", "AMD"}
    assert model.memory_gb
    assert model.default_memory_gb in model.known_memory_gb()
    for alias in (model.family, *model.aliases):
        resolved = resolve_gpu(alias)
        assert resolved is not None, alias
        assert resolved.family == model.family, alias
