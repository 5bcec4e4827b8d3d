"""The seller's acts on documents, by platform operators: void, credit note, payment (API and the
/ops/billing page), each audited in the team's chain; payment_received on the bus; a void invoice's
usage billed again by the next run; nobody else may act. One pass in Chromium for the page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from accounts.audit import Source
from accounts.operators import set_operator
from accounts.service import Ctx
from core.db import session_scope
from core.settings import ROOT, Settings
from tests.billing.conftest import PASSWORD, Team, add_booking, set_account
from tests.support import serve, use_page_token
from tests.web.dom import parse

SCREENSHOTS = ROOT / "var" / "screenshots"


def operator_of(client: TestClient, app: Any) -> tuple[Team, str]:
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Platform"})
    assert r.status_code == 201, r.text
    with session_scope(app.state.session_factory) as session:
        set_operator(session, Ctx(settings=app.state.settings, source=Source()), email, True)
    body = r.json()
    return Team(body["tenant"]["id"], body["user"]["id"], body["access_token"]), email


def invoiced(client: TestClient, db: Session, team: Team, currency: str = "EUR") -> dict[str, Any]:
    set_account(db, team, currency, "finance@acme.example")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 18:00", price="2.4900")  # 24.90
    db.commit()
    assert client.post("/billing/run?day=2026-10-14", headers=team.headers).status_code == 200
    item: dict[str, Any] = client.get("/invoices", headers=team.headers).json()["items"][0]
    return item


def audit_types(client: TestClient, team: Team) -> list[str]:
    return [e["event_type"] for e in client.get("/audit", headers=team.headers).json()]


def test_only_operators_act_on_documents(client: TestClient, db: Session, api_team: Team) -> None:
    invoice = invoiced(client, db, api_team)
    for path, body in (
        (f"/ops/invoices/{invoice['id']}/void", {"reason": "mine"}),
        (f"/ops/invoices/{invoice['id']}/credit-notes", {"reason": "mine"}),
        (f"/ops/invoices/{invoice['id']}/payments", {"reference": "x"}),
    ):
        r = client.post(path, json=body, headers=api_team.headers)  # the team's own admin
        assert r.status_code == 403, path
    assert client.get("/ops/invoices", headers=api_team.headers).status_code == 403
    assert client.get(f"/invoices/{invoice['id']}", headers=api_team.headers).json()["status"] == "open"


def test_void_then_the_next_run_bills_the_usage_again(
    client: TestClient, app: Any, db: Session, api_team: Team
) -> None:
    operator, _ = operator_of(client, app)
    invoice = invoiced(client, db, api_team)
    r = client.post(
        f"/ops/invoices/{invoice['id']}/void",
        json={"reason": "wrong billing address"},
        headers=operator.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["void_reason"]) == ("void", "wrong billing address")
    again = client.post(
        f"/ops/invoices/{invoice['id']}/void", json={"reason": "again"}, headers=operator.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_state"
    run = client.post("/billing/run?day=2026-10-14", headers=api_team.headers).json()
    assert run["invoices_created"] == ["INV-2026-000002"]
    replacement = client.get("/invoices", headers=api_team.headers).json()["items"][0]
    detail = client.get(f"/invoices/{replacement['id']}", headers=api_team.headers).json()
    assert (
        detail["memo"] == "Replaces INV-2026-000001 (void)" and detail["corrects_number"] == "INV-2026-000001"
    )
    assert detail["total"] == invoice["total"]
    assert "billing.invoice_voided" in audit_types(client, api_team)


def test_credit_notes_are_bounded_by_the_invoice(
    client: TestClient, app: Any, db: Session, api_team: Team
) -> None:
    operator, _ = operator_of(client, app)
    invoice = invoiced(client, db, api_team, "JPY")
    path = f"/ops/invoices/{invoice['id']}/credit-notes"
    part = client.post(
        path, json={"reason": "GPU was slow for an hour", "amount": "2.49"}, headers=operator.headers
    )
    assert part.status_code == 201, part.text
    note = part.json()
    assert (note["kind"], note["number"], note["corrects_number"], note["subtotal_usd"]) == (
        "credit_note",
        "CN-2026-000001",
        "INV-2026-000001",
        "2.49",
    )
    rate = Decimal(invoice["fx_rate"])
    assert note["total"] == str((Decimal("2.49") * rate).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    too_much = client.post(path, json={"reason": "all of it", "amount": "22.42"}, headers=operator.headers)
    assert too_much.status_code == 422 and too_much.json()["error"]["details"][0]["field"] == "amount"
    assert "22.41 USD" in too_much.json()["error"]["message"]
    fractions = client.post(path, json={"reason": "odd", "amount": "0.001"}, headers=operator.headers)
    assert fractions.status_code == 422
    rest = client.post(path, json={"reason": "the rest"}, headers=operator.headers).json()
    assert rest["subtotal_usd"] == "22.41"
    original = client.get(f"/invoices/{invoice['id']}", headers=api_team.headers).json()
    assert [c["number"] for c in original["corrections"]] == ["CN-2026-000001", "CN-2026-000002"]
    assert audit_types(client, api_team).count("billing.credit_note_issued") == 2
    # An invoice with live credit notes is not voided behind their back.
    refused = client.post(
        f"/ops/invoices/{invoice['id']}/void", json={"reason": "x" * 3}, headers=operator.headers
    )
    assert refused.status_code == 409 and "CN-2026-000001" in refused.json()["error"]["message"]


def test_mark_paid_publishes_payment_received(
    client: TestClient, app: Any, db: Session, api_team: Team, bus: Any
) -> None:
    operator, _ = operator_of(client, app)
    invoice = invoiced(client, db, api_team)
    path = f"/ops/invoices/{invoice['id']}/payments"
    r = client.post(
        path,
        json={"reference": "SEPA-2026-10-29-0001", "paid_at": "2026-10-29T09:00:00Z"},
        headers=operator.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["paid_at"]) == ("paid", "2026-10-29T09:00:00Z")
    assert body["payments"] == [
        {
            "amount": invoice["total"],
            "currency": "EUR",
            "paid_at": "2026-10-29T09:00:00Z",
            "source": "admin",
            "reference": "SEPA-2026-10-29-0001",
        }
    ]
    (message,) = [m for m in bus.recent("billing_events") if m["payload"]["invoice_id"] == invoice["id"]]
    assert message["key"] == api_team.tenant_id
    assert message["payload"] | {} == {
        "type": "payment_received",
        "tenant_id": api_team.tenant_id,
        "invoice_id": invoice["id"],
        "number": "INV-2026-000001",
        "amount": invoice["total"],
        "currency": "EUR",
        "paid_at": "2026-10-29T09:00:00+00:00",
        "source": "admin",
        "reference": "SEPA-2026-10-29-0001",
    }
    assert "billing.payment_received" in audit_types(client, api_team)
    assert client.post(path, json={"reference": "again"}, headers=operator.headers).status_code == 409
    void = client.post(
        f"/ops/invoices/{invoice['id']}/void", json={"reason": "paid"}, headers=operator.headers
    )
    assert void.status_code == 409 and "credit a paid invoice instead" in void.json()["error"]["message"]
    assert (
        client.get("/ops/invoices?status=paid", headers=operator.headers).json()["items"][0]["id"]
        == invoice["id"]
    )


def test_the_ops_billing_page_acts_and_refuses(
    client: TestClient, app: Any, db: Session, api_team: Team
) -> None:
    _, email = operator_of(client, app)
    invoice = invoiced(client, db, api_team)
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/ops/billing"}, follow_redirects=False
    )
    assert r.status_code == 303
    use_page_token(client)
    page = parse(client.get("/ops/billing").text)
    row = page.find("tr", data_invoice_id=invoice["id"])
    assert row.find("span", data_status=True).text() == "open"
    bad = client.post(f"/ops/billing/{invoice['id']}/credit", data={"reason": "x", "amount": "abc"})
    assert bad.status_code == 422
    paid = client.post(
        f"/ops/billing/{invoice['id']}/pay", data={"reference": "bank-1"}, follow_redirects=False
    )
    assert paid.status_code == 303 and paid.headers["location"] == "/ops/billing?saved=paid"
    page = parse(client.get("/ops/billing?saved=paid").text)
    assert page.find("p", cls="notice-ok").text() == "Invoice marked paid."
    assert page.find("tr", data_invoice_id=invoice["id"]).find("span", data_status=True).text() == "paid"
    # A team admin signed in on the site is not staff: a 403 page, and its form posts change nothing.
    client.cookies.clear()
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    client.post(
        "/auth/register", json={"email": admin_email, "password": PASSWORD, "tenant_name": "Not staff"}
    )
    client.post("/login", data={"email": admin_email, "password": PASSWORD, "next": "/ops/billing"})
    use_page_token(client)
    refused = client.get("/ops/billing")
    assert refused.status_code == 403 and "Only platform operators" in refused.text
    assert client.post(f"/ops/billing/{invoice['id']}/void", data={"reason": "mine"}).status_code == 403


@pytest.fixture
def live_app(app: Any) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_ops_billing_page_in_a_browser(
    browser: Any, live_app: str, app: Any, db: Session, settings: Settings, client: TestClient, api_team: Team
) -> None:
    from playwright.sync_api import expect

    _, email = operator_of(client, app)
    invoice = invoiced(client, db, api_team)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    page = context.new_page()
    page.goto(f"{live_app}/ops/billing")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_app}/ops/billing")
    row = page.locator(f"tr[data-invoice-id='{invoice['id']}']")
    row.get_by_label("Credit in USD for INV-2026-000001").fill("5.00")
    row.get_by_label("Reason to credit INV-2026-000001").fill("goodwill for a slow start")
    row.get_by_role("button", name="Credit note").click()
    expect(page.get_by_role("status")).to_have_text("Credit note issued.")
    expect(page.locator("table.ops-invoices tbody tr").first).to_contain_text("CN-2026-000001")
    page.screenshot(path=str(SCREENSHOTS / "ops-billing.png"), full_page=True)
    context.close()
