"""Fixtures of the web page tests: a live server (the headless browser is in tests/conftest.py).

The page tests use the shared ``client`` fixture (tests/conftest.py: a migrated database holding the
bundled catalog and price history, on each backend). The browser tests need a real HTTP server, so
``live_server`` runs uvicorn in a background thread on a free loopback port against the same
database; the pages only read, so it shares the session's committed data. Chromium is Debian's
(/usr/bin/chromium), driven by Playwright's sync API; ``playwright install`` is never run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import Settings
from tests.support import serve


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Any) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, against the session's database."""
    from api.app import create_app

    with serve(create_app(settings)) as url:
        yield url
