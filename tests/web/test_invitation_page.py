"""Accepting an invitation on the site: the link an admin sends (/invite/<token>, shown on the admin
page) lets the invited person choose a password and join the team with the invited role, signed in at
once; a used, expired or unknown link gets a page that says which and what to do. TestClient on both
backends; in Chromium, an admin invites and the invitee joins, with screenshots in var/screenshots/."""

from __future__ import annotations

import email
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from accounts.models import Invitation
from accounts.service import now_utc
from tests.support import browser_sign_in, use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


def new_email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.com"


def invite(http: Any, role: str = "user") -> dict[str, Any]:
    """A new team's admin invites a new address; the invitation as the API returns it."""
    admin = http.post(
        "/auth/register", json={"email": new_email("admin"), "password": PASSWORD, "tenant_name": "Optics"}
    )
    assert admin.status_code == 201, admin.text
    body = admin.json()
    r = http.post(
        f"/tenants/{body['tenant']['id']}/invitations",
        json={"email": new_email("invitee"), "role": role},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert r.status_code == 201, r.text
    return {**r.json(), "admin": body}


def test_the_invitee_joins_with_the_invited_role(client: TestClient) -> None:
    invitation = invite(client, role="manager")
    link = f"/invite/{invitation['token']}"
    doc = parse(client.get(link).text)
    assert doc.find("h1").text() == "Join Optics"
    assert "as manager" in doc.find("p", cls="lede").text()
    assert doc.find("input", id="invite-email").get("value") == invitation["email"]

    short = client.post(link, data={"password": "short"})
    assert short.status_code == 422
    assert parse(short.text).find("p", id="invite-password-error").text() == "must be at least 12 characters"

    joined = client.post(link, data={"name": "Ada", "password": PASSWORD}, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == "/"
    use_page_token(client)
    token = client.post("/chat/token").json()["access_token"]
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["email"], me["role"], me["name"]) == (invitation["email"], "manager", "Ada")
    assert me["tenant"]["id"] == invitation["admin"]["tenant"]["id"]

    client.cookies.clear()
    used = client.get(link)
    assert used.status_code == 400
    used_doc = parse(used.text)
    assert used_doc.find("h1").text() == "This invitation cannot be used"
    assert (
        used_doc.find("p", cls="notice-error").text()
        == "This invitation was already accepted; sign in instead."
    )
    assert client.post(link, data={"password": PASSWORD}).status_code == 400


def test_the_admin_page_mails_the_link_to_the_invited_address(client: TestClient, app: Any) -> None:
    admin = new_email("admin")
    client.post("/signup", data={"tenant_name": "Optics", "email": admin, "password": PASSWORD})
    use_page_token(client)
    invitee = new_email("invitee")
    r = client.post("/admin/invitations", data={"email": invitee, "role": "user"})
    assert r.status_code == 200, r.text
    doc = parse(r.text)
    link = doc.find("code", data_invite_link=True).text()
    mailed = doc.find("p", data_invite_mailed=True).text()
    assert mailed.startswith(f"We mailed the link to {invitee}.") and ".eml files" in mailed

    folder = app.state.settings.mail_dir
    messages = [email.message_from_bytes(f.read_bytes()) for f in folder.glob("*.eml")]
    (message,) = [m for m in messages if m["To"] == invitee]
    assert message["Subject"] == "Join Optics on GPUBroker"
    body = message.get_payload(decode=True).decode()
    assert link in body and f"{admin} invites you to join the team Optics on GPUBroker as user" in body

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    path = link.removeprefix("http://testserver")
    assert parse(client.get(path).text).find("h1").text() == "Join Optics"
    assert client.post(path, data={"password": PASSWORD}, follow_redirects=False).status_code == 303


def test_expired_and_unknown_links_say_so(client: TestClient, db: Session) -> None:
    invitation = invite(client)
    db.execute(
        update(Invitation)
        .where(Invitation.email == invitation["email"])
        .values(expires_at=now_utc() - timedelta(minutes=1))
    )
    db.flush()
    expired = client.get(f"/invite/{invitation['token']}")
    assert expired.status_code == 400
    assert (
        "has expired; ask the team's admin for a new one"
        in parse(expired.text).find("p", cls="notice-error").text()
    )
    unknown = client.get("/invite/not-a-real-invitation")
    assert unknown.status_code == 400
    assert "not valid" in parse(unknown.text).find("p", cls="notice-error").text()
    # The API's answer for the same token is unchanged: one message, naming the field.
    api = client.post(
        "/auth/register",
        json={"email": invitation["email"], "password": PASSWORD, "invite_token": invitation["token"]},
    )
    assert api.status_code == 422 and api.json()["error"]["details"] == [{"field": "invite_token"}]


def test_invite_and_join_in_chromium(browser: Any, live_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    admin_email, invitee = new_email("admin"), new_email("invitee")
    with httpx.Client(base_url=live_server) as http:
        r = http.post(
            "/auth/register", json={"email": admin_email, "password": PASSWORD, "tenant_name": "Optics"}
        )
        assert r.status_code == 201
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    browser_sign_in(page, live_server, admin_email, PASSWORD, "/admin")
    page.locator("#invite-email").fill(invitee)
    page.get_by_role("button", name="Invite").click()
    link = page.locator("[data-invite-link]").inner_text()
    expect(page.locator("[data-invite-mailed]")).to_contain_text(f"We mailed the link to {invitee}.")
    page.screenshot(path=str(screenshots / "admin-invited.png"))
    assert re.fullmatch(re.escape(live_server) + r"/invite/[A-Za-z0-9_\-]+", link), link
    admin.close()

    guest = browser.new_context(viewport={"width": 1280, "height": 900})
    page = guest.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Optics")).to_be_visible()
    page.screenshot(path=str(screenshots / "invitation.png"), full_page=True)
    page.get_by_label("Your name (optional)").fill("Grace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Join the team").click()
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("button", name="Logout")).to_be_visible()

    page.goto(link)
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    page.screenshot(path=str(screenshots / "invitation-used.png"), full_page=True)
    guest.close()
