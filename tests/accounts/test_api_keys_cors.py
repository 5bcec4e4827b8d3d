"""Team API keys (created and revoked by admins, shown once, scoped, audited, rate-limited as their team)
and CORS per team (preflights, the team's origins enforced on the actual request, never credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.settings import Settings
from tests.api.lg_support import new_team, served

FRONT = "http://front.example.test:5173"


@pytest.fixture(scope="module")
def base_url(settings: Settings, engine: Any) -> Iterator[str]:
    with served(settings) as (url, _app):
        yield url


def test_admins_create_keys_shown_once_and_revoke_them(base_url: str) -> None:
    team = new_team(base_url)
    with httpx.Client(base_url=base_url) as http:
        r = http.post("/api-keys", json={"name": "chat ui", "scopes": ["assistant"]}, headers=team.headers)
        assert r.status_code == 201
        created = r.json()
        key = created["key"]
        assert key.startswith("gbk_") and created["prefix"] == key[:12] and created["scopes"] == ["assistant"]
        listed = http.get("/api-keys", headers=team.headers).json()
        assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
        assert listed[0]["last_used_at"] is None
        # Accepted as X-Api-Key and as a bearer token, as the team.
        assert http.post("/threads", json={}, headers={"X-Api-Key": key}).status_code == 200
        r = http.post("/threads", json={}, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200
        assert http.get("/api-keys", headers=team.headers).json()[0]["last_used_at"] is not None
        # Narrowed to its scopes: no bookings, no team administration, no other keys.
        r = http.get("/bookings", headers={"X-Api-Key": key})
        assert r.status_code == 403 and "scopes" in r.json()["error"]["message"]
        assert http.get("/api-keys", headers={"X-Api-Key": key}).status_code == 403
        assert http.get(f"/tenants/{team.tenant_id}", headers={"X-Api-Key": key}).status_code == 403
        # Revoked: refused at once.
        assert http.delete(f"/api-keys/{created['id']}", headers=team.headers).status_code == 200
        r = http.post("/threads", json={}, headers={"X-Api-Key": key})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
        events = [e["event_type"] for e in http.get("/audit", headers=team.headers).json()]
        assert {"api_key.created", "api_key.revoked", "authz.denied"} <= set(events)
        # Another team cannot see or revoke it; bad input is a 422 naming the field.
        other = new_team(base_url)
        assert http.delete(f"/api-keys/{created['id']}", headers=other.headers).status_code == 404
        r = http.post("/api-keys", json={"name": "x", "scopes": ["root"]}, headers=team.headers)
        assert r.status_code == 422 and "scopes" in r.text
        # A name longer than its column is refused by name, never a 500 (PostgreSQL enforces the length).
        r = http.post("/api-keys", json={"name": "k" * 101, "scopes": ["assistant"]}, headers=team.headers)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "name", r.text
        r = http.post("/api-keys", json={"name": "k" * 100, "scopes": ["assistant"]}, headers=team.headers)
        assert r.status_code == 201, r.text


def test_only_admins_manage_keys(base_url: str) -> None:
    team = new_team(base_url)
    with httpx.Client(base_url=base_url) as http:
        r = http.post(
            f"/tenants/{team.tenant_id}/invitations",
            json={"email": f"plain-{team.tenant_id[:8]}@example.com", "role": "user"},
            headers=team.headers,
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        r = http.post(
            "/auth/register",
            json={
                "email": f"plain-{team.tenant_id[:8]}@example.com",
                "password": "correct horse battery staple",
                "invite_token": token,
            },
        )
        assert r.status_code == 201, r.text
        user = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (
            http.post("/api-keys", json={"name": "mine", "scopes": ["assistant"]}, headers=user).status_code
            == 403
        )


def test_a_key_draws_from_its_teams_rate_limit_bucket(base_url: str) -> None:
    team = new_team(base_url)
    key = team.key()
    with httpx.Client(base_url=base_url) as http:
        tenant = http.get(f"/tenants/{team.tenant_id}", headers=team.headers).json()
        by_key = http.get("/info", headers={"X-Api-Key": key})
        anonymous = http.get("/info")
    assert by_key.headers["X-RateLimit-Limit"] == str(tenant["burst"])
    assert anonymous.headers["X-RateLimit-Limit"] != str(tenant["burst"])


def test_cors_preflight_and_the_teams_origins(base_url: str) -> None:
    team = new_team(base_url)
    key = team.key()
    stranger = new_team(base_url)
    stranger_key = stranger.key()
    preflight = {
        "Origin": FRONT,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key,last-event-id",
    }
    with httpx.Client(base_url=base_url) as http:
        r = http.options("/threads/search", headers=preflight)
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
        team.allow_origins(FRONT)
        r = http.options("/threads/search", headers=preflight)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == FRONT
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "x-api-key" in r.headers["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in r.headers
        r = http.post("/threads/search", json={}, headers={"Origin": FRONT, "X-Api-Key": key})
        assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == FRONT
        assert "Content-Location" in r.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in r.headers
        # Another team's key from this origin: refused before anything runs.
        r = http.post("/threads", json={}, headers={"Origin": FRONT, "X-Api-Key": stranger_key})
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
        # Anonymous answers (a 401 included) carry the headers, so the page can read them.
        r = http.get("/threads/any", headers={"Origin": FRONT})
        assert r.status_code == 401 and r.headers["Access-Control-Allow-Origin"] == FRONT
        # An origin nobody lists gets no CORS headers.
        r = http.get("/info", headers={"Origin": "http://evil.example.test"})
        assert "Access-Control-Allow-Origin" not in r.headers
        # Bad origins are a 422 naming the field.
        r = http.patch(
            f"/tenants/{team.tenant_id}", json={"cors_origins": ["ftp://x/y"]}, headers=team.headers
        )
        assert r.status_code == 422 and "cors_origins" in r.text
