"""The operator console page (/ops): no script needed, operators only, and a look in a real browser."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from accounts.audit import Source
from accounts.operators import set_operator
from accounts.service import Ctx
from core.db import session_scope
from tests.support import use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


def sign_up_and_in(client: Any, app: Any | None = None, operator: bool = False) -> str:
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Ops team"})
    assert r.status_code == 201, r.text
    if operator and app is not None:
        with session_scope(app.state.session_factory) as session:
            set_operator(session, Ctx(settings=app.state.settings, source=Source()), email, True)
    return email


def login(client: TestClient, email: str) -> None:
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/ops"}, follow_redirects=False
    )
    assert r.status_code == 303
    use_page_token(client)


def test_a_team_member_gets_a_403_page(client: TestClient) -> None:
    login(client, sign_up_and_in(client))
    r = client.get("/ops")
    assert r.status_code == 403 and "Only platform operators" in r.text
    assert 'href="/ops"' not in r.text, "the nav hides the console from non-operators"


def test_open_close_and_reopen_a_team_without_script(client: TestClient, app: Any) -> None:
    login(client, sign_up_and_in(client, app, operator=True))
    page = parse(client.get("/ops").text)
    assert page.find("a", href="/ops").text() == "Operators"
    name = f"Customer {uuid.uuid4().hex[:6]}"
    r = client.post(
        "/ops/open-team",
        data={"name": name, "plan": "pro", "admin_email": f"{uuid.uuid4().hex[:8]}@example.com"},
    )
    assert r.status_code == 201, r.text[:500]
    doc = parse(r.text)
    assert doc.find(data_invite_token=True).text()
    row = next(tr for tr in doc.find_all("tr") if tr.get("data-tenant-id") and name in tr.text())
    tenant_id = row.get("data-tenant-id")
    assert "pro" in row.text() and "active" in row.text()

    closed = client.post(f"/ops/teams/{tenant_id}/active", data={"active": "false"}, follow_redirects=True)
    assert "Team closed" in closed.text
    row = parse(closed.text).find("tr", data_tenant_id=tenant_id)
    assert "closed" in row.text() and row.find("button").text() == "Reopen"
    reopened = client.post(f"/ops/teams/{tenant_id}/active", data={"active": "true"}, follow_redirects=True)
    assert "Team reopened" in reopened.text

    bad = client.post("/ops/open-team", data={"name": "", "plan": "free", "admin_email": "x@example.com"})
    assert bad.status_code == 422 and "name" in parse(bad.text).find(role="alert").text()


def test_the_console_in_a_browser(browser: Any, live_server: str, screenshots: Path, engine: Any) -> None:
    from playwright.sync_api import expect

    from api.app import create_app
    from core.settings import Settings

    with httpx.Client(base_url=live_server) as http:
        email = sign_up_and_in(http)
    app = create_app(
        Settings(database_url=str(engine.url.render_as_string(hide_password=False)), redis_url=None)
    )
    with session_scope(app.state.session_factory) as session:
        set_operator(session, Ctx(settings=app.state.settings, source=Source()), email, True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/ops")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server}/ops")
    page.get_by_label("Team name").fill("Acme Vision")
    page.get_by_label("Plan").select_option("enterprise")
    page.get_by_label("First admin's email").fill(f"admin-{uuid.uuid4().hex[:6]}@acme.example")
    page.get_by_role("button", name="Open team").click()
    expect(page.locator("[data-invite-token]")).to_be_visible()
    expect(page.locator("table.ops-teams")).to_contain_text("Acme Vision")
    page.screenshot(path=str(screenshots / "ops.png"), full_page=True)
    page.locator("table.ops-teams tr", has_text="Acme Vision").first.get_by_role("link", name="KPIs").click()
    expect(page.locator("h1")).to_have_text("KPIs of Acme Vision")
    expect(page.locator("[data-operator-view]")).to_be_visible()
    page.screenshot(path=str(screenshots / "kpis-operator.png"), full_page=True)
    context.close()


def test_an_operator_opens_a_teams_kpis_page(client: TestClient, app: Any) -> None:
    login(client, sign_up_and_in(client, app, operator=True))
    other = client.post(
        "/auth/register",
        json={
            "email": f"t-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            "tenant_name": "Watched",
        },
    ).json()["tenant"]["id"]
    ops = parse(client.get("/ops").text)
    assert ops.find("a", href=f"/admin/kpis?tenant={other}").text() == "KPIs"
    platform = client.get("/admin/kpis", params={"tenant": "all"})
    assert platform.status_code == 200 and parse(platform.text).find("h1").text() == "KPIs of all teams"
    page = client.get("/admin/kpis", params={"tenant": other})
    assert page.status_code == 200
    doc = parse(page.text)
    assert doc.find("h1").text() == "KPIs of Watched" and doc.find(data_operator_view=True)
    assert doc.find("input", name="tenant").get("value") == other


def test_a_team_member_cannot_view_another_teams_kpis(client: TestClient) -> None:
    login(client, sign_up_and_in(client))
    assert client.get("/admin/kpis", params={"tenant": "someone-else"}).status_code == 403


def test_an_operator_sets_a_teams_plan_and_limits_on_its_page(client: TestClient, app: Any) -> None:
    login(client, sign_up_and_in(client, app, operator=True))
    team = client.post(
        "/auth/register",
        json={
            "email": f"c-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            "tenant_name": "Customer",
        },
    ).json()["tenant"]["id"]
    ops = parse(client.get("/ops").text)
    assert ops.find("a", href=f"/ops/teams/{team}").text() == "Plan and limits"
    doc = parse(client.get(f"/ops/teams/{team}").text)
    assert doc.find("h1").text() == "Customer"
    assert doc.find("select", id="plan").find("option", selected=True).get("value") == "free"

    r = client.post(
        f"/ops/teams/{team}/plan", data={"plan": "pro", "rate_limit_rps": "40"}, follow_redirects=True
    )
    assert r.status_code == 200 and "Saved." in r.text
    doc = parse(r.text)
    assert doc.find("select", id="plan").find("option", selected=True).get("value") == "pro"
    assert doc.find("input", id="rps").get("value") == "40.0"
    assert doc.find("input", id="seats").get("value") == "50"  # the plan's seats came with it

    bad = client.post(f"/ops/teams/{team}/plan", data={"burst": "-5"})
    assert bad.status_code == 422 and "burst" in parse(bad.text).find(role="alert").text()
    assert client.get("/ops/teams/no-such-team").status_code == 404


def test_a_team_admin_cannot_reach_a_teams_plan_page(client: TestClient) -> None:
    email = sign_up_and_in(client)
    login(client, email)
    assert client.get("/ops/teams/anything").status_code == 403
    assert client.post("/ops/teams/anything/plan", data={"plan": "enterprise"}).status_code == 403
