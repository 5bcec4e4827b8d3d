"""Throughput of N API replicas against one (issue 9): cached ``/providers`` searches, PostgreSQL and Redis.

Each replica is its own ``uvicorn`` process on its own port with one worker (what `gpubroker serve` runs
per container); the load is spread over the replicas client-side, one ``wrk`` per replica with the
connections split between them (what a round-robin load balancer does). The same run also measures one
process with ``--workers N``, the simplest way to use the same cores. Figures: total req/s, the worst
replica's p50/p95, errors, and the ratio to one replica.

    python -m bench.bench_replicas --replicas 1,2,3 --connections 64 --duration 15

On a machine with C cores, replicas beyond C share the same CPUs: the ratio says what scaling out buys
once each replica has a core of its own, and what it costs (more processes, more Redis connections)
when it does not.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
from typing import Any

from bench.bench_http import Server, check_paths, ensure_database, query_mix, run_wrk
from bench.common import machine_header


def run_variant(
    url: str, paths: list[str], replicas: int, workers: int, connections: int, duration: int
) -> dict[str, Any]:
    servers = [Server(url, workers=workers, cache="redis") for _ in range(replicas)]
    try:
        for s in servers:
            s.wait_ready()
        for s in servers:
            check_paths(s.base, paths[:5])
        check_paths(servers[0].base, paths)  # the cache is shared: one pass warms it for every replica
        share = max(1, connections // replicas)
        threads = max(1, 2 // replicas) if replicas > 1 else 2
        with concurrent.futures.ThreadPoolExecutor(max_workers=replicas) as pool:
            results = list(pool.map(lambda s: run_wrk(s.base, paths, share, duration, threads), servers))
    finally:
        for s in servers:
            s.stop()
    total = sum(r["rps"] for r in results)
    return {
        "variant": f"{replicas} x serve" if workers == 1 else f"1 x serve --workers {workers}",
        "replicas": replicas,
        "workers": workers,
        "connections": share * replicas,
        "rps": round(total, 1),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--replicas", default="1,2,3", help="comma list of replica counts")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--duration", type=int, default=15)
    p.add_argument("--rebuild", action="store_true", help="rebuild the benchmark database first")
    args = p.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk (apt-get install wrk)")
    url = ensure_database(args.rebuild)
    paths = query_mix(200)
    counts = [int(n) for n in args.replicas.split(",")]
    results = [run_variant(url, paths, n, 1, args.connections, args.duration) for n in counts]
    most = max(counts)
    if most > 1:
        results.append(run_variant(url, paths, 1, most, args.connections, args.duration))
    base = results[0]["rps"] or 1.0
    print(machine_header())
    print(
        f"cached /providers, {args.connections} connections, {args.duration} s each, load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'variant':<24} {'req/s':>9} {'x one':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for r in results:
        print(
            f"{r['variant']:<24} {r['rps']:>9,.0f} {r['rps'] / base:>6.2f} {r['p50_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {r['errors']:>7}"
        )
    return results


if __name__ == "__main__":
    main()
