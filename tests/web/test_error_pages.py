"""Errors as each kind of client sees them: a browser (Accept prefers text/html) gets a page in the
site's layout with the trace id to quote; curl, scripts and SDKs (``*/*``, JSON, no Accept) keep the
JSON envelope. Checked on an unknown path, a forbidden API call and page, and a route that raises;
the browser test looks at the pages in Chromium and saves screenshots of them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.errors import prefers_html
from tests.web.dom import Element, parse

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PASSWORD = "correct horse battery staple"


def error_page(r: httpx.Response, status: int) -> Element:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    doc = parse(r.text)
    # The site's layout: its navigation and footer around the error.
    assert doc.find("nav", cls="site-nav") and doc.find("footer", cls="site-footer")
    assert doc.find("code", **{"data-trace-id": True}).text() == r.headers["x-trace-id"]
    return doc


def assert_envelope(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == code and r.json()["error"]["trace_id"] == r.headers["x-trace-id"]


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("text/html;q=0.9, application/json", False),
        ("application/json, text/html;q=0.5", False),
        ("application/json", False),
        ("*/*", False),
        (None, False),
        ("text/html;q=0", False),
    ],
)
def test_only_a_client_that_prefers_html_gets_a_page(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


def test_an_unknown_path(client: TestClient) -> None:
    doc = error_page(client.get("/no/such/page", headers={"Accept": BROWSER}), 404)
    assert doc.find("h1").text() == "Page not found"
    assert doc.find("main").find("a", href="/").text() == "Browse the marketplace"
    for accept in ("*/*", "application/json"):
        assert_envelope(client.get("/no/such/page", headers={"Accept": accept}), 404, "not_found")
    assert_envelope(client.get("/no/such/page", headers={"Accept": ""}), 404, "not_found")


def test_a_forbidden_api_call_and_a_forbidden_page(client: TestClient) -> None:
    email = f"member-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    token = r.json()["access_token"]
    # A team admin, but no platform operator: /ops/tenants refuses.
    bearer = {"Authorization": f"Bearer {token}"}
    assert_envelope(client.get("/ops/tenants", headers=bearer), 403, "operator_only")
    doc = error_page(client.get("/ops/tenants", headers={**bearer, "Accept": BROWSER}), 403)
    assert doc.find("h1").text() == "Not allowed"
    assert "operator" in doc.find("p", cls="notice-error").text()


def test_the_admin_page_refuses_a_plain_user_in_the_same_layout(client: TestClient) -> None:
    admin = client.post(
        "/auth/register", json={"email": f"a-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    member = f"m-{uuid.uuid4().hex[:8]}@example.com"
    invite = client.post(
        f"/tenants/{admin['tenant']['id']}/invitations",
        json={"email": member, "role": "user"},
        headers=headers,
    ).json()
    client.post(
        "/auth/register", json={"email": member, "password": PASSWORD, "invite_token": invite["token"]}
    )
    client.post("/login", data={"email": member, "password": PASSWORD})
    doc = error_page(client.get("/admin", headers={"Accept": BROWSER}), 403)
    assert (
        doc.find("p", cls="notice-error").text() == "Your role (user) cannot see the team's administration."
    )


def test_a_route_that_raises_shows_the_trace_id_and_no_stack_trace(app: Any) -> None:
    def boom() -> None:
        raise RuntimeError("secret detail hunter2")

    app.add_api_route("/_test/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as raw:
        page = raw.get("/_test/boom", headers={"Accept": BROWSER})
        api = raw.get("/_test/boom")
    doc = error_page(page, 500)
    assert doc.find("h1").text() == "Something went wrong"
    assert "hunter2" not in page.text and "Traceback" not in page.text and "RuntimeError" not in page.text
    assert_envelope(api, 500, "internal_error")
    assert "hunter2" not in api.text


def show_error(page: Any, url: str, status: int, heading: str, screenshot: Path) -> None:
    """Opens ``url`` in Chromium: the error page with its status, heading and the trace id of its answer."""
    from playwright.sync_api import expect

    response = page.goto(url)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("[data-trace-id]")).to_have_text(response.headers["x-trace-id"])
    page.screenshot(path=str(screenshot), full_page=True)


def test_error_pages_in_chromium(browser: Any, live_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    show_error(page, f"{live_server}/no/such/page", 404, "Page not found", screenshots / "error-404.png")
    page.get_by_role("link", name="Browse the marketplace").click()
    page.wait_for_url(f"{live_server}/")

    response = page.goto(f"{live_server}/ops/tenants")
    assert response is not None and response.status == 401
    expect(page.get_by_role("heading", name="Sign in needed")).to_be_visible()
    page.screenshot(path=str(screenshots / "error-401.png"), full_page=True)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.wait_for_url(f"{live_server}/login?next=/ops/tenants")
    context.close()


def test_a_500_page_in_chromium(browser: Any, app: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from tests.support import serve

    def boom() -> None:
        raise RuntimeError("secret detail hunter2")

    app.add_api_route("/_test/boom", boom)
    with serve(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        show_error(page, f"{url}/_test/boom", 500, "Something went wrong", screenshots / "error-500.png")
        expect(page.locator("body")).not_to_contain_text("hunter2")
        context.close()
