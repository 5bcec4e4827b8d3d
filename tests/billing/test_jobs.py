"""Billing's job bodies: the ECB rates fetched from a local server speaking eurofxref-daily.xml, and the
receipts emailed to a real SMTP server (aiosmtpd) with their delivery log; each run twice changes
nothing the second time."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing import fx, jobs, service
from billing.models import FxRate, InvoiceDelivery
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, at, set_account
from tests.core.test_mail import Inbox, free_port
from tests.support import serve

FIXTURE = Path(__file__).parent / "fixtures" / "eurofxref-daily.xml"


@pytest.fixture(scope="module")
def ecb_url() -> Iterator[str]:
    async def daily(_: Request) -> Response:
        return Response(FIXTURE.read_bytes(), media_type="text/xml")

    with serve(Starlette(routes=[Route("/stats/eurofxref/eurofxref-daily.xml", daily)])) as url:
        yield f"{url}/stats/eurofxref/eurofxref-daily.xml"


def test_fetch_ecb_rates_stores_the_day_once(
    db: Session, settings: Settings, factory: sessionmaker[Session], ecb_url: str
) -> None:
    assert jobs.fetch_ecb_rates(factory, settings.model_copy(update={"fx_url": None})) is None
    configured = settings.model_copy(update={"fx_url": ecb_url})
    # Rates the seeded catalog's euro listings already took from the bundled history stay as they are.
    held = {
        r.quote for r in db.execute(select(FxRate).where(FxRate.rate_date == date(2026, 10, 30))).scalars()
    }
    day, added = jobs.fetch_ecb_rates(factory, configured) or (None, 0)
    assert (day, added) == (date(2026, 10, 30), 29 - len(held))
    assert jobs.fetch_ecb_rates(factory, configured) == (date(2026, 10, 30), 0)
    rows = db.execute(select(FxRate).where(FxRate.rate_date == date(2026, 10, 30))).scalars().all()
    assert len(rows) == 29
    assert {r.source for r in rows if r.quote not in held} == {fx.daily_source(ecb_url)}


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_receipts_are_mailed_once_with_the_pdf_and_logged(
    db: Session, settings: Settings, factory: sessionmaker[Session], team: Team, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    set_account(db, team, "JPY", "finance@acme.example")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:30", price="31.4640")
    db.commit()
    run = service.run_billing(factory, settings, date(2026, 10, 14), tenant_id=team.tenant_id)
    (number,) = run.invoices_created
    mailing = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    )

    (delivery,) = jobs.send_receipts(factory, mailing, now=at("2026-10-15 01:00"))
    assert (delivery.status, delivery.transport, delivery.recipient) == (
        "sent",
        "smtp",
        "finance@acme.example",
    )
    ((_, recipients, message),) = inbox.messages
    assert recipients == ["finance@acme.example"] and message["Subject"] == f"Invoice {number} from GPUBroker"
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert "JPY" in body.decode() and "Due: " in body.decode()
    pdf = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    text = PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages[0].extract_text()
    assert f"Invoice {number}" in text and " JPY" in text
    # The delivery log, on the invoice as the API shows it; a second run sends nothing.
    assert jobs.send_receipts(factory, mailing, now=at("2026-10-15 01:05")) == []
    assert len(inbox.messages) == 1
    invoice_id = db.execute(select(InvoiceDelivery.invoice_id)).scalar_one()
    log = service.invoice_out(db, service.repository.invoice(db, team.tenant_id, invoice_id)).deliveries  # type: ignore[arg-type]
    assert [(d.status, d.message_id) for d in log] == [("sent", message["Message-ID"])]


def test_a_failed_send_is_logged_and_tried_again(
    db: Session, settings: Settings, factory: sessionmaker[Session], team: Team, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    set_account(db, team, "USD", "finance@acme.example")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    db.commit()
    service.run_billing(factory, settings, date(2026, 10, 14), tenant_id=team.tenant_id)
    down = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": free_port(),
            "smtp_security": "none",
            "smtp_timeout_s": 2,
        }
    )
    (failed,) = jobs.send_receipts(factory, down, now=at("2026-10-15 01:00"))
    assert failed.status == "failed" and "ConnectionRefusedError" in (failed.detail or "")
    up = down.model_copy(update={"smtp_port": port})
    (sent,) = jobs.send_receipts(factory, up, now=at("2026-10-15 01:10"))
    assert sent.status == "sent" and len(inbox.messages) == 1
    statuses = (
        db.execute(select(InvoiceDelivery.status).order_by(InvoiceDelivery.attempted_at)).scalars().all()
    )
    assert statuses == ["failed", "sent"]
