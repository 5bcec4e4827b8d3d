"""Model selection, interval calibration and the one-series forecast, all on numpy arrays.

:func:`forecast_array` is the whole method for one market: clean the history, find the current
regime, score every candidate model on a rolling-origin backtest *inside* the history it was given
(so nothing after the forecast origin can influence the choice), keep the best, and turn that
model's backtest errors into 80% and 95% intervals. The same function is what the outer validation
calls at each origin, so the validation measures exactly what the product ships.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from catalog.forecast.cleaning import hampel, last_level_shift
from catalog.forecast.models import (
    DampedTrend,
    ExpSmoothing,
    History,
    Model,
    ProphetModel,
    RegimeLevel,
    TrailingMedian,
)


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of the method; defaults are what the product uses."""

    candidates: tuple[Model, ...] = (
        RegimeLevel(28, weighted=False, name="regime_median_28d"),
        TrailingMedian(7, name="median_7d"),
        RegimeLevel(14, weighted=False, name="regime_median_14d"),
        RegimeLevel(28, weighted=True, name="regime_wmedian_28d"),
        ExpSmoothing(),
        DampedTrend(),
        ProphetModel(),
    )
    #: Used when the history is too short to score candidates, and the incumbent otherwise.
    default_model: str = "regime_median_28d"
    #: How far back (days) the inner backtest places origins, and their spacing.
    inner_lookback: int = 56
    inner_step: int = 2
    #: An inner origin needs this many observed days before it and this many days after it.
    inner_min_train: int = 7
    inner_min_eval: int = 1
    #: Expensive models (Prophet) are scored on at most this many inner origins ...
    expensive_origins: int = 2
    #: ... spaced this many days apart, only when the regime has this many observed days and the
    #: best cheap model's backtest MAPE is at least this large.
    expensive_step: int = 7
    expensive_min_regime: int = 35
    expensive_min_error: float = 0.015
    #: A challenger must beat the simpler incumbent by this relative margin to be chosen.
    switch_margin: float = 0.1
    #: Fewer scored (origin, day) pairs than this means "not enough history to choose".
    min_scored_points: int = 20
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
    if known:
        start = max(start, max(known))
    if np.all(np.isnan(clean[start:])):
        start = 0
    return History(raw=raw, clean=clean, start=start)


@dataclass
class _Scores:
    """Absolute percentage errors and log errors per model over the inner backtest."""

    ape: dict[str, list[float]] = field(default_factory=dict)
    log_err: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def add(self, name: str, actual: np.ndarray, predicted: np.ndarray, scored: int) -> None:
        """Record one origin: APE on the first ``scored`` days, log errors on all of them.

        Interval errors keep the days after a source change (the future may hold another one),
        while model choice ignores them (no model could have foreseen the switch).
        """
        mask = ~np.isnan(actual)
        steps = np.flatnonzero(mask) + 1
        a = actual[mask]
        p = predicted[mask]
        keep = steps <= scored
        if keep.any():
            self.ape.setdefault(name, []).extend((np.abs(a[keep] - p[keep]) / a[keep]).tolist())
        if steps.size:
            self.log_err.setdefault(name, []).extend(zip(steps.tolist(), np.log(a / p).tolist(), strict=True))

    def mape(self, name: str) -> float:
        values = self.ape.get(name, [])
        return float(np.mean(values)) if values else math.inf


def _inner_origins(raw: np.ndarray, config: EngineConfig) -> list[int]:
    n = raw.size
    observed_before = np.concatenate([[0], np.cumsum(~np.isnan(raw))])
    first = max(1, n - config.inner_lookback)
    last = n - config.inner_min_eval
    return [
        u for u in range(last, first - 1, -config.inner_step) if observed_before[u] >= config.inner_min_train
    ]


def _eval_end(u: int, n: int, horizon: int, breaks: Sequence[int]) -> int:
    # Forecasts are not scored across a known change of data source: the index after it is a
    # different mix of sellers, and no model could have anticipated the switch.
    end = min(n, u + horizon)
    for b in breaks:
        if u < b < end:
            end = b
    return end


def _score_cheap(raw: np.ndarray, breaks: Sequence[int], horizon: int, config: EngineConfig) -> _Scores:
    scores = _Scores()
    cheap = [m for m in config.candidates if not m.expensive]
    for u in _inner_origins(raw, config):
        end = min(raw.size, u + horizon)
        actual = raw[u:end]
        if np.all(np.isnan(actual)):
            continue
        scored = _eval_end(u, raw.size, horizon, breaks) - u
        history = build_history(raw[:u], [b for b in breaks if b < u])
        for model in cheap:
            scores.add(model.name, actual, model.predict(history, end - u), scored)
    return scores


def _score_expensive(
    raw: np.ndarray, breaks: Sequence[int], horizon: int, config: EngineConfig, incumbent: Model
) -> _Scores:
    """Score the expensive models and ``incumbent`` on the same few inner origins.

    The origins start ``expensive_step`` days before the end and go back in steps of that size, so
    each scores at least a week of forecast (the newest origins of the cheap backtest would score
    only a day or two).
    """
    scores = _Scores()
    expensive = [m for m in config.candidates if m.expensive]
    used = 0
    u = raw.size - config.expensive_step
    while used < config.expensive_origins and u > config.inner_min_train:
        end = min(raw.size, u + horizon)
        actual = raw[u:end]
        scored = _eval_end(u, raw.size, horizon, breaks) - u
        history = build_history(raw[:u], [b for b in breaks if b < u])
        if history.regime.size < config.expensive_min_regime:
            break
        if not np.all(np.isnan(actual[:scored])):
            scores.add(incumbent.name, actual, incumbent.predict(history, end - u), scored)
            for model in expensive:
                scores.add(model.name, actual, model.predict(history, end - u), scored)
            used += 1
        u -= config.expensive_step
    return scores


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

    cheap_scores = _score_cheap(raw, breaks, horizon, config)
    scores = {name: cheap_scores.mape(name) for name in cheap_scores.ape}
    errors = cheap_scores.log_err
    chosen = config.default_model
    if len(cheap_scores.ape.get(chosen, [])) < config.min_scored_points:
        notes.append(
            f"short history ({observed} observed days): model not chosen by backtest, using {chosen}"
        )
    else:
        # Candidates are ordered simplest first; a later one must win by a margin to be chosen.
        best = scores[chosen]
        for model in config.candidates:
            if not model.expensive and scores.get(model.name, math.inf) < best * (1.0 - config.switch_margin):
                chosen, best = model.name, scores[model.name]
        # Prophet is tried only where the cheap models leave room to gain and the regime is long
        # enough to fit a trend; otherwise its fits would cost time for nothing.
        if (
            config.use_prophet
            and best >= config.expensive_min_error
            and history.regime.size >= config.expensive_min_regime
            and any(m.expensive for m in config.candidates)
        ):
            exp_scores = _score_expensive(raw, breaks, horizon, config, by_name[chosen])
            incumbent = exp_scores.mape(chosen)
            for model in config.candidates:
                if model.expensive and model.name in exp_scores.ape:
                    challenger = exp_scores.mape(model.name)
                    scores[model.name] = challenger
                    if challenger < incumbent * (1.0 - config.switch_margin):
                        chosen, incumbent = model.name, challenger
                        errors = exp_scores.log_err
    model = by_name[chosen]
    value = model.predict(history, horizon)
    q025, q10, q90, q975 = _interval_quantiles(
        errors.get(chosen, []), horizon, _fallback_sigma(history), config.min_scored_points
    )
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
