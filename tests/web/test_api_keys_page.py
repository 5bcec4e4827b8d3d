"""Team API keys on the admin page: an admin creates a key (shown once, with its scopes), the key works
as ``X-Api-Key`` within its scopes, the list shows its prefix and when it was last used, and revoking
it there stops it. A manager sees no keys section and cannot post to it. In Chromium, with a screenshot."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.support import browser_sign_in, use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


def new_email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.com"


def sign_in(client: TestClient, email: str) -> None:
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/admin"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    use_page_token(client, "/admin")


def register(http: Any, tenant: str = "Keys team") -> tuple[str, dict[str, Any]]:
    email = new_email("admin")
    r = http.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": tenant})
    assert r.status_code == 201, r.text
    return email, r.json()


def test_an_admin_creates_uses_and_revokes_a_key_on_the_page(client: TestClient) -> None:
    email, _ = register(client)
    sign_in(client, email)
    doc = parse(client.get("/admin").text)
    assert doc.find("h2", id="keys-title").text() == "API keys"
    assert "No API keys yet." in client.get("/admin").text

    missing = client.post("/admin/api-keys", data={"name": "ui"})
    assert missing.status_code == 422 and "scopes" in parse(missing.text).find("p", cls="notice-error").text()

    created = client.post(
        "/admin/api-keys", data={"name": "agent-chat-ui", "scopes": ["catalog:read", "assistant"]}
    )
    assert created.status_code == 200, created.text
    page = parse(created.text)
    key = page.find("code", data_api_key=True).text()
    assert key.startswith("gbk_") and "(assistant, catalog:read)" in page.find("p", data_new_key=True).text()

    # The key works within its scopes (a LangGraph thread: "assistant"), and not beyond them; a program
    # sends no cookies.
    program = TestClient(client.app, headers={"X-Api-Key": key})
    assert program.post("/threads", json={}).status_code == 200
    refused = program.get("/bookings")
    assert refused.status_code == 403, refused.text

    listed = client.get("/admin").text
    assert key not in listed  # shown once
    row = parse(listed).find("tr", data_key_id=True)
    assert row.find("th").text() == "agent-chat-ui"
    assert row.find("code").text() == key[:12] + "…"
    assert "never" not in row.text()  # last used: the call above

    key_id = row.get("data-key-id")
    revoked = client.post(f"/admin/api-keys/{key_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert "revoked" in parse(client.get("/admin").text).find("tr", data_key_id=key_id).text()
    gone = program.post("/threads", json={})
    assert gone.status_code == 401, gone.text

    # An unknown key id is named, not a 500; nothing else changed.
    unknown = client.post("/admin/api-keys/nope/revoke")
    assert unknown.status_code == 404 and "nope" in unknown.text


def test_a_manager_has_no_keys_section_and_cannot_create_one(client: TestClient) -> None:
    _, admin = register(client)
    manager = new_email("manager")
    invited = client.post(
        f"/tenants/{admin['tenant']['id']}/invitations",
        json={"email": manager, "role": "manager"},
        headers={"Authorization": f"Bearer {admin['access_token']}"},
    )
    assert invited.status_code == 201, invited.text
    joined = client.post(
        "/auth/register",
        json={"email": manager, "password": PASSWORD, "invite_token": invited.json()["token"]},
    )
    assert joined.status_code == 201, joined.text
    sign_in(client, manager)
    page = client.get("/admin")
    assert page.status_code == 200 and parse(page.text).find_all("h2", id="keys-title") == []
    refused = client.post("/admin/api-keys", data={"name": "mine", "scopes": ["assistant"]})
    assert refused.status_code == 403


def test_create_a_key_in_chromium(browser: Any, live_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server) as http:
        email, _ = register(http, "Front-end team")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    browser_sign_in(page, live_server, email, PASSWORD, "/admin")
    page.get_by_label("Key name").fill("agent-chat-ui")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("[data-api-key]").inner_text()
    assert key.startswith("gbk_")
    expect(page.get_by_role("button", name="Revoke agent-chat-ui")).to_be_visible()
    page.locator("#keys-title").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "admin-api-keys.png"), full_page=True)
    with httpx.Client(base_url=live_server) as http:
        assert http.post("/threads", json={}, headers={"X-Api-Key": key}).status_code == 200
    page.get_by_role("button", name="Revoke agent-chat-ui").click()
    expect(page.locator("table.api-keys")).to_contain_text("revoked")
    context.close()
