"""Signing up on the site: a new team and its admin from /signup, with the API's password rules shown
and each bad field named on the page again; reached from the login page and from "Sign in to book".
TestClient on both backends; in Chromium, a visitor goes from an offer to a signed-in booking form,
with screenshots of the form (empty, then with errors) in var/screenshots/."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from accounts.schemas import PASSWORD_RULES
from tests.support import use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


def new_email() -> str:
    return f"signup-{uuid.uuid4().hex[:10]}@example.com"


def signup(client: TestClient, **fields: str) -> Any:
    return client.post("/signup", data=fields, follow_redirects=False)


def field_error(html: str, input_id: str) -> str:
    return parse(html).find("p", id=f"{input_id}-error").text()


def test_the_page_shows_the_form_and_the_password_rules(client: TestClient) -> None:
    r = client.get("/signup")
    assert r.status_code == 200
    doc = parse(r.text)
    assert doc.find("h1").text() == "Create your team"
    form = doc.find("form", action="/signup")
    assert [i.get("name") for i in form.find_all("input") if i.get("type") != "hidden"] == [
        "tenant_name",
        "email",
        "password",
    ]
    assert [li.text() for li in doc.find("div", cls="password-rules").find_all("li")] == list(PASSWORD_RULES)
    login = parse(client.get("/login?next=/offers/x").text)
    assert login.find("a", href="/signup?next=/offers/x").text() == "Create a team"
    assert "POST /auth/register" not in login.text()


def test_bad_fields_are_named_and_the_values_kept(client: TestClient) -> None:
    r = signup(client, tenant_name="  ", email="not-an-email", password="short")
    assert r.status_code == 422
    assert field_error(r.text, "signup-team") == "give your team a name"
    assert field_error(r.text, "signup-email") == "not an email address"
    assert field_error(r.text, "signup-password") == "must be at least 12 characters"
    doc = parse(r.text)
    assert doc.find("input", name="email").get("value") == "not-an-email"
    assert doc.find("input", name="email").get("aria-invalid") == "true"
    assert "short" not in [i.get("value") for i in doc.find_all("input")]

    email = new_email()
    same = signup(client, tenant_name="Lab", email=email, password=email.upper())
    assert same.status_code == 422
    assert field_error(same.text, "signup-password") == "the password must not be the email"


def test_an_email_with_an_account_is_a_409_on_the_email(client: TestClient) -> None:
    email = new_email()
    assert signup(client, tenant_name="First", email=email, password=PASSWORD).status_code == 303
    client.cookies.clear()
    again = signup(client, tenant_name="Second", email=email, password=PASSWORD)
    assert again.status_code == 409
    assert field_error(again.text, "signup-email") == "an account with this email already exists"


def test_signing_up_signs_in_and_goes_on_to_next(client: TestClient) -> None:
    email = new_email()
    r = signup(client, tenant_name="Render lab", email=email, password=PASSWORD, next="/health")
    assert r.status_code == 303 and r.headers["location"] == "/health"
    assert "gpubroker_access" in r.headers.get("set-cookie", "")
    use_page_token(client)
    token = client.post("/chat/token")
    me = client.get("/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["email"] == email and me["role"] == "admin"
    # Signed in already: the page sends the visitor on.
    assert client.get("/signup?next=/chat", follow_redirects=False).headers["location"] == "/chat"
    # Off-site targets are refused as at sign-in.
    client.cookies.clear()
    r = signup(client, tenant_name="T", email=new_email(), password=PASSWORD, next="//evil.example")
    assert r.headers["location"] == "/"


def test_sign_up_from_an_offer_in_chromium(browser: Any, live_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.locator("td.name a").first.click()
    offer_url = page.url
    page.get_by_role("link", name="Sign in to book").click()
    page.get_by_role("link", name="Create a team").click()
    expect(page.get_by_role("heading", name="Create your team")).to_be_visible()
    page.screenshot(path=str(screenshots / "signup.png"), full_page=True)

    email = new_email()
    page.get_by_label("Team name").fill("Vision lab")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("too short")
    page.get_by_role("button", name="Create team and sign in").click()
    expect(page.locator("#signup-password-error")).to_have_text("must be at least 12 characters")
    expect(page.get_by_label("Email")).to_have_value(email)
    page.screenshot(path=str(screenshots / "signup-errors.png"), full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create team and sign in").click()
    page.wait_for_url(offer_url)
    expect(page.get_by_role("button", name="Book")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    context.close()
