"""Benchmark of the price forecaster: time per market and for the whole bundled history file.

Run ``python bench/bench_forecast.py [path/to/history.csv] [--horizon 30] [--repeat 1]``. For every
market it times one full forecast of the raw daily median (cleaning, model choice by inner backtest,
Prophet where it is tried, intervals) and one of its market index (building the chained index from the
rows, then its forecast), prints the p50/p95/max per market, the slowest markets, and the wall time
of ``forecast_command`` on the whole file, which includes reading the CSV and both forecasts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.forecast import forecast_command, forecast_series, load_history, market_series
from catalog.forecast.data import list_markets, source_breaks
from catalog.forecast.index import forecast_index, market_index

DEFAULT_PATH = (
    Path(__file__).resolve().parents[1]
    / "catalog"
    / "snapshots"
    / "price_history"
    / "gpu_observations_daily.csv"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--horizon", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="runs of forecast_command to time")
    args = parser.parse_args()

    # Import Prophet up front so its one-off import cost is reported apart from the per-market times.
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)  # "plotly missing" notice
    started = time.perf_counter()
    import prophet  # noqa: F401

    print(f"prophet import: {time.perf_counter() - started:.2f} s")
    df = load_history(args.path)
    timings: list[tuple[float, str, str]] = []
    index_timings: list[tuple[float, str, str]] = []
    for market in list_markets(df):
        series = market_series(df, market.gpu_model, market.rental_type)
        breaks = source_breaks(df, market.gpu_model, market.rental_type)
        name = f"{market.gpu_model}/{market.rental_type}"
        started = time.perf_counter()
        result = forecast_series(series, args.horizon, breaks=breaks)
        timings.append((time.perf_counter() - started, name, result.model))
        started = time.perf_counter()
        index = forecast_index(market_index(df, market.gpu_model, market.rental_type), args.horizon)
        index_timings.append((time.perf_counter() - started, name, index.model))
    print(f"markets: {len(timings)}, horizon {args.horizon} days, cpus: {os.cpu_count()}")
    for label, rows in (
        ("raw market fit+predict", timings),
        ("market index build+fit+predict", index_timings),
    ):
        seconds = np.array([t for t, _, _ in rows])
        print(
            f"per market {label}: p50 {1000 * np.percentile(seconds, 50):.0f} ms, "
            f"p95 {1000 * np.percentile(seconds, 95):.0f} ms, max {1000 * seconds.max():.0f} ms, "
            f"sum {seconds.sum():.2f} s"
        )
        for elapsed, name, model in sorted(rows, reverse=True)[:3]:
            print(f"  slowest: {name:<28} {1000 * elapsed:6.0f} ms  ({model})")
    runs = []
    for _ in range(max(args.repeat, 1)):
        started = time.perf_counter()
        out = forecast_command(args.path, args.horizon)
        runs.append(time.perf_counter() - started)
    print(
        f"forecast_command, all {len(out['markets'])} markets incl. CSV load: "
        + ", ".join(f"{r:.2f} s" for r in runs)
    )


if __name__ == "__main__":
    main()
