"""POST /predict: cost forecasts with intervals for every GPU family of the catalog, by GPU type and by
offer, with the market index's trend and the age of the history behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.models import MarketForecast, Offer, PriceHistory
from catalog.predict import PredictRequest, predict_offer, stored_forecasts
from catalog.predict import predict as predict_cost


def predict(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/predict", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_h100_forecast_from_its_market(client: TestClient) -> None:
    p = predict(client, gpu_type="H100 SXM", hours=72, count=8)
    assert p["horizon_days"] == 30 and len(p["series"]) == 30
    assert p["ci_low"] <= p["hourly"] <= p["ci_high"]
    assert p["total"] == pytest.approx(p["hourly"] * 72, rel=1e-3)
    assert p["daily"] == pytest.approx(p["hourly"] * 24, rel=1e-3)
    assert "H100_SXM" in p["basis"] and p["model"] != "current-price"
    assert p["backtest_mape"] is not None and p["backtest_mape"] < 0.2
    # 8 GPUs cost about 8 times one GPU.
    one = predict(client, gpu_type="H100 SXM", hours=72, count=1)
    assert p["hourly"] == pytest.approx(one["hourly"] * 8, rel=1e-3)
    days = [d["date"] for d in p["series"]]
    assert days == sorted(days) and all(d["low"] <= d["value"] <= d["high"] for d in p["series"])


def test_every_catalog_family_gets_an_answer_by_gpu_type_and_by_offer(
    client: TestClient, db: Session
) -> None:
    families = sorted(set(db.execute(select(Offer.gpu_family)).scalars()))
    assert len(families) > 20
    with_trend = 0
    for family in families:
        p = predict(client, gpu_type=family, hours=24)
        assert p["ci_low"] <= p["hourly"] <= p["ci_high"], family
        if p["model"] == "current-price":
            assert any("too little price history" in w for w in p["warnings"]), family
            assert p["trend"] is None
        else:
            assert p["trend"]["direction"] in ("down", "flat", "up"), family
            assert p["history_end"] == p["trend"]["history_end"]
            with_trend += 1
        offer = db.execute(
            select(Offer).where(Offer.gpu_family == family).order_by(Offer.id).limit(1)
        ).scalar_one()
        o = predict(client, offer_id=offer.id, hours=24)
        assert o["offer_id"] == offer.id and o["count"] == offer.gpu_count, family
        assert o["ci_low"] <= o["hourly"] <= o["ci_high"], family
        assert o["hourly"] == pytest.approx(float(offer.price_per_hour), rel=0.06), family
        assert len(o["series"]) == 30 and o["history_end"], family
    assert with_trend >= 10  # the families of the catalog with a market in the bundled history


def _market_row(db: Session, market: str, rental: str = "on_demand") -> MarketForecast:
    return db.execute(
        select(MarketForecast).where(MarketForecast.market == market, MarketForecast.rental_type == rental)
    ).scalar_one()


def _h100_offer(db: Session) -> Offer:
    return db.execute(
        select(Offer)
        .where(Offer.gpu_family == "H100", Offer.gpu_variant == "SXM", Offer.spot.is_(False))
        .order_by(Offer.price_per_hour, Offer.id)
        .limit(1)
    ).scalar_one()


def test_an_offer_forecast_is_its_own_price_moved_by_its_market_index(
    client: TestClient, db: Session
) -> None:
    offer = _h100_offer(db)
    index = _market_row(db, "H100_SXM").market_index
    assert index is not None
    p = predict(client, offer_id=offer.id, hours=48)
    history = repo.offer_history(db, offer.id)
    level = float(history[-1]["price_per_hour"])
    assert p["history_end"] == history[-1]["observed_at"].date().isoformat()
    assert p["market_history_end"] == index["last_date"]
    assert p["trend"] == index["trend"]
    assert p["series"][0]["date"] == (date.fromisoformat(p["history_end"]) + timedelta(days=1)).isoformat()
    for day, ratio in zip(p["series"], index["points"], strict=True):
        assert day["value"] == pytest.approx(level * ratio["value"], abs=1e-4)
        assert day["low"] == pytest.approx(level * ratio["low80"], abs=1e-4)
        assert day["high"] == pytest.approx(level * ratio["high80"], abs=1e-4)
    assert p["market_index"]["label"] == "market index"
    assert p["market_index"]["history"][-1]["date"] == index["last_date"]
    assert offer.id in p["basis"] and "H100_SXM" in p["basis"]


def test_a_flat_price_stays_flat_unless_the_market_index_moves(db: Session) -> None:
    offer = _h100_offer(db)
    price = Decimal(str(offer.price_per_hour))
    now = datetime.now(UTC)
    # Four weeks of the same price before today's sync row.
    db.add_all(
        PriceHistory(
            offer_id=offer.id,
            provider=offer.provider,
            gpu_family=offer.gpu_family,
            gpu_variant=offer.gpu_variant,
            gpu_count=offer.gpu_count,
            region=offer.region,
            spot=False,
            price_per_hour=price,
            price_per_gpu_hour=Decimal(str(offer.price_per_gpu_hour)),
            observed_at=now - timedelta(days=days),
            source="test",
        )
        for days in range(28, 0, -7)
    )
    db.flush()
    market = _market_row(db, "H100_SXM")
    assert market.market_index is not None
    flat = predict_offer(db, offer.id, 24 * 30)
    assert market.market_index["trend"]["change_pct_30d"] == 0.0
    assert {day["value"] for day in flat["series"]} == {round(float(price), 4)}

    # The same offer when the market index is forecast to fall 4% over the 30 days.
    falling = dict(market.market_index)
    falling["points"] = [
        {**point, "value": 1 - 0.04 * (i + 1) / 30, "low80": 0.9, "high80": 1.01}
        for i, point in enumerate(market.market_index["points"])
    ]
    db.execute(
        update(MarketForecast)
        .where(MarketForecast.market == "H100_SXM", MarketForecast.rental_type == "on_demand")
        # A new computation time, as every write of refresh_forecasts has: the decoded forecasts are cached
        # in-process until that changes.
        .values(market_index=falling, computed_at=datetime.now(UTC) + timedelta(seconds=1))
    )
    db.expire_all()
    moved = predict_offer(db, offer.id, 24 * 30)
    values = [day["value"] for day in moved["series"]]
    assert values == sorted(values, reverse=True)
    assert values[-1] == pytest.approx(float(price) * 0.96, abs=1e-4)


def test_stored_forecasts_are_decoded_once_until_they_are_written_again(db: Session) -> None:
    first = stored_forecasts(db)
    assert first and stored_forecasts(db) is first  # the same records: no JSON decoded again
    h100 = next(f for f in first if f.market == "H100_SXM" and f.rental_type == "on_demand")
    repo.replace_market_forecasts(
        db,
        [
            {c.key: getattr(f, c.key) for c in MarketForecast.__table__.columns}
            | ({"computed_at": f.computed_at + timedelta(hours=1), "history_days": 1} if f is h100 else {})
            for f in first
        ],
    )
    again = stored_forecasts(db)
    assert again is not first
    assert next(f for f in again if f.market == "H100_SXM" and f.rental_type == "on_demand").history_days == 1


def test_a_forecast_says_when_its_history_ends_and_warns_when_it_is_old(db: Session) -> None:
    market = _market_row(db, "H100_SXM")
    end = market.last_date.date()
    req = PredictRequest(gpu_type="H100 SXM", hours=24)
    fresh = predict_cost(db, req, today=end + timedelta(days=3))
    assert fresh["history_end"] == end.isoformat()
    assert not [w for w in fresh["warnings"] if "of the past" in w]
    old = predict_cost(db, req, today=end + timedelta(days=30))
    stale = [w for w in old["warnings"] if "of the past" in w]
    assert len(stale) == 1 and end.isoformat() in stale[0] and "30 days before today" in stale[0]

    offer = _h100_offer(db)
    index_end = date.fromisoformat(market.market_index["last_date"])
    by_offer = predict_offer(db, offer.id, 24, today=index_end + timedelta(days=30))
    assert any(
        "market index behind this forecast ends on" in w and "of the past" in w for w in by_offer["warnings"]
    )


def test_the_api_warns_that_a_forecast_from_the_bundled_history_is_of_the_past(client: TestClient) -> None:
    # The bundled history ends in July 2026, months before any day these tests run on.
    p = predict(client, gpu_type="RTX 4090", hours=24)
    assert p["history_end"] == "2026-07-05"
    assert any(w.startswith("the price history of this market ends on 2026-07-05") for w in p["warnings"])


def test_region_scales_the_forecast_to_local_offers(client: TestClient) -> None:
    world = predict(client, gpu_type="A100 80GB", hours=24)
    eu = predict(client, gpu_type="A100 80GB", hours=24, region="eu")
    assert eu["current_offers"] > 0
    assert eu["hourly"] != world["hourly"]
    assert eu["ci_low"] <= eu["hourly"] <= eu["ci_high"]


def test_unknown_gpu_is_422_naming_it_and_the_nearest(client: TestClient) -> None:
    r = client.post("/predict", json={"gpu_type": "H1000", "hours": 10})
    assert r.status_code == 422
    err = r.json()["error"]
    assert "H1000" in err["message"] and "H100" in err["message"]
    assert err["details"][0]["field"] == "gpu_type"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"gpu_type": "H100"}, "hours"),
        ({"gpu_type": "H100", "hours": 0}, "hours"),
        ({"gpu_type": "H100", "hours": 5, "count": 0}, "count"),
        ({"hours": 5}, "gpu_type"),
        ({"gpu_type": "H100", "hours": 5, "colour": "blue"}, "colour"),
        ({"offer_id": "", "hours": 5}, "offer_id"),
        ({"offer_id": "x" * 65, "hours": 5}, "offer_id"),
        ({"offer_id": "aws-0addf2af5fde", "gpu_type": "H100", "hours": 5}, "gpu_type"),
        ({"offer_id": "aws-0addf2af5fde", "region": "eu", "hours": 5}, "region"),
    ],
)
def test_bad_requests_name_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    r = client.post("/predict", json=body)
    assert r.status_code == 422
    assert any(d["field"] == field for d in r.json()["error"]["details"])


def test_cached_answers_are_identical(client: TestClient, app: Any) -> None:
    a = predict(client, gpu_type="L40S", hours=10)
    hits = app.state.cache.stats()["hits"]
    b = predict(client, gpu_type="L40S", hours=10)
    assert a == b and app.state.cache.stats()["hits"] == hits + 1


def test_an_unknown_offer_is_404_naming_it(client: TestClient) -> None:
    r = client.post("/predict", json={"offer_id": "no-such-offer", "hours": 5})
    assert r.status_code == 404
    err = r.json()["error"]
    assert "no-such-offer" in err["message"] and err["details"][0]["field"] == "offer_id"
