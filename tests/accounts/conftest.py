"""Helpers of the accounts tests: sign-up and sign-in through the API, and per-test settings.

Every test here runs on both backends through the shared ``client`` fixture. Password hashing keeps
argon2id but with a small work factor, because these tests hash hundreds of passwords; the
production parameters are argon2-cffi's defaults (tests/accounts/test_auth.py checks them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from accounts import crypto

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    tenant_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def register(client: TestClient, email: str | None = None, password: str = PASSWORD, **extra: Any) -> Account:
    email = email or new_email()
    r = client.post("/auth/register", json={"email": email, "password": password, **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return Account(
        email=email,
        password=password,
        user_id=body["user"]["id"],
        tenant_id=body["tenant"]["id"],
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
    )


def sign_in(client: TestClient, account: Account) -> Account:
    r = client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert r.status_code == 200 and "access_token" in r.json(), r.text
    account.access_token = r.json()["access_token"]
    account.refresh_token = r.json()["refresh_token"]
    return account


def invite_and_join(client: TestClient, admin: Account, role: str, email: str | None = None) -> Account:
    email = email or new_email(role)
    r = client.post(
        f"/tenants/{admin.tenant_id}/invitations", json={"email": email, "role": role}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    return register(client, email, invite_token=r.json()["token"])


@pytest.fixture
def configure(app: Any) -> Callable[..., None]:
    """Overrides settings of the app under test for this test only (the app reads them per request)."""

    def apply(**changes: Any) -> None:
        current = app.state.settings
        app.state.settings = type(current).model_validate({**current.model_dump(), **changes})

    return apply


@pytest.fixture
def admin(client: TestClient) -> Account:
    return register(client, new_email("admin"), tenant_name="Acme ML")
