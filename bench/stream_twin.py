"""The price stream's limit twin: the simplest server that gives a subscriber the same frames.

One process, the ``websockets`` library's own asyncio server (no FastAPI, no authentication, no
filters, no database): it answers a ``subscribe`` with ``subscribed``, reads one Redis stream with
``XREAD BLOCK`` and broadcasts each entry's ready-made frame bytes to every socket it holds. What the
product's replicas do on top of this (``catalog.stream.PriceHub``: decoding the bus message, matching
filters, serializing, per-socket queues and heartbeats) is what ``bench.bench_price_stream --variant
both`` measures against it, on the same clients, events and machine.

    python -m bench.stream_twin --port 8765 --redis redis://127.0.0.1:6379/14 --stream twin
"""

from __future__ import annotations

import argparse
import json

import redis.asyncio as aioredis
import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

CLIENTS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    async for raw in ws:
        if json.loads(raw).get("type") == "subscribe":
            await ws.send('{"type":"subscribed","last_seq":0}')
            CLIENTS.add(ws)
    CLIENTS.discard(ws)


async def fan_out(redis_url: str, stream: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    newest = await client.xrevrange(stream, count=1)  # by id, as core.bus does: "$" loses entries
    last = newest[0][0] if newest else "0-0"
    while True:
        for _name, entries in await client.xread({stream: last}, block=1000, count=100) or []:
            for entry_id, fields in entries:
                last = entry_id
                broadcast(CLIENTS, fields[b"frame"].decode())


async def main(port: int, redis_url: str, stream: str) -> None:
    async with serve(handler, "127.0.0.1", port, max_queue=None):
        print("ready", flush=True)
        await fan_out(redis_url, stream)


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.stream_twin")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--redis", required=True)
    p.add_argument("--stream", default="twin")
    a = p.parse_args()
    uvloop.run(main(a.port, a.redis, a.stream))
