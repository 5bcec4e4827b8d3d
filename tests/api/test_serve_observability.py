"""``gpubroker serve --workers 2`` as a container runs it: JSON log lines (uvicorn's access lines included)
stamped with each request's trace id, and /metrics summing both workers (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from core import tracing
from core.settings import ROOT, Settings
from tests.core.test_observability import closed_port

REQUESTS = 8


def start(settings: Settings, port: int, multiproc: Path, log: Any) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GPUBROKER_", "PROMETHEUS_", "OTEL_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        GPUBROKER_DATABASE_URL=settings.database_url,
        GPUBROKER_LOG_FORMAT="json",
        GPUBROKER_FORECAST_REFRESH_ON_START="false",
        GPUBROKER_BILLING_JOBS="false",
        GPUBROKER_MAINTENANCE_INTERVAL_S="0",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    if settings.redis_url:
        env["GPUBROKER_REDIS_URL"] = settings.redis_url
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not become ready")


def test_two_workers_log_json_with_trace_ids_and_share_their_metrics(
    settings: Settings, client: TestClient, tmp_path: Path
) -> None:
    # ``client`` ran the app's start-up once here (the checkpointer's tables exist before two workers start).
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    multiproc = tmp_path / "metrics"
    multiproc.mkdir()
    (multiproc / "counter_99999.db").write_bytes(b"left over by an earlier run")
    log_path = tmp_path / "serve.log"
    traces = [tracing.new_trace_id() for _ in range(REQUESTS)]
    with log_path.open("wb") as log:
        proc = start(settings, port, multiproc, log)
        try:
            wait_ready(base, proc)
            with httpx.Client(base_url=base, timeout=10) as http:
                for trace_id in traces:
                    r = http.get(
                        "/providers",
                        params={"gpu_type": "L4", "page_size": 2},
                        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
                    )
                    assert r.status_code == 200 and r.headers["x-trace-id"] == trace_id
                missing = http.get("/no/such/page", params={"token": "s3cret-value", "page": "2"})
                assert missing.status_code == 404
                scrape = http.get("/metrics").text
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    # /metrics summed both workers' files (a new run emptied the folder first: the stale file is gone).
    counts = [
        s.value
        for family in text_string_to_metric_families(scrape)
        for s in family.samples
        if s.name == "gpubroker_http_requests_total" and s.labels.get("route") == "/providers"
    ]
    assert counts == [REQUESTS]
    assert not (multiproc / "counter_99999.db").exists()

    lines = log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]  # every line is one JSON object
    assert all(
        {"timestamp", "level", "logger", "message", "trace_id", "span_id", "tenant_id"} <= e.keys()
        for e in entries
    )
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    searched = {e["trace_id"] for e in access if e["http"]["path"].startswith("/providers")}
    assert searched == set(traces)
    assert all(e["http"]["status"] == 200 and e["span_id"] for e in access if e["trace_id"] in searched)
    miss = next(e for e in access if e["http"]["path"].startswith("/no/such/page"))
    assert miss["http"]["status"] == 404 and miss["trace_id"] == missing.headers["x-trace-id"]
    assert "token=***" in miss["http"]["path"] and "s3cret-value" not in log_path.read_text()
    assert any(e["logger"] == "uvicorn.error" and "Started" in e["message"] for e in entries)
