"""A market index free of composition jumps: the chained matched-panel index of one market.

The raw daily index of a market (:func:`catalog.forecast.data.market_series`) is the median over
whichever rows the collectors brought in that day, so it jumps when the mix of rows changes: RTX 4090
on-demand is 0.67 USD with 57 vast.ai rows one day and 2.00 USD the next, when only 7 came in, though
no seller changed a price. The index here only compares like with like. A *row key* is one
(provider, GPU model, GPU count, region); on each day the index moves by the median of the log price
ratios of the keys observed on that day *and* on the previous observed day, and the moves are chained
from 1.0 on the market's first day. A key missing on either day does not count, so rows coming and
going move nothing; a day with no key in common (the 2026-05-08 collector switch) does not move it.

Two rules keep single sellers from moving the index, both stated where they are applied:

- the median is *conservative*: with an even number of keys the median is any value between the two
  middle ratios, and the one nearest zero is taken, so the index moves only when more than half of
  the matched keys moved in that direction (three vast.ai rows doubling out of six keys move nothing);
- a key whose per-GPU price changes by exactly its GPU count is a change of quoting (per instance
  versus per GPU, as the aggregator did until 2026-02-19), not of price, and is left out of that day.

:func:`forecast_index` forecasts the index with the same engine as the raw market, choosing between
holding the index flat and extending its recent drift; :func:`trend` turns that forecast into the
trend statement of ``/predict``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from catalog.forecast.data import as_float_array
from catalog.forecast.engine import EngineConfig, forecast_array
from catalog.forecast.models import History, LastValue

#: The columns that identify one seller's row of a market (the market fixes gpu_model and rental_type).
KEY_COLUMNS: tuple[str, ...] = ("provider", "gpu_model", "gpu_count", "region")
#: A forecast change smaller than this (in %, either way) over 30 days is called flat.
FLAT_TREND_PCT = 2.0
# A price ratio within this log distance of the GPU count is a change of quoting, not of price.
_UNIT_TOLERANCE = 0.01


@dataclass(frozen=True)
class IndexDrift:
    """Extend the index's drift over the last ``look`` days, for at most ``cap`` days ahead.

    The cap keeps a month's decline from being carried on for a month more: the forecast moves by at
    most ``cap`` days of the recent slope and is flat after that.
    """

    look: int = 28
    cap: int = 14
    name: str = "index_drift_28d"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        observed = np.flatnonzero(~np.isnan(history.raw))
        last = int(observed[-1])
        earlier = observed[observed <= last - self.look]
        level = float(history.raw[last])
        if earlier.size == 0:
            return np.full(horizon, level)
        first = int(earlier[-1])
        slope = (math.log(level) - math.log(float(history.raw[first]))) / (last - first)
        steps = np.arange(1, horizon + 1) + (history.raw.size - 1 - last)
        return np.asarray(level * np.exp(slope * np.minimum(steps, self.cap)), dtype=np.float64)


#: The index is a chain of price relatives with steps, not a noisy median: the newest value is the
#: default; a drift model replaces it only where it has won on the index's own backtest.
INDEX_CONFIG = EngineConfig(
    candidates=(
        LastValue(),
        IndexDrift(28, 14, name="index_drift_28d"),
        IndexDrift(14, 7, name="index_drift_14d"),
    ),
    default_model="last_value",
    use_prophet=False,
    scatter_days=0,
)


@dataclass
class MarketIndex:
    """The chained index of one market (1.0 on its first day, NaN on days without rows) and, per day,
    how many row keys it was computed from."""

    values: pd.Series
    matched: pd.Series

    @property
    def last_date(self) -> date:
        last: date = pd.Timestamp(self.values.dropna().index[-1]).date()
        return last


def conservative_median(ratios: np.ndarray) -> float:
    """The point of the median interval of ``ratios`` nearest zero (see the module docstring)."""
    ordered = np.sort(ratios)
    low, high = float(ordered[(ordered.size - 1) // 2]), float(ordered[ordered.size // 2])
    if low <= 0.0 <= high:
        return 0.0
    return low if low > 0.0 else high


def index_from_rows(rows: pd.DataFrame) -> MarketIndex:
    """The chained matched-panel index of one market's rows (columns of the history file)."""
    if rows.empty:
        raise ValueError("cannot build a market index without rows")
    frame = rows.copy()
    for column in KEY_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame["key"] = frame[list(KEY_COLUMNS)].astype(str).agg("|".join, axis=1)
    prices = frame.pivot_table(index="date", columns="key", values="price_median_usd", aggfunc="median")
    prices.index = pd.DatetimeIndex(prices.index)
    counts = pd.to_numeric(
        frame.groupby("key")["gpu_count"].first().reindex(prices.columns), errors="coerce"
    ).to_numpy(dtype=float)
    log_counts = np.log(np.where(np.isfinite(counts) & (counts > 1), counts, np.nan))
    logs = np.log(prices.to_numpy(dtype=float))
    level = np.zeros(logs.shape[0])
    matched = np.zeros(logs.shape[0], dtype=int)
    for t in range(1, logs.shape[0]):
        ratios = logs[t] - logs[t - 1]
        quoting = np.abs(np.abs(ratios) - log_counts) < _UNIT_TOLERANCE
        ratios = ratios[~np.isnan(ratios) & ~quoting]
        matched[t] = ratios.size
        level[t] = level[t - 1] + (conservative_median(ratios) if ratios.size else 0.0)
    values = pd.Series(np.exp(level), index=prices.index).asfreq("D")
    return MarketIndex(values=values, matched=pd.Series(matched, index=prices.index))


def market_index(df: pd.DataFrame, gpu_model: str, rental_type: str) -> MarketIndex:
    """The chained index of one market (a GPU model and rental type) of a prepared history frame."""
    rows = df[(df["gpu_model"] == gpu_model) & (df["rental_type"] == rental_type)]
    if rows.empty:
        raise ValueError(f"no rows for market {gpu_model}/{rental_type}")
    return index_from_rows(rows)


@dataclass
class IndexForecast:
    """The index's forecast relative to its last value (1.0 = no change), and its trend."""

    last_date: date
    model: str
    #: ``{"date", "value", "low80", "high80", "low95", "high95"}`` per day, as ratios to the last value.
    points: list[dict[str, Any]]
    trend: dict[str, Any]
    #: The index's own history (``{"date", "value", "matched"}``), for charts.
    history: list[dict[str, Any]] = field(default_factory=list)


def trend(points: list[dict[str, Any]], past_change: float | None, last_date: date) -> dict[str, Any]:
    """``{"direction", "change_pct_30d", "low80_pct", "high80_pct", ...}`` from an index forecast.

    The change is the forecast's on its last day (day 30 for the product's horizon); the direction is
    "flat" while that change is within +/-``FLAT_TREND_PCT`` %. ``past_change_pct_30d`` is how far
    the index moved in the 30 days up to ``history_end``.
    """
    end = points[-1]
    change = 100.0 * (float(end["value"]) - 1.0)
    direction = "down" if change <= -FLAT_TREND_PCT else "up" if change >= FLAT_TREND_PCT else "flat"
    return {
        "direction": direction,
        "change_pct_30d": round(change, 2),
        "low80_pct": round(100.0 * (float(end["low80"]) - 1.0), 2),
        "high80_pct": round(100.0 * (float(end["high80"]) - 1.0), 2),
        "past_change_pct_30d": None if past_change is None else round(100.0 * past_change, 2),
        "history_end": last_date.isoformat(),
        "days": len(points),
    }


def _past_change(values: pd.Series, days: int = 30) -> float | None:
    observed = values.dropna()
    if observed.size < 2:
        return None
    end = observed.index[-1]
    before = observed[observed.index <= end - pd.Timedelta(days=days)]
    base = float(before.iloc[-1]) if before.size else float(observed.iloc[0])
    return float(observed.iloc[-1]) / base - 1.0


def forecast_index(index: MarketIndex, horizon: int = 30) -> IndexForecast:
    """Forecast the index ``horizon`` days past its last day, as ratios to its last value."""
    observed = index.values.dropna()
    values = index.values.loc[: observed.index[-1]]
    result = forecast_array(as_float_array(values), horizon, (), INDEX_CONFIG)
    last = float(observed.iloc[-1])
    days = pd.date_range(observed.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    points = [
        {
            "date": day.date().isoformat(),
            "value": float(result.value[i]) / last,
            "low80": float(result.low80[i]) / last,
            "high80": float(result.high80[i]) / last,
            "low95": float(result.low95[i]) / last,
            "high95": float(result.high95[i]) / last,
        }
        for i, day in enumerate(days)
    ]
    last_date = pd.Timestamp(observed.index[-1]).date()
    matched = index.matched.reindex(observed.index).fillna(0).astype(int)
    history = [
        {"date": pd.Timestamp(d).date().isoformat(), "value": float(v), "matched": int(matched[d])}
        for d, v in observed.items()
    ]
    return IndexForecast(
        last_date=last_date,
        model=result.model,
        points=points,
        trend=trend(points, _past_change(values), last_date),
        history=history,
    )
