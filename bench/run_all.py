"""Run the benchmarks with modest defaults: ``python -m bench.run_all`` (what ``make bench`` runs).

Defaults: search latency at 100k offers on SQLite and PostgreSQL (100 uncached and 500 cached calls
per query), a 100k-offer sync into PostgreSQL, HTTP load with 1 and 2 uvicorn workers at 1, 100 and
1,000 connections for 15 s each, and cached ``GET /providers`` beside its limit twins at the same
workers and connections (bench.bench_search_http). The full figures in ``docs/BENCHMARKS.md`` come from the individual
modules with larger settings (their commands are written above each table). ``--quick`` is a smoke
run of a minute or two (20k offers, short load runs).

    .venv/bin/python -m bench.run_all [--rows 100000] [--only search,ingest,http,search-http] [--quick]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench import bench_http, bench_ingest, bench_search, bench_search_http
from bench.common import machine_header

BENCHMARKS = ("search", "ingest", "http", "search-http")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="offers for the search and ingest benchmarks")
    p.add_argument("--backends", default="sqlite,postgresql", help="search backends")
    p.add_argument("--uncached", type=int, default=100, help="uncached calls per search query")
    p.add_argument("--cached", type=int, default=500, help="cached calls per search query")
    p.add_argument("--workers", default="1,2", help="uvicorn worker counts")
    p.add_argument("--connections", default="1,100,1000", help="HTTP concurrent connections")
    p.add_argument("--duration", type=int, default=15, help="seconds per HTTP load run")
    p.add_argument("--only", default=",".join(BENCHMARKS), help="comma list of: " + ", ".join(BENCHMARKS))
    p.add_argument("--quick", action="store_true", help="a smoke run: 20k offers, 5 s load runs")
    p.add_argument("--rebuild", action="store_true", help="build the search datasets again")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    args = parse_args(argv)
    if args.quick:
        args.rows, args.uncached, args.cached, args.duration = 20_000, 30, 100, 5
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = [b for b in only if b not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    started = time.perf_counter()
    print(machine_header(), flush=True)
    out: dict[str, list[dict[str, Any]]] = {}
    tables: list[tuple[str, str]] = []
    if "search" in only:
        print("\n== search latency (bench.bench_search)", flush=True)
        search_args = [
            f"--rows={args.rows}",
            f"--backends={args.backends}",
            f"--uncached={args.uncached}",
            f"--cached={args.cached}",
        ]
        if args.rebuild:
            search_args.append("--rebuild")
        out["search"] = bench_search.main(search_args)
        tables.append(("search latency", bench_search.report(out["search"])))
    if "ingest" in only:
        print("\n== ingestion throughput (bench.bench_ingest)", flush=True)
        out["ingest"] = bench_ingest.main([f"--rows={args.rows}"])
        tables.append(("ingestion throughput", bench_ingest.report(out["ingest"])))
    if "http" in only:
        print("\n== HTTP under load (bench.bench_http)", flush=True)
        out["http"] = bench_http.main(
            [f"--workers={args.workers}", f"--connections={args.connections}", f"--duration={args.duration}"]
        )
        tables.append(("HTTP under load", bench_http.report(out["http"])))
    if "search-http" in only:
        print("\n== cached search against its limit twins (bench.bench_search_http)", flush=True)
        out["search-http"] = bench_search_http.main(
            [f"--workers={args.workers}", f"--connections={args.connections}", f"--duration={args.duration}"]
        )
        tables.append(("cached search against its limit twins", bench_search_http.report(out["search-http"])))
    print(f"\n== summary ({time.perf_counter() - started:.0f} s)")
    for title, table in tables:
        print(f"\n{title}\n\n{table}")
    return out


if __name__ == "__main__":
    main()
