"""The forecast commands and the one-series forecast: JSON shape, horizons, intervals, edge cases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from catalog.forecast import (
    MarketForecast,
    forecast_command,
    forecast_markets,
    forecast_series,
    load_history,
    market_series,
)


@pytest.mark.parametrize("horizon", [30, 7])
def test_forecast_command_shape(history_csv: Path, horizon: int) -> None:
    out = forecast_command(str(history_csv), horizon=horizon)
    json.dumps(out, allow_nan=False)
    assert set(out) == {"markets"}
    df = load_history(history_csv)
    expected_last = df.groupby(["gpu_model", "rental_type"])["date"].max()
    assert len(out["markets"]) == len(expected_last)
    for market in out["markets"]:
        # The shape scored against withheld prices, plus the market index beside it.
        assert set(market) == {"gpu_model", "rental_type", "last_date", "model", "forecast", "market_index"}
        index = market["market_index"]
        assert set(index) == {"last_date", "model", "trend", "forecast"}
        assert index["last_date"] == market["last_date"] and len(index["forecast"]) == horizon
        assert index["trend"]["direction"] in ("down", "flat", "up")
        assert index["trend"]["days"] == horizon
        assert all(set(p) == {"date", "value", "low80", "high80"} for p in index["forecast"])
        last = date.fromisoformat(market["last_date"])
        assert pd.Timestamp(last) == expected_last[(market["gpu_model"], market["rental_type"])]
        assert isinstance(market["model"], str) and market["model"]
        points = market["forecast"]
        assert len(points) == horizon
        for step, point in enumerate(points, start=1):
            assert set(point) == {"date", "value", "low80", "high80"}
            assert point["date"] == (last + timedelta(days=step)).isoformat()
            assert all(isinstance(point[k], float) for k in ("value", "low80", "high80"))
            assert 0 < point["low80"] <= point["value"] <= point["high80"]


def _by_market(forecasts: list[MarketForecast]) -> dict[tuple[str, str], MarketForecast]:
    return {(f.gpu_model, f.rental_type): f for f in forecasts}


def test_intervals_are_ordered(history_csv: Path, bundled_history_path: Path) -> None:
    forecasts = forecast_markets(load_history(history_csv))
    real = load_history(bundled_history_path)
    for gpu, rental in (("H100_SXM", "on_demand"), ("RTX_4090", "spot"), ("B300", "on_demand")):
        forecasts.append(forecast_series(market_series(real, gpu, rental)))
    for forecast in forecasts:
        for p in forecast.points:
            assert 0 < p.low95 <= p.low80 <= p.value <= p.high80 <= p.high95, (forecast.gpu_model, p)
        widths = [p.high80 - p.low80 for p in forecast.points]
        assert widths[-1] >= widths[0]


def test_level_shift_forecasts_the_new_level(history_csv: Path) -> None:
    forecast = _by_market(forecast_markets(load_history(history_csv)))[("H100_SXM", "on_demand")]
    values = np.array([p.value for p in forecast.points])
    assert np.all(np.abs(values / 2.40 - 1) < 0.03)


def test_flat_market_stays_flat(history_csv: Path) -> None:
    forecast = _by_market(forecast_markets(load_history(history_csv)))[("B300", "on_demand")]
    assert all(p.value == pytest.approx(7.39) for p in forecast.points)
    assert all(p.low80 < 7.39 < p.high80 for p in forecast.points)


def test_outliers_and_gaps_do_not_move_the_level(history_csv: Path) -> None:
    forecast = _by_market(forecast_markets(load_history(history_csv)))[("L40S", "on_demand")]
    assert all(0.8 < p.value < 1.0 for p in forecast.points)


def test_short_market_gets_forecast_with_warning(history_csv: Path) -> None:
    forecast = _by_market(forecast_markets(load_history(history_csv)))[("GB200", "on_demand")]
    assert len(forecast.points) == 30
    assert forecast.last_date == date(2026, 5, 9)
    assert forecast.backtest_mape is None
    assert forecast.warnings
    assert all(p.value == pytest.approx(4.29) for p in forecast.points)


def test_forecast_series_single_day_and_names() -> None:
    series = pd.Series([2.5], index=pd.DatetimeIndex(["2026-06-01"]), name="H200/spot")
    forecast = forecast_series(series, horizon=5)
    assert (forecast.gpu_model, forecast.rental_type) == ("H200", "spot")
    assert [p.date for p in forecast.points] == [date(2026, 6, d) for d in range(2, 7)]
    assert forecast.warnings
    assert forecast.to_dict()["points"][0]["date"] == "2026-06-02"


def test_forecast_series_accepts_missing_days_and_rejects_empty() -> None:
    index = pd.DatetimeIndex(["2026-06-01", "2026-06-02", "2026-06-06", "2026-06-07"])
    forecast = forecast_series(pd.Series([1.0, 1.0, 1.1, 1.1], index=index), horizon=3)
    assert forecast.last_date == date(2026, 6, 7)
    with pytest.raises(ValueError, match="price"):
        forecast_series(pd.Series([], dtype=float, index=pd.DatetimeIndex([])))
    with pytest.raises(ValueError, match="horizon"):
        forecast_series(pd.Series([1.0], index=pd.DatetimeIndex(["2026-06-01"])), horizon=0)
