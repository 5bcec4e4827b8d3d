"""An invoice as a PDF (fpdf2): number, who is billed, the period, one row per line, the USD subtotal,
the FX rate with its date and source, and the total in the tenant's currency.

Rendered on request from the stored invoice, so the document always shows what the database holds;
an invoice never changes after it is issued, so neither does its PDF. The built-in Helvetica covers
Latin-1 only: text outside it (a provider's or team's name) is transliterated where it can be and
replaced with "?" where it cannot, rather than failing the download.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.schemas import InvoiceOut

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


def money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def render(invoice: InvoiceOut) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(SELLER)
    pdf.set_creator(SELLER)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, *, size: float = 10, style: str = "", height: float = 5.5, align: str = "L") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(SELLER, size=18, style="B", height=9)
    line(f"Invoice {invoice.number}", size=14, style="B", height=8)
    pdf.ln(2)
    line(f"Status: {invoice.status}")
    line(f"Issued: {invoice.issued_at:%Y-%m-%d %H:%M} UTC" if invoice.issued_at else "Issued: -")
    line(
        f"Period: {invoice.period_start:%Y-%m-%d %H:%M} to {invoice.period_end:%Y-%m-%d %H:%M} UTC"
        f" (usage of {invoice.day.isoformat()})"
    )
    pdf.ln(2)
    line("Billed to", style="B")
    line(invoice.bill_to_name)
    if invoice.bill_to_email:
        line(invoice.bill_to_email)
    pdf.ln(4)

    columns = (("#", 8, "R"), ("Description", width - 8 - 30, "L"), ("Amount (USD)", 30, "R"))
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(235, 238, 242)
    for title, w, align in columns:
        pdf.cell(w, 7, title, border="B", align=align, fill=True)
    pdf.ln(7)
    pdf.set_font("Helvetica", "", 9)
    for item in invoice.lines:
        top = pdf.get_y()
        pdf.cell(columns[0][1], 5, str(item.position), align="R")
        # The description may wrap: its last line decides where the row ends.
        pdf.multi_cell(
            columns[1][1], 5, latin1(item.description), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + columns[0][1] + columns[1][1], top)
        pdf.cell(columns[2][1], 5, f"{item.amount_usd:,.2f}", align="R")
        pdf.set_xy(pdf.l_margin, bottom + 1.5)
        pdf.set_draw_color(220, 224, 230)
        pdf.line(pdf.l_margin, pdf.get_y() - 0.75, pdf.l_margin + width, pdf.get_y() - 0.75)
    pdf.ln(3)

    def total_row(label: str, value: str, *, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(width - 45, 6.5, latin1(label), align="R")
        pdf.cell(45, 6.5, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    total_row("Subtotal (USD)", money(invoice.subtotal_usd, "USD"))
    if invoice.fx_rate is not None and invoice.currency != "USD":
        rate_date = invoice.fx_rate_date.isoformat() if invoice.fx_rate_date else "-"
        total_row(f"Exchange rate 1 USD = {invoice.fx_rate} {invoice.currency} ({rate_date})", "")
    total_row(f"Total ({invoice.currency})", money(invoice.total, invoice.currency), bold=True)
    pdf.ln(4)
    if invoice.fx_source:
        line(f"Exchange rate source: {invoice.fx_source}", size=8, height=4.2)
    line(
        "Amounts are rounded to cents half-up per line and on the converted total; the USD subtotal is the "
        "sum of the lines.",
        size=8,
        height=4.2,
    )
    return bytes(pdf.output())
