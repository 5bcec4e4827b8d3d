"""The cached search's limit twins: the simplest servers that give a client the same ``/providers`` answer.

Each answers a GET with one Redis ``GET`` of ``<prefix><path>?<query>``, bytes the product itself
answered for that URL (``bench.bench_search_http`` copies them there before the load), sent as they
are; nothing else (no middleware, validation, rate limit, tracing or metrics).

- ``fastapi_app``: FastAPI with one async route, the twin issue 14 measured its targets against;
- ``app``: one pure ASGI callable, no framework at all: the floor under any Python server here.

What GPUBroker does on top of these for a cached search (the request guards and their rate-limit
draw, tracing, metrics, the cache's version check) is what the benchmark's ratios measure, on the
same clients, URLs, Redis and machine.

    GPUBROKER_TWIN_REDIS_URL=redis://127.0.0.1:6379/7 uvicorn bench.search_twin:fastapi_app --port 8766
"""

from __future__ import annotations

import os
from typing import Any

import redis.asyncio as aioredis
from fastapi import FastAPI, Request, Response

PREFIX = os.environ.get("GPUBROKER_TWIN_PREFIX", "twin:search:")
_client: Any = None

JSON = [(b"content-type", b"application/json")]


def client() -> Any:
    global _client  # one client per worker process, made on its event loop by the first request
    if _client is None:
        # Requests queue for one of 64 connections (redis-py's default pool fails the 101st at once),
        # as the product's do (core.redisconn.pooled_async_client).
        url = os.environ.get("GPUBROKER_TWIN_REDIS_URL", "redis://127.0.0.1:6379/7")
        _client = aioredis.Redis(
            connection_pool=aioredis.BlockingConnectionPool.from_url(url, max_connections=64)
        )
    return _client


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to start
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    query = scope["query_string"].decode("latin-1")
    url = scope["path"] + ("?" + query if query else "")
    body = await client().get(PREFIX + url) if scope["method"] == "GET" else None
    if body is None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


fastapi_app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@fastapi_app.get("/providers")
async def providers(request: Request) -> Response:
    query = request.scope["query_string"].decode("latin-1")
    body = await client().get(PREFIX + "/providers" + ("?" + query if query else ""))
    if body is None:
        return Response(status_code=404)
    return Response(body, media_type="application/json")
