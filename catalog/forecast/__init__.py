"""GPU rental price forecasting: per-market daily price index, 30-day forecasts and their backtest.

A market is one GPU model with one rental type (on-demand or spot); its raw daily index is the
median of the day's per-offer-group median prices, and its *market index* (:mod:`catalog.forecast.index`)
is the chained matched-panel index of the same rows, free of composition jumps. :func:`forecast_command`
forecasts every market of a history CSV, :func:`validate_command` backtests the method on it (whole
history and current regime), and the lower-level pieces (:func:`load_history`, :func:`market_series`,
:func:`forecast_series`, :func:`forecast_markets`, :func:`market_index`, :func:`forecast_index`) are
exported for the CLI, the API and the agent. The package is pure: no database, no network.
"""

from catalog.forecast.data import load_history, market_series
from catalog.forecast.index import forecast_index, market_index
from catalog.forecast.service import (
    ForecastPoint,
    MarketForecast,
    forecast_command,
    forecast_markets,
    forecast_series,
    format_validation,
    validate_command,
)

__all__ = [
    "ForecastPoint",
    "MarketForecast",
    "forecast_command",
    "forecast_index",
    "forecast_markets",
    "forecast_series",
    "format_validation",
    "load_history",
    "market_index",
    "market_series",
    "validate_command",
]
