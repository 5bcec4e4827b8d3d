"""End to end in a real browser: Debian's headless Chromium driven by Playwright against a live server.

One journey a user takes (filter, sort, page, open an offer, come back, export CSV, switch theme),
the same form with JavaScript turned off, and keyboard entry through the skip link. Screenshots of
the main pages land in var/screenshots/ for a person to look at; they are not compared to anything.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from catalog.schemas import EXPORT_FIELDS

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

VIEWPORT = {"width": 1366, "height": 900}


def visible_prices(page: Page) -> list[float]:
    """The $/h column as the user reads it ("$1,234.56" -> 1234.56; the price's age is on a line below)."""
    texts = page.locator("td.price").all_inner_texts()
    return [float(t.strip().splitlines()[0].lstrip("$").replace(",", "")) for t in texts]


def shown_total(page: Page) -> int:
    return int(page.locator("h2.result-count").get_attribute("data-total") or -1)


def test_search_sort_page_open_offer_and_export(
    browser: Any, live_server: str, screenshots: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name=re.compile(r"^[\d,]+ offers$"))).to_be_visible()
    everything = shown_total(page)

    # Filter: GPU H100 in Europe. The script leaves empty fields out of the URL.
    page.get_by_label("GPU", exact=True).fill("H100")
    page.get_by_label("Geo").select_option("eu")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"{live_server}/?gpu_type=H100&geo=eu")
    total = shown_total(page)
    assert 20 < total < everything
    expect(page.get_by_label("GPU", exact=True)).to_have_value("H100")
    for cell in page.locator("td.gpus").all_inner_texts():
        assert "H100" in cell

    # Sort by price: the header toggles descending, then ascending again.
    page.get_by_role("link", name="$/h", exact=True).click()
    page.wait_for_url(re.compile(r"sort=price_desc"))
    prices = visible_prices(page)
    assert prices == sorted(prices, reverse=True)
    page.get_by_role("link", name="$/h", exact=True).click()
    page.wait_for_url(f"{live_server}/?gpu_type=H100&geo=eu")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    first_page = visible_prices(page)
    assert len(first_page) == 20
    assert first_page == sorted(first_page)
    page.screenshot(path=str(screenshots / "marketplace-light.png"), full_page=True)

    # Next page: still filtered and still in order, continuing where page 1 stopped.
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()
    assert shown_total(page) == total
    second_page = visible_prices(page)
    assert second_page == sorted(second_page)
    assert second_page[0] >= first_page[-1]

    # Open an offer: details, the chart and a way back.
    link = page.locator("td.name a").first
    name = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/offers/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    chart = page.locator("svg[data-chart='price-history']")
    expect(chart).to_be_visible()
    assert chart.locator("path.chart-median").count() == 1
    assert chart.locator("circle.chart-offer-dot").count() >= 1
    expect(page.get_by_role("heading", name="Similar cheaper offers")).to_be_visible()
    page.screenshot(path=str(screenshots / "offer.png"), full_page=True)
    page.get_by_text("Chart data as a table").click()
    expect(page.locator("details.chart-data table").first).to_be_visible()

    page.go_back()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()

    # Export CSV with the same filters: every matching offer, not just this page.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table[0] == list(EXPORT_FIELDS)
    assert len(table) - 1 == total
    gpu_family = table[0].index("gpu_family")
    geo = table[0].index("geo")
    assert {r[gpu_family] for r in table[1:]} == {"H100"}
    assert {r[geo] for r in table[1:]} == {"eu"}

    # Theme toggle: pins dark, survives a reload (localStorage), and can go back.
    page.goto(f"{live_server}/?gpu_type=H100&geo=eu")
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(14, 17, 22)"
    page.screenshot(path=str(screenshots / "marketplace-dark.png"), full_page=True)
    page.locator("[data-theme-toggle]").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")

    page.goto(f"{live_server}/health")
    expect(page.locator("table.health tbody tr")).to_have_count(21)
    page.screenshot(path=str(screenshots / "health.png"), full_page=True)
    context.close()


def test_dark_theme_follows_the_os_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/")
    expect(page.locator("[data-theme-toggle]")).to_be_hidden()
    expect(page.locator("body")).to_have_css("background-color", "rgb(14, 17, 22)")
    context.close()


def test_filter_form_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.get_by_label("GPU", exact=True).fill("A100")
    page.get_by_label("Min GPUs").fill("8")
    page.get_by_label("Pricing").select_option("false")
    page.get_by_role("button", name="Apply filters").click()
    # Without the script the browser sends every field, empty ones too, and the server ignores those.
    page.wait_for_url(re.compile(r"gpu_count=8.*max_price="))
    expect(page.get_by_role("heading", name=re.compile(r"^[\d,]+ offers?$"))).to_be_visible()
    assert shown_total(page) > 0
    for cell in page.locator("td.gpus").all_inner_texts():
        assert int(cell.split("×")[0]) >= 8
        assert "A100" in cell
    expect(page.locator("span.badge-spot")).to_have_count(0)

    # A bad value comes back as a message naming the field, with the form still filled in.
    page.get_by_label("Min GPUs").fill("abc")
    page.get_by_role("button", name="Apply filters").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("gpu_count")
    expect(page.get_by_label("Min GPUs")).to_have_value("abc")
    expect(page.get_by_label("GPU", exact=True)).to_have_value("A100")
    context.close()


def test_keyboard_reaches_content_through_the_skip_link(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box() is not None
    assert (skip.bounding_box() or {"y": -1})["y"] >= 0
    # The focus ring is drawn (an outline), so keyboard users can see where they are.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("GPU", exact=True)).to_be_focused()
    context.close()
