"""LangGraph's own JavaScript front-end tooling against GPUBroker, with a team API key:

- the official client (``@langchain/langgraph-sdk``, pinned in tests/js/package.json) driving every call
  under Node's test runner (tests/js/sdk.test.mjs);
- a page built with Vite on ``useStream`` configured as LangChain's agent-chat-ui configures it
  (tests/js/src/main.jsx), served from another origin and driven in Chromium: it lists threads, streams
  tokens and the tools' progress, handles the booking approval, stops a run and reopens a thread.

``make test`` installs the npm project (``npm ci``); the fixtures install and build it when it is missing.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from core.settings import ROOT, Settings
from tests import support
from tests.api.lg_support import Team, new_team, served

JS = ROOT / "tests" / "js"


def npm(*args: str, timeout: float = 300) -> None:
    support.npm(JS, *args, timeout=timeout)


@pytest.fixture(scope="session")
def js_project() -> Path:
    if not (JS / "node_modules" / "@langchain" / "langgraph-sdk").exists():
        npm("ci", "--no-audit", "--no-fund")
    return JS


@pytest.fixture(scope="session")
def built_page(js_project: Path) -> Path:
    npm("run", "build", timeout=120)
    return js_project / "dist"


@contextmanager
def static_site(directory: Path) -> Iterator[str]:
    """The built page on a loopback port of its own: another origin than the API's."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="test-static-site")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_js_sdk_drives_every_call(settings: Settings, engine: Any, js_project: Path) -> None:
    with served(settings) as (url, _app):
        key = new_team(url).key()
        node = shutil.which("node")
        assert node
        done = subprocess.run(
            [node, "--test", "--test-reporter=tap", "sdk.test.mjs"],
            cwd=js_project,
            env={**os.environ, "LG_URL": url, "LG_API_KEY": key},
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 5" in done.stdout, done.stdout[-3000:]


def run_status(url: str, key: str, thread_id: str) -> list[str]:
    runs = httpx.get(f"{url}/threads/{thread_id}/runs", headers={"X-Api-Key": key}).json()
    return [r["status"] for r in runs]


def test_a_use_stream_front_end_from_another_origin(
    settings: Settings, engine: Any, built_page: Path, browser: Any, screenshots: Path
) -> None:
    with served(settings, slow=0.12) as (api, _app), static_site(built_page) as site:
        team: Team = new_team(api)
        key = team.key()
        team.allow_origins(site)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(
            f"{site}/index.html?" + urlencode({"apiUrl": api, "apiKey": key, "assistantId": "gpubroker"})
        )

        # Tokens and the tools' progress stream in; the new thread joins the list.
        page.get_by_test_id("prompt").fill("cheapest 8x H100 in the US for a week")
        page.get_by_test_id("send").click()
        page.get_by_test_id("progress").get_by_text("matching offers").wait_for(timeout=20_000)
        ai = page.get_by_test_id("msg-ai").filter(has_text=re.compile(r"\w")).last
        ai.wait_for(timeout=20_000)
        partial = ai.inner_text()
        assert page.get_by_test_id("status").inner_text() == "streaming" and partial
        page.get_by_test_id("send").wait_for(timeout=60_000)  # the run ended
        final = page.get_by_test_id("msg-ai").last.inner_text()
        assert len(final) > len(partial) and final.startswith(partial[: max(1, len(partial) - 2)])
        first = page.get_by_test_id("thread").first
        first.wait_for(timeout=10_000)
        thread_id = first.get_attribute("data-thread-id")
        assert thread_id and run_status(api, key, thread_id) == ["success"]

        # The booking approval: asked, approved, booked.
        page.get_by_test_id("prompt").fill("book the cheapest H100 for 2 hours")
        page.get_by_test_id("send").click()
        try:
            page.get_by_test_id("approval").wait_for(timeout=30_000)
        finally:
            page.screenshot(path=str(screenshots / "langgraph-ui-approval.png"), full_page=True)
        assert "2" in page.get_by_test_id("question").inner_text()
        page.screenshot(path=str(screenshots / "langgraph-ui-approval.png"), full_page=True)
        page.get_by_test_id("approve").click()
        page.get_by_test_id("approval").wait_for(state="detached", timeout=60_000)
        page.get_by_test_id("send").wait_for(timeout=60_000)
        bookings = httpx.get(f"{api}/bookings", headers={"X-Api-Key": key}).json()
        assert bookings["total"] == 1 and bookings["items"][0]["hours"] == 2

        # Stop: a new thread, stopped while the answer streams; the run ends interrupted.
        page.get_by_test_id("new-thread").click()
        page.get_by_test_id("prompt").fill("cheapest A100 in europe for 3 days")
        page.get_by_test_id("send").click()
        page.get_by_test_id("progress").get_by_text("matching offers").wait_for(timeout=20_000)
        page.get_by_test_id("stop").click()
        page.get_by_test_id("send").wait_for(timeout=10_000)
        page.get_by_test_id("thread").nth(1).wait_for(timeout=10_000)
        stopped = next(
            t.get_attribute("data-thread-id")
            for t in page.get_by_test_id("thread").all()
            if t.get_attribute("data-thread-id") != thread_id
        )
        deadline = time.monotonic() + 10
        while run_status(api, key, str(stopped)) != ["interrupted"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run_status(api, key, str(stopped)) == ["interrupted"]

        # Reopen the first thread: its history comes back (both turns, the booking answered).
        page.locator(f'[data-thread-id="{thread_id}"]').click()
        page.get_by_test_id("msg-human").nth(1).wait_for(timeout=10_000)
        humans = page.get_by_test_id("msg-human").all_inner_texts()
        assert humans[:2] == ["cheapest 8x H100 in the US for a week", "book the cheapest H100 for 2 hours"]
        page.screenshot(path=str(screenshots / "langgraph-ui-reopened.png"), full_page=True)
        assert not errors, errors
        page.close()
