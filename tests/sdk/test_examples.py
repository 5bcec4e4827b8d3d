"""Every example of both SDKs, run as a user runs it against a live server: the Python ones with this
venv's interpreter and only the SDK on their path, the TypeScript ones with node after ``tsc``.

The server is the whole app on a loopback port (tests/api/lg_support.py: the offline model, bookings
through the sandbox provider over real HTTP); each example gets GPUBROKER_URL and a new team's
credential in its environment, and the tests read what it prints.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.db import make_session_factory
from core.settings import ROOT, Settings
from tests.api.lg_support import new_team, served
from tests.billing.conftest import Team as BillingTeam
from tests.billing.conftest import add_booking

PY_EXAMPLES = ROOT / "sdk" / "python" / "examples"
LANGUAGES = ["python", "typescript"]


@dataclass
class Live:
    url: str
    api_key: str
    access_token: str  # the team admin's: invoices are in no API key's scopes


@pytest.fixture(scope="module")
def live(settings: Settings, engine: Any) -> Iterator[Live]:
    with served(settings) as (url, _app):
        team = new_team(url)
        billed_yesterday(url, team.headers, team.tenant_id, engine)
        token = team.headers["Authorization"].removeprefix("Bearer ")
        yield Live(url, team.key(), token)


def billed_yesterday(url: str, headers: dict[str, str], tenant_id: str, engine: Any) -> None:
    """A booking that ran for three hours yesterday, then yesterday's billing run: one invoice."""
    me = httpx.get(f"{url}/me", headers=headers)
    assert me.status_code == 200, me.text
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    with make_session_factory(engine)() as session:
        add_booking(
            session,
            BillingTeam(tenant_id, me.json()["id"]),
            activated=yesterday,
            ended=yesterday + timedelta(hours=3),
        )
        session.commit()
    run = httpx.post(f"{url}/billing/run", params={"day": yesterday.date().isoformat()}, headers=headers)
    assert run.status_code == 200, run.text
    assert len(run.json()["invoices_created"]) == 1, run.text


def run_example(
    language: str, name: str, live: Live, ts_dist: Path | None, *, token: bool = False
) -> subprocess.CompletedProcess[str]:
    """Runs one example (its Python file name; the TypeScript one is its kebab-case twin)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")}
    env["GPUBROKER_URL"] = live.url
    env["GPUBROKER_API_KEY"] = live.api_key
    if token:
        env["GPUBROKER_ACCESS_TOKEN"] = live.access_token
    if language == "python":
        env["PYTHONPATH"] = str(ROOT / "sdk" / "python")  # the SDK alone, not the app's packages
        command = [sys.executable, str(PY_EXAMPLES / f"{name}.py")]
    else:
        assert ts_dist is not None
        node = shutil.which("node")
        assert node, "Node.js is needed for the TypeScript SDK (Node 20)"
        command = [node, str(ts_dist / "examples" / f"{name.replace('_', '-')}.js")]
    return subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def printed(language: str, name: str, live: Live, ts_dist: Path | None, *, token: bool = False) -> str:
    """What an example printed; it must exit with 0."""
    done = run_example(language, name, live, ts_dist, token=token)
    assert done.returncode == 0, f"{done.args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ts_dist(language: str, request: pytest.FixtureRequest) -> Path | None:
    return request.getfixturevalue("ts_built") if language == "typescript" else None


def test_search_offers(live: Live, language: str, ts_dist: Path | None) -> None:
    out = printed(language, "search_offers", live, ts_dist)
    head, *rows = out.strip().splitlines()
    total = int(re.fullmatch(r"(\d+) offers, the cheapest (\d+):", head).group(1))  # type: ignore[union-attr]
    assert total >= len(rows) > 0
    prices = [float(re.search(r"\$([\d,.]+)/h", row).group(1).replace(",", "")) for row in rows]  # type: ignore[union-attr]
    assert prices == sorted(prices), "cheapest first"
    assert all(" 8x H100" in row for row in rows), out


def test_stream_chat(live: Live, language: str, ts_dist: Path | None) -> None:
    out = printed(language, "stream_chat", live, ts_dist)
    streamed = re.search(r"(\d+) tokens streamed; (\d+) offers recommended", out)
    assert streamed, out
    tokens, offers = map(int, streamed.groups())
    assert tokens > 1 and offers > 0, out
    answer = out[: streamed.start()]
    assert "[tool search_offers]" in answer and "H100" in answer, out


def test_book_with_approval(live: Live, language: str, ts_dist: Path | None) -> None:
    out = printed(language, "book_with_approval", live, ts_dist)
    lines = out.strip().splitlines()
    assert lines[0].startswith("approval asked: Book "), out
    assert re.match(r"  offer \S+, 2(\.0)? h, about \$[\d,.]+$", lines[1]), out
    assert lines[2] == "approved", out
    booking_id = re.search(r"booking (\S+): ", out).group(1)  # type: ignore[union-attr]
    assert booking_id in lines[3], "the assistant's summary names the booking"
    assert lines[-1] == f"booking {booking_id}: active", out


def test_read_invoices(live: Live, language: str, ts_dist: Path | None) -> None:
    out = printed(language, "read_invoices", live, ts_dist, token=True)
    lines = out.strip().splitlines()
    assert lines[0] == "1 invoices", out
    number = lines[1].split()[0]
    assert re.fullmatch(r"INV-\d{4}-\d{6}", number), out
    assert lines[2] == f"lines of {number}:", out
    assert re.fullmatch(r"  .+: \d+\.\d+ USD", lines[3]), out


def test_an_error_answer_is_the_envelope_raised(live: Live, language: str, ts_dist: Path | None) -> None:
    # A team API key has no billing scope: the invoices example fails with the API's envelope, raised as
    # the SDK's error (GPUBrokerError in both), its code and trace id shown.
    done = run_example(language, "read_invoices", live, ts_dist)
    assert done.returncode == 1, done.stdout + done.stderr
    shown = r"GPUBrokerError: forbidden: " if language == "python" else r"403 forbidden: "
    assert re.search(shown + r".+ \(trace [0-9a-f]{32}\)", done.stderr), done.stderr
