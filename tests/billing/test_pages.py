"""The billing pages as a user sees them: the invoice list (empty, then filled), an invoice with its
lines, exchange rate and PDF link, and "not found" for another team's invoice. TestClient on both
backends, then one pass in Debian's Chromium whose screenshots land in var/screenshots/invoices.png,
invoices-empty.png and invoice.png for a person to look at."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accounts import service as accounts
from accounts.models import Role
from billing import service
from core.settings import ROOT, Settings
from tests.billing.conftest import PASSWORD, Team, add_booking, register, set_account
from tests.support import serve, use_page_token
from tests.web.dom import parse

SCREENSHOTS = ROOT / "var" / "screenshots"


def sign_in_page(client: TestClient, email: str) -> None:
    r = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "next": "/billing/invoices"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    use_page_token(client)


def page_team(client: TestClient) -> tuple[Team, str]:
    email = f"pages-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Acme ML"})
    assert r.status_code == 201, r.text
    body = r.json()
    return Team(body["tenant"]["id"], body["user"]["id"], body["access_token"]), email


def test_pages_need_a_sign_in(client: TestClient) -> None:
    r = client.get("/billing/invoices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/billing/invoices"


def test_empty_list_then_an_invoice(client: TestClient, db: Session) -> None:
    team, email = page_team(client)
    sign_in_page(client, email)
    doc = parse(client.get("/billing/invoices").text)
    assert doc.find("h1").text() == "Invoices"
    assert doc.find("div", cls="empty-state").find("h3").text() == "No invoices yet"

    set_account(db, team, "EUR")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:30", price="2.4900")
    db.commit()
    assert client.post("/billing/run?day=2026-10-14", headers=team.headers).status_code == 200

    doc = parse(client.get("/billing/invoices").text)
    row = doc.find("table", cls="invoices").find("tbody").find("tr")
    link = row.find("th").find("a")
    assert link.text() == "INV-2026-000001"
    invoice_id = row.get("data-invoice-id")
    assert link.get("href") == f"/billing/invoices/{invoice_id}"
    assert row.find("td", cls="total").text().endswith("EUR")

    detail = parse(client.get(f"/billing/invoices/{invoice_id}").text)
    assert detail.find("h1").text() == "Invoice INV-2026-000001"
    line = detail.find("table", cls="invoice-lines").find("tbody").find("tr")
    assert "5.5 h x 2.49 USD/h" in line.text() and "13.695" in line.text()
    assert detail.find("td", data_subtotal=True).text() == "13.70"
    fx_cell = detail.find("td", data_fx=True).text()
    assert fx_cell.startswith("1 USD = 0.893") and fx_cell.endswith("EUR")
    source = detail.find("p", data_fx_source=True).text()
    assert "Rate of 2026-10-14" in source and "ECB euro reference rates" in source
    download = detail.find("a", href=f"/billing/invoices/{invoice_id}.pdf")
    assert download.text() == "Download PDF"
    pdf = client.get(download.get("href") or "")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    filtered = parse(client.get("/billing/invoices?start=2026-10-15").text)
    assert filtered.find("div", cls="empty-state").find("h3").text() == "No invoices in this period"
    bad = client.get("/billing/invoices?start=soon")
    assert bad.status_code == 422 and "start" in parse(bad.text).find("p", cls="notice-error").text()


def test_another_teams_invoice_page_is_not_found(client: TestClient, db: Session) -> None:
    owner = register(client, tenant_name="Owner")
    add_booking(db, owner, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    db.commit()
    client.post("/billing/run?day=2026-10-14", headers=owner.headers)
    invoice_id = client.get("/invoices", headers=owner.headers).json()["items"][0]["id"]
    _, email = page_team(client)
    sign_in_page(client, email)
    for path in (f"/billing/invoices/{invoice_id}", f"/billing/invoices/{invoice_id}.pdf"):
        r = client.get(path)
        assert r.status_code == 404
        assert parse(r.text).find("h1").text() == "Invoice not found"


# --- in a real browser -----------------------------------------------------------------------------


@pytest.fixture
def live_app(app: Any) -> Iterator[str]:
    """The test's app (its sessions inside the test's transaction) under uvicorn, so the browser's
    sign-in and everything seeded here roll back with the test."""
    with serve(app) as url:
        yield url


def test_invoice_pages_in_a_browser(
    browser: Any, live_app: str, db: Session, settings: Settings, factory: sessionmaker[Session]
) -> None:
    from playwright.sync_api import expect

    tenant = accounts.new_tenant(db, settings, "Acme ML")
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    user = accounts.new_user(db, tenant, email, Role.ADMIN, PASSWORD, "Ada")
    team = Team(tenant.id, user.id)
    db.commit()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="light")
    page = context.new_page()
    page.goto(f"{live_app}/billing/invoices")
    page.wait_for_url("**/login?next=/billing/invoices")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_app}/billing/invoices")
    expect(page.get_by_role("heading", name="No invoices yet")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "invoices-empty.png"), full_page=True)

    set_account(db, team, "EUR", "finance@acme.example")
    add_booking(db, team, activated="2026-10-13 22:30", ended="2026-10-14 01:15", price="2.4900")
    add_booking(
        db,
        team,
        activated="2026-10-14 06:00",
        ended="2026-10-14 18:00",
        price="31.4640",
        provider="aws",
        offer_name="p5.48xlarge",
        gpu_count=8,
        region="eu-west-1",
    )
    add_booking(
        db,
        team,
        activated="2026-10-12 09:00",
        ended="2026-10-12 17:20",
        price="1.2900",
        provider="runpod",
        offer_name="1x RTX 4090",
        gpu_type="RTX 4090",
        region="EU-RO-1",
    )
    db.commit()
    for day in (12, 13, 14):
        service.run_billing(factory, settings, date(2026, 10, day), tenant_id=team.tenant_id)

    page.reload()
    rows = page.locator("table.invoices tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("th a")).to_have_text("INV-2026-000003")
    page.screenshot(path=str(SCREENSHOTS / "invoices.png"), full_page=True)

    rows.first.locator("th a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice INV-2026-000003")
    expect(page.locator("table.invoice-lines tbody tr")).to_have_count(2)
    expect(page.locator("[data-fx]")).to_contain_text("1 USD = ")
    expect(page.locator("[data-fx-source]")).to_contain_text("ECB euro reference rates")
    total = page.locator("[data-total]").inner_text()
    assert Decimal(total.split()[0].replace(",", "")) > 0 and total.endswith("EUR")
    page.screenshot(path=str(SCREENSHOTS / "invoice.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    assert download_info.value.suggested_filename == "INV-2026-000003.pdf"
    context.close()
