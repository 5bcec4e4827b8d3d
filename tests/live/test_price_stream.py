"""The price stream as a subscriber sees it: ``gpubroker sync --from`` changes a price, and every
``/ws/prices`` (and ``/providers/stream``) client whose filters match receives one ``price_update``
with the issue's fields; resume, heartbeat, limits and bad input. On SQLite the sync's event reaches
the server through the outbox relay (the worker's job, run here); on PostgreSQL through Redis Streams."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from api.app import create_app
from catalog.models import Offer
from core.settings import Settings
from tests import support
from tests.live.conftest import lambda_file, relay_outbox, sync_from

FIELDS = {
    "type",
    "seq",
    "offer_id",
    "external_id",
    "provider",
    "gpu_type",
    "region",
    "old_price",
    "new_price",
    "availability",
    "price_as_of",
    "ts",
}


@pytest.fixture
def served(live_settings: Settings, live_factory: sessionmaker[Session]) -> Iterator[tuple[str, Any]]:
    app = create_app(live_settings)
    app.state.session_factory = live_factory
    with support.serve(app) as url:
        yield url, app


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws/prices"


def frames(ws: ClientConnection, until: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Frames up to and including the first of type ``until``."""
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {until!r} frame within {timeout} s; got {out}")
        frame = json.loads(ws.recv(timeout=left))
        out.append(frame)
        if frame["type"] == until:
            return out


def subscribe(url: str, filters: dict[str, Any], **extra: Any) -> tuple[ClientConnection, dict[str, Any]]:
    ws = connect(ws_url(url), open_timeout=10)
    ws.send(json.dumps({"type": "subscribe", "filters": filters, **extra}))
    return ws, frames(ws, "subscribed")[-1]


def offer(factory: sessionmaker[Session], external_id: str) -> Offer:
    with factory() as session:
        return session.execute(select(Offer).where(Offer.external_id == external_id)).scalar_one()


def change_price(
    settings: Settings, factory: sessionmaker[Session], app: Any, tmp: Path, key: tuple[str, str], price: str
) -> None:
    path = lambda_file(settings, tmp, {key: price})
    assert sync_from(settings, path, "--as-of", "2026-12-07T10:00:00") == 0
    relay_outbox(settings, factory, app.state.bus)


def test_a_price_change_synced_from_a_file_reaches_matching_subscribers_once(
    served: tuple[str, Any], live_settings: Settings, live_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    url, app = served
    key = ("gpu_8x_h100_sxm5", "asia-south-1")
    before = offer(live_factory, "gpu_8x_h100_sxm5/asia-south-1")
    h100, subscribed = subscribe(url, {"provider": "lambda", "gpu_type": "H100", "geo": "asia"})
    a10, _ = subscribe(url, {"provider": "lambda", "gpu_type": "A10"})
    assert subscribed["filters"] == {"provider": "lambda", "gpu_type": "H100", "geo": "asia"}
    new_price = f"{float(before.price_per_hour) - 1.37:.2f}"

    change_price(live_settings, live_factory, app, tmp_path, key, new_price)

    got = [f for f in frames(h100, "price_update") if f["type"] == "price_update"]
    update = got[-1]
    assert set(update) == FIELDS
    assert update["offer_id"] == before.id and update["external_id"] == "gpu_8x_h100_sxm5/asia-south-1"
    assert (update["provider"], update["gpu_type"], update["region"]) == (
        "lambda",
        "H100 SXM",
        "asia-south-1",
    )
    assert update["old_price"] == float(before.price_per_hour)
    assert update["new_price"] == float(new_price)
    assert update["availability"] == "up"
    assert update["price_as_of"] == "2026-12-07T10:00:00+00:00"
    assert update["seq"] > subscribed["last_seq"]

    # Once per subscriber: the same outbox event published again (at-least-once delivery) sends nothing.
    message = app.state.bus.recent("price_updates")[-1] if not live_settings.redis_url else None
    if message is not None:
        app.state.bus.publish("price_updates", message["key"], message["payload"], message["id"])
    after = frames(h100, "heartbeat")
    assert [f for f in after if f["type"] == "price_update"] == []
    # A subscriber whose filters do not match hears only heartbeats.
    assert [f["type"] for f in frames(a10, "heartbeat")] == ["heartbeat"]

    # A client that missed it resumes from the last sequence number it saw.
    late, _ = subscribe(url, {"provider": "lambda", "gpu_type": "H100"}, last_seq=subscribed["last_seq"])
    replayed = [f for f in frames(late, "price_update") if f["type"] == "price_update"]
    assert replayed[-1]["seq"] == update["seq"] and replayed[-1]["new_price"] == float(new_price)
    for ws in (h100, a10, late):
        ws.close()


def test_the_sse_twin_streams_the_same_update(
    served: tuple[str, Any], live_settings: Settings, live_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    url, app = served
    before = offer(live_factory, "gpu_1x_a10/us-east-1")
    events: list[tuple[str, str, dict[str, Any]]] = []
    ready = threading.Event()

    def listen() -> None:
        params = {"provider": "lambda", "gpu_type": "A10", "region": "us-east-1"}
        with httpx.stream("GET", f"{url}/providers/stream", params=params, timeout=20) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            kind, ident = "", ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("id: "):
                    ident = line[4:]
                elif line.startswith("data: "):
                    events.append((kind, ident, json.loads(line[6:])))
                    if kind == "subscribed":
                        ready.set()
                    if kind == "price_update":
                        return

    thread = threading.Thread(target=listen)
    thread.start()
    assert ready.wait(15)
    change_price(live_settings, live_factory, app, tmp_path, ("gpu_1x_a10", "us-east-1"), "0.99")
    thread.join(20)
    kind, ident, data = events[-1]
    assert kind == "price_update" and set(data) == FIELDS
    assert data["offer_id"] == before.id and data["new_price"] == 0.99 and ident == str(data["seq"])


def test_an_sse_stream_ends_after_its_lifetime_and_resumes_from_last_event_id(
    live_settings: Settings, live_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A stream ends after ``price_stream_max_s`` with a ``retry:`` hint (so clients rebalance over the
    replicas); the reconnect with ``Last-Event-ID`` gets what changed in between."""
    settings = live_settings.model_copy(update={"price_stream_max_s": 2.0, "price_stream_heartbeat_s": 0.5})
    app = create_app(settings)
    app.state.session_factory = live_factory
    params = {"provider": "lambda", "gpu_type": "A10", "region": "us-east-1"}
    with support.serve(app) as url:
        started = time.monotonic()
        with httpx.stream("GET", f"{url}/providers/stream", params=params, timeout=20) as response:
            body = response.read().decode()
        lasted = time.monotonic() - started
        assert 1.5 < lasted < 10, lasted
        assert body.startswith("event: subscribed") and "event: heartbeat" in body
        assert body.endswith("retry: 1000\n\n")
        last_seq = json.loads(body.split("data: ", 1)[1].split("\n", 1)[0])["last_seq"]
        # A change while the client is away reaches it on the reconnect.
        change_price(settings, live_factory, app, tmp_path, ("gpu_1x_a10", "us-east-1"), "1.01")
        headers = {"Last-Event-ID": str(last_seq)}
        with httpx.stream(
            "GET", f"{url}/providers/stream", params=params, headers=headers, timeout=20
        ) as response:
            again = response.read().decode()
    updates = [json.loads(line[6:]) for line in again.splitlines() if line.startswith("data: ")]
    assert any(u.get("new_price") == 1.01 for u in updates), again


def test_bad_subscriptions_are_answered_with_the_field_and_the_socket_stays_open(
    served: tuple[str, Any],
) -> None:
    url, _app = served
    with connect(ws_url(url)) as ws:
        ws.send(json.dumps({"type": "subscribe", "filters": {"gpu_count": "eight", "geo": "mars"}}))
        error = json.loads(ws.recv(timeout=10))
        assert error["type"] == "error" and error["error"]["code"] == "invalid_input"
        assert {d["field"] for d in error["error"]["details"]} == {"filters.gpu_count", "filters.geo"}
        ws.send(json.dumps({"type": "subscribe", "filters": {"gpu_type": "NoSuchGPU"}}))
        assert "unknown gpu_type" in json.loads(ws.recv(timeout=10))["error"]["message"]
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["error"]["details"] == [{"field": "frame"}]
        ws.send(json.dumps({"type": "resume", "last_seq": -1}))
        assert json.loads(ws.recv(timeout=10))["error"]["details"] == [{"field": "last_seq"}]
        ws.send(json.dumps({"type": "subscribe", "filters": {"sort": "price_asc"}}))
        assert json.loads(ws.recv(timeout=10))["error"]["details"][0]["field"] == "filters.sort"
        ws.send(json.dumps({"type": "subscribe", "filters": {"cursor": "abc"}}))
        assert json.loads(ws.recv(timeout=10))["error"]["details"][0]["field"] == "filters.cursor"
        ws.send(json.dumps({"type": "subscribe", "filters": {"gpu_type": "H100"}}))
        assert frames(ws, "subscribed")[-1]["filters"] == {"gpu_type": "H100"}


def test_anonymous_clients_are_limited_per_address_and_teams_by_their_plan(
    live_settings: Settings, live_factory: sessionmaker[Session]
) -> None:
    settings = live_settings.model_copy(update={"price_stream_anonymous_per_ip": 2})
    app = create_app(settings)
    app.state.session_factory = live_factory
    slots = app.state.connection_slots  # on Redis, shared with the servers of the earlier tests

    def released() -> None:
        deadline = time.monotonic() + 10
        while slots.count("ip:127.0.0.1") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slots.count("ip:127.0.0.1") == 0

    with support.serve(app) as url:
        released()
        first, _ = subscribe(url, {})
        second, _ = subscribe(url, {})
        with connect(ws_url(url)) as third:
            third.send(json.dumps({"type": "subscribe", "filters": {}}))
            refusal = json.loads(third.recv(timeout=10))
            assert refusal["error"]["code"] == "ws_limit_reached"
            with pytest.raises(ConnectionClosed) as closed:
                third.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        first.close()
        second.close()
        released()

        email = f"stream-{time.time_ns()}@example.com"
        # A password hash, on a server whose start-up thread still loads the embedding model: on a loaded
        # 2-core CI machine that passed httpx's default 5 s once (CI 2 of 2026-12-07).
        r = httpx.post(
            f"{url}/auth/register",
            json={"email": email, "password": "correct horse battery staple", "tenant_name": "Streamers"},
            timeout=60,
        )
        assert r.status_code == 201, r.text
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        held = []
        for _ in range(2):  # the free plan's ws_limit
            ws = connect(ws_url(url), additional_headers=auth)
            ws.send(json.dumps({"type": "subscribe", "filters": {}}))
            assert frames(ws, "subscribed")
            held.append(ws)
        # The signed-in team's slots are its own: anonymous ones from the same address are free again.
        anonymous, _ = subscribe(url, {})
        with connect(ws_url(url), additional_headers=auth) as over:
            assert json.loads(over.recv(timeout=10))["error"]["code"] == "ws_limit_reached"
        for ws in [*held, anonymous]:
            ws.close()
