"""POST /predict: cost forecasts with intervals for every GPU family of the catalog."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Offer


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


def test_every_catalog_family_gets_an_answer(client: TestClient, db: Session) -> None:
    families = sorted(set(db.execute(select(Offer.gpu_family)).scalars()))
    assert len(families) > 20
    for family in families:
        p = predict(client, gpu_type=family, hours=24)
        assert p["ci_low"] <= p["hourly"] <= p["ci_high"], family
        if p["model"] == "current-price":
            assert any("too little price history" in w for w in p["warnings"]), family


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
