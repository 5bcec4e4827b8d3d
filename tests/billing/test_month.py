"""A month of billing end to end, and the monthly documents.

``test_a_month_reconciles_exactly``: three teams billed in USD, EUR and JPY book through October 2026;
the provider reports starts and ends by signed webhooks, some on time, some after the nightly run, some
after the grace window; the billing job runs as a scheduler would (00:10 and 07:00 UTC every day). At
the end everything reconciles to the unit: usage equals what the invoices billed less what credit notes
credited; every invoice is rebuilt from the transition log alone; every document's figures follow from
its lines by the one rounding rule; the statements (JSON, CSV, PDF) and the PDFs of every document say
exactly what the data says; numbers run without gaps.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from billing import jobs, money, pdf, service, statements
from billing.models import Invoice
from booking.models import Booking
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, at, new_team, set_account
from tests.billing.test_issue17 import billed_per_record, docs, event, pending, rebuild_from_log

# Booking prices as the catalog lists them (USD per instance-hour; the snapshot prices other tests use).
PRICES = ("2.4900", "31.4640", "1.2900")


@dataclass(frozen=True)
class Happening:
    delivered: datetime
    booking: Booking
    kind: str
    occurred: datetime


def _plan(rng: random.Random, booking: Booking, start: datetime, hours: float) -> list[Happening]:
    end = start + timedelta(minutes=round(hours * 60))
    late_start = rng.random() < 0.25
    late_end = rng.random() < 0.3
    return [
        # A start reported 20 min to 9 h late (past the nightly run, sometimes past the grace window).
        Happening(
            start + timedelta(minutes=rng.choice((20, 540)) if late_start else 1),
            booking,
            "instance.running",
            start,
        ),
        Happening(
            end + timedelta(hours=rng.choice((1, 11))) if late_end else end + timedelta(minutes=1),
            booking,
            "instance.terminated",
            end,
        ),
    ]


def _text(body: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).replace("\n", " ")


def test_a_month_reconciles_exactly(
    db: Session, settings: Settings, factory: sessionmaker[Session], client: TestClient
) -> None:
    rng = random.Random(17)
    teams = {currency: new_team(db, settings, f"Team {currency}") for currency in ("USD", "EUR", "JPY")}
    for currency, team in teams.items():
        set_account(db, team, currency)
    db.commit()
    happenings: list[Happening] = []
    for team in teams.values():
        for _ in range(7):
            day = rng.randint(1, 26)
            start = at(f"2026-10-{day:02d} 00:00") + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            booking = pending(
                db, team, (start - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"), rng.choice(PRICES)
            )
            happenings += _plan(rng, booking, start, rng.uniform(0.25, 30))
        # And one of each kind of lateness for sure: a 22:30 start reported after its day was billed
        # (a supplementary invoice), a 21:00 end reported after the grace window (a credit note).
        on_time = pending(db, team, "2026-10-20 07:55", "2.4900")
        happenings += _plan(random.Random(0), on_time, at("2026-10-20 08:00"), 2)
        late = pending(db, team, "2026-10-20 22:00", "2.4900")
        happenings += [
            Happening(at("2026-10-21 08:00"), late, "instance.running", at("2026-10-20 22:30")),
            Happening(at("2026-10-21 08:01"), late, "instance.terminated", at("2026-10-21 03:00")),
        ]
        stopped = pending(db, team, "2026-10-22 09:00", "1.2900")
        happenings += [
            Happening(at("2026-10-22 10:01"), stopped, "instance.running", at("2026-10-22 10:00")),
            Happening(at("2026-10-23 09:00"), stopped, "instance.terminated", at("2026-10-22 21:00")),
        ]
    runs = [at(f"2026-10-{d:02d} 00:10") for d in range(2, 32)] + [
        at(f"2026-10-{d:02d} 07:00") for d in range(2, 32)
    ]
    timeline = sorted(
        [(h.delivered, 0, h) for h in happenings] + [(r, 1, r) for r in runs], key=lambda x: (x[0], x[1])
    )
    for _, kind, item in timeline:
        if kind == 0:
            assert isinstance(item, Happening)
            event(client, db, item.booking, item.kind, item.occurred.strftime("%Y-%m-%d %H:%M:%S"))
        else:
            assert isinstance(item, datetime)
            for result in jobs.bill(factory, settings, now=item):
                assert result.errors == [], result.errors
    db.expire_all()

    kinds = set()
    for currency, team in teams.items():
        documents = docs(db, team)
        kinds |= {(d.kind, d.corrects_id is not None) for d in documents}
        # Usage = invoiced - credited, to the last digit; the log rebuilds every line.
        statement = statements.build(db, team.tenant_id, "2026-10")
        assert statement.not_invoiced_usd == 0
        assert statement.usage_usd == statement.invoiced_usd - statement.credited_usd
        assert rebuild_from_log(db, team.tenant_id) == billed_per_record(db, team.tenant_id)
        # Every figure of a document follows from its lines by the one rule.
        for d in documents:
            assert d.currency == currency and d.status == "open"
            assert d.subtotal_usd == money.round_money(
                sum((line.amount_usd for line in d.lines), Decimal(0)), "USD"
            )
            net = money.round_money(d.subtotal_usd * d.fx_rate, currency)
            assert (d.net_minor, d.tax_minor, d.total_minor) == (
                money.to_minor(net, currency),
                0,
                money.to_minor(net, currency),
            )
            assert d.fx_rate_date <= d.day and (d.fx_note is None) == (d.fx_rate_date == d.day)
            text = _text(pdf.render(service.invoice_out(db, d)))
            for line in d.lines:
                assert line.description in text and money.plain(line.amount_usd) in text
            for figure in (d.number, money.fmt(d.subtotal_usd, "USD"), money.fmt(net, currency)):
                assert figure in text
        # Gapless numbers per series, in issue order.
        for series in ("INV", "CN"):
            numbers = [d.number for d in documents if d.number.startswith(series)]
            assert numbers == [f"{series}-2026-{n:06d}" for n in range(1, len(numbers) + 1)]
        # The statement's totals are the documents'; its CSV and PDF say the same.
        (totals,) = statement.totals
        invoiced = sum(d.total_minor for d in documents if d.kind == "invoice")
        credited = sum(d.total_minor for d in documents if d.kind == "credit_note")
        assert (money.to_minor(totals.invoiced, currency), money.to_minor(totals.credited, currency)) == (
            invoiced,
            credited,
        )
        assert money.to_minor(totals.balance, currency) == invoiced - credited
        rows = list(csv.DictReader(io.StringIO(statements.to_csv(statement))))
        assert [r["number"] for r in rows if r["section"] == "document"] == [d.number for d in documents]
        assert [r["number"] for r in rows if r["section"] == "correction"] == [
            d.number for d in documents if d.corrects_id
        ]
        (total_row,) = [r for r in rows if r["section"] == "total"]
        assert Decimal(total_row["total"]) == totals.balance
        usage_row = {r["number"]: Decimal(r["subtotal_usd"]) for r in rows if r["section"] == "usage"}
        assert (
            usage_row["usage_usd"] == statement.usage_usd
            and usage_row["credited_usd"] == statement.credited_usd
        )
        text = _text(statements.to_pdf(statement))
        assert f"Balance ({currency}) {money.fmt(totals.balance, currency)}" in text
        assert all(d.number in text for d in documents)
    # The month had first invoices, supplementary invoices and credit notes.
    assert kinds == {("invoice", False), ("invoice", True), ("credit_note", True)}


def test_the_statement_api_in_json_csv_and_pdf(client: TestClient, db: Session, api_team: Team) -> None:
    set_account(db, api_team, "EUR")
    add_booking(db, api_team, activated="2026-10-14 08:00", ended="2026-10-14 10:00")
    db.commit()
    client.post("/billing/run?day=2026-10-14", headers=api_team.headers)
    body = client.get("/billing/statements/2026-10", headers=api_team.headers).json()
    assert (body["month"], body["usage_usd"], body["invoiced_usd"], body["not_invoiced_usd"]) == (
        "2026-10",
        "4.98",
        "4.98",
        "0",
    )
    assert [d["number"] for d in body["documents"]] == ["INV-2026-000001"] and body["totals"][0][
        "currency"
    ] == "EUR"
    as_csv = client.get("/billing/statements/2026-10.csv", headers=api_team.headers)
    assert as_csv.headers["content-type"].startswith("text/csv") and "INV-2026-000001" in as_csv.text
    as_pdf = client.get("/billing/statements/2026-10.pdf", headers=api_team.headers)
    assert as_pdf.content.startswith(b"%PDF-") and "Statement 2026-10" in _text(as_pdf.content)
    bad = client.get("/billing/statements/2026-13", headers=api_team.headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "month"
    assert client.get("/billing/statements/october", headers=api_team.headers).status_code == 422


def test_monthly_invoicing_bills_the_month_once_it_is_over(
    db: Session, settings: Settings, team: Team
) -> None:
    monthly = settings.model_copy(update={"billing_period": "monthly"})
    set_account(db, team, "EUR")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 10:00")
    add_booking(db, team, activated="2026-10-30 22:00", ended="2026-10-31 02:00")
    assert service.run_day(db, monthly, date(2026, 10, 14), now=at("2026-10-15 07:00")).invoices_created == []
    out = service.run_day(db, monthly, date(2026, 10, 31), now=at("2026-11-01 07:00"))
    assert out.invoices_created == ["INV-2026-000001"]
    (invoice,) = docs(db, team)
    assert (invoice.day, invoice.period_key) == (date(2026, 10, 1), "2026-10#1")
    assert [line.hours for line in invoice.lines] == [Decimal("2"), Decimal("2"), Decimal("2")]
    # The rate of the month's last day, a Saturday: Friday's, and the invoice says so.
    assert invoice.fx_note == "ECB rate of Fri 2026-10-30; no rate published on Sat 2026-10-31"
    assert isinstance(invoice, Invoice) and invoice.subtotal_usd == Decimal("14.94")
