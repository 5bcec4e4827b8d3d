"""Public forecasting API: per-market 30-day price forecasts and the commands built on them.

This is the layer the CLI, the HTTP API and the agent call. It is pure: a history file or frame
goes in, plain dataclasses or JSON-ready dicts come out, nothing is stored. Each market (one GPU
model, one rental type) is forecast on its own from its own last observed day, with the model
chosen by a rolling-origin backtest on that market's history before the forecast origin. Next to
the raw daily median (what ``gpubroker forecast`` forecasts and what is scored), every market gets
its chained matched-panel index (:mod:`catalog.forecast.index`) and that index's forecast, which
carry the trend statements and move per-offer forecasts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from catalog.forecast.data import (
    as_float_array,
    list_markets,
    load_history,
    market_series,
    prepare_history,
    source_breaks,
)
from catalog.forecast.engine import DEFAULT_CONFIG, EngineConfig, forecast_array
from catalog.forecast.index import IndexForecast, forecast_index, market_index


@dataclass
class ForecastPoint:
    """One forecast day: point value and the 80% and 95% prediction intervals (USD/GPU-hour)."""

    date: date
    value: float
    low80: float
    high80: float
    low95: float
    high95: float


@dataclass
class MarketForecast:
    """A market's forecast path, the model that produced it and anything the caller should know."""

    gpu_model: str
    rental_type: str
    last_date: date
    model: str
    backtest_mape: float | None
    points: list[ForecastPoint]
    warnings: list[str] = field(default_factory=list)
    #: The market's chained index and its forecast (None for a bare series without rows).
    index: IndexForecast | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO dates."""
        out = asdict(self)
        out["last_date"] = self.last_date.isoformat()
        for point in out["points"]:
            point["date"] = point["date"].isoformat()
        if self.index is not None:
            out["index"]["last_date"] = self.index.last_date.isoformat()
        return out


def _regular_daily(series: pd.Series) -> pd.Series:
    """Sort, collapse duplicate days by median, fill the calendar with NaN, trim trailing gaps."""
    if not isinstance(series.index, pd.DatetimeIndex):
        series = series.copy()
        series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
    values = pd.to_numeric(series, errors="coerce").astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.empty:
        raise ValueError("cannot forecast a series without any positive price")
    index = pd.DatetimeIndex(values.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    values.index = index.normalize()
    daily = values.groupby(level=0).median().sort_index()
    return daily.asfreq("D")


def _split_name(name: object) -> tuple[str, str]:
    parts = str(name).split("/") if name is not None else []
    if len(parts) >= 2:
        return parts[0], parts[1]
    return (str(name) if name is not None else ""), ""


def forecast_series(
    series: pd.Series,
    horizon: int = 30,
    *,
    breaks: Iterable[date | pd.Timestamp] = (),
    gpu_model: str | None = None,
    rental_type: str | None = None,
    config: EngineConfig = DEFAULT_CONFIG,
) -> MarketForecast:
    """Forecast the ``horizon`` days after the series' last observed day.

    ``series`` is a daily price index (see :func:`catalog.forecast.data.market_series`); missing
    days may be absent or NaN. ``breaks`` are days on which the data source changed (the current
    regime never starts before the latest one). Market names default to the series name
    ``"GPU_MODEL/rental_type"``. Raises ``ValueError`` for an empty series or ``horizon < 1``.
    """
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    daily = _regular_daily(series)
    name_model, name_rental = _split_name(series.name)
    first_day = daily.index[0]
    break_idx = sorted(
        {(pd.Timestamp(b).normalize() - first_day).days for b in breaks if pd.Timestamp(b) > first_day}
    )
    result = forecast_array(as_float_array(daily), horizon, break_idx, config)
    last_day = daily.index[-1]
    days = pd.date_range(last_day + pd.Timedelta(days=1), periods=horizon, freq="D")
    points = [
        ForecastPoint(
            date=day.date(),
            value=float(result.value[i]),
            low80=float(result.low80[i]),
            high80=float(result.high80[i]),
            low95=float(result.low95[i]),
            high95=float(result.high95[i]),
        )
        for i, day in enumerate(days)
    ]
    return MarketForecast(
        gpu_model=gpu_model if gpu_model is not None else name_model,
        rental_type=rental_type if rental_type is not None else name_rental,
        last_date=last_day.date(),
        model=result.model,
        backtest_mape=result.backtest_mape,
        points=points,
        warnings=list(result.warnings),
    )


def forecast_markets(
    df: pd.DataFrame, horizon: int = 30, config: EngineConfig = DEFAULT_CONFIG
) -> list[MarketForecast]:
    """Forecast every (gpu_model, rental_type) market in a history frame, each from its own last day."""
    history = prepare_history(df)
    forecasts: list[MarketForecast] = []
    for market in list_markets(history):
        series = market_series(history, market.gpu_model, market.rental_type)
        forecast = forecast_series(
            series,
            horizon,
            breaks=source_breaks(history, market.gpu_model, market.rental_type),
            gpu_model=market.gpu_model,
            rental_type=market.rental_type,
            config=config,
        )
        forecast.index = forecast_index(market_index(history, market.gpu_model, market.rental_type), horizon)
        forecasts.append(forecast)
    return forecasts


def _round(value: float) -> float:
    # Four decimals keeps sub-cent precision for the cheapest GPUs without float noise in JSON.
    return round(float(value), 4) if math.isfinite(value) else float("nan")


def forecast_command(history_path: str | Path, horizon: int = 30) -> dict[str, Any]:
    """Forecast all markets of a history CSV; the JSON document the CLI and API return.

    Shape: ``{"markets": [{"gpu_model", "rental_type", "last_date", "model", "forecast":
    [{"date", "value", "low80", "high80"}, ...], "market_index": {...}}]}`` with ``horizon``
    entries per market. ``value``, ``low80`` and ``high80`` are the raw daily median market in USD
    per GPU-hour. ``market_index`` is added beside them: the chained index's ``last_date``, ``model``,
    ``trend`` and ``forecast`` (``{"date", "value", "low80", "high80"}`` as ratios to its last value).
    """
    forecasts = forecast_markets(load_history(history_path), horizon)
    return {"markets": [_command_market(f) for f in forecasts]}


def _command_market(f: MarketForecast) -> dict[str, Any]:
    out: dict[str, Any] = {
        "gpu_model": f.gpu_model,
        "rental_type": f.rental_type,
        "last_date": f.last_date.isoformat(),
        "model": f.model,
        "forecast": [
            {
                "date": p.date.isoformat(),
                "value": _round(p.value),
                "low80": _round(p.low80),
                "high80": _round(p.high80),
            }
            for p in f.points
        ],
    }
    if f.index is not None:
        out["market_index"] = {
            "last_date": f.index.last_date.isoformat(),
            "model": f.index.model,
            "trend": f.index.trend,
            "forecast": [
                {k: p[k] if k == "date" else _round(p[k]) for k in ("date", "value", "low80", "high80")}
                for p in f.index.points
            ],
        }
    return out


def validate_command(history_path: str | Path, horizon: int = 30) -> dict[str, Any]:
    """Rolling-origin backtest of every market in a history CSV (see :mod:`catalog.forecast.validation`)."""
    from catalog.forecast.validation import validate_history

    return validate_history(load_history(history_path), horizon)


def format_validation(report: dict[str, Any]) -> str:
    """Terminal table for a :func:`validate_command` report."""
    from catalog.forecast.validation import format_report

    return format_report(report)
