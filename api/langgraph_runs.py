"""LangGraph's server API: runs (see :mod:`agent.runs` for how they run and :mod:`api.langgraph_api`).

- ``POST /threads/{id}/runs`` (background), ``/runs/stream``, ``/runs/wait``; ``POST /runs``, ``/runs/stream``,
  ``/runs/wait`` (stateless: a thread of their own, deleted at the end unless ``on_completion=keep``).
- ``GET /threads/{id}/runs`` (``limit``, ``offset``, ``status``), ``GET|DELETE /threads/{id}/runs/{run_id}``,
  ``POST .../cancel?wait=&action=interrupt|rollback`` (202, or 204 after the run ended with ``wait=1``),
  ``POST /runs/cancel`` (many), ``GET .../join`` (the thread's values once the run ended) and
  ``GET .../stream`` (join the stream: from ``Last-Event-ID``, ``-1`` for the whole run, or from now).
- ``multitask_strategy``: ``reject`` (409 ``thread_busy``), ``interrupt``, ``rollback``, ``enqueue``;
  ``on_disconnect``: ``continue`` (the default: the run goes on) or ``cancel``; ``stream_resumable`` keeps
  the run's events an hour after it ended (others: two minutes) for ``Last-Event-ID`` rejoins.
- ``stream_mode``: ``values``, ``updates``, ``messages-tuple`` (event ``messages``: ``[chunk, metadata]``),
  ``messages`` (``messages/metadata``, ``messages/partial``, ``messages/complete``), ``custom`` (tools'
  progress, e.g. ``{"type": "progress", "tool": "search_offers", "message": "found 412 matching offers"}``),
  ``events`` (LangChain's ``astream_events`` v2), ``debug``, ``tasks``, ``checkpoints``. Any other is a 422.

SSE framing: ``id: <event id>``, ``event: <name>``, ``data: <JSON>``; a comment line (``: ping``) every
``sse_ping_s`` (15 s) while nothing else is sent. First ``metadata``
(``{"run_id", "thread_id", "attempt"}``), then the modes' events, ``error`` (``{"error", "message"}``) when
the run fails; the stream then ends. ``Content-Location`` names the run (the SDK's ``onRunCreated``) and
``Location`` its stream, where the SDK reconnects with ``Last-Event-ID`` when a connection drops.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from langchain_core.messages import convert_to_messages
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from sse_starlette import ServerSentEvent

from accounts.deps import AssistantUser
from accounts.service import Principal
from agent import service as agent_service
from agent.models import AgentRun, AgentThread
from agent.run_events import START
from agent.runs import (
    ACTIVE,
    STREAM_MODES,
    RunManager,
    active_runs,
    caller_json,
    expire_stale,
    get_run,
    insert_run,
    list_runs,
    request_cancel,
    run_dict,
)
from api.chat import caller_of
from api.langgraph_api import ASSISTANT_IDS, GRAPH_ID, NotImplementedByUs, db, load_thread
from core import metrics
from core.errors import Conflict, InvalidInput, NotFound
from core.responses import EventStream, event_stream, sse_event

RUN_EVENTS = event_stream(
    "server-sent events of the run, each with an `id:` for Last-Event-ID; the names follow stream_mode",
    [
        "metadata",
        "values",
        "updates",
        "messages",
        "messages/partial",
        "messages/complete",
        "messages/metadata",
        "custom",
        "events",
        "debug",
        "tasks",
        "checkpoints",
        "error",
        "end",
    ],
)

router = APIRouter(tags=["langgraph"])


class RunCommand(BaseModel):
    """LangGraph's ``command``: only ``resume`` (the answer to an interrupt) is supported."""

    model_config = ConfigDict(extra="ignore")

    resume: Any = None
    update: Any = None
    goto: Any = None


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str = GRAPH_ID
    input: dict[str, Any] | None = None
    command: RunCommand | None = None
    stream_mode: str | list[str] = "values"
    stream_resumable: bool = False
    config: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    multitask_strategy: Literal["reject", "interrupt", "rollback", "enqueue"] = "reject"
    on_disconnect: Literal["cancel", "continue"] = "continue"
    on_completion: Literal["delete", "keep"] = "delete"
    if_not_exists: Literal["create", "reject"] = "reject"
    interrupt_before: Any = None
    interrupt_after: Any = None
    checkpoint_id: str | None = None
    checkpoint: dict[str, Any] | None = None
    after_seconds: float | None = None
    webhook: str | None = None


def runs(request: Request) -> RunManager:
    manager: RunManager = request.app.state.runs
    return manager


def validate(body: RunCreate, *, stateless: bool) -> dict[str, Any]:
    """The run's kwargs, or a 422 (501 for what is not supported) naming the field."""
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
    for name in (
        "interrupt_before",
        "interrupt_after",
        "webhook",
        "after_seconds",
        "checkpoint_id",
        "checkpoint",
    ):
        if getattr(body, name):
            raise NotImplementedByUs(f"not supported by GPUBroker: {name}", details=[{"field": name}])
    if body.command is not None:
        if body.input is not None:
            raise InvalidInput("send either input or command, not both", details=[{"field": "command"}])
        if stateless:
            raise InvalidInput(
                "a stateless run cannot resume: it has no thread", details=[{"field": "command"}]
            )
        if body.command.resume is None:
            raise InvalidInput(
                "command.resume is required: the answer to the pending interrupt",
                details=[{"field": "command.resume"}],
            )
        if body.command.update is not None or body.command.goto is not None:
            raise NotImplementedByUs("not supported by GPUBroker: command.update and command.goto")
    elif body.input is not None:
        raw = body.input.get("messages")
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
    elif stateless:
        raise InvalidInput("a stateless run needs input", details=[{"field": "input"}])
    return {
        "input": body.input,
        "command": body.command.model_dump(exclude_none=True) if body.command else None,
        "stream_mode": modes,
        "stream_resumable": body.stream_resumable,
        "on_completion": body.on_completion,
        "on_disconnect": body.on_disconnect,
        "config": {k: v for k, v in (body.config or {}).items() if k in ("tags", "recursion_limit")},
    }


async def create(
    request: Request, user: Principal, body: RunCreate, thread_id: str | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Inserts the run (the thread's multitask strategy decides) and starts it on this replica."""
    manager = runs(request)
    caller = caller_json(caller_of(request, user))
    stale = request.app.state.settings.run_stale_after_s

    def work(session: Session) -> tuple[dict[str, Any], list[str]]:
        if thread_id is None:
            thread = agent_service.create_thread(
                session, f"stateless-{uuid.uuid4()}", {}, tenant_id=user.tenant_id, user_id=user.user_id
            )
        else:
            try:
                thread = agent_service.get_thread(session, thread_id, user.tenant_id)
            except NotFound:
                if body.if_not_exists != "create" or session.get(AgentThread, thread_id) is not None:
                    raise
                thread = agent_service.create_thread(
                    session, thread_id, {}, tenant_id=user.tenant_id, user_id=user.user_id
                )
        others = [r.id for r in active_runs(session, thread.id)]
        run = insert_run(
            session,
            thread=thread,
            assistant_id=body.assistant_id,
            graph_id=GRAPH_ID,
            kwargs=kwargs,
            metadata=body.metadata or {},
            strategy=body.multitask_strategy,
            caller=caller,
            stateless=thread_id is None,
            stale_after_s=stale,
        )
        return run_dict(run), others if body.multitask_strategy in ("interrupt", "rollback") else []

    run, interrupted = await db(request, work)
    for other in interrupted:
        manager.cancel_local(other, body.multitask_strategy)
    manager.start(run["run_id"])
    return dict(run)


def location(run: dict[str, Any], stateless: bool) -> str:
    return f"/runs/{run['run_id']}" if stateless else f"/threads/{run['thread_id']}/runs/{run['run_id']}"


def frame(entry_id: str | None, event: str, data: str) -> ServerSentEvent:
    return sse_event(data, event=event, id=entry_id or None)


async def is_active(request: Request, run_id: str) -> bool:
    stale = request.app.state.settings.run_stale_after_s

    def work(session: Session) -> bool:
        run = session.get(AgentRun, run_id)
        if run is None:
            return False
        expire_stale(session, [run], stale)
        return run.status in ACTIVE

    return bool(await db(request, work))


def sse_response(
    request: Request,
    run_id: str,
    after: str,
    *,
    modes: list[str] | None = None,
    cancel_on_disconnect: bool = False,
    headers: dict[str, str] | None = None,
    started: float | None = None,
) -> EventStream:
    manager = runs(request)

    async def events() -> AsyncIterator[ServerSentEvent]:
        ended = False
        try:
            async for entry_id, event, data in manager.read(
                run_id, after, modes=modes, is_active=lambda: is_active(request, run_id)
            ):
                yield frame(entry_id, event, data)
            ended = True
        finally:
            # The client went away and asked that the run go with it. This replica runs it when it created
            # it; otherwise the flag reaches the replica that does.
            if not ended and cancel_on_disconnect and not manager.cancel_local(run_id, "interrupt"):
                await _flag_cancel(request, run_id)

    async def timed() -> AsyncIterator[ServerSentEvent]:
        async for chunk in metrics.timed_turn(
            events(), model=request.app.state.assistant.model_spec, transport="langgraph", started=started
        ):
            yield chunk

    return EventStream(
        timed() if started is not None else events(),
        ping=request.app.state.settings.sse_ping_s,
        headers=headers,
    )


async def _flag_cancel(request: Request, run_id: str) -> None:
    import anyio

    def work(session: Session) -> None:
        run = session.get(AgentRun, run_id)
        if run is not None:
            request_cancel(session, run, "interrupt")

    with anyio.CancelScope(shield=True):
        await db(request, work)


async def stream_new_run(
    request: Request, user: Principal, body: RunCreate, thread_id: str | None
) -> EventStream:
    started = time.perf_counter()
    stateless = thread_id is None
    kwargs = validate(body, stateless=stateless)
    if thread_id is not None and body.if_not_exists != "create":
        await load_thread(request, thread_id, user)
    run = await create(request, user, body, thread_id, kwargs)
    here = location(run, stateless)
    headers = {"Content-Location": here}
    if not stateless:
        headers["Location"] = f"{here}/stream"
    return sse_response(
        request,
        run["run_id"],
        START,
        cancel_on_disconnect=body.on_disconnect == "cancel",
        headers=headers,
        started=started,
    )


async def wait_for_run(request: Request, run_id: str) -> dict[str, Any]:
    """The last values the run streamed (``{"__error__": ...}`` when it failed), as LangGraph's ``wait``."""
    last: dict[str, Any] = {}
    async for _id, event, data in runs(request).read(
        run_id, START, is_active=lambda: is_active(request, run_id)
    ):
        if event == "values":
            last = orjson.loads(data)
        elif event == "error":
            last = {"__error__": orjson.loads(data)}
    return last


async def wait_new_run(
    request: Request, user: Principal, body: RunCreate, thread_id: str | None, response: Response
) -> Any:
    stateless = thread_id is None
    body.stream_mode = ["values"]
    kwargs = validate(body, stateless=stateless)
    if thread_id is not None and body.if_not_exists != "create":
        await load_thread(request, thread_id, user)
    run = await create(request, user, body, thread_id, kwargs)
    response.headers["Content-Location"] = location(run, stateless)
    return await wait_for_run(request, run["run_id"])


# --- thread runs -------------------------------------------------------------------------------------


@router.post("/threads/{thread_id}/runs/stream", response_class=EventStream, responses=RUN_EVENTS)
async def thread_run_stream(
    user: AssistantUser, thread_id: str, body: RunCreate, request: Request
) -> EventStream:
    return await stream_new_run(request, user, body, thread_id)


@router.post("/threads/{thread_id}/runs/wait")
async def thread_run_wait(
    user: AssistantUser, thread_id: str, body: RunCreate, request: Request, response: Response
) -> Any:
    return await wait_new_run(request, user, body, thread_id, response)


@router.post("/threads/{thread_id}/runs")
async def thread_run_create(
    user: AssistantUser, thread_id: str, body: RunCreate, request: Request, response: Response
) -> dict[str, Any]:
    kwargs = validate(body, stateless=False)
    if body.if_not_exists != "create":
        await load_thread(request, thread_id, user)
    run = await create(request, user, body, thread_id, kwargs)
    response.headers["Content-Location"] = location(run, False)
    return run


@router.get("/threads/{thread_id}/runs")
async def thread_runs(
    user: AssistantUser,
    thread_id: str,
    request: Request,
    limit: int = Query(10, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    status: Literal["pending", "running", "success", "error", "interrupted", "timeout"] | None = None,
) -> list[dict[str, Any]]:
    await load_thread(request, thread_id, user)
    stale = request.app.state.settings.run_stale_after_s

    def work(session: Session) -> list[dict[str, Any]]:
        found = list_runs(session, thread_id, limit=limit, offset=offset, status=status)
        expire_stale(session, found, stale)
        return [run_dict(r) for r in found]

    return list(await db(request, work))


async def _get_run(request: Request, user: Principal, thread_id: str | None, run_id: str) -> dict[str, Any]:
    stale = request.app.state.settings.run_stale_after_s

    def work(session: Session) -> dict[str, Any]:
        run = get_run(session, run_id, user.tenant_id, thread_id)
        expire_stale(session, [run], stale)
        return run_dict(run)

    return dict(await db(request, work))


@router.get("/threads/{thread_id}/runs/{run_id}")
async def thread_run(user: AssistantUser, thread_id: str, run_id: str, request: Request) -> dict[str, Any]:
    return await _get_run(request, user, thread_id, run_id)


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=204)
async def delete_run(user: AssistantUser, thread_id: str, run_id: str, request: Request) -> Response:
    def work(session: Session) -> None:
        run = get_run(session, run_id, user.tenant_id, thread_id)
        if run.status in ACTIVE:
            raise Conflict("the run is still pending or running: cancel it first", code="run_active")
        session.delete(run)

    await db(request, work)
    return Response(status_code=204)


async def cancel_runs(
    request: Request, user: Principal, thread_id: str | None, run_ids: list[str], action: str
) -> None:
    def work(session: Session) -> None:
        for run_id in run_ids:
            request_cancel(session, get_run(session, run_id, user.tenant_id, thread_id), action)

    await db(request, work)
    for run_id in run_ids:
        runs(request).cancel_local(run_id, action)


@router.post(
    "/threads/{thread_id}/runs/{run_id}/cancel",
    status_code=202,
    responses={204: {"description": "cancelled, and (with `wait`) ended"}},
)
async def cancel_run(
    user: AssistantUser,
    thread_id: str,
    run_id: str,
    request: Request,
    wait: str = Query("0", max_length=5),
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    await cancel_runs(request, user, thread_id, [run_id], action)
    if wait.lower() in ("1", "true"):
        await wait_for_run(request, run_id)
        return Response(status_code=204)
    return Response(status_code=202)


class CancelMany(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = None
    run_ids: list[str] | None = Field(None, max_length=1000)
    status: Literal["pending", "running", "all"] | None = None


@router.post("/runs/cancel", status_code=204)
async def cancel_many(
    user: AssistantUser,
    body: CancelMany,
    request: Request,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    if body.run_ids:
        await cancel_runs(request, user, body.thread_id, body.run_ids, action)
    elif body.thread_id:
        await load_thread(request, body.thread_id, user)
        statuses = ACTIVE if body.status in (None, "all") else (body.status,)
        ids = await db(
            request, lambda s: [r.id for r in active_runs(s, str(body.thread_id)) if r.status in statuses]
        )
        await cancel_runs(request, user, body.thread_id, ids, action)
    else:
        raise InvalidInput("send run_ids or thread_id", details=[{"field": "run_ids"}])
    return Response(status_code=204)


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join_run(user: AssistantUser, thread_id: str, run_id: str, request: Request) -> dict[str, Any]:
    await _get_run(request, user, thread_id, run_id)
    async for _ in runs(request).read(run_id, START, is_active=lambda: is_active(request, run_id)):
        pass
    return dict((await load_thread(request, thread_id, user))["values"])


async def join_stream(
    request: Request,
    user: Principal,
    thread_id: str | None,
    run_id: str,
    last_event_id: str | None,
    stream_mode: list[str] | None,
    cancel_on_disconnect: str,
) -> EventStream:
    await _get_run(request, user, thread_id, run_id)
    stream_mode = [m for m in stream_mode or () if m]  # clients send an empty value for "all"
    bad = [m for m in stream_mode if m not in STREAM_MODES]
    if bad:
        raise InvalidInput(f"unsupported stream_mode {', '.join(bad)}", details=[{"field": "stream_mode"}])
    if last_event_id in ("-1", "0"):
        after = START
    elif last_event_id:
        after = last_event_id
    else:
        after = await runs(request).events.last_id(run_id)  # from now on
    return sse_response(
        request,
        run_id,
        after,
        modes=stream_mode or None,
        cancel_on_disconnect=cancel_on_disconnect.lower() in ("1", "true"),
        headers={
            "Content-Location": f"/threads/{thread_id}/runs/{run_id}" if thread_id else f"/runs/{run_id}"
        },
    )


@router.get("/threads/{thread_id}/runs/{run_id}/stream", response_class=EventStream, responses=RUN_EVENTS)
async def thread_run_join_stream(
    user: AssistantUser,
    thread_id: str,
    run_id: str,
    request: Request,
    last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=100),
    stream_mode: list[str] | None = Query(None),
    cancel_on_disconnect: str = Query("0", max_length=5),
) -> EventStream:
    return await join_stream(
        request, user, thread_id, run_id, last_event_id, stream_mode, cancel_on_disconnect
    )


# --- stateless runs ----------------------------------------------------------------------------------


@router.post("/runs/stream", response_class=EventStream, responses=RUN_EVENTS)
async def stateless_run_stream(user: AssistantUser, body: RunCreate, request: Request) -> EventStream:
    return await stream_new_run(request, user, body, None)


@router.post("/runs/wait")
async def stateless_run_wait(
    user: AssistantUser, body: RunCreate, request: Request, response: Response
) -> Any:
    return await wait_new_run(request, user, body, None, response)


@router.post("/runs")
async def stateless_run_create(
    user: AssistantUser, body: RunCreate, request: Request, response: Response
) -> dict[str, Any]:
    kwargs = validate(body, stateless=True)
    run = await create(request, user, body, None, kwargs)
    response.headers["Content-Location"] = location(run, True)
    return run


@router.get("/runs/{run_id}/stream", response_class=EventStream, responses=RUN_EVENTS)
async def stateless_run_join_stream(
    user: AssistantUser,
    run_id: str,
    request: Request,
    last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=100),
    stream_mode: list[str] | None = Query(None),
    cancel_on_disconnect: str = Query("0", max_length=5),
) -> EventStream:
    return await join_stream(request, user, None, run_id, last_event_id, stream_mode, cancel_on_disconnect)
