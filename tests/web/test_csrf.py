"""CSRF and security headers of the pages (issue 12).

The review's findings, each reproduced: form POSTs with a foreign Origin created and submitted a
booking (POST /account/bookings), created an admin invitation (POST /admin/invitations) and changed a
team (POST /admin/tenant); in Chromium, a page on another port of the same host (same site, so
SameSite cookies are sent) changed a team. Each is now a 403, nothing changes, and the same forms keep
working from our own pages, with curl that carries the page's token, and for bearer-token API calls.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Invitation, Tenant
from booking.models import Booking
from tests.support import serve
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


def signed_in(client: TestClient) -> dict[str, Any]:
    email = f"csrf-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Original name"}
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/admin"}, follow_redirects=False
    )
    assert r.status_code == 303
    return {"email": email}


def an_offer(db: Session) -> str:
    from catalog.models import Offer

    return str(db.execute(select(Offer.id).where(Offer.availability == "up").limit(1)).scalar_one())


def page_token(client: TestClient, url: str = "/admin") -> str:
    doc = parse(client.get(url).text)
    form_token = doc.find("form", action="/admin/tenant").find("input", name="csrf_token").get("value")
    meta = doc.find("meta", name="csrf-token").get("content")
    assert form_token and form_token == meta
    return form_token


def tenant_name(db: Session, email: str) -> str:
    from accounts.models import User

    user = db.execute(select(User).where(User.email == email)).scalar_one()
    return db.get(Tenant, user.tenant_id).name  # type: ignore[union-attr]


def test_forged_form_posts_are_refused_and_change_nothing(client: TestClient, db: Session) -> None:
    me = signed_in(client)
    offer_id = an_offer(db)
    token = page_token(client)
    foreign = {"Origin": "http://evil.example", "Accept": "text/html"}
    attempts = {
        "/admin/tenant": {"name": "Hacked"},
        "/admin/invitations": {"email": "attacker@evil.example", "role": "admin"},
        "/account/bookings": {"offer_id": offer_id, "hours": "2", "idempotency_key": uuid.uuid4().hex},
    }
    for url, form in attempts.items():
        # From another origin, even with a valid token.
        r = client.post(url, data={**form, "csrf_token": token}, headers=foreign, follow_redirects=False)
        assert r.status_code == 403, (url, r.status_code)
        assert "refused" in parse(r.text).find("h1").text().lower()
        # Another port of the same host is another origin (same site: SameSite does not help).
        r = client.post(url, data={**form, "csrf_token": token}, headers={"Sec-Fetch-Site": "same-site"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
        assert r.json()["error"]["trace_id"]
        # Without the token (curl with a stolen cookie, no Origin).
        r = client.post(url, data=form, follow_redirects=False)
        assert r.status_code == 403, url
        r = client.post(url, data={**form, "csrf_token": "0" * 40}, follow_redirects=False)
        assert r.status_code == 403, url
    assert tenant_name(db, me["email"]) == "Original name"
    assert db.execute(select(Invitation).where(Invitation.email == "attacker@evil.example")).first() is None
    tenant = db.execute(select(Tenant).where(Tenant.name == "Original name")).scalars().all()
    assert not db.execute(select(Booking).where(Booking.tenant_id.in_([t.id for t in tenant]))).first()


def test_our_own_forms_and_a_careful_curl_still_work(client: TestClient, db: Session) -> None:
    me = signed_in(client)
    token = page_token(client)
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    r = client.post(
        "/admin/tenant", data={"name": "Renamed", "csrf_token": token}, headers=same, follow_redirects=False
    )
    assert r.status_code == 303
    assert tenant_name(db, me["email"]) == "Renamed"
    # A script sends the page's token in a header; curl without Origin passes on the token alone.
    r = client.post(
        "/admin/tenant", data={"name": "By script"}, headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert tenant_name(db, me["email"]) == "By script"


def test_bearer_api_calls_are_unaffected(client: TestClient) -> None:
    r = client.post(
        "/auth/register", json={"email": f"api-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    )
    token = r.json()["access_token"]
    tenant = r.json()["tenant"]["id"]
    headers = {"Authorization": f"Bearer {token}", "Origin": "http://elsewhere.example"}
    # Another origin's page reaches the API only when the team lists it (accounts.cors), never via CSRF.
    r = client.patch(f"/tenants/{tenant}", json={"name": "From a program"}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
    r = client.patch(
        f"/tenants/{tenant}",
        json={"cors_origins": ["http://elsewhere.example"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200
    r = client.patch(f"/tenants/{tenant}", json={"name": "From a program"}, headers=headers)
    assert r.status_code == 200


def test_a_login_posted_from_another_site_is_refused(client: TestClient) -> None:
    r = client.post(
        "/auth/register",
        json={"email": (email := f"l-{uuid.uuid4().hex[:8]}@example.com"), "password": PASSWORD},
    )
    assert r.status_code == 201
    forged = client.post(
        "/login",
        data={"email": email, "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "gpubroker_access" not in forged.headers.get("set-cookie", "")
    ok = client.post(
        "/login",
        data={"email": email, "password": PASSWORD},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_security_headers(client: TestClient) -> None:
    html = client.get("/")
    csp = html.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert html.headers["x-frame-options"] == "DENY"
    assert html.headers["x-content-type-options"] == "nosniff" and html.headers["referrer-policy"]
    assert "strict-transport-security" not in html.headers  # plain http
    api = client.get("/providers", params={"page_size": 1})
    assert api.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in api.headers
    secure = TestClient(client.app, base_url="https://testserver")
    assert secure.get("/healthz").headers["strict-transport-security"].startswith("max-age=31536000")


EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{target}/admin/tenant"><input name="name" value="Changed by another port"></form>
<script>document.getElementById('f').submit();</script></body></html>"""


def test_a_page_on_another_port_cannot_change_the_team_in_chromium(
    browser: Any, live_server: str, screenshots: Path, engine: Any
) -> None:
    """The review's attack: a page served from another port of the same host posts a form to the
    admin page; Chromium sends the SameSite cookies (same site), our check refuses it."""
    evil = FastAPI()

    @evil.get("/", response_class=HTMLResponse)
    def attack() -> str:
        return EVIL_PAGE.replace("{target}", live_server)

    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    httpx.post(
        f"{live_server}/auth/register",
        json={"email": email, "password": PASSWORD, "tenant_name": "Victim team"},
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/admin")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server}/admin")
    with serve(evil) as evil_url:
        assert evil_url.split(":")[-1] != live_server.split(":")[-1]
        page.goto(evil_url)
        page.wait_for_load_state("networkidle")
        assert "This request was refused" in page.content()
    page.goto(f"{live_server}/admin")
    assert page.locator("#team-name").input_value() == "Victim team"
    # Our own form, in the same browser, renames the team.
    page.locator("#team-name").fill("Renamed in the browser")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_url(f"{live_server}/admin?saved=1")
    assert page.locator("#team-name").input_value() == "Renamed in the browser"
    page.screenshot(path=str(screenshots / "admin-csrf.png"), full_page=True)
    context.close()
