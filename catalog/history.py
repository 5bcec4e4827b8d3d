"""Loading the bundled daily price observations into PriceHistory.

The observations (catalog/snapshots/price_history/gpu_observations_daily.csv, see its SOURCES.md) are
per GPU-hour market rows of 43 providers; they sit next to the per-offer history that syncs write,
told apart by ``offer_id IS NULL`` and a source starting with ``observations:``.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.gpus import history_model_to_gpu

# Each row keeps where the collector read it ("observations:<source_url>"): the forecaster needs
# to see the day the sources changed (2026-05-08).
OBSERVATIONS_PREFIX = "observations:"
DATASET = "cherielilili/gpu-pricing-tracker@04891eb"
REQUIRED = ("date", "provider", "gpu_model", "gpu_count", "region", "rental_type", "price_median_usd")


def read_observations(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        rows = []
        for r in reader:
            gpu = history_model_to_gpu(r["gpu_model"])
            count = int(float(r["gpu_count"] or 1))
            median = Decimal(r["price_median_usd"])
            rows.append(
                {
                    "offer_id": None,
                    "provider": r["provider"][:40],
                    "gpu_family": gpu.family,
                    "gpu_variant": gpu.variant,
                    "gpu_count": count,
                    "market": r["gpu_model"][:40],
                    "region": r["region"] or None,
                    "spot": r["rental_type"] == "spot",
                    "price_per_hour": median * count,
                    "price_per_gpu_hour": median,
                    "price_min_per_gpu_hour": Decimal(r["price_min_usd"]) if r.get("price_min_usd") else None,
                    "price_max_per_gpu_hour": Decimal(r["price_max_usd"]) if r.get("price_max_usd") else None,
                    "n_offers": int(r["n_offers"]) if r.get("n_offers") else None,
                    "currency": "USD",
                    "observed_at": datetime.fromisoformat(r["date"]).replace(tzinfo=UTC),
                    "source": (OBSERVATIONS_PREFIX + (r.get("source_url") or DATASET))[:200],
                }
            )
    return rows


def load_observations(session: Session, path: Path, *, replace: bool = False) -> int:
    """Insert the observations once; returns the rows inserted (0 when already loaded)."""
    # Rows loaded before the market column existed (migration 0003) are loaded again.
    if repo.count_market_rows(session) and not replace and not repo.count_market_rows_without_market(session):
        return 0
    repo.delete_market_rows(session, OBSERVATIONS_PREFIX)
    rows = read_observations(path)
    for i in range(0, len(rows), 5000):
        repo.insert_history(session, rows[i : i + 5000])
    return len(rows)
