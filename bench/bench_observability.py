"""What observability costs a cached search: the request middleware before and after issue 9, same run.

Variants, each a uvicorn worker (``--factory``) serving the same SQLite catalog (``var/bench/
gpubroker_bench_obs.db``, migrated and synced from the bundled snapshot when missing or behind) with the
in-process cache and the limiter on (anonymous limits of 1e6/s: all the load comes from one address):

- ``before``: the app as it was: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``) setting a
  uuid4 trace id and counting statuses in a dict, rebuilt here from the removed code;
- ``after``: the pure ASGI ``ObservabilityMiddleware`` (W3C trace context, Prometheus histogram and counters
  by route template, trace headers), no OTLP endpoint: no span is built;
- ``after+otlp`` (``--otlp``): the same with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a loopback collector
  that accepts and drops every export: a SERVER span per request, batched and sent over OTLP/HTTP.

For each round and connection count the variants run one after the other against a warm cache (every path
answered once first): wrk for ``--duration`` seconds (the Python generator of bench_http without wrk).
Reported per variant, the medians over rounds: requests/s, p50/p99 latency and the server process's CPU time
per request (user + system from /proc, so the load generator's own CPU is not counted).

    .venv/bin/python -m bench.bench_observability --rounds 3 --connections 1,32 --duration 10 --otlp
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import shutil
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi import FastAPI, Request, Response

from bench.bench_http import Server, check_paths, query_mix, run_python, run_wrk
from bench.common import database_revision, machine_header, markdown_table, migration_head, sqlite_url

DB_NAME = "gpubroker_bench_obs"
APP_ENV = {
    "GPUBROKER_FORECAST_REFRESH_ON_START": "false",
    "GPUBROKER_BILLING_JOBS": "false",
    "GPUBROKER_MAINTENANCE_INTERVAL_S": "0",
}


def ensure_database() -> str:
    url = sqlite_url(DB_NAME)
    if database_revision(url) != migration_head():
        from api.cli import migrate
        from catalog.ingest import run_sync
        from core.db import make_engine, make_session_factory
        from core.settings import Settings

        path = url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        settings = Settings(database_url=url)
        migrate(settings)
        engine = make_engine(url)
        run_sync(make_session_factory(engine), settings)
        engine.dispose()
    return url


# --- the variants (uvicorn imports these by name with --factory) -------------------------------------------


def after_app() -> FastAPI:
    from api.app import create_app

    return create_app()


_old_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("old_trace_id", default=None)


def before_app() -> FastAPI:
    """The app with the request middleware it had before issue 9 (api/app.py at fa67b97)."""
    from api.app import create_app
    from core.observability import ObservabilityMiddleware

    app = create_app()
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ObservabilityMiddleware]
    by_status: dict[int, int] = {}
    totals = {"requests": 0}

    @app.middleware("http")
    async def trace(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        trace_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = _old_trace_id.set(trace_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            _old_trace_id.reset(token)
        totals["requests"] += 1
        by_status[response.status_code] = by_status.get(response.status_code, 0) + 1
        response.headers["X-Trace-Id"] = trace_id
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return app


VARIANTS = {"before": "bench.bench_observability:before_app", "after": "bench.bench_observability:after_app"}


class _Drop(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that accepts every export and keeps nothing (an empty
    ExportTraceServiceResponse is an empty protobuf body)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def collector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    variant: str,
    url: str,
    paths: list[str],
    connections: list[int],
    duration: int,
    generator: str,
    otlp: str | None,
) -> list[dict[str, Any]]:
    env = dict(APP_ENV)
    if otlp:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp
    target = VARIANTS["after" if variant == "after+otlp" else variant]
    out = []
    with Server(url, 1, "memory", "high", extra_env=env, app=target, factory=True) as server:
        server.wait_ready()
        check_paths(server.base, paths)  # fills the cache: every request of the load is a hit
        for c in connections:
            cpu_before = cpu_seconds(server.proc.pid)
            if generator == "wrk":
                r = run_wrk(server.base, paths, c, duration, threads=1)
            else:
                r = run_python(server.base, paths, c, duration)
            cpu = cpu_seconds(server.proc.pid) - cpu_before
            r.update(variant=variant, connections=c, cpu_us_per_request=cpu / max(r["requests"], 1) * 1e6)
            out.append(r)
            print(
                f"  {variant:<10} c={c:<3} {r['rps']:,.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
                f"  server CPU {r['cpu_us_per_request']:.0f} us/request  errors {r['errors']}",
                flush=True,
            )
    return out


def summarize(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    keys = sorted(
        {(r["connections"], r["variant"]) for r in results},
        key=lambda k: (k[0], list(VARIANT_ORDER).index(k[1])),
    )
    for connections, variant in keys:
        runs = [r for r in results if r["connections"] == connections and r["variant"] == variant]
        rows.append(
            {
                "connections": connections,
                "variant": variant,
                "rounds": len(runs),
                "req/s": f"{statistics.median(r['rps'] for r in runs):,.0f}",
                "p50 ms": f"{statistics.median(r['p50_ms'] for r in runs):.2f}",
                "p99 ms": f"{statistics.median(r['p99_ms'] for r in runs):.2f}",
                "server CPU us/request": f"{statistics.median(r['cpu_us_per_request'] for r in runs):.0f}",
                "errors": sum(r["errors"] for r in runs),
            }
        )
    return rows


VARIANT_ORDER = ("before", "after", "after+otlp")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_observability", description=__doc__.split("\n")[0]
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", default="1,32")
    p.add_argument("--duration", type=int, default=10, help="seconds per load run (capped at 60)")
    p.add_argument("--paths", type=int, default=50, help="distinct cached searches in the mix")
    p.add_argument(
        "--otlp", action="store_true", help="also measure with spans exported to a loopback collector"
    )
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    generator = args.generator if args.generator != "auto" else ("wrk" if shutil.which("wrk") else "python")
    connections = [int(c) for c in args.connections.split(",") if c.strip()]
    duration = max(1, min(args.duration, 60))
    print(machine_header(), flush=True)
    url = ensure_database()
    paths = query_mix(args.paths)
    variants = [v for v in VARIANT_ORDER if v != "after+otlp" or args.otlp]
    results: list[dict[str, Any]] = []
    with collector() as otlp_url:
        for round_ in range(1, args.rounds + 1):
            print(f"round {round_}", flush=True)
            # Alternating variants within a round lets a load change on the shared machine fall on all of them.
            for variant in variants:
                otlp = otlp_url if variant == "after+otlp" else None
                results.extend(measure(variant, url, paths, connections, duration, generator, otlp))
    rows = summarize(results)
    print(markdown_table(list(rows[0]), [list(r.values()) for r in rows]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
