"""Fixtures of the web page tests: a live server and a headless browser for the end-to-end pass.

The page tests use the shared ``client`` fixture (tests/conftest.py: a migrated database holding the
bundled catalog and price history, on each backend). The browser tests need a real HTTP server, so
``live_server`` runs uvicorn in a background thread on a free loopback port against the same
database; the pages only read, so it shares the session's committed data. Chromium is Debian's
(/usr/bin/chromium), driven by Playwright's sync API; ``playwright install`` is never run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import ROOT, Settings
from tests.support import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Any) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, against the session's database."""
    from api.app import create_app

    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
