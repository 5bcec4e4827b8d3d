"""The assistant's API: ``POST /ai/chat`` (JSON) and ``POST /ai/chat/stream`` (SSE).

SSE events of ``/ai/chat/stream``, in order (each ``data:`` is one JSON object):

- ``metadata``: ``{"run_id", "thread_id"}``, first.
- ``token``: ``{"text"}``, a piece of the answer as the model writes it.
- ``tool_start``: ``{"id", "name", "args"}``, the model asked for a tool.
- ``tool_end``: ``{"id", "name", "ok", "error"?}``, the tool returned.
- ``result``: the structured answer (``recommendations``, ``forecast``, ``iac``, ``summary``, ``thread_id``, ...).
- ``error``: ``{"code", "message"}``, the run failed; ``end`` still follows.
- ``end``: ``{}``, last.

Both need a signed-in user whose role may use the assistant; a thread belongs to its tenant, and
another tenant's thread id is a 404.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from accounts.deps import AssistantUser
from accounts.service import Principal
from agent import service as agent_service
from agent.state import ChatResult
from core.db import session_scope
from core.errors import AppError
from core.observability import current_trace_id

log = logging.getLogger(__name__)
router = APIRouter(prefix="/ai", tags=["assistant"])


class Constraints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gpu_type: str | None = Field(None, max_length=60)
    region: str | None = Field(None, max_length=80)
    budget_per_hour: float | None = Field(None, gt=0, le=100_000)
    hours: float | None = Field(None, gt=0, le=24 * 366)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=agent_service.MAX_PROMPT_CHARS)
    constraints: Constraints | None = None
    thread_id: str | None = Field(None, max_length=64)

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("prompt must not be blank")
        return v


def sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()


async def prepare_thread(request: Request, thread_id: str | None, user: Principal) -> str:
    factory = request.app.state.session_factory

    def work() -> str:
        with session_scope(factory) as session:
            if thread_id:
                agent_service.get_thread(session, thread_id, tenant_id=user.tenant_id)
                agent_service.touch_thread(session, thread_id)
                return thread_id
            return agent_service.create_thread(session, tenant_id=user.tenant_id, user_id=user.user_id).id

    return await run_in_threadpool(work)


def assistant(request: Request) -> agent_service.Assistant:
    a: agent_service.Assistant | None = getattr(request.app.state, "assistant", None)
    if a is None:
        raise AppError("the assistant is not running", code="unavailable", status=503)
    return a


@router.post("/chat", response_model=ChatResult, summary="Ask the assistant (one JSON answer)")
async def chat(user: AssistantUser, body: ChatRequest, request: Request) -> ChatResult:
    thread_id = await prepare_thread(request, body.thread_id, user)
    constraints = body.constraints.model_dump(exclude_none=True) if body.constraints else None
    return await assistant(request).run(body.prompt, thread_id, constraints)


async def chat_events(a: agent_service.Assistant, body: ChatRequest, thread_id: str) -> AsyncIterator[bytes]:
    run_id = str(uuid.uuid4())
    yield sse("metadata", {"run_id": run_id, "thread_id": thread_id})
    constraints = body.constraints.model_dump(exclude_none=True) if body.constraints else None
    inputs = {"messages": [agent_service.user_message(body.prompt, constraints)]}
    names: dict[str, str] = {}
    try:
        async for mode, chunk in a.stream(inputs, thread_id, ["messages", "updates"], run_id):
            if mode == "messages":
                message, meta = chunk
                if (
                    meta.get("langgraph_node") == "plan"
                    and isinstance(message, AIMessageChunk)
                    and message.content
                ):
                    yield sse("token", {"text": message.text})
                continue
            for node, update in (chunk or {}).items():
                if not isinstance(update, dict):
                    continue
                if node == "plan":
                    for m in update.get("messages", []):
                        if isinstance(m, AIMessage):
                            for tc in m.tool_calls:
                                names[str(tc["id"])] = tc["name"]
                                yield sse(
                                    "tool_start", {"id": tc["id"], "name": tc["name"], "args": tc["args"]}
                                )
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
                            yield sse("tool_end", event)
                elif node == "respond" and update.get("result") is not None:
                    result = ChatResult(**update["result"])
                    result.thread_id = thread_id
                    yield sse("result", result.model_dump())
    except Exception as exc:  # the stream must end cleanly, with the reason
        log.exception("chat stream failed")
        yield sse(
            "error",
            {"code": "run_failed", "message": f"{type(exc).__name__}: {exc}", "trace_id": current_trace_id()},
        )
    yield sse("end", {})


def _tool_error(content: str) -> str | None:
    try:
        data = json.loads(content)
    except ValueError:
        return content[:200] if content.startswith("Error") else None
    return str(data["error"]) if isinstance(data, dict) and "error" in data else None


@router.post("/chat/stream", summary="Ask the assistant, streamed as server-sent events")
async def chat_stream(user: AssistantUser, body: ChatRequest, request: Request) -> StreamingResponse:
    a = assistant(request)
    thread_id = await prepare_thread(request, body.thread_id, user)
    return StreamingResponse(
        chat_events(a, body, thread_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
