"""The subset of the LangGraph server protocol that LangGraph's own clients call.

Endpoints: ``GET /info``, ``POST /threads``, ``GET /threads/{thread_id}``, ``GET
/threads/{thread_id}/state``, ``POST /threads/{thread_id}/runs/stream`` and ``POST /runs/stream``
(stateless). The one assistant is ``gpubroker`` (``agent`` is accepted as an alias).

SSE events of the ``runs/stream`` endpoints: first ``metadata`` (``{"run_id", "thread_id"}``), then
one event per chunk named after its stream mode: ``values`` (the full state), ``updates``
(``{node: update}``) and, for ``messages-tuple``, ``messages`` with ``[message_chunk, metadata]``;
``error`` (``{"error", "message"}``) if the run fails; the stream then ends. The response's
``Content-Location`` names the run, as the SDK's ``on_run_created`` expects.

Everything but ``/info`` needs a signed-in user (``Authorization: Bearer``; the SDK takes it as
``get_client(url=..., headers=...)``); threads belong to the user's tenant, another tenant's is a 404.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from langchain_core.messages import BaseMessage, convert_to_messages
from langgraph.types import Command, Interrupt
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from accounts.deps import AssistantUser
from accounts.service import Principal
from agent import service as agent_service
from api.chat import assistant, caller_of
from core import metrics
from core.db import session_scope
from core.errors import AppError, Conflict, InvalidInput
from core.observability import current_trace_id
from core.responses import EventStream, event_stream
from tools.context import Caller, acting_as

log = logging.getLogger(__name__)
router = APIRouter(tags=["langgraph"])

ASSISTANT_IDS = {"gpubroker", "agent"}
STREAM_MODES = {"values": "values", "updates": "updates", "messages-tuple": "messages"}


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = Field(None, max_length=64, pattern=r"^[\x21-\x7e]+$")
    metadata: dict[str, Any] | None = None
    if_exists: Literal["raise", "do_nothing"] = "raise"


class RunCommand(BaseModel):
    """LangGraph's ``command``: only ``resume`` (the answer to an interrupt) is supported."""

    model_config = ConfigDict(extra="ignore")

    resume: Any = None


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str = "gpubroker"
    input: dict[str, Any] | None = None
    command: RunCommand | None = None
    stream_mode: str | list[str] = "values"
    config: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


def dump(value: Any) -> Any:
    """LangChain messages as the LangGraph server serializes them (their model dump); interrupts
    as ``{"value", "id"}``."""
    if isinstance(value, Interrupt):
        return {"value": dump(value.value), "id": value.id}
    if isinstance(value, BaseMessage):
        return value.model_dump()
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    return value


def sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(dump(data), default=str)}\n\n".encode()


@router.get("/info")
def info() -> dict[str, Any]:
    return {
        "version": "0.1.0",
        "server": "gpubroker",
        "assistants": sorted(ASSISTANT_IDS),
        "flags": {"assistants": True, "crons": False},
    }


@router.post("/threads")
async def create_thread(user: AssistantUser, body: ThreadCreate, request: Request) -> dict[str, Any]:
    factory = request.app.state.session_factory

    def work() -> dict[str, Any]:
        with session_scope(factory) as session:
            thread = agent_service.create_thread(
                session,
                body.thread_id,
                body.metadata,
                body.if_exists,
                tenant_id=user.tenant_id,
                user_id=user.user_id,
            )
            return agent_service.thread_dict(thread)

    return await run_in_threadpool(work)


async def load_thread(request: Request, thread_id: str, user: Principal) -> dict[str, Any]:
    factory = request.app.state.session_factory

    def work() -> dict[str, Any]:
        with session_scope(factory) as session:
            return agent_service.thread_dict(agent_service.get_thread(session, thread_id, user.tenant_id))

    return await run_in_threadpool(work)


@router.get("/threads/{thread_id}")
async def get_thread(user: AssistantUser, thread_id: str, request: Request) -> dict[str, Any]:
    return await load_thread(request, thread_id, user)


@router.get("/threads/{thread_id}/state")
async def thread_state(user: AssistantUser, thread_id: str, request: Request) -> dict[str, Any]:
    await load_thread(request, thread_id, user)
    snapshot = await assistant(request).state(thread_id)
    cfg = (snapshot.config or {}).get("configurable", {})
    parent = (snapshot.parent_config or {}).get("configurable") if snapshot.parent_config else None
    tasks = [
        {
            "id": task.id,
            "name": task.name,
            "error": None,
            "interrupts": dump(list(task.interrupts)),
            "checkpoint": None,
            "state": None,
            "result": None,
        }
        for task in snapshot.tasks
    ]
    return {
        "values": dump(snapshot.values or {}),
        "next": list(snapshot.next),
        "tasks": tasks,
        "interrupts": dump(list(getattr(snapshot, "interrupts", ()) or ())),
        "checkpoint": {
            "thread_id": thread_id,
            "checkpoint_ns": cfg.get("checkpoint_ns", ""),
            "checkpoint_id": cfg.get("checkpoint_id"),
        },
        "metadata": dump(snapshot.metadata or {}),
        "created_at": snapshot.created_at,
        "parent_checkpoint": parent,
    }


def _validate_run(body: RunCreate) -> tuple[list[str], dict[str, Any] | Command[Any] | None]:
    if body.assistant_id not in ASSISTANT_IDS:
        raise InvalidInput(
            f"unknown assistant_id {body.assistant_id!r}; use 'gpubroker'",
            details=[{"field": "assistant_id", "message": "unknown assistant"}],
        )
    modes = [body.stream_mode] if isinstance(body.stream_mode, str) else list(body.stream_mode)
    bad = [m for m in modes if m not in STREAM_MODES]
    if bad or not modes:
        raise InvalidInput(
            f"unsupported stream_mode {', '.join(bad) or '[]'}; supported: {', '.join(STREAM_MODES)}",
            details=[{"field": "stream_mode", "message": "unsupported"}],
        )
    if body.command is not None:
        if body.input is not None:
            raise InvalidInput("send either input or command, not both", details=[{"field": "command"}])
        if body.command.resume is None:
            raise InvalidInput(
                "command.resume is required: the answer to the pending interrupt",
                details=[{"field": "command.resume"}],
            )
        return modes, Command(resume=body.command.resume)
    inputs = body.input
    if inputs is not None:
        raw = inputs.get("messages")
        if not isinstance(raw, list) or not raw:
            raise InvalidInput(
                "input.messages must be a non-empty list", details=[{"field": "input.messages"}]
            )
        try:
            messages = convert_to_messages(raw)
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise InvalidInput(f"input.messages: {exc}", details=[{"field": "input.messages"}]) from exc
        for m in messages:
            if len(str(m.content)) > agent_service.MAX_PROMPT_CHARS:
                raise InvalidInput(
                    f"a message is longer than {agent_service.MAX_PROMPT_CHARS} characters",
                    details=[{"field": "input.messages"}],
                )
        inputs = {**inputs, "messages": messages}
    return modes, inputs


async def run_events(
    request: Request,
    thread_id: str,
    run_id: str,
    modes: list[str],
    inputs: dict[str, Any] | Command[Any] | None,
    caller: Caller | None = None,
) -> AsyncIterator[bytes]:
    yield sse("metadata", {"run_id": run_id, "thread_id": thread_id})
    internal = [STREAM_MODES[m] for m in modes]
    # LangGraph's server reports an interrupt in the updates stream even when only values were
    # asked for; the SDK's clients look for it there.
    wanted = internal if "updates" in internal else [*internal, "updates"]
    try:
        stream = assistant(request).stream(inputs, thread_id, wanted, run_id).__aiter__()
        while True:
            with acting_as(caller):
                try:
                    mode, chunk = await stream.__anext__()
                except StopAsyncIteration:
                    break
            if mode == "updates" and "updates" not in internal:
                if isinstance(chunk, dict) and "__interrupt__" in chunk:
                    yield sse("updates", {"__interrupt__": chunk["__interrupt__"]})
                continue
            if mode == "messages":
                message, meta = chunk
                yield sse(
                    "messages",
                    [message, {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}],
                )
            else:
                yield sse(mode, chunk)
    except AppError as exc:
        yield sse("error", {"error": exc.code, "message": exc.message})
    except Exception:
        # The details stay in the log under the trace id; an exception's text can hold internals.
        log.exception("run %s failed", run_id)
        yield sse(
            "error", {"error": "run_failed", "message": f"the run failed (trace id {current_trace_id()})"}
        )


async def _stream(
    request: Request, body: RunCreate, thread_id: str, stateless: bool, user: Principal
) -> EventStream:
    started = time.perf_counter()
    modes, inputs = _validate_run(body)
    if isinstance(inputs, Command):
        pending = await assistant(request).pending_approval(thread_id)
        if pending is None:
            raise Conflict("nothing in this thread is waiting for approval", code="no_pending_approval")
        inputs = agent_service.resume_command(inputs.resume, pending)
    elif (
        inputs is not None
        and not stateless
        and await assistant(request).pending_approval(thread_id) is not None
    ):
        # New input while an approval waits: decline it first, as /ai/chat does.
        with acting_as(caller_of(request, user)):
            await assistant(request).decline_pending(thread_id)
    run_id = str(uuid.uuid4())
    location = f"/runs/{run_id}" if stateless else f"/threads/{thread_id}/runs/{run_id}"
    events = run_events(request, thread_id, run_id, modes, inputs, caller_of(request, user))
    model = assistant(request).model_spec
    return EventStream(
        metrics.timed_turn(events, model=model, transport="langgraph", started=started),
        headers={"Content-Location": location, "Cache-Control": "no-cache"},
    )


RUN_EVENTS = event_stream(
    "server-sent events: metadata, then values, updates or messages; error if the run fails",
    ["metadata", "values", "updates", "messages", "error"],
)


@router.post("/threads/{thread_id}/runs/stream", response_class=EventStream, responses=RUN_EVENTS)
async def thread_run_stream(
    user: AssistantUser, thread_id: str, body: RunCreate, request: Request
) -> EventStream:
    await load_thread(request, thread_id, user)
    return await _stream(request, body, thread_id, stateless=False, user=user)


@router.post("/runs/stream", response_class=EventStream, responses=RUN_EVENTS)
async def stateless_run_stream(user: AssistantUser, body: RunCreate, request: Request) -> EventStream:
    if body.input is None:
        raise InvalidInput("a stateless run needs input", details=[{"field": "input"}])
    if body.command is not None:
        raise InvalidInput("a stateless run cannot resume: it has no thread", details=[{"field": "command"}])
    return await _stream(request, body, f"stateless-{uuid.uuid4()}", stateless=True, user=user)
