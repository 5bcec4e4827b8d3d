"""Fixtures of the KPI tests: two teams with bookings, usage and invoices of known figures, and offer
price history with known medians, inserted as rows inside the test's rolled-back transaction (on both
backends through the shared ``backend`` fixture).

Rows rather than the booking flow: the KPIs are about *when* things happened, and a booking driven
through the provider is submitted and activated "now". The rows are what ``booking.service`` and
``billing.metering`` write. ``SEEDED`` lists the answers a person worked out by hand from these rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import crypto
from accounts import service as accounts
from accounts.models import Role
from billing.models import Invoice, UsageRecord
from booking.models import Booking
from catalog.models import Offer, PriceHistory
from core.settings import Settings

PASSWORD = "correct horse battery staple"
START, END = date(2026, 10, 1), date(2026, 10, 7)
PRICE_DAY = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def at(text: str) -> datetime:
    """``"2026-10-01 09:00:40.5"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Team:
    tenant_id: str
    user_id: str
    email: str


def new_team(session: Session, settings: Settings, name: str, role: Role = Role.ADMIN) -> Team:
    tenant = accounts.new_tenant(session, settings, name)
    email = f"kpi-{uuid.uuid4().hex[:10]}@example.com"
    user = accounts.new_user(session, tenant, email, role, PASSWORD, name)
    session.flush()
    return Team(tenant.id, user.id, email)


def add_user(session: Session, team: Team, role: Role) -> str:
    from accounts.models import Tenant

    tenant = session.get(Tenant, team.tenant_id)
    assert tenant is not None
    email = f"kpi-{role.value}-{uuid.uuid4().hex[:8]}@example.com"
    accounts.new_user(session, tenant, email, role, PASSWORD, None)
    session.flush()
    return email


def add_booking(
    session: Session,
    team: Team,
    *,
    state: str,
    created: str,
    submitted: str | None = None,
    activated: str | None = None,
    ended: str | None = None,
    provider: str = "lambda",
    gpu_type: str = "H100",
    gpu_count: int = 1,
    price: str = "2.4900",
    currency: str = "USD",
    offer_id: str | None = None,
) -> Booking:
    times = {k: at(v) if v else None for k, v in (("s", submitted), ("a", activated), ("e", ended))}
    created_at = at(created)
    booking = Booking(
        id=str(uuid.uuid4()),
        tenant_id=team.tenant_id,
        user_id=team.user_id,
        offer_id=offer_id,
        provider_id=provider,
        offer_name=f"{gpu_count}x {gpu_type}",
        gpu_type=gpu_type,
        gpu_count=gpu_count,
        region="us-east-1",
        hourly_price=Decimal(price),
        currency=currency,
        hours=24.0,
        state=state,
        version=1,
        created_at=created_at,
        updated_at=times["e"] or times["a"] or times["s"] or created_at,
        submitted_at=times["s"],
        activated_at=times["a"],
        ended_at=times["e"],
    )
    session.add(booking)
    session.flush()
    return booking


def add_usage(
    session: Session, booking: Booking, day: str, hours: str, amount: str, currency: str = "USD"
) -> UsageRecord:
    d = date.fromisoformat(day)
    record = UsageRecord(
        id=str(uuid.uuid4()),
        booking_id=booking.id,
        tenant_id=booking.tenant_id,
        day=d,
        started_at=at(f"{day} 00:00"),
        ended_at=at(f"{day} 23:59"),
        hours=Decimal(hours),
        unit_price=booking.hourly_price,
        amount=Decimal(amount),
        currency=currency,
        final=True,
        metered_at=at(f"{day} 23:59:59"),
    )
    session.add(record)
    session.flush()
    return record


def add_invoice(session: Session, team: Team, day: str, subtotal: str, status: str = "open") -> Invoice:
    d = date.fromisoformat(day)
    invoice = Invoice(
        id=str(uuid.uuid4()),
        tenant_id=team.tenant_id,
        number=f"INV-{uuid.uuid4().hex[:10]}",
        day=d,
        period_start=at(f"{day} 00:00"),
        period_end=at(f"{day} 23:59:59"),
        status=status,
        bill_to_name="Team",
        bill_to_email=None,
        subtotal_usd=Decimal(subtotal),
        currency="USD",
        fx_rate=Decimal("1"),
        fx_rate_date=d,
        fx_source="test",
        period_key=f"{day}#1",
        seller_name="GPUBroker",
        net_minor=int(Decimal(subtotal) * 100),
        tax_minor=0,
        total_minor=int(Decimal(subtotal) * 100),
        tax_rate=Decimal(0),
        tax_note="none",
        issued_at=at(f"{day} 01:00"),
        due_date=d,
        payment_terms="Net 14 days",
    )
    session.add(invoice)
    session.flush()
    return invoice


def offers_of(session: Session, n: int) -> list[Offer]:
    return list(session.execute(select(Offer).order_by(Offer.id).limit(n)).scalars())


def seed_team(session: Session, team: Team, a100_offer: Offer) -> None:
    """Team A's week, 2026-10-01 to 2026-10-07 (figures in SEEDED)."""
    b1 = add_booking(
        session,
        team,
        state="completed",
        created="2026-10-01 09:00",
        submitted="2026-10-01 09:00:10",
        activated="2026-10-01 09:00:40",
        ended="2026-10-01 15:00",
    )
    # Booked from a catalog offer whose GPU is listed as e.g. "A100-80GB": its family is the offer's.
    b2 = add_booking(
        session,
        team,
        state="active",
        created="2026-10-02 10:00",
        submitted="2026-10-02 10:00",
        activated="2026-10-02 10:01:30",
        provider="aws",
        gpu_type=a100_offer.gpu_type,
        gpu_count=8,
        price="31.4640",
        offer_id=a100_offer.id,
    )
    add_booking(
        session,
        team,
        state="failed",
        created="2026-10-02 11:00",
        submitted="2026-10-02 11:00",
        ended="2026-10-02 11:05",
        provider="runpod",
        gpu_type="RTX4090",
    )
    add_booking(session, team, state="draft", created="2026-10-03 08:00")
    b5 = add_booking(
        session,
        team,
        state="completed",
        created="2026-10-03 09:00",
        submitted="2026-10-03 09:00",
        activated="2026-10-03 09:02",
        ended="2026-10-04 09:00",
        gpu_count=2,
    )
    add_booking(
        session,
        team,
        state="cancelled",
        created="2026-10-04 12:00",
        submitted="2026-10-04 12:00",
        ended="2026-10-04 12:01",
    )
    # Created and started before the range; only its completion falls inside.
    b7 = add_booking(
        session,
        team,
        state="completed",
        created="2026-09-25 08:00",
        submitted="2026-09-25 08:00",
        activated="2026-09-25 08:01",
        ended="2026-10-01 01:00",
    )
    add_booking(session, team, state="draft", created="2026-10-07 23:59:59.5")
    add_booking(session, team, state="draft", created="2026-10-08 00:00")  # the day after the range
    b10 = add_booking(
        session,
        team,
        state="completed",
        created="2026-10-05 10:00",
        submitted="2026-10-05 10:00",
        activated="2026-10-05 10:01:00.5",
        ended="2026-10-05 12:00",
        provider="vast",
        gpu_type="L40S",
        gpu_count=4,
        price="1.0000",
    )
    # Billed in euros: its GPU-hours count, its amount is not US dollars and stays out of revenue.
    b11 = add_booking(
        session,
        team,
        state="active",
        created="2026-09-20 08:00",
        submitted="2026-09-20 08:00",
        activated="2026-09-20 08:01",
        provider="scaleway",
        gpu_type="L4",
        price="1.5000",
        currency="EUR",
    )
    add_usage(session, b1, "2026-10-01", "6.000000", "14.94")
    add_usage(session, b2, "2026-10-02", "14.000000", "440.50")
    add_usage(session, b2, "2026-10-03", "24.000000", "755.14")
    add_usage(session, b5, "2026-10-03", "14.966667", "37.27")
    add_usage(session, b5, "2026-10-04", "9.000000", "22.41")
    add_usage(session, b10, "2026-10-05", "1.991667", "1.99")
    add_usage(session, b7, "2026-09-30", "24.000000", "59.76")  # before the range
    add_usage(session, b11, "2026-10-06", "2.000000", "3.00", currency="EUR")
    add_invoice(session, team, "2026-10-01", "14.94")
    add_invoice(session, team, "2026-10-03", "792.41")
    add_invoice(session, team, "2026-10-02", "440.50", status="void")
    add_invoice(session, team, "2026-10-09", "3.00")  # after the range


def seed_other_team(session: Session, team: Team) -> None:
    """Team B: busy in the same week; none of it may show in team A's figures."""
    for i in range(3):
        b = add_booking(
            session,
            team,
            state="active",
            created=f"2026-10-0{i + 2} 09:00",
            submitted=f"2026-10-0{i + 2} 09:00",
            activated=f"2026-10-0{i + 2} 09:10",
            provider="aws",
            gpu_type="H200",
            gpu_count=8,
            price="50.0000",
        )
        add_usage(session, b, f"2026-10-0{i + 2}", "10.000000", "500.00")
    add_booking(
        session,
        team,
        state="failed",
        created="2026-10-03 10:00",
        submitted="2026-10-03 10:00",
        ended="2026-10-03 10:30",
    )
    add_invoice(session, team, "2026-10-02", "500.00")


def seed_prices(session: Session) -> None:
    """Offer price history around 2026-03-31 for two test families (answers in PRICES)."""
    o1, o2, o3, o4, o5, o6 = offers_of(session, 6)

    def row(offer: Offer, when: str, price: str, family: str, spot: bool = False) -> None:
        session.add(
            PriceHistory(
                offer_id=offer.id,
                provider=offer.provider,
                gpu_family=family,
                gpu_variant=None,
                gpu_count=1,
                market=None,
                region=offer.region,
                spot=spot,
                price_per_hour=Decimal(price),
                price_per_gpu_hour=Decimal(price),
                currency="USD",
                observed_at=at(when),
                source="test",
            )
        )

    row(o1, "2026-02-20 12:00", "1.000000", "ZX1")
    row(o1, "2026-03-20 12:00", "1.200000", "ZX1")
    row(o1, "2026-03-31 23:00", "1.500000", "ZX1")
    row(o1, "2026-04-01 00:00", "9.990000", "ZX1")  # after the day
    row(o2, "2026-02-25 12:00", "2.000000", "ZX1")
    row(o2, "2026-03-31 10:00", "2.100000", "ZX1")
    row(o2, "2026-03-31 18:00", "2.200000", "ZX1")  # the day's last price wins
    row(o3, "2026-03-25 08:00", "3.000000", "ZX1")
    row(o4, "2026-03-30 08:00", "0.500000", "ZX2", spot=True)  # spot: not counted
    row(o5, "2026-03-30 08:00", "0.333333", "ZX2")
    row(o6, "2026-03-30 09:00", "0.333334", "ZX2")
    session.flush()


SEEDED: dict[str, Any] = {
    "totals": {"created": 8, "submitted": 6, "activated": 4, "completed": 4, "failed": 1, "cancelled": 1},
    "success_rate": 0.6667,
    "submitted_cohort": 6,
    "activated_of_submitted": 4,
    # 30 s, 60.5 s, 90 s, 120 s: the median interpolates the middle two
    "median_time_to_active_s": 75.25,
    "gpu_hours": "367.900002",
    "revenue_usd": "1272.25",
    "active_now": 2,
    "invoices_issued": 2,
    "invoices_total_usd": "807.35",
    "days": {
        "2026-10-01": {
            "created": 1,
            "submitted": 1,
            "activated": 1,
            "completed": 2,
            "gpu_hours": "6.000000",
            "revenue_usd": "14.94",
        },
        "2026-10-02": {
            "created": 2,
            "submitted": 2,
            "activated": 1,
            "failed": 1,
            "gpu_hours": "112.000000",
            "revenue_usd": "440.50",
        },
        "2026-10-03": {
            "created": 2,
            "submitted": 1,
            "activated": 1,
            "gpu_hours": "221.933334",
            "revenue_usd": "792.41",
        },
        "2026-10-04": {
            "created": 1,
            "submitted": 1,
            "completed": 1,
            "cancelled": 1,
            "gpu_hours": "18.000000",
            "revenue_usd": "22.41",
        },
        "2026-10-05": {
            "created": 1,
            "submitted": 1,
            "activated": 1,
            "completed": 1,
            "gpu_hours": "7.966668",
            "revenue_usd": "1.99",
        },
        "2026-10-06": {"gpu_hours": "2.000000", "revenue_usd": "0.00"},
        "2026-10-07": {"created": 1},
    },
    "top_gpu_families": [
        ("A100", "304.000000", "1195.64", 1),
        ("H100", "53.933334", "74.62", 2),
        ("L40S", "7.966668", "1.99", 1),
        ("L4", "2.000000", "0.00", 1),
    ],
    "top_providers": [
        ("aws", "304.000000", "1195.64", 1),
        ("lambda", "53.933334", "74.62", 2),
        ("vast", "7.966668", "1.99", 1),
        ("scaleway", "2.000000", "0.00", 1),
    ],
}
PRICES: dict[str, dict[str, Any]] = {
    "ZX1": {
        "offers": 3,
        "today": "2.2000",
        "days_7": "1.6000",
        "days_30": "1.5000",
        "change_7d_pct": 37.5,
        "change_30d_pct": 46.7,
    },
    "ZX2": {
        "offers": 2,
        "today": "0.3333",
        "days_7": None,
        "days_30": None,
        "change_7d_pct": None,
        "change_30d_pct": None,
    },
}


@dataclass
class Seeded:
    team: Team
    other: Team


def a100_offer(session: Session) -> Offer:
    offer = session.execute(
        select(Offer).where(Offer.gpu_family == "A100", Offer.gpu_type != "A100").order_by(Offer.id).limit(1)
    ).scalar_one()
    return offer


@pytest.fixture
def seeded(db: Session, settings: Settings) -> Seeded:
    team = new_team(db, settings, "Acme ML")
    other = new_team(db, settings, "Other team")
    seed_team(db, team, a100_offer(db))
    seed_other_team(db, other)
    seed_prices(db)
    db.commit()
    return Seeded(team, other)


def assert_seeded(report: Any) -> None:
    """``report`` (a KpiReport or its JSON) holds exactly the figures of SEEDED for team A."""
    data = report if isinstance(report, dict) else report.model_dump(mode="json")
    assert data["start"] == START.isoformat() and data["end"] == END.isoformat()
    for key in (
        "totals",
        "success_rate",
        "submitted_cohort",
        "activated_of_submitted",
        "median_time_to_active_s",
        "gpu_hours",
        "revenue_usd",
        "active_now",
        "invoices_issued",
        "invoices_total_usd",
    ):
        assert data[key] == SEEDED[key], key
    assert [d["day"] for d in data["days"]] == [f"2026-10-0{i}" for i in range(1, 8)]
    for d in data["days"]:
        want = {
            "created": 0,
            "submitted": 0,
            "activated": 0,
            "completed": 0,
            "failed": 0,
            "cancelled": 0,
            "gpu_hours": "0.000000",
            "revenue_usd": "0.00",
            **SEEDED["days"][d["day"]],
        }
        assert {k: d[k] for k in want} == want, d["day"]
    for key in ("top_gpu_families", "top_providers"):
        got = [(r["name"], r["gpu_hours"], r["revenue_usd"], r["bookings"]) for r in data[key]]
        assert got == SEEDED[key], key
