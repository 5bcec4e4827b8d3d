"""The API documentation works with no network: /docs (Swagger UI) and /redoc load their scripts and
styles from assets bundled with the app (fastapi-offline), never from a CDN, and their content security
policy keeps every request on this origin. In Chromium every request that leaves the server is refused
(none is made), and both pages still render the operations; screenshots land in var/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.support import offline_context
from tests.web.dom import parse


def asset_urls(html: str) -> list[str]:
    doc = parse(html)
    return [s.get("src") or "" for s in doc.find_all("script") if s.get("src")] + [
        link.get("href") or "" for link in doc.find_all("link") if link.get("href")
    ]


def test_the_pages_name_only_assets_of_this_server(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        urls = asset_urls(r.text)
        assert urls and all(u.startswith("/static-offline-docs/") for u in urls), urls
        assert "openapi.json" in r.text
        assert "default-src 'self'" in r.headers["content-security-policy"]
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url


def test_the_docs_render_the_operations_with_no_network(
    browser: Any, live_server: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    context, refused = offline_context(browser, live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)

    page.goto(f"{live_server}/docs")
    login = page.locator(".opblock-summary-path[data-path='/auth/login']")
    # Swagger UI renders the whole document first ("loading"): seconds on a loaded machine, more than
    # expect's default 5 s (seen in CI).
    expect(login.first).to_be_visible(timeout=60_000)
    assert page.locator(".opblock").count() > 50
    page.screenshot(path=str(screenshots / "docs-swagger.png"))
    # An operation opens with its documented answers, the error envelope among them.
    login.first.click()
    expect(page.locator(".opblock.is-open .responses-table").first).to_contain_text("422")

    page.goto(f"{live_server}/redoc")
    expect(page.locator("[data-section-id='operation/login_auth_login_post']").first).to_be_attached(
        timeout=60_000
    )
    expect(page.get_by_role("heading", name=re.compile("GPUBroker")).first).to_be_visible()
    page.screenshot(path=str(screenshots / "docs-redoc.png"))
    assert refused == [], refused
    context.close()
