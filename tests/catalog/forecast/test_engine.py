"""Model choice of the engine: on the current regime, recency-weighted, the robust default otherwise."""

from __future__ import annotations

import numpy as np

from catalog.forecast.engine import DEFAULT_CONFIG, forecast_array
from catalog.forecast.models import History, RecentMedian


def _staircase(days: int, start: float = 2.0) -> np.ndarray:
    """A price cut by 3% every third day: the newest price is the best guess of the next ones."""
    return start * 0.97 ** (np.arange(days) // 3)


def _flip_flop(days: int, seed: int = 3) -> np.ndarray:
    """A daily median that jumps between two sellers' prices depending on who was collected."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(days) < 0.6, 1.0, 1.5)


def test_short_regime_keeps_the_robust_default() -> None:
    raw = np.concatenate([_staircase(80), _flip_flop(12)])
    result = forecast_array(raw, 30, breaks=[80])
    assert result.model == DEFAULT_CONFIG.default_model
    assert any("short price regime (12 days" in w for w in result.warnings)


def test_a_model_that_wins_on_the_current_regime_by_the_margin_is_chosen() -> None:
    raw = np.concatenate([_flip_flop(40), _staircase(60)])
    result = forecast_array(raw, 30, breaks=[40])
    assert result.model != DEFAULT_CONFIG.default_model
    assert result.scores[result.model] < 0.9 * result.scores[DEFAULT_CONFIG.default_model]
    # A staircase going down: the chosen path is at or below the last price, not the stale median.
    assert result.value[0] <= raw[-1] * 1.001


def test_windows_before_the_source_break_do_not_choose_the_model() -> None:
    # Before the break the staircase makes a last-value model look best; after it the market flips
    # between two prices, where that model loses. Only the 30 days after the break count.
    raw = np.concatenate([_staircase(70), _flip_flop(30)])
    result = forecast_array(raw, 30, breaks=[70])
    assert result.model == DEFAULT_CONFIG.default_model
    assert result.scores["last_value"] > result.scores[DEFAULT_CONFIG.default_model]


def test_recent_median_leans_to_the_cheaper_price_and_follows_the_newest_days() -> None:
    flips = np.array([1.0, 1.5] * 10)
    history = History(raw=flips, clean=flips, start=0)
    assert RecentMedian(7, inverse_price=True).predict(history, 3).tolist() == [1.0, 1.0, 1.0]
    # A new price that has held for two half-lives carries most of the weight.
    moved = np.concatenate([np.full(30, 3.0), np.full(14, 2.0)])
    assert RecentMedian(7).predict(History(raw=moved, clean=moved, start=0), 1)[0] == 2.0
    # Days before the current sources took over do not count at all.
    switched = History(raw=moved, clean=moved, start=0, source_start=40)
    assert RecentMedian(30, inverse_price=False).predict(switched, 1)[0] == 2.0
