"""Shared reading of SkyPilot-catalog-shaped rows (the bundled snapshot format).

Most providers' snapshots share these columns (in different orders): InstanceType, AcceleratorName,
AcceleratorCount, vCPUs, MemoryGiB, GpuInfo, Price, SpotPrice, Region, AvailabilityZone. Provider
modules subclass :class:`SkyPilotCsvAdapter` and override only what their catalog does differently.
"""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Iterable
from typing import Any

from catalog.adapters.base import (
    REJECTED,
    ProviderAdapter,
    RawOffer,
    RowError,
    optional_spot_price,
    parse_count,
    parse_decimal,
    parse_optional_float,
)


def gpu_info_memory_mib(raw: Any) -> float | None:
    """Per-GPU memory from a GpuInfo cell; None when absent, zero or not a structure at all."""
    return _gpu_info_memory_mib(str(raw or "").strip())


@functools.lru_cache(maxsize=8192)
def _gpu_info_memory_mib(text: str) -> float | None:
    # Memoized: the cells are Python-literal text, so json.loads fails and ast.literal_eval compiles
    # each one; a catalog repeats a few hundred distinct cells over all its rows.
    if not text.startswith("{"):
        return None
    try:
        info = json.loads(text)
    except ValueError:
        try:
            info = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return None
    if not isinstance(info, dict):
        return None
    lowered = {str(k).lower(): v for k, v in info.items()}
    gpus = lowered.get("gpus") or []
    if not gpus or not isinstance(gpus[0], dict):
        return None
    memory = {str(k).lower(): v for k, v in gpus[0].items()}.get("memoryinfo") or {}
    size = {str(k).lower(): v for k, v in memory.items()}.get("sizeinmib")
    try:
        value = float(size)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


class SkyPilotCsvAdapter(ProviderAdapter):
    def instance_type(self, row: dict[str, Any]) -> str:
        return str(row.get("InstanceType") or "").strip()

    def region_of(self, row: dict[str, Any]) -> str:
        return str(row.get("Region") or "").strip()

    def zone_of(self, row: dict[str, Any]) -> str | None:
        return str(row.get("AvailabilityZone") or "").strip() or None

    def hint(self, row: dict[str, Any]) -> str:
        return self.instance_type(row)

    def offer_name(self, row: dict[str, Any], gpu: str, count: int) -> str:
        return self.instance_type(row) or f"{count}x {gpu}"

    def extra_tags(self, row: dict[str, Any]) -> list[str]:
        return []

    def spot_price(self, row: dict[str, Any]) -> Any:
        return row.get("SpotPrice")

    def storage_gb(self, row: dict[str, Any]) -> float | None:
        return parse_optional_float(row.get("StorageGiB"))

    def external_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str:
        base = self.instance_type(row) or f"{gpu}x{count}"
        parts = [base, self.region_of(row) or "-", self.zone_of(row) or ""]
        ident = "/".join(p for p in parts if p)
        return ident + ("#spot" if spot else "")

    def regional_id(self, row: dict[str, Any], gpu: str, count: int, spot: bool) -> str | None:
        """The external id without the zone, for a row that names one (see RawOffer.regional_id). The
        region is read first: some catalogs (IBM) name it only through the zone."""
        if not self.zone_of(row):
            return None
        regional = {**row, "AvailabilityZone": "", "Region": self.region_of(row)}
        return self.external_id(regional, gpu, count, spot)

    def price_scope(self, row: dict[str, Any]) -> str:
        return "machine"

    def parse_row(self, row: dict[str, Any]) -> Iterable[RawOffer]:
        if REJECTED in row:
            raise RowError(str(row[REJECTED]))
        gpu = str(row.get("AcceleratorName") or "").strip()
        if not gpu:
            raise RowError("missing accelerator name")
        count = parse_count(row.get("AcceleratorCount"))
        spot_price = optional_spot_price(self.spot_price(row))
        # A row with only a spot price is a spot offer (AWS lists p5e.48xlarge spot in regions where it
        # sells no on-demand capacity); a row with neither price is no offer.
        price = (
            parse_decimal(row.get("Price"), "price") if spot_price is None or _has(row.get("Price")) else None
        )
        common: dict[str, Any] = {
            "name": self.offer_name(row, gpu, count),
            "gpu_type": gpu,
            "gpu_count": count,
            "region": self.region_of(row),
            "zone": self.zone_of(row),
            "gpu_memory_mib": gpu_info_memory_mib(row.get("GpuInfo")),
            "vcpu": parse_optional_float(row.get("vCPUs")),
            "memory_gb": parse_optional_float(row.get("MemoryGiB")),
            "storage_gb": self.storage_gb(row),
            "hint": self.hint(row),
            "price_scope": self.price_scope(row),
            "currency": self.currency,
        }
        tags = [self.kind, *self.extra_tags(row)]
        offers = []
        if price is not None:
            offers.append(
                RawOffer(
                    external_id=self.external_id(row, gpu, count, spot=False),
                    regional_id=self.regional_id(row, gpu, count, spot=False),
                    price_per_hour=price,
                    tags=[*tags, "on-demand"],
                    **common,
                )
            )
        if spot_price is not None:
            offers.append(
                RawOffer(
                    external_id=self.external_id(row, gpu, count, spot=True),
                    regional_id=self.regional_id(row, gpu, count, spot=True),
                    price_per_hour=spot_price,
                    spot=True,
                    tags=[*tags, "spot"],
                    **common,
                )
            )
        return offers


def _has(value: Any) -> bool:
    return bool(str(value if value is not None else "").strip())
