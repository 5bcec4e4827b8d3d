"""The operator console (/ops): platform staff open, list, close and reopen teams; nobody else can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accounts.audit import Source
from accounts.operators import set_operator
from accounts.service import Ctx
from core.db import session_scope
from tests.accounts.conftest import Account, new_email, register


def make_operator(app: Any, account: Account) -> None:
    with session_scope(app.state.session_factory) as session:
        set_operator(session, Ctx(settings=app.state.settings, source=Source()), account.email, True)


@pytest.fixture
def operator(client: TestClient, app: Any) -> Account:
    account = register(client, new_email("ops"), tenant_name="Platform")
    make_operator(app, account)
    return account


def test_only_operators_reach_the_console(client: TestClient, admin: Account) -> None:
    for method, path in (
        ("GET", "/ops/tenants"),
        ("POST", "/ops/tenants"),
        ("POST", f"/ops/tenants/{admin.tenant_id}/close"),
        ("POST", f"/ops/tenants/{admin.tenant_id}/reopen"),
    ):
        r = client.request(method, path, headers=admin.headers, json={})
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "operator_only"
    assert client.get("/ops/tenants").status_code == 401
    denied = client.get("/audit", headers=admin.headers).json()
    assert any(
        e["event_type"] == "authz.denied" and e["details"]["action"] == "platform.operate" for e in denied
    )


def test_open_a_team_for_a_customer_then_close_and_reopen_it(client: TestClient, operator: Account) -> None:
    email = new_email("customer")
    r = client.post(
        "/ops/tenants",
        headers=operator.headers,
        json={"name": "Customer ML", "plan": "pro", "admin_email": email},
    )
    assert r.status_code == 201, r.text
    opened = r.json()
    tenant_id = opened["tenant"]["id"]
    assert opened["tenant"]["plan"] == "pro" and opened["tenant"]["seats"] == 50
    assert opened["invitation"]["role"] == "admin" and opened["invitation"]["token"]

    # The customer registers with the invitation and is the admin of the new team.
    customer = register(client, email, invite_token=opened["invitation"]["token"])
    me = client.get("/me", headers=customer.headers).json()
    assert me["tenant_id"] == tenant_id and me["role"] == "admin"

    listed = client.get("/ops/tenants", headers=operator.headers, params={"q": "customer ml"}).json()
    assert [(t["id"], t["users"], t["active"]) for t in listed["items"]] == [(tenant_id, 1, True)]
    assert listed["total"] == 1

    closed = client.post(f"/ops/tenants/{tenant_id}/close", headers=operator.headers)
    assert closed.status_code == 200 and closed.json()["active"] is False
    assert client.get("/me", headers=customer.headers).status_code == 401
    login = client.post("/auth/login", json={"email": email, "password": customer.password})
    assert login.status_code in (401, 403)

    reopened = client.post(f"/ops/tenants/{tenant_id}/reopen", headers=operator.headers)
    assert reopened.status_code == 200 and reopened.json()["active"] is True
    assert client.post("/auth/login", json={"email": email, "password": customer.password}).status_code == 200

    # The customer's team records who did what, with the operator as the actor.
    view = register_admin_view(client, email, customer.password)
    events = client.get("/audit", headers=view).json()
    kinds = [e["event_type"] for e in events]
    created = next(e for e in events if e["event_type"] == "tenant.created")
    assert created["actor_id"] == operator.user_id
    assert {"tenant.created", "user.invited", "tenant.deactivated", "tenant.reactivated"} <= set(kinds)
    assert client.get("/audit/verify", headers=register_admin_view(client, email, customer.password)).json()[
        "ok"
    ]


def register_admin_view(client: TestClient, email: str, password: str) -> dict[str, str]:
    token = client.post("/auth/login", json={"email": email, "password": password}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "admin_email": "a@example.com"}, "name"),
        ({"name": "X", "admin_email": "not-an-email"}, "admin_email"),
        ({"name": "X", "plan": "platinum", "admin_email": "a@example.com"}, "plan"),
        ({"name": "X", "admin_email": "a@example.com", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, operator: Account, body: dict[str, Any], field: str
) -> None:
    r = client.post("/ops/tenants", headers=operator.headers, json=body)
    assert r.status_code == 422, r.text
    assert any(field in str(d.get("field")) for d in r.json()["error"]["details"]), r.json()


def test_unknown_team_and_own_team(client: TestClient, operator: Account) -> None:
    assert client.post("/ops/tenants/no-such-team/close", headers=operator.headers).status_code == 404
    own = client.post(f"/ops/tenants/{operator.tenant_id}/close", headers=operator.headers)
    assert own.status_code == 422 and own.json()["error"]["details"] == [{"field": "tenant_id"}]


def test_an_email_already_taken_is_a_409_and_opens_nothing(
    client: TestClient, operator: Account, admin: Account
) -> None:
    before = client.get("/ops/tenants", headers=operator.headers).json()["total"]
    r = client.post(
        "/ops/tenants", headers=operator.headers, json={"name": "Dup", "admin_email": admin.email}
    )
    assert r.status_code == 409
    assert client.get("/ops/tenants", headers=operator.headers).json()["total"] == before


def test_the_cli_grants_lists_and_revokes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from accounts import service as accounts
    from accounts.models import Role
    from api.cli import build_parser, migrate
    from core.db import make_engine, make_session_factory
    from core.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ops.db'}", redis_url=None)
    migrate(settings)
    engine = make_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as session:
        tenant = accounts.new_tenant(session, settings, "Staff")
        accounts.new_user(session, tenant, "staff@example.com", Role.USER, None, None)
    engine.dispose()

    def run(*argv: str) -> int:
        args = build_parser().parse_args(["operator", *argv])
        return int(args.func(args, settings))

    assert run("grant", "Staff@Example.com") == 0
    assert "staff@example.com is now a platform operator" in capsys.readouterr().out
    assert run("list") == 0
    assert capsys.readouterr().out.startswith("staff@example.com\t")
    assert run("revoke", "staff@example.com") == 0
    assert run("list") == 0
    assert "staff@example.com" not in capsys.readouterr().out.split("no longer")[-1]
    assert run("grant", "nobody@example.com") == 1
    assert "no account" in capsys.readouterr().err


def test_an_operator_reads_a_teams_kpis_and_the_team_sees_who_looked(
    client: TestClient, operator: Account, admin: Account
) -> None:
    r = client.get(f"/ops/tenants/{admin.tenant_id}/kpis", headers=operator.headers)
    assert r.status_code == 200, r.text
    assert r.json()["tenant_id"] == admin.tenant_id and r.json()["totals"]["created"] == 0
    looked = [
        e
        for e in client.get("/audit", headers=admin.headers).json()
        if e["event_type"] == "tenant.kpis_viewed"
    ]
    assert looked and looked[0]["actor_id"] == operator.user_id
    assert client.get(f"/ops/tenants/{operator.tenant_id}/kpis", headers=admin.headers).status_code == 403
    assert client.get("/ops/tenants/nope/kpis", headers=operator.headers).status_code == 404
    bad = client.get(
        f"/ops/tenants/{admin.tenant_id}/kpis", headers=operator.headers, params={"start": "2026-13-01"}
    )
    assert bad.status_code == 422 and "start" in str(bad.json()["error"]["details"])


def test_only_operators_see_the_platform_kpis(client: TestClient, operator: Account, admin: Account) -> None:
    r = client.get("/ops/kpis", headers=operator.headers)
    assert r.status_code == 200 and r.json()["tenant_id"] == "all"
    assert client.get("/ops/kpis", headers=admin.headers).status_code == 403


def test_a_page_number_out_of_range_is_a_422_naming_it(client: TestClient, operator: Account) -> None:
    # Found by schemathesis: ?page=109004508127769680 made an offset SQLite cannot bind, a 500.
    r = client.get("/ops/tenants", params={"page": 109004508127769680}, headers=operator.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "page"
    assert (
        client.get("/ops/tenants", params={"page": 100_000}, headers=operator.headers).json()["items"] == []
    )
