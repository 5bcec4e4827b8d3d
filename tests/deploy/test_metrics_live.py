"""Every metric a dashboard, an alert or the HPA's adapter rule queries is served by the running processes.

The processes are started as a deployment starts them, through the CLI of the issue-9 contract: `gpubroker
migrate`, then `gpubroker serve` and, on PostgreSQL, `gpubroker worker` (whose /metrics listens on
GPUBROKER_WORKER_METRICS_PORT); on SQLite `serve` alone runs everything. After some traffic of each kind
(searches, an error, sign-up, a booking, the assistant over HTTP and a WebSocket) both /metrics are read
with the metrics token, as Prometheus reads them, and every queried metric family must be there with the
contract's type.

This needs `gpubroker worker`, /ready and the contract's metrics: it fails until the branches of issue 9
that build them (the worker, observability) are merged.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import PG_DB, REDIS_URL, _recreate_pg_database
from tests.deploy.support import CONTRACT_METRICS, ROOT, family_of, series_in
from tests.deploy.test_observability import adapter_queries, alert_queries, dashboard_queries

TOKEN = "live-metrics-test-token"
START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A `gpubroker ...` process with this checkout's code, its output kept for the failure message."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.log = args, log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from api.cli import main; raise SystemExit(main())", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def tail(self) -> str:
        return f"`gpubroker {' '.join(self.args)}` said:\n" + self.log.read_text()[-3000:]

    def wait_http(self, url: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"exited with {self.proc.returncode}; {self.tail()}"
            try:
                status = httpx.get(url, timeout=2).status_code
            except httpx.TransportError:
                status = None
            if status == 200:
                return
            assert status != 404, f"{url} does not exist; {self.tail()}"
            time.sleep(0.5)
        raise AssertionError(f"{url} not ready after {START_TIMEOUT_S}s; {self.tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@pytest.fixture
def deployment(backend: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """migrate, serve (and worker on PostgreSQL) on a database of their own; yields their base URLs."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "GPUBROKER_ENV": "test",
        "GPUBROKER_METRICS_TOKEN": TOKEN,
        "GPUBROKER_LOG_FORMAT": "json",
        "GPUBROKER_FORECAST_REFRESH_ON_START": "false",
        "GPUBROKER_WORKER_METRICS_PORT": str(_free_port()),
    }
    if backend == "sqlite":
        env["GPUBROKER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'live.db'}"
    else:
        env["GPUBROKER_DATABASE_URL"] = _recreate_pg_database(f"{PG_DB}_metrics")
        env["GPUBROKER_REDIS_URL"] = REDIS_URL
    port = _free_port()
    urls = {"api": f"http://127.0.0.1:{port}"}
    with ExitStack() as stack:
        migrate = Process(["migrate"], env, tmp_path / "migrate.log")
        stack.callback(migrate.stop)
        assert migrate.proc.wait(timeout=300) == 0, migrate.tail()
        api = Process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "serve.log")
        stack.callback(api.stop)
        api.wait_http(f"{urls['api']}/ready")
        if backend != "sqlite":
            urls["worker"] = f"http://127.0.0.1:{env['GPUBROKER_WORKER_METRICS_PORT']}"
            worker = Process(["worker"], env, tmp_path / "worker.log")
            stack.callback(worker.stop)
            worker.wait_http(f"{urls['worker']}/healthz")
        yield urls


def _traffic(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(2):  # a miss, then a hit of the search cache
            assert http.get("/providers", params={"gpu_type": "H100", "page_size": 5}).status_code == 200
        assert http.get("/providers/not-an-offer").status_code == 404
        email = f"metrics-{uuid.uuid4().hex[:10]}@example.com"
        signed_up = http.post(
            "/auth/register",
            json={"email": email, "password": "a long passphrase here", "tenant_name": "Metrics"},
        )
        assert signed_up.status_code == 201, signed_up.text
        token = signed_up.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert (
            http.post("/ai/chat", json={"prompt": "cheapest H100 in the US"}, headers=auth).status_code == 200
        )
        offers = http.get("/providers", params={"page_size": 1, "sort": "price_asc"}).json()["items"]
        if offers:
            booking = http.post("/bookings", json={"offer_id": offers[0]["id"], "hours": 1}, headers=auth)
            assert booking.status_code == 201, booking.text
            http.post(f"/bookings/{booking.json()['id']}/submit", headers=auth)
    ws_url = base.replace("http://", "ws://") + "/ai/chat/ws"
    with connect(ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "access_token": token}))
        assert json.loads(ws.recv(timeout=10))["event"] == "ready"
        ws.send(json.dumps({"type": "chat", "prompt": "8x A100 in Europe"}))
        while json.loads(ws.recv(timeout=60))["event"] not in ("end", "error"):
            pass


def _families(text: str) -> dict[str, str]:
    """metric family -> type, from the exposition's `# TYPE` lines."""
    return {
        parts[2]: parts[3]
        for line in text.splitlines()
        if line.startswith("# TYPE ") and len(parts := line.split()) == 4
    }


def test_every_queried_metric_is_exposed(deployment: dict[str, str]) -> None:
    _traffic(deployment["api"])
    exposed: dict[str, str] = {}
    assert httpx.get(f"{deployment['api']}/metrics", timeout=10).status_code == 401  # the token is required
    for url in deployment.values():
        scrape = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert scrape.status_code == 200, scrape.text
        exposed |= _families(scrape.text)
    queried = {
        family_of(series)
        for _, expr in dashboard_queries() + alert_queries() + adapter_queries()
        for series in series_in(expr)
    }
    missing = sorted(str(f) for f in queried if f not in exposed)
    assert not missing, f"queried but not exposed by {sorted(deployment)}: {missing}"
    for family in queried:
        assert family is not None and exposed[family] == CONTRACT_METRICS[family], family
