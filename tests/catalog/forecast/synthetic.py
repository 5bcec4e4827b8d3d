"""A small synthetic price-history table with the awkward cases, for the forecasting tests.

The file has the same twelve columns as the bundled ``gpu_observations_daily.csv`` and holds five
markets: one with a level shift that coincides with a change of data source, a flat one, one that
only has a few days, one with a three-day gap and outlier days, and a spot market.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from catalog.forecast.data import ALL_COLUMNS

START = pd.Timestamp("2026-03-01")
AGGREGATOR = "https://getdeploying.com"
DIRECT = "https://console.vast.ai/api/v0/bundles/"


def _row(
    day: pd.Timestamp, gpu: str, rental: str, price: float, provider: str, source: str
) -> dict[str, object]:
    return {
        "date": day.strftime("%Y-%m-%d"),
        "provider": provider,
        "gpu_model": gpu,
        "gpu_count": 1,
        "region": "global",
        "rental_type": rental,
        "price_min_usd": round(price * 0.95, 4),
        "price_median_usd": round(price, 4),
        "price_max_usd": round(price * 1.05, 4),
        "n_offers": 5,
        "source_url": source,
        "fetched_at": f"{day.strftime('%Y-%m-%d')}T21:00:00+00:00",
    }


def synthetic_history() -> pd.DataFrame:
    """Deterministic rows for the five test markets (see the module docstring)."""
    rng = np.random.default_rng(7)
    rows: list[dict[str, object]] = []
    for i in range(70):
        day = START + pd.Timedelta(days=i)
        # H100_SXM: 3.00 from an aggregator, then 2.40 from a direct scraper from day 45 on.
        shifted = i >= 45
        for provider in ("alpha", "beta", "gamma"):
            base = 2.40 if shifted else 3.00
            price = base * (1 + rng.normal(0, 0.01))
            rows.append(
                _row(day, "H100_SXM", "on_demand", price, provider, DIRECT if shifted else AGGREGATOR)
            )
        # B300: the same price every day.
        rows.append(_row(day, "B300", "on_demand", 7.39, "lambda", AGGREGATOR))
        # L40S: slow sine wobble, a three-day gap and two outlier days.
        if i not in (30, 31, 32):
            price = 0.90 + 0.03 * math.sin(i / 5.0)
            if i in (10, 50):
                price *= 4.0
            rows.append(_row(day, "L40S", "on_demand", price, "runpod", AGGREGATOR))
        # H100_SXM spot: noisy marketplace prices.
        rows.append(_row(day, "H100_SXM", "spot", 1.80 * (1 + rng.normal(0, 0.05)), "vast.ai", AGGREGATOR))
    # GB200: a market that only appears for the last four days.
    for i in range(66, 70):
        rows.append(_row(START + pd.Timedelta(days=i), "GB200", "on_demand", 4.29, "crusoe", DIRECT))
    return pd.DataFrame(rows, columns=list(ALL_COLUMNS))
