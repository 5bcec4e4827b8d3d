"""Rolling-origin validation of the forecaster on a history file, and its terminal report.

Two backtests, both of the market's raw daily median (what ``gpubroker forecast`` forecasts):

- *whole history*: origins every 7 days going back from the last day that still leaves a full
  30-day horizon, as long as 14 days were observed before the origin;
- *current regime*: every day from a week after the market's last source break (the day its
  collectors changed; the 2026-05-08/09 switch on the bundled file, the first day for markets that
  began then) that leaves a full horizon, at horizons 7, 14 and 30. This is the data that describes
  today's market, and the one the targets are judged on.

At each origin the *complete* method (cleaning, regime detection, model choice by inner backtest,
interval calibration) runs on the rows dated before the origin only, including the source-break
detection, so no evaluated day can leak into a forecast. Its MAPE and interval coverage are compared
with the last value, the trailing 7-day median and the hindsight floor (the best constant chosen
knowing the actuals) on the same windows.
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

TARGET_COVERAGE80 = (0.70, 0.90)
STEP_DAYS = 7
MIN_HISTORY_DAYS = 14
#: Current-regime backtest: horizons, and how many days after the source break the first origin is.
REGIME_HORIZONS = (7, 14, 30)
REGIME_MIN_DAYS = 7
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


def _market_data(history: pd.DataFrame, market: Market) -> tuple[pd.Series, np.ndarray, pd.DataFrame]:
    """The market's daily median (as a series and an array) and its rows per day and source."""
    series = market_series(history, market.gpu_model, market.rental_type)
    rows = history[
        (history["gpu_model"] == market.gpu_model) & (history["rental_type"] == market.rental_type)
    ]
    return series, as_float_array(series), source_counts(rows)


def backtest_market(
    history: pd.DataFrame,
    market: Market,
    horizon: int = 30,
    config: EngineConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Rolling-origin backtest of one market; per-window and aggregated figures."""
    series, values, counts = _market_data(history, market)
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


def regime_start(series: pd.Series, counts: pd.DataFrame) -> int:
    """Index of the first day of the current regime: the latest source break, else the first day."""
    breaks = [(b - series.index[0]).days for b in breaks_from_counts(counts)]
    return int(max([0, *[b for b in breaks if b < len(series)]]))


def regime_backtest_market(
    history: pd.DataFrame,
    market: Market,
    horizons: Sequence[int] = REGIME_HORIZONS,
    config: EngineConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Backtest of one market on its current regime: an origin every day, scored at each horizon.

    The forecast made at an origin is the product's 30-day path (its model does not depend on the
    horizon it is judged at); a window counts at horizon ``h`` when ``h`` days of data follow it.
    """
    series, values, counts = _market_data(history, market)
    first_day = series.index[0]
    start = regime_start(series, counts)
    longest = max(horizons)
    by_horizon: dict[int, list[dict[str, Any]]] = {h: [] for h in horizons}
    for origin in range(start + REGIME_MIN_DAYS, values.size - min(horizons) + 1):
        train = values[:origin]
        if np.all(np.isnan(train)):
            continue
        result = _forecast_before(train, counts, first_day, series.index[origin], longest, config)
        plain = History(raw=train, clean=train, start=0)
        for h in horizons:
            if origin + h > values.size:
                continue
            actual = values[origin : origin + h]
            seen = ~np.isnan(actual)
            if not seen.any():
                continue
            a = actual[seen]
            by_horizon[h].append(
                {
                    "origin": series.index[origin].date().isoformat(),
                    "model": result.model,
                    "mape": _mape(a, result.value[:h][seen]),
                    "last_value_mape": _mape(a, BASELINES["last_value"].predict(plain, h)[seen]),
                    "median_7d_mape": _mape(a, BASELINES["median_7d"].predict(plain, h)[seen]),
                    "hindsight_mape": hindsight_constant_mape(a),
                    "coverage80": float(
                        np.mean((a >= result.low80[:h][seen]) & (a <= result.high80[:h][seen]))
                    ),
                }
            )
    out: dict[str, Any] = {
        "gpu_model": market.gpu_model,
        "rental_type": market.rental_type,
        "regime_start": series.index[start].date().isoformat(),
        "horizons": {},
    }
    for h, windows in by_horizon.items():
        out["horizons"][h] = {
            "windows": len(windows),
            **{
                key: _mean([w[key] for w in windows])
                for key in ("mape", "last_value_mape", "median_7d_mape", "hindsight_mape", "coverage80")
            },
            "models": dict(Counter(w["model"] for w in windows).most_common()),
        }
    return out


_REGIME_KEYS = ("mape", "last_value_mape", "median_7d_mape", "hindsight_mape", "coverage80")


def _regime_summary(markets: list[dict[str, Any]], horizons: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per horizon: mean over the markets that have windows at it (each market counts once)."""
    out: dict[int, dict[str, Any]] = {}
    for h in horizons:
        scored = [m["horizons"][h] for m in markets if m["horizons"][h]["windows"] > 0]
        summary: dict[str, Any] = {"markets": len(scored), "windows": sum(s["windows"] for s in scored)}
        for key in _REGIME_KEYS:
            summary[f"mean_{key}"] = _mean([s[key] for s in scored])
        mape, floor = summary["mean_mape"], summary["mean_hindsight_mape"]
        summary["gap_to_floor"] = None if mape is None or floor is None else mape - floor
        out[h] = summary
    return out


def _regime_targets(summary: dict[int, dict[str, Any]]) -> dict[str, Any]:
    low, high = TARGET_COVERAGE80
    per: dict[int, dict[str, bool]] = {}
    for h, s in summary.items():
        mape, last, med7, cov = (
            s["mean_mape"],
            s["mean_last_value_mape"],
            s["mean_median_7d_mape"],
            s["mean_coverage80"],
        )
        per[h] = {
            "beats_last_value": mape is not None and last is not None and mape < last,
            "beats_median_7d": mape is not None and med7 is not None and mape < med7,
            "coverage_ok": cov is not None and low <= cov <= high,
        }
    return {
        "coverage80_range": list(TARGET_COVERAGE80),
        "by_horizon": per,
        "beats_last_value": all(v["beats_last_value"] for v in per.values()),
        "beats_median_7d": all(v["beats_median_7d"] for v in per.values()),
        "coverage_ok": all(v["coverage_ok"] for v in per.values()),
        "met": all(all(v.values()) for v in per.values()),
    }


def validate_history(
    df: pd.DataFrame,
    horizon: int = 30,
    config: EngineConfig = DEFAULT_CONFIG,
    horizons: Sequence[int] = REGIME_HORIZONS,
) -> dict[str, Any]:
    """Both backtests of every market of a history frame, on-demand and all-market means, and the
    verdicts on the current-regime targets (below the last value and the 7-day median at every
    horizon, 80% coverage in range)."""
    history = prepare_history(df)
    market_list = list_markets(history)
    markets = [backtest_market(history, market, horizon, config) for market in market_list]
    regime = [regime_backtest_market(history, market, horizons, config) for market in market_list]
    on_demand = _regime_summary([m for m in regime if m["rental_type"] == "on_demand"], horizons)
    return {
        "horizon": horizon,
        "step_days": STEP_DAYS,
        "min_history_days": MIN_HISTORY_DAYS,
        "markets": markets,
        "on_demand": _summary([m for m in markets if m["rental_type"] == "on_demand"]),
        "all_markets": _summary(markets),
        "current_regime": {
            "horizons": list(horizons),
            "min_days_after_break": REGIME_MIN_DAYS,
            "markets": regime,
            "on_demand": on_demand,
            "all_markets": _regime_summary(regime, horizons),
        },
        "targets": _regime_targets(on_demand),
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100.0 * value:.1f}%"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _format_whole(report: dict[str, Any]) -> list[str]:
    header = (
        f"{'market':<28} {'win':>3}  {'model (most chosen)':<20} {'MAPE':>7} {'last':>7} "
        f"{'med7':>7} {'drift':>7} {'floor':>7} {'cov80':>6} {'cov95':>6}"
    )
    lines = [
        f"Whole history: horizon {report['horizon']} days, origins every "
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
    return lines


def _format_regime(report: dict[str, Any]) -> list[str]:
    regime = report["current_regime"]
    horizons = regime["horizons"]
    cols = "".join(f" | {'h' + str(h) + ' win MAPE last med7 floor cov80':<44}" for h in horizons)
    header = f"{'market':<24} {'since':<10}{cols}"
    lines = [
        "",
        f"Current regime: an origin every day from {regime['min_days_after_break']} days after the last "
        f"source break, horizons {', '.join(str(h) for h in horizons)} days",
        header,
        "-" * len(header),
    ]
    for m in regime["markets"]:
        cells = ""
        for h in horizons:
            c = m["horizons"][h]
            cells += (
                f" | {c['windows']:>3} {_pct(c['mape']):>6} {_pct(c['last_value_mape']):>6} "
                f"{_pct(c['median_7d_mape']):>6} {_pct(c['hindsight_mape']):>6} {_pct(c['coverage80']):>6}    "
            )
        lines.append(f"{m['gpu_model'] + '/' + m['rental_type']:<24} {m['regime_start']:<10}{cells}")
    lines.append("-" * len(header))
    for label, key in (("on-demand", "on_demand"), ("all markets", "all_markets")):
        for h in horizons:
            s = regime[key][h]
            lines.append(
                f"{label} h={h:<2} mean over {s['markets']} markets ({s['windows']} windows): "
                f"MAPE {_pct(s['mean_mape'])} | last value {_pct(s['mean_last_value_mape'])} | "
                f"7-day median {_pct(s['mean_median_7d_mape'])} | floor {_pct(s['mean_hindsight_mape'])} | "
                f"gap to floor {_pct(s['gap_to_floor'])} | coverage80 {_pct(s['mean_coverage80'])}"
            )
    return lines


def format_report(report: dict[str, Any]) -> str:
    """Fixed-width tables (whole history, then current regime), the means and the target verdicts."""
    lines = _format_whole(report) + _format_regime(report)
    lines.append(
        "floor = MAPE of the best constant price chosen with hindsight for each window (the 1/price-weighted"
        " median of its actuals): no flat forecast made at the origin can score below it"
    )
    t = report["targets"]
    low, high = t["coverage80_range"]
    per = "; ".join(
        f"h={h}: below last value {_verdict(v['beats_last_value'])}, below 7-day median "
        f"{_verdict(v['beats_median_7d'])}, coverage80 in [{_pct(low)}, {_pct(high)}] {_verdict(v['coverage_ok'])}"
        for h, v in t["by_horizon"].items()
    )
    lines.append(f"targets (on-demand, current regime): {per}; all: {_verdict(t['met'])}")
    return "\n".join(lines)
