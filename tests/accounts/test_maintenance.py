"""Housekeeping: sign-in flows that expired or were used are deleted, live ones are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from accounts.maintenance import purge_expired_flows
from accounts.models import AuthFlow
from core.db import session_scope
from tests.accounts.conftest import PASSWORD, register
from tests.accounts.test_mfa import enrol_totp, next_code


def _flows(client: TestClient, ids: list[str]) -> int:
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        return int(session.execute(select(func.count()).where(AuthFlow.id.in_(ids))).scalar_one())


def _purge(client: TestClient, now: datetime) -> int:
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        return purge_expired_flows(session, now=now)


def test_dead_sign_in_flows_are_purged_and_live_ones_kept(client: TestClient) -> None:
    account = register(client)
    totp, _, _ = enrol_totp(client, account)
    login = {"email": account.email, "password": PASSWORD}
    used = client.post("/auth/login", json=login).json()["mfa_token"]
    assert (
        client.post("/auth/login/mfa", json={"mfa_token": used, "code": next_code(totp)}).status_code == 200
    )
    live = client.post("/auth/login", json=login).json()["mfa_token"]
    assert _flows(client, [used, live]) == 2

    # Just used and still pending: both are inside the grace period, nothing goes.
    now = datetime.now(UTC)
    _purge(client, now)
    assert _flows(client, [used, live]) == 2

    # Sixteen minutes on, the used flow is past its grace and the pending one (5 minute TTL) expired.
    assert _purge(client, now + timedelta(minutes=16)) >= 2
    assert _flows(client, [used, live]) == 0
    r = client.post("/auth/login/mfa", json={"mfa_token": live, "code": next_code(totp)})
    assert r.status_code == 401
    assert r.json()["error"]["code"]
