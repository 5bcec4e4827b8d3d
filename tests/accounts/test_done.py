"""The issue's "done when", end to end through the API: a new user registers, enrols TOTP, signs in
with it, hits the rate limit and sees 429 with Retry-After; an admin changes a role and the audit
chain verifies; the GDPR export returns the user's data."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from tests.accounts.conftest import PASSWORD, invite_and_join, register
from tests.support import platform_operator, set_team_limits


def test_done_when(client: TestClient, app: Any) -> None:
    user = register(client, tenant_name="Done team")

    secret = client.post("/auth/mfa/totp", headers=user.headers).json()["secret"]
    totp = pyotp.TOTP(secret)
    codes = client.post("/auth/mfa/totp/confirm", json={"code": totp.now()}, headers=user.headers)
    assert codes.status_code == 200 and len(codes.json()["recovery_codes"]) == 10

    step = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()
    assert step["mfa_required"] is True
    signed_in = client.post(
        "/auth/login/mfa", json={"mfa_token": step["mfa_token"], "code": totp.at(time.time() + 30)}
    )
    assert signed_in.status_code == 200, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    # The team's plan, granted by the platform: a small burst, slow refill, so the limit is reached quickly.
    operator = platform_operator(client, app)
    set_team_limits(client, operator, user.tenant_id, burst=5, rate_limit_rps=0.2)
    answers = [client.get("/me", headers=headers) for _ in range(6)]
    assert [r.status_code for r in answers[:5]] == [200] * 5
    limited = answers[5]
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-ratelimit-limit"] == "5" and limited.headers["x-ratelimit-remaining"] == "0"
    assert (
        client.patch(f"/tenants/{user.tenant_id}", json={"plan": "pro"}, headers=headers).status_code == 429
    )
    # The operators restore the team's plan (their own bucket is not the team's).
    set_team_limits(client, operator, user.tenant_id, burst=200, rate_limit_rps=100)

    user.access_token = signed_in.json()["access_token"]
    colleague = invite_and_join(client, user, "user")
    promoted = client.patch(f"/users/{colleague.user_id}", json={"role": "manager"}, headers=headers)
    assert promoted.status_code == 200 and promoted.json()["role"] == "manager"
    verify = client.get("/audit/verify", headers=headers).json()
    assert verify["ok"] is True and verify["entries_checked"] >= 8

    export = client.get("/data-request", headers=colleague.headers)
    assert export.status_code == 200
    assert export.json()["user"]["email"] == colleague.email and export.json()["user"]["role"] == "manager"
    assert "user.registered" in [e["event_type"] for e in export.json()["audit_entries"]]
