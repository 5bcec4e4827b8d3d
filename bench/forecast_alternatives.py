"""What the forecaster's parts are worth, on the data that describes today (not product code).

Prints, for on-demand markets, mean MAPE per market and then averaged over markets:

1. ``current regime``: the origins of ``gpubroker forecast-validate``'s current-regime backtest (every
   day from a week after the last source break, horizons 7, 14 and 30). Columns: ``engine`` (the
   product: model chosen per market on the current regime), each cheap candidate on its own (the
   recency-weighted median default among them), the last value, the 7-day median and the floor. The
   engine column minus the default's column is what model choice adds.
2. ``model choice``: the engine's mean MAPE on the same windows when the choice may use windows that look
   at least 1, 14, 21 (the product) or 28 days ahead.
3. ``market index``: forecasts of the chained market index on the same origins, held flat (the default)
   or extending its drift, scored against the index itself.
4. ``cut file``: the bundled file cut the way its withheld part was made (SOURCES.md: each GPU model's
   rows up to ``start + floor(f * (end - start))`` days), for several fractions ``f``; the fixed
   ``forecast_command`` forecasts from the cut and is scored on the rows after it, next to the last
   value and the 7-day median of the cut. One origin per market per fraction, so each line is noisy;
   their mean is the figure to read.

    python -m bench.forecast_alternatives [--history PATH] [--fractions 0.7,0.75,0.8,0.85,0.9,0.95]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from catalog.forecast import forecast_command, load_history
from catalog.forecast.data import Market, as_float_array, breaks_from_counts, list_markets
from catalog.forecast.engine import DEFAULT_CONFIG, EngineConfig, build_history, forecast_array
from catalog.forecast.index import INDEX_CONFIG, IndexDrift, market_index
from catalog.forecast.models import History, LastValue, TrailingMedian, weighted_median
from catalog.forecast.validation import (
    REGIME_HORIZONS,
    REGIME_MIN_DAYS,
    _forecast_before,
    _market_data,
    regime_backtest_market,
    regime_start,
)

DEFAULT_HISTORY = (
    Path(__file__).resolve().parent.parent / "catalog/snapshots/price_history/gpu_observations_daily.csv"
)


def _mape(actual: np.ndarray, predicted: np.ndarray | float) -> float:
    return float(np.mean(np.abs(actual - predicted) / actual))


def current_regime(history: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Per horizon: a table of mean MAPE per on-demand market and method."""
    cheap = [m for m in DEFAULT_CONFIG.candidates if not m.expensive]
    out: dict[int, dict[str, dict[str, list[float]]]] = {h: {} for h in REGIME_HORIZONS}
    for market in list_markets(history):
        if market.rental_type != "on_demand":
            continue
        series, values, counts = _market_data(history, Market(market.gpu_model, "on_demand"))
        start = regime_start(series, counts)
        for origin in range(start + REGIME_MIN_DAYS, values.size - min(REGIME_HORIZONS) + 1):
            train = values[:origin]
            day = series.index[origin]
            engine = _forecast_before(train, counts, series.index[0], day, 30, DEFAULT_CONFIG)
            # The cheap models see what the engine sees: the source breaks known before the origin.
            known = [(b - series.index[0]).days for b in breaks_from_counts(counts[counts.index < day])]
            fitted = build_history(train, known)
            plain = History(raw=train, clean=train, start=0)
            paths = {"engine": engine.value}
            paths.update({m.name: m.predict(fitted, 30) for m in cheap})
            paths["last value"] = LastValue().predict(plain, 30)
            paths["7-day median"] = TrailingMedian(7).predict(plain, 30)
            for h in REGIME_HORIZONS:
                actual = values[origin : origin + h]
                if origin + h > values.size or np.all(np.isnan(actual)):
                    continue
                seen = ~np.isnan(actual)
                a = actual[seen]
                row = out[h].setdefault(market.gpu_model, {})
                for name, path in paths.items():
                    row.setdefault(name, []).append(_mape(a, path[:h][seen]))
                row.setdefault("floor", []).append(_mape(a, weighted_median(a, 1.0 / a)))
    return {
        h: pd.DataFrame({m: {k: float(np.mean(v)) for k, v in cols.items()} for m, cols in rows.items()}).T
        for h, rows in out.items()
    }


def choice_variants(history: pd.DataFrame) -> pd.DataFrame:
    """The engine's on-demand mean MAPE per horizon when model choice uses shorter or longer windows."""
    markets = [m for m in list_markets(history) if m.rental_type == "on_demand"]
    rows = {}
    for days in (1, 14, 21, 28):
        config = EngineConfig(select_min_days=days)
        results = [regime_backtest_market(history, m, REGIME_HORIZONS, config) for m in markets]
        rows[f"choice on windows >= {days} days"] = {
            f"h={h}": float(
                np.mean([r["horizons"][h]["mape"] for r in results if r["horizons"][h]["windows"]])
            )
            for h in REGIME_HORIZONS
        }
    return pd.DataFrame(rows).T


def index_models(history: pd.DataFrame) -> pd.DataFrame:
    """Forecasts of the market index on the current-regime origins: flat, drift, and the engine's choice."""
    models = {
        "flat": None,
        "drift 28d (<= 14 days)": IndexDrift(28, 14),
        "drift 14d (<= 7 days)": IndexDrift(14, 7),
    }
    scores: dict[tuple[str, int], list[float]] = {}
    for market in list_markets(history):
        if market.rental_type != "on_demand":
            continue
        series, _, counts = _market_data(history, Market(market.gpu_model, "on_demand"))
        start = regime_start(series, counts)
        index = market_index(history, market.gpu_model, "on_demand").values.reindex(series.index)
        values = as_float_array(index)
        per: dict[tuple[str, int], list[float]] = {}
        for origin in range(start + REGIME_MIN_DAYS, values.size - min(REGIME_HORIZONS) + 1):
            train = values[:origin]
            observed = train[~np.isnan(train)]
            plain = History(raw=train, clean=train, start=0)
            paths = {
                name: np.full(30, observed[-1]) if model is None else model.predict(plain, 30)
                for name, model in models.items()
            }
            paths["engine (INDEX_CONFIG)"] = forecast_array(train, 30, (), INDEX_CONFIG).value
            for h in REGIME_HORIZONS:
                actual = values[origin : origin + h]
                if origin + h > values.size or np.all(np.isnan(actual)):
                    continue
                seen = ~np.isnan(actual)
                for name, path in paths.items():
                    per.setdefault((name, h), []).append(_mape(actual[seen], path[:h][seen]))
        for key, values_ in per.items():
            scores.setdefault(key, []).append(float(np.mean(values_)))
    table = pd.Series({k: float(np.mean(v)) for k, v in scores.items()}).unstack()
    table.columns = [f"h={h}" for h in table.columns]
    return table


def cut_file(path: Path, fraction: float) -> dict[str, float]:
    """The fixed command on the file cut at ``fraction`` of each GPU model's range, scored after it."""
    df = pd.read_csv(path)
    days = pd.to_datetime(df["date"])
    keep = pd.Series(False, index=df.index)
    for _, idx in df.groupby("gpu_model").groups.items():
        first, last = days[idx].min(), days[idx].max()
        cut = first + pd.Timedelta(days=math.floor(fraction * (last - first).days))
        keep[idx] = days[idx] <= cut
    train, test = df[keep], df[~keep]
    with tempfile.TemporaryDirectory() as tmp:
        cut_path = Path(tmp) / "cut.csv"
        train.to_csv(cut_path, index=False)
        result = forecast_command(cut_path, 30)
    scores: dict[str, list[float]] = {"engine": [], "last value": [], "7-day median": [], "coverage80": []}
    for market in result["markets"]:
        if market["rental_type"] != "on_demand":
            continue
        rows = test[(test["gpu_model"] == market["gpu_model"]) & (test["rental_type"] == "on_demand")]
        actual = rows.groupby("date")["price_median_usd"].median()
        past = train[(train["gpu_model"] == market["gpu_model"]) & (train["rental_type"] == "on_demand")]
        daily = past.groupby("date")["price_median_usd"].median().sort_index()
        daily.index = pd.DatetimeIndex(daily.index)
        last = float(daily.iloc[-1])
        median7 = float(daily[daily.index > daily.index[-1] - pd.Timedelta(days=7)].median())
        by_day = {p["date"]: p for p in market["forecast"]}
        pairs = [(float(a), by_day[d]) for d, a in actual.items() if d in by_day]
        if not pairs:
            continue
        a = np.array([x for x, _ in pairs])
        scores["engine"].append(_mape(a, np.array([p["value"] for _, p in pairs])))
        scores["last value"].append(_mape(a, last))
        scores["7-day median"].append(_mape(a, median7))
        scores["coverage80"].append(float(np.mean([p["low80"] <= x <= p["high80"] for x, p in pairs])))
    return {k: float(np.mean(v)) for k, v in scores.items()} | {"markets": float(len(scores["engine"]))}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--fractions", default="0.7,0.75,0.8,0.85,0.9,0.95")
    args = parser.parse_args()
    started = time.perf_counter()
    history = load_history(args.history)
    for h, table in current_regime(history).items():
        print(f"== current regime, horizon {h} days: on-demand MAPE % per market, then the mean over markets")
        print((100 * table).round(1).to_string())
        print("mean  " + "  ".join(f"{k} {100 * v:.2f}" for k, v in table.mean().items()))
        print()
    print("== model choice: engine's on-demand mean MAPE % on the current regime")
    print((100 * choice_variants(history)).round(2).to_string())
    print()
    print("== market index forecasts: on-demand mean MAPE % of the index on the current regime")
    print((100 * index_models(history)).round(2).to_string())
    print()
    print("== the file cut as its withheld part was (SOURCES.md rule): on-demand mean MAPE % over markets")
    rows = {f: cut_file(args.history, float(f)) for f in args.fractions.split(",")}
    table = pd.DataFrame(rows).T
    table[["engine", "last value", "7-day median", "coverage80"]] *= 100
    print(table.round(2).to_string())
    print("mean  " + "  ".join(f"{k} {v:.2f}" for k, v in table.mean().items() if k != "markets"))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
