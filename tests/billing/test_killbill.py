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
    assert db.execute(select(Invoice)).first() is None
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
