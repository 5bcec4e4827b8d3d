"""The pages of real provisioning, as a user sees them: SSH keys, provider accounts, and a booking at a
real provider with how to connect, the time left and the cost so far, following the booking live in a
browser (Debian's Chromium, JavaScript on). Screenshots land in var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.booking.conftest import ED25519_KEY, Clouds, create, invite, offer_ids, register
from tests.booking.test_browser import VIEWPORT, sign_in
from tests.booking.test_pages import browser_of, page
from tests.booking.test_provisioning import cheapest, deliver_submits, poll, ready


def test_ssh_keys_page_adds_lists_and_removes_keys(client: TestClient, app: Any) -> None:
    alice = register(client, tenant_name="Page keys")
    web = browser_of(app, alice)
    empty = page(web, "/account/ssh-keys")
    assert empty.find(cls="empty-state").find("h3").text() == "No SSH key yet"

    r = web.post("/account/ssh-keys", data={"name": "", "public_key": ED25519_KEY}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/ssh-keys?done=key_added"
    listed = page(web, "/account/ssh-keys?done=key_added")
    assert listed.find(cls="notice-ok").text() == "SSH key added."
    row = listed.find("table", cls="ssh-keys").find("tbody").find("tr")
    assert "alice@laptop" in row.find("th").text() and row.find(data_default=True).text() == "default"

    private = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecretmaterial\n-----END OPENSSH PRIVATE KEY-----"
    r = web.post("/account/ssh-keys", data={"public_key": private})
    assert r.status_code == 422 and "private key" in r.text and "secretmaterial" not in r.text

    key_id = row.get("data-key-id")
    r = web.post(f"/account/ssh-keys/{key_id}/delete", follow_redirects=False)
    assert r.status_code == 303
    assert page(web, "/account/ssh-keys").find(cls="empty-state").find("h3").text() == "No SSH key yet"


def test_provider_accounts_page_checks_saves_and_refuses(
    client: TestClient, app: Any, clouds: Clouds
) -> None:
    admin = register(client, tenant_name="Page accounts")
    web = browser_of(app, admin)
    doc = page(web, "/account/provider-credentials")
    statuses = {
        r.get("data-provider"): r.find(data_status=True).text() for r in doc.find("tbody").find_all("tr")
    }
    assert statuses == {"aws": "missing", "lambda": "missing", "runpod": "missing", "vast": "missing"}

    r = web.post("/account/provider-credentials/lambda", data={"api_key": "wrong-key-0000"})
    assert r.status_code == 422
    assert "global/invalid-api-key" in r.text and "wrong-key-0000" not in r.text

    r = web.post(
        "/account/provider-credentials/lambda", data=clouds.credentials("lambda"), follow_redirects=False
    )
    assert r.status_code == 303
    saved = page(web, "/account/provider-credentials?done=saved")
    lam = saved.find("tr", data_provider="lambda")
    assert lam.find(data_status=True).text() == "stored" and lam.find(cls="hint").text() == "…6789"
    assert clouds.credentials("lambda")["api_key"] not in web.get("/account/provider-credentials").text

    user = invite(client, admin, "user")
    user_web = browser_of(app, user)
    assert not page(user_web, "/account/provider-credentials").find_all(
        "form", action="/account/provider-credentials/aws"
    )
    r = user_web.post("/account/provider-credentials/lambda/delete")
    assert r.status_code == 403


def test_an_active_real_booking_shows_how_to_connect(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    alice = register(client, tenant_name="Connect")
    ready(client, alice, clouds, "lambda")
    booking = create(client, alice, cheapest(client, "lambda")["id"], hours=2)
    client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    deliver_submits(app, factory, booking["id"])
    poll(app, factory, booking["id"])
    api = client.get(f"/bookings/{booking['id']}", headers=alice.headers).json()

    doc = page(browser_of(app, alice), f"/account/bookings/{booking['id']}")
    card = doc.find("section", data_connection=True)
    assert card.find("code", data_ssh_command=True).text() == api["connection"]["ssh_command"]
    assert card.find(data_public_ip=True).text() == api["connection"]["public_ip"]
    assert card.find(data_ports=True).text() == "22/tcp → 22"
    assert card.find(data_time_left=True).text().startswith(("1 h 59 min", "2 h 0 min"))
    assert card.find(data_cost=True).text().startswith("$")
    assert doc.find(data_market=True).text() == "On-demand"
    assert doc.find("td", data_provisioner=True).text() == "lambda's API, on your team's account"
    assert doc.find_all(data_sandbox=True) == []


def test_a_sandbox_booking_says_so(
    client: TestClient, app: Any, factory: sessionmaker[Session], live: str
) -> None:
    alice = register(client, tenant_name="Sandboxed")
    booking = create(client, alice, offer_ids(factory)[0], hours=1)
    client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    doc = page(browser_of(app, alice), f"/account/bookings/{booking['id']}")
    note = doc.find(data_sandbox=True)
    assert "sandbox" in note.text() and "no machine is started" in note.text()
    assert doc.find("td", data_provisioner=True).text() == "the sandbox provider"


def test_the_booking_page_follows_the_instance_live_in_a_browser(
    browser: Any,
    client: TestClient,
    app: Any,
    live: str,
    factory: sessionmaker[Session],
    clouds: Clouds,
    screenshots: Path,
) -> None:
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect

    alice = register(client, tenant_name="Live page")
    ready(client, alice, clouds, "runpod")
    booking = create(client, alice, cheapest(client, "runpod")["id"], hours=3)
    client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    deliver_submits(app, factory, booking["id"])

    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    browser_page = context.new_page()
    sign_in(browser_page, live, alice)
    browser_page.goto(f"{live}/account/bookings/{booking['id']}")
    badge = browser_page.locator(".price-box [data-state]")
    expect(badge).to_have_attribute("data-state", "pending_provision")
    expect(browser_page.locator("[data-refresh-how]")).to_have_text("this page updates as soon as it does")
    browser_page.screenshot(path=str(screenshots / "booking-real-pending.png"), full_page=True)

    # The worker's poll sees the pod running; the open page follows without anyone reloading it.
    poll(app, factory, booking["id"])
    expect(badge).to_have_attribute("data-state", "active", timeout=15_000)
    ssh = browser_page.locator("[data-ssh-command]")
    expect(ssh).to_contain_text("ssh -p 40000 root@203.0.113.")
    left = browser_page.locator("[data-time-left]")
    expect(left).to_contain_text("2 h 59 min")
    expect(browser_page.locator("[data-cost]")).to_contain_text("$")
    expect(browser_page.locator(".timeline li").last).to_contain_text("seen at runpod by polling its API")
    browser_page.screenshot(path=str(screenshots / "booking-real-active.png"), full_page=True)

    browser_page.goto(f"{live}/account/ssh-keys")
    browser_page.screenshot(path=str(screenshots / "ssh-keys.png"), full_page=True)
    browser_page.goto(f"{live}/account/provider-credentials")
    browser_page.screenshot(path=str(screenshots / "provider-credentials.png"), full_page=True)
    context.close()
