"""Alternatives to the shipped forecaster, scored on the same backtest windows (not product code).

Prints, for on-demand markets, the mean MAPE of:

- ``engine``: the product's method (model choice by inner backtest, as ``gpubroker forecast-validate``);
- each cheap candidate model on its own (regime medians, 7-day median, smoothing, damped trend);
- ``composition``: a model of how the index is built. The daily index is the median over that day's
  rows (provider x gpu_count x region), and which rows appear changes from day to day. This model
  prices every row key at the median of its last three observations and replays the row sets of the
  last 28 days (half-life 14 days) against those prices; the forecast is the 1/price-weighted median
  of the replayed indices, the constant that minimises expected percentage error;
- ``combo``: the median of engine, composition and the 1/price-weighted 28-day regime median;
- ``floor``: the best constant chosen with hindsight for each window.

Two window sets: ``validation`` (the origins of ``gpubroker forecast-validate``: 30-day horizons,
every 7 days back from the last full horizon) and ``late`` (origins every 4 days from 2026-05-29, after
the collector switch, with whatever horizon is left, at least 5 observed days), which look most like
forecasting from the end of the file.

    python -m bench.forecast_alternatives [--history PATH]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from catalog.forecast.data import (
    as_float_array,
    breaks_from_counts,
    list_markets,
    load_history,
    market_series,
    source_counts,
)
from catalog.forecast.engine import DEFAULT_CONFIG, build_history
from catalog.forecast.models import weighted_median
from catalog.forecast.validation import _forecast_before, origins_for

DEFAULT_HISTORY = (
    Path(__file__).resolve().parent.parent / "catalog/snapshots/price_history/gpu_observations_daily.csv"
)


def composition_forecast(panel: np.ndarray, start: int, n: int, window: int = 28, last_k: int = 3) -> float:
    """Replay recent row sets against each row key's current price; see the module docstring."""
    seen = panel[:n]
    current = np.full(panel.shape[1], np.nan)
    for j in range(panel.shape[1]):
        observed = seen[:, j][~np.isnan(seen[:, j])]
        if observed.size:
            current[j] = float(np.median(observed[-last_k:]))
    samples, weights = [], []
    for day in range(max(start, n - window), n):
        present = ~np.isnan(seen[day])
        if present.any():
            samples.append(float(np.median(current[present])))
            weights.append(0.5 ** ((n - 1 - day) / 14.0))
    if not samples:
        observed = seen[~np.isnan(seen)]
        return float(observed[-1])
    values = np.array(samples)
    return weighted_median(values, np.array(weights) / values)


def _score(
    history: pd.DataFrame, origins_of: Callable[[pd.DatetimeIndex, np.ndarray], list[int]]
) -> pd.DataFrame:
    frame = history.copy()
    for column in ("gpu_count", "region"):
        if column not in frame.columns:
            frame[column] = ""
    frame["key"] = (
        frame["provider"].astype(str)
        + "|"
        + frame["gpu_count"].astype(str)
        + "|"
        + frame["region"].astype(str)
    )
    per_market: dict[str, list[dict[str, float]]] = {}
    for market in list_markets(frame):
        if market.rental_type != "on_demand":
            continue
        rows = frame[(frame["gpu_model"] == market.gpu_model) & (frame["rental_type"] == "on_demand")]
        series = market_series(frame, market.gpu_model, "on_demand")
        values, days = as_float_array(series), series.index
        panel = (
            rows.pivot_table(index="date", columns="key", values="price_median_usd", aggfunc="median")
            .reindex(days)
            .to_numpy()
        )
        counts = source_counts(rows)
        for origin in origins_of(days, values):
            actual = values[origin : origin + 30]
            mask = ~np.isnan(actual)
            if mask.sum() < 5:
                continue
            a = actual[mask]
            day = days[origin]
            breaks = [(b - days[0]).days for b in breaks_from_counts(counts[counts.index < day])]
            engine = _forecast_before(values[:origin], counts, days[0], day, 30, DEFAULT_CONFIG)
            hist = build_history(values[:origin], breaks)
            forecasts: dict[str, np.ndarray | float] = {"engine": engine.value[: actual.size][mask]}
            for model in DEFAULT_CONFIG.candidates:
                if not model.expensive:
                    forecasts[model.name] = model.predict(hist, actual.size)[mask]
            forecasts["composition"] = composition_forecast(panel, max([0, *breaks]), origin)
            stack = [
                np.broadcast_to(forecasts[k], a.shape)
                for k in ("engine", "composition", "regime_wmedian_28d")
            ]
            forecasts["combo"] = np.median(np.vstack(stack), axis=0)
            forecasts["floor"] = weighted_median(a, 1.0 / a)
            per_market.setdefault(market.gpu_model, []).append(
                {name: float(np.mean(np.abs(a - f) / a)) for name, f in forecasts.items()}
            )
    return pd.DataFrame({m: pd.DataFrame(rows).mean() for m, rows in per_market.items()}).T


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    args = parser.parse_args()
    history = load_history(args.history)
    late_start = pd.Timestamp("2026-05-29")

    def validation(days: pd.DatetimeIndex, values: np.ndarray) -> list[int]:
        return origins_for(values, 30)

    def late(days: pd.DatetimeIndex, values: np.ndarray) -> list[int]:
        observed_before = np.concatenate([[0], np.cumsum(~np.isnan(values))])
        return [
            i
            for i in range(len(days) - 7)
            if days[i] >= late_start and (days[i] - late_start).days % 4 == 0 and observed_before[i] >= 14
        ]

    for label, origins in (("validation windows", validation), ("late windows (from 2026-05-29)", late)):
        table = _score(history, origins)
        print(f"== {label}: on-demand MAPE % per market, then the mean over markets")
        print((100 * table).round(1).to_string())
        print("mean  " + "  ".join(f"{k} {100 * v:.2f}" for k, v in table.mean().items()))
        print()


if __name__ == "__main__":
    main()
