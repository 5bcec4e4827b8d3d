"""The live price stream: ``/ws/prices`` (FR-WS-1) and its SSE twin ``GET /providers/stream``.

WebSocket protocol, one JSON object per text frame:

- Client -> server: ``{"type": "subscribe", "filters": {...}}`` with the filters of ``GET /providers``
  (gpu_type, gpu_count, gpu_count_exact, geo, country, region, provider, max_price, max_price_per_gpu,
  spot, availability, tags, q, include_gpu_only); ``{"type": "resume", "last_seq": N}`` (or ``last_seq``
  inside the subscribe) to receive the changes after N that match, within ``price_event_keep_h``
  (24 h); ``{"type": "auth", "access_token"}`` as the first frame to count against a team instead of
  the client address (an ``Authorization`` header or the pages' session cookie does the same).
- Server -> client: ``subscribed`` ``{"filters", "last_seq"}``; ``price_update`` ``{"seq", "offer_id",
  "external_id", "provider", "gpu_type", "region", "old_price", "new_price", "availability",
  "price_as_of", "ts"}``, once per subscriber per change; ``heartbeat`` ``{"ts", "last_seq"}`` every
  ``price_stream_heartbeat_s`` (30 s); ``resync`` ``{"reason"}`` when a resume reaches past what is
  kept (reload the page or search again); ``error`` ``{"code", "message", "details"}``: bad input
  keeps the connection open, a refused connection is closed with 1008.

SSE (``GET /providers/stream?gpu_type=H100&...``, resume with ``last_seq`` or ``Last-Event-ID``): events
``subscribed``, ``price_update`` (``id:`` is the seq), ``heartbeat`` and ``resync``, same data, and a
comment line (``: ping``) every ``sse_ping_s`` (15 s) while nothing else is sent. The
server ends an SSE stream after ``price_stream_max_s`` (1 h) with a ``retry:`` hint; ``EventSource``
reconnects with ``Last-Event-ID`` and misses nothing, and long-lived clients spread over the replicas
again after a deploy.

Who may connect: signed-in users hold one of their team's ``ws_limit`` connection slots
(``accounts.connections``, shared by every replica through Redis); anonymous clients hold one of
``price_stream_anonymous_per_ip`` slots of their address. Fan-out: each API process reads the
``price_updates`` topic once (``catalog.stream.PriceHub``): Redis Streams across replicas, the
in-process bus in the embedded default.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from accounts import service as accounts_service
from accounts.connections import LEASE_S
from accounts.ratelimit import bearer_token, client_ip
from catalog import repository as catalog_repo
from catalog.schemas import OfferFilters
from catalog.service import build_spec
from catalog.stream import PriceHub, Subscriber, matches, message
from core.db import session_scope
from core.errors import AppError, InvalidInput, validation_details
from core.responses import EventStream, event_stream, retry, sse_event

log = logging.getLogger(__name__)
router = APIRouter(tags=["marketplace"])

POLICY_VIOLATION = 1008
REPLAY_LIMIT = 5000
# Search options that choose a page, not offers: a stream has no page.
VIEW_FIELDS = ("sort", "page", "page_size", "cursor")


class StreamFilters(OfferFilters):
    """``GET /providers`` filters plus where to resume (SSE query string)."""

    last_seq: int | None = None


def hub_of(conn: HTTPConnection) -> PriceHub:
    state = conn.app.state
    hub = getattr(state, "price_hub", None)
    if hub is None:

        async def load(first: int, last: int) -> list[dict[str, Any]]:
            def read() -> list[dict[str, Any]]:
                with session_scope(state.session_factory) as session:
                    return catalog_repo.price_events_between(session, first, last)

            return await run_in_threadpool(read)

        hub = state.price_hub = PriceHub(state.bus, load)
    return hub


async def close_hub(app: Any) -> None:
    hub = getattr(app.state, "price_hub", None)
    if hub is not None:
        await hub.close()


def parse_filters(raw: Any) -> tuple[Any, dict[str, Any]]:
    """The search a subscription means, or InvalidInput naming the bad field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("filters must be an object", details=[{"field": "filters"}])
    view = [k for k in raw if k in VIEW_FIELDS]
    if view:
        raise InvalidInput(
            f"{', '.join(view)} choose a page; a stream has none",
            details=[{"field": f"filters.{k}", "message": "not a stream filter"} for k in view],
        )
    try:
        filters = OfferFilters.model_validate(raw)
    except ValidationError as exc:
        details = validation_details([dict(e) for e in exc.errors()])
        for d in details:
            d["field"] = f"filters.{d['field']}"
        raise InvalidInput("invalid filters", details=details) from exc
    spec, _warnings = build_spec(filters)
    return spec, filters.model_dump(exclude_none=True, exclude=set(VIEW_FIELDS) | {"include_gpu_only"})


def replay(conn: HTTPConnection, spec: Any, last_seq: int) -> tuple[list[dict[str, Any]], int, bool]:
    """The matching events after ``last_seq`` still kept, the newest seq, and whether some after
    ``last_seq`` were already dropped (then the client must search again)."""
    settings = conn.app.state.settings
    since = datetime.now(UTC) - timedelta(hours=settings.price_event_keep_h)
    with session_scope(conn.app.state.session_factory) as session:
        newest = catalog_repo.last_price_event_seq(session)
        oldest = catalog_repo.oldest_price_event_seq(session, since)
        events = catalog_repo.price_events_after(session, last_seq, since, REPLAY_LIMIT)
    gone = last_seq < newest and (oldest is None or oldest > last_seq + 1)
    if len(events) == REPLAY_LIMIT:
        gone = True
    return [e for e in events if matches(spec, e)], newest, gone


def newest_seq(conn: HTTPConnection) -> int:
    with session_scope(conn.app.state.session_factory) as session:
        return catalog_repo.last_price_event_seq(session)


# --- who holds the connection ----------------------------------------------------------------------


def _acquire(conn: HTTPConnection, token: str | None) -> tuple[str, str, int] | AppError:
    """A connection slot: (holder key, slot id, limit), or the refusal."""
    state = conn.app.state
    settings = state.settings
    if token:
        with session_scope(state.session_factory) as session:
            principal = accounts_service.authenticate(session, settings, token)
            from accounts import repository as accounts_repo

            tenant = accounts_repo.tenant(session, principal.tenant_id)
            limit = int(tenant.ws_limit) if tenant is not None else 0
        holder = principal.tenant_id
        refusal = f"your team's plan allows {limit} open connections; close one and retry"
    else:
        limit = settings.price_stream_anonymous_per_ip
        holder = f"ip:{client_ip(conn.scope)}"
        refusal = f"{limit} anonymous price streams are open from your address; sign in for more"
    slot = state.connection_slots.acquire(holder, limit)
    if slot is None:
        return AppError(refusal, code="ws_limit_reached", status=429)
    return holder, slot, limit


async def _keep(conn: HTTPConnection, holder: str, slot: str) -> None:
    while True:
        await asyncio.sleep(LEASE_S / 3)
        try:
            await run_in_threadpool(conn.app.state.connection_slots.renew, holder, slot)
        except Exception:
            log.warning("could not renew a price stream slot; retrying", exc_info=True)


def _release(conn: HTTPConnection, holder: str, slot: str) -> None:
    # Called without awaiting (one ZREM): a handler cancelled at shutdown must still give its slot back.
    with contextlib.suppress(Exception):
        conn.app.state.connection_slots.release(holder, slot)


# --- WebSocket -------------------------------------------------------------------------------------


async def _send(ws: WebSocket, kind: str, data: dict[str, Any]) -> None:
    await ws.send_text(json.dumps({"type": kind, **data}, default=str))


def _error(exc: AppError) -> dict[str, Any]:
    return {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}


async def _first_frame(ws: WebSocket) -> Any:
    with contextlib.suppress(TimeoutError):
        return json.loads(await asyncio.wait_for(ws.receive_text(), 10.0))
    return None


@router.websocket("/ws/prices")
async def price_socket(ws: WebSocket) -> None:
    await ws.accept()
    token = bearer_token(ws.scope)
    pending: Any = None
    if token is None:
        try:
            pending = await _first_frame(ws)
        except (ValueError, RecursionError):
            pending = {"type": "?"}
        except WebSocketDisconnect:
            return
        if isinstance(pending, dict) and pending.get("type") == "auth":
            token = str(pending.get("access_token") or "") or None
            pending = None
    try:
        held = await run_in_threadpool(_acquire, ws, token)
    except AppError as exc:
        held = exc
    if isinstance(held, AppError):
        await _send(ws, "error", _error(held))
        await ws.close(code=POLICY_VIOLATION, reason=held.code)
        return
    holder, slot, _limit = held
    subscriber = Subscriber()
    hub = hub_of(ws)
    hub.add(subscriber)
    tasks = [
        asyncio.create_task(_keep(ws, holder, slot)),
        asyncio.create_task(_pump(ws, subscriber)),
        asyncio.create_task(_heartbeat(ws)),
    ]
    try:
        if pending is not None:
            await _handle(ws, subscriber, pending)
        while True:
            try:
                frame = json.loads(await ws.receive_text())
            except (ValueError, RecursionError):
                await _send(
                    ws,
                    "error",
                    _error(InvalidInput("frames must be JSON objects", details=[{"field": "frame"}])),
                )
                continue
            await _handle(ws, subscriber, frame)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(subscriber)
        for task in tasks:
            task.cancel()
        _release(ws, holder, slot)


async def _handle(ws: WebSocket, subscriber: Subscriber, frame: Any) -> None:
    kind = frame.get("type") if isinstance(frame, dict) else None
    try:
        if kind == "subscribe":
            spec, shown = parse_filters(frame.get("filters"))
            last_seq = _last_seq(frame.get("last_seq"))
            subscriber.spec = spec
            if last_seq is None:
                await _send(
                    ws, "subscribed", {"filters": shown, "last_seq": await run_in_threadpool(newest_seq, ws)}
                )
                return
            await _send(ws, "subscribed", {"filters": shown, "last_seq": last_seq})
            await _replay(ws, subscriber, last_seq)
        elif kind == "resume":
            last_seq = _last_seq(frame.get("last_seq"))
            if last_seq is None:
                raise InvalidInput("last_seq is required to resume", details=[{"field": "last_seq"}])
            if subscriber.spec is None:
                raise InvalidInput("subscribe before resuming", details=[{"field": "type"}])
            await _replay(ws, subscriber, last_seq)
        elif kind == "ping":
            await _send(ws, "pong", {"ts": datetime.now(UTC).isoformat()})
        else:
            raise InvalidInput("type must be 'subscribe', 'resume' or 'ping'", details=[{"field": "type"}])
    except AppError as exc:
        await _send(ws, "error", _error(exc))


def _last_seq(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("last_seq must be a whole number >= 0", details=[{"field": "last_seq"}])
    return value


async def _replay(ws: WebSocket, subscriber: Subscriber, last_seq: int) -> None:
    events, _newest, gone = await run_in_threadpool(replay, ws, subscriber.spec, last_seq)
    if gone:
        await _send(
            ws, "resync", {"reason": "changes after that sequence number are no longer kept; search again"}
        )
    for event in events:
        if subscriber.first_time(int(event["seq"])):
            await ws.send_text(json.dumps(message(event)))


async def _pump(ws: WebSocket, subscriber: Subscriber) -> None:
    while True:
        _seq, text = await subscriber.queue.get()
        await ws.send_text(text)
        if subscriber.overflowed:
            subscriber.overflowed = False
            await _send(ws, "resync", {"reason": "this client fell behind; resume from its last seq"})


async def _heartbeat(ws: WebSocket) -> None:
    period = ws.app.state.settings.price_stream_heartbeat_s
    while True:
        await asyncio.sleep(period)
        await _send(ws, "heartbeat", {"ts": datetime.now(UTC).isoformat()})


# --- Server-Sent Events ----------------------------------------------------------------------------


def _sse(kind: str, data: dict[str, Any], event_id: int | None = None) -> ServerSentEvent:
    return sse_event(json.dumps(data, default=str), event=kind, id=event_id)


PRICE_EVENTS = event_stream(
    "Price changes that match the filters; ends after price_stream_max_s, resume with Last-Event-ID",
    ["subscribed", "price_update", "heartbeat", "resync"],
)


@router.get(
    "/providers/stream",
    summary="Price changes as Server-Sent Events (the /ws/prices twin)",
    response_class=EventStream,
    responses=PRICE_EVENTS,
)
async def price_events(
    request: Request,
    params: Annotated[StreamFilters, Query()],
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventStream:
    raw = params.model_dump(exclude_none=True, exclude={"last_seq", "sort", "page", "page_size"})
    spec, shown = parse_filters({k: v for k, v in raw.items() if k not in ("include_gpu_only",) or v})
    last_seq = params.last_seq
    if last_seq is None and last_event_id and last_event_id.isdigit():
        last_seq = int(last_event_id)
    held = await run_in_threadpool(_acquire, request, bearer_token(request.scope))
    if isinstance(held, AppError):
        raise held
    holder, slot, _limit = held
    subscriber = Subscriber(spec)
    hub = hub_of(request)
    hub.add(subscriber)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        keep = asyncio.create_task(_keep(request, holder, slot))
        settings = request.app.state.settings
        period = settings.price_stream_heartbeat_s
        loop = asyncio.get_running_loop()
        ends = loop.time() + settings.price_stream_max_s
        try:
            if last_seq is None:
                yield _sse(
                    "subscribed", {"filters": shown, "last_seq": await run_in_threadpool(newest_seq, request)}
                )
            else:
                yield _sse("subscribed", {"filters": shown, "last_seq": last_seq})
                events, _newest, gone = await run_in_threadpool(replay, request, spec, last_seq)
                if gone:
                    yield _sse("resync", {"reason": "changes after that sequence number are no longer kept"})
                for event in events:
                    if subscriber.first_time(int(event["seq"])):
                        yield _sse("price_update", message(event), int(event["seq"]))
            while (left := ends - loop.time()) > 0:
                try:
                    seq, text = await asyncio.wait_for(subscriber.queue.get(), timeout=min(period, left))
                except TimeoutError:
                    if ends - loop.time() > 0:
                        yield _sse("heartbeat", {"ts": datetime.now(UTC).isoformat()})
                    continue
                yield sse_event(text, event="price_update", id=seq)
            # The browser's EventSource reconnects after `retry` ms with the last id it saw.
            yield retry(1000)
        finally:
            hub.remove(subscriber)
            keep.cancel()
            _release(request, holder, slot)

    return EventStream(stream(), ping=request.app.state.settings.sse_ping_s)
