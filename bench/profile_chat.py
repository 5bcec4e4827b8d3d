"""Where an assistant turn's time goes: py-spy (``--gil``: the thread that holds the GIL, i.e. Python's CPU) on a
served app while 20 users chat, the samples summed by where they are (checkpointer, forecasts, sign-in, ...).

Serves TREE's code (main's checkout or this one) on the bench database of ``bench/bench_chat.py``, warms up,
waits for the idle server, records 25 s at 200 Hz while 20 users send 600 prompts (``--users``, ``--prompts``),
then prints shares:

    .venv/bin/python -m bench.profile_chat before ../main
    .venv/bin/python -m bench.profile_chat after .
    .venv/bin/python -m bench.profile_chat after-1 . --users 1 --prompts 1200

A sample is attributed to the first of the named parts of our code found anywhere in its stack, else to the
library of its innermost frame.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from bench.bench_chat import run, settle
from bench.bench_http import Server, ensure_database

OURS = [
    ("checkpointer", ("checkpoint/", "psycopg_pool", "Saver.", "serde/")),
    ("forecasts (catalog/predict.py)", ("(catalog/predict.py",)),
    (
        "sign-in check (accounts: deps, service, repository, tokens, api_keys)",
        (
            "(accounts/service.py",
            "(accounts/deps.py",
            "(accounts/repository.py",
            "(accounts/tokens.py",
            "(accounts/api_keys.py",
        ),
    ),
    ("thread row (prepare_thread)", ("prepare_thread",)),
    (
        "tools and domain code",
        (
            "(tools/",
            "(catalog/",
            "(booking/",
            "(agent/knowledge",
            "(agent/parser",
            "(agent/planner",
            "(agent/answers",
        ),
    ),
]
LIBRARIES = [
    ("LangGraph", ("(pregel/", "(graph/", "(_internal/", "(channels/", "langgraph", "(types.py")),
    ("langchain-core", ("(langchain_core/",)),
    ("SQLAlchemy / psycopg", ("(sqlalchemy/", "(psycopg/")),
    ("SSE (sse_starlette)", ("sse_starlette",)),
    (
        "HTTP and middlewares (uvicorn, starlette, fastapi, pydantic, anyio, ours)",
        (
            "(accounts/",
            "(core/observability",
            "(web/security",
            "(uvicorn/",
            "(starlette/",
            "(fastapi/",
            "(pydantic",
            "(anyio/",
            "(h11",
            "(httptools",
        ),
    ),
]


def summarise(path: Path) -> tuple[int, list[tuple[str, int]]]:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        part = next((name for name, keys in OURS if any(k in stack for k in keys)), None)
        if part is None:
            for frame in reversed(stack.split(";")):
                part = next((name for name, keys in LIBRARIES if any(k in frame for k in keys)), None)
                if part:
                    break
        counts[part or "asyncio, GC, other"] += int(n)
    return total, counts.most_common()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("label")
    parser.add_argument("tree", type=Path)
    parser.add_argument("--database", default="gpubroker_bench_sse")
    parser.add_argument("--users", type=int, default=20, help="concurrent users while recording")
    parser.add_argument(
        "--prompts", type=int, default=600, help="prompts sent in all (enough to outlast 25 s)"
    )
    args = parser.parse_args()
    url = ensure_database(False, args.database)
    out = Path(f"/tmp/profile_chat_{args.label}.txt")
    py_spy = Path(sys.executable).parent / "py-spy"
    with Server(url, workers=1, cache="memory", root=args.tree.resolve()) as server:
        server.wait_ready()
        r = httpx.post(
            server.base + "/auth/register",
            json={"email": f"p-{uuid.uuid4().hex[:8]}@example.com", "password": "bench-password-123"},
            timeout=30,
        )
        token = r.json()["access_token"]
        asyncio.run(run(server.base, token, 1, 3))
        settle(server)
        spy = subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(server.proc.pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--duration",
                "25",
                "--nonblocking",
                "--gil",
                "-o",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        asyncio.run(run(server.base, token, args.users, max(1, args.prompts // args.users)))
        spy.wait()
    total, shares = summarise(out)
    print(f"{args.label}: {total} samples ({out})")
    for name, n in shares:
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
