"""Bookings over HTTP: the booking flow's latency and how fast provider webhooks are applied.

Starts the app under uvicorn (one worker, its own PostgreSQL database with the bundled catalog, the
one bench_http uses) and signs a user in. Then:

- ``flow``: U concurrent users each book B offers: ``POST /bookings`` (draft), ``POST
  /bookings/{id}/submit`` (the sandbox provider is called over HTTP), then poll until the sandbox's
  signed ``instance.running`` webhook has made the booking active. Prints p50/p95 of each step and of
  the whole way to active (sandbox start delay 0).
- ``webhooks``: N bookings are submitted with the sandbox holding its own events back (start delay
  one hour), then C concurrent senders post N signed ``instance.running`` events to
  ``/webhooks/<provider>`` as a provider would, plus the same N again (a provider's retries, which must
  change nothing). Prints events/s and p50/p95 per event, for first deliveries and replays.

    .venv/bin/python -m bench.bench_booking --users 1,8 --bookings 10 --webhooks 200 --senders 1,16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import orjson

from bench.bench_http import Server, ensure_database
from bench.common import machine_header, markdown_table, percentile
from booking.provisioners import CREDENTIAL_FIELDS
from booking.signing import signed_headers
from core.settings import DEV_WEBHOOK_SECRET

PASSWORD = "correct horse battery staple"


async def sign_up(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    r = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def offer_ids(client: httpx.AsyncClient, n: int) -> list[str]:
    """Offers of providers that book through the sandbox: AWS, RunPod, Lambda and Vast provision for real
    and would need the team's credentials (booking.provisioners)."""
    r = await client.get("/providers", params={"page_size": 100, "sort": "price_asc", "availability": "up"})
    r.raise_for_status()
    ids = [o["id"] for o in r.json()["items"] if o["provider"] not in CREDENTIAL_FIELDS]
    return [ids[i % len(ids)] for i in range(n)]


async def one_booker(base: str, offers: list[str], out: list[dict[str, float]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        client.headers.update(await sign_up(client))
        for offer in offers:
            t0 = time.perf_counter()
            r = await client.post("/bookings", json={"offer_id": offer, "hours": 1})
            r.raise_for_status()
            booking = r.json()["id"]
            t1 = time.perf_counter()
            (await client.post(f"/bookings/{booking}/submit")).raise_for_status()
            t2 = time.perf_counter()
            while (await client.get(f"/bookings/{booking}")).json()["state"] != "active":
                if time.perf_counter() - t2 > 30:
                    raise SystemExit(f"booking {booking} did not become active in 30 s")
                await asyncio.sleep(0.005)
            t3 = time.perf_counter()
            out.append({"create": t1 - t0, "submit": t2 - t1, "to_active": t3 - t2, "total": t3 - t0})


async def flow(base: str, users: int, per_user: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        offers = await offer_ids(client, users * per_user)
    out: list[dict[str, float]] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(one_booker(base, offers[u * per_user : (u + 1) * per_user], out) for u in range(users))
    )
    wall = time.perf_counter() - started
    row: dict[str, Any] = {"users": users, "bookings": len(out), "bookings_per_s": round(len(out) / wall, 1)}
    for step in ("create", "submit", "to_active", "total"):
        ms = [r[step] * 1000 for r in out]
        row[f"{step}_p50_ms"] = round(percentile(ms, 50), 1)
        row[f"{step}_p95_ms"] = round(percentile(ms, 95), 1)
    return row


async def pending_bookings(base: str, n: int) -> list[tuple[str, str, str]]:
    """(booking id, provider, instance id) of n submitted bookings whose provider has not reported."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        client.headers.update(await sign_up(client))
        out = []
        for offer in await offer_ids(client, n):
            booking = (await client.post("/bookings", json={"offer_id": offer, "hours": 1})).json()
            submitted = (await client.post(f"/bookings/{booking['id']}/submit")).json()
            out.append((submitted["id"], submitted["provider_id"], submitted["provider_ref"]))
        return out


async def send_events(
    base: str, events: list[tuple[str, bytes]], senders: int
) -> tuple[list[float], float, int]:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for e in events:
        queue.put_nowait(e)
    ms: list[float] = []
    errors = 0

    async def sender() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while not queue.empty():
                provider, body = queue.get_nowait()
                t0 = time.perf_counter()
                r = await client.post(
                    f"/webhooks/{provider}", content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
                )
                ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return ms, time.perf_counter() - started, errors


async def webhooks(base: str, n: int, senders: int) -> list[dict[str, Any]]:
    bookings = await pending_bookings(base, n)
    events = [
        (
            provider,
            orjson.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "instance.running", "instance_id": ref}),
        )
        for _, provider, ref in bookings
    ]
    rows = []
    for label, batch in (("first delivery", events), ("replay", events)):
        ms, wall, errors = await send_events(base, batch, senders)
        rows.append(
            {
                "senders": senders,
                "kind": label,
                "events": len(batch),
                "errors": errors,
                "events_per_s": round(len(batch) / wall, 1),
                "p50_ms": round(percentile(ms, 50), 1),
                "p95_ms": round(percentile(ms, 95), 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", default="1,8", help="comma list of concurrent bookers")
    parser.add_argument("--bookings", type=int, default=10, help="bookings per user")
    parser.add_argument("--webhooks", type=int, default=200, help="bookings whose events are sent")
    parser.add_argument("--senders", default="1,16", help="comma list of concurrent webhook senders")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    print(machine_header())
    url = ensure_database(args.rebuild)
    figures: dict[str, Any] = {"flow": [], "webhooks": []}

    server = Server(url, workers=1, cache="redis", extra_env={"GPUBROKER_SANDBOX_START_DELAY_S": "0"})
    try:
        server.wait_ready()
        for users in (int(u) for u in args.users.split(",")):
            figures["flow"].append(asyncio.run(flow(server.base, users, args.bookings)))
    finally:
        server.stop()
    keys = list(figures["flow"][0])
    print("\nflow: create -> submit -> active (sandbox webhook)")
    print(markdown_table(keys, [[r[k] for k in keys] for r in figures["flow"]]))

    for senders in (int(s) for s in args.senders.split(",")):
        server = Server(url, workers=1, cache="redis", extra_env={"GPUBROKER_SANDBOX_START_DELAY_S": "3600"})
        try:
            server.wait_ready()
            figures["webhooks"].extend(asyncio.run(webhooks(server.base, args.webhooks, senders)))
        finally:
            server.stop()
    keys = list(figures["webhooks"][0])
    print("\nwebhooks: signed instance.running events, then the same events again")
    print(markdown_table(keys, [[r[k] for k in keys] for r in figures["webhooks"]]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return figures


if __name__ == "__main__":
    main()
