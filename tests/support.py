"""Helpers shared by tests: a real HTTP server on a free loopback port for an ASGI app.

A server outlives the test that started it when its fixture is session- or module-scoped, so a test
that breaks it (by patching a global its event loop uses, say) would otherwise show up only as
connection errors in unrelated tests later. Every server started here is registered while it runs:
the conftest fails the test during which a server's thread died, and :func:`check_alive` lets a
fixture refuse a dead server at once, naming that test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Served:
    url: str
    thread: threading.Thread
    died_in: str | None = None  # the test running when the server's thread ended unexpectedly
    error: str | None = None
    stopping: bool = False
    reported: bool = field(default=False)

    @property
    def dead(self) -> bool:
        return not self.stopping and (self.died_in is not None or not self.thread.is_alive())

    def describe(self) -> str:
        return (
            f"the test server at {self.url} died during {self.died_in or 'an unknown test'}: "
            f"{self.error or 'its thread ended'}"
        )


RUNNING: dict[str, Served] = {}


def check_alive(url: str) -> None:
    """Raises at once when the server at ``url`` died, naming the test that was running then."""
    served = RUNNING.get(url)
    if served is not None and served.dead:
        raise RuntimeError(served.describe())


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))

    def run() -> None:
        # Handing uvicorn the already-bound socket means no other process can take the port meanwhile.
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            served.error = "".join(traceback.format_exception_only(exc)).strip()
            raise
        finally:
            if not served.stopping:
                served.died_in = os.environ.get("PYTEST_CURRENT_TEST", "outside any test")

    thread = threading.Thread(target=run, daemon=True, name=f"test-server-{port}")
    served = Served(url, thread)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server did not start: {served.error or 'timed out'}")
        time.sleep(0.05)
    RUNNING[url] = served
    try:
        yield url
    finally:
        served.stopping = True
        RUNNING.pop(url, None)
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serve_app(settings: Any) -> Iterator[str]:
    """The whole app served on a loopback port, with providers calling back at that address.

    Bookings go through the sandbox provider over real HTTP and its signed webhooks come back the same
    way, so the app must know its own URL; the sandbox reports an instance running at once.
    """
    from api.app import create_app

    app = create_app(settings)
    with serve(app) as url:
        app.state.settings = settings.model_copy(update={"public_url": url, "sandbox_start_delay_s": 0.0})
        yield url


def run_async(coro: Any) -> Any:
    """Run a coroutine to completion from sync test code, even when this thread already has a running
    event loop (Playwright's sync API leaves one behind in the main thread)."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def platform_operator(client: Any, app: Any) -> dict[str, str]:
    """The ``Authorization`` headers of a new platform operator (granted as `gpubroker operator grant` does)."""
    import uuid

    from accounts.audit import Source
    from accounts.operators import set_operator
    from accounts.service import Ctx
    from core.db import session_scope

    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(
        "/auth/register",
        json={"email": email, "password": "correct horse battery staple", "tenant_name": "Platform"},
    )
    assert r.status_code == 201, r.text
    with session_scope(app.state.session_factory) as session:
        set_operator(session, Ctx(settings=app.state.settings, source=Source()), email, True)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def set_team_limits(client: Any, operator: dict[str, str], tenant_id: str, **limits: Any) -> dict[str, Any]:
    """Plans and limits are the platform's to grant: set through the operators' API."""
    r = client.patch(f"/ops/tenants/{tenant_id}", json=limits, headers=operator)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def use_page_token(client: Any, url: str = "/") -> str:
    """After signing in through the pages: take the session's CSRF token from a page (its
    ``<meta name="csrf-token">``, as the pages' scripts do) and send it with every later request of this
    client, so its form posts pass web.security's check."""
    import re

    html = client.get(url).text
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html)
    assert match, "no CSRF token on the page: is the client signed in?"
    client.headers["X-CSRF-Token"] = match.group(1)
    return match.group(1)


def browser_sign_in(page: Any, base: str, email: str, password: str, next_page: str = "/") -> None:
    """Signs in through the login form in a Playwright page, and waits to land on ``next_page``."""
    from urllib.parse import quote

    page.goto(f"{base}/login" + (f"?next={quote(next_page)}" if next_page != "/" else ""))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}{next_page}")


def virtual_authenticator(context: Any, page: Any) -> None:
    """Gives a Playwright page Chromium's virtual authenticator (DevTools protocol): a platform
    authenticator that holds passkeys (resident keys) and verifies its user, so WebAuthn ceremonies
    complete without a person."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def npm(project: Path, *args: str, timeout: float = 300) -> None:
    """Runs npm in one of the repository's npm projects (tests/js, sdk/typescript); it must succeed."""
    npm_bin = shutil.which("npm")
    assert npm_bin, "Node.js and npm are needed for these tests (Node 20)"
    done = subprocess.run([npm_bin, *args], cwd=project, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr


def offline_context(browser: Any, base: str, **options: Any) -> tuple[Any, list[str]]:
    """A Chromium context with no internet: requests to ``base`` go through, any other is aborted as a
    lost connection and its URL kept in the returned list (which a test expects to stay empty)."""
    refused: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context = browser.new_context(**options)
    context.route("**/*", only_this_server)
    return context, refused
