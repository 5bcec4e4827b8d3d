"""HTTP under load: the served app (uvicorn ``api.main:app``) against a mix of ``/providers`` searches.

The app serves a PostgreSQL database of its own holding the bundled catalog and price history (made
with ``gpubroker init``; reused when present, ``--rebuild`` to make it again), with the search cache
and bus on Redis DB 14 (``--cache memory`` for the in-process cache instead). For each worker count
(``--workers 1,2``) uvicorn is started on a free loopback port; then for each connection count
(``--connections 1,100,1000``; one connection gives the service time of a request) a load generator
runs for ``--duration`` seconds: ``wrk`` when it is installed (Debian's ``wrk``, with a Lua script
that draws each request's path from the mix), else a Python asyncio generator in a separate
process. Reported: requests/s, p50/p95/p99 latency, errors (socket errors, timeouts and non-2xx
answers) and the error rate. The server is stopped after its runs; everything stops by itself.

The per-IP rate limiter runs for every request but with anonymous limits of 1e6/s (``--rate-limit
high``), since all the load comes from one loopback address; ``--rate-limit default`` keeps the
app's limits (then most requests are answered 429, as they should be) and ``off`` disables it.

The mix: ``--paths`` distinct searches (200 by default) drawn with a fixed seed from GPU type x geo
x sort x page, plus provider, price, spot and full-text filters; every path is checked to answer 200
before the load starts. With a 60 s cache TTL most requests after the first pass are cache hits,
as on a busy marketplace.

    .venv/bin/python -m bench.bench_http --workers 1,2 --connections 1,100,1000 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.common import (
    REDIS_URL,
    database_exists,
    database_revision,
    engine_and_factory,
    flush_redis,
    machine_header,
    markdown_table,
    migration_head,
    percentile,
    pg_url,
    recreate_database,
)
from core.db import session_scope
from core.settings import ROOT

DB_NAME = "gpubroker_bench_http"
GPU_TYPES = [None, "H100", "A100", "A100 80GB", "4090", "L40S", "H200", "V100", "A10G", "L4"]
GEOS = [None, "na", "eu", "asia"]
SORTS = ["price_asc", "price_desc", "price_per_gpu_asc"]
EXTRAS: list[dict[str, Any]] = [
    {},
    {},
    {"provider": "aws,gcp"},
    {"max_price": 10},
    {"spot": "true"},
    {"gpu_count": 8},
    {"q": "sxm"},
    {"country": "US"},
]


def query_mix(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct /providers paths, drawn reproducibly."""
    rng = random.Random(seed)
    paths: dict[str, None] = {}
    attempts = 0
    while len(paths) < count and attempts < count * 50:
        attempts += 1
        params: dict[str, Any] = {}
        gpu, geo = rng.choice(GPU_TYPES), rng.choice(GEOS)
        if gpu:
            params["gpu_type"] = gpu
        if geo:
            params["geo"] = geo
        params.update(rng.choice(EXTRAS))
        params["sort"] = rng.choice(SORTS)
        page = rng.choice([1, 1, 1, 2, 3])
        if page > 1:
            params["page"] = page
        paths["/providers?" + urlencode(params)] = None
    return list(paths)


def ensure_database(rebuild: bool, name: str = DB_NAME) -> str:
    """The app's database: migrated, bundled catalog and history loaded, market forecasts computed.

    The forecasts are computed here (when the app has a forecast refresher) so that the server
    starts in its steady state: its refresher then finds them current and skips the model fits,
    which would otherwise compete with the load for the CPU during the first minutes.
    """
    url = pg_url(name)
    if rebuild or not database_exists("postgresql", name) or database_revision(url) != migration_head():
        url = recreate_database("postgresql", name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")}
        env.update(GPUBROKER_DATABASE_URL=url, GPUBROKER_REDIS_URL=REDIS_URL)
        subprocess.run(
            [
                str(Path(sys.executable).parent / "gpubroker"),
                "init",
            ],  # the running venv's (a worktree has none)
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    try:
        from catalog.predict import refresh_forecasts
    except ImportError:
        return url
    engine, factory = engine_and_factory(url)
    try:
        with session_scope(factory) as session:
            refresh_forecasts(session)
    finally:
        engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn in its own process group, stopped (the whole group) on exit."""

    def __init__(
        self,
        url: str,
        workers: int,
        cache: str,
        rate_limit: str = "high",
        extra_env: dict[str, str] | None = None,
        app: str = "api.main:app",
        factory: bool = False,
        root: Path = ROOT,
    ) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")}
        # The port goes to the settings too: providers (the sandbox) call the app back there.
        env.update(GPUBROKER_DATABASE_URL=url, GPUBROKER_LOG_LEVEL="warning", GPUBROKER_PORT=str(self.port))
        env.update(extra_env or {})
        if cache == "redis":
            env["GPUBROKER_REDIS_URL"] = REDIS_URL
        if rate_limit == "off":
            env["GPUBROKER_RATE_LIMIT_ENABLED"] = "false"
        elif rate_limit == "high":
            # The limiter runs for every request (its cost is measured) but never refuses one.
            env["GPUBROKER_RATE_LIMIT_ANONYMOUS_RPS"] = "1000000"
            env["GPUBROKER_RATE_LIMIT_ANONYMOUS_BURST"] = "1000000"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            *(["--factory"] if factory else []),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "4096",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"uvicorn exited: {self.output()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"uvicorn did not answer within {timeout_s} s: {self.output()}")

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server process has used so far (one worker: the process itself)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


WRK_SCRIPT = """
local paths = {%s}
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def run_wrk(base: str, paths: list[str], connections: int, duration: int, threads: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        script = fh.name
    try:
        cmd = [
            "wrk",
            f"-t{max(1, min(threads, connections))}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            script,
            base,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    finally:
        Path(script).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    r = json.loads(line[len("WRKJSON ") :])
    socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    completed = r["requests"]
    return {
        "generator": "wrk",
        "requests": completed,
        "seconds": r["duration_us"] / 1e6,
        "rps": completed / (r["duration_us"] / 1e6),
        "p50_ms": r["p50_us"] / 1000,
        "p95_ms": r["p95_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "max_ms": r["max_us"] / 1000,
        "errors": socket_errors + r["status"],
        "error_detail": {k: r[k] for k in ("connect", "read", "write", "timeout", "status")},
        "error_rate": (socket_errors + r["status"]) / max(completed + r["connect"], 1),
    }


async def _py_load(port: int, paths: list[str], connections: int, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "status": 0, "timeout": 0}
    deadline = time.perf_counter() + duration
    rng = random.Random(42)

    async def client() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < deadline:
            if writer is None:
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
                except (OSError, TimeoutError):
                    errors["connect"] += 1
                    await asyncio.sleep(0.1)
                    continue
            assert reader is not None and writer is not None
            path = paths[rng.randrange(len(paths))]
            started = time.perf_counter()
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await asyncio.wait_for(reader.readexactly(length), 10)
            except TimeoutError:
                errors["timeout"] += 1
                writer.close()
                writer = None
                continue
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                errors["read"] += 1
                writer.close()
                writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 2"):
                errors["status"] += 1
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    failed = errors["connect"] + errors["read"] + errors["timeout"] + errors["status"]
    return {
        "generator": "python-asyncio",
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies, default=0) * 1000,
        "errors": failed,
        "error_detail": errors,
        "error_rate": failed / max(len(latencies) + errors["connect"], 1),
    }


def run_python(base: str, paths: list[str], connections: int, duration: int) -> dict[str, Any]:
    """The asyncio generator in a separate process (so it does not share the caller's GIL)."""
    port = int(base.rsplit(":", 1)[1])
    payload = json.dumps({"port": port, "paths": paths, "connections": connections, "duration": duration})
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_http", "--_generator", payload],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=duration + 120,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def check_paths(base: str, paths: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for p in paths:
            r = client.get(p)
            if r.status_code != 200:
                raise SystemExit(f"{p} answered {r.status_code}: {r.text[:300]}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_http", description=__doc__.split("\n")[0])
    p.add_argument("--workers", default="1,2", help="comma list of uvicorn worker counts")
    p.add_argument("--connections", default="1,100,1000", help="comma list of concurrent connections")
    p.add_argument("--duration", type=int, default=15, help="seconds per load run (capped at 60)")
    p.add_argument("--paths", type=int, default=200, help="distinct searches in the mix")
    p.add_argument("--cache", choices=("redis", "memory"), default="redis", help="the app's search cache")
    p.add_argument(
        "--rate-limit",
        choices=("high", "default", "off"),
        default="high",
        help="high: the limiter runs but anonymous limits are 1e6/s (all load comes from one IP); "
        "default: the app's per-IP limits (most requests get 429); off: GPUBROKER_RATE_LIMIT_ENABLED=false",
    )
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--rebuild", action="store_true", help="make the database again")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--_generator", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    if args._generator:  # the child process of run_python
        spec = json.loads(args._generator)
        result = asyncio.run(_py_load(spec["port"], spec["paths"], spec["connections"], spec["duration"]))
        print(json.dumps(result))
        return [result]
    duration = max(1, min(args.duration, 60))
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    print(machine_header(), flush=True)
    url = ensure_database(args.rebuild)
    paths = query_mix(args.paths)
    results = []
    for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
        if args.cache == "redis":
            flush_redis(REDIS_URL)
        with Server(url, workers, args.cache, args.rate_limit) as server:
            server.wait_ready()
            check_paths(server.base, paths)  # also fills the cache once
            for connections in [int(c) for c in args.connections.split(",") if c.strip()]:
                if generator == "wrk":
                    r = run_wrk(server.base, paths, connections, duration, args.threads)
                else:
                    r = run_python(server.base, paths, connections, duration)
                r.update(
                    workers=workers,
                    connections=connections,
                    cache=args.cache,
                    paths=len(paths),
                    rate_limit=args.rate_limit,
                )
                results.append(r)
                print(
                    f"  workers {workers} connections {connections}: {r['rps']:,.0f} req/s, p50 "
                    f"{r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors "
                    f"{r['errors']} ({r['error_rate']:.2%}) {r['error_detail']}",
                    flush=True,
                )
                time.sleep(2)  # let the server drain between runs
    print()
    print(report(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return results


def report(results: list[dict[str, Any]]) -> str:
    headers = [
        "workers",
        "connections",
        "generator",
        "cache",
        "rate limit",
        "seconds",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "error rate",
    ]
    rows = [
        [
            r["workers"],
            r["connections"],
            r["generator"],
            r["cache"],
            r["rate_limit"],
            f"{r['seconds']:.1f}",
            f"{r['requests']:,}",
            f"{r['rps']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            r["errors"],
            f"{r['error_rate']:.2%}",
        ]
        for r in results
    ]
    return markdown_table(headers, rows)


if __name__ == "__main__":
    main()
