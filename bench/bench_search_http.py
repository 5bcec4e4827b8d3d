"""Cached ``GET /providers`` against its limit twin (bench/search_twin.py), side by side in one run.

For each worker count (``--workers 1,2``) every server is started with that many uvicorn workers: the
product (``api.main:app``, Redis cache and rate limiter on ``--redis``, anonymous limits of 1e6/s so
the limiter runs and never refuses; one or more code trees, ``--product NAME=DIR``, e.g. the code
before a change in a second checkout and the code after it) and the twin. Each product answers the
``--paths`` distinct searches of bench.bench_http's mix once (that fills its cache, and checks each
is a 200); the twin's Redis keys are then the bytes the first product answered for each URL. For
each connection count (``--connections 1,100,1000``) wrk runs ``--duration`` seconds against each
server in turn, drawing every request's URL from the mix, so all the load is cache hits. There are
two twins: ``twin`` (FastAPI, one async route: the twin issue 14's targets are set against) and
``asgi`` (a bare ASGI callable). Reported per run: req/s, p50/p95, server CPU per request (user +
system time of the server's processes, from /proc, over the run, divided by the requests answered),
each server's ratio to both twins' req/s in the same run, and the load average when the run ended.
The machine is shared: compare variants of one run, not runs.

    python -m bench.bench_search_http --product before=/tmp/gb-before --product after=. \\
        --workers 1,2 --connections 1,100,1000 --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.bench_http import Server, free_port, query_mix, run_wrk
from bench.common import markdown_table, pg_url, recreate_database
from core.settings import ROOT

DB_NAME = "gpubroker_bench_search"
REDIS_URL = "redis://127.0.0.1:6379/7"
TWIN_PREFIX = "twin:search:"
TICK = os.sysconf("SC_CLK_TCK")
# The twin issue 14's targets are set against (FastAPI, one async route), and the framework-free floor.
TWINS = [("twin", "bench.search_twin:fastapi_app"), ("asgi", "bench.search_twin:app")]


def group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group (uvicorn and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def settle(pgid: int, timeout_s: float = 60) -> None:
    """Waits until the server idles (under 5% of a core over a second): startup work done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = group_cpu_s(pgid)
        time.sleep(1)
        if group_cpu_s(pgid) - before < 0.05:
            return


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Uvicorn(Server):
    """uvicorn in its own process group, from ``cwd``, stopped (the whole group) on exit."""

    def __init__(self, app: str, cwd: Path, workers: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")}
        full.update(env, PYTHONPATH=str(cwd))
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log", "--backlog", "4096"]
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=full, stdout=self.log, stderr=self.log, start_new_session=True
        )

    def wait_until(self, path: str, timeout_s: float = 90) -> None:
        """Until ``path`` answers at all (the twin has no /healthz)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"uvicorn exited: {self.output()}")
            try:
                httpx.get(self.base + path, timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit(f"uvicorn did not answer within {timeout_s} s: {self.output()}")


def ensure_database(rebuild: bool) -> str:
    url = pg_url(DB_NAME)
    marker = Path(tempfile.gettempdir()) / f"{DB_NAME}.ready"
    if rebuild or not marker.exists():
        url = recreate_database("postgresql", DB_NAME)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")}
        env.update(GPUBROKER_DATABASE_URL=url, GPUBROKER_REDIS_URL=REDIS_URL, PYTHONPATH=str(ROOT))
        subprocess.run([sys.executable, "-m", "api.cli", "init"], env=env, cwd=ROOT, check=True)
        marker.write_text(url)
    return url


def product_env(url: str) -> dict[str, str]:
    return {
        "GPUBROKER_DATABASE_URL": url,
        "GPUBROKER_REDIS_URL": REDIS_URL,
        "GPUBROKER_LOG_LEVEL": "warning",
        "GPUBROKER_EMBEDDED_WORKER": "false",
        "GPUBROKER_RATE_LIMIT_ANONYMOUS_RPS": "1000000",
        "GPUBROKER_RATE_LIMIT_ANONYMOUS_BURST": "1000000",
    }


def fill(base: str, paths: list[str]) -> dict[str, bytes]:
    """Each path once (a miss that stores it); the bytes answered, each checked to be a 200."""
    out = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for p in paths:
            r = client.get(p)
            if r.status_code != 200:
                raise SystemExit(f"{base}{p} answered {r.status_code}: {r.text[:300]}")
            out[p] = r.content
    return out


def measure(
    name: str, server: Uvicorn, paths: list[str], connections: int, args: argparse.Namespace
) -> dict[str, Any]:
    cpu0 = group_cpu_s(server.proc.pid)
    r = run_wrk(server.base, paths, connections, args.duration, args.threads)
    cpu = group_cpu_s(server.proc.pid) - cpu0
    r.update(server=name, connections=connections, cpu_ms_per_req=cpu * 1000 / max(r["requests"], 1))
    r["load"] = loadavg()
    print(
        f"  {name:>8} c={connections:<5} {r['rps']:>8,.0f} req/s  p50 {r['p50_ms']:7.1f} ms  p95 "
        f"{r['p95_ms']:7.1f} ms  cpu/req {r['cpu_ms_per_req']:.2f} ms  errors {r['errors']}  load {r['load']}",
        flush=True,
    )
    time.sleep(2)
    return r


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_search_http", description=__doc__.split("\n")[0])
    p.add_argument("--product", action="append", help="NAME=DIR: a code tree to serve (repeatable)")
    p.add_argument("--workers", default="1,2")
    p.add_argument("--connections", default="1,100,1000")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    p.add_argument("--paths", type=int, default=200)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--rebuild", action="store_true", help="make the database again")
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    products = [
        (s.split("=", 1)[0], Path(s.split("=", 1)[1]).resolve()) for s in args.product or ["product=."]
    ]
    url = ensure_database(args.rebuild)
    paths = query_mix(args.paths)
    store = redis.Redis.from_url(REDIS_URL)
    results: list[dict[str, Any]] = []
    print(f"{os.cpu_count()} CPUs, load {loadavg()}; {len(paths)} URLs; products {products}", flush=True)
    for workers in [int(w) for w in args.workers.split(",")]:
        store.flushdb()
        servers: list[tuple[str, Uvicorn]] = []
        answers: dict[str, bytes] = {}
        try:
            for name, tree in products:
                server = Uvicorn("api.main:app", tree, workers, product_env(url))
                servers.append((name, server))
                server.wait_until("/healthz")
                got = fill(server.base, paths)
                differ = [p for p in paths if answers and got[p] != answers[p]]
                if differ:
                    print(
                        f"  {name} answers {len(differ)} of the URLs with other bytes, e.g. {differ[0]}",
                        flush=True,
                    )
                answers = answers or got
            twin_env = {"GPUBROKER_TWIN_REDIS_URL": REDIS_URL, "GPUBROKER_TWIN_PREFIX": TWIN_PREFIX}
            store.mset({TWIN_PREFIX + p: body for p, body in answers.items()})
            for name, app in TWINS:
                twin = Uvicorn(app, ROOT, workers, twin_env)
                servers.append((name, twin))
                twin.wait_until(paths[0])
            for _name, server in servers:
                settle(server.proc.pid)
            print(f"workers {workers}", flush=True)
            for connections in [int(c) for c in args.connections.split(",")]:
                run = [measure(name, s, paths, connections, args) for name, s in servers]
                by = {r["server"]: r["rps"] for r in run}
                for r in run:
                    r.update(workers=workers, ratio=r["rps"] / by["twin"], ratio_asgi=r["rps"] / by["asgi"])
                results.extend(run)
        finally:
            for _name, s in servers:
                s.stop()
    print()
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return results


def report(results: list[dict[str, Any]]) -> str:
    headers = [
        "workers",
        "conns",
        "server",
        "req/s",
        "p50 ms",
        "p95 ms",
        "CPU ms/req",
        "÷ twin",
        "÷ asgi",
        "errors",
        "load",
    ]
    rows = [
        [
            r["workers"],
            r["connections"],
            r["server"],
            f"{r['rps']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['cpu_ms_per_req']:.2f}",
            f"{r['ratio']:.2f}",
            f"{r['ratio_asgi']:.2f}",
            r["errors"],
            r["load"],
        ]
        for r in results
    ]
    return markdown_table(headers, rows)


if __name__ == "__main__":
    main()
