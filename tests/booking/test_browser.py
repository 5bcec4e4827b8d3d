"""Booking in a real browser: Debian's headless Chromium (Playwright) against the live server, with
JavaScript off, since every booking button is a plain form and a waiting page reloads itself by
meta refresh. The sandbox provider answers over HTTP as in production. Screenshots land in
var/screenshots/ (bookings.png, booking-detail.png) for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.booking.conftest import PASSWORD, Account, create, offer_ids, submit, tune, wait_for_state

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

VIEWPORT = {"width": 1280, "height": 860}


def sign_in(page: Page, base: str, who: Account) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email", exact=True).fill(who.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/")


def state_badge(page: Page) -> Any:
    return page.locator(".price-box [data-state]")


def test_book_watch_it_run_stop_it_and_list_it(
    browser: Any,
    client: TestClient,
    app: Any,
    live: str,
    alice: Account,
    factory: sessionmaker[Session],
    screenshots: Path,
) -> None:
    offers = offer_ids(factory, 6)
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False, color_scheme="light")
    page = context.new_page()
    sign_in(page, live, alice)

    # No bookings yet: the empty state points to the marketplace.
    page.get_by_role("link", name="Bookings").click()
    page.wait_for_url(f"{live}/account/bookings")
    expect(page.get_by_role("heading", name="No bookings yet")).to_be_visible()
    page.screenshot(path=str(screenshots / "bookings-empty.png"))

    # Book from the offer page; the sandbox starts the instance and its webhook makes it active.
    tune(app, sandbox_start_delay_s=1.0)
    page.goto(f"{live}/offers/{offers[0]}")
    page.get_by_label("Hours").fill("6")
    page.locator(".offer-head").screenshot(path=str(screenshots / "offer-book.png"))
    page.get_by_role("button", name="Book").click()
    page.wait_for_url(re.compile(r"/account/bookings/[0-9a-f-]{36}"))
    booking_id = page.url.split("/account/bookings/")[1].split("?")[0]
    expect(state_badge(page)).to_have_attribute("data-state", "pending_provision")
    # The meta refresh (no script) reloads until the provider has answered.
    expect(state_badge(page)).to_have_attribute("data-state", "active", timeout=15_000)
    expect(page.get_by_role("button", name="Stop now")).to_be_visible()
    expect(page.locator(".timeline li")).to_have_count(3)
    page.screenshot(path=str(screenshots / "booking-detail-active.png"), full_page=True)

    # Stop it: the provider confirms and the booking completes.
    page.get_by_role("button", name="Stop now").click()
    expect(state_badge(page)).to_have_attribute("data-state", "completed", timeout=15_000)
    expect(page.locator(".timeline li")).to_have_count(4)
    expect(page.locator(".timeline li").last).to_contain_text("Active → Completed")
    expect(page.locator(".timeline li").last).to_contain_text("instance.terminated")
    expect(page.get_by_role("button", name="Stop now")).to_have_count(0)
    page.screenshot(path=str(screenshots / "booking-detail.png"), full_page=True)

    # A few more bookings, so the list shows each state's badge.
    tune(app, sandbox_start_delay_s=0.0)
    create(client, alice, offers[1], hours=1)  # draft
    running = create(client, alice, offers[2], hours=48)
    submit(client, alice, running["id"])
    wait_for_state(client, alice, running["id"], "active")
    cancelled = create(client, alice, offers[3], hours=2)
    client.post(f"/bookings/{cancelled['id']}/cancel", headers=alice.headers)
    client.post("/sandbox-provider/control/fail", json={"count": 1, "reason": "no capacity in the zone"})
    failed = create(client, alice, offers[4], hours=3)
    submit(client, alice, failed["id"])
    wait_for_state(client, alice, failed["id"], "failed")

    page.get_by_role("link", name="← All bookings").first.click()
    page.wait_for_url(f"{live}/account/bookings")
    rows = page.locator("table.bookings tbody tr")
    expect(rows).to_have_count(5)
    badges = sorted(page.locator("table.bookings .badge").all_inner_texts())
    assert badges == ["Active", "Cancelled", "Completed", "Draft", "Failed"]
    page.screenshot(path=str(screenshots / "bookings.png"), full_page=True)

    # The state filter is a GET form: it works without script too.
    page.get_by_label("State").select_option("active")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{live}/account/bookings?state=active")
    expect(rows).to_have_count(1)
    assert booking_id not in rows.first.get_attribute("data-booking-id")  # type: ignore[operator]
    context.close()


def test_dark_theme_detail_screenshot(
    browser: Any,
    client: TestClient,
    live: str,
    alice: Account,
    factory: sessionmaker[Session],
    screenshots: Path,
) -> None:
    booking = create(client, alice, offer_ids(factory)[0], hours=12)
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    page = context.new_page()
    sign_in(page, live, alice)
    page.goto(f"{live}/account/bookings/{booking['id']}")
    expect(page.get_by_role("button", name="Submit")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(state_badge(page)).to_have_attribute("data-state", "active", timeout=15_000)
    page.screenshot(path=str(screenshots / "booking-detail-dark.png"), full_page=True)
    context.close()
