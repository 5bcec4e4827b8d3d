"""GPU knowledge: the canonical GPU families the marketplace sells, their vendors, architectures and
per-GPU memory, and the parsers that turn what people type ("4090", "h100 sxm", "RTX 6000 Ada") and
what provider catalogs print ("A100-80GB", "RTXPRO6000Blackwell", "H100-MEGA" plus a GpuInfo memory
figure and an instance-type hint) into one :class:`ResolvedGpu`. A family is the chip without its
form factor or memory size (``H100``, ``A100``, ``RTX4090``); the *variant* is the form factor
(``SXM``, ``PCIe``, ``NVL``, ``OAM``, ``Superchip``) and memory is carried separately in GB, so
``A100 SXM4 40GB`` is ``ResolvedGpu("A100", "SXM", 40.0)``. ``GpuModel.memory_gb`` maps each variant
to the memory that form factor usually ships with; ``memory_options_gb`` lists every per-GPU size the
family is sold in (A100: 40 and 80), which is what provider-reported memory is checked against.
"Ti" cards are their own families (``RTX3060TI``: 8GB and faster than the 12GB RTX 3060) while
"Super" refreshes fold into the base card (``RTX 4080 Super`` is ``RTX4080``, same 16GB). The four
"6000"s are distinct: ``RTX6000`` is the Turing Quadro RTX 6000 (24GB; what Lambda and Seeweb call
"RTX6000"), ``A6000`` the Ampere RTX A6000 (48GB), ``RTX6000ADA`` the Ada RTX 6000 (48GB) and
``RTXPRO6000`` the Blackwell RTX PRO 6000 (96GB).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# The memory check is relative: provider figures are MiB read back from drivers (an "80GB" H100
# reports 79.6 GiB), so a value within this fraction of a known size is that size.
_MEMORY_TOLERANCE = 0.10


@dataclass(frozen=True)
class GpuModel:
    family: str
    vendor: str
    architecture: str
    memory_gb: Mapping[str, float]
    default_memory_gb: float
    aliases: tuple[str, ...]
    memory_options_gb: tuple[float, ...] = field(default=())

    def known_memory_gb(self) -> tuple[float, ...]:
        """Every per-GPU memory size this family ships with, ascending."""
        sizes = {self.default_memory_gb, *self.memory_gb.values(), *self.memory_options_gb}
        return tuple(sorted(sizes))


@dataclass(frozen=True)
class ResolvedGpu:
    family: str
    variant: str | None
    memory_gb: float | None


def _gpu(
    family: str,
    vendor: str,
    architecture: str,
    variants: Mapping[str, float],
    aliases: Iterable[str] = (),
    *,
    default: float | None = None,
    options: Iterable[float] = (),
) -> GpuModel:
    default_memory = default if default is not None else max(variants.values())
    return GpuModel(
        family=family,
        vendor=vendor,
        architecture=architecture,
        memory_gb=MappingProxyType({name: float(size) for name, size in variants.items()}),
        default_memory_gb=float(default_memory),
        aliases=tuple(aliases),
        memory_options_gb=tuple(float(o) for o in options),
    )


_NV = "NVIDIA"
_AMD = "AMD"

_MODELS: tuple[GpuModel, ...] = (
    # Data-centre Hopper / Blackwell.
    _gpu(
        "H100",
        _NV,
        "Hopper",
        {"SXM": 80, "PCIe": 80, "NVL": 94},
        ("H100 SXM", "H100 SXM5", "H100 PCIe", "H100 NVL", "H100 80GB", "Hopper H100"),
        default=80,
        options=(80, 94),
    ),
    _gpu("H200", _NV, "Hopper", {"SXM": 141, "NVL": 141}, ("H200 SXM", "H200 NVL", "H200 141GB")),
    _gpu("B200", _NV, "Blackwell", {"SXM": 180}, ("B200 SXM", "HGX B200", "DGX B200"), options=(180, 192)),
    _gpu("B300", _NV, "Blackwell", {"SXM": 288}, ("B300 SXM", "HGX B300")),
    _gpu("GH200", _NV, "Hopper", {"Superchip": 96}, ("Grace Hopper", "GH200 Superchip"), options=(96, 144)),
    _gpu(
        "GB200", _NV, "Blackwell", {"Superchip": 186}, ("Grace Blackwell", "GB200 NVL72"), options=(186, 192)
    ),
    _gpu("GB300", _NV, "Blackwell", {"Superchip": 288}, ("GB300 NVL72",), options=(279, 288)),
    # Data-centre Ampere and older. The bare catalog name "A100" is the 40GB part (see normalize).
    _gpu(
        "A100",
        _NV,
        "Ampere",
        {"SXM": 80, "PCIe": 80},
        ("A100 SXM", "A100 SXM4", "A100 PCIe", "A100 40GB", "A100 80GB", "Tesla A100"),
        default=80,
        options=(40, 80),
    ),
    _gpu("A800", _NV, "Ampere", {"SXM": 80, "PCIe": 80}, ("A800 PCIe", "A800 SXM"), options=(40, 80)),
    _gpu("A40", _NV, "Ampere", {"PCIe": 48}),
    _gpu("A30", _NV, "Ampere", {"PCIe": 24}),
    _gpu("A10", _NV, "Ampere", {"PCIe": 24}),
    _gpu("A10G", _NV, "Ampere", {"PCIe": 24}),
    # An A16 board carries four 16GB GPUs and clouds rent them one GPU at a time.
    _gpu("A16", _NV, "Ampere", {"PCIe": 16}),
    _gpu("A2", _NV, "Ampere", {"PCIe": 16}),
    _gpu("L4", _NV, "Ada Lovelace", {"PCIe": 24}),
    _gpu("L40", _NV, "Ada Lovelace", {"PCIe": 48}),
    _gpu("L40S", _NV, "Ada Lovelace", {"PCIe": 48}, ("L40 S",)),
    _gpu("T4", _NV, "Turing", {"PCIe": 16}, ("Tesla T4",)),
    _gpu(
        "V100",
        _NV,
        "Volta",
        {"SXM": 16, "PCIe": 16},
        ("Tesla V100", "V100 16GB", "V100 32GB"),
        options=(16, 32),
    ),
    _gpu("P100", _NV, "Pascal", {"SXM": 16, "PCIe": 16}, ("Tesla P100",), options=(12, 16)),
    # Workstation cards.
    _gpu("P4000", _NV, "Pascal", {"PCIe": 8}, ("Quadro P4000",)),
    _gpu("M4000", _NV, "Maxwell", {"PCIe": 8}, ("Quadro M4000",)),
    _gpu("RTX6000", _NV, "Turing", {"PCIe": 24}, ("Quadro RTX 6000", "RTX 6000", "RTX 6000 Turing")),
    _gpu("RTX8000", _NV, "Turing", {"PCIe": 48}, ("Quadro RTX 8000", "RTX 8000")),
    _gpu("A6000", _NV, "Ampere", {"PCIe": 48}, ("RTX A6000", "RTXA6000")),
    _gpu("A5000", _NV, "Ampere", {"PCIe": 24}, ("RTX A5000", "RTXA5000")),
    _gpu("A4000", _NV, "Ampere", {"PCIe": 16}, ("RTX A4000", "RTXA4000")),
    _gpu("A2000", _NV, "Ampere", {"PCIe": 6}, ("RTX A2000", "RTXA2000"), options=(6, 12)),
    # "A6000 Ada" is a common misnomer for the RTX 6000 Ada; the "Ada" decides.
    _gpu(
        "RTX6000ADA",
        _NV,
        "Ada Lovelace",
        {"PCIe": 48},
        ("RTX 6000 Ada", "RTX 6000 Ada Generation", "RTX6000Ada", "6000 Ada", "A6000 Ada", "RTX A6000 Ada"),
    ),
    _gpu("RTX5000ADA", _NV, "Ada Lovelace", {"PCIe": 32}, ("RTX 5000 Ada", "RTX5000Ada")),
    _gpu("RTX4000ADA", _NV, "Ada Lovelace", {"PCIe": 20}, ("RTX 4000 Ada", "RTX4000Ada", "RTX 4000 SFF Ada")),
    _gpu(
        "RTXPRO6000",
        _NV,
        "Blackwell",
        {"PCIe": 96},
        (
            "RTX PRO 6000",
            "RTX PRO 6000 Blackwell",
            "RTX Pro 6000 96GB",
            "RTX 6000 Pro",
            "RTX 6000 Blackwell",
            "RTXPRO6000Blackwell",
        ),
    ),
    # Consumer cards.
    _gpu("RTX5090", _NV, "Blackwell", {"PCIe": 32}, ("RTX 5090", "GeForce RTX 5090", "5090")),
    _gpu("RTX5080", _NV, "Blackwell", {"PCIe": 16}, ("RTX 5080", "5080")),
    _gpu("RTX4090", _NV, "Ada Lovelace", {"PCIe": 24}, ("RTX 4090", "GeForce RTX 4090", "4090")),
    _gpu(
        "RTX4080",
        _NV,
        "Ada Lovelace",
        {"PCIe": 16},
        ("RTX 4080", "4080", "RTX 4080 Super", "RTX4080S", "4080 Super", "4080S"),
    ),
    _gpu("RTX3090", _NV, "Ampere", {"PCIe": 24}, ("RTX 3090", "GeForce RTX 3090", "3090")),
    _gpu("RTX3080", _NV, "Ampere", {"PCIe": 10}, ("RTX 3080", "3080"), options=(10, 12)),
    _gpu("RTX3070", _NV, "Ampere", {"PCIe": 8}, ("RTX 3070", "3070")),
    _gpu("RTX3060", _NV, "Ampere", {"PCIe": 12}, ("RTX 3060", "3060"), options=(8, 12)),
    _gpu("RTX3060TI", _NV, "Ampere", {"PCIe": 8}, ("RTX 3060 Ti", "RTX3060Ti", "3060 Ti")),
    # AMD Instinct.
    _gpu("MI300X", _AMD, "CDNA 3", {"OAM": 192}, ("MI300", "Instinct MI300X", "AMD MI300X")),
    _gpu("MI325X", _AMD, "CDNA 3", {"OAM": 256}, ("MI325", "Instinct MI325X")),
    _gpu("MI355X", _AMD, "CDNA 4", {"OAM": 288}, ("MI355", "Instinct MI355X")),
    _gpu("MI250X", _AMD, "CDNA 2", {"OAM": 128}, ("MI250", "Instinct MI250X")),
)

GPUS: dict[str, GpuModel] = {m.family: m for m in _MODELS}


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


# Spelled-out form factors -> variant. HGX boards and GCP's "MEGA" (a3-megagpu) machines are SXM.
_FORM_FACTORS: dict[str, str] = {
    "SXM": "SXM",
    "SXM2": "SXM",
    "SXM3": "SXM",
    "SXM4": "SXM",
    "SXM5": "SXM",
    "SXM6": "SXM",
    "HGX": "SXM",
    "MEGA": "SXM",
    "PCIE": "PCIe",
    "PCI": "PCIe",
    "NVL": "NVL",
    "OAM": "OAM",
}
# When a name carries several (cudo's "h100-nvl-pcie"), the more specific one wins: NVL is a PCIe card.
_VARIANT_PRIORITY = ("NVL", "SXM", "OAM", "Superchip", "PCIe")

# Words that say nothing about which chip it is.
_NOISE_TOKENS = frozenset(
    {
        "NVIDIA",
        "GEFORCE",
        "TESLA",
        "QUADRO",
        "AMD",
        "INSTINCT",
        "RADEON",
        "GPU",
        "GPUS",
        "CARD",
        "HBM2",
        "HBM2E",
        "HBM3",
        "HBM3E",
        "GDDR6",
        "GDDR6X",
        "GDDR7",
    }
)

_SPLIT = re.compile(r"[\s\-_/.,:;()+]+")
_MEMORY_TOKEN = re.compile(r"([1-9]\d*(?:\.\d+)?)(?:GIB|GB|G)")
_LEADING_COUNT = re.compile(r"^\d+X(?=[A-Z])")
_COUNT_TOKEN = re.compile(r"\d+X|X\d+")
# What may trail a family name once everything is squeezed together ("A10080GBSXM4", "H100NVL",
# "RTXPRO6000BLACKWELL", "RTX6000ADAGENERATION", "H100X8"). Longer alternatives come first.
_QUALIFIER = re.compile(
    r"(?P<mem>[1-9]\d*(?:\.\d+)?)(?:GIB|GB|G)"
    r"|(?P<form>SXM\d?|PCIE|PCI|NVL|MEGA|HGX|OAM)"
    r"|(?P<count>X\d+)"
    r"|(?P<noise>HBM\dE?|BLACKWELL|HOPPER|GENERATION|GEN|EDITION|SERVER|WORKSTATION|MAXQ|SFF)"
)


@dataclass(frozen=True)
class _Parsed:
    family: str
    variant: str | None
    memory_gb: float | None  # as written, not yet checked against the family


def _pick_variant(found: Iterable[str]) -> str | None:
    seen = set(found)
    return next((v for v in _VARIANT_PRIORITY if v in seen), None)


def _parse_qualifiers(rest: str) -> tuple[list[str], float | None] | None:
    forms: list[str] = []
    memory: float | None = None
    pos = 0
    while pos < len(rest):
        m = _QUALIFIER.match(rest, pos)
        if m is None:
            # A lone trailing "S" is a plural ("H100s"); real S models (L40S) are aliases and match first.
            return (forms, memory) if rest[pos:] == "S" else None
        if m.group("mem") and memory is None:
            memory = float(m.group("mem"))
        if m.group("form"):
            forms.append(_FORM_FACTORS[m.group("form")])
        pos = m.end()
    return forms, memory


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for model in _MODELS:
        for alias in (model.family, *model.aliases):
            key = _compact(alias)
            if index.setdefault(key, model.family) != model.family:
                raise ValueError(f"GPU alias {alias!r} names both {index[key]} and {model.family}")
    # An alias that is another alias plus qualifiers ("H100 NVL", "A100 80GB") is left to the
    # qualifier parser, so that its variant and memory are read rather than swallowed.
    return {
        key: family
        for key, family in index.items()
        if not any(
            index.get(key[:end]) == family and _parse_qualifiers(key[end:]) is not None
            for end in range(1, len(key))
        )
    }


_ALIAS_INDEX = _build_alias_index()


def _parse(text: str) -> _Parsed | None:
    forms: list[str] = []
    memory: float | None = None
    kept: list[str] = []
    for raw in _SPLIT.split(text.upper()):
        token = _LEADING_COUNT.sub("", raw)
        if not token or token in _NOISE_TOKENS or _COUNT_TOKEN.fullmatch(token):
            continue
        mem = _MEMORY_TOKEN.fullmatch(token)
        if mem:
            memory = memory if memory is not None else float(mem.group(1))
            continue
        if token in _FORM_FACTORS:
            forms.append(_FORM_FACTORS[token])
            continue
        kept.append(token)
    compact = "".join(kept)
    # Longest alias first, so "A100" beats "A10", "L40S" beats "L40" and "RTX6000ADA" beats "RTX6000".
    for end in range(len(compact), 0, -1):
        family = _ALIAS_INDEX.get(compact[:end])
        if family is None:
            continue
        qualifiers = _parse_qualifiers(compact[end:])
        if qualifiers is None:
            continue
        more_forms, more_memory = qualifiers
        return _Parsed(
            family=family,
            variant=_pick_variant([*forms, *more_forms]),
            memory_gb=memory if memory is not None else more_memory,
        )
    return None


def _snap_memory(model: GpuModel, gb: float | None) -> float | None:
    """The family's nominal size that ``gb`` stands for, or None when it fits none of them."""
    if gb is None or gb <= 0:
        return None
    nearest = min(model.known_memory_gb(), key=lambda size: abs(size - gb) / size)
    return nearest if abs(nearest - gb) / nearest <= _MEMORY_TOLERANCE else None


def _valid_variant(model: GpuModel, variant: str | None) -> str | None:
    return variant if variant is not None and variant in model.memory_gb else None


def _variant_from_memory(model: GpuModel, memory: float | None) -> str | None:
    """A variant only when the memory size belongs to exactly one of several (H100 94GB is the NVL)."""
    if memory is None or len(model.memory_gb) < 2:
        return None
    matches = [v for v, size in model.memory_gb.items() if size == memory]
    return matches[0] if len(matches) == 1 else None


def resolve_gpu(text: str) -> ResolvedGpu | None:
    """Resolve what a user typed ("4090", "h100 sxm", "A100 80GB", "RTX 6000 Ada") to a GPU.

    Memory is returned only when the text states a size the family is sold in; the variant only when
    the text names a form factor (or a size that only one form factor has). None when it is not a GPU.
    """
    parsed = _parse(text)
    if parsed is None:
        return None
    model = GPUS[parsed.family]
    memory = _snap_memory(model, parsed.memory_gb)
    variant = _valid_variant(model, parsed.variant) or _variant_from_memory(model, memory)
    return ResolvedGpu(parsed.family, variant, memory)


# Instance-type families whose GPUs are known to be SXM boards although the name does not say so.
_SXM_INSTANCE_TYPES = re.compile(
    r"^(?:p4d|p4de|p5|p5e|p5en|p6-b200)\."  # AWS HGX machines
    r"|^a[234]-(?:high|mega|ultra|edge)gpu"  # GCP A2/A3/A4
    r"|^bm\.gpu(?:4\.8|\.a100|\.h100|\.h200|\.b200)"  # OCI 8-GPU bare metal
)
_HINT_VARIANTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("NVL", re.compile(r"(?<![a-z])nvl(?![a-z])")),
    # "nvlink" alone is not enough: aggregators use it both for HGX boards and for PCIe cards with a bridge.
    ("SXM", re.compile(r"(?<![a-z])(?:sxm|hgx|mega(?:gpu)?)(?![a-z])")),
    ("PCIe", re.compile(r"(?<![a-z])pcie?(?![a-z])")),
)
# "2x-H100_SXM-..." / "gpu_8x_a100" / "runpod__2xA100_80GB": a GPU count; "p3.8xlarge" is not one.
_HINT_COUNT = re.compile(r"(?<![a-z0-9.])(\d{1,2})x(?!l)(?=[-_a-z])")


def _hint_variant(model: GpuModel, hint: str) -> str | None:
    lowered = hint.lower()
    found = [variant for variant, pattern in _HINT_VARIANTS if pattern.search(lowered)]
    if any(_SXM_INSTANCE_TYPES.search(part) for part in lowered.split()):
        found.append("SXM")
    return _valid_variant(model, _pick_variant(found))


def _hint_memory(model: GpuModel, hint: str) -> float | None:
    """A size written right after the family in the hint ("h100-80gb.sxm", "A100-SXM4-80GB").

    Only sizes next to the family count: hints also carry host memory ("..._1gpu-16vcpu-200gb").
    """
    lowered = hint.lower()
    for alias in sorted({model.family, *model.aliases}):
        parts = [re.escape(p) for p in re.split(r"[^a-z0-9]+", alias.lower()) if p]
        if not parts:
            continue
        pattern = (
            r"(?<![a-z0-9])(?:\d+x)?"
            + r"[-_ ]?".join(parts)
            + r"(?:x\d+)?(?:[-_ .]?(?:sxm\d?|pcie|pci|nvl|nvlink))?[-_ .]?(\d{1,3})\s?g(?:i?b)?(?![a-z0-9])"
        )
        for match in re.finditer(pattern, lowered):
            snapped = _snap_memory(model, float(match.group(1)))
            if snapped is not None:
                return snapped
    return None


def _data_memory(model: GpuModel, memory_mib: float | None, hint: str) -> float | None:
    """Per-GPU memory from a provider's GpuInfo figure, when it is believable for the family.

    Some catalogs (vast, primeintellect) state the whole instance's memory; their instance types
    name the GPU count, so the figure is also tried divided by it. When both readings fit the family
    (2x A100: 80GB each, or 2x 40GB?) the figure cannot tell and is not used.
    """
    if memory_mib is None or memory_mib <= 0:
        return None
    as_stated = _snap_memory(model, memory_mib / 1024)
    count_match = _HINT_COUNT.search(hint.lower())
    count = int(count_match.group(1)) if count_match else 1
    if count <= 1:
        return as_stated
    per_gpu = _snap_memory(model, memory_mib / 1024 / count)
    if as_stated is not None and per_gpu is not None:
        return None
    return as_stated if as_stated is not None else per_gpu


# SkyPilot catalogs name the 80GB A100 "A100-80GB"; a bare "A100" there is the 40GB part.
_BARE_CATALOG_NAME_MEMORY_GB: dict[str, float] = {"A100": 40.0}


def normalize_accelerator(name: str, memory_mib: float | None = None, hint: str = "") -> ResolvedGpu | None:
    """Resolve a provider's AcceleratorName with its GpuInfo memory (MiB per GPU) and an instance-type hint.

    Memory is taken, in order, from the name ("A100-80GB"), a size written next to the family in the
    hint, the GpuInfo figure when it is believable for the family (it is sometimes host memory, or a
    whole-instance total), the catalog convention for bare names, the variant, and finally the family
    default, so the result always carries a memory. The variant comes from the name, then the hint
    ("h100-80gb.sxm.8x", "epyc-genoa-h100-nvl-pcie_1x2v4gb", "NVIDIA A100-SXM4-80GB"), then memory
    that only one form factor has. None for an accelerator this module does not know.
    """
    parsed = _parse(name)
    if parsed is None:
        return None
    model = GPUS[parsed.family]
    variant = _valid_variant(model, parsed.variant) or _hint_variant(model, hint)
    named_memory = _snap_memory(model, parsed.memory_gb)
    memory = (
        named_memory
        or _hint_memory(model, hint)
        or _data_memory(model, memory_mib, hint)
        or _BARE_CATALOG_NAME_MEMORY_GB.get(_compact(name))
        or (model.memory_gb[variant] if variant else None)
        or model.default_memory_gb
    )
    variant = variant or _variant_from_memory(model, memory)
    return ResolvedGpu(parsed.family, variant, memory)


def suggest_gpus(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` canonical families closest to ``text`` ("H10O" -> H100), for "did you mean" messages."""
    if n <= 0:
        return []
    suggestions: list[str] = []
    # The commonest typo is a letter O for a zero next to digits ("H10O", "A1OO").
    deoed = text
    while (fixed := re.sub(r"(?<=\d)[Oo]|[Oo](?=\d)", "0", deoed)) != deoed:
        deoed = fixed
    for candidate in (text, deoed):
        resolved = resolve_gpu(candidate)
        if resolved is not None and resolved.family not in suggestions:
            suggestions.append(resolved.family)
    query = _compact(text)
    if query:
        for key in difflib.get_close_matches(query, list(_ALIAS_INDEX), n=n * 4, cutoff=0.5):
            family = _ALIAS_INDEX[key]
            if family not in suggestions:
                suggestions.append(family)
    return suggestions[:n]


def gpu_memory_gb(family: str, variant: str | None = None) -> float:
    """Per-GPU memory of a family (canonical name or anything :func:`resolve_gpu` understands) and variant.

    An unknown or absent variant gives the family default. Raises KeyError for an unknown family.
    """
    model = GPUS.get(family)
    if model is None:
        resolved = resolve_gpu(family)
        if resolved is None:
            raise KeyError(f"unknown GPU family: {family!r}")
        model = GPUS[resolved.family]
        variant = variant or resolved.variant
    if variant:
        for key, size in model.memory_gb.items():
            if key.lower() == variant.lower():
                return size
    return model.default_memory_gb


def history_model_to_gpu(gpu_model: str) -> ResolvedGpu:
    """Map a price-history ``gpu_model`` (``H100_SXM``, ``A100_PCIE_40GB``, ``RTX_PRO_6000``) to a GPU.

    Raises ValueError for a name that is not a known GPU.
    """
    resolved = normalize_accelerator(gpu_model.replace("_", " "))
    if resolved is None:
        raise ValueError(f"unknown price-history GPU model: {gpu_model!r}")
    return resolved
