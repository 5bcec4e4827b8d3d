"""Cost predictions for a GPU configuration: the forecast service behind ``POST /predict`` and the
assistant's ``forecast_cost`` tool.

Forecasts are computed per market (a GPU model and rental type of the bundled observations) by
:mod:`catalog.forecast`, stored in ``market_forecasts`` and served from there, so no request waits
for a model fit. :func:`refresh_forecasts` recomputes them when the observations change (after
``gpubroker init`` loads them, and in the API's background refresher); a request for a market with
no stored forecast gets the current-price estimate with a wider interval and a warning.

Level: the market forecast is the median across providers. When the request names a region or a
provider, the path is scaled to the current median price of the matching catalog offers, keeping
the forecast's shape and relative interval.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.gpus import GPUS, history_model_to_gpu, resolve_gpu, suggest_gpus
from catalog.regions import resolve_place
from core.errors import InvalidInput

log = logging.getLogger(__name__)

HORIZON_DAYS = 30
FALLBACK_SPREAD = 0.25  # +/- around today's price when a GPU has no forecastable history


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gpu_type: str = Field(
        min_length=1, max_length=60, description="GPU family or alias: H100, 'a100 80gb', 4090"
    )
    hours: float = Field(gt=0, le=24 * 366, description="how long it runs")
    count: int = Field(1, ge=1, le=1024, description="number of GPUs")
    region: str | None = Field(
        None, max_length=80, description="geo (eu, na, ...), country or a provider region"
    )
    provider: str | None = Field(None, max_length=40)
    spot: bool = False


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [
                r["observed_at"].date().isoformat()
                if hasattr(r["observed_at"], "date")
                else str(r["observed_at"])[:10]
                for r in rows
            ],
            "provider": [r["provider"] for r in rows],
            "gpu_model": [r["market"] for r in rows],
            "gpu_count": [r["gpu_count"] for r in rows],
            "region": [r["region"] or "global" for r in rows],
            "rental_type": ["spot" if r["spot"] else "on_demand" for r in rows],
            "price_min_usd": [float(r["price_min_per_gpu_hour"] or r["price_per_gpu_hour"]) for r in rows],
            "price_median_usd": [float(r["price_per_gpu_hour"]) for r in rows],
            "price_max_usd": [float(r["price_max_per_gpu_hour"] or r["price_per_gpu_hour"]) for r in rows],
            "n_offers": [int(r["n_offers"] or 1) for r in rows],
            "source_url": [str(r["source"]).removeprefix("observations:") for r in rows],
            "fetched_at": ["" for _ in rows],
        }
    )


def refresh_forecasts(session: Session, *, force: bool = False) -> int:
    """Recompute every market's forecast from the stored observations; returns markets written.

    Skipped (returns 0) when the stored forecasts were computed from the same history."""
    from catalog.forecast.service import forecast_markets

    fingerprint = repo.observation_fingerprint(session)
    stored = repo.market_forecasts(session)
    if stored and not force and all(f.fingerprint == fingerprint for f in stored):
        return 0
    rows = repo.observation_frame_rows(session)
    if not rows:
        return 0
    started = time.perf_counter()
    frame = _frame(rows)
    days = frame.groupby(["gpu_model", "rental_type"])["date"].nunique().to_dict()
    now = datetime.now(UTC)
    out = []
    for f in forecast_markets(frame, HORIZON_DAYS):
        gpu = history_model_to_gpu(f.gpu_model)
        out.append(
            {
                "market": f.gpu_model,
                "rental_type": f.rental_type,
                "gpu_family": gpu.family,
                "gpu_variant": gpu.variant,
                "gpu_memory_gb": gpu.memory_gb,
                "last_date": datetime.combine(f.last_date, datetime.min.time(), UTC),
                "history_days": int(days.get((f.gpu_model, f.rental_type), 0)),
                "model": f.model,
                "backtest_mape": f.backtest_mape,
                "points": [
                    {
                        "date": p.date.isoformat(),
                        "value": p.value,
                        "low80": p.low80,
                        "high80": p.high80,
                        "low95": p.low95,
                        "high95": p.high95,
                    }
                    for p in f.points
                ],
                "warnings": f.warnings,
                "fingerprint": fingerprint,
                "computed_at": now,
            }
        )
    repo.replace_market_forecasts(session, out)
    log.info("forecasts refreshed: %d markets in %.1f s", len(out), time.perf_counter() - started)
    return len(out)


def _pick_market(
    forecasts: list[Any], family: str, variant: str | None, memory: float | None, spot: bool
) -> Any | None:
    rental = "spot" if spot else "on_demand"
    candidates = [f for f in forecasts if f.gpu_family == family and f.rental_type == rental]
    if variant:
        candidates = [f for f in candidates if f.gpu_variant == variant] or candidates
    if memory:
        candidates = [f for f in candidates if (f.gpu_memory_gb or 0) >= memory] or candidates
    # The market with the longest history is the most trustworthy stand-in for the family.
    return max(candidates, key=lambda f: (f.history_days, f.market), default=None)


def _location_filters(region: str | None) -> dict[str, Any]:
    if not region:
        return {}
    place = resolve_place(region)
    if place is not None:
        return {"geo": place.geo, "country": place.country}
    return {"region": region}


def predict(
    session: Session, req: PredictRequest, *, level_price_per_gpu: float | None = None
) -> dict[str, Any]:
    """``{currency, hourly, daily, total, ci_low, ci_high, horizon_days, model, backtest_mape, series, ...}``.

    ``level_price_per_gpu`` pins today's level (an offer's own price) and keeps the market's shape."""
    gpu = resolve_gpu(req.gpu_type)
    if gpu is None:
        near = suggest_gpus(req.gpu_type)
        raise InvalidInput(
            f"unknown gpu_type {req.gpu_type!r}" + (f"; nearest known: {', '.join(near)}" if near else ""),
            details=[{"field": "gpu_type", "message": "unknown GPU", "suggestions": near}],
        )
    warnings: list[str] = []
    loc = _location_filters(req.region)
    spec = repo.SearchSpec(
        gpu_family=gpu.family,
        gpu_variant=gpu.variant,
        min_gpu_memory_gb=gpu.memory_gb,
        providers=[req.provider.lower()] if req.provider else None,
        spot=req.spot,
        availability="up",
        **loc,
    )
    current = repo.current_offer_prices(session, spec)
    market = _pick_market(repo.market_forecasts(session), gpu.family, gpu.variant, gpu.memory_gb, req.spot)
    days = max(1, min(HORIZON_DAYS, math.ceil(req.hours / 24)))
    if req.hours > HORIZON_DAYS * 24:
        warnings.append(
            f"the forecast covers {HORIZON_DAYS} days; later days are priced at the {HORIZON_DAYS}-day average"
        )
    if market is not None:
        points = market.points
        scale = 1.0
        anchor = float(points[0]["value"])
        if level_price_per_gpu is not None:
            scale = level_price_per_gpu / anchor
        elif (req.region or req.provider) and current:
            scale = statistics.median(current) / anchor
        elif (req.region or req.provider) and not current:
            warnings.append("no current offers match the region/provider: the market-wide forecast is shown")
        window = points[:days]
        per_gpu = sum(float(p["value"]) for p in window) / len(window) * scale
        low = sum(float(p["low80"]) for p in window) / len(window) * scale
        high = sum(float(p["high80"]) for p in window) / len(window) * scale
        series = [
            {
                "date": p["date"],
                "value": round(float(p["value"]) * scale * req.count, 4),
                "low": round(float(p["low80"]) * scale * req.count, 4),
                "high": round(float(p["high80"]) * scale * req.count, 4),
            }
            for p in points
        ]
        model, mape = str(market.model), market.backtest_mape
        basis = f"{market.market} {market.rental_type} market forecast from {market.last_date:%Y-%m-%d}"
        warnings += list(market.warnings or [])
    else:
        base = (
            level_price_per_gpu
            if level_price_per_gpu is not None
            else (statistics.median(current) if current else None)
        )
        if base is None:
            raise InvalidInput(
                f"no price data for {gpu.family}: no current offers and no price history",
                details=[{"field": "gpu_type", "message": "no price data"}],
            )
        warnings.append(
            f"{gpu.family} has too little price history to forecast: today's price with a +/-{FALLBACK_SPREAD:.0%} interval"
        )
        per_gpu, low, high = base, base * (1 - FALLBACK_SPREAD), base * (1 + FALLBACK_SPREAD)
        today = date.today()
        series = [
            {
                "date": (today + timedelta(days=i + 1)).isoformat(),
                "value": round(base * req.count, 4),
                "low": round(low * req.count, 4),
                "high": round(high * req.count, 4),
            }
            for i in range(HORIZON_DAYS)
        ]
        model, mape, basis = "current-price", None, f"median of {len(current)} current offers"
    hourly = per_gpu * req.count
    return {
        "currency": "USD",
        "gpu_family": gpu.family,
        "gpu_variant": gpu.variant,
        "count": req.count,
        "hours": req.hours,
        "hourly": round(hourly, 4),
        "daily": round(hourly * 24, 2),
        "total": round(hourly * req.hours, 2),
        "ci_low": round(min(low, per_gpu) * req.count, 4),
        "ci_high": round(max(high, per_gpu) * req.count, 4),
        "horizon_days": HORIZON_DAYS,
        "model": model,
        "backtest_mape": mape,
        "basis": basis,
        "current_offers": len(current),
        "series": series,
        "warnings": warnings,
    }


def known_families() -> list[str]:
    return sorted(GPUS)
