"""Email verification and password reset on the site, in the embedded default (no SMTP server: each
message is an .eml file in ``mail_dir``, which the pages say): sign up, see the banner, open the mailed
link, banner gone; forgot the password, open the mailed link, set a new one, sign in with it. TestClient
on both backends, then both journeys end to end in Chromium with screenshots in var/screenshots/."""

from __future__ import annotations

import email
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.support import browser_sign_in, serve, use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different horse, twelve+"


def new_email() -> str:
    return f"mail-{uuid.uuid4().hex[:10]}@example.com"


def mailed_link(mail_dir: Path, to: str, path: str) -> str:
    """The path (with its token) of the newest link to ``path`` in the .eml files written for ``to``."""
    found = []
    for file in sorted(mail_dir.glob("*.eml"), key=lambda f: f.stat().st_mtime_ns):
        message = email.message_from_bytes(file.read_bytes())
        if message["To"] == to:
            body = message.get_payload(decode=True).decode()
            found += re.findall(re.escape(path) + r"[A-Za-z0-9_\-]+", body)
    assert found, f"no mail to {to} with a link to {path} in {mail_dir}"
    return str(found[-1])


@pytest.fixture
def mail_dir(app: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    app.state.settings = app.state.settings.model_copy(update={"mail_dir": folder, "smtp_host": None})
    return folder


def banner(client: TestClient) -> str | None:
    found = parse(client.get("/").text).find_all("aside", cls="verify-banner")
    return found[0].text() if found else None


def test_sign_up_mails_a_link_and_the_banner_stays_until_it_is_opened(
    client: TestClient, mail_dir: Path
) -> None:
    address = new_email()
    r = client.post(
        "/signup", data={"tenant_name": "Lab", "email": address, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "Please confirm your email address" in (banner(client) or "")
    link = mailed_link(mail_dir, address, "/verify-email/")

    done = client.get(link)
    assert done.status_code == 200
    assert parse(done.text).find("p", cls="notice-ok").text() == f"Thank you: {address} is confirmed."
    assert banner(client) is None
    again = client.get(link)
    assert again.status_code == 400
    assert (
        parse(again.text).find("p", cls="notice-error").text()
        == "This link was already used; ask for a new one."
    )


def test_a_new_link_on_request_and_the_page_says_where_mail_goes(client: TestClient, mail_dir: Path) -> None:
    assert client.get("/account/verify-email", follow_redirects=False).headers["location"] == (
        "/login?next=/account/verify-email"
    )
    address = new_email()
    client.post("/signup", data={"tenant_name": "Lab", "email": address, "password": PASSWORD})
    first = mailed_link(mail_dir, address, "/verify-email/")
    use_page_token(client)
    r = client.post("/account/verify-email")
    assert r.status_code == 200
    doc = parse(r.text)
    assert f"We sent a new link to {address}" in doc.find("p", cls="notice-ok").text()
    assert str(mail_dir) in doc.find("p", data_mail_note=True).text()
    assert mailed_link(mail_dir, address, "/verify-email/") != first
    assert client.get(first).status_code == 400


def test_forgot_answers_the_same_for_every_address(client: TestClient, mail_dir: Path) -> None:
    address = new_email()
    client.post("/auth/register", json={"email": address, "password": PASSWORD})
    registered = set(mail_dir.glob("*.eml"))  # the link to confirm the address
    answers = []
    for who in (address, new_email()):
        r = client.post("/password/forgot", data={"email": who})
        assert r.status_code == 200
        answers.append(parse(r.text).find("p", cls="notice-ok").text().replace(who, "X"))
    assert answers[0] == answers[1]
    mailed = set(mail_dir.glob("*.eml")) - registered
    assert [email.message_from_bytes(f.read_bytes())["Subject"] for f in registered] == [
        "Confirm your email address for GPUBroker"
    ]
    assert [email.message_from_bytes(f.read_bytes())["To"] for f in mailed] == [address]

    bad = client.post("/password/forgot", data={"email": "not-an-email"})
    assert bad.status_code == 422
    assert parse(bad.text).find("p", id="forgot-email-error").text() == "not an email address"


def test_reset_then_sign_in_with_the_new_password(client: TestClient, mail_dir: Path) -> None:
    address = new_email()
    client.post("/auth/register", json={"email": address, "password": PASSWORD})
    client.post("/password/forgot", data={"email": address})
    link = mailed_link(mail_dir, address, "/password/reset/")

    form = parse(client.get(link).text)
    assert form.find("h2", id="reset-title").text() == f"Account {address}"
    short = client.post(link, data={"password": "short"})
    assert short.status_code == 422
    assert parse(short.text).find("p", id="reset-password-error").text() == "must be at least 12 characters"

    done = client.post(link, data={"password": NEW_PASSWORD}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
    notice = parse(client.get("/login?reset=1").text).find("p", cls="notice-ok").text()
    assert notice.startswith("Your password is changed")
    assert client.post("/login", data={"email": address, "password": PASSWORD}).status_code == 401
    signed = client.post("/login", data={"email": address, "password": NEW_PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303

    used = client.get(link)
    assert used.status_code == 400
    assert parse(used.text).find("h2", id="reset-title").text() == "This link cannot be used"
    assert client.get("/password/reset/not-a-real-token").status_code == 400


# --- in Chromium -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mail_server(settings: Settings, engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app served with its mail written to a folder of this module (the embedded default)."""
    from api.app import create_app

    folder = tmp_path_factory.mktemp("mail")
    with serve(create_app(settings.model_copy(update={"mail_dir": folder, "smtp_host": None}))) as url:
        yield url, folder


def test_sign_up_and_verify_in_chromium(browser: Any, mail_server: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    base, folder = mail_server
    address = new_email()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/signup")
    page.get_by_label("Team name").fill("Verify lab")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create team and sign in").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("[data-verify-banner]")).to_contain_text("Please confirm your email address")
    page.screenshot(path=str(screenshots / "verify-banner.png"))

    page.locator("[data-verify-banner]").get_by_role("link", name="Send a new link").click()
    page.get_by_role("button", name="Send a new link").click()
    expect(page.locator("[data-mail-note]")).to_contain_text(".eml files")
    page.screenshot(path=str(screenshots / "verify-resent.png"), full_page=True)

    page.goto(base + mailed_link(folder, address, "/verify-email/"))
    expect(page.get_by_role("status").filter(has_text="is confirmed")).to_be_visible()
    page.screenshot(path=str(screenshots / "verify-done.png"), full_page=True)
    page.goto(f"{base}/")
    expect(page.locator("[data-verify-banner]")).to_have_count(0)
    context.close()


def test_forgot_reset_and_sign_in_in_chromium(browser: Any, mail_server: Any, screenshots: Path) -> None:
    import httpx
    from playwright.sync_api import expect

    base, folder = mail_server
    address = new_email()
    assert (
        httpx.post(f"{base}/auth/register", json={"email": address, "password": PASSWORD}).status_code == 201
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text(f"If an account uses {address}")
    page.screenshot(path=str(screenshots / "password-forgot-sent.png"), full_page=True)

    page.goto(base + mailed_link(folder, address, "/password/reset/"))
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-password-error")).to_have_text("must be at least 12 characters")
    page.screenshot(path=str(screenshots / "password-reset-error.png"), full_page=True)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url(f"{base}/login?reset=1")
    expect(page.get_by_role("status").first).to_contain_text("Your password is changed")

    browser_sign_in(page, base, address, NEW_PASSWORD)
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    context.close()
