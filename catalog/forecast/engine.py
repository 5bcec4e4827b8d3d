"""Model selection, interval calibration and the one-series forecast, all on numpy arrays.

:func:`forecast_array` is the whole method for one market: clean the history, find the current
regime, score every candidate model on a rolling-origin backtest *inside* the history it was given
(so nothing after the forecast origin can influence the choice), keep the best, and turn that
model's backtest errors into 80% and 95% intervals. The same function is what the outer validation
calls at each origin, so the validation measures exactly what the product ships.

Model choice (docs/DECISIONS.md, "Forecasting"): the default is a recency-weighted, 1/price-weighted
median of the prices since the current data sources took over. Another candidate replaces it only
when it wins by ``switch_margin`` on the inner windows that start inside the current source regime
and score at least ``select_min_days`` days ahead, weighted towards the newest windows. Windows that
look only a few days ahead are left out of the choice because they favour models that chase the last
price, which then lose over the 30 days the forecast is used for. A regime too short to hold
``select_min_windows`` such windows keeps the default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from catalog.forecast.cleaning import hampel, last_level_shift
from catalog.forecast.models import (
    ExpSmoothing,
    History,
    LastValue,
    Model,
    ProphetModel,
    RecentMedian,
    TrailingMedian,
)


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of the method; defaults are what the product uses."""

    candidates: tuple[Model, ...] = (
        RecentMedian(7, inverse_price=True, name="recent_wmedian_7d"),
        TrailingMedian(7, name="median_7d"),
        RecentMedian(3, inverse_price=True, name="recent_wmedian_3d"),
        RecentMedian(14, inverse_price=True, name="recent_wmedian_14d"),
        RecentMedian(7, inverse_price=False, name="recent_median_7d"),
        LastValue(),
        ExpSmoothing(),
        TrailingMedian(28, name="median_28d"),
        ProphetModel(),
    )
    #: The robust default: used on short regimes and the incumbent a challenger must beat.
    default_model: str = "recent_wmedian_7d"
    #: How far back (days) the inner backtest places origins, and their spacing.
    inner_lookback: int = 56
    inner_step: int = 1
    #: An inner origin needs this many observed days before it and this many days after it.
    inner_min_train: int = 7
    inner_min_eval: int = 1
    #: Model choice: only windows starting this many days after the current sources took over ...
    select_min_train: int = 5
    #: ... that look at least this many days ahead (half of them observed) count ...
    select_min_days: int = 21
    #: ... weighted by 0.5 ** (age / select_half_life); fewer than select_min_windows: keep the default.
    select_half_life: float = 14.0
    select_min_windows: int = 4
    #: A challenger must beat the default by this relative margin to be chosen.
    switch_margin: float = 0.1
    #: Expensive models (Prophet) are scored on at most this many of the choice windows, spaced
    #: this many days apart, and only when the detected regime has this many observed days.
    expensive_origins: int = 2
    expensive_step: int = 7
    expensive_min_regime: int = 35
    #: Fewer backtest errors than this: the interval comes from the history's own scatter.
    min_scored_points: int = 20
    #: The band is never narrower than the scatter of the regime's last this many days (0: off).
    scatter_days: int = 28
    use_prophet: bool = True


DEFAULT_CONFIG = EngineConfig()

Z80 = 1.2815515655446004
Z95 = 1.959963984540054
_LAPLACE_95_80 = math.log(20.0) / math.log(5.0)
_MAX_LOG_BAND_30D = math.log(4.0)


@dataclass
class ArrayForecast:
    """Result of :func:`forecast_array`: point path, intervals and how the model was chosen."""

    model: str
    value: np.ndarray
    low80: np.ndarray
    high80: np.ndarray
    low95: np.ndarray
    high95: np.ndarray
    backtest_mape: float | None
    scores: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def build_history(raw: np.ndarray, breaks: Sequence[int] = ()) -> History:
    """Clean ``raw`` and locate the current regime (latest of detected shift and known break)."""
    clean = hampel(raw)
    start = last_level_shift(clean)
    known = [b for b in breaks if 0 < b < raw.size]
    source_start = max(known) if known else 0
    start = max(start, source_start)
    if np.all(np.isnan(clean[start:])):
        start = 0
    if np.all(np.isnan(raw[source_start:])):
        source_start = 0
    return History(raw=raw, clean=clean, start=start, source_start=source_start)


@dataclass
class _Window:
    """One inner backtest origin: its actuals and each model's path from the history before it."""

    origin: int
    actual: np.ndarray
    weight: float
    for_choice: bool
    predicted: dict[str, np.ndarray] = field(default_factory=dict)

    def ape(self, name: str) -> float:
        mask = ~np.isnan(self.actual)
        a = self.actual[mask]
        return float(np.mean(np.abs(a - self.predicted[name][: self.actual.size][mask]) / a))

    def log_errors(self, name: str) -> list[tuple[int, float]]:
        mask = ~np.isnan(self.actual)
        steps = np.flatnonzero(mask) + 1
        a = self.actual[mask]
        p = self.predicted[name][: self.actual.size][mask]
        return list(zip(steps.tolist(), np.log(a / p).tolist(), strict=True))


def _inner_origins(raw: np.ndarray, config: EngineConfig) -> list[int]:
    n = raw.size
    observed_before = np.concatenate([[0], np.cumsum(~np.isnan(raw))])
    first = max(1, n - config.inner_lookback)
    last = n - config.inner_min_eval
    return [
        u for u in range(last, first - 1, -config.inner_step) if observed_before[u] >= config.inner_min_train
    ]


def _windows(raw: np.ndarray, breaks: Sequence[int], horizon: int, config: EngineConfig) -> list[_Window]:
    """Every inner origin with the cheap models' paths; which of them may decide the model."""
    n = raw.size
    known = [b for b in breaks if 0 < b < n]
    source_start = max(known) if known else 0
    windows = []
    cheap = [m for m in config.candidates if not m.expensive]
    for u in _inner_origins(raw, config):
        actual = raw[u : min(n, u + horizon)]
        if np.all(np.isnan(actual)):
            continue
        for_choice = (
            u >= source_start + config.select_min_train
            and actual.size >= config.select_min_days
            and int(np.sum(~np.isnan(actual))) >= config.select_min_days // 2
        )
        history = build_history(raw[:u], [b for b in breaks if b < u])
        window = _Window(u, actual, 0.5 ** ((n - u) / config.select_half_life), for_choice)
        for model in cheap:
            window.predicted[model.name] = model.predict(history, actual.size)
        windows.append(window)
    return windows


def _choice_scores(windows: list[_Window], names: Sequence[str]) -> dict[str, float]:
    """Recency-weighted mean of each model's window MAPE over the windows that may decide."""
    chosen = [w for w in windows if w.for_choice and all(n in w.predicted for n in names)]
    total = sum(w.weight for w in chosen)
    if not chosen or total <= 0:
        return {}
    return {name: sum(w.weight * w.ape(name) for w in chosen) / total for name in names}


def _add_expensive(
    raw: np.ndarray, breaks: Sequence[int], windows: list[_Window], config: EngineConfig
) -> list[_Window]:
    """Prophet's paths on the newest few choice windows, spaced ``expensive_step`` days apart."""
    expensive = [m for m in config.candidates if m.expensive]
    picked: list[_Window] = []
    for window in sorted((w for w in windows if w.for_choice), key=lambda w: -w.origin):
        if len(picked) >= config.expensive_origins:
            break
        if picked and picked[-1].origin - window.origin < config.expensive_step:
            continue
        history = build_history(raw[: window.origin], [b for b in breaks if b < window.origin])
        if np.sum(~np.isnan(history.clean[history.start :])) < config.expensive_min_regime:
            break
        for model in expensive:
            window.predicted[model.name] = model.predict(history, window.actual.size)
        picked.append(window)
    return picked


def _interval_quantiles(
    errors: list[tuple[int, float]], horizon: int, fallback_sigma: float, min_errors: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-step log-error quantiles (q2.5, q10, q90, q97.5) for a forecast path.

    Backtest errors at step ``h`` are divided by ``sqrt(h)`` and pooled: on this data the spread of
    errors grows like a random walk's, so the many short-horizon errors a backtest provides also
    inform the far end of the path. The pooled empirical quantiles are used as they are (price
    errors are skewed: drops are larger than rises). With fewer than ``min_errors`` errors a normal
    band of ``fallback_sigma`` per sqrt(day) is used instead.
    """
    if len(errors) >= min_errors:
        err_steps = np.array([s for s, _ in errors], dtype=np.float64)
        err = np.array([e for _, e in errors], dtype=np.float64)
        q = np.quantile(err / np.sqrt(err_steps), [0.025, 0.10, 0.90, 0.975])
    else:
        q = np.array([-Z95, -Z80, Z80, Z95]) * fallback_sigma
    # A few weeks of errors rarely contain the tail events; the 95% band is at least as wide,
    # relative to the 80% band, as for a Laplace distribution (ln 20 / ln 5 = 1.86).
    q[0] = min(q[0], _LAPLACE_95_80 * q[1])
    q[3] = max(q[3], _LAPLACE_95_80 * q[2])
    # A market that never moved still gets a non-degenerate band (prices do get re-set), and a
    # market with wild backtest errors (sparse spot feeds) does not get a band wider than a factor
    # of 4 either way at 30 days, which would say nothing.
    cap = _MAX_LOG_BAND_30D / math.sqrt(30.0)
    q = np.array([min(q[0], -0.02), min(q[1], -0.01), max(q[2], 0.01), max(q[3], 0.02)])
    q = np.clip(q, -cap, cap)
    profile = np.sqrt(np.arange(1, horizon + 1, dtype=np.float64))
    return q[0] * profile, q[1] * profile, q[2] * profile, q[3] * profile


def _scatter_quantiles(history: History, level: float, days: int) -> np.ndarray | None:
    """Quantiles (2.5, 10, 90, 97.5%) of the log distance of the regime's recent days from ``level``.

    A flat forecast misses by at least the day-to-day scatter of the daily median (which sellers
    were collected that day), whatever the horizon; a regime a week old has too few backtest errors
    of its own to show it. None with fewer than five observed days.
    """
    segment = history.raw[max(history.source_start, history.raw.size - days) :]
    values = segment[~np.isnan(segment)]
    if values.size < 5:
        return None
    return np.asarray(np.quantile(np.log(values / level), [0.025, 0.10, 0.90, 0.975]), dtype=np.float64)


def _fallback_sigma(history: History) -> float:
    """Per-sqrt(day) log spread for a history too short to backtest: its own scatter, at least 3%."""
    regime = history.regime if history.regime.size >= 3 else history.raw[~np.isnan(history.raw)]
    logs = np.log(regime)
    scatter = 1.4826 * float(np.median(np.abs(logs - np.median(logs)))) if logs.size else 0.0
    return max(scatter, 0.03)


def forecast_array(
    raw: np.ndarray,
    horizon: int = 30,
    breaks: Sequence[int] = (),
    config: EngineConfig = DEFAULT_CONFIG,
) -> ArrayForecast:
    """Forecast ``horizon`` days after the last element of ``raw`` (daily values, NaN = missing).

    ``breaks`` are indices into ``raw`` where the data source changed; the regime never starts
    before the latest of them. Raises ``ValueError`` if ``raw`` has no observed value.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if raw.size == 0 or np.all(np.isnan(raw)):
        raise ValueError("cannot forecast a series without any observed price")
    notes: list[str] = []
    history = build_history(raw, breaks)
    observed = int(np.sum(~np.isnan(raw)))
    by_name = {m.name: m for m in config.candidates}
    chosen = config.default_model

    windows = _windows(raw, breaks, max(horizon, config.select_min_days), config)
    cheap = [m.name for m in config.candidates if not m.expensive]
    scores = _choice_scores(windows, cheap)
    n_choice = sum(1 for w in windows if w.for_choice)
    if n_choice < config.select_min_windows or chosen not in scores:
        notes.append(
            f"short price regime ({raw.size - history.source_start} days since the current sources): "
            f"model not chosen by backtest, using {chosen}"
        )
    else:
        best = scores[chosen]
        for name in cheap:
            if scores[name] < best * (1.0 - config.switch_margin):
                chosen, best = name, scores[name]
        if config.use_prophet and any(m.expensive for m in config.candidates):
            picked = _add_expensive(raw, breaks, windows, config)
            if picked:
                expensive = [m.name for m in config.candidates if m.expensive]
                duel = _choice_scores(picked, [chosen, *expensive])
                for name in expensive:
                    if name in duel:
                        scores[name] = duel[name]
                        if duel[name] < duel[chosen] * (1.0 - config.switch_margin):
                            chosen = name
    model = by_name[chosen]
    value = model.predict(history, horizon)
    errors = [e for w in windows if chosen in w.predicted for e in w.log_errors(chosen)]
    q025, q10, q90, q975 = _interval_quantiles(
        errors, horizon, _fallback_sigma(history), config.min_scored_points
    )
    scatter = (
        _scatter_quantiles(history, float(value[0]), config.scatter_days) if config.scatter_days > 0 else None
    )
    if scatter is not None:
        q025, q10 = np.minimum(q025, scatter[0]), np.minimum(q10, scatter[1])
        q90, q975 = np.maximum(q90, scatter[2]), np.maximum(q975, scatter[3])
    if history.start > 0 and raw.size - history.start < 14:
        notes.append(f"price regime changed {raw.size - history.start} days before the last date")
    if observed < 14:
        notes.append(f"only {observed} observed days: forecast and intervals are rough")
    backtest = scores.get(chosen)
    return ArrayForecast(
        model=chosen,
        value=value,
        low80=value * np.exp(q10),
        high80=value * np.exp(q90),
        low95=value * np.exp(q025),
        high95=value * np.exp(q975),
        backtest_mape=None if backtest is None or not math.isfinite(backtest) else float(backtest),
        scores={k: float(v) for k, v in scores.items() if math.isfinite(v)},
        warnings=notes,
    )
