"""Team administration: invitations, roles, plan limits, the policy table, and tenant isolation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from accounts.policy import POLICY, Action
from tests.accounts.conftest import Account, invite_and_join, new_email, register
from tests.support import platform_operator, set_team_limits


def audit_events(client: TestClient, account: Account) -> list[dict[str, Any]]:
    r = client.get("/audit", headers=account.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_an_admin_invites_and_the_invitee_joins_with_the_role(client: TestClient, admin: Account) -> None:
    manager = invite_and_join(client, admin, "manager")
    me = client.get("/me", headers=manager.headers).json()
    assert me["tenant_id"] == admin.tenant_id and me["role"] == "manager"
    users = client.get(f"/tenants/{admin.tenant_id}/users", headers=admin.headers).json()
    assert {u["email"] for u in users} == {admin.email, manager.email}


def test_an_invitation_is_for_its_email_and_used_once(client: TestClient, admin: Account) -> None:
    email = new_email()
    token = client.post(
        f"/tenants/{admin.tenant_id}/invitations",
        json={"email": email, "role": "user"},
        headers=admin.headers,
    ).json()["token"]
    other = client.post(
        "/auth/register",
        json={"email": new_email(), "password": "a long password here", "invite_token": token},
    )
    assert other.status_code == 422 and other.json()["error"]["details"][0]["field"] == "invite_token"
    register(client, email, invite_token=token)
    again = client.post(
        "/auth/register",
        json={"email": new_email(), "password": "a long password here", "invite_token": token},
    )
    assert again.status_code == 422


def test_an_admin_changes_a_role_and_the_chain_verifies(client: TestClient, admin: Account) -> None:
    user = invite_and_join(client, admin, "user")
    r = client.patch(f"/users/{user.user_id}", json={"role": "auditor"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["role"] == "auditor"
    # The new role applies at once, to the token the user already holds.
    assert client.get(f"/tenants/{admin.tenant_id}", headers=user.headers).status_code == 200
    assert client.post("/ai/chat", json={"prompt": "hi"}, headers=user.headers).status_code == 403

    change = next(e for e in audit_events(client, admin) if e["event_type"] == "user.role_changed")
    assert change["actor_id"] == admin.user_id and change["target"] == f"user:{user.user_id}"
    assert change["details"] == {"from": "user", "to": "auditor"} and change["outcome"] == "success"
    assert change["tenant_id"] == admin.tenant_id and change["trace_id"]
    assert change["source_ip"] == "testclient" and change["ts"].endswith("Z")
    verify = client.get("/audit/verify", headers=admin.headers).json()
    assert verify["ok"] is True and verify["first_broken"] is None
    assert verify["entries_checked"] == verify["head_seq"] >= 4


def test_the_team_keeps_an_admin(client: TestClient, admin: Account) -> None:
    r = client.patch(f"/users/{admin.user_id}", json={"role": "user"}, headers=admin.headers)
    assert r.status_code == 409 and "admin" in r.json()["error"]["message"]
    second = invite_and_join(client, admin, "admin")
    assert (
        client.patch(f"/users/{admin.user_id}", json={"role": "user"}, headers=second.headers).status_code
        == 200
    )


def test_a_disabled_user_is_signed_out_at_once(client: TestClient, admin: Account) -> None:
    user = invite_and_join(client, admin, "user")
    assert (
        client.patch(f"/users/{user.user_id}", json={"active": False}, headers=admin.headers).status_code
        == 200
    )
    assert client.get("/me", headers=user.headers).status_code == 401
    r = client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert r.status_code == 401


def test_plans_and_limits_are_the_platforms_to_grant(client: TestClient, app: Any, admin: Account) -> None:
    # A team admin may rename the team, not upgrade it (issue 12: {"plan": "enterprise",
    # "rate_limit_rps": 5000} used to answer 200).
    r = client.patch(
        f"/tenants/{admin.tenant_id}",
        json={"plan": "enterprise", "rate_limit_rps": 5000},
        headers=admin.headers,
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "operator_only"
    assert [d["field"] for d in r.json()["error"]["details"]] == ["plan", "rate_limit_rps"]
    assert client.get(f"/tenants/{admin.tenant_id}", headers=admin.headers).json()["plan"] == "free"
    r = client.patch(f"/tenants/{admin.tenant_id}", json={"name": "Acme AI"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["name"] == "Acme AI"

    operator = platform_operator(client, app)
    body = set_team_limits(client, operator, admin.tenant_id, plan="pro")
    assert body["plan"] == "pro" and body["burst"] == 500 and body["seats"] == 50
    body = set_team_limits(client, operator, admin.tenant_id, rate_limit_rps=5, burst=10)
    assert body["rate_limit_rps"] == 5 and body["burst"] == 10 and body["name"] == "Acme AI"
    # The limiter picks the new limits up at once.
    assert client.get("/me", headers=admin.headers).headers["x-ratelimit-limit"] == "10"
    for payload in ({"rate_limit_rps": 0}, {"plan": "platinum"}, {"burst": -1}, {"seats": "many"}):
        assert (
            client.patch(f"/ops/tenants/{admin.tenant_id}", json=payload, headers=operator).status_code == 422
        )
    assert client.patch("/ops/tenants/no-such-team", json={"seats": 3}, headers=operator).status_code == 404
    # Nobody else reaches the operators' route, the team's own admin included.
    refused = client.patch(f"/ops/tenants/{admin.tenant_id}", json={"seats": 9}, headers=admin.headers)
    assert refused.status_code == 403
    # The team's own chain says who changed its plan: the operator.
    updated = [e for e in audit_events(client, admin) if e["event_type"] == "tenant.updated"]
    assert any(e["details"]["changes"].get("burst") == [500, 10] for e in updated)
    assert {e["actor_id"] for e in updated if "burst" in e["details"]["changes"]} != {admin.user_id}


def test_seats_are_enforced(client: TestClient, app: Any, admin: Account) -> None:
    operator = platform_operator(client, app)
    set_team_limits(client, operator, admin.tenant_id, seats=2)
    invite_and_join(client, admin, "user")
    r = client.post(
        f"/tenants/{admin.tenant_id}/invitations",
        json={"email": new_email(), "role": "user"},
        headers=admin.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "seats_exhausted"
    r = client.patch(f"/ops/tenants/{admin.tenant_id}", json={"seats": 1}, headers=operator)
    assert r.status_code == 409


def test_closing_the_team_ends_every_session(client: TestClient, admin: Account) -> None:
    user = invite_and_join(client, admin, "user")
    assert client.delete(f"/tenants/{admin.tenant_id}", headers=admin.headers).status_code == 204
    for account in (admin, user):
        assert client.get("/me", headers=account.headers).status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "status"),
    [
        ("user", "GET", "/tenants/{tenant}", None, 403),
        ("user", "GET", "/tenants/{tenant}/users", None, 403),
        ("user", "PATCH", "/users/{self}", {"role": "admin"}, 403),
        ("user", "GET", "/audit", None, 403),
        ("user", "POST", "/tenants/{tenant}/invitations", {"email": "x@example.com", "role": "user"}, 403),
        ("manager", "PATCH", "/tenants/{tenant}", {"plan": "enterprise"}, 403),
        ("manager", "PATCH", "/users/{self}", {"role": "admin"}, 403),
        (
            "manager",
            "POST",
            "/tenants/{tenant}/invitations",
            {"email": "x@example.com", "role": "admin"},
            403,
        ),
        ("manager", "POST", "/tenants/{tenant}/invitations", {"email": "y@example.com", "role": "user"}, 201),
        ("manager", "GET", "/tenants/{tenant}/users", None, 200),
        ("auditor", "GET", "/audit/verify", None, 200),
        ("auditor", "PATCH", "/tenants/{tenant}", {"name": "x"}, 403),
        ("auditor", "POST", "/ai/chat", {"prompt": "hi"}, 403),
        ("auditor", "DELETE", "/tenants/{tenant}", None, 403),
    ],
)
def test_the_policy_table_is_enforced(
    client: TestClient, admin: Account, role: str, method: str, path: str, body: Any, status: int
) -> None:
    member = invite_and_join(client, admin, role)
    url = path.format(tenant=admin.tenant_id, self=member.user_id)
    r = client.request(method, url, json=body, headers=member.headers)
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["error"]["code"] == "forbidden"
        denied = [e for e in audit_events(client, admin) if e["event_type"] == "authz.denied"]
        assert denied and denied[0]["actor_id"] == member.user_id and denied[0]["outcome"] == "denied"
    assert client.get("/me", headers=member.headers).json()["role"] == role


def test_another_teams_ids_are_not_found(client: TestClient, admin: Account) -> None:
    other = register(client, tenant_name="Other team")
    colleague = invite_and_join(client, other, "user")
    for method, path, body in [
        ("GET", f"/tenants/{other.tenant_id}", None),
        ("PATCH", f"/tenants/{other.tenant_id}", {"name": "pwned"}),
        ("DELETE", f"/tenants/{other.tenant_id}", None),
        ("GET", f"/tenants/{other.tenant_id}/users", None),
        ("POST", f"/tenants/{other.tenant_id}/invitations", {"email": new_email(), "role": "admin"}),
        ("GET", f"/users/{colleague.user_id}", None),
        ("PATCH", f"/users/{colleague.user_id}", {"role": "admin"}),
        ("GET", "/users/no-such-user", None),
    ]:
        r = client.request(method, path, json=body, headers=admin.headers)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_found"
    assert client.get("/me", headers=colleague.headers).json()["role"] == "user"
    assert client.get(f"/tenants/{other.tenant_id}", headers=other.headers).json()["name"] == "Other team"


# The marketplace stays public and read-only (pages, search, offers, the cost forecast), and so do
# the ways in (sign-up and sign-in steps) and the probes.
PUBLIC = {
    "/",
    "/marketplace",
    "/health",
    "/healthz",
    "/ready",
    "/metrics",
    "/kpis/catalog",
    "/info",
    "/predict",
    "/catalog/providers",
    "/auth/register",
    "/auth/login",
    "/auth/login/mfa",
    "/auth/refresh",
    "/auth/webauthn/login/options",
    "/auth/webauthn/login",
    "/auth/passkey/options",
    "/auth/passkey/login",
    "/auth/oidc/login",
    "/auth/oidc/callback",
    # Links mailed to people (accounts.email_tokens): the token is the credential.
    "/auth/verify-email",
    "/auth/password/forgot",
    "/auth/password/reset",
    # Providers' webhooks: no user; the HMAC signature is the credential (booking.signing).
    "/webhooks/{provider_id}",
    # Public keys; token introspection checks its caller itself (an operator or the service token).
    "/.well-known/jwks.json",
    "/auth/introspect",
    # Kill Bill's notifications: unsigned hints only; the payment is read back from Kill Bill itself.
    "/billing/killbill/events",
}
PUBLIC_PREFIXES = ("/providers", "/offers/", "/docs", "/openapi", "/redoc", "/static")


def policy_actions(dependant: Any) -> list[Action]:
    found = []
    for dep in dependant.dependencies:
        action = getattr(dep.call, "__policy_action__", None)
        if action is not None:
            found.append(action)
        found.extend(policy_actions(dep))
    return found


def api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every APIRoute of the app, through included routers (FastAPI wraps them since 0.16x)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        yield from api_routes(getattr(inner, "routes", None) or getattr(route, "routes", None) or [])


def test_every_route_is_public_or_names_its_action(app: Any) -> None:
    routes = list(api_routes(app.routes))
    # The walk saw every documented operation, so nothing slips past it.
    assert set(app.openapi()["paths"]) <= {r.path for r in routes}
    # The JSON API; the web pages check the same policy on their cookie session (tests/web).
    api = [r for r in routes if r.include_in_schema]
    unguarded = [
        f"{sorted(r.methods)} {r.path}"
        for r in api
        if r.path not in PUBLIC and not r.path.startswith(PUBLIC_PREFIXES) and not policy_actions(r.dependant)
    ]
    # A route added without require(...) that is not deliberately public shows up here.
    assert unguarded == []
    assert set(POLICY) == set(Action)
    guarded = {r.path for r in routes if policy_actions(r.dependant)}
    assert {
        "/ai/chat",
        "/ai/chat/stream",
        "/threads",
        "/runs/stream",
        "/audit/verify",
        "/data-request",
    } <= guarded


def test_times_in_answers_carry_their_utc_offset(client: TestClient, admin: Account) -> None:
    # Found by schemathesis: on SQLite /me, /tenants, /users and /ops/tenants sent naive times, which the
    # documented date-time format (RFC 3339) does not allow.
    me = client.get("/me", headers=admin.headers).json()
    invite = client.post(
        f"/tenants/{admin.tenant_id}/invitations", json={"email": new_email("utc")}, headers=admin.headers
    ).json()
    for stamp in (me["created_at"], me["tenant"]["created_at"], invite["expires_at"]):
        assert stamp.endswith(("+00:00", "Z")), stamp
