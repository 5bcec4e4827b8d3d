"""Registration, password sign-in, token refresh with rotation and reuse detection, logout, and
slowing down and locking out repeated failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from accounts import crypto
from core.settings import Settings
from tests.accounts.conftest import PASSWORD, Account, new_email, register


def test_a_new_user_gets_a_team_tokens_and_their_profile(client: TestClient) -> None:
    email = new_email()
    r = client.post("/auth/register", json={"email": email.upper(), "password": PASSWORD, "name": "Ada"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["user"]["email"] == email and body["user"]["role"] == "admin"
    assert body["tenant"]["plan"] == "free"
    assert body["tenant"]["rate_limit_rps"] == 100 and body["tenant"]["burst"] == 200

    me = client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == email and me.json()["name"] == "Ada" and me.json()["mfa"] == []
    assert me.json()["tenant"]["id"] == body["tenant"]["id"]

    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == body["user"]["id"] and claims["tenant_id"] == body["tenant"]["id"]
    assert claims["role"] == "admin" and claims["typ"] == "access"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 300}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "role": "admin"}, "role"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "bad\x00name"}, "name"),
        ({"email": "a@example.com"}, "password"),
    ],
)
def test_bad_registrations_are_422_in_the_envelope(
    client: TestClient, payload: dict[str, Any], field: str
) -> None:
    r = client.post("/auth/register", json=payload)
    assert r.status_code == 422
    assert any(d["field"] == field for d in r.json()["error"]["details"]), r.json()


def test_an_email_registers_once(client: TestClient) -> None:
    account = register(client)
    r = client.post("/auth/register", json={"email": account.email, "password": PASSWORD})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_password_login_and_wrong_credentials(client: TestClient) -> None:
    account = register(client)
    ok = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["access_token"]
    wrong = client.post("/auth/login", json={"email": account.email, "password": "wrong password!"})
    unknown = client.post("/auth/login", json={"email": new_email(), "password": PASSWORD})
    for r in (wrong, unknown):
        # The same answer either way, so the response does not tell which emails exist.
        assert r.status_code == 401
        assert r.json()["error"] == {**r.json()["error"], "code": "invalid_credentials"}
        assert r.json()["error"]["message"] == "invalid email or password"
        assert r.headers["www-authenticate"] == "Bearer"


def test_refresh_rotates_and_a_reused_token_revokes_the_family(client: TestClient) -> None:
    account = register(client)
    first = client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    second = client.post("/auth/refresh", json={"refresh_token": first.json()["refresh_token"]})
    assert second.status_code == 200
    assert (
        client.get("/me", headers={"Authorization": f"Bearer {second.json()['access_token']}"}).status_code
        == 200
    )

    replay = client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "refresh_token_reused"
    # The whole family is gone: the newest refresh token and every access token of the session.
    after = client.post("/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert after.status_code == 401
    me = client.get("/me", headers={"Authorization": f"Bearer {second.json()['access_token']}"})
    assert me.status_code == 401 and "session has ended" in me.json()["error"]["message"]
    # Signing in again works.
    assert client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).status_code == 200


def test_an_access_token_is_not_a_refresh_token(client: TestClient) -> None:
    account = register(client)
    r = client.post("/auth/refresh", json={"refresh_token": account.access_token})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    r = client.get("/me", headers={"Authorization": f"Bearer {account.refresh_token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


def test_logout_ends_the_session(client: TestClient) -> None:
    account = register(client)
    assert client.post("/auth/logout", headers=account.headers).status_code == 204
    assert client.get("/me", headers=account.headers).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": account.refresh_token}).status_code == 401


def test_protected_routes_need_a_token(client: TestClient) -> None:
    r = client.get("/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    assert set(r.json()["error"]) == {"code", "message", "details", "trace_id"}


def test_failures_slow_down_then_lock_the_account(
    client: TestClient, admin: Account, configure: Callable[..., None]
) -> None:
    account = register(client)
    bad = {"email": account.email, "password": "not the password"}
    for _ in range(3):
        assert client.post("/auth/login", json=bad).status_code == 401
    slowed = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert slowed.status_code == 429 and slowed.json()["error"]["code"] == "login_throttled"
    assert int(slowed.headers["retry-after"]) >= 1

    configure(login_slowdown_base_s=0.0)  # skip the waiting; the count goes on
    for _ in range(7):
        assert client.post("/auth/login", json=bad).status_code == 401
    locked = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"
    assert 800 < int(locked.headers["retry-after"]) <= 900


def test_lockout_is_audited(client: TestClient, configure: Callable[..., None]) -> None:
    configure(login_slowdown_base_s=0.0, login_max_failures=3, login_lockout_s=1)
    account = register(client)
    for _ in range(3):
        client.post("/auth/login", json={"email": account.email, "password": "not the password"})
    r = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"
    time.sleep(1.1)
    # The lock has passed: the right password works again.
    token = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    events = [(e["event_type"], e["outcome"]) for e in client.get("/audit", headers=headers).json()]
    assert events.count(("login.failed", "failure")) == 3
    assert ("account.locked", "success") in events and ("login.blocked", "denied") in events


def test_one_address_cannot_try_many_accounts(client: TestClient, configure: Callable[..., None]) -> None:
    configure(login_ip_burst=3, login_ip_per_minute=1.0)
    answers = [
        client.post("/auth/login", json={"email": new_email(), "password": PASSWORD}).status_code
        for _ in range(4)
    ]
    assert answers == [401, 401, 401, 429]


def test_passwords_are_stored_as_argon2id_hashes(client: TestClient) -> None:
    stored = crypto.hash_password("a long enough password")
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert crypto.verify_password(stored, "a long enough password")
    assert not crypto.verify_password(stored, "another password")
    assert not crypto.verify_password("not a hash", "x")
    # A hash made with weaker parameters than the production ones is upgraded at the next login.
    assert crypto.needs_rehash(stored) is False
    assert PasswordHasher().check_needs_rehash(stored) is True


def test_production_refuses_to_start_on_the_public_dev_jwt_secret() -> None:
    """It used to start with a warning, and a token signed with the public secret was an admin's."""
    from api.app import create_app
    from core.settings import UnsafeSettings

    with pytest.raises(UnsafeSettings, match="GPUBROKER_JWT_SECRET is the public dev secret"):
        create_app(Settings(env="production", redis_url="redis://127.0.0.1:6379/15"))
    assert "GPUBROKER_JWT_SECRET" not in "\n".join(
        Settings(
            env="production", jwt_secret="a-real-secret-from-the-vault-0123456789abcdef"
        ).production_problems()
    )
    assert Settings(env="dev").production_problems() == []


def test_a_closed_teams_members_cannot_sign_in(client: TestClient, admin: Account) -> None:
    assert client.delete(f"/tenants/{admin.tenant_id}", headers=admin.headers).status_code == 204
    r = client.post("/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
