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
        page.wait_for_function("window.gpubrokerLive && window.gpubrokerLive.connected")
        detail = context.new_page()
        detail.goto(f"{url}/offers/{offer.id}")
        detail.wait_for_function("window.gpubrokerLive && window.gpubrokerLive.connected")

        new_price = f"{float(offer.price_per_hour) + 0.21:.2f}"
        assert (
            sync_from(
                live_settings,
                lambda_file(live_settings, tmp_path, {KEY: new_price}),
                "--as-of",
                "2026-12-07T12:00:00",
            )
            == 0
        )
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
