"""Billing documents as PDFs (fpdf2): an invoice or credit note with seller and buyer (VAT IDs), the
period, one row per line (exact USD amounts), the USD subtotal, the FX rate with its date, source and
fallback note, the net, the tax line and the total in the billing currency with its own number of
decimals (``billing.money.fmt``: ``6,847 JPY``), payment terms and the rounding rule; and the monthly
statement (``billing.statements``).

Rendered on request from the stored document, so the PDF always shows what the database holds; every
figure is printed by the same formatting functions as the API's, so the PDF text equals the data.
The built-in Helvetica covers Latin-1 only: text outside it (a provider's or team's name) is
transliterated where it can be and replaced with "?" where it cannot, rather than failing the download.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.money import RULE, fmt, plain
from billing.schemas import InvoiceOut
from billing.tax import plain_rate

SELLER = "GPUBroker"


def latin1(text: str) -> str:
    text = text.replace("\u2014", "-").replace("\u2013", "-").replace("\u2192", "->")
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        # Outside Latin-1: keep the base letter of an accented one (ő -> o), else "?".
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


class Document(FPDF):
    """An A4 page with one ``line`` helper for wrapped text; the pieces every billing PDF shares."""

    def __init__(self, title: str, seller: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_title(title)
        self.set_author(seller)
        self.set_creator(SELLER)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()
        self.width = self.w - self.l_margin - self.r_margin

    def text_line(
        self, text: str, *, size: float = 10, style: str = "", height: float = 5.5, align: str = "L"
    ) -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(self.width, height, latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def small(self, text: str) -> None:
        self.text_line(text, size=8, height=4.2)

    def row(self, label: str, value: str, *, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 10)
        self.cell(self.width - 45, 6.5, latin1(label), align="R")
        self.cell(45, 6.5, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def lines_table(self, headers: tuple[str, str, str], rows: list[tuple[str, str, str]]) -> None:
        columns = ((headers[0], 8.0, "R"), (headers[1], self.width - 8 - 34, "L"), (headers[2], 34.0, "R"))
        self.set_font("Helvetica", "B", 9)
        self.set_fill_color(235, 238, 242)
        for title, w, align in columns:
            self.cell(w, 7, title, border="B", align=align, fill=True)
        self.ln(7)
        self.set_font("Helvetica", "", 9)
        for first, text, amount in rows:
            top = self.get_y()
            self.cell(columns[0][1], 5, first, align="R")
            # The description may wrap: its last line decides where the row ends.
            self.multi_cell(columns[1][1], 5, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            bottom = self.get_y()
            self.set_xy(self.l_margin + columns[0][1] + columns[1][1], top)
            self.cell(columns[2][1], 5, amount, align="R")
            self.set_xy(self.l_margin, bottom + 1.5)
            self.set_draw_color(220, 224, 230)
            self.line_at(self.get_y() - 0.75)
        self.ln(3)

    def line_at(self, y: float) -> None:
        self.line(self.l_margin, y, self.l_margin + self.width, y)

    def bytes(self) -> bytes:
        return bytes(self.output())


def title_of(invoice: InvoiceOut) -> str:
    return f"{'Credit note' if invoice.kind == 'credit_note' else 'Invoice'} {invoice.number}"


def render(invoice: InvoiceOut) -> bytes:
    doc = Document(title_of(invoice), invoice.seller_name or SELLER)
    doc.text_line(invoice.seller_name or SELLER, size=18, style="B", height=9)
    for part in (
        invoice.seller_address,
        f"VAT ID {invoice.seller_tax_id}" if invoice.seller_tax_id else None,
    ):
        if part:
            doc.text_line(part, size=9, height=4.5)
    doc.text_line(title_of(invoice), size=14, style="B", height=8)
    if invoice.corrects_number:
        doc.text_line(f"Refers to {invoice.corrects_number}", style="B")
    if invoice.memo:
        doc.text_line(invoice.memo)
    doc.ln(2)
    doc.text_line(f"Status: {invoice.status}")
    doc.text_line(f"Issued: {invoice.issued_at:%Y-%m-%d %H:%M} UTC" if invoice.issued_at else "Issued: -")
    if invoice.due_date and invoice.kind == "invoice":
        doc.text_line(f"Due: {invoice.due_date.isoformat()} ({invoice.payment_terms})")
    doc.text_line(
        f"Period: {invoice.period_start:%Y-%m-%d %H:%M} to {invoice.period_end:%Y-%m-%d %H:%M} UTC"
        f" (usage of {invoice.day.isoformat()})"
    )
    doc.ln(2)
    doc.text_line("Billed to", style="B")
    doc.text_line(invoice.bill_to_name)
    for part in (
        invoice.bill_to_address,
        invoice.bill_to_country,
        f"VAT ID {invoice.bill_to_vat_id}" if invoice.bill_to_vat_id else None,
        invoice.bill_to_email,
    ):
        if part:
            doc.text_line(part)
    doc.ln(4)
    doc.lines_table(
        ("#", "Description", "Amount (USD)"),
        [(str(item.position), item.description, plain(item.amount_usd)) for item in invoice.lines],
    )
    doc.row("Subtotal (USD)", fmt(invoice.subtotal_usd, "USD"))
    if invoice.fx_rate is not None and invoice.currency != "USD":
        rate_date = invoice.fx_rate_date.isoformat() if invoice.fx_rate_date else "-"
        doc.row(f"Exchange rate 1 USD = {plain(invoice.fx_rate)} {invoice.currency} ({rate_date})", "")
    doc.row(f"Net ({invoice.currency})", fmt(invoice.net, invoice.currency))
    doc.row(f"Tax {tax_label(invoice)}", fmt(invoice.tax, invoice.currency))
    label = "Total credited" if invoice.kind == "credit_note" else "Total"
    doc.row(f"{label} ({invoice.currency})", fmt(invoice.total, invoice.currency), bold=True)
    doc.ln(4)
    if invoice.tax_note:
        doc.small(invoice.tax_note)
    if invoice.fx_note:
        doc.small(invoice.fx_note)
    if invoice.fx_source:
        doc.small(f"Exchange rate source: {invoice.fx_source}")
    doc.small(RULE)
    return doc.bytes()


def tax_label(invoice: InvoiceOut) -> str:
    return "(reverse charge)" if invoice.reverse_charge else f"({plain_rate(invoice.tax_rate)}%)"
