"""Issue 17, case by case: each money error the audit found, as a regression test.

Bookings that the audit's cases are about are driven by signed provider webhooks (``occurred_at`` and
delivery time apart), so the transition log holds what a real run holds; billing runs are given the
instant they run at (``now``), the nightly 00:10 run included.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.audit import Source
from accounts.service import Ctx, Principal
from billing import account as billing_account
from billing import fx, money, pdf, repository, service, statements
from billing.models import Invoice, InvoiceSequence, UsageRecord
from billing.schemas import BillingAccountIn
from booking.models import Booking, BookingState, BookingTransition
from booking.signing import signed_headers
from core.settings import DEV_WEBHOOK_SECRET, Settings
from tests.billing.conftest import Team, add_booking, at, new_team, set_account

NO_GRACE = {"billing_grace_s": 0}


def pending(db: Session, team: Team, submitted: str, price: str = "2.4900") -> Booking:
    booking = add_booking(
        db,
        team,
        activated=None,
        state=BookingState.PENDING_PROVISION,
        submitted=submitted,
        price=price,
        provider_ref=f"i-{uuid.uuid4().hex[:12]}",
    )
    db.commit()
    return booking


def event(client: TestClient, db: Session, booking: Booking, kind: str, occurred: str) -> None:
    """The provider's signed webhook, delivered now, saying ``kind`` happened at ``occurred`` (UTC)."""
    body = orjson.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": kind,
            "instance_id": booking.provider_ref,
            "occurred_at": at(occurred).isoformat(),
        }
    )
    r = client.post(
        f"/webhooks/{booking.provider_id}", content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
    )
    assert r.status_code == 200 and r.json()["applied"], r.text
    db.expire_all()


def run(db: Session, settings: Settings, day: str, now: str, **overrides: Any) -> Any:
    configured = settings.model_copy(update=overrides) if overrides else settings
    return service.run_day(db, configured, date.fromisoformat(day), now=at(now))


def docs(db: Session, team: Team) -> list[Invoice]:
    return list(
        db.execute(
            select(Invoice)
            .where(Invoice.tenant_id == team.tenant_id)
            .order_by(Invoice.issued_at, Invoice.number)
        ).scalars()
    )


def pdf_text(db: Session, invoice: Invoice) -> str:
    body = pdf.render(service.invoice_out(db, invoice))
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


# --- 1. JPY totals carry cents --------------------------------------------------------------------


def test_1_a_jpy_invoice_has_no_cents_anywhere(
    db: Session, settings: Settings, team: Team, client: TestClient
) -> None:
    set_account(db, team, "JPY")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:30", price="31.4640")
    run(db, settings, "2026-10-14", "2026-10-15 07:00")
    (invoice,) = docs(db, team)
    # 5.5 h x 31.464 = 173.052 USD -> 173.05; x the ECB cross rate of the day, rounded once to whole yen.
    rates = fx.bundled_rates()[date(2026, 10, 14)]
    rate = (rates["JPY"] / rates["USD"]).quantize(Decimal("0.00000001"), ROUND_HALF_UP)
    yen = (Decimal("173.05") * rate).quantize(Decimal(1), ROUND_HALF_UP)
    assert (invoice.subtotal_usd, invoice.fx_rate, invoice.net_minor, invoice.total_minor) == (
        Decimal("173.05"),
        rate,
        int(yen),
        int(yen),
    )
    out = service.invoice_out(db, invoice).model_dump(mode="json")
    assert out["total"] == str(int(yen)) and "." not in out["net"] + out["tax"] + out["total"]
    text = pdf_text(db, invoice)
    assert f"Total (JPY) {int(yen):,} JPY" in text
    assert "rounded to cents" not in text and money.RULE[:40] in text.replace("\n", " ")
    # The minor units come from ISO 4217 itself: 0 for JPY and KRW, 2 for EUR, 3 for KWD.
    assert [money.minor_unit(c) for c in ("JPY", "KRW", "EUR", "USD", "KWD", "BHD")] == [0, 0, 2, 2, 3, 3]
    assert (
        money.fmt(Decimal("6846.74"), "JPY") == "6,847 JPY"
        and money.fmt(Decimal("1.2345"), "KWD") == "1.235 KWD"
    )


# --- 2. A late activation loses revenue -----------------------------------------------------------


def test_2_an_activation_reported_after_the_nightly_run_is_billed_on_a_supplementary_invoice(
    db: Session, settings: Settings, team: Team, client: TestClient
) -> None:
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00", price="2.4900")
    late = pending(db, team, "2026-10-14 23:50", price="2.4900")
    first = run(db, settings, "2026-10-14", "2026-10-15 00:10", **NO_GRACE)
    assert first.invoices_created == ["INV-2026-000001"]
    event(client, db, late, "instance.running", "2026-10-14 23:55")  # delivered at 00:15
    again = run(db, settings, "2026-10-14", "2026-10-15 00:20", **NO_GRACE)
    assert again.invoices_created == ["INV-2026-000002"]
    original, supplement = docs(db, team)
    assert supplement.kind == "invoice" and supplement.corrects_id == original.id
    assert supplement.memo.startswith("Supplementary invoice to INV-2026-000001")
    (line,) = supplement.lines
    # 23:55 to 24:00: 0.083333 h x 2.49 = 0.20749917 USD, rounded once: 0.21.
    assert (line.booking_id, line.hours, line.amount_usd) == (
        late.id,
        Decimal("0.083333"),
        Decimal("0.20749917"),
    )
    assert supplement.subtotal_usd == Decimal("0.21")
    assert "Refers to INV-2026-000001" in pdf_text(db, supplement)
    # Nothing more the third time.
    assert run(db, settings, "2026-10-14", "2026-10-15 00:30", **NO_GRACE).invoices_created == []


def test_2_within_the_grace_window_the_day_waits_for_the_activation(
    db: Session, settings: Settings, team: Team, client: TestClient
) -> None:
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00", price="2.4900")
    late = pending(db, team, "2026-10-14 23:50", price="2.4900")
    nightly = run(db, settings, "2026-10-14", "2026-10-15 00:10")
    assert nightly.invoices_created == [] and nightly.deferred[0]["tenant_id"] == team.tenant_id
    assert "wait for the provider's start event" in nightly.deferred[0]["reason"]
    assert db.execute(
        select(InvoiceSequence).where(InvoiceSequence.tenant_id == team.tenant_id)
    ).scalars().all() in (
        [],
        [db.execute(select(InvoiceSequence).where(InvoiceSequence.tenant_id == team.tenant_id)).scalar_one()],
    )
    event(client, db, late, "instance.running", "2026-10-14 23:55")
    morning = run(db, settings, "2026-10-14", "2026-10-15 06:10")
    (invoice,) = docs(db, team)
    assert morning.invoices_created == [invoice.number] == ["INV-2026-000001"]
    assert [line.hours for line in invoice.lines] == [Decimal("1"), Decimal("0.083333")]


# --- 3. A late termination overcharges ------------------------------------------------------------


def test_3_an_end_reported_after_the_day_was_billed_becomes_a_credit_note(
    db: Session, settings: Settings, team: Team, client: TestClient
) -> None:
    booking = pending(db, team, "2026-10-14 19:59", price="1.1000")
    event(client, db, booking, "instance.running", "2026-10-14 20:00")
    # The grace window passes with no end event: the day is billed to 24:00 (4 h).
    billed = run(db, settings, "2026-10-14", "2026-10-15 07:00")
    (invoice,) = docs(db, team)
    assert billed.invoices_created == ["INV-2026-000001"] and invoice.subtotal_usd == Decimal("4.40")
    event(client, db, booking, "instance.terminated", "2026-10-14 23:30")  # delivered the next morning
    corrected = run(db, settings, "2026-10-14", "2026-10-15 08:00")
    assert corrected.invoices_created == ["CN-2026-000001"]
    _, note = docs(db, team)
    assert (note.kind, note.corrects_id, note.subtotal_usd, note.total_minor) == (
        "credit_note",
        invoice.id,
        Decimal("0.55"),
        55,
    )
    (line,) = note.lines
    assert (line.hours, line.amount_usd) == (Decimal("0.5"), Decimal("0.55"))
    assert "4 h billed, 3.5 h used" in line.description
    # What stays billed is exactly the 3.5 h that ran.
    statement = statements.build(db, team.tenant_id, "2026-10")
    assert statement.invoiced_usd - statement.credited_usd == Decimal("3.85") == statement.usage_usd
    assert statement.not_invoiced_usd == 0
    text = pdf_text(db, note)
    assert "Credit note CN-2026-000001" in text and "Refers to INV-2026-000001" in text
    assert "Total credited (USD) 0.55 USD" in text


# --- 4. The transition log reproduces the invoice ----------------------------------------------------


def rebuild_from_log(db: Session, tenant_id: str) -> dict[tuple[str, date], Decimal]:
    """Usage per (booking, day) from ``booking_transitions`` alone (provider times) and the booking's
    price: an implementation of its own, not billing's metering."""
    from datetime import timedelta

    out: dict[tuple[str, date], Decimal] = {}
    for booking in db.execute(select(Booking).where(Booking.tenant_id == tenant_id)).scalars():
        moves = list(
            db.execute(
                select(BookingTransition)
                .where(BookingTransition.booking_id == booking.id)
                .order_by(BookingTransition.id)
            ).scalars()
        )
        start = end = None
        for t in moves:
            when = (
                t.occurred_at
                if t.occurred_at.tzinfo
                else t.occurred_at.replace(tzinfo=at("2026-01-01 00:00").tzinfo)
            )
            if t.to_state == "active" or (t.details or {}).get("correction"):
                start = when
            if t.from_state == "active" or (t.to_state == "cancelled" and end is None):
                end = when
        if start is None or end is None:
            continue
        cursor = start
        while cursor < end:
            stop = min(end, at(f"{cursor.date()} 00:00") + timedelta(days=1))
            micros = int((stop - cursor).total_seconds() * 1_000_000)
            hours = (Decimal(micros) / Decimal(3_600_000_000)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
            out[(booking.id, cursor.date())] = hours * booking.hourly_price
            cursor = stop
    return out


def billed_per_record(db: Session, tenant_id: str) -> dict[tuple[str, date], Decimal]:
    out: dict[tuple[str, date], Decimal] = {}
    for document in docs(db, Team(tenant_id, "")):
        if document.status == "void":
            continue
        sign = -1 if document.kind == "credit_note" else 1
        for line in document.lines:
            if line.usage_record_id is None:
                continue
            record = db.get(UsageRecord, line.usage_record_id)
            assert record is not None
            key = (record.booking_id, record.day)
            out[key] = out.get(key, Decimal(0)) + sign * line.amount_usd
    return {k: v for k, v in out.items() if v}


def test_4_every_invoice_is_rebuilt_from_the_transition_log(
    db: Session, settings: Settings, team: Team, client: TestClient
) -> None:
    early = pending(db, team, "2026-10-13 21:00", price="2.4900")
    event(client, db, early, "instance.running", "2026-10-13 21:59:25")  # processed 35 s "before" the old way
    crossed = pending(db, team, "2026-10-14 09:00", price="31.4640")
    event(client, db, crossed, "instance.terminated", "2026-10-14 11:00")  # arrives first: a cancel
    event(client, db, crossed, "instance.running", "2026-10-14 10:10")  # then the start: a correction
    run(db, settings, "2026-10-13", "2026-10-14 07:00")
    event(client, db, early, "instance.terminated", "2026-10-14 01:40")
    run(db, settings, "2026-10-14", "2026-10-15 07:00")
    run(db, settings, "2026-10-13", "2026-10-15 07:05")  # the correction run for the 13th
    transitions = (
        db.execute(select(BookingTransition).where(BookingTransition.booking_id.in_([early.id, crossed.id])))
        .scalars()
        .all()
    )
    # Each transition keeps the provider's time, apart from when we processed it.
    assert {t.occurred_at.replace(tzinfo=None) for t in transitions if t.to_state != "pending_provision"} >= {
        at("2026-10-13 21:59:25").replace(tzinfo=None),
        at("2026-10-14 01:40").replace(tzinfo=None),
        at("2026-10-14 10:10").replace(tzinfo=None),
    }
    assert rebuild_from_log(db, team.tenant_id) == billed_per_record(db, team.tenant_id)
    assert len(docs(db, team)) == 2  # one invoice per day, nothing to correct


# --- 5. Stale FX without a word -------------------------------------------------------------------


def test_5_a_stale_rate_blocks_the_invoice_and_a_fallback_is_stated(
    db: Session, settings: Settings, team: Team
) -> None:
    set_account(db, team, "EUR")
    add_booking(db, team, activated="2026-11-26 08:00", ended="2026-11-26 09:00")  # past the ECB data held
    out = run(db, settings, "2026-11-26", "2026-11-27 07:00")
    (error,) = out.errors
    assert (
        error["code"] == "fx_rate_stale"
        and "2026-10-30" in error["message"]
        and "27 days" in error["message"]
    )
    assert (
        docs(db, team) == []
        and not db.execute(
            select(InvoiceSequence.last_number).where(
                InvoiceSequence.tenant_id == team.tenant_id, InvoiceSequence.last_number > 0
            )
        ).first()
    )
    # A weekend day converts with Friday's rate, and the invoice and its PDF say so.
    add_booking(db, team, activated="2026-10-10 08:00", ended="2026-10-10 09:00")
    run(db, settings, "2026-10-10", "2026-10-11 07:00")
    (invoice,) = docs(db, team)
    assert invoice.fx_note == "ECB rate of Fri 2026-10-09; no rate published on Sat 2026-10-10"
    assert invoice.fx_note in pdf_text(db, invoice)
    assert service.invoice_out(db, invoice).fx_note == invoice.fx_note
    # The allowed age is a setting.
    widened = run(db, settings, "2026-11-26", "2026-11-27 07:10", fx_max_age_days=30)
    assert widened.errors == [] and docs(db, team)[-1].fx_note == (
        "ECB rate of Fri 2026-10-30; no rate published on Thu 2026-11-26"
    )


# --- 6. A currency switch rewrites history -------------------------------------------------------


def test_6_a_currency_switch_at_noon_applies_from_the_next_day(
    db: Session, settings: Settings, team: Team
) -> None:
    ctx = Ctx(settings=settings, source=Source())
    principal = Principal(team.user_id, team.tenant_id, "admin", "s", "a@example.com")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 16:00", price="2.4900")
    add_booking(db, team, activated="2026-10-15 08:00", ended="2026-10-15 09:00", price="2.4900")
    answer = billing_account.update_account(
        db, ctx, principal, BillingAccountIn(currency="JPY"), now=at("2026-10-14 12:00")
    )
    assert (answer.currency, answer.next_currency, answer.next_currency_from) == (
        "USD",
        "JPY",
        date(2026, 10, 15),
    )
    run(db, settings, "2026-10-14", "2026-10-15 07:00")
    run(db, settings, "2026-10-15", "2026-10-16 07:00")
    fourteenth, fifteenth = docs(db, team)
    assert (fourteenth.day, fourteenth.currency) == (date(2026, 10, 14), "USD")  # the morning too
    assert (fifteenth.day, fifteenth.currency) == (date(2026, 10, 15), "JPY")


# --- 7. Noise ------------------------------------------------------------------------------------


def test_7_a_half_second_booking_gets_no_invoice_and_uses_no_number(
    db: Session, settings: Settings, team: Team
) -> None:
    add_booking(db, team, activated="2026-10-14 08:00:00", ended="2026-10-14 08:00:00.500000")
    out = run(db, settings, "2026-10-14", "2026-10-15 07:00")
    assert out.invoices_created == [] and docs(db, team) == []
    # The usage stays on record and the statement says it was not invoiced.
    statement = statements.build(db, team.tenant_id, "2026-10")
    assert statement.usage_usd == statement.not_invoiced_usd == Decimal("0.000139") * Decimal("2.49")
    add_booking(db, team, activated="2026-10-15 08:00", ended="2026-10-15 09:00")
    assert run(db, settings, "2026-10-15", "2026-10-16 07:00").invoices_created == ["INV-2026-000001"]


def test_7_sub_cent_lines_are_summed_before_rounding(db: Session, settings: Settings, team: Team) -> None:
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:00", price="8.6330")  # 43.165
    for minute in range(4):
        start = f"2026-10-14 15:0{minute}:00"
        add_booking(db, team, activated=start, ended=f"2026-10-14 15:0{minute}:59.999999", price="0.2500")
    run(db, settings, "2026-10-14", "2026-10-15 07:00")
    (invoice,) = docs(db, team)
    lines = [line.amount_usd for line in invoice.lines]
    assert lines[0] == Decimal("43.165") and all(Decimal("0.004") < a < Decimal("0.005") for a in lines[1:])
    # Per line it would be 43.17 + 4 x 0.00; summed first, 43.181... rounds once to 43.18.
    assert invoice.subtotal_usd == Decimal("43.18") == money.round_money(sum(lines, Decimal(0)), "USD")
    assert money.RULE in service.invoice_out(db, invoice).rounding  # type: ignore[operator]


def test_7_the_number_year_is_the_issue_year(db: Session, settings: Settings, team: Team) -> None:
    add_booking(db, team, activated="2026-12-31 20:00", ended="2026-12-31 22:00")
    out = run(db, settings, "2026-12-31", "2027-01-01 07:00")
    (invoice,) = docs(db, team)
    # Numbers are per team: other teams billed by the same run (bookings left running by other tests'
    # served apps) have their own INV-2027-000001.
    assert invoice.number == "INV-2027-000001" and invoice.number in out.invoices_created
    assert invoice.day == date(2026, 12, 31)


# --- tax -----------------------------------------------------------------------------------------

SELLER = {
    "seller_name": "GPUBroker GmbH",
    "seller_address": "Invalidenstrasse 1, 10115 Berlin, Germany",
    "seller_country": "DE",
    "seller_tax_id": "DE136695976",
    "tax_rates": {"DE": Decimal("19"), "FR": Decimal("20")},
}


@pytest.mark.parametrize(
    ("country", "vat_id", "rate", "reverse", "note"),
    [
        ("FR", "FR40303265045", Decimal(0), True, "Reverse charge: VAT to be accounted for by the recipient"),
        ("DE", "DE136695976", Decimal(19), False, "VAT 19% (Germany)"),
        ("FR", None, Decimal(20), False, "VAT 20% (France)"),  # a consumer: French VAT
        ("US", None, Decimal(0), False, "No tax charged: no tax rate applies to United States"),
    ],
)
def test_tax_by_country_with_eu_reverse_charge(
    db: Session, settings: Settings, country: str, vat_id: str | None, rate: Decimal, reverse: bool, note: str
) -> None:
    team = new_team(db, settings, "Taxed team")
    set_account(db, team, "EUR", country=country, vat_id=vat_id)
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 18:00", price="31.4640")
    run(db, settings, "2026-10-14", "2026-10-15 07:00", **SELLER)
    (invoice,) = docs(db, team)
    net = money.from_minor(invoice.net_minor, "EUR")
    tax = (net * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert (invoice.tax_rate, invoice.reverse_charge, invoice.tax_minor) == (
        rate,
        reverse,
        money.to_minor(tax, "EUR"),
    )
    assert invoice.total_minor == invoice.net_minor + invoice.tax_minor
    assert invoice.tax_note.startswith(note)
    text = pdf_text(db, invoice).replace("\n", " ")
    assert "GPUBroker GmbH" in text and "VAT ID DE136695976" in text and "Invalidenstrasse 1" in text
    assert note in text
    assert ("Tax (reverse charge)" if reverse else f"Tax ({rate}%)") in text
    if reverse:
        assert f"Customer VAT ID {vat_id}, supplier VAT ID DE136695976" in invoice.tax_note
    assert repository.invoice(db, team.tenant_id, invoice.id) is invoice
