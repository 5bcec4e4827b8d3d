"""The assistant's API: ``POST /ai/chat`` (JSON) and ``POST /ai/chat/stream`` (SSE).

SSE events of ``/ai/chat/stream``, in order (each ``data:`` is one JSON object):

- ``metadata``: ``{"run_id", "thread_id"}``, first.
- ``token``: ``{"text"}``, a piece of the answer as the model writes it.
- ``tool_start``: ``{"id", "name", "args"}``, the model asked for a tool.
- ``tool_end``: ``{"id", "name", "ok", "error"?}``, the tool returned.
- ``result``: the structured answer (``recommendations``, ``forecast``, ``iac``, ``summary``, ``thread_id``, ...).
- ``approval_required``: ``{"id", "intent", "question", ...}``, the run paused for the user's approval
  (a booking); answer it with a request carrying ``thread_id`` and ``resume: {"approved": true|false}``.
- ``error``: ``{"code", "message"}``, the run failed; ``end`` still follows.
- ``end``: ``{}``, last.

A quiet stream carries a comment line (``: ping``) every ``sse_ping_s`` (15 s); a client that hangs up
stops the run (core/responses.py).

Both need a signed-in user whose role may use the assistant; a thread belongs to its tenant, and
another tenant's thread id is a 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import anyio
from fastapi import APIRouter, Request
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from accounts.deps import AssistantUser, get_ctx
from accounts.service import Principal
from agent import service as agent_service
from agent.state import ChatResult
from core import metrics
from core.db import session_scope
from core.errors import AppError, Conflict, InvalidInput
from core.observability import current_trace_id
from core.responses import EventStream, event_stream, sse_event
from tools.context import Caller, acting_as

log = logging.getLogger(__name__)
router = APIRouter(prefix="/ai", tags=["assistant"])


class Constraints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gpu_type: str | None = Field(None, max_length=60)
    region: str | None = Field(None, max_length=80)
    budget_per_hour: float | None = Field(None, gt=0, le=100_000)
    hours: float | None = Field(None, gt=0, le=24 * 366)


class Resume(BaseModel):
    """The user's answer to a paused run's approval request."""

    model_config = ConfigDict(extra="forbid")

    approved: bool
    reason: str | None = Field(None, max_length=500)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str | None = Field(None, min_length=1, max_length=agent_service.MAX_PROMPT_CHARS)
    constraints: Constraints | None = None
    thread_id: str | None = Field(None, max_length=64, pattern=r"^[\x21-\x7e]+$")
    resume: Resume | None = None

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("prompt must not be blank")
        return v

    def check(self) -> ChatRequest:
        """Rules across fields, as 422s naming the field (a model validator could only name the body)."""
        if self.resume is None and self.prompt is None:
            raise InvalidInput(
                "prompt is required (or resume, to answer an approval request)", details=[{"field": "prompt"}]
            )
        if self.resume is not None and self.prompt is not None:
            raise InvalidInput("send either prompt or resume, not both", details=[{"field": "resume"}])
        if self.resume is not None and not self.thread_id:
            raise InvalidInput(
                "resume needs the thread_id of the paused run", details=[{"field": "thread_id"}]
            )
        return self

    def resume_value(self) -> dict[str, Any] | None:
        return self.resume.model_dump(exclude_none=True) if self.resume is not None else None


def sse(event: str, data: Any) -> ServerSentEvent:
    return sse_event(json.dumps(data, default=str), event=event)


class PreparedThread(NamedTuple):
    id: str
    #: Made by this request: it has no checkpoint yet, so nothing in it can be waiting for approval.
    new: bool


async def prepare_thread(
    request: HTTPConnection, thread_id: str | None, user: Principal, prompt: str | None = None
) -> PreparedThread:
    """The run's thread: the caller's own (404 for another tenant's), or a new one titled by the prompt."""
    factory = request.app.state.session_factory

    def work() -> PreparedThread:
        # One statement either way (the thread's UPDATE, or the new thread's INSERT): no transaction around it.
        with session_scope(factory, autocommit=True) as session:
            if thread_id:
                agent_service.use_thread(session, thread_id, user.tenant_id)
                return PreparedThread(thread_id, new=False)
            metadata = agent_service.thread_title(prompt) if prompt else None
            thread = agent_service.create_thread(
                session, metadata=metadata, tenant_id=user.tenant_id, user_id=user.user_id
            )
            return PreparedThread(thread.id, new=True)

    return await run_in_threadpool(work)


def assistant(request: HTTPConnection) -> agent_service.Assistant:
    a: agent_service.Assistant | None = getattr(request.app.state, "assistant", None)
    if a is None:
        raise AppError("the assistant is not running", code="unavailable", status=503)
    return a


def caller_of(request: HTTPConnection, user: Principal) -> Caller:
    return Caller(principal=user, ctx=get_ctx(request))


@router.post("/chat", response_model=ChatResult, summary="Ask the assistant (one JSON answer)")
async def chat(user: AssistantUser, body: ChatRequest, request: Request) -> ChatResult:
    started = time.perf_counter()
    body.check()
    a = assistant(request)
    thread = await prepare_thread(request, body.thread_id, user, body.prompt)
    constraints = body.constraints.model_dump(exclude_none=True) if body.constraints else None
    try:
        return await a.run(
            body.prompt,
            thread.id,
            constraints,
            resume=body.resume_value(),
            caller=caller_of(request, user),
            new_thread=thread.new,
        )
    finally:
        metrics.ASSISTANT_TURN.labels(a.model_spec, "json").observe(time.perf_counter() - started)


async def chat_event_items(
    a: agent_service.Assistant,
    body: ChatRequest,
    thread_id: str,
    caller: Caller | None = None,
    *,
    new_thread: bool = False,
) -> AsyncIterator[tuple[str, Any]]:
    """The run's events as ``(name, data)``: the same for SSE (:func:`chat_events`) and WebSocket.
    ``new_thread``: the thread was made for this turn (no checkpoint to look at for a waiting approval)."""
    run_id = str(uuid.uuid4())
    yield ("metadata", {"run_id": run_id, "thread_id": thread_id})
    constraints = body.constraints.model_dump(exclude_none=True) if body.constraints else None
    names: dict[str, str] = {}
    try:
        with acting_as(caller):
            inputs = await a.inputs_for(
                thread_id, body.prompt, constraints, body.resume_value(), new_thread=new_thread
            )
        async for mode, chunk in _stream_as(caller, a, inputs, thread_id, run_id):
            if mode == "messages":
                message, meta = chunk
                if (
                    meta.get("langgraph_node") == "plan"
                    and isinstance(message, AIMessageChunk)
                    and message.content
                ):
                    yield ("token", {"text": message.text})
                continue
            for node, update in (chunk or {}).items():
                if node == "__interrupt__":
                    for interrupt in update:
                        yield ("approval_required", agent_service.approval_request(interrupt))
                    continue
                if not isinstance(update, dict):
                    continue
                if node == "plan":
                    for m in update.get("messages", []):
                        if isinstance(m, AIMessage):
                            for tc in m.tool_calls:
                                names[str(tc["id"])] = tc["name"]
                                yield ("tool_start", {"id": tc["id"], "name": tc["name"], "args": tc["args"]})
                elif node == "tools":
                    for m in update.get("messages", []):
                        if isinstance(m, ToolMessage):
                            event: dict[str, Any] = {
                                "id": m.tool_call_id,
                                "name": names.get(m.tool_call_id, m.name),
                            }
                            error = _tool_error(str(m.content))
                            event["ok"] = error is None
                            if error:
                                event["error"] = error
                            yield ("tool_end", event)
                elif node == "respond" and update.get("result") is not None:
                    result = ChatResult(**update["result"])
                    result.thread_id = thread_id
                    yield ("result", result.model_dump())
    except AppError as exc:
        yield ("error", {"code": exc.code, "message": exc.message, "trace_id": current_trace_id()})
    except Exception:  # the stream must end cleanly, with the reason
        log.exception("chat stream failed")
        yield (
            "error",
            # The details stay in the log under the trace id; an exception's text can hold internals.
            {
                "code": "run_failed",
                "message": "the assistant failed on this request",
                "trace_id": current_trace_id(),
            },
        )
    yield ("end", {})


async def chat_events(
    a: agent_service.Assistant,
    body: ChatRequest,
    thread_id: str,
    caller: Caller | None = None,
    started: float | None = None,
    *,
    new_thread: bool = False,
) -> AsyncIterator[ServerSentEvent]:
    items = chat_event_items(a, body, thread_id, caller, new_thread=new_thread)
    async for event, data in metrics.timed_turn(items, model=a.model_spec, transport="sse", started=started):
        yield sse(event, data)


async def _stream_as(
    caller: Caller | None, a: agent_service.Assistant, inputs: Any, thread_id: str, run_id: str
) -> AsyncIterator[tuple[str, Any]]:
    """The graph's stream, run in a task of its own with the run's caller set (tools read it).

    When the client hangs up, the response cancels the request's task at every ``await`` from then on
    (anyio's cancel scope): run inline, LangGraph's own cleanup (which cancels the graph's node tasks) was
    itself cancelled, and the nodes went on writing the answer for nobody. Here the pump task is cancelled
    once and given a moment to wind the run down."""
    queue: asyncio.Queue[tuple[str, Any] | BaseException | None] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        try:
            async for item in a.stream(inputs, thread_id, ["messages", "updates"], run_id):
                await queue.put(item)
        except Exception as exc:  # handed to the reader, which raises it where it would have been raised
            await queue.put(exc)
            return
        await queue.put(None)

    with acting_as(caller):
        task = asyncio.create_task(pump())  # the task's context is a copy: the caller stays set in it
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not task.done():
            task.cancel()
            with anyio.move_on_after(5, shield=True):
                await asyncio.wait([task])


def _tool_error(content: str) -> str | None:
    if '"error"' not in content:
        # No JSON object with an "error" key can lack these bytes: the answer (often kilobytes of offers) is
        # not decoded just to find that out; a ToolNode error is plain text, "Error: ...".
        return content[:200] if content.startswith("Error") else None
    try:
        data = json.loads(content)
    except ValueError:
        return content[:200] if content.startswith("Error") else None
    return str(data["error"]) if isinstance(data, dict) and "error" in data else None


@router.post(
    "/chat/stream",
    summary="Ask the assistant, streamed as server-sent events",
    response_class=EventStream,
    responses=event_stream(
        "server-sent events, each `data:` one JSON value; `error` if the run fails, `end` last",
        ["metadata", "token", "tool_start", "tool_end", "result", "approval_required", "error", "end"],
    ),
)
async def chat_stream(user: AssistantUser, body: ChatRequest, request: Request) -> EventStream:
    started = time.perf_counter()
    body.check()
    a = assistant(request)
    thread = await prepare_thread(request, body.thread_id, user, body.prompt)
    if body.resume is not None and await a.pending_approval(thread.id) is None:
        raise Conflict("nothing in this thread is waiting for approval", code="no_pending_approval")
    return EventStream(
        chat_events(a, body, thread.id, caller_of(request, user), started, new_thread=thread.new),
        ping=request.app.state.settings.sse_ping_s,
    )
