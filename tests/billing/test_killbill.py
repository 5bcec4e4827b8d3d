"""Kill Bill as the ledger: the client against a local server that checks Kill Bill's headers and
speaks its JSON, the daily run recording usage there instead of issuing built-in invoices, and the API
reading invoices back from it."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import service
from billing.errors import KillBillError
from billing.killbill import KillBillClient, tracking_id
from billing.models import Invoice, UsageRecord
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, new_team
from tests.billing.killbill_fake import API_KEY, API_SECRET, PASSWORD, USERNAME, FakeKillBill
from tests.support import serve

FAKE = FakeKillBill()


@pytest.fixture(scope="module")
def kb_url() -> Iterator[str]:
    with serve(FAKE.app()) as url:
        yield url


@pytest.fixture
def kb(kb_url: str) -> FakeKillBill:
    for part in (FAKE.accounts, FAKE.bundles, FAKE.invoices):
        part.clear()
    FAKE.usages.clear()
    FAKE.requests.clear()
    return FAKE


def kb_settings(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "killbill_url": url,
            "killbill_api_key": API_KEY,
            "killbill_api_secret": SecretStr(API_SECRET),
            "killbill_username": USERNAME,
            "killbill_password": SecretStr(PASSWORD),
        }
    )


@pytest.fixture
def kb_client(kb: FakeKillBill, kb_url: str, settings: Settings) -> Iterator[KillBillClient]:
    with KillBillClient.from_settings(kb_settings(settings, kb_url)) as client:
        yield client


def test_client_sends_kill_bills_headers_and_shapes(kb: FakeKillBill, kb_client: KillBillClient) -> None:
    account_id, subscription_id = kb.add_account("tenant-1", "Acme ML")
    assert kb_client.account_by_external_key("tenant-1")["accountId"] == account_id
    assert kb_client.account_by_external_key("nobody") is None
    assert kb_client.record_usage(subscription_id, "t-1", "usd-cents", [(date(2026, 10, 14), 1234)]) is True
    assert kb.usages == [
        {
            "subscriptionId": subscription_id,
            "trackingId": "t-1",
            "unitUsageRecords": [
                {"unitType": "usd-cents", "usageRecords": [{"recordDate": "2026-10-14", "amount": 1234}]}
            ],
        }
    ]
    post = next(r for r in kb.requests if r["method"] == "POST")
    assert post["path"] == "/1.0/kb/usages"
    assert post["headers"]["x-killbill-apikey"] == API_KEY
    assert post["headers"]["x-killbill-apisecret"] == API_SECRET
    assert post["headers"]["x-killbill-createdby"] == "gpubroker"
    assert post["headers"]["authorization"] == "Basic " + base64.b64encode(b"admin:password").decode()
    # The same tracking id again: Kill Bill refuses it, and the client reports "already recorded".
    assert kb_client.record_usage(subscription_id, "t-1", "usd-cents", [(date(2026, 10, 14), 1234)]) is False
    assert len(kb.usages) == 1


def test_client_calls_carry_the_callers_trace(kb: FakeKillBill, kb_client: KillBillClient) -> None:
    from core import tracing

    kb.add_account("tenant-1", "Acme ML")
    ctx = tracing.context_from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    token = tracing.activate(ctx)
    try:
        kb_client.account_by_external_key("tenant-1")
    finally:
        tracing.deactivate(token)
    traceparent = kb.requests[-1]["headers"]["traceparent"]
    assert traceparent == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{ctx.span_id}-01"


def test_client_reads_invoices(kb: FakeKillBill, kb_client: KillBillClient) -> None:
    account_id, _ = kb.add_account("tenant-1", "Acme ML")
    kb.add_invoice(account_id, "2026-11-01", 17, [("GpuUsage usd-cents", "123.45")])
    kb.add_invoice(account_id, "2026-10-01", 9, [("GpuUsage usd-cents", "10.00")])
    invoices = kb_client.account_invoices(account_id, start=date(2026, 10, 15))
    assert [i["invoiceNumber"] for i in invoices] == ["17"]
    assert invoices[0]["items"][0]["itemType"] == "USAGE"
    request = kb.requests[-1]
    assert (
        request["query"]["startDate"] == "2026-10-15"
        and request["query"]["includeInvoiceComponents"] == "true"
    )
    assert kb_client.invoice(invoices[0]["invoiceId"])["amount"] == 123.45
    assert kb_client.invoice("00000000-0000-0000-0000-000000000000") is None


def test_refusals_carry_kill_bills_error(kb: FakeKillBill, kb_url: str) -> None:
    wrong = KillBillClient(kb_url, api_key=API_KEY, api_secret="wrong", username=USERNAME, password=PASSWORD)
    with wrong as client, pytest.raises(KillBillError) as refused:
        client.account_by_external_key("tenant-1")
    assert refused.value.status == 502
    assert refused.value.details["className"] == "org.killbill.billing.tenant.api.TenantApiException"
    closed_port = KillBillClient(
        "http://127.0.0.1:9", api_key="k", api_secret="s", username="u", password="p"
    )
    with closed_port as client, pytest.raises(KillBillError):
        client.account_bundles("x")


def test_the_run_records_each_tenants_day_in_kill_bill(
    db: Session, settings: Settings, kb: FakeKillBill, kb_url: str, team: Team
) -> None:
    _, subscription_id = kb.add_account(team.tenant_id, "Billing team")
    orphan = new_team(db, settings, "Not in Kill Bill")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:30", price="2.4900")  # 13.70
    add_booking(
        db, team, activated="2026-10-14 20:00", ended="2026-10-15 02:00", price="1.0000"
    )  # 4.00 on the 14th
    add_booking(db, orphan, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    configured = kb_settings(settings, kb_url)

    out = service.run_day(db, configured, date(2026, 10, 14))
    assert out.ledger == "killbill"
    assert out.usage_exported == 1  # one change: the team's day
    assert out.warnings == [
        f"tenant {orphan.tenant_id} has no Kill Bill account with an active subscription (externalKey)"
    ]
    (posted,) = kb.usages
    records = (
        db.execute(
            select(UsageRecord).where(
                UsageRecord.tenant_id == team.tenant_id, UsageRecord.day == date(2026, 10, 14)
            )
        )
        .scalars()
        .all()
    )
    assert posted == {
        "subscriptionId": subscription_id,
        "trackingId": tracking_id(team.tenant_id, date(2026, 10, 14), 1),
        "unitUsageRecords": [
            # 13.695 + 4 = 17.695 USD, rounded once: 1770 cents.
            {"unitType": "usd-cents", "usageRecords": [{"recordDate": "2026-10-14", "amount": 1770}]}
        ],
    }
    assert all(r.exported_at is not None for r in records)
    # No built-in invoice with Kill Bill as the ledger, and a second run sends nothing new.
    # (Of these two teams: tests that serve the app commit into the session's database, and the order in
    # which a test worker meets them varies.)
    ours = (team.tenant_id, orphan.tenant_id)
    assert db.execute(select(Invoice).where(Invoice.tenant_id.in_(ours))).first() is None
    again = service.run_day(db, configured, date(2026, 10, 14))
    assert again.usage_exported == 0 and len(kb.usages) == 1


def test_the_api_reads_invoices_from_kill_bill(
    client: TestClient,
    app: Any,
    db: Session,
    settings: Settings,
    kb: FakeKillBill,
    kb_url: str,
    api_team: Team,
) -> None:
    from tests.billing.conftest import register

    app.state.settings = kb_settings(settings, kb_url)
    account_id, _ = kb.add_account(api_team.tenant_id, "Acme ML")
    invoice_id = kb.add_invoice(account_id, "2026-11-01", 42, [("GpuUsage: 12.34 USD of GPU time", "12.34")])
    stranger = register(client, tenant_name="Stranger")
    other_account, _ = kb.add_account(stranger.tenant_id, "Stranger")
    other_invoice = kb.add_invoice(other_account, "2026-11-01", 43, [("GpuUsage", "1.00")])

    page = client.get("/invoices", headers=api_team.headers).json()
    assert [(i["id"], i["number"], i["total"], i["status"]) for i in page["items"]] == [
        (invoice_id, "42", "12.34", "open")
    ]
    detail = client.get(f"/invoices/{invoice_id}", headers=api_team.headers).json()
    assert detail["ledger"] == "killbill"
    assert detail["lines"][0]["description"] == "GpuUsage: 12.34 USD of GPU time"
    assert client.get(f"/invoices/{other_invoice}", headers=api_team.headers).status_code == 404
    pdf = client.get(f"/invoices/{invoice_id}.pdf", headers=api_team.headers)
    assert pdf.status_code == 200
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Invoice 42" in text and "12.34 USD" in text


def _records_of(db: Session, team: Team) -> list[UsageRecord]:
    return list(db.execute(select(UsageRecord).where(UsageRecord.tenant_id == team.tenant_id)).scalars())


def test_corrections_reach_kill_bill(
    db: Session, settings: Settings, kb: FakeKillBill, kb_url: str, team: Team
) -> None:
    """Usage amended (a late activation) and invoice adjustments (a late end) in Kill Bill, each once."""
    from billing.models import KillBillExport
    from booking.models import BookingState
    from tests.billing.conftest import at

    account_id, subscription_id = kb.add_account(team.tenant_id, "Billing team")
    configured = kb_settings(settings, kb_url)
    running = add_booking(db, team, activated="2026-10-14 20:00", price="1.1000")  # still active at midnight
    out = service.run_day(db, configured, date(2026, 10, 14), now=at("2026-10-15 07:00"))
    assert out.usage_exported == 1 and kb.usages[-1]["unitUsageRecords"][0]["usageRecords"] == [
        {"recordDate": "2026-10-14", "amount": 440}
    ]
    # Kill Bill invoices the month in arrear; then the provider's end (23:30) arrives late.
    invoice_id = kb.add_invoice(
        account_id, "2026-11-01", 7, [("GpuUsage usd-cents", "4.40")], period=("2026-10-01", "2026-11-01")
    )
    running.state, running.ended_at, running.updated_at = (
        BookingState.COMPLETED.value,
        at("2026-10-14 23:30"),
        at("2026-10-15 08:00"),
    )
    db.flush()
    service.run_day(db, configured, date(2026, 10, 14), now=at("2026-10-15 08:05"))
    items = kb.invoices[invoice_id]["items"]
    usage_item, adjustment = items
    assert (adjustment["itemType"], adjustment["amount"], adjustment["linkedInvoiceItemId"]) == (
        "ITEM_ADJ",
        -0.55,
        usage_item["invoiceItemId"],
    )
    assert adjustment["description"] == f"gpubroker correction {team.tenant_id}:2026-10-14:2"
    assert kb.invoices[invoice_id]["amount"] == 3.85
    # A late activation on the same day adds usage under a new tracking id.
    add_booking(db, team, activated="2026-10-14 10:00", ended="2026-10-14 11:00", price="2.0000")
    service.run_day(db, configured, date(2026, 10, 14), now=at("2026-10-15 09:00"))
    assert kb.usages[-1]["trackingId"] == tracking_id(team.tenant_id, date(2026, 10, 14), 3)
    assert kb.usages[-1]["subscriptionId"] == subscription_id
    assert kb.usages[-1]["unitUsageRecords"][0]["usageRecords"][0]["amount"] == 200
    # A shrink before Kill Bill invoiced the day becomes an account credit.
    other = add_booking(db, team, activated="2026-11-03 08:00", ended="2026-11-03 10:00", price="1.0000")
    service.run_day(db, configured, date(2026, 11, 3), now=at("2026-11-04 07:00"))
    other.ended_at, other.updated_at = at("2026-11-03 09:00"), at("2026-11-04 08:00")
    db.flush()
    service.run_day(db, configured, date(2026, 11, 3), now=at("2026-11-04 08:05"))
    (credit,) = [i for i in kb.invoices.values() if i["items"][0]["itemType"] == "CREDIT_ADJ"]
    assert credit["items"][0]["amount"] == -1.0
    # What Kill Bill holds, day by day, equals the usage rounded once to cents; a rerun sends nothing.
    exports = (
        db.execute(select(KillBillExport).where(KillBillExport.tenant_id == team.tenant_id)).scalars().all()
    )
    assert sorted((e.day.isoformat(), e.seq, e.kind, e.cents) for e in exports) == [
        ("2026-10-14", 1, "usage", 440),
        ("2026-10-14", 2, "item_adjustment", -55),
        ("2026-10-14", 3, "usage", 200),
        ("2026-11-03", 1, "usage", 200),
        ("2026-11-03", 2, "credit", -100),
    ]
    before = (len(kb.usages), sum(len(i["items"]) for i in kb.invoices.values()))
    for day in (date(2026, 10, 14), date(2026, 11, 3)):
        assert service.run_day(db, configured, day, now=at("2026-11-05 00:00")).usage_exported == 0
    assert (len(kb.usages), sum(len(i["items"]) for i in kb.invoices.values())) == before
    assert all(r.exported_at is not None for r in _records_of(db, team))


def test_kill_bill_payments_are_recorded_once_and_announced(
    client: TestClient, app: Any, settings: Settings, kb: FakeKillBill, kb_url: str, api_team: Team, bus: Any
) -> None:
    app.state.settings = kb_settings(settings, kb_url)
    account_id, _ = kb.add_account(api_team.tenant_id, "Acme ML")
    invoice_id = kb.add_invoice(account_id, "2026-11-01", 42, [("GpuUsage", "12.34")])
    kb.pay(invoice_id, "12.34")
    notification = {
        "eventType": "INVOICE_PAYMENT_SUCCESS",
        "objectType": "INVOICE",
        "objectId": invoice_id,
        "accountId": account_id,
        "metaData": None,
    }
    first = client.post("/billing/killbill/events", json=notification)
    assert first.status_code == 200 and first.json()["payments_recorded"] == 1
    assert client.post("/billing/killbill/events", json=notification).json()["payments_recorded"] == 0
    (message,) = [m for m in bus.recent("billing_events") if m["payload"]["invoice_id"] == invoice_id]
    assert message["payload"]["type"] == "payment_received"
    assert (message["payload"]["amount"], message["payload"]["source"], message["payload"]["number"]) == (
        "12.34",
        "killbill",
        "42",
    )
    page = client.get("/invoices", headers=api_team.headers).json()
    assert page["items"][0]["status"] == "paid"
    assert client.post("/billing/killbill/events", json={"eventType": "ACCOUNT_CHANGE"}).json()["ignored"]
    bad = client.post("/billing/killbill/events", json={"eventType": "INVOICE_PAYMENT_SUCCESS"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "objectId"
    assert "billing.payment_received" in [
        e["event_type"] for e in client.get("/audit", headers=api_team.headers).json()
    ]
