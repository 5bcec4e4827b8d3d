"""Helpers of the billing tests: teams and bookings with exact activation and end times.

Bookings are inserted as rows: metering is about *when* a booking was active, and a booking driven
through the provisioning flow is active from "now", which no test about past days can use. The rows
are what ``booking.service`` writes (state, ``activated_at``, ``ended_at``, the offer snapshot).
Every test runs on both backends (the shared ``backend`` fixture) inside its rolled-back transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from accounts import crypto
from accounts import service as accounts
from accounts.models import Role
from billing.models import BillingAccount, CurrencyPeriod
from booking.models import Booking, BookingState
from core.settings import Settings

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def at(text: str) -> datetime:
    """``"2026-10-13 22:30"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Team:
    tenant_id: str
    user_id: str
    token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_team(session: Session, settings: Settings, name: str = "Billing team") -> Team:
    tenant = accounts.new_tenant(session, settings, name)
    user = accounts.new_user(
        session, tenant, f"bill-{uuid.uuid4().hex[:10]}@example.com", Role.ADMIN, None, None
    )
    return Team(tenant.id, user.id)


def add_booking(
    session: Session,
    team: Team,
    *,
    activated: str | datetime | None,
    ended: str | datetime | None = None,
    state: BookingState | None = None,
    price: str = "2.4900",
    currency: str = "USD",
    provider: str = "lambda",
    offer_name: str = "gpu_1x_h100_pcie",
    gpu_type: str = "H100",
    gpu_count: int = 1,
    region: str | None = "us-east-1",
    submitted: str | datetime | None = None,
    provider_ref: str | None = None,
) -> Booking:
    activated_at = at(activated) if isinstance(activated, str) else activated
    ended_at = at(ended) if isinstance(ended, str) else ended
    if state is None:
        state = BookingState.COMPLETED if ended_at else BookingState.ACTIVE
    submitted_at = at(submitted) if isinstance(submitted, str) else submitted
    created = submitted_at or activated_at or datetime.now(UTC)
    booking = Booking(
        id=str(uuid.uuid4()),
        tenant_id=team.tenant_id,
        user_id=team.user_id,
        offer_id=None,
        provider_id=provider,
        offer_name=offer_name,
        gpu_type=gpu_type,
        gpu_count=gpu_count,
        region=region,
        hourly_price=Decimal(price),
        currency=currency,
        hours=24.0,
        state=state.value,
        version=1,
        created_at=created,
        updated_at=ended_at or created,
        submitted_at=created,
        provider_ref=provider_ref,
        activated_at=activated_at,
        ended_at=ended_at,
    )
    session.add(booking)
    session.flush()
    return booking


def set_account(
    session: Session,
    team: Team,
    currency: str,
    email: str | None = None,
    *,
    country: str | None = None,
    vat_id: str | None = None,
) -> None:
    """A billing account that has billed in ``currency`` since before any test day (the API would only
    switch from the next day on)."""
    now = datetime.now(UTC)
    session.add(
        BillingAccount(
            tenant_id=team.tenant_id,
            currency=currency,
            email=email,
            country=country,
            vat_id=vat_id,
            created_at=now,
            updated_at=now,
        )
    )
    session.add(
        CurrencyPeriod(tenant_id=team.tenant_id, valid_from=date(1999, 1, 1), currency=currency, set_at=now)
    )
    session.flush()


@pytest.fixture
def team(db: Session, settings: Settings) -> Team:
    return new_team(db, settings)


def register(client: TestClient, **extra: Any) -> Team:
    email = f"bill-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return Team(body["tenant"]["id"], body["user"]["id"], body["access_token"])


def invite(client: TestClient, admin: Team, role: str) -> Team:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(
        f"/tenants/{admin.tenant_id}/invitations", json={"email": email, "role": role}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    joined = client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "invite_token": r.json()["token"]}
    )
    assert joined.status_code == 201, joined.text
    body = joined.json()
    return Team(body["tenant"]["id"], body["user"]["id"], body["access_token"])


@pytest.fixture
def api_team(client: TestClient) -> Team:
    """A team registered through the API (its admin's token in ``headers``)."""
    return register(client, tenant_name="Acme ML")


Booker = Callable[..., Booking]
