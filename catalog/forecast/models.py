"""Point-forecast models for one market's daily price index, from naive baselines to Prophet.

Every model maps a :class:`History` (the raw daily values up to the forecast origin, their
outlier-cleaned copy and the index where the current price regime starts) to ``horizon`` future
values. The cheap models are robust level estimates, because GPU list prices move in steps and then
sit flat: a level read from the current regime is hard to beat. :class:`ProphetModel` is the
design's original choice and stays a candidate; it only wins where a regime is long enough to show
a real trend. Models never fail on short or gappy input: they fall back to the last observed price.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class History:
    """Training data as a model sees it: everything strictly before the forecast origin."""

    raw: np.ndarray
    clean: np.ndarray
    start: int
    #: Where the current data sources took over (the latest source break; 0 without one). Unlike
    #: ``start`` it ignores detected level shifts: recency weighting handles those by itself.
    source_start: int = 0

    @property
    def regime(self) -> np.ndarray:
        """Cleaned values of the current regime, missing days dropped."""
        values = self.clean[self.start :]
        return np.asarray(values[~np.isnan(values)], dtype=np.float64)

    @property
    def last(self) -> float:
        observed = self.raw[~np.isnan(self.raw)]
        return float(observed[-1])


class Model(Protocol):
    """A point forecaster; ``expensive`` models get fewer backtest origins."""

    @property
    def name(self) -> str: ...

    @property
    def expensive(self) -> bool: ...

    def predict(self, history: History, horizon: int) -> np.ndarray: ...


def _flat(value: float, horizon: int) -> np.ndarray:
    return np.full(horizon, value, dtype=np.float64)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value whose cumulative weight reaches half of the total weight."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    position = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
    return float(values[order][min(position, values.size - 1)])


@dataclass(frozen=True)
class LastValue:
    """Naive baseline: tomorrow costs what the last observed day cost."""

    name: str = "last_value"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        return _flat(history.last, horizon)


@dataclass(frozen=True)
class TrailingMedian:
    """Baseline: median of the raw values over the last ``days`` calendar days."""

    days: int = 7
    name: str = "median_7d"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        window = history.raw[-self.days :]
        window = window[~np.isnan(window)]
        return _flat(float(np.median(window)) if window.size else history.last, horizon)


@dataclass(frozen=True)
class RecentMedian:
    """Recency-weighted median of the raw values since the current data sources took over, held flat.

    Each observed day weighs ``0.5 ** (age / half_life)``, so the level follows the newest prices
    without the hard cut-off of a trailing window; once half of the weight lies on a new price the
    forecast moves to it. With ``inverse_price`` the weights are also divided by the price, which
    makes the result the constant that minimises the (recency-weighted) mean absolute percentage
    error: on a market whose daily median flips between the prices of whichever sellers were
    collected that day, it leans towards the lower one, because over-forecasting a cheap day costs
    more percentage points than under-forecasting a dear one.
    """

    half_life: float = 7.0
    inverse_price: bool = True
    name: str = "recent_wmedian_7d"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        segment = history.raw[history.source_start :]
        observed = np.flatnonzero(~np.isnan(segment))
        if observed.size == 0:
            return _flat(history.last, horizon)
        values = segment[observed]
        weights = 0.5 ** ((segment.size - 1 - observed) / self.half_life)
        if self.inverse_price:
            weights = weights / values
        return _flat(weighted_median(values, weights), horizon)


@dataclass(frozen=True)
class Drift:
    """Baseline: extend the straight line from the regime's first to its last cleaned value."""

    name: str = "drift"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        segment = history.clean[history.start :]
        observed = np.flatnonzero(~np.isnan(segment))
        if observed.size < 2:
            return _flat(history.last, horizon)
        first, last = observed[0], observed[-1]
        slope = (segment[last] - segment[first]) / float(last - first)
        # The path starts at the last *cleaned* value and is floored so it never goes negative.
        steps = np.arange(1, horizon + 1) + (segment.size - 1 - last)
        return np.asarray(np.maximum(segment[last] + slope * steps, 0.05 * segment[last]), dtype=np.float64)


@dataclass(frozen=True)
class RegimeLevel:
    """Robust level of the current regime, held flat.

    The level is the median of the cleaned values of the last ``days`` days of the regime. With
    ``weighted`` the median is weighted by 1/price, which is the constant that minimises the mean
    absolute percentage error over those days: on a market that flips between two price points it
    leans to the lower one, because over-forecasting a cheap day costs more percentage points than
    under-forecasting an expensive one.
    """

    days: int = 28
    weighted: bool = False
    name: str = "regime_median_28d"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        segment = history.clean[max(history.start, history.clean.size - self.days) :]
        segment = segment[~np.isnan(segment)]
        if segment.size == 0:
            return _flat(history.last, horizon)
        if self.weighted:
            return _flat(weighted_median(segment, 1.0 / segment), horizon)
        return _flat(float(np.median(segment)), horizon)


@dataclass(frozen=True)
class ExpSmoothing:
    """Simple exponential smoothing of the log of the cleaned regime, held flat.

    Unlike a windowed median it moves a little with every day, which suits markets whose level
    drifts through a mix of sellers rather than stepping.
    """

    alpha: float = 0.3
    name: str = "exp_smoothing"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        values = history.regime
        if values.size == 0:
            return _flat(history.last, horizon)
        logs = np.log(values)
        level = float(logs[0])
        for value in logs[1:]:
            level += self.alpha * (float(value) - level)
        return _flat(math.exp(level), horizon)


@dataclass(frozen=True)
class DampedTrend:
    """Holt's linear method with a damped trend on the log of the cleaned regime.

    Smoothing weights are fixed rather than fitted: regimes are short (a few weeks), and fitted
    weights on so few points chase noise. The strong damping (0.8) limits the total extrapolation
    to about four days of the current trend: a trend read at the top of a price spike must not be
    carried for a month.
    """

    alpha: float = 0.3
    beta: float = 0.05
    phi: float = 0.8
    name: str = "damped_trend"
    expensive: bool = False

    def predict(self, history: History, horizon: int) -> np.ndarray:
        values = history.regime
        if values.size < 3:
            return _flat(history.last, horizon)
        logs = np.log(values)
        level, trend = float(logs[0]), 0.0
        for value in logs[1:]:
            previous = level
            level = self.alpha * float(value) + (1.0 - self.alpha) * (level + self.phi * trend)
            trend = self.beta * (level - previous) + (1.0 - self.beta) * self.phi * trend
        damping = np.cumsum(self.phi ** np.arange(1, horizon + 1))
        return np.asarray(np.exp(level + damping * trend), dtype=np.float64)


_log = logging.getLogger(__name__)


def _quiet_stan_logs() -> None:
    """Silence the per-fit INFO lines of cmdstanpy and Prophet (hundreds per backtest)."""
    for name in ("cmdstanpy", "prophet"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        # cmdstanpy installs its own INFO handler and resets the level on first use unless the
        # logger already has a handler; a NullHandler keeps our level and adds no output.
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class ProphetModel:
    """Prophet on the log of the cleaned regime, no seasonality, conservative changepoints.

    Daily and yearly seasonality cannot be estimated from a few weeks of history and weekly
    patterns are absent from list prices, so all seasonal terms are off; the fit is a piecewise
    linear trend. Working in logs keeps forecasts positive. Prophet's own uncertainty sampling is
    disabled (intervals come from backtest residuals), which also makes a fit-and-predict about
    0.1 s instead of several tenths.
    """

    changepoint_prior_scale: float = 0.05
    #: Prophet's default of 25 candidate changepoints is meant for years of data; on a regime of
    #: a few weeks 10 fit as well and make the Stan optimisation several times faster.
    n_changepoints: int = 10
    min_days: int = 21
    name: str = "prophet"
    expensive: bool = True

    def predict(self, history: History, horizon: int) -> np.ndarray:
        segment = history.clean[history.start :]
        days = pd.date_range("2000-01-01", periods=segment.size, freq="D")
        mask = ~np.isnan(segment)
        if int(mask.sum()) < self.min_days:
            return _flat(history.last, horizon)
        frame = pd.DataFrame({"ds": days[mask], "y": np.log(segment[mask])})
        # Prophet complains at import that plotly is missing; plots are never drawn here.
        logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
        try:
            from prophet import Prophet  # imported lazily: importing it takes about a second

            _quiet_stan_logs()

            model = Prophet(
                growth="linear",
                changepoint_prior_scale=self.changepoint_prior_scale,
                n_changepoints=min(self.n_changepoints, int(mask.sum()) // 3),
                yearly_seasonality=False,
                weekly_seasonality=False,
                daily_seasonality=False,
                uncertainty_samples=0,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(frame)
            future = pd.DataFrame({"ds": pd.date_range(days[-1] + pd.Timedelta(days=1), periods=horizon)})
            predicted = np.asarray(model.predict(future)["yhat"].to_numpy(dtype=float), dtype=np.float64)
        except Exception:  # a failed Stan fit must not take the other markets' forecasts down with it
            _log.warning("prophet fit failed; falling back to the last observed price", exc_info=True)
            return _flat(history.last, horizon)
        # Guard against a runaway trend: a list price rarely moves more than 2x in a month.
        last_log = math.log(history.last)
        return np.asarray(np.exp(np.clip(predicted, last_log - math.log(2), last_log + math.log(2))))
