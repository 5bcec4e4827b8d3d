"""The chained matched-panel market index: composition changes move nothing, price changes do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from catalog.forecast import load_history, market_series
from catalog.forecast.index import conservative_median, forecast_index, index_from_rows, market_index


def _rows(prices: dict[str, list[float | None]], gpu_count: int = 1) -> pd.DataFrame:
    """One row per (day, seller) from per-seller price lists (None: the seller was not collected)."""
    days = pd.date_range("2026-05-01", periods=len(next(iter(prices.values()))), freq="D")
    records = [
        {
            "date": day,
            "provider": seller,
            "gpu_model": "RTX_4090",
            "gpu_count": gpu_count,
            "region": "US",
            "rental_type": "on_demand",
            "price_median_usd": price,
        }
        for seller, series in prices.items()
        for day, price in zip(days, series, strict=True)
        if price is not None
    ]
    return pd.DataFrame(records)


def test_a_seller_missing_for_a_day_moves_the_raw_median_but_not_the_index() -> None:
    rows = _rows({"cheap-a": [0.40, None, 0.40], "cheap-b": [0.40, None, 0.40], "dear": [2.00, 2.00, 2.00]})
    raw = rows.groupby("date")["price_median_usd"].median().tolist()
    assert raw == [0.40, 2.00, 0.40]
    index = index_from_rows(rows)
    assert index.values.tolist() == [1.0, 1.0, 1.0]
    assert index.matched.tolist() == [0, 1, 1]


def test_a_price_change_of_most_sellers_moves_the_index() -> None:
    rows = _rows({"a": [1.0, 0.9, 0.9], "b": [2.0, 1.8, 1.8], "c": [3.0, 3.0, 2.7]})
    assert index_from_rows(rows).values.round(6).tolist() == [1.0, 0.9, 0.9]


def test_the_index_moves_only_when_more_than_half_of_the_matched_sellers_move() -> None:
    assert conservative_median(np.log([2.0, 2.0, 2.0, 1.0, 1.0, 1.0])) == 0.0
    assert conservative_median(np.log([2.0, 2.0, 2.0, 2.0, 1.0, 1.0])) == pytest.approx(np.log(2.0))
    assert conservative_median(np.log([0.5, 0.5, 0.5, 0.8, 1.0])) == pytest.approx(np.log(0.5))


def test_a_change_from_instance_to_gpu_prices_is_not_a_price_move() -> None:
    # The aggregator quoted 8-GPU machines per instance until 2026-02-19, then per GPU.
    rows = _rows({"a": [15.92, 1.99, 1.99], "b": [27.60, 3.45, 3.45]}, gpu_count=8)
    assert index_from_rows(rows).values.tolist() == [1.0, 1.0, 1.0]


def test_rtx_4090_late_may_spike_is_composition(bundled_history_path: Path) -> None:
    """The issue's example: the raw median nearly triples when only a handful of rows come in."""
    history = load_history(bundled_history_path)
    raw = market_series(history, "RTX_4090", "on_demand")
    index = market_index(history, "RTX_4090", "on_demand").values
    before, spike = pd.Timestamp("2026-05-26"), pd.Timestamp("2026-05-29")
    assert raw[spike] / raw[before] > 2.5
    assert index[spike] / index[before] < 1.15


def test_a_steady_decline_is_forecast_down_and_a_flat_index_flat() -> None:
    days = 80
    falling = _rows({s: [p * 0.99**i for i in range(days)] for s, p in (("a", 1.0), ("b", 1.2), ("c", 1.4))})
    down = forecast_index(index_from_rows(falling))
    assert down.model.startswith("index_drift")
    assert down.trend["direction"] == "down"
    assert down.trend["low80_pct"] <= down.trend["change_pct_30d"] <= -2.0
    assert down.trend["past_change_pct_30d"] == pytest.approx(100 * (0.99**30 - 1), abs=0.01)
    flat = forecast_index(index_from_rows(_rows({"a": [1.0] * days, "b": [2.0] * days})))
    assert flat.model == "last_value"
    assert flat.trend["direction"] == "flat" and flat.trend["change_pct_30d"] == 0.0
    assert flat.trend["low80_pct"] < 0.0 < flat.trend["high80_pct"]
    assert [p["value"] for p in flat.points] == [1.0] * 30
    assert flat.trend["history_end"] == "2026-07-19"
