"""The price stream under load: ingest-to-client latency with 1,000 subscribed WebSocket clients spread
over 2 API replicas (FR-WS-1; target p95 <= 100 ms, the spec allows 2 s).

Two uvicorn processes (``api.main:app``) serve one PostgreSQL database and share Redis: each reads the
``price_updates`` stream once and fans out to its own clients (``catalog.stream.PriceHub``). This
process opens ``--clients`` WebSockets, half to each replica, all subscribed to the Lambda offers with
``{"type": "subscribe", "filters": {"provider": "lambda"}}``. Then, ``--rounds`` times, it ingests a
Lambda catalog in which ``--changes`` offers have a new price, through the real pipeline
(``catalog.ingest.run_sync`` with the Redis Streams bus, as ``gpubroker sync --from`` does), and
every client records, for each ``price_update`` it receives, ``receive time - ts``: ``ts`` is stamped
when the sync's unit of work *starts* (before it normalizes, upserts and commits), so the figure
covers the whole ingestion, the outbox publish after commit, Redis, the replica's fan-out and the
socket. All processes share this machine's clock.

    PYTHONPATH=. .venv/bin/python -m bench.bench_price_stream --clients 1000 --rounds 20 --changes 5

``--variant both`` also runs the limit twin (``bench.stream_twin``: the ``websockets`` library's own
server broadcasting ready-made frames read from Redis, no app at all) with the same clients, replicas,
events and pauses, and prints the product's *commit to client* against the twin's *publish to client*:
what the machine itself costs for that many sockets, and what the product adds to it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import uvloop
from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.bench_http import Server
from bench.common import (
    REDIS_URL,
    bench_settings,
    engine_and_factory,
    flush_redis,
    machine_header,
    markdown_table,
    percentile,
    recreate_database,
)
from catalog.adapters.base import FetchResult
from catalog.adapters.registry import get_adapter_class
from catalog.ingest import run_sync
from core.bus import MemoryBus, make_bus

DB_NAME = "gpubroker_bench_stream"
TWIN_STREAM = "bench:twin"
SNAPSHOT = Path(__file__).resolve().parent.parent / "catalog" / "snapshots" / "catalog" / "lambda.csv"


def lambda_rows() -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(SNAPSHOT.read_text(encoding="utf-8"), newline="")))


COMMITS: dict[int, float] = {}  # first seq of a sync -> when its transaction committed (time.time())


class Client:
    def __init__(self, compression: str | None = "deflate") -> None:
        self.compression = compression
        self.latencies_ms: list[float] = []
        self.after_commit_ms: list[tuple[int, float]] = []
        self.seqs: set[int] = set()
        self.duplicates = 0

    async def run(
        self, url: str, ready: asyncio.Event, counter: list[int], total: int, stop: asyncio.Event
    ) -> None:
        from websockets.asyncio.client import connect

        async with connect(url, open_timeout=60, max_queue=None, compression=self.compression) as ws:
            await ws.send(json.dumps({"type": "subscribe", "filters": {"provider": "lambda"}}))
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "subscribed":
                    break
            counter[0] += 1
            if counter[0] == total:
                ready.set()
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                received = time.time()
                frame = orjson.loads(raw)
                if frame["type"] != "price_update":
                    continue
                if frame["seq"] in self.seqs:
                    self.duplicates += 1
                    continue
                self.seqs.add(frame["seq"])
                sent = datetime.fromisoformat(frame["ts"]).timestamp()
                self.latencies_ms.append((received - sent) * 1000)
                self.after_commit_ms.append((frame["seq"], received))


async def connect_all(
    args: argparse.Namespace, urls: list[str]
) -> tuple[list[Client], list[asyncio.Task[None]], asyncio.Event]:
    """Opens ``--clients`` subscribed sockets, spread over ``urls``; returns once all are subscribed."""
    compression = None if args.compression == "none" else "deflate"
    clients = [Client(compression) for _ in range(args.clients)]
    ready, stop = asyncio.Event(), asyncio.Event()
    counter = [0]
    tasks = []
    for i, c in enumerate(clients):
        tasks.append(asyncio.create_task(c.run(urls[i % len(urls)], ready, counter, len(clients), stop)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not flood the accept queues
    await asyncio.wait_for(ready.wait(), timeout=120)
    return clients, tasks, stop


async def settle(
    clients: list[Client], tasks: list[asyncio.Task[None]], stop: asyncio.Event, expected: int
) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(len(c.seqs) < expected for c in clients):
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)


# A price_update frame as the product sends it (catalog.stream), with seq and ts set per event.
TWIN_FRAME = {
    "type": "price_update",
    "offer_id": "lambda-a0f5e173fd93",
    "external_id": "gpu_8x_h100_sxm5/asia-south-1",
    "provider": "lambda",
    "gpu_type": "H100 SXM",
    "region": "asia-south-1",
    "old_price": 23.92,
    "new_price": 24.159,
    "availability": "up",
    "price_as_of": "2026-12-07T10:00:00+00:00",
}


async def drive_twin(args: argparse.Namespace, urls: list[str]) -> dict[str, Any]:
    """The same clients, rounds and events against the limit twin: each event is one XADD of its frame."""
    import redis.asyncio as aioredis

    clients, tasks, stop = await connect_all(args, urls)
    publisher = aioredis.Redis.from_url(REDIS_URL)
    seq = expected = 0
    for r in range(args.rounds):
        events = args.changes + (args.changes if r else 0)
        async with publisher.pipeline(transaction=False) as pipe:
            for _ in range(events):
                seq += 1
                frame = {**TWIN_FRAME, "seq": seq, "ts": datetime.now(UTC).isoformat()}
                pipe.xadd(TWIN_STREAM, {"frame": orjson.dumps(frame)})
            await pipe.execute()
        expected += events
        await asyncio.sleep(args.pause)
    await settle(clients, tasks, stop, expected)
    await publisher.aclose()
    return delivered(clients, len(urls), expected)


def delivered(clients: list[Client], replicas: int, expected: int) -> dict[str, Any]:
    """What every client received of ``expected`` events: counts and the latency percentiles."""
    latencies = [v for c in clients for v in c.latencies_ms]
    return {
        "clients": len(clients),
        "replicas": replicas,
        "events": expected,
        "deliveries": len(latencies),
        "expected_deliveries": expected * len(clients),
        "duplicates": sum(c.duplicates for c in clients),
        "missing": expected * len(clients) - len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "histogram": histogram(latencies),
    }


async def drive(args: argparse.Namespace, urls: list[str], settings: Any, factory: Any) -> dict[str, Any]:
    clients, tasks, stop = await connect_all(args, urls)
    bus = make_bus(settings.redis_url)
    adapter = get_adapter_class("lambda")(settings)
    base = lambda_rows()
    expected = 0
    sync_s: list[float] = []
    for r in range(args.rounds):
        rows = [dict(row) for row in base]
        for k in range(args.changes):
            row = rows[(r * args.changes + k) * 7 % len(rows)]
            row["Price"] = f"{float(row['Price']) * (1.01 + 0.001 * r):.4f}"
        fetched = FetchResult(rows, "bench", datetime.now(UTC), "snapshot", 0.0, datetime.now(UTC))
        started = time.perf_counter()
        before = len(COMMITS)
        report = await asyncio.to_thread(
            run_sync,
            factory,
            settings,
            bus=bus,
            providers=["lambda"],
            adapters={"lambda": adapter},
            fetched={"lambda": fetched},
        )
        sync_s.append(time.perf_counter() - started)
        p = report.providers[0]
        assert p.error is None, p.error
        assert len(COMMITS) == before + 1
        # This round's price changes, and the previous round's changed rows going back to their price.
        expected += sum(1 for _ in range(args.changes)) + (args.changes if r else 0)
        await asyncio.sleep(args.pause)
    await settle(clients, tasks, stop, expected)
    firsts = sorted(COMMITS)
    from_commit = []
    for c in clients:
        for seq, received in c.after_commit_ms:
            first = max((f for f in firsts if f <= seq), default=None)
            if first is not None:
                from_commit.append((received - COMMITS[first]) * 1000)
    return {
        "commit_p50_ms": percentile(from_commit, 50),
        "commit_p95_ms": percentile(from_commit, 95),
        "commit_p99_ms": percentile(from_commit, 99),
        **delivered(clients, len(urls), expected),
        "rounds": args.rounds,
        "changes_per_round": args.changes,
        "sync_p50_ms": percentile(sync_s, 50) * 1000,
    }


def histogram(latencies: list[float]) -> list[tuple[str, int]]:
    edges = [10, 25, 50, 75, 100, 150, 250, 500, 1000, 2000]
    out, low = [], 0.0
    for edge in edges:
        out.append((f"{low:g}-{edge} ms", sum(1 for v in latencies if low <= v < edge)))
        low = edge
    out.append((f">= {low:g} ms", sum(1 for v in latencies if v >= low)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_price_stream", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--changes", type=int, default=5, help="offers whose price changes per ingestion")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between ingestions")
    p.add_argument(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="permessage-deflate, as browsers offer it, or none",
    )
    p.add_argument(
        "--variant",
        choices=("product", "twin", "both"),
        default="product",
        help="the product's replicas, the limit twin (bench.stream_twin), or both in one run",
    )
    args = p.parse_args()
    product = run_product(args) if args.variant in ("product", "both") else None
    twin = run_twin(args) if args.variant in ("twin", "both") else None
    print(machine_header())
    if product is not None:
        print_product(product)
    if product is not None and twin is not None:
        print()
        print("against the limit twin (same clients, events and pauses; after the commit / after the XADD):")
        print(
            markdown_table(
                [
                    "variant",
                    "clients",
                    "replicas",
                    "deliveries",
                    "missing",
                    "duplicates",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                ],
                [
                    [
                        "product, commit to client",
                        product["clients"],
                        product["replicas"],
                        f"{product['deliveries']:,}",
                        product["missing"],
                        product["duplicates"],
                        f"{product['commit_p50_ms']:.1f}",
                        f"{product['commit_p95_ms']:.1f}",
                        f"{product['commit_p99_ms']:.1f}",
                    ],
                    [
                        "twin, publish to client",
                        twin["clients"],
                        twin["replicas"],
                        f"{twin['deliveries']:,}",
                        twin["missing"],
                        twin["duplicates"],
                        f"{twin['p50_ms']:.1f}",
                        f"{twin['p95_ms']:.1f}",
                        f"{twin['p99_ms']:.1f}",
                    ],
                ],
            )
        )
        print(f"p95 ratio product / twin: {product['commit_p95_ms'] / twin['p95_ms']:.2f}")
    elif twin is not None:
        print(
            markdown_table(
                ["clients", "replicas", "deliveries", "missing", "p50 ms", "p95 ms", "p99 ms"],
                [
                    [
                        twin["clients"],
                        twin["replicas"],
                        f"{twin['deliveries']:,}",
                        twin["missing"],
                        f"{twin['p50_ms']:.1f}",
                        f"{twin['p95_ms']:.1f}",
                        f"{twin['p99_ms']:.1f}",
                    ]
                ],
            )
        )


def run_twin(args: argparse.Namespace) -> dict[str, Any]:
    import socket
    import subprocess
    import sys

    flush_redis(REDIS_URL)
    procs, urls = [], []
    try:
        for _ in range(args.replicas):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.stream_twin",
                    "--port",
                    str(port),
                    "--redis",
                    REDIS_URL,
                    "--stream",
                    TWIN_STREAM,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append(proc)
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            urls.append(f"ws://127.0.0.1:{port}/")
        return uvloop.run(drive_twin(args, urls))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def run_product(args: argparse.Namespace) -> dict[str, Any]:
    flush_redis(REDIS_URL)
    url = recreate_database("postgresql", DB_NAME)
    settings = bench_settings(url, REDIS_URL)
    from api.cli import migrate

    migrate(settings)
    engine, factory = engine_and_factory(url)
    run_sync(factory, settings, providers=["lambda"], bus=MemoryBus())

    def committed(session: Session) -> None:
        # Before the outbox's own after-commit publish (insert=True puts this listener first).
        for _bus, _id, topic, _key, payload in session.info.get("outbox_pending", []):
            if topic == "price_updates":
                COMMITS[int(payload["first_seq"])] = time.time()

    event.listen(Session, "after_commit", committed, insert=True)
    env = {
        "GPUBROKER_REDIS_URL": REDIS_URL,
        "GPUBROKER_EMBEDDED_WORKER": "false",
        "GPUBROKER_PRICE_STREAM_ANONYMOUS_PER_IP": str(args.clients * 2),
        "GPUBROKER_SANDBOX_PROVIDER_ENABLED": "false",
    }
    servers = [Server(url, 1, "redis", extra_env=env) for _ in range(args.replicas)]
    try:
        for s in servers:
            s.wait_ready()
        urls = [s.base.replace("http://", "ws://") + "/ws/prices" for s in servers]
        # uvloop and orjson in this process: 1,000 sockets' frames are parsed by one process sharing the
        # machine with both replicas, PostgreSQL and Redis, and must not be the bottleneck measured.
        result = uvloop.run(drive(args, urls, settings, factory))
    finally:
        for s in servers:
            s.stop()
        engine.dispose()
    return result


def print_product(result: dict[str, Any]) -> None:
    print()
    print(
        markdown_table(
            [
                "clients",
                "replicas",
                "events",
                "deliveries",
                "missing",
                "duplicates",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "commit to client p50 / p95 / p99 ms",
                "sync p50 ms",
            ],
            [
                [
                    result["clients"],
                    result["replicas"],
                    result["events"],
                    f"{result['deliveries']:,} of {result['expected_deliveries']:,}",
                    result["missing"],
                    result["duplicates"],
                    f"{result['p50_ms']:.1f}",
                    f"{result['p95_ms']:.1f}",
                    f"{result['p99_ms']:.1f}",
                    f"{result['max_ms']:.1f}",
                    f"{result['commit_p50_ms']:.1f} / {result['commit_p95_ms']:.1f} / {result['commit_p99_ms']:.1f}",
                    f"{result['sync_p50_ms']:.1f}",
                ]
            ],
        )
    )
    print()
    print("latency distribution (ingest start to client):")
    print(markdown_table(["latency", "deliveries"], result["histogram"]))


if __name__ == "__main__":
    main()
