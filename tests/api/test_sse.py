"""The SSE streams as sse-starlette serves them (core/responses.py), over real HTTP: heartbeat comments
while a run is quiet, the producer stopped when the client hangs up, and the frames' bytes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from core.responses import EventStream, retry, sse_event
from core.settings import Settings
from tests.api.lg_support import SlowPlanner, new_team, served, use_slow_model
from tests.support import serve

PROMPT = "what does HBM3 change"


@pytest.fixture(scope="module")
def app(settings: Settings, engine: Any) -> Iterator[tuple[str, SlowPlanner]]:
    """The app with a heartbeat every 0.2 s and a planner that writes a piece every 0.15 s."""
    with served(settings.model_copy(update={"sse_ping_s": 0.2})) as (url, app):
        yield url, use_slow_model(app, 0.15)


def test_a_quiet_stream_sends_heartbeat_comments_between_events(app: tuple[str, SlowPlanner]) -> None:
    url, _model = app
    team = new_team(url)
    raw = b""
    with httpx.stream(
        "POST", f"{url}/ai/chat/stream", json={"prompt": PROMPT}, headers=team.headers, timeout=60
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache" and r.headers["x-accel-buffering"] == "no"
        for chunk in r.iter_raw():
            raw += chunk
    frames = raw.decode().split("\n\n")
    assert frames[-1] == ""
    pings = [f for f in frames if f.startswith(":")]
    # The planner waits 0.6 s before each decision: the stream is quiet long enough for several pings.
    assert len(pings) >= 2 and set(pings) == {": ping"}, pings
    events = [f.split("\n")[0] for f in frames[:-1] if not f.startswith(":")]
    assert events[0] == "event: metadata" and events[-1] == "event: end"
    assert "event: token" in events and "event: result" in events
    assert "\r" not in raw.decode()  # lines end with \n, as before sse-starlette


def test_the_run_stops_when_the_client_hangs_up(app: tuple[str, SlowPlanner]) -> None:
    url, model = app
    team = new_team(url)
    model.written.clear()
    with httpx.stream(
        "POST", f"{url}/ai/chat/stream", json={"prompt": PROMPT}, headers=team.headers, timeout=60
    ) as r:
        for line in r.iter_lines():
            if line == "event: token":
                break  # the tab is closed after the first piece of the answer
    hung_up = time.monotonic()
    time.sleep(1.5)  # ten more pieces' time: a run that went on would have written them
    after = [t for t in model.written if t > hung_up + 0.3]
    assert model.written and not after, (len(model.written), len(after))


def test_frames_split_multi_line_data_and_carry_ids_and_retry() -> None:
    async def events() -> AsyncIterator[Any]:
        yield sse_event('{"a": 1}', event="metadata", id="1-0")
        yield sse_event("two\nlines", event="note")
        yield sse_event("x\r\ny", event="bad\nname", id=7)
        yield retry(1000)

    async def route(request: Request) -> EventStream:
        return EventStream(events(), ping=0)

    with serve(Starlette(routes=[Route("/s", route)])) as url:
        body = httpx.get(f"{url}/s", timeout=10).content
    assert body == (
        b'id: 1-0\nevent: metadata\ndata: {"a": 1}\n\n'
        b"event: note\ndata: two\ndata: lines\n\n"
        b"id: 7\nevent: badname\ndata: x\ndata: y\n\n"
        b"retry: 1000\n\n"
    )
