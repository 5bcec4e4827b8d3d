"""The README's "First steps", as a newcomer walks them in Chromium, with nothing set up beforehand: sign up
on the page, open the link mailed to ``var/mail`` (the embedded default), book an offer that the sandbox
provider provisions, see it active and stop it, then read the API docs served from this machine."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.booking.conftest import offer_ids, tune
from tests.support import offline_context
from tests.web.test_email_pages import mailed_link

PASSWORD = "a newcomer's passphrase, 2026"


def test_sign_up_verify_book_and_read_the_docs(
    browser: Any, app: Any, live: str, factory: sessionmaker[Session], tmp_path: Path, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    mail = tmp_path / "mail"
    tune(app, mail_dir=mail, smtp_host=None, sandbox_start_delay_s=0.5)
    offer = offer_ids(factory, 1)[0]
    address = f"newcomer-{uuid.uuid4().hex[:10]}@example.com"
    # No internet: every request leaves for this server only (the docs' assets included).
    context, refused = offline_context(browser, live, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(30_000)

    # The login page leads to sign-up; the form shows the password rules.
    page.goto(f"{live}/login")
    page.get_by_role("link", name="Create a team").click()
    page.wait_for_url(re.compile(r"/signup"))
    page.get_by_label("Team name").fill("Newcomer lab")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create team and sign in").click()
    page.wait_for_url(f"{live}/")
    expect(page.locator("[data-verify-banner]")).to_contain_text("Please confirm your email address")

    # The link was mailed as an .eml file; opening it confirms the address and the banner goes.
    page.goto(live + mailed_link(mail, address, "/verify-email/"))
    expect(page.get_by_role("status").filter(has_text="is confirmed")).to_be_visible()
    page.goto(f"{live}/")
    expect(page.locator("[data-verify-banner]")).to_have_count(0)

    # Book an offer of a provider the team holds no account with: the sandbox provisions it.
    page.goto(f"{live}/offers/{offer}")
    page.get_by_label("Hours").fill("2")
    page.get_by_role("button", name="Book").click()
    page.wait_for_url(re.compile(r"/account/bookings/[0-9a-f-]{36}"))
    badge = page.locator(".price-box [data-state]")
    expect(badge).to_have_attribute("data-state", "active", timeout=20_000)
    # The sandbox starts no machine: no empty SSH line or "waiting" address, and the page says why.
    expect(page.locator("[data-ssh-command]")).to_be_hidden()
    expect(page.locator("[data-public-ip]")).to_be_hidden()
    expect(page.locator("[data-connection]")).to_contain_text("there is nothing to log in to")
    page.screenshot(path=str(screenshots / "newcomer-booking-active.png"), full_page=True)
    page.get_by_role("button", name="Stop now").click()
    expect(badge).to_have_attribute("data-state", "completed", timeout=20_000)

    # The API docs render their operations from this server's own assets.
    page.goto(f"{live}/docs")
    expect(page.locator(".opblock-summary-path[data-path='/providers']").first).to_be_visible(timeout=60_000)
    page.screenshot(path=str(screenshots / "newcomer-docs.png"))
    assert refused == []
    context.close()
