"""The assistant over a WebSocket: ``/ai/chat/ws``, one connection for many turns.

The protocol, one JSON object per text frame:

- The client signs in first: ``{"type": "auth", "access_token": "..."}`` (a browser cannot set an
  ``Authorization`` header on a WebSocket; other clients may send that header instead). The server
  answers ``{"event": "ready", "data": {"user", "tenant_id", "connections", "limit"}}``.
- Then each turn is ``{"type": "chat", "prompt", "thread_id"?, "constraints"?}`` or, to answer an
  approval, ``{"type": "resume", "thread_id", "approved"}``. The server sends the same events as
  ``/ai/chat/stream`` (``metadata``, ``token``, ``tool_start``, ``tool_end``, ``approval_required``,
  ``result``, ``error``, ``end``) as ``{"event", "data"}`` frames. Bad input is an ``error`` event
  naming the field; the connection stays open.

A team holds at most its plan's ``ws_limit`` connections at once (``accounts.connections``); one
more is told so (``error`` with code ``ws_limit_reached``) and closed with code 1008. Each turn draws
from the team's request bucket like an HTTP request. Closing codes: 1008 policy (sign-in, limit,
role), 1000 when the client leaves. The sign-in is checked again before every turn, so a logout, a
disabled user or team, an expired token or a changed role takes effect on an open socket too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from accounts import service as accounts_service
from accounts.connections import LEASE_S
from accounts.policy import Action, allowed
from accounts.service import Principal
from api.chat import ChatRequest, assistant, caller_of, chat_event_items, prepare_thread
from core import metrics
from core.db import session_scope
from core.errors import AppError

log = logging.getLogger(__name__)
router = APIRouter(tags=["assistant"])

AUTH_TIMEOUT_S = 10.0
POLICY_VIOLATION = 1008


async def _send(ws: WebSocket, event: str, data: Any) -> None:
    await ws.send_text(json.dumps({"event": event, "data": data}, default=str))


async def _refuse(ws: WebSocket, code: str, message: str) -> None:
    await _send(ws, "error", {"code": code, "message": message})
    await ws.close(code=POLICY_VIOLATION, reason=code)


def _header_token(ws: WebSocket) -> str | None:
    scheme, _, token = (ws.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _receive_text(ws: WebSocket) -> str:
    """The next frame as text: a binary frame is decoded as UTF-8 (a ValueError if it is not)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is not None:
        return str(message["text"])
    return bytes(message.get("bytes") or b"").decode("utf-8")


def _check(ws: WebSocket, token: str) -> Principal:
    with session_scope(ws.app.state.session_factory) as session:
        return accounts_service.authenticate(session, ws.app.state.settings, token)


async def _sign_in(ws: WebSocket) -> tuple[Principal, str] | None:
    """The caller and their token, from the Authorization header or the first frame; None after
    refusing them."""
    token = _header_token(ws)
    if token is None:
        try:
            first = json.loads(await asyncio.wait_for(_receive_text(ws), AUTH_TIMEOUT_S))
        except (TimeoutError, ValueError, RecursionError):
            await _refuse(ws, "not_authenticated", 'send {"type": "auth", "access_token": ...} first')
            return None
        token = first.get("access_token") if isinstance(first, dict) and first.get("type") == "auth" else None
        if not isinstance(token, str) or not token:
            await _refuse(
                ws, "not_authenticated", 'the first message must be {"type": "auth", "access_token": ...}'
            )
            return None
    try:
        principal = await run_in_threadpool(_check, ws, token)
    except AppError as exc:
        await _refuse(ws, exc.code, exc.message)
        return None
    if not allowed(principal.role, Action.ASSISTANT_USE):
        await _refuse(ws, "forbidden", f"your role ({principal.role}) may not use the assistant")
        return None
    return principal, token


def _ws_limit(ws: WebSocket, tenant_id: str) -> int:
    from accounts import repository

    with session_scope(ws.app.state.session_factory) as session:
        tenant = repository.tenant(session, tenant_id)
        return int(tenant.ws_limit) if tenant is not None else 0


def _draw(ws: WebSocket, tenant_id: str) -> tuple[bool, float]:
    """One turn draws one token from the team's request bucket, as an HTTP request would."""
    state = ws.app.state
    if not state.settings.rate_limit_enabled:
        return True, 0.0
    limits = state.tenant_limits.get(state.session_factory, tenant_id)
    if limits is None:
        return False, 0.0
    decision = state.rate_limiter.hit(f"tenant:{tenant_id}", limits[0], limits[1])
    return decision.allowed, decision.retry_after_s


async def _keep_lease(slots: Any, tenant_id: str, slot: str) -> None:
    while True:
        await asyncio.sleep(LEASE_S / 3)
        try:
            await run_in_threadpool(slots.renew, tenant_id, slot)
        except Exception:  # a Redis blip: try again next round; two misses in a row still leave 20 s
            log.warning("could not renew the connection slot of team %s; retrying", tenant_id, exc_info=True)


def _parse_turn(frame: str) -> ChatRequest:
    message = json.loads(frame)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    kind = message.pop("type", None)
    if kind == "chat":
        return ChatRequest(**message).check()
    if kind == "resume":
        if "resume" in message:
            raise AppError(
                "a resume message carries approved, not resume",
                code="invalid_input",
                status=422,
                details=[{"field": "resume"}],
            )
        approved = message.pop("approved", None)
        if not isinstance(approved, bool):
            raise AppError(
                "approved must be true or false",
                code="invalid_input",
                status=422,
                details=[{"field": "approved"}],
            )
        return ChatRequest(resume={"approved": approved}, **message).check()
    raise AppError(
        "type must be 'chat' or 'resume'", code="invalid_input", status=422, details=[{"field": "type"}]
    )


@router.websocket("/ai/chat/ws")
async def chat_socket(ws: WebSocket) -> None:
    await ws.accept()
    signed = await _sign_in(ws)
    if signed is None:
        return
    principal, token = signed
    slots = ws.app.state.connection_slots
    limit = await run_in_threadpool(_ws_limit, ws, principal.tenant_id)
    slot = await run_in_threadpool(slots.acquire, principal.tenant_id, limit)
    if slot is None:
        await _refuse(
            ws, "ws_limit_reached", f"your team's plan allows {limit} open connections; close one and retry"
        )
        return
    lease = asyncio.create_task(_keep_lease(slots, principal.tenant_id, slot))
    try:
        held = await run_in_threadpool(slots.count, principal.tenant_id)
        await _send(
            ws,
            "ready",
            {"user": principal.email, "tenant_id": principal.tenant_id, "connections": held, "limit": limit},
        )
        a = assistant(ws)
        while True:
            try:
                frame = await _receive_text(ws)
                started = time.perf_counter()
            except ValueError:
                await _send(
                    ws,
                    "error",
                    {
                        "code": "invalid_input",
                        "message": "frames must be UTF-8 JSON text",
                        "details": [{"field": "frame"}],
                    },
                )
                continue
            # Each turn checks the sign-in again, as every HTTP request does: a logout, a disabled
            # user or team, an expired token or a role change ends what the socket may do at once.
            try:
                principal = await run_in_threadpool(_check, ws, token)
            except AppError as exc:
                await _refuse(ws, exc.code, exc.message)
                return
            if not allowed(principal.role, Action.ASSISTANT_USE):
                await _refuse(ws, "forbidden", f"your role ({principal.role}) may not use the assistant")
                return
            try:
                body = _parse_turn(frame)
            except ValidationError as exc:
                details = [
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
                ]
                await _send(
                    ws, "error", {"code": "invalid_input", "message": "invalid message", "details": details}
                )
                continue
            except (ValueError, RecursionError) as exc:
                await _send(ws, "error", {"code": "invalid_json", "message": str(exc)[:200]})
                continue
            except AppError as exc:
                await _send(ws, "error", {"code": exc.code, "message": exc.message, "details": exc.details})
                continue
            ok, retry = await run_in_threadpool(_draw, ws, principal.tenant_id)
            if not ok:
                await _send(
                    ws,
                    "error",
                    {
                        "code": "rate_limited",
                        "message": "too many requests",
                        "retry_after_s": max(1, math.ceil(retry)),
                    },
                )
                continue
            try:
                thread = await prepare_thread(ws, body.thread_id, principal, body.prompt)
                if body.resume is not None and await a.pending_approval(thread.id) is None:
                    raise AppError(
                        "nothing in this thread is waiting for approval",
                        code="no_pending_approval",
                        status=409,
                    )
            except AppError as exc:
                await _send(ws, "error", {"code": exc.code, "message": exc.message})
                continue
            items = chat_event_items(a, body, thread.id, caller_of(ws, principal), new_thread=thread.new)
            async for event, data in metrics.timed_turn(
                items, model=a.model_spec, transport="ws", started=started
            ):
                await _send(ws, event, data)
    except WebSocketDisconnect:
        pass
    finally:
        lease.cancel()
        with contextlib.suppress(Exception):
            await run_in_threadpool(slots.release, principal.tenant_id, slot)
