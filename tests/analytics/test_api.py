"""``GET /kpis`` and ``GET /kpis/catalog`` over HTTP (TestClient, both backends): who may read, the
exact figures of a seeded week, the team's own figures only, 422s naming bad dates and ranges, and the
cache in front of it."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.analytics.conftest import (
    END,
    PASSWORD,
    PRICE_DAY,
    PRICES,
    START,
    Team,
    a100_offer,
    add_booking,
    assert_seeded,
    seed_other_team,
    seed_prices,
    seed_team,
)

RANGE = {"start": START.isoformat(), "end": END.isoformat()}


def register(client: TestClient, name: str = "Acme ML") -> tuple[Team, dict[str, str]]:
    email = f"kpi-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": name})
    assert r.status_code == 201, r.text
    body = r.json()
    return Team(body["tenant"]["id"], body["user"]["id"], email), {
        "Authorization": f"Bearer {body['access_token']}"
    }


def invite(client: TestClient, headers: dict[str, str], tenant_id: str, role: str) -> dict[str, str]:
    email = f"kpi-{role}-{uuid.uuid4().hex[:8]}@example.com"
    r = client.post(f"/tenants/{tenant_id}/invitations", json={"email": email, "role": role}, headers=headers)
    assert r.status_code == 201, r.text
    joined = client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "invite_token": r.json()["token"]}
    )
    assert joined.status_code == 201, joined.text
    return {"Authorization": f"Bearer {joined.json()['access_token']}"}


def error(r: Any) -> dict[str, Any]:
    body: dict[str, Any] = r.json()["error"]
    return body


def test_the_team_kpis_of_a_seeded_week(client: TestClient, db: Session) -> None:
    team, headers = register(client)
    other, other_headers = register(client, "Other")
    seed_team(db, team, a100_offer(db))
    seed_other_team(db, other)
    db.commit()
    r = client.get("/kpis", params=RANGE, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tenant_id"] == team.tenant_id and body["backend"] == "sql"
    assert_seeded(body)
    # Money and GPU-hours are decimal strings, as billing's are.
    assert body["revenue_usd"] == "1272.25" and isinstance(body["days"][0]["gpu_hours"], str)
    # The other team sees its own week only.
    theirs = client.get("/kpis", params=RANGE, headers=other_headers).json()
    assert theirs["tenant_id"] == other.tenant_id
    assert theirs["totals"]["created"] == 4 and theirs["revenue_usd"] == "1500.00"
    assert [f["name"] for f in theirs["top_gpu_families"]] == ["H200"]


def test_who_may_read_the_kpis(client: TestClient) -> None:
    assert client.get("/kpis").status_code == 401
    _, headers = register(client)
    assert client.get("/kpis", headers=headers).status_code == 200
    team_id = client.get("/me", headers=headers).json()["tenant"]["id"]
    for role, status in (("manager", 200), ("auditor", 200), ("user", 403)):
        r = client.get("/kpis", headers=invite(client, headers, team_id, role))
        assert r.status_code == status, role
    denied = client.get("/kpis", headers=invite(client, headers, team_id, "user"))
    assert error(denied)["code"] == "forbidden" and "tenant.read" in error(denied)["message"]


def test_default_range_is_the_last_30_days(client: TestClient) -> None:
    _, headers = register(client)
    body = client.get("/kpis", headers=headers).json()
    assert len(body["days"]) == 30 and body["days"][-1]["day"] == body["end"]
    assert body["totals"]["created"] == 0 and body["success_rate"] is None


def test_bad_dates_and_ranges_are_422s_naming_them(client: TestClient) -> None:
    _, headers = register(client)
    r = client.get("/kpis", params={"start": "2026-13-01"}, headers=headers)
    assert r.status_code == 422 and error(r)["code"] == "validation_error"
    assert error(r)["details"][0]["field"] == "start" and "start" in error(r)["message"]
    r = client.get("/kpis", params={"end": "yesterday"}, headers=headers)
    assert r.status_code == 422 and error(r)["details"][0]["field"] == "end"
    r = client.get("/kpis", params={"start": "2026-10-07", "end": "2026-10-01"}, headers=headers)
    assert r.status_code == 422 and error(r)["code"] == "invalid_input"
    assert error(r)["message"] == "end (2026-10-01) is before start (2026-10-07)"
    assert error(r)["details"] == [{"field": "end", "message": "must not be before start"}]
    r = client.get("/kpis", params={"start": "2025-01-01", "end": "2026-10-01"}, headers=headers)
    assert r.status_code == 422 and "at most 366" in error(r)["message"]
    assert error(r)["details"][0]["field"] == "start"
    assert client.get("/kpis/catalog", params={"day": "soon"}).status_code == 422


def test_answers_are_cached_for_the_ttl(client: TestClient, db: Session, app: Any) -> None:
    team, headers = register(client)
    add_booking(db, team, state="draft", created="2026-10-02 10:00")
    db.commit()
    first = client.get("/kpis", params=RANGE, headers=headers).json()
    assert first["totals"]["created"] == 1
    add_booking(db, team, state="draft", created="2026-10-03 10:00")
    db.commit()
    cached = client.get("/kpis", params=RANGE, headers=headers).json()
    assert cached == first  # same answer, same generated_at
    app.state.cache.clear()
    assert client.get("/kpis", params=RANGE, headers=headers).json()["totals"]["created"] == 2


def test_catalog_kpis_are_public(client: TestClient, db: Session) -> None:
    seed_prices(db)
    db.commit()
    r = client.get("/kpis/catalog", params={"day": PRICE_DAY.isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["day"] == "2026-03-31" and body["offers_total"] > 1000
    assert {p["provider"] for p in body["offers_by_provider"]} >= {"aws", "lambda", "runpod"}
    assert {p["provider"] for p in body["providers"]} >= {"aws", "lambda"}
    prices = {f["family"]: f for f in body["family_prices"]}
    for family, want in PRICES.items():
        assert {k: prices[family][k] for k in want} == want
    today = client.get("/kpis/catalog").json()
    assert today["family_prices"] and today["family_prices"][0]["today"] is not None
    assert "/kpis" in client.get("/openapi.json").json()["paths"]


def test_days_out_of_any_calendar_are_a_422_naming_them(client: TestClient) -> None:
    """Issue 12: GET /kpis/catalog?day=0001-01-01 overflowed into a 500 with a null trace id."""
    for url, field in (
        ("/kpis/catalog?day=0001-01-01", "day"),
        ("/kpis/catalog?day=9999-12-31", "day"),
    ):
        r = client.get(url)
        assert r.status_code == 422, (url, r.text)
        error = r.json()["error"]
        assert error["details"][0]["field"] == field and error["trace_id"]
