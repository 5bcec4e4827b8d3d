"""The marketplace and offer pages in Chromium while a price changes: ``gpubroker sync --from``
changes a listed offer's price, and the open page shows the new price (highlighted) without a reload;
when the server goes away the page retries with a doubling wait capped at 30 s; at 390 px the price
stays on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from catalog.models import Offer
from core.settings import Settings
from tests import support
from tests.live.conftest import lambda_file, relay_outbox, sync_from

KEY = ("gpu_1x_a10", "us-west-1")


def test_an_ingested_price_change_updates_the_open_marketplace_and_offer_pages(
    browser: Any,
    live_settings: Settings,
    live_factory: sessionmaker[Session],
    screenshots: Path,
    tmp_path: Path,
    backend: str,
) -> None:
    with live_factory() as session:
        offer = session.execute(select(Offer).where(Offer.external_id == "/".join(KEY))).scalar_one()
    app = create_app(live_settings)
    app.state.session_factory = live_factory
    with support.serve(app) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.goto(f"{url}/?provider=lambda&gpu_type=A10&page_size=100")
        row = page.locator(f'tr[data-offer-id="{offer.id}"]')
        expect(row).to_be_visible()
        expect(row.locator("[data-freshness]")).to_have_text("snapshot")
        # Subscribed (a DOM wait: wait_for_function's polling evaluates a string, which the CSP refuses).
        expect(page.locator("[data-live-status]")).to_contain_text("Live: prices on this page update")
        detail = context.new_page()
        detail.goto(f"{url}/offers/{offer.id}")
        expect(detail.locator("[data-live-status]")).to_contain_text("Live: prices on this page update")

        new_price = f"{float(offer.price_per_hour) + 0.21:.2f}"
        assert sync_from(live_settings, lambda_file(live_settings, tmp_path, {KEY: new_price})) == 0
        relay_outbox(live_settings, live_factory, app.state.bus)

        expect(row.locator("td.price")).to_contain_text(f"${new_price}", timeout=15_000)
        expect(row).to_have_class("live-changed")
        expect(row.locator("[data-price-per-gpu]")).to_have_text(f"${new_price}")  # one GPU
        # The file's prices are as of its modification time (no --as-of): a moment ago.
        expect(row.locator("[data-price-as-of]")).to_have_text("just now")
        expect(row.locator("[data-freshness]")).to_have_text("snapshot")
        expect(page.locator("[data-live-status]")).to_contain_text("1 price changed")
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"marketplace-live-update-{backend}.png"))
        expect(detail.locator("[data-live-offer]")).to_contain_text(f"${new_price}", timeout=15_000)
        detail.screenshot(path=str(screenshots / f"offer-live-update-{backend}.png"))
        assert page.evaluate("window.gpubrokerLive.updates") == 1
    # The server is gone: the page says so and retries, waiting 1, 2, 4 ... s, never more than 30 s.
    expect(page.locator("[data-live-status]")).to_contain_text("reconnecting in", timeout=15_000)
    assert page.evaluate("[0, 1, 2, 3, 4, 5, 6, 10].map(window.gpubrokerLive.backoff)") == [
        1000,
        2000,
        4000,
        8000,
        16000,
        30000,
        30000,
        30000,
    ]
    context.close()


def test_a_phone_keeps_the_price_and_its_age_on_screen(
    browser: Any,
    live_settings: Settings,
    live_factory: sessionmaker[Session],
    screenshots: Path,
    backend: str,
) -> None:
    app = create_app(live_settings)
    app.state.session_factory = live_factory
    with support.serve(app) as url:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, color_scheme="light"
        )
        page = context.new_page()
        page.goto(f"{url}/?spot=false")
        price = page.locator("td.price").first
        expect(price).to_be_visible()
        box = price.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        expect(price.locator(".price-age")).to_contain_text("days old")
        expect(page.locator(".pricing-switch a[aria-current='true']")).to_have_text("On-demand")
        price.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"marketplace-390px-{backend}.png"))
        context.close()


def test_an_alert_set_on_its_page_fires_into_the_navigation_counter(
    browser: Any,
    live_settings: Settings,
    live_factory: sessionmaker[Session],
    screenshots: Path,
    tmp_path: Path,
    backend: str,
) -> None:
    import httpx

    from alerts.jobs import handle_price_updates
    from core.bus import MemoryBus, make_bus
    from core.db import session_scope
    from core.jobs import Runtime
    from core.outbox import relay

    app = create_app(live_settings)
    app.state.session_factory = live_factory
    email, password = f"page-alerts-{backend}-{id(tmp_path)}@example.com", "correct horse battery staple"
    with support.serve(app) as url:
        assert (
            httpx.post(
                f"{url}/auth/register",
                json={"email": email, "password": password, "tenant_name": "Alert page team"},
            ).status_code
            == 201
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.goto(f"{url}/account/alerts")
        expect(page.get_by_text("Nothing has fired yet.")).to_be_visible()
        page.get_by_label("GPU", exact=True).fill("A10")
        page.get_by_label("Provider").fill("lambda")
        page.get_by_label("Exactly N GPUs").fill("1")
        page.get_by_label("At or below ($)").fill("0.70")
        page.get_by_role("button", name="Save alert").click()
        expect(page.get_by_role("status")).to_contain_text("Alert saved")
        expect(page.locator("[data-alert]")).to_contain_text("1x A10 from lambda at or below $0.7/h")

        # An A10 drops to $0.65 in Oregon: the worker's alerts consumer sees the sync's event.
        assert (
            sync_from(
                live_settings, lambda_file(live_settings, tmp_path, {("gpu_1x_a10", "us-west-2"): "0.65"})
            )
            == 0
        )
        if live_settings.redis_url:
            message = make_bus(live_settings.redis_url).recent("price_updates", 1)[-1]
        else:
            bus = MemoryBus()
            with session_scope(live_factory) as session:
                relay(session, bus, older_than_s=0)
            message = bus.recent("price_updates")[-1]
        assert handle_price_updates(Runtime(live_settings, live_factory), message) == 1

        page.reload()
        counter = page.locator("[data-nav-alerts] .nav-count")
        expect(counter).to_have_text("1")
        expect(page.locator("[data-firing]")).to_contain_text("1× A10 · lambda · us-west-2")
        expect(page.locator("[data-firing]")).to_contain_text("at $0.65/h (threshold $0.70)")
        page.screenshot(path=str(screenshots / f"alerts-page-{backend}.png"), full_page=True)
        page.get_by_role("button", name="Mark all read").click()
        expect(page.locator("[data-nav-alerts] .nav-count")).to_have_count(0)
        context.close()


def test_the_health_page_says_how_old_each_providers_prices_are(
    browser: Any,
    live_settings: Settings,
    live_factory: sessionmaker[Session],
    screenshots: Path,
    backend: str,
) -> None:
    app = create_app(live_settings)
    app.state.session_factory = live_factory
    with support.serve(app) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.goto(f"{url}/health")
        vast = page.locator('tr[data-provider="vast"]')
        expect(vast.locator(".badge").first).to_have_text("snapshot-old")
        expect(vast.locator("td.data-age")).to_contain_text("days old")
        expect(vast).to_contain_text("bundled snapshot prices as of 2026-11-27")
        # Only data younger than 7 days is "up": Lambda's, when an earlier test synced a mirror file dated today.
        for row in page.locator("tr[data-provider]").all():
            if row.locator(".badge").first.inner_text() == "up":
                assert "days old" not in row.locator("td.data-age").inner_text()
        page.screenshot(path=str(screenshots / f"health-{backend}.png"), full_page=True)
        context.close()
