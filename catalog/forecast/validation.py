"""Rolling-origin validation of the forecaster on a history file, and its terminal report.

For every market, forecast origins are placed every 7 days going back from the last day that
still leaves a full horizon of actuals, as long as 14 days were observed before the origin. At each
origin the *complete* method (cleaning, regime detection, model choice by inner backtest, interval
calibration) runs on the rows dated before the origin only, including the source-break detection,
so no evaluated day can leak into a forecast. The chosen model's MAPE and interval coverage are
compared with plain last-value, 7-day-median and drift baselines on the same windows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from catalog.forecast.data import (
    Market,
    as_float_array,
    breaks_from_counts,
    list_markets,
    market_series,
    prepare_history,
    source_counts,
)
from catalog.forecast.engine import DEFAULT_CONFIG, ArrayForecast, EngineConfig, forecast_array
from catalog.forecast.models import Drift, History, LastValue, Model, TrailingMedian, weighted_median

TARGET_MAPE = 0.06
TARGET_COVERAGE80 = (0.70, 0.90)
STEP_DAYS = 7
MIN_HISTORY_DAYS = 14
BASELINES: dict[str, Model] = {"last_value": LastValue(), "median_7d": TrailingMedian(7), "drift": Drift()}


def _mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted) / actual))


def hindsight_constant_mape(actual: np.ndarray) -> float:
    """MAPE of the best flat forecast chosen *knowing* the actuals: a floor for every flat model.

    The constant that minimises the mean absolute percentage error over a window is the median of
    the actuals weighted by 1/actual; no level forecast made at the origin can do better on that
    window. Reported next to the models so the part of the error no level model can remove
    (composition changes, source switches, price moves inside the horizon) is visible.
    """
    return _mape(actual, np.full(actual.size, weighted_median(actual, 1.0 / actual)))


def _mean(values: Sequence[float | None]) -> float | None:
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def origins_for(
    values: np.ndarray, horizon: int, step: int = STEP_DAYS, min_history: int = MIN_HISTORY_DAYS
) -> list[int]:
    """Backtest origins (indices, newest first): full horizon after, ``min_history`` observed before."""
    observed_before = np.concatenate([[0], np.cumsum(~np.isnan(values))])
    origins: list[int] = []
    origin = values.size - horizon
    while origin > 0 and observed_before[origin] >= min_history:
        origins.append(origin)
        origin -= step
    return origins


def _forecast_before(
    train: np.ndarray,
    counts: pd.DataFrame,
    first_day: pd.Timestamp,
    origin_day: pd.Timestamp,
    horizon: int,
    config: EngineConfig,
) -> ArrayForecast:
    # Source breaks are re-derived from the rows before the origin: a break is only known once
    # the new collector has shown up, and its share is judged on the rows seen so far.
    known = breaks_from_counts(counts[counts.index < origin_day])
    return forecast_array(train, horizon, [(b - first_day).days for b in known], config)


def forecast_at_origin(
    history: pd.DataFrame,
    market: Market,
    origin: date | pd.Timestamp,
    horizon: int = 30,
    config: EngineConfig = DEFAULT_CONFIG,
) -> ArrayForecast:
    """The forecast the backtest makes for ``market`` at ``origin``, from rows dated before it only."""
    origin_day = pd.Timestamp(origin).normalize()
    rows = history[
        (history["gpu_model"] == market.gpu_model) & (history["rental_type"] == market.rental_type)
    ]
    rows = rows[rows["date"] < origin_day]
    if rows.empty:
        raise ValueError(f"no rows for {market.gpu_model}/{market.rental_type} before {origin_day.date()}")
    series = market_series(rows, market.gpu_model, market.rental_type)
    # Days missing just before the origin stay as NaN so the forecast starts at the origin.
    series = series.reindex(pd.date_range(series.index[0], origin_day - pd.Timedelta(days=1), freq="D"))
    return _forecast_before(
        as_float_array(series), source_counts(rows), series.index[0], origin_day, horizon, config
    )


def backtest_market(
    history: pd.DataFrame,
    market: Market,
    horizon: int = 30,
    config: EngineConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Rolling-origin backtest of one market; per-window and aggregated figures."""
    series = market_series(history, market.gpu_model, market.rental_type)
    values = as_float_array(series)
    rows = history[
        (history["gpu_model"] == market.gpu_model) & (history["rental_type"] == market.rental_type)
    ]
    counts = source_counts(rows)
    first_day = series.index[0]
    all_breaks = [(b - first_day).days for b in breaks_from_counts(counts)]
    windows: list[dict[str, Any]] = []
    for origin in origins_for(values, horizon):
        actual = values[origin : origin + horizon]
        seen = ~np.isnan(actual)
        if not seen.any():
            continue
        origin_day = series.index[origin]
        train = values[:origin]
        result = _forecast_before(train, counts, first_day, origin_day, horizon, config)
        a = actual[seen]
        plain = History(raw=train, clean=train, start=0)
        window: dict[str, Any] = {
            "origin": origin_day.date().isoformat(),
            "model": result.model,
            "mape": _mape(a, result.value[seen]),
            "coverage80": float(np.mean((a >= result.low80[seen]) & (a <= result.high80[seen]))),
            "coverage95": float(np.mean((a >= result.low95[seen]) & (a <= result.high95[seen]))),
            "crosses_source_break": any(origin < b < origin + horizon for b in all_breaks),
            "hindsight_mape": hindsight_constant_mape(a),
        }
        for name, baseline in BASELINES.items():
            window[f"{name}_mape"] = _mape(a, baseline.predict(plain, horizon)[seen])
        windows.append(window)
    within = [w for w in windows if not w["crosses_source_break"]]
    return {
        "gpu_model": market.gpu_model,
        "rental_type": market.rental_type,
        "origins": len(windows),
        "mape": _mean([w["mape"] for w in windows]),
        "last_value_mape": _mean([w["last_value_mape"] for w in windows]),
        "median_7d_mape": _mean([w["median_7d_mape"] for w in windows]),
        "drift_mape": _mean([w["drift_mape"] for w in windows]),
        "hindsight_mape": _mean([w["hindsight_mape"] for w in windows]),
        "coverage80": _mean([w["coverage80"] for w in windows]),
        "coverage95": _mean([w["coverage95"] for w in windows]),
        "mape_within_regime": _mean([w["mape"] for w in within]),
        "last_value_mape_within_regime": _mean([w["last_value_mape"] for w in within]),
        "models": dict(Counter(w["model"] for w in windows).most_common()),
        "windows": windows,
    }


def _summary(markets: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [m for m in markets if m["origins"] > 0]
    keys = (
        "mape",
        "last_value_mape",
        "median_7d_mape",
        "drift_mape",
        "hindsight_mape",
        "coverage80",
        "coverage95",
        "mape_within_regime",
        "last_value_mape_within_regime",
    )
    out: dict[str, Any] = {"markets": len(scored), "windows": sum(m["origins"] for m in scored)}
    for key in keys:
        out[f"mean_{key}"] = _mean([m[key] for m in scored])
    return out


def validate_history(
    df: pd.DataFrame, horizon: int = 30, config: EngineConfig = DEFAULT_CONFIG
) -> dict[str, Any]:
    """Backtest every market of a history frame; adds on-demand means and the target verdicts."""
    history = prepare_history(df)
    markets = [backtest_market(history, market, horizon, config) for market in list_markets(history)]
    on_demand = _summary([m for m in markets if m["rental_type"] == "on_demand"])
    mape = on_demand["mean_mape"]
    last_value = on_demand["mean_last_value_mape"]
    coverage = on_demand["mean_coverage80"]
    mape_ok = mape is not None and mape <= TARGET_MAPE
    beats = mape is not None and last_value is not None and mape < last_value
    coverage_ok = coverage is not None and TARGET_COVERAGE80[0] <= coverage <= TARGET_COVERAGE80[1]
    return {
        "horizon": horizon,
        "step_days": STEP_DAYS,
        "min_history_days": MIN_HISTORY_DAYS,
        "markets": markets,
        "on_demand": on_demand,
        "all_markets": _summary(markets),
        "targets": {
            "mape_max": TARGET_MAPE,
            "coverage80_range": list(TARGET_COVERAGE80),
            "mape_ok": mape_ok,
            "beats_last_value": beats,
            "coverage_ok": coverage_ok,
            "met": mape_ok and beats and coverage_ok,
        },
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100.0 * value:.1f}%"


def format_report(report: dict[str, Any]) -> str:
    """Fixed-width table: one line per market, then on-demand means and target verdicts."""
    header = (
        f"{'market':<28} {'win':>3}  {'model (most chosen)':<20} {'MAPE':>7} {'last':>7} "
        f"{'med7':>7} {'drift':>7} {'floor':>7} {'cov80':>6} {'cov95':>6}"
    )
    lines = [
        f"Rolling-origin backtest: horizon {report['horizon']} days, origins every "
        f"{report['step_days']} days, >= {report['min_history_days']} observed days before each origin",
        header,
        "-" * len(header),
    ]
    for m in report["markets"]:
        top = next(iter(m["models"]), "-")
        lines.append(
            f"{m['gpu_model'] + '/' + m['rental_type']:<28} {m['origins']:>3}  {top:<20} "
            f"{_pct(m['mape']):>7} {_pct(m['last_value_mape']):>7} {_pct(m['median_7d_mape']):>7} "
            f"{_pct(m['drift_mape']):>7} {_pct(m['hindsight_mape']):>7} {_pct(m['coverage80']):>6} "
            f"{_pct(m['coverage95']):>6}"
        )
    lines.append("-" * len(header))
    for label, key in (("on-demand", "on_demand"), ("all markets", "all_markets")):
        s = report[key]
        lines.append(
            f"{label} mean over {s['markets']} markets ({s['windows']} windows): MAPE {_pct(s['mean_mape'])}"
            f" | last value {_pct(s['mean_last_value_mape'])} | 7-day median {_pct(s['mean_median_7d_mape'])}"
            f" | drift {_pct(s['mean_drift_mape'])} | floor {_pct(s['mean_hindsight_mape'])}"
            f" | coverage80 {_pct(s['mean_coverage80'])}"
            f" | coverage95 {_pct(s['mean_coverage95'])}"
        )
    s = report["on_demand"]
    lines.append(
        "on-demand, windows not crossing a source change: MAPE "
        f"{_pct(s['mean_mape_within_regime'])} | last value {_pct(s['mean_last_value_mape_within_regime'])}"
    )
    lines.append(
        "floor = MAPE of the best constant price chosen with hindsight for each window (the 1/price-weighted"
        " median of its actuals): no flat forecast made at the origin can score below it"
    )
    t = report["targets"]
    low, high = t["coverage80_range"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lines.append(
        f"targets: on-demand MAPE <= {_pct(t['mape_max'])}: {verdict(t['mape_ok'])}; "
        f"below last value: {verdict(t['beats_last_value'])}; "
        f"coverage80 in [{_pct(low)}, {_pct(high)}]: {verdict(t['coverage_ok'])}"
    )
    return "\n".join(lines)
