"""Cost predictions for a GPU configuration or one offer: the forecast service behind ``POST /predict``
and the assistant's ``forecast_cost`` tool.

Forecasts are computed per market (a GPU model and rental type of the bundled observations) by
:mod:`catalog.forecast`, stored in ``market_forecasts`` and served from there, so no request waits
for a model fit. :func:`refresh_forecasts` recomputes them when the observations change (after
``gpubroker init`` loads them, and in the background refresh); a request for a market with no stored
forecast gets the current-price estimate with a wider interval and a warning.

Two kinds of answer:

- by GPU type: the market's own forecast (the median across providers). When the request names a
  region or a provider, the path is scaled to the current median price of the matching catalog
  offers, keeping the forecast's shape and relative interval;
- by offer (``offer_id``): that offer's own price, its newest ``price_history`` row, moved day by day
  by the forecast of its market's chained index (catalog.forecast.index), with the index's interval.
  A price that has been flat for weeks therefore stays flat unless the market index is forecast to
  move.

Every answer carries the market index's ``trend`` and says when its history ends; when that is more
than ``STALE_AFTER_DAYS`` before today a warning says the forecast is of the past.
"""

from __future__ import annotations

import copy
import logging
import math
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.gpus import GPUS, history_model_to_gpu, resolve_gpu, suggest_gpus
from catalog.models import MarketForecast
from catalog.regions import resolve_place
from core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

HORIZON_DAYS = 30
FALLBACK_SPREAD = 0.25  # +/- around today's price when a GPU has no forecastable history
#: A forecast whose history ends more than this many days before today is of the past.
STALE_AFTER_DAYS = 7
#: Bumped when the method changes, so forecasts stored by an older method are recomputed.
METHOD_VERSION = "2"


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gpu_type: str | None = Field(
        None, min_length=1, max_length=60, description="GPU family or alias: H100, 'a100 80gb', 4090"
    )
    offer_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="forecast this offer's own price (instead of gpu_type; it fixes GPU, region and provider)",
    )
    hours: float = Field(gt=0, le=24 * 366, description="how long it runs")
    count: int = Field(1, ge=1, le=1024, description="number of GPUs; with offer_id, number of such machines")
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

    fingerprint = f"{repo.observation_fingerprint(session)}:m{METHOD_VERSION}"
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
                "market_index": None
                if f.index is None
                else {
                    "last_date": f.index.last_date.isoformat(),
                    "model": f.index.model,
                    "trend": f.index.trend,
                    "points": f.index.points,
                    "history": f.index.history,
                },
            }
        )
    repo.replace_market_forecasts(session, out)
    log.info("forecasts refreshed: %d markets in %.1f s", len(out), time.perf_counter() - started)
    return len(out)


#: The decoded forecasts of each database, with the versions they were read at (see :func:`stored_forecasts`).
_FORECASTS: dict[str, tuple[tuple[tuple[Any, ...], ...], list[SimpleNamespace]]] = {}
_COLUMNS = tuple(c.key for c in MarketForecast.__table__.columns)


def stored_forecasts(session: Session) -> list[SimpleNamespace]:
    """The stored market forecasts as plain read-only records, decoded once per version in this process.

    Decoding every market's JSON (points, index history) cost about 6 ms of CPU on each ``forecast_cost``
    call, 9 % of an assistant turn (issue 14). Which forecasts are stored is asked on every call (their
    fingerprints and times, no JSON: 0.3 ms), so a refresh by the worker or another replica is seen at once.
    Callers must not change what they get: the lists and dicts are shared."""
    key = str(session.get_bind().engine.url)
    versions = repo.market_forecast_versions(session)
    cached = _FORECASTS.get(key)
    if cached is not None and cached[0] == versions:
        return cached[1]
    rows = [SimpleNamespace(**{c: getattr(f, c) for c in _COLUMNS}) for f in repo.market_forecasts(session)]
    _FORECASTS[key] = (versions, rows)
    return rows


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


def _resolve(gpu_type: str) -> Any:
    gpu = resolve_gpu(gpu_type)
    if gpu is None:
        near = suggest_gpus(gpu_type)
        raise InvalidInput(
            f"unknown gpu_type {gpu_type!r}" + (f"; nearest known: {', '.join(near)}" if near else ""),
            details=[{"field": "gpu_type", "message": "unknown GPU", "suggestions": near}],
        )
    return gpu


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _age_warning(
    what: str, end: date, today: date, horizon: int, *, subject: str = "this forecast is"
) -> str | None:
    """The "of the past" warning when ``end`` lies more than STALE_AFTER_DAYS before ``today``."""
    age = (today - end).days
    if age <= STALE_AFTER_DAYS:
        return None
    last = end + timedelta(days=horizon)
    return (
        f"{what} ends on {end.isoformat()}, {age} days before today: {subject} of the past "
        f"({(end + timedelta(days=1)).isoformat()} to {last.isoformat()}), not of the coming {horizon} days"
    )


def _index_block(market: Any, level: float) -> dict[str, Any] | None:
    """The market index for charts: its history and forecast in USD/GPU-h, rebased so that its last
    value equals ``level`` (the market's forecast level on its last day)."""
    index = market.market_index if market is not None else None
    if not index:
        return None
    history = index.get("history") or []
    last = float(history[-1]["value"]) if history else 1.0
    scale = level / last
    return {
        "label": "market index",
        "model": index.get("model"),
        "history_end": index.get("last_date"),
        "history": [{"date": h["date"], "value": round(float(h["value"]) * scale, 4)} for h in history],
        "forecast": [
            {
                "date": p["date"],
                "value": round(float(p["value"]) * level, 4),
                "low": round(float(p["low80"]) * level, 4),
                "high": round(float(p["high80"]) * level, 4),
            }
            for p in index.get("points") or []
        ],
    }


def _totals(per_unit: list[tuple[float, float, float]], hours: float, units: int) -> dict[str, float]:
    """hourly/daily/total and the interval from ``(value, low80, high80)`` per day of the run."""
    days = max(1, min(HORIZON_DAYS, math.ceil(hours / 24)))
    window = per_unit[:days]
    value = sum(v for v, _, _ in window) / len(window)
    low = sum(lo for _, lo, _ in window) / len(window)
    high = sum(hi for _, _, hi in window) / len(window)
    hourly = value * units
    return {
        "hourly": round(hourly, 4),
        "daily": round(hourly * 24, 2),
        "total": round(hourly * hours, 2),
        "ci_low": round(min(low, value) * units, 4),
        "ci_high": round(max(high, value) * units, 4),
    }


def _horizon_warning(hours: float) -> list[str]:
    if hours > HORIZON_DAYS * 24:
        return [
            f"the forecast covers {HORIZON_DAYS} days; later days are priced at the {HORIZON_DAYS}-day average"
        ]
    return []


def predict(session: Session, req: PredictRequest, *, today: date | None = None) -> dict[str, Any]:
    """``{currency, hourly, daily, total, ci_low, ci_high, horizon_days, model, backtest_mape, series,
    trend, history_end, warnings, ...}`` for a GPU type, or for one offer when ``req.offer_id`` is set.

    ``today`` (UTC by default) decides whether the forecast is of the past (see the module doc)."""
    today = today or datetime.now(UTC).date()
    if req.offer_id is not None:
        given = [f for f in ("gpu_type", "region", "provider") if getattr(req, f) is not None]
        if req.spot:
            given.append("spot")
        if given:
            raise InvalidInput(
                f"offer_id fixes the GPU, region, provider and rental type; leave out {', '.join(given)}",
                details=[{"field": f, "message": "not allowed with offer_id"} for f in given],
            )
        return predict_offer(session, req.offer_id, req.hours, machines=req.count, today=today)
    if req.gpu_type is None:
        raise InvalidInput(
            "give gpu_type (a GPU family or alias) or offer_id",
            details=[{"field": "gpu_type", "message": "required without offer_id"}],
        )
    return _predict_market(session, req, req.gpu_type, today)


def _predict_market(session: Session, req: PredictRequest, gpu_type: str, today: date) -> dict[str, Any]:
    gpu = _resolve(gpu_type)
    warnings = _horizon_warning(req.hours)
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
    market = _pick_market(stored_forecasts(session), gpu.family, gpu.variant, gpu.memory_gb, req.spot)
    trend, index, history_end = None, None, None
    if market is not None:
        points = market.points
        scale = 1.0
        anchor = float(points[0]["value"])
        if (req.region or req.provider) and current:
            scale = statistics.median(current) / anchor
        elif req.region or req.provider:
            warnings.append("no current offers match the region/provider: the market-wide forecast is shown")
        per_gpu = [
            (float(p["value"]) * scale, float(p["low80"]) * scale, float(p["high80"]) * scale) for p in points
        ]
        series = [
            {
                "date": p["date"],
                "value": round(v * req.count, 4),
                "low": round(lo * req.count, 4),
                "high": round(hi * req.count, 4),
            }
            for p, (v, lo, hi) in zip(points, per_gpu, strict=True)
        ]
        model, mape = str(market.model), market.backtest_mape
        history_end = _day(market.last_date)
        basis = f"{market.market} {market.rental_type} market forecast from {history_end.isoformat()}"
        warnings += list(market.warnings or [])
        stale = _age_warning("the price history of this market", history_end, today, HORIZON_DAYS)
        if stale:
            warnings.append(stale)
        if market.market_index:
            trend = copy.deepcopy(market.market_index.get("trend"))  # the cached record stays as stored
        index = _index_block(market, per_gpu[0][0])
    else:
        if not current:
            raise InvalidInput(
                f"no price data for {gpu.family}: no current offers and no price history",
                details=[{"field": "gpu_type", "message": "no price data"}],
            )
        base = statistics.median(current)
        warnings.append(
            f"{gpu.family} has too little price history to forecast: today's price with a +/-{FALLBACK_SPREAD:.0%} interval"
        )
        per_gpu = [(base, base * (1 - FALLBACK_SPREAD), base * (1 + FALLBACK_SPREAD))] * HORIZON_DAYS
        series = [
            {
                "date": (today + timedelta(days=i + 1)).isoformat(),
                "value": round(v * req.count, 4),
                "low": round(lo * req.count, 4),
                "high": round(hi * req.count, 4),
            }
            for i, (v, lo, hi) in enumerate(per_gpu)
        ]
        model, mape, basis = "current-price", None, f"median of {len(current)} current offers"
    return {
        "currency": "USD",
        "gpu_family": gpu.family,
        "gpu_variant": gpu.variant,
        "count": req.count,
        "hours": req.hours,
        **_totals(per_gpu, req.hours, req.count),
        "horizon_days": HORIZON_DAYS,
        "model": model,
        "backtest_mape": mape,
        "basis": basis,
        "current_offers": len(current),
        "series": series,
        "warnings": warnings,
        "trend": trend,
        "history_end": history_end.isoformat() if history_end else None,
        "market_history_end": history_end.isoformat() if history_end else None,
        "offer_id": None,
        "market_index": index,
    }


def predict_offer(
    session: Session, offer_id: str, hours: float, *, machines: int = 1, today: date | None = None
) -> dict[str, Any]:
    """One offer's own price for the next ``HORIZON_DAYS`` days (see the module docstring).

    The level is the offer's newest price (its latest ``price_history`` row, else its listed price);
    each day is that level times the index forecast's ratio for that day, so the interval is the
    index's. Without a market index the price is held flat with a +/-FALLBACK_SPREAD interval."""
    today = today or datetime.now(UTC).date()
    offer = repo.get_offer(session, offer_id)
    if offer is None:
        raise NotFound(
            f"offer {offer_id!r} not found", details=[{"field": "offer_id", "message": "no such offer"}]
        )
    history = repo.offer_history(session, offer_id)
    if history:
        level = float(history[-1]["price_per_hour"])
        history_end = _day(history[-1]["observed_at"])
    else:
        level = float(offer["price_per_hour"])
        history_end = _day(offer["fetched_at"])
    market = _pick_market(
        stored_forecasts(session),
        offer["gpu_family"],
        offer["gpu_variant"],
        float(offer["gpu_memory_gb"]) if offer["gpu_memory_gb"] else None,
        bool(offer["spot"]),
    )
    warnings = _horizon_warning(hours)
    kind = "spot" if offer["spot"] else "on-demand"
    index = market.market_index if market is not None else None
    market_end: date | None = None
    if market is not None and index and index.get("points"):
        ratios = [(float(p["value"]), float(p["low80"]), float(p["high80"])) for p in index["points"]]
        market_end = date.fromisoformat(str(index["last_date"]))
        trend = copy.deepcopy(index.get("trend"))  # the cached record stays as stored
        model = f"offer price x market index ({index.get('model')})"
        basis = (
            f"offer {offer['id']} ({offer['provider']} {offer['name']}) at ${level:.2f}/h on "
            f"{history_end.isoformat()}, moved by the {market.market} {kind} market index forecast "
            f"from {market_end.isoformat()}"
        )
        stale = _age_warning(
            "the market index behind this forecast",
            market_end,
            today,
            HORIZON_DAYS,
            subject="the market move and 80% band applied to this offer's price are",
        )
        if stale:
            warnings.append(stale)
        chart_index = _index_block(market, float(market.points[0]["value"]))
    else:
        ratios = [(1.0, 1.0 - FALLBACK_SPREAD, 1.0 + FALLBACK_SPREAD)] * HORIZON_DAYS
        trend, model, chart_index = None, "current-price", None
        basis = (
            f"offer {offer['id']} ({offer['provider']} {offer['name']}) at ${level:.2f}/h; no market index"
        )
        warnings.append(
            f"{offer['gpu_family']} {kind} has no market index to forecast from: the offer's price with a "
            f"+/-{FALLBACK_SPREAD:.0%} interval"
        )
    own = _age_warning(
        "this offer's price history", history_end, today, HORIZON_DAYS, subject="its forecast is"
    )
    if own:
        warnings.append(own)
    per_machine = [(level * v, level * lo, level * hi) for v, lo, hi in ratios]
    series = [
        {
            "date": (history_end + timedelta(days=i + 1)).isoformat(),
            "value": round(v * machines, 4),
            "low": round(lo * machines, 4),
            "high": round(hi * machines, 4),
        }
        for i, (v, lo, hi) in enumerate(per_machine)
    ]
    return {
        "currency": "USD",
        "gpu_family": offer["gpu_family"],
        "gpu_variant": offer["gpu_variant"],
        "count": int(offer["gpu_count"]) * machines,
        "hours": hours,
        **_totals(per_machine, hours, machines),
        "horizon_days": HORIZON_DAYS,
        "model": model,
        "backtest_mape": None,
        "basis": basis,
        "current_offers": 1,
        "series": series,
        "warnings": warnings,
        "trend": trend,
        "history_end": history_end.isoformat(),
        "market_history_end": market_end.isoformat() if market_end else None,
        "offer_id": offer["id"],
        "market_index": chart_index,
    }


def known_families() -> list[str]:
    return sorted(GPUS)
