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
from tests.support import check_alive, serve


@pytest.fixture(scope="session")
def served_app(settings: Settings, engine: Any) -> Iterator[str]:
    from api.app import create_app

    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
def live_server(served_app: str) -> str:
    """The app under uvicorn on a free loopback port, against the session's database (one server per
    session, refused at once if an earlier test killed it)."""
    check_alive(served_app)
    return served_app


@pytest.fixture(scope="session")
def localhost_server(settings: Settings, engine: Any) -> Iterator[str]:
    """The app served as http://localhost:<port>, its WebAuthn relying party set to match: a browser
    makes passkeys only for the origin it is on, and "localhost" is a secure context without TLS."""
    from api.app import create_app

    app = create_app(settings)
    with serve(app) as url:
        base = url.replace("127.0.0.1", "localhost")
        app.state.settings = settings.model_copy(
            update={"webauthn_rp_id": "localhost", "webauthn_origin": base}
        )
        yield base
