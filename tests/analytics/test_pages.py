"""The KPI dashboard (/admin/kpis) as a user sees it: sign-in and role rules, the empty state of a new
team, the figure cards, charts and tables of a seeded week, a bad range (422), the links to it. Then one
pass in Debian's Chromium, with JavaScript off, whose screenshots land in var/screenshots/kpis.png,
kpis-empty.png and kpis-dark.png for a person to look at."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Role
from catalog.models import Offer, PriceHistory
from core.settings import Settings
from tests.analytics.conftest import (
    END,
    PASSWORD,
    START,
    Team,
    a100_offer,
    add_booking,
    add_invoice,
    add_usage,
    add_user,
    new_team,
    seed_other_team,
    seed_team,
)
from tests.support import serve, use_page_token
from tests.web.dom import parse

RANGE = f"/admin/kpis?start={START.isoformat()}&end={END.isoformat()}"


def sign_in(client: TestClient, email: str) -> None:
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/admin/kpis"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    use_page_token(client)


def team_signed_in(client: TestClient, db: Session, settings: Settings, role: Role = Role.ADMIN) -> Team:
    team = new_team(db, settings, "Acme ML")
    email = team.email if role is Role.ADMIN else add_user(db, team, role)
    db.commit()
    sign_in(client, email)
    return team


def test_the_page_needs_a_sign_in_and_tenant_read(
    client: TestClient, db: Session, settings: Settings
) -> None:
    r = client.get("/admin/kpis", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/admin/kpis"
    team_signed_in(client, db, settings, Role.USER)
    r = client.get("/admin/kpis")
    assert r.status_code == 403
    assert "cannot see the team's KPIs" in parse(r.text).find("p", cls="notice-error").text()


def test_a_new_team_sees_the_empty_state_and_the_catalog(
    client: TestClient, db: Session, settings: Settings
) -> None:
    team_signed_in(client, db, settings)
    doc = parse(client.get("/admin/kpis").text)
    assert doc.find("h1").text() == "KPIs"
    assert doc.find("div", data_empty="team").find("h3").text() == "No bookings yet"
    assert not doc.find_all("svg", data_chart="bookings")
    catalog = doc.find("section", data_section="catalog")
    assert (
        int(catalog.find("li", data_kpi="offers").find("span", cls="kpi-value").text().replace(",", ""))
        > 1000
    )
    assert catalog.find("svg", data_chart="prices")
    assert catalog.find("table", cls="kpi-offers").find("tr", data_provider="aws")
    # The form shows the default range: the last 30 days.
    start = date.fromisoformat(doc.find("input", name="start").get("value") or "")
    end = date.fromisoformat(doc.find("input", name="end").get("value") or "")
    assert (end - start).days == 29


def test_a_seeded_week_shows_its_figures_and_charts(
    client: TestClient, db: Session, settings: Settings
) -> None:
    team = team_signed_in(client, db, settings)
    seed_team(db, team, a100_offer(db))
    seed_other_team(db, new_team(db, settings, "Other"))
    db.commit()
    doc = parse(client.get(RANGE).text)

    def card(name: str) -> str:
        return doc.find("li", data_kpi=name).find("span", cls="kpi-value").text()

    assert card("created") == "8"
    assert card("success") == "67%"
    assert card("time-to-active") == "1 min 15 s"
    assert card("gpu-hours") == "367.9"
    assert card("revenue") == "$1,272.25"
    assert card("active-now") == "2"
    assert card("invoices") == "2"
    bookings = doc.find("svg", data_chart="bookings")
    # One bar per day and series with bookings: created on 6 days, became active on 4, failed on 1.
    assert len(bookings.find_all("rect")) == 11
    assert "8 created" in (bookings.get("aria-label") or "")
    assert len(doc.find("svg", data_chart="revenue").find_all("rect")) == 5  # days with USD usage
    families = [
        t.text() for t in doc.find("svg", data_chart="families").find_all("text", cls="kpi-hbar-label")
    ]
    assert families == ["A100", "H100", "L40S", "L4"]
    providers = doc.find("table", cls="kpi-table").find("tbody").find_all("tr")
    assert [r.get("data-provider") for r in providers] == ["aws", "lambda", "vast", "scaleway"]
    days = doc.find("table", cls="kpi-days").find("tbody").find_all("tr")
    assert len(days) == 7 and days[2].find("th").text() == "2026-10-03"
    assert days[2].find_all("td")[-1].text() == "792.41"


def test_a_bad_range_is_a_422_with_the_form_kept(client: TestClient, db: Session, settings: Settings) -> None:
    team_signed_in(client, db, settings)
    r = client.get("/admin/kpis?start=2026-10-07&end=2026-10-01")
    assert r.status_code == 422
    doc = parse(r.text)
    assert "end (2026-10-01) is before start (2026-10-07)" in doc.find("p", cls="notice-error").text()
    assert doc.find("input", name="start").get("value") == "2026-10-07"
    r = client.get("/admin/kpis?start=someday")
    assert r.status_code == 422 and "start: not a date" in parse(r.text).find("p", cls="notice-error").text()


def test_the_admin_page_and_the_navigation_link_to_it(
    client: TestClient, db: Session, settings: Settings
) -> None:
    team_signed_in(client, db, settings)
    admin = parse(client.get("/admin").text)
    assert admin.find("main").find("a", href="/admin/kpis").text() == "KPI dashboard"
    nav = parse(client.get("/admin/kpis").text).find("nav", cls="site-nav")
    link = nav.find("a", href="/admin/kpis")
    assert link.text() == "KPIs" and link.get("aria-current") == "page"


# --- in a real browser -----------------------------------------------------------------------------


def seed_recent(session: Session, team: Team) -> None:
    """A month of a busy team's bookings up to today, and offer prices 30 and 7 days back, for the
    screenshots (random but the same every run)."""
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    offers = list(
        session.execute(
            select(Offer)
            .where(Offer.spot.is_(False), Offer.gpu_family.in_(("H100", "A100", "L40S", "H200", "RTX4090")))
            .order_by(Offer.id)
        ).scalars()
    )
    for i in range(60):
        offer = rng.choice(offers)
        created = now - timedelta(days=rng.uniform(0, 29.5))
        fmt = "%Y-%m-%d %H:%M:%S"
        submitted = created + timedelta(seconds=rng.uniform(5, 120))
        fate = rng.random()
        if fate < 0.1:
            add_booking(
                session,
                team,
                state="draft",
                created=created.strftime(fmt),
                provider=offer.provider,
                gpu_type=offer.gpu_type,
                offer_id=offer.id,
            )
            continue
        if fate < 0.2:
            add_booking(
                session,
                team,
                state="failed",
                created=created.strftime(fmt),
                submitted=submitted.strftime(fmt),
                ended=(submitted + timedelta(minutes=3)).strftime(fmt),
                provider=offer.provider,
                gpu_type=offer.gpu_type,
                offer_id=offer.id,
            )
            continue
        activated = submitted + timedelta(seconds=rng.uniform(20, 240))
        hours = rng.choice((1, 2, 4, 8, 12, 24))
        ended = activated + timedelta(hours=hours)
        if i < 3:  # a few still running now
            created, submitted = (
                now - timedelta(hours=i + 1),
                now - timedelta(hours=i + 1) + timedelta(seconds=30),
            )
            activated, ended = submitted + timedelta(seconds=50), now + timedelta(hours=20)
        running = ended > now
        booking = add_booking(
            session,
            team,
            state="active" if running else "completed",
            created=created.strftime(fmt),
            submitted=submitted.strftime(fmt),
            activated=activated.strftime(fmt),
            ended=None if running else ended.strftime(fmt),
            provider=offer.provider,
            gpu_type=offer.gpu_type,
            gpu_count=offer.gpu_count,
            price=str(offer.price_per_hour),
            offer_id=offer.id,
        )
        day = activated.date()
        used = Decimal(str(min(hours, 24 - activated.hour - activated.minute / 60))).quantize(
            Decimal("0.000001")
        )
        add_usage(
            session,
            booking,
            day.isoformat(),
            str(used),
            str((used * offer.price_per_hour).quantize(Decimal("0.01"))),
        )
    for back in (3, 2, 1):
        add_invoice(
            session, team, (now.date() - timedelta(days=back)).isoformat(), f"{rng.uniform(50, 400):.2f}"
        )
    # Every offer of those families listed 12% dearer 30 days ago and 5% dearer a week ago.
    for offer in offers:
        for back, drift in ((30, 1.12), (7, 1.05)):
            session.add(
                PriceHistory(
                    offer_id=offer.id,
                    provider=offer.provider,
                    gpu_family=offer.gpu_family,
                    gpu_variant=None,
                    gpu_count=offer.gpu_count,
                    market=None,
                    region=offer.region,
                    spot=False,
                    price_per_hour=offer.price_per_hour * Decimal(str(drift)),
                    price_per_gpu_hour=(offer.price_per_gpu_hour * Decimal(str(drift))).quantize(
                        Decimal("0.000001")
                    ),
                    currency="USD",
                    observed_at=now - timedelta(days=back),
                    source="test",
                )
            )
    session.flush()


@pytest.fixture
def live_app(app: Any) -> Iterator[str]:
    """The test's app (its sessions inside the test's transaction) under uvicorn."""
    with serve(app) as url:
        yield url


def test_the_dashboard_in_a_browser(
    browser: Any, live_app: str, db: Session, settings: Settings, app: Any, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    team = new_team(db, settings, "Acme ML")
    db.commit()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_app}/admin/kpis")
    page.wait_for_url("**/login?next=/admin/kpis")
    page.get_by_label("Email", exact=True).fill(team.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_app}/admin/kpis")
    expect(page.get_by_role("heading", name="No bookings yet")).to_be_visible()
    page.screenshot(path=str(screenshots / "kpis-empty.png"), full_page=True)

    seed_recent(db, team)
    db.commit()
    app.state.cache.clear()
    page.get_by_role("link", name="Last 30 days").click()
    expect(page.locator("svg[data-chart=bookings]")).to_be_visible()
    expect(page.locator("svg[data-chart=revenue]")).to_be_visible()
    expect(page.locator("svg[data-chart=families]")).to_be_visible()
    expect(page.locator("svg[data-chart=prices] .kpi-line")).not_to_have_count(0)
    # Without script the per-day table is one click away in a <details>.
    page.get_by_text("The figures per day").click()
    expect(page.locator("table.kpi-days tbody tr")).to_have_count(30)
    page.get_by_text("The figures per day").click()
    page.screenshot(path=str(screenshots / "kpis.png"), full_page=True)
    # A bad range from the form: the page says what is wrong.
    page.get_by_label("From (UTC day)").fill("2026-10-07")
    page.get_by_label("To (UTC day)").fill("2026-10-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".notice-error")).to_contain_text("is before start")
    context.close()

    dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = dark.new_page()
    page.goto(f"{live_app}/login?next=/admin/kpis")
    page.get_by_label("Email", exact=True).fill(team.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_app}/admin/kpis")
    expect(page.locator("svg[data-chart=bookings]")).to_be_visible()
    page.screenshot(path=str(screenshots / "kpis-dark.png"), full_page=True)
    dark.close()
