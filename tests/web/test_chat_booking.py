"""Booking from the chat page: the assistant asks for approval with the price, and books on "Book it".

With JavaScript (Debian's Chromium against a served app): the approval card streams in, "Book it"
resumes the run and a booking card links to the booking. Without it: the same card is a form whose
buttons post the answer to /chat. The app is served on a loopback port because the booking goes
through the sandbox provider over real HTTP and its webhook comes back the same way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.support import serve_app, use_page_token
from tests.web.dom import parse

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def booking_server(settings: Settings, engine: Any) -> Iterator[str]:
    with serve_app(settings) as url:
        yield url


def register(post: Any) -> str:
    email = f"book-{uuid.uuid4().hex[:12]}@example.com"
    r = post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Booking team"})
    assert r.status_code == 201, r.text
    return email


def test_book_from_the_chat_in_a_browser(browser: Any, booking_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=booking_server) as http:
        email = register(http.post)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{booking_server}/login?next=/chat")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{booking_server}/chat")

    page.get_by_label("Your request").fill("book the cheapest H100 for 2 hours")
    page.get_by_role("button", name="Send").click()
    card = page.locator("section.chat-approval")
    expect(card).to_be_visible(timeout=30_000)
    expect(card).to_contain_text("Book ")
    expect(card.locator("[data-figure=estimate]")).to_contain_text("$")
    # The question says what kind of capacity it is: the cheapest H100 of the bundled catalog is a spot
    # offer, so the user is told it can be interrupted before saying yes.
    expect(card.locator(".approval-question")).to_contain_text(
        "This is a spot (interruptible) instance: the provider can reclaim it at any time"
    )
    expect(card.locator("[data-market]")).to_have_text("Spot: can be interrupted")
    page.screenshot(path=str(screenshots / "chat-approval.png"), full_page=True)

    card.get_by_role("button", name="Book it").click()
    booking = page.locator(".chat-msg-assistant").nth(1).locator(".booking-card")
    expect(booking).to_be_visible(timeout=30_000)
    expect(card.get_by_role("button", name="Book it")).to_be_disabled()
    expect(booking.locator("[data-booking-state]")).to_have_text(re.compile("provisioning|active"))
    # The card follows its booking: once the provider reports the instance running it says so, without
    # a reload (it used to stay "pending provision").
    expect(booking.locator("[data-booking-state]")).to_have_text("active", timeout=20_000)
    expect(booking).to_contain_text("spot (interruptible)")
    expect(booking.locator("[data-booking-live]")).to_contain_text("Cost so far")
    page.screenshot(path=str(screenshots / "chat-booked.png"), full_page=True)
    booking.locator("a.rec-name").click()
    page.wait_for_url(re.compile(r".*/bookings/[0-9a-f-]{36}$"))
    context.close()


def test_book_without_javascript(client: TestClient) -> None:
    """The no-script path renders the same question as a form; declining books nothing."""
    email = register(client.post)
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/chat"}, follow_redirects=False
    )
    assert r.status_code == 303
    use_page_token(client)
    page = client.post("/chat", data={"prompt": "book the cheapest A100 for 3 hours"})
    assert page.status_code == 200, page.text[:500]
    doc = parse(page.text)
    card = doc.find(cls="chat-approval")
    assert "3 h" in card.text()
    buttons = {b.get("value"): b.text() for b in card.find_all("button")}
    assert buttons == {"approve": "Book it", "decline": "Don't book"}
    thread_id = card.find("input", name="thread_id").get("value")
    assert thread_id

    declined = client.post("/chat", data={"thread_id": thread_id, "resume": "decline"})
    assert declined.status_code == 200
    assert "Not booked" in parse(declined.text).find(data_answer=True).text()
    token = client.post("/chat/token").json()["access_token"]
    listed = client.get(
        "/bookings", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    assert listed.json()["items"] == []

    again = client.post("/chat", data={"thread_id": thread_id, "resume": "approve"})
    assert again.status_code == 409 and "nothing" in again.text
