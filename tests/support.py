"""Helpers shared by tests: a real HTTP server on a free loopback port for an ASGI app."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    # Handing uvicorn the already-bound socket means no other process can take the port meanwhile.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serve_app(settings: Any) -> Iterator[str]:
    """The whole app served on a loopback port, with providers calling back at that address.

    Bookings go through the sandbox provider over real HTTP and its signed webhooks come back the same
    way, so the app must know its own URL; the sandbox reports an instance running at once.
    """
    from api.app import create_app

    app = create_app(settings)
    with serve(app) as url:
        app.state.settings = settings.model_copy(update={"public_url": url, "sandbox_start_delay_s": 0.0})
        yield url


def run_async(coro: Any) -> Any:
    """Run a coroutine to completion from sync test code, even when this thread already has a running
    event loop (Playwright's sync API leaves one behind in the main thread)."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
