"""Invoicing: one invoice per tenant per closed day, totals in USD and in the tenant's currency with
the ECB rate of that day, gapless numbers per tenant, and idempotent runs, also two at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from currency_converter import CurrencyConverter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accounts.models import Tenant, User
from billing import fx, invoicing, metering, service
from billing.errors import DayNotClosed
from billing.models import CurrencyPeriod, FxRate, Invoice, InvoiceLine, InvoiceSequence, UsageRecord
from booking.models import Booking
from core.db import make_session_factory, session_scope
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, at, new_team, set_account

CENTS = Decimal("0.01")


def bill(db: Session, settings: Settings, day: date, tenant_id: str | None = None) -> Any:
    return service.run_day(db, settings, day, tenant_id=tenant_id)


def test_an_eur_invoice_converts_with_the_ecb_rate_of_its_day(
    db: Session, settings: Settings, team: Team
) -> None:
    set_account(db, team, "EUR", "finance@example.com")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 13:30", price="2.4900")  # 5.5 h
    add_booking(
        db,
        team,
        activated="2026-10-13 20:00",
        ended="2026-10-14 03:00",
        price="31.4640",
        provider="aws",
        offer_name="p5.48xlarge",
        gpu_type="H100",
        gpu_count=8,
        region="eu-west-1",
    )
    out = bill(db, settings, date(2026, 10, 14), team.tenant_id)
    assert out.invoices_created == ["INV-2026-000001"] and out.errors == []
    invoice = db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalar_one()

    # Lines kept exact: 3 h x 31.464 = 94.392, 5.5 h x 2.49 = 13.695; rounded once: 108.087 -> 108.09.
    assert [(line.hours, line.amount_usd) for line in invoice.lines] == [
        (Decimal("3"), Decimal("94.392")),
        (Decimal("5.5"), Decimal("13.695")),
    ]
    assert invoice.lines[0].description == "aws p5.48xlarge (8x H100, eu-west-1): 3 h x 31.464 USD/h"
    assert invoice.subtotal_usd == Decimal("108.09")

    ecb = CurrencyConverter(decimal=True, fallback_on_missing_rate=False, fallback_on_wrong_date=False)
    eur_usd = Decimal(str(ecb.convert(1, "EUR", "USD", date(2026, 10, 14))))
    rate = (Decimal(1) / eur_usd).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    assert invoice.currency == "EUR"
    assert (invoice.fx_rate, invoice.fx_rate_date) == (rate, date(2026, 10, 14))
    assert (
        invoice.net_minor
        == invoice.total_minor
        == int((invoice.subtotal_usd * rate).quantize(CENTS, rounding=ROUND_HALF_UP) * 100)
    )
    assert invoice.fx_source.startswith(fx.bundled_source()) and invoice.fx_note is None
    assert (invoice.bill_to_name, invoice.bill_to_email) == ("Billing team", "finance@example.com")
    assert (metering.utc(invoice.period_start), metering.utc(invoice.period_end)) == (
        at("2026-10-14 00:00"),
        at("2026-10-15 00:00"),
    )


def test_a_weekend_invoice_says_which_days_rate_it_used(db: Session, settings: Settings, team: Team) -> None:
    set_account(db, team, "GBP")
    add_booking(db, team, activated="2026-10-11 09:00", ended="2026-10-11 10:00", price="10.0000")  # Sunday
    bill(db, settings, date(2026, 10, 11), team.tenant_id)
    invoice = db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalar_one()
    assert invoice.fx_rate_date == date(2026, 10, 9)  # the Friday before
    assert invoice.fx_note == "ECB rate of Fri 2026-10-09; no rate published on Sun 2026-10-11"
    history = fx.bundled_rates()[date(2026, 10, 9)]
    assert invoice.fx_rate == (history["GBP"] / history["USD"]).quantize(Decimal("0.00000001"), ROUND_HALF_UP)
    assert invoice.total_minor == int(
        (Decimal("10.00") * invoice.fx_rate).quantize(CENTS, ROUND_HALF_UP) * 100
    )


def test_usd_tenants_need_no_conversion(db: Session, settings: Settings, team: Team) -> None:
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00", price="1.2345")
    bill(db, settings, date(2026, 10, 14), team.tenant_id)
    invoice = db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalar_one()
    assert (invoice.currency, invoice.fx_rate, invoice.subtotal_usd, invoice.total_minor) == (
        "USD",
        Decimal(1),
        Decimal("1.23"),
        123,
    )


def test_numbers_are_sequential_per_tenant_and_runs_are_idempotent(
    db: Session, settings: Settings, team: Team
) -> None:
    other = new_team(db, settings, "Other team")
    for day in (12, 13, 14):
        add_booking(db, team, activated=f"2026-10-{day} 08:00", ended=f"2026-10-{day} 09:00")
    add_booking(db, other, activated="2026-10-13 08:00", ended="2026-10-13 09:00")
    for day in (12, 13, 14):
        bill(db, settings, date(2026, 10, day))
    again = bill(db, settings, date(2026, 10, 13))
    assert again.invoices_created == [] and len(again.invoices_existing) == 2
    numbers = db.execute(
        select(Invoice.day, Invoice.number).where(Invoice.tenant_id == team.tenant_id).order_by(Invoice.day)
    ).all()
    assert [n for _, n in numbers] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    # The other team's numbering is its own.
    assert db.execute(select(Invoice.number).where(Invoice.tenant_id == other.tenant_id)).scalar_one() == (
        "INV-2026-000001"
    )


def test_a_day_without_usage_gets_no_invoice(db: Session, settings: Settings, team: Team) -> None:
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    out = bill(db, settings, date(2026, 10, 15), team.tenant_id)
    assert out.invoices_created == []
    outcome = invoicing.bill(db, settings, team.tenant_id, invoicing.period_of(date(2026, 10, 16), "daily"))
    assert outcome.created == [] and outcome.existing == []


def test_a_day_is_billed_only_once_it_has_ended(db: Session, settings: Settings) -> None:
    with pytest.raises(DayNotClosed):
        service.run_day(db, settings, date(2026, 10, 14), now=at("2026-10-14 23:59"))
    out = service.run_day(db, settings, date(2026, 10, 14), now=at("2026-10-15 00:00"))
    assert out.day == date(2026, 10, 14)


def test_a_tenant_without_a_rate_is_reported_and_the_others_invoiced(
    db: Session, settings: Settings, team: Team
) -> None:
    stuck = new_team(db, settings, "Old currency team")
    set_account(db, stuck, "RUB")  # set behind the API's back: the ECB stopped quoting it
    add_booking(db, stuck, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    add_booking(db, team, activated="2026-10-14 08:00", ended="2026-10-14 09:00")
    out = bill(db, settings, date(2026, 10, 14))
    assert [e["tenant_id"] for e in out.errors] == [stuck.tenant_id]
    assert out.errors[0]["code"] == "fx_rate_unavailable"
    assert db.execute(select(Invoice).where(Invoice.tenant_id == stuck.tenant_id)).first() is None
    assert db.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalar_one().number == (
        "INV-2026-000001"
    )
    # Nothing was numbered for the stuck tenant: its first invoice will still be 000001.
    assert db.execute(
        select(InvoiceSequence.last_number).where(InvoiceSequence.tenant_id == stuck.tenant_id)
    ).scalar_one_or_none() in (None, 0)


def test_two_concurrent_runs_issue_one_invoice(engine: Any, settings: Settings) -> None:
    """Two billing runs of the same day at the same moment, each on its own connection and committing:
    one issues the invoice, the other finds it; one number, no gap. Data is committed, so it is removed
    at the end."""
    factory = make_session_factory(engine)
    day = date(2026, 10, 20)
    with session_scope(factory) as session:
        team = new_team(session, settings, "Concurrent team")
        set_account(session, team, "EUR")
        for hour in (1, 5, 9):
            add_booking(
                session, team, activated=f"2026-10-20 {hour:02d}:00", ended=f"2026-10-20 {hour + 2:02d}:30"
            )
    fx_before = _fx_ids(factory)
    barrier = threading.Barrier(2)
    results: list[Any] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(service.run_billing(factory, settings, day, tenant_id=team.tenant_id))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert failures == []
        created = sorted(n for r in results for n in r.invoices_created)
        existing = sorted(n for r in results for n in r.invoices_existing)
        assert created == ["INV-2026-000001"]
        assert existing in ([], ["INV-2026-000001"])
        with session_scope(factory) as session:
            invoices = (
                session.execute(select(Invoice).where(Invoice.tenant_id == team.tenant_id)).scalars().all()
            )
            assert [i.number for i in invoices] == ["INV-2026-000001"]
            assert len(invoices[0].lines) == 3
            # Three lines of 2.5 h x 2.49 = 6.225 each, rounded once: 18.675 -> 18.68.
            assert invoices[0].subtotal_usd == Decimal("18.68")
    finally:
        _cleanup(factory, team, fx_before)


def _fx_ids(factory: Any) -> set[int]:
    with session_scope(factory) as session:
        return set(session.execute(select(FxRate.id)).scalars())


def _cleanup(factory: Any, team: Team, fx_before: set[int]) -> None:
    with session_scope(factory) as session:
        invoice_ids = select(Invoice.id).where(Invoice.tenant_id == team.tenant_id)
        session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(invoice_ids)))
        session.execute(delete(Invoice).where(Invoice.tenant_id == team.tenant_id))
        session.execute(delete(InvoiceSequence).where(InvoiceSequence.tenant_id == team.tenant_id))
        session.execute(delete(CurrencyPeriod).where(CurrencyPeriod.tenant_id == team.tenant_id))
        session.execute(delete(UsageRecord).where(UsageRecord.tenant_id == team.tenant_id))
        session.execute(delete(Booking).where(Booking.tenant_id == team.tenant_id))
        from billing.models import BillingAccount

        session.execute(delete(BillingAccount).where(BillingAccount.tenant_id == team.tenant_id))
        session.execute(delete(FxRate).where(FxRate.id.not_in(fx_before)))
        session.execute(delete(User).where(User.tenant_id == team.tenant_id))
        session.execute(delete(Tenant).where(Tenant.id == team.tenant_id))
