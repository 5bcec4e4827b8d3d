"""Chat latency of the assistant over HTTP: POST /ai/chat/stream with the offline model.

Starts the app under uvicorn (its own PostgreSQL database with the bundled catalog, the same one
bench_http uses), signs a user in, then runs U concurrent users who each send a series of prompts
from the eval dataset and read the SSE stream to its end. Prints, per concurrency: requests, p50/p95
of the whole answer and of the first streamed event, and errors.

    .venv/bin/python -m bench.bench_chat --users 1,20 --requests 40
    .venv/bin/python -m bench.bench_chat --variant before=../main --variant after=. --rounds 2

Also prints the server's CPU per turn (user + system of the uvicorn process from /proc, over each level), as
used and net of the CPU the idle server uses meanwhile (measured for 3 s before each level: its jobs and loops).

``--interleave``: every variant is served at once and the level's turns go to them in alternating batches
(``--batches`` each, the order reversed every other batch), so that variants share the machine's load minute
by minute; on a noisy machine this compares them far more tightly than serving them one after another:

    .venv/bin/python -m bench.bench_chat --users 1,20 --requests 400 --interleave --batches 10 \
      --variant main=../main --variant this=.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.bench_http import DB_NAME, Server, ensure_database
from bench.common import machine_header, percentile
from core.settings import ROOT
from evals.runner import DATASETS, load_cases


def prompts(n: int, offset: int = 0) -> list[str]:
    cases = [c for c in load_cases([DATASETS / "assistant.jsonl"]) if not c.get("thread")]
    return [str(cases[i % len(cases)]["prompt"]) for i in range(offset, offset + n)]


async def one_user(base: str, token: str, asks: list[str], out: list[dict[str, Any]]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        for prompt in asks:
            started = time.perf_counter()
            first = None
            ok = False
            try:
                async with client.stream("POST", "/ai/chat/stream", json={"prompt": prompt}) as r:
                    async for line in r.aiter_lines():
                        if first is None and line.startswith("event:"):
                            first = time.perf_counter()
                        if line.startswith("event: result"):
                            ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            done = time.perf_counter()
            out.append(
                {"ok": ok, "ms": (done - started) * 1000, "first_ms": ((first or done) - started) * 1000}
            )


async def run(base: str, token: str, users: int, per_user: int, offset: int = 0) -> dict[str, Any]:
    asks = prompts(users * per_user, offset)
    out: list[dict[str, Any]] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(one_user(base, token, asks[u * per_user : (u + 1) * per_user], out) for u in range(users))
    )
    wall = time.perf_counter() - started
    ms = [r["ms"] for r in out if r["ok"]]
    first = [r["first_ms"] for r in out if r["ok"]]
    return {
        "users": users,
        "requests": len(out),
        "errors": sum(1 for r in out if not r["ok"]),
        "throughput_rps": round(len(out) / wall, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "first_event_p50_ms": round(percentile(first, 50), 1),
        "first_event_p95_ms": round(percentile(first, 95), 1),
        "samples": ms,
        "first_samples": first,
    }


def settle(server: Server, timeout_s: float = 60) -> None:
    """Waits until the server uses under 5 % of a core for a second (or ``timeout_s`` passed)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = server.cpu_s()
        time.sleep(1)
        if server.cpu_s() - before < 0.05:
            return


def parse_variant(spec: str) -> tuple[str, Path, dict[str, str]]:
    label, _, rest = spec.partition("=")
    root, *settings = rest.split(":")
    return label, Path(root).resolve(), dict(item.split("=", 1) for item in settings)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", default="1,20", help="comma list of concurrent users")
    parser.add_argument("--requests", type=int, default=40, help="prompts per concurrency level (total)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--database", default=DB_NAME, help="PostgreSQL database (made and loaded if missing)"
    )
    parser.add_argument(
        "--variant",
        action="append",
        help="LABEL=TREE[:NAME=VALUE...]: serve that tree's code with those settings (GPUBROKER_ names); "
        "repeat to compare variants side by side in one run",
    )
    parser.add_argument("--rounds", type=int, default=1, help="times each variant is served, in turn")
    parser.add_argument(
        "--interleave", action="store_true", help="serve every variant at once, turns in alternating batches"
    )
    parser.add_argument(
        "--batches", type=int, default=10, help="with --interleave: batches per variant and level"
    )
    args = parser.parse_args(argv)
    url = ensure_database(args.rebuild, args.database)
    variants = [parse_variant(v) for v in args.variant or [f"this={ROOT}"]]
    if args.interleave:
        return interleaved(
            url, variants, [int(u) for u in args.users.split(",")], args.requests, args.batches
        )
    results = []
    for round_no in range(args.rounds):
        for label, root, env in variants:
            with Server(url, workers=1, cache="memory", root=root, extra_env=env) as server:
                server.wait_ready()
                email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
                r = httpx.post(
                    server.base + "/auth/register",
                    json={"email": email, "password": "bench-password-123", "tenant_name": "bench"},
                    timeout=30,
                )
                r.raise_for_status()
                token = r.json()["access_token"]
                asyncio.run(run(server.base, token, 1, 3))  # warm-up: imports, caches
                # The API loads the knowledge search's embedding model in a background thread at startup
                # (seconds of CPU): wait for it, or its CPU is counted in the first level's turns.
                settle(server)
                for users in (int(u) for u in args.users.split(",")):
                    per_user = max(1, args.requests // users)
                    # The server's CPU while idle (its background jobs and loops), then over the level (user +
                    # system, /proc): per turn, less what it would have used idle meanwhile.
                    idle_cpu, idle_wall = server.cpu_s(), time.perf_counter()
                    time.sleep(3)
                    cpu, wall = server.cpu_s(), time.perf_counter()
                    idle_rate = (cpu - idle_cpu) / (wall - idle_wall)
                    result = asyncio.run(run(server.base, token, users, per_user))
                    used = server.cpu_s() - cpu
                    result["cpu_ms_per_turn"] = round(used * 1000 / result["requests"], 1)
                    net = used - idle_rate * (time.perf_counter() - wall)
                    result["net_cpu_ms_per_turn"] = round(net * 1000 / result["requests"], 1)
                    result.pop("samples"), result.pop("first_samples")
                    results.append({"variant": label, "round": round_no + 1, **result})
    report(results)
    return results


def report(results: list[dict[str, Any]]) -> None:
    print(machine_header())
    print(
        f"{'variant':<14} {'round':>5} {'users':>5} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'first p50':>9} {'first p95':>9} {'cpu ms/turn':>11} {'net of idle':>11}"
    )
    for r in results:
        print(
            f"{r['variant']:<14} {r['round']:>5} {r['users']:>5} {r['requests']:>8} {r['errors']:>6} {r['throughput_rps']:>6} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['first_event_p50_ms']:>9} {r['first_event_p95_ms']:>9} "
            f"{r['cpu_ms_per_turn']:>11} {r['net_cpu_ms_per_turn']:>11}"
        )
    print(json.dumps(results))


def signed_in(server: Server) -> str:
    r = httpx.post(
        server.base + "/auth/register",
        json={
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "password": "bench-password-123",
            "tenant_name": "bench",
        },
        timeout=30,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def interleaved(
    url: str, variants: list[tuple[str, Path, dict[str, str]]], levels: list[int], requests: int, batches: int
) -> list[dict[str, Any]]:
    """Every variant served at once; each level's turns go to them in alternating batches (ABBA...)."""
    with contextlib.ExitStack() as stack:
        servers = []
        for label, root, env in variants:
            server = stack.enter_context(Server(url, workers=1, cache="memory", root=root, extra_env=env))
            servers.append((label, server))
        tokens = {}
        for label, server in servers:
            server.wait_ready()
            tokens[label] = signed_in(server)
            asyncio.run(run(server.base, tokens[label], 1, 3))  # warm-up: imports, caches
        for _, server in servers:
            settle(server)
        results = []
        for users in levels:
            per_batch = max(1, requests // batches // users)
            # What each idle server uses meanwhile (all idle together), to take off the levels' CPU.
            idle = {label: server.cpu_s() for label, server in servers}
            idle_started = time.perf_counter()
            time.sleep(3)
            idle_rate = {
                label: (server.cpu_s() - idle[label]) / (time.perf_counter() - idle_started)
                for label, server in servers
            }
            runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in servers}
            cpu = {label: 0.0 for label, _ in servers}
            wall = {label: 0.0 for label, _ in servers}
            batch_cpu: dict[str, list[float]] = {label: [] for label, _ in servers}
            for batch in range(batches):
                order = servers if batch % 2 == 0 else servers[::-1]
                for label, server in order:
                    cpu_before, started = server.cpu_s(), time.perf_counter()
                    # Each batch its own prompts (the same for every variant): no batch repeats another's.
                    offset = batch * users * per_batch
                    runs[label].append(asyncio.run(run(server.base, tokens[label], users, per_batch, offset)))
                    used = server.cpu_s() - cpu_before
                    cpu[label] += used
                    batch_cpu[label].append(used * 1000 / runs[label][-1]["requests"])
                    wall[label] += time.perf_counter() - started
            for label, _ in servers:
                turns = sum(r["requests"] for r in runs[label])
                ms = [m for r in runs[label] for m in r["samples"]]
                first = [m for r in runs[label] for m in r["first_samples"]]
                net = cpu[label] - idle_rate[label] * wall[label]
                results.append(
                    {
                        "variant": label,
                        "round": 0,
                        "users": users,
                        "requests": turns,
                        "errors": sum(r["errors"] for r in runs[label]),
                        "throughput_rps": round(turns / wall[label], 1),
                        "p50_ms": round(percentile(ms, 50), 1),
                        "p95_ms": round(percentile(ms, 95), 1),
                        "first_event_p50_ms": round(percentile(first, 50), 1),
                        "first_event_p95_ms": round(percentile(first, 95), 1),
                        "cpu_ms_per_turn": round(cpu[label] * 1000 / turns, 1),
                        "net_cpu_ms_per_turn": round(net * 1000 / turns, 1),
                        "cpu_ms_per_turn_by_batch": [round(x, 1) for x in batch_cpu[label]],
                    }
                )
    report(results)
    for r in results:
        print(
            f"{r['variant']:<14} {r['users']:>5} users, CPU ms/turn by batch: {r['cpu_ms_per_turn_by_batch']}"
        )
    return results


if __name__ == "__main__":
    main()
