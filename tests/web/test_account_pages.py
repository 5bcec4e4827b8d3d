"""The account pages as a user sees them: sign in and out, TOTP set-up with a QR code, the admin page
by role, and the navigation that follows the role. TestClient on both backends; one screenshot of
the sign-in page in Debian's Chromium lands in var/screenshots/login.png for a person to look at."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from tests.support import use_page_token
from tests.web.dom import Element, parse

PASSWORD = "correct horse battery staple"


def register(client: TestClient, **extra: Any) -> dict[str, Any]:
    email = f"page-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, **extra})
    assert r.status_code == 201, r.text
    return {"email": email, **r.json()}


def sign_in(client: TestClient, email: str, next_page: str = "/") -> Any:
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": next_page}, follow_redirects=False
    )
    if r.status_code == 303 and "gpubroker_access" in r.headers.get("set-cookie", ""):
        use_page_token(client)
    return r


def page(client: TestClient, url: str, status: int = 200) -> Element:
    r = client.get(url)
    assert r.status_code == status, r.text[:500]
    return parse(r.text)


def nav_links(doc: Element) -> list[str]:
    nav = doc.find("nav", cls="site-nav")
    return [a.text() for a in nav.find_all("a")] + [b.text() for b in nav.find_all("button")]


def test_sign_in_and_out(client: TestClient) -> None:
    account = register(client)
    doc = page(client, "/login")
    assert doc.find("h1").text() == "Sign in"
    assert doc.find("form", action="/login").find("input", name="email")
    assert "Login" in nav_links(page(client, "/"))

    wrong = client.post("/login", data={"email": account["email"], "password": "not the password"})
    assert wrong.status_code == 401
    assert parse(wrong.text).find("p", cls="notice").text() == "invalid email or password"

    r = sign_in(client, account["email"], "/health")
    assert r.status_code == 303 and r.headers["location"] == "/health"
    cookies = r.headers.get_list("set-cookie")
    assert all("HttpOnly" in c and "SameSite=strict" in c and "Path=/" in c for c in cookies)
    links = nav_links(page(client, "/"))
    assert "Logout" in links and "Admin" in links and "Login" not in links

    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
    assert page(client, "/login?signed_out=1").find("p", cls="notice").text() == "You are signed out."
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/login?next=/admin"


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    account = register(client)
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        r = sign_in(client, account["email"], target)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_set_up_an_authenticator_app_then_sign_in_with_it(client: TestClient) -> None:
    account = register(client)
    sign_in(client, account["email"])
    doc = page(client, "/account/mfa")
    assert doc.find("h1").text() == "Two-factor sign-in"
    r = client.post("/account/mfa/totp")
    doc = parse(r.text)
    assert doc.find("figure", cls="qr").find("svg") is not None
    secret = doc.find("code", cls="secret").text()
    codes = client.post("/account/mfa/totp/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert codes.status_code == 200
    shown = [li.text() for li in parse(codes.text).find("ul", cls="recovery-codes").find_all("li")]
    assert len(shown) == 10

    client.post("/logout")
    step = sign_in(client, account["email"])
    assert step.status_code == 200
    form = parse(step.text).find("form", action="/login/mfa")
    token = form.find("input", name="mfa_token").get("value")
    wrong = client.post("/login/mfa", data={"mfa_token": token, "code": "000000"})
    assert wrong.status_code == 401 and "does not match" in wrong.text
    code = pyotp.TOTP(secret).at(time.time() + 30)
    done = client.post("/login/mfa", data={"mfa_token": token, "code": code}, follow_redirects=False)
    assert done.status_code == 303
    assert "Logout" in nav_links(page(client, "/"))


def test_admin_page_changes_a_role_and_shows_the_chain(client: TestClient) -> None:
    admin = register(client, tenant_name="Page team")
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    invite = client.post(
        f"/tenants/{admin['tenant']['id']}/invitations",
        json={"email": "member@example.com", "role": "user"},
        headers=headers,
    ).json()
    member = client.post(
        "/auth/register",
        json={"email": "member@example.com", "password": PASSWORD, "invite_token": invite["token"]},
    ).json()

    sign_in(client, admin["email"])
    doc = page(client, "/admin")
    assert doc.find("h1").text() == "Page team"
    row = doc.find("tr", **{"data-user-id": member["user"]["id"]})
    assert row.find("select").find("option", selected=True).text() == "user"
    assert doc.find("form", action="/admin/tenant") and doc.find("form", action="/admin/invitations")

    r = client.post(
        f"/admin/users/{member['user']['id']}/role", data={"role": "manager"}, follow_redirects=False
    )
    assert r.status_code == 303
    doc = page(client, "/admin?saved=1")
    assert doc.find("p", cls="notice").text() == "Saved."
    row = doc.find("tr", **{"data-user-id": member["user"]["id"]})
    assert row.find("select").find("option", selected=True).text() == "manager"
    assert "chain verified" in doc.find("section", **{"aria-labelledby": "audit-title"}).text()
    events = [
        tr.find_all("td")[2].text() for tr in doc.find("table", cls="audit").find("tbody").find_all("tr")
    ]
    assert events[0] == "user.role_changed"

    # The team admin renames the team; its plan and limits are shown, granted only by operators.
    r = client.post("/admin/tenant", data={"name": "Renamed ML"}, follow_redirects=False)
    assert r.status_code == 303
    doc = page(client, "/admin?saved=1")
    assert doc.find("input", id="team-name").attrs["value"] == "Renamed ML"
    assert doc.find("form", action="/admin/tenant").find_all("input", id="burst") == []
    bad = client.post("/admin/tenant", data={"name": ""})
    assert bad.status_code == 422 and "name" in parse(bad.text).find("p", cls="notice-error").text()


def test_the_page_shows_what_the_role_may_do(client: TestClient) -> None:
    admin = register(client)
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    for role in ("manager", "user"):
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        token = client.post(
            f"/tenants/{admin['tenant']['id']}/invitations",
            json={"email": email, "role": role},
            headers=headers,
        ).json()["token"]
        client.post("/auth/register", json={"email": email, "password": PASSWORD, "invite_token": token})
        client.cookies.clear()
        sign_in(client, email)
        if role == "manager":
            doc = page(client, "/admin")
            assert doc.find("table", cls="users").find_all("select") == []  # no role changes
            assert doc.find_all("form", action="/admin/tenant") == []
            options = [o.text() for o in doc.find("select", id="invite-role").find_all("option")]
            assert options == ["user"]
            refused = client.post(f"/admin/users/{admin['user']['id']}/role", data={"role": "user"})
            assert refused.status_code == 403
        else:
            assert "Admin" not in nav_links(page(client, "/"))
            page(client, "/admin", status=403)


def test_account_pages_need_a_sign_in(client: TestClient) -> None:
    r = client.get("/account/mfa", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account/mfa"


def test_login_page_screenshot(browser: Any, live_server: str, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="light")
    shot = context.new_page()
    shot.goto(f"{live_server}/login")
    assert shot.get_by_role("heading", name="Sign in").is_visible()
    assert (
        shot.get_by_label("Email", exact=True).is_visible()
        and shot.get_by_label("Password", exact=True).is_visible()
    )
    shot.screenshot(path=str(screenshots / "login.png"), full_page=True)
    context.close()


def test_single_sign_on_from_the_login_page(client: TestClient, app: Any) -> None:
    from urllib.parse import urlsplit

    import httpx

    from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
    from tests.support import serve

    assert page(client, "/login").find_all("a", href="/login/sso?next=/") == []  # not configured: no button
    provider = Provider()
    with serve(provider.app()) as issuer:
        provider.issuer = issuer
        provider.reset(email=f"sso-{uuid.uuid4().hex[:8]}@example.com")
        current = app.state.settings
        app.state.settings = type(current).model_validate(
            {
                **current.model_dump(),
                "oidc_issuer": issuer,
                "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": CLIENT_SECRET,
            }
        )
        assert page(client, "/login?next=/health").find("a", href="/login/sso?next=/health")
        start = client.get("/login/sso?next=/health", follow_redirects=False)
        assert start.status_code == 303 and start.headers["location"].startswith(issuer)
        at_provider = httpx.get(start.headers["location"], follow_redirects=False)
        back = urlsplit(at_provider.headers["location"])
        assert back.path == "/login/sso/callback"
        done = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/health", done.text[:300]
    assert "Logout" in nav_links(page(client, "/"))
    forged = client.get("/login/sso/callback?code=x&state=forged-state-value")
    assert forged.status_code == 400 and "state" in parse(forged.text).find("p", cls="notice-error").text()
