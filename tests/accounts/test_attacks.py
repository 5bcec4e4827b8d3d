"""The security attack table: each attack tried against the running app, with the answer it must get.

Every row runs on SQLite and on PostgreSQL + Redis. The answer is checked by status and error code,
always in the JSON envelope, and never a 500.

| attack | expected answer |
| --- | --- |
| tampered token (payload edited, signature kept) | 401 invalid_token |
| alg=none token | 401 invalid_token |
| token signed with another key | 401 invalid_token |
| token signed with another algorithm (HS512) | 401 invalid_token |
| expired token | 401 token_expired |
| refresh token replayed after rotation | 401 refresh_token_reused, family revoked |
| refresh token used as an access token | 401 invalid_token |
| access token after logout | 401 invalid_token |
| role escalation: user makes self admin | 403 forbidden |
| role escalation: manager invites an admin | 403 forbidden |
| role escalation: forged role claim | 401 invalid_token |
| cross-tenant read of a user / tenant / thread by id | 404 not_found |
| cross-tenant write of a user / tenant / thread by id | 404 not_found |
| brute-force login | 401, then 429 login_throttled with Retry-After |
| MFA code guessing past the limit | 401, challenge dead |
| oversized body | 413 payload_too_large |
| malformed JSON | 422 validation_error |
| hostile filter values (SQL, NaN, huge numbers, NUL, script) | 200 or 422, never 500 |
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.accounts.conftest import PASSWORD, Account, invite_and_join, new_email, register


@dataclass
class World:
    client: TestClient
    settings: Settings
    alice: Account  # admin of team A
    bob: Account  # user of team A
    carol: Account  # admin of team B
    carols_thread: str


@pytest.fixture
def world(client: TestClient, settings: Settings) -> World:
    alice = register(client, new_email("alice"), tenant_name="Team A")
    bob = invite_and_join(client, alice, "user")
    carol = register(client, new_email("carol"), tenant_name="Team B")
    thread = client.post("/ai/chat", json={"prompt": "8x H100 in the US"}, headers=carol.headers)
    assert thread.status_code == 200, thread.text
    return World(client, settings, alice, bob, carol, thread.json()["thread_id"])


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me_with(w: World, token: str) -> httpx.Response:
    return w.client.get("/me", headers=bearer(token))


def tampered_token(w: World) -> httpx.Response:
    header, _, signature = w.bob.access_token.split(".")
    forged = {**claims_of(w.bob.access_token), "role": "admin", "tenant_id": w.carol.tenant_id}
    return me_with(w, f"{header}.{b64(forged)}.{signature}")


def alg_none(w: World) -> httpx.Response:
    forged = {**claims_of(w.bob.access_token), "role": "admin"}
    return me_with(w, f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(forged)}.")


def wrong_key(w: World) -> httpx.Response:
    return me_with(
        w, jwt.encode(claims_of(w.bob.access_token), "not-the-server-secret-" * 3, algorithm="HS256")
    )


def other_algorithm(w: World) -> httpx.Response:
    secret = w.settings.jwt_secret.get_secret_value()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjwt's advice on HS512 key length is beside the point here
        token = jwt.encode(claims_of(w.bob.access_token), secret, algorithm="HS512")
    return me_with(w, token)


def expired_token(w: World) -> httpx.Response:
    secret = w.settings.jwt_secret.get_secret_value()
    old = {**claims_of(w.bob.access_token), "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    return me_with(w, jwt.encode(old, secret, algorithm="HS256"))


def forged_role_claim(w: World) -> httpx.Response:
    forged = {**claims_of(w.bob.access_token), "role": "admin"}
    token = jwt.encode(forged, "guessed-secret-" * 4, algorithm="HS256")
    return w.client.patch(f"/users/{w.bob.user_id}", json={"role": "admin"}, headers=bearer(token))


def refresh_replay(w: World) -> httpx.Response:
    rotated = w.client.post("/auth/refresh", json={"refresh_token": w.bob.refresh_token})
    assert rotated.status_code == 200
    replay = w.client.post("/auth/refresh", json={"refresh_token": w.bob.refresh_token})
    # The legitimate holder's newer token is revoked with the family.
    newer = w.client.post("/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert newer.status_code == 401
    return replay


def refresh_as_access(w: World) -> httpx.Response:
    return me_with(w, w.bob.refresh_token)


def after_logout(w: World) -> httpx.Response:
    assert w.client.post("/auth/logout", headers=w.bob.headers).status_code == 204
    return w.client.get("/me", headers=w.bob.headers)


def self_promotion(w: World) -> httpx.Response:
    return w.client.patch(f"/users/{w.bob.user_id}", json={"role": "admin"}, headers=w.bob.headers)


def manager_invites_admin(w: World) -> httpx.Response:
    manager = invite_and_join(w.client, w.alice, "manager")
    return w.client.post(
        f"/tenants/{w.alice.tenant_id}/invitations",
        json={"email": new_email(), "role": "admin"},
        headers=manager.headers,
    )


def cross_read(path: str) -> Callable[[World], httpx.Response]:
    def attack(w: World) -> httpx.Response:
        url = path.format(carol=w.carol.user_id, team_b=w.carol.tenant_id, thread=w.carols_thread)
        return w.client.get(url, headers=w.alice.headers)

    return attack


def cross_write(method: str, path: str, body: dict[str, Any]) -> Callable[[World], httpx.Response]:
    def attack(w: World) -> httpx.Response:
        url = path.format(carol=w.carol.user_id, team_b=w.carol.tenant_id)
        payload = {
            k: (v.format(thread=w.carols_thread) if isinstance(v, str) else v) for k, v in body.items()
        }
        r = w.client.request(method, url, json=payload, headers=w.alice.headers)
        # Nothing changed on the other side.
        assert w.client.get("/me", headers=w.carol.headers).json()["role"] == "admin"
        return r

    return attack


def brute_force(w: World) -> httpx.Response:
    answers = [
        w.client.post("/auth/login", json={"email": w.bob.email, "password": f"guess {i} password"})
        for i in range(4)
    ]
    assert [r.status_code for r in answers[:3]] == [401, 401, 401]
    assert int(answers[3].headers["retry-after"]) >= 1
    return answers[3]


def mfa_guessing(w: World) -> httpx.Response:
    import pyotp

    secret = w.client.post("/auth/mfa/totp", headers=w.alice.headers).json()["secret"]
    code = pyotp.TOTP(secret).now()
    assert (
        w.client.post("/auth/mfa/totp/confirm", json={"code": code}, headers=w.alice.headers).status_code
        == 200
    )
    token = w.client.post("/auth/login", json={"email": w.alice.email, "password": PASSWORD}).json()[
        "mfa_token"
    ]
    w.client.app.state.settings = w.settings.model_copy(update={"login_slowdown_after": 100})  # type: ignore[attr-defined]
    for guess in range(5):
        w.client.post("/auth/login/mfa", json={"mfa_token": token, "code": f"{guess:06d}"})
    return w.client.post(
        "/auth/login/mfa", json={"mfa_token": token, "code": pyotp.TOTP(secret).at(time.time() + 30)}
    )


def oversized_body(w: World) -> httpx.Response:
    return w.client.post(
        "/ai/chat", content=b'{"prompt": "' + b"x" * 2_000_000 + b'"}', headers=w.bob.headers
    )


def malformed_json(w: World) -> httpx.Response:
    return w.client.post(
        "/auth/login",
        content=b'{"email": "a@example.com", "password": ',
        headers={"content-type": "application/json"},
    )


HOSTILE = [
    {"gpu_type": "' OR 1=1 --"},
    {"q": "'; DROP TABLE users; --"},
    {"region": "<script>alert(1)</script>"},
    {"max_price": "NaN"},
    {"max_price": "1e309"},
    {"gpu_count": "99999999999999999999"},
    {"page": "-1"},
    {"page_size": "1000000000"},
    {"sort": "price_asc; DROP TABLE offers"},
    {"provider": "," * 500},
    {"tags": "a" * 5000},
    {"gpu_type": "H100\x00"},
    {"country": "\u202e\u0000"},
]


def hostile_filters(w: World) -> httpx.Response:
    for params in HOSTILE:
        r = w.client.get("/providers", params=params)
        assert r.status_code in (200, 422), (params, r.status_code, r.text[:200])
        if r.status_code == 422:
            assert set(r.json()["error"]) == {"code", "message", "details", "trace_id"}
    for params in ({"before_id": "-1"}, {"limit": "100000"}, {"event_type": "x' OR '1'='1"}):
        r = w.client.get("/audit", params=params, headers=w.alice.headers)
        assert r.status_code in (200, 422) and (r.status_code == 422 or r.json() == []), r.text
    return w.client.get("/providers", params={"max_price": "NaN"})


ATTACKS: list[tuple[str, Callable[[World], httpx.Response], int, str]] = [
    ("tampered token", tampered_token, 401, "invalid_token"),
    ("alg=none token", alg_none, 401, "invalid_token"),
    ("token signed with another key", wrong_key, 401, "invalid_token"),
    ("token signed with HS512", other_algorithm, 401, "invalid_token"),
    ("expired token", expired_token, 401, "token_expired"),
    ("refresh token replay", refresh_replay, 401, "refresh_token_reused"),
    ("refresh token as access token", refresh_as_access, 401, "invalid_token"),
    ("access token after logout", after_logout, 401, "invalid_token"),
    ("role escalation: user makes self admin", self_promotion, 403, "forbidden"),
    ("role escalation: manager invites an admin", manager_invites_admin, 403, "forbidden"),
    ("role escalation: forged role claim", forged_role_claim, 401, "invalid_token"),
    ("cross-tenant read: user by id", cross_read("/users/{carol}"), 404, "not_found"),
    ("cross-tenant read: tenant by id", cross_read("/tenants/{team_b}"), 404, "not_found"),
    ("cross-tenant read: tenant's users", cross_read("/tenants/{team_b}/users"), 404, "not_found"),
    ("cross-tenant read: assistant thread", cross_read("/threads/{thread}"), 404, "not_found"),
    (
        "cross-tenant write: user's role",
        cross_write("PATCH", "/users/{carol}", {"role": "user"}),
        404,
        "not_found",
    ),
    (
        "cross-tenant write: tenant's plan",
        cross_write("PATCH", "/tenants/{team_b}", {"plan": "free"}),
        404,
        "not_found",
    ),
    ("cross-tenant write: close tenant", cross_write("DELETE", "/tenants/{team_b}", {}), 404, "not_found"),
    (
        "cross-tenant write: invite into tenant",
        cross_write("POST", "/tenants/{team_b}/invitations", {"email": "spy@example.com", "role": "admin"}),
        404,
        "not_found",
    ),
    (
        "cross-tenant write: post into thread",
        cross_write("POST", "/ai/chat", {"prompt": "book it", "thread_id": "{thread}"}),
        404,
        "not_found",
    ),
    ("brute-force login", brute_force, 429, "login_throttled"),
    ("MFA code guessing", mfa_guessing, 401, "invalid_token"),
    ("oversized body", oversized_body, 413, "payload_too_large"),
    ("malformed JSON", malformed_json, 422, "validation_error"),
    ("hostile filter values", hostile_filters, 422, "validation_error"),
]


@pytest.mark.parametrize(
    ("attack", "expected_status", "expected_code"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attack_gets_the_expected_answer(
    world: World, attack: Callable[[World], httpx.Response], expected_status: int, expected_code: str
) -> None:
    r = attack(world)
    assert r.status_code == expected_status, r.text
    error = r.json()["error"]
    assert error["code"] == expected_code and set(error) == {"code", "message", "details", "trace_id"}
    # Whatever was tried, the team's audit chain still holds.
    assert world.client.get("/audit/verify", headers=world.carol.headers).json()["ok"] is True
