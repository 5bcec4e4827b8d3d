"""The monthly statement of a team (JSON, CSV and PDF): the month's usage, every document issued for it
(void ones shown as void), the corrections listed apart, and totals per currency.

The month's usage (exact USD) is what live invoices billed for it, less what credit notes credited
back, plus what is not invoiced (``not_invoiced_usd``: usage not settled yet, or a day whose total was
below the smallest unit); manual credit notes are listed apart (``goodwill_credited_usd``). Per currency, the balance is the live
invoices' totals less the live credit notes'. The CSV and the PDF print the same fields with the same
formatting (``billing.money``) as the JSON.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from accounts.models import Tenant
from billing import repository
from billing.errors import InvalidBillingDetails
from billing.metering import utc
from billing.models import DocumentKind, Invoice, InvoiceStatus
from billing.money import RULE, fmt, from_minor, plain
from billing.pdf import Document
from billing.schemas import CurrencyTotals, StatementDocument, StatementOut

ZERO = Decimal(0)


def month_bounds(month: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidBillingDetails(
            f"{month!r} is not a month (YYYY-MM)", details=[{"field": "month", "message": "YYYY-MM"}]
        ) from None
    return first, (first + timedelta(days=32)).replace(day=1)


def _doc(invoice: Invoice, numbers: dict[str, str]) -> StatementDocument:
    c = invoice.currency
    return StatementDocument(
        number=invoice.number,
        kind=invoice.kind,
        status=invoice.status,
        day=invoice.day,
        issued_at=utc(invoice.issued_at),
        corrects_number=numbers.get(invoice.corrects_id or ""),
        currency=c,
        subtotal_usd=invoice.subtotal_usd,
        net=from_minor(invoice.net_minor, c),
        tax=from_minor(invoice.tax_minor, c),
        total=from_minor(invoice.total_minor, c),
        memo=invoice.memo,
    )


def build(session: Session, tenant_id: str, month: str) -> StatementOut:
    first, end = month_bounds(month)
    usage = repository.usage_in_period(session, tenant_id, first, end)
    docs = repository.documents_in_range(session, tenant_id, first, end)
    numbers = {d.id: d.number for d in docs}
    for d in docs:
        if d.corrects_id and d.corrects_id not in numbers:
            numbers[d.corrects_id] = repository.invoice_any_tenant(session, d.corrects_id).number  # type: ignore[union-attr]
    live = [d for d in docs if d.status != InvoiceStatus.VOID.value]
    invoiced = credited = goodwill = ZERO
    for d in live:
        for line in d.lines:
            if d.kind == DocumentKind.INVOICE.value:
                invoiced += line.amount_usd
            elif line.usage_record_id is not None:
                credited += line.amount_usd
            else:
                goodwill += line.amount_usd
    used = sum((r.amount for r, _ in usage), ZERO)
    totals: dict[str, dict[str, int]] = {}
    for d in live:
        t = totals.setdefault(d.currency, {"invoiced": 0, "credited": 0, "tax": 0, "paid": 0})
        if d.kind == DocumentKind.INVOICE.value:
            t["invoiced"] += d.total_minor
            t["tax"] += d.tax_minor
            t["paid"] += sum(p.amount_minor for p in repository.payments_of(session, d.id))
        else:
            t["credited"] += d.total_minor
            t["tax"] -= d.tax_minor
    team = session.get(Tenant, tenant_id)
    statement = StatementOut(
        tenant_id=tenant_id,
        team=team.name if team is not None else tenant_id,
        month=month,
        usage_hours=sum((r.hours for r, _ in usage), ZERO),
        usage_usd=used,
        invoiced_usd=invoiced,
        credited_usd=credited,
        not_invoiced_usd=used - invoiced + credited,
        goodwill_credited_usd=goodwill,
        documents=[_doc(d, numbers) for d in docs],
        corrections=[_doc(d, numbers) for d in docs if d.corrects_id is not None],
        totals=[
            CurrencyTotals(
                currency=c,
                invoiced=from_minor(t["invoiced"], c),
                credited=from_minor(t["credited"], c),
                balance=from_minor(t["invoiced"] - t["credited"], c),
                tax=from_minor(t["tax"], c),
                paid=from_minor(t["paid"], c),
            )
            for c, t in sorted(totals.items())
        ],
    )
    return statement


def _row(d: StatementDocument) -> list[str]:
    return [
        d.number,
        d.kind,
        d.status,
        d.day.isoformat(),
        d.issued_at.strftime("%Y-%m-%d %H:%M"),
        d.corrects_number or "",
        d.currency,
        format(d.subtotal_usd, "f"),
        format(d.net, "f"),
        format(d.tax, "f"),
        format(d.total, "f"),
        d.memo or "",
    ]


def to_csv(statement: StatementOut) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "number", "kind", "status", "day", "issued_at", "corrects", "currency",
                "subtotal_usd", "net", "tax", "total", "memo"])  # fmt: skip
    for d in statement.documents:
        w.writerow(["document", *_row(d)])
    for d in statement.corrections:
        w.writerow(["correction", *_row(d)])
    for t in statement.totals:
        memo = f"invoiced {t.invoiced}, credited {t.credited}, paid {t.paid}"
        w.writerow(
            [
                "total",
                "",
                "",
                "",
                "",
                "",
                "",
                t.currency,
                "",
                "",
                format(t.tax, "f"),
                format(t.balance, "f"),
                memo,
            ]
        )
    for label, value in (
        ("usage_usd", statement.usage_usd),
        ("invoiced_usd", statement.invoiced_usd),
        ("credited_usd", statement.credited_usd),
        ("not_invoiced_usd", statement.not_invoiced_usd),
        ("goodwill_credited_usd", statement.goodwill_credited_usd),
    ):
        w.writerow(["usage", label, "", "", "", "", "", "USD", plain(value), "", "", "", ""])
    return out.getvalue()


def to_pdf(statement: StatementOut) -> bytes:
    doc = Document(f"Statement {statement.month}", "GPUBroker")
    doc.text_line(f"Statement {statement.month}", size=16, style="B", height=8)
    doc.text_line(statement.team)
    doc.ln(2)
    doc.text_line(f"Usage: {plain(statement.usage_hours)} h, {plain(statement.usage_usd)} USD")
    doc.text_line(f"Invoiced for usage: {plain(statement.invoiced_usd)} USD")
    doc.text_line(f"Credited for usage: {plain(statement.credited_usd)} USD")
    doc.text_line(f"Not invoiced: {plain(statement.not_invoiced_usd)} USD")
    if statement.goodwill_credited_usd:
        doc.text_line(f"Other credits: {plain(statement.goodwill_credited_usd)} USD")
    doc.ln(3)
    rows = [
        (
            str(i),
            f"{d.number} {d.kind.replace('_', ' ')} {d.status}, {d.day.isoformat()}"
            + (f", refers to {d.corrects_number}" if d.corrects_number else ""),
            fmt(d.total, d.currency),
        )
        for i, d in enumerate(statement.documents, start=1)
    ]
    doc.lines_table(("#", "Document", "Total"), rows)
    if statement.corrections:
        doc.text_line("Corrections", style="B")
        for d in statement.corrections:
            doc.small(
                f"{d.number} ({d.kind.replace('_', ' ')}, {d.status}) refers to {d.corrects_number}: {d.memo or ''}"
            )
        doc.ln(2)
    for t in statement.totals:
        doc.row(f"Invoiced ({t.currency})", fmt(t.invoiced, t.currency))
        doc.row(f"Credited ({t.currency})", fmt(t.credited, t.currency))
        doc.row(f"Balance ({t.currency})", fmt(t.balance, t.currency), bold=True)
        doc.row(f"Paid ({t.currency})", fmt(t.paid, t.currency))
    doc.ln(2)
    doc.small(RULE)
    return doc.bytes()
