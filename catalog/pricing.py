"""Cost estimates for a GPU configuration over a duration, with an interval.

The point estimate is today's price (an offer's, or the median of matching offers); the interval
comes from how much the GPU's market moved in its recent daily history: the 10th-90th percentile of
day-over-30-days relative changes. When the forecasting service has a forecast for the market it
supplies the interval instead (see :func:`estimate_cost`).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from catalog import repository as repo

DEFAULT_SPREAD = 0.15  # used when a GPU has too little history to measure its spread


@dataclass
class CostEstimate:
    hourly: float
    daily: float
    total: float
    hours: float
    ci_low: float
    ci_high: float
    basis: str
    model: str
    currency: str = "USD"
    warnings: list[str] = field(default_factory=list)


_SPREADS: dict[tuple[str, str, str | None, bool], tuple[float, tuple[float, float, int]]] = {}
SPREAD_TTL_S = 3600.0


def market_spread(session: Session, family: str, variant: str | None, spot: bool) -> tuple[float, float, int]:
    """Relative (down, up) moves of the market over 30 days, and the number of days of history.

    Daily history changes once a day at most, so the figure is kept for an hour per database."""
    key = (str(session.get_bind().engine.url), family, variant, spot)
    hit = _SPREADS.get(key)
    if hit is not None and time.monotonic() - hit[0] < SPREAD_TTL_S:
        return hit[1]
    value = _market_spread(session, family, variant, spot)
    _SPREADS[key] = (time.monotonic(), value)
    return value


def _market_spread(
    session: Session, family: str, variant: str | None, spot: bool
) -> tuple[float, float, int]:
    rows = repo.market_history(session, family, variant, spot)
    if not rows and variant:
        rows = repo.market_history(session, family, None, spot)
    by_day: dict[str, list[float]] = {}
    for r in rows:
        by_day.setdefault(str(r["observed_at"])[:10], []).append(float(r["price_per_gpu_hour"]))
    days = sorted(by_day)
    series = [statistics.median(by_day[d]) for d in days]
    if len(series) < 45:
        return DEFAULT_SPREAD, DEFAULT_SPREAD, len(series)
    changes = sorted(series[i + 30] / series[i] - 1 for i in range(len(series) - 30) if series[i] > 0)
    lo = changes[int(0.10 * (len(changes) - 1))]
    hi = changes[int(0.90 * (len(changes) - 1))]
    return max(0.02, -lo), max(0.02, hi), len(series)


def estimate_cost(
    session: Session,
    *,
    family: str,
    variant: str | None,
    price_per_hour: float,
    hours: float,
    spot: bool = False,
    basis: str,
) -> CostEstimate:
    down, up, days = market_spread(session, family, variant, spot)
    warnings = []
    if days < 45:
        warnings.append(
            f"only {days} days of {family} price history: the interval is a default +/-{DEFAULT_SPREAD:.0%}"
        )
    hourly = round(price_per_hour, 4)
    return CostEstimate(
        hourly=hourly,
        daily=round(hourly * 24, 2),
        total=round(hourly * hours, 2),
        hours=hours,
        ci_low=round(hourly * (1 - down), 4),
        ci_high=round(hourly * (1 + up), 4),
        basis=basis,
        model="current-price+history-spread",
        warnings=warnings,
    )


def median_price(rows: list[dict[str, Any]]) -> float:
    return float(statistics.median(float(r["price_per_hour"]) for r in rows))
