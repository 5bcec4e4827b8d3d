"""LangGraph's server API (the Agent Protocol as LangGraph Platform serves it): info, assistants and threads.

Runs are in :mod:`api.langgraph_runs`. What LangGraph's clients (``@langchain/langgraph-sdk``, its
``useStream`` hook, ``langgraph-sdk`` for Python, agent-chat-ui) call works:

- ``GET /info``; ``POST /assistants/search``, ``/assistants/count``, ``GET /assistants/{id}`` (``/graph``,
  ``/schemas``, ``/subgraphs``). There is one assistant, graph ``gpubroker``, whose id is LangGraph's
  ``uuid5`` of the graph name; ``gpubroker`` and ``agent`` name it too.
- ``POST /threads``, ``/threads/search`` (metadata, values, status, ids; paged, with ``X-Pagination-Total``),
  ``/threads/count``, ``GET|PATCH|DELETE /threads/{id}``, ``POST /threads/{id}/copy``; the state
  (``GET|POST /threads/{id}/state``, ``/state/{checkpoint_id}``, ``POST /state/checkpoint``) and history
  (``GET|POST /threads/{id}/history``).

Not supported, answered 501 ``not_implemented`` in the error envelope (never a 404 that looks like a bug):
creating, changing or deleting assistants and their versions (the assistant is the product), crons, the
store, ``/threads/prune``, ``/runs/batch`` and the thread-level protocol stream (``/threads/{id}/stream``,
``/threads/{id}/commands``).

Everything but ``/info`` needs the team's API key (``X-Api-Key``, with the ``assistant`` scope) or a
signed-in user (``Authorization: Bearer``). Threads belong to the team; another team's id is a 404.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accounts.deps import AssistantUser
from accounts.service import Principal
from agent import checkpoints
from agent import service as agent_service
from agent.models import AgentRun, AgentThread
from agent.runs import active_runs, dump, request_cancel
from api.chat import assistant
from core.db import session_scope, write_transaction
from core.errors import AppError, Conflict, InvalidInput, NotFound

router = APIRouter(tags=["langgraph"])

GRAPH_ID = "gpubroker"
# LangGraph's server names a graph's default assistant uuid5(NAMESPACE_GRAPH, graph_id).
NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
ASSISTANT_UUID = str(uuid.uuid5(NAMESPACE_GRAPH, GRAPH_ID))
ASSISTANT_IDS = {GRAPH_ID, "agent", ASSISTANT_UUID}
CREATED = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]


class NotImplementedByUs(AppError):
    code = "not_implemented"
    status = 501


# agent.state.AgentState as JSON Schema (written out: the TypedDict is not pydantic's on Python 3.11).
STATE_SCHEMA: dict[str, Any] = {
    "title": "AgentState",
    "type": "object",
    "properties": {
        "messages": {
            "title": "Messages",
            "type": "array",
            "items": {"type": "object", "description": "a LangChain message: {type|role, content, ...}"},
        },
        "result": {
            "title": "Result",
            "anyOf": [
                {"type": "object", "description": "the turn's structured answer (ChatResult)"},
                {"type": "null"},
            ],
        },
    },
}


def assistant_dict() -> dict[str, Any]:
    return {
        "assistant_id": ASSISTANT_UUID,
        "graph_id": GRAPH_ID,
        "name": GRAPH_ID,
        "description": "GPUBroker's assistant: finds, compares, forecasts and books GPU offers.",
        "config": {},
        "context": {},
        "metadata": {"created_by": "system"},
        "version": 1,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def check_assistant(assistant_id: str) -> None:
    if assistant_id not in ASSISTANT_IDS:
        raise NotFound(f"assistant {assistant_id!r} not found; the assistant is 'gpubroker'")


def thread_dict(t: AgentThread) -> dict[str, Any]:
    out = agent_service.thread_dict(t)
    out["values"] = t.values or {}
    out["interrupts"] = t.interrupts or {}
    out["config"] = {}
    return out


async def db(request: Request, fn: Any) -> Any:
    factory = request.app.state.session_factory

    def work() -> Any:
        with session_scope(factory) as session:
            # Most units read a row and then write it (threads, runs): on SQLite they queue for the lock.
            return fn(write_transaction(session))

    return await run_in_threadpool(work)


async def load_thread(request: Request, thread_id: str, user: Principal) -> dict[str, Any]:
    return dict(
        await db(request, lambda s: thread_dict(agent_service.get_thread(s, thread_id, user.tenant_id)))
    )


def contains(haystack: Any, needle: Any) -> bool:
    """JSONB containment (``@>``), which LangGraph's filters mean."""
    if isinstance(needle, dict):
        return isinstance(haystack, dict) and all(
            k in haystack and contains(haystack[k], v) for k, v in needle.items()
        )
    if isinstance(needle, list):
        return isinstance(haystack, list) and all(any(contains(h, n) for h in haystack) for n in needle)
    return bool(haystack == needle)


# --- info and assistants -----------------------------------------------------------------------------


@router.get("/info")
def info() -> dict[str, Any]:
    return {
        "version": "0.1.0",
        "server": "gpubroker",
        "langgraph_py_version": "1",
        "assistants": sorted(ASSISTANT_IDS),
        "flags": {"assistants": True, "crons": False, "langsmith": False, "thread_ttl": False},
    }


class AssistantSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph_id: str | None = None
    name: str | None = None
    metadata: dict[str, Any] | None = None
    limit: int = Field(10, ge=1, le=1000)
    offset: int = Field(0, ge=0)


def _assistant_matches(body: AssistantSearch) -> list[dict[str, Any]]:
    a = assistant_dict()
    if body.graph_id not in (None, GRAPH_ID) or (body.name and body.name not in GRAPH_ID):
        return []
    if body.metadata and not contains(a["metadata"], body.metadata):
        return []
    return [a]


@router.post("/assistants/search")
def search_assistants(user: AssistantUser, body: AssistantSearch, response: Response) -> list[dict[str, Any]]:
    found = _assistant_matches(body)
    response.headers["X-Pagination-Total"] = str(len(found))
    return found[body.offset : body.offset + body.limit]


@router.post("/assistants/count")
def count_assistants(user: AssistantUser, body: AssistantSearch) -> int:
    return len(_assistant_matches(body))


@router.get("/assistants/{assistant_id}")
def get_assistant(user: AssistantUser, assistant_id: str) -> dict[str, Any]:
    check_assistant(assistant_id)
    return assistant_dict()


@router.get("/assistants/{assistant_id}/graph")
def assistant_graph(user: AssistantUser, assistant_id: str, request: Request) -> dict[str, Any]:
    check_assistant(assistant_id)
    return dict(assistant(request).graph.get_graph().to_json())


@router.get("/assistants/{assistant_id}/schemas")
def assistant_schemas(user: AssistantUser, assistant_id: str, request: Request) -> dict[str, Any]:
    check_assistant(assistant_id)
    return {
        "graph_id": GRAPH_ID,
        "input_schema": STATE_SCHEMA,
        "output_schema": STATE_SCHEMA,
        "state_schema": STATE_SCHEMA,
        "config_schema": {"title": "Config", "type": "object", "properties": {}},
        "context_schema": None,
    }


@router.get("/assistants/{assistant_id}/subgraphs")
def assistant_subgraphs(user: AssistantUser, assistant_id: str) -> dict[str, Any]:
    check_assistant(assistant_id)
    return {}  # the graph has none


# --- threads -----------------------------------------------------------------------------------------


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = Field(None, max_length=64, pattern=r"^[\x21-\x7e]+$")
    metadata: dict[str, Any] | None = None
    if_exists: Literal["raise", "do_nothing"] = "raise"


@router.post("/threads")
async def create_thread(user: AssistantUser, body: ThreadCreate, request: Request) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        thread = agent_service.create_thread(
            session,
            body.thread_id,
            body.metadata,
            body.if_exists,
            tenant_id=user.tenant_id,
            user_id=user.user_id,
        )
        return thread_dict(thread)

    return dict(await db(request, work))


class ThreadSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    status: ThreadStatus | None = None
    ids: list[str] | None = Field(None, max_length=1000)
    limit: int = Field(10, ge=1, le=1000)
    offset: int = Field(0, ge=0)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at"] = "created_at"
    sort_order: Literal["asc", "desc"] = "desc"
    select: list[str] | None = None


def _search(session: Session, tenant_id: str, body: ThreadSearch) -> list[AgentThread]:
    stmt = select(AgentThread).where(AgentThread.tenant_id == tenant_id)
    if body.status:
        stmt = stmt.where(AgentThread.status == body.status)
    if body.ids:
        stmt = stmt.where(AgentThread.id.in_(body.ids))
    column = {
        "thread_id": AgentThread.id,
        "status": AgentThread.status,
        "created_at": AgentThread.created_at,
        "updated_at": AgentThread.updated_at,
    }[body.sort_by]
    stmt = stmt.order_by(column.desc() if body.sort_order == "desc" else column.asc())
    rows = session.execute(stmt).scalars()
    # Metadata and values filters are JSON containment, the same on SQLite and PostgreSQL.
    return [
        t
        for t in rows
        if (not body.metadata or contains(t.metadata_ or {}, body.metadata))
        and (not body.values or contains(t.values or {}, body.values))
    ]


@router.post("/threads/search")
async def search_threads(
    user: AssistantUser, body: ThreadSearch, request: Request, response: Response
) -> list[dict[str, Any]]:
    def work(session: Session) -> tuple[int, list[dict[str, Any]]]:
        found = _search(session, user.tenant_id, body)
        return len(found), [thread_dict(t) for t in found[body.offset : body.offset + body.limit]]

    total, page = await db(request, work)
    response.headers["X-Pagination-Total"] = str(total)
    if body.offset + len(page) < total:
        response.headers["X-Pagination-Next"] = str(body.offset + len(page))
    if body.select:
        page = [{k: v for k, v in t.items() if k in body.select} for t in page]
    return list(page)


class ThreadCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    status: ThreadStatus | None = None


@router.post("/threads/count")
async def count_threads(user: AssistantUser, body: ThreadCount, request: Request) -> int:
    search = ThreadSearch(metadata=body.metadata, values=body.values, status=body.status)
    return int(await db(request, lambda s: len(_search(s, user.tenant_id, search))))


@router.get("/threads/{thread_id}")
async def get_thread(user: AssistantUser, thread_id: str, request: Request) -> dict[str, Any]:
    return await load_thread(request, thread_id, user)


class ThreadPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] = Field(default_factory=dict)


@router.patch("/threads/{thread_id}")
async def patch_thread(
    user: AssistantUser, thread_id: str, body: ThreadPatch, request: Request
) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        thread = agent_service.get_thread(session, thread_id, user.tenant_id)
        thread.metadata_ = {**(thread.metadata_ or {}), **body.metadata}
        thread.updated_at = datetime.now(UTC)
        return thread_dict(thread)

    return dict(await db(request, work))


@router.delete("/threads/{thread_id}", status_code=204)
async def delete_thread(user: AssistantUser, thread_id: str, request: Request) -> Response:
    def work(session: Session) -> list[str]:
        thread = agent_service.get_thread(session, thread_id, user.tenant_id)
        running = [r.id for r in active_runs(session, thread_id)]
        for run in session.execute(select(AgentRun).where(AgentRun.thread_id == thread_id)).scalars():
            request_cancel(session, run, "interrupt")
            if run.status not in ("pending", "running"):
                session.delete(run)
        session.delete(thread)
        return running

    for run_id in await db(request, work):
        request.app.state.runs.cancel_local(run_id, "interrupt")
    saver: Any = assistant(request).graph.checkpointer
    if saver is not None:
        await saver.adelete_thread(thread_id)
    return Response(status_code=204)


@router.post("/threads/{thread_id}/copy")
async def copy_thread(user: AssistantUser, thread_id: str, request: Request) -> dict[str, Any]:
    source = await load_thread(request, thread_id, user)
    if source["status"] == "busy":
        raise Conflict("the thread is running a run: copy it when the run has ended", code="thread_busy")
    new_id = str(uuid.uuid4())
    saver = assistant(request).graph.checkpointer
    if saver is not None:
        await checkpoints.copy_thread(saver, thread_id, new_id)

    def work(session: Session) -> dict[str, Any]:
        origin = agent_service.get_thread(session, thread_id, user.tenant_id)
        thread = agent_service.create_thread(
            session,
            new_id,
            {**(origin.metadata_ or {}), "thread_id": new_id},
            tenant_id=user.tenant_id,
            user_id=user.user_id,
        )
        thread.values, thread.interrupts, thread.status = origin.values, origin.interrupts, origin.status
        return thread_dict(thread)

    return dict(await db(request, work))


# --- state and history -------------------------------------------------------------------------------


def checkpoint_of(config: Any, thread_id: str) -> dict[str, Any] | None:
    cfg = (config or {}).get("configurable") if config else None
    if not cfg:
        return None
    return {
        "thread_id": thread_id,
        "checkpoint_ns": cfg.get("checkpoint_ns", ""),
        "checkpoint_id": cfg.get("checkpoint_id"),
        "checkpoint_map": cfg.get("checkpoint_map"),
    }


def state_dict(snapshot: Any, thread_id: str) -> dict[str, Any]:
    """A StateSnapshot as LangGraph's ThreadState."""
    tasks = [
        {
            "id": task.id,
            "name": task.name,
            "path": list(getattr(task, "path", ()) or ()),
            "error": str(task.error) if getattr(task, "error", None) else None,
            "interrupts": dump(list(task.interrupts)),
            "checkpoint": None,
            "state": None,
            "result": dump(getattr(task, "result", None)),
        }
        for task in snapshot.tasks
    ]
    return {
        "values": dump(snapshot.values or {}),
        "next": list(snapshot.next),
        "tasks": tasks,
        "interrupts": dump(list(getattr(snapshot, "interrupts", ()) or ())),
        "checkpoint": checkpoint_of(snapshot.config, thread_id),
        "metadata": dump(snapshot.metadata or {}),
        "created_at": snapshot.created_at,
        "parent_checkpoint": checkpoint_of(snapshot.parent_config, thread_id),
    }


async def read_state(
    request: Request, thread_id: str, checkpoint: dict[str, Any] | None = None
) -> dict[str, Any]:
    config = agent_service.Assistant.config(thread_id)
    if checkpoint:
        config["configurable"].update(
            {k: v for k, v in checkpoint.items() if k in ("checkpoint_id", "checkpoint_ns")}
        )
    snapshot = await assistant(request).graph.aget_state(config)
    if checkpoint and snapshot.config is None:
        raise NotFound(f"checkpoint {checkpoint.get('checkpoint_id')!r} not found in thread {thread_id!r}")
    return state_dict(snapshot, thread_id)


@router.get("/threads/{thread_id}/state")
async def thread_state(user: AssistantUser, thread_id: str, request: Request) -> dict[str, Any]:
    await load_thread(request, thread_id, user)
    return await read_state(request, thread_id)


@router.get("/threads/{thread_id}/state/{checkpoint_id}")
async def thread_state_at(
    user: AssistantUser, thread_id: str, checkpoint_id: str, request: Request
) -> dict[str, Any]:
    await load_thread(request, thread_id, user)
    return await read_state(request, thread_id, {"checkpoint_id": checkpoint_id})


class CheckpointIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint_id: str | None = None
    checkpoint_ns: str | None = None


class StateAt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint: CheckpointIn | None = None
    subgraphs: bool = False


@router.post("/threads/{thread_id}/state/checkpoint")
async def thread_state_at_post(
    user: AssistantUser, thread_id: str, body: StateAt, request: Request
) -> dict[str, Any]:
    await load_thread(request, thread_id, user)
    return await read_state(
        request, thread_id, body.checkpoint.model_dump(exclude_none=True) if body.checkpoint else None
    )


class StateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    values: dict[str, Any] | list[dict[str, Any]] | None = None
    as_node: str | None = None
    checkpoint: CheckpointIn | None = None
    checkpoint_id: str | None = None


@router.post("/threads/{thread_id}/state")
async def update_state(
    user: AssistantUser, thread_id: str, body: StateUpdate, request: Request
) -> dict[str, Any]:
    thread = await load_thread(request, thread_id, user)
    if thread["status"] == "busy":
        raise Conflict(
            "the thread is running a run: update its state when the run has ended", code="thread_busy"
        )
    if body.as_node is not None and body.as_node not in ("plan", "tools", "respond"):
        raise InvalidInput(
            "as_node must be one of the graph's nodes: plan, tools, respond", details=[{"field": "as_node"}]
        )
    config = agent_service.Assistant.config(thread_id)
    checkpoint_id = body.checkpoint_id or (body.checkpoint.checkpoint_id if body.checkpoint else None)
    if checkpoint_id:
        config["configurable"]["checkpoint_id"] = checkpoint_id
    values = body.values
    if isinstance(values, dict) and isinstance(values.get("messages"), list):
        from langchain_core.messages import convert_to_messages

        try:
            values = {**values, "messages": convert_to_messages(values["messages"])}
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise InvalidInput(f"values.messages: {exc}", details=[{"field": "values.messages"}]) from exc
    graph = assistant(request).graph
    new_config = await graph.aupdate_state(config, values, as_node=body.as_node)
    snapshot = await graph.aget_state(agent_service.Assistant.config(thread_id))

    def work(session: Session) -> None:
        row = agent_service.get_thread(session, thread_id, user.tenant_id)
        row.values = dump(snapshot.values or {})
        row.interrupts = {t.id: dump(list(t.interrupts)) for t in snapshot.tasks if t.interrupts} or None
        row.status = "interrupted" if row.interrupts else "idle"
        row.updated_at = datetime.now(UTC)

    await db(request, work)
    return {"checkpoint": checkpoint_of(new_config, thread_id)}


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=1000)
    before: CheckpointIn | str | None = None
    metadata: dict[str, Any] | None = None
    checkpoint: CheckpointIn | None = None


async def history(request: Request, thread_id: str, body: HistoryQuery) -> list[dict[str, Any]]:
    config = agent_service.Assistant.config(thread_id)
    if body.checkpoint and body.checkpoint.checkpoint_id:
        config["configurable"]["checkpoint_id"] = body.checkpoint.checkpoint_id
    before = body.before
    before_id = before if isinstance(before, str) else (before.checkpoint_id if before else None)
    before_config = agent_service.Assistant.config(thread_id) if before_id else None
    if before_config is not None:
        before_config["configurable"]["checkpoint_id"] = before_id
    graph = assistant(request).graph
    if graph.checkpointer is None:
        return []
    return [
        state_dict(s, thread_id)
        async for s in graph.aget_state_history(
            config, limit=body.limit, before=before_config, filter=body.metadata
        )
    ]


@router.post("/threads/{thread_id}/history")
async def thread_history(
    user: AssistantUser, thread_id: str, body: HistoryQuery, request: Request
) -> list[dict[str, Any]]:
    await load_thread(request, thread_id, user)
    return await history(request, thread_id, body)


@router.get("/threads/{thread_id}/history")
async def thread_history_get(
    user: AssistantUser,
    thread_id: str,
    request: Request,
    limit: int = Query(10, ge=1, le=1000),
    before: str | None = Query(None, max_length=100),
) -> list[dict[str, Any]]:
    await load_thread(request, thread_id, user)
    return await history(request, thread_id, HistoryQuery(limit=limit, before=before))


# --- what is not supported ---------------------------------------------------------------------------

UNSUPPORTED: list[tuple[str, str, str]] = [
    ("POST", "/assistants", "assistants are not created through the API: use the 'gpubroker' assistant"),
    ("PATCH", "/assistants/{assistant_id}", "the 'gpubroker' assistant cannot be changed through the API"),
    ("DELETE", "/assistants/{assistant_id}", "the 'gpubroker' assistant cannot be deleted"),
    ("POST", "/assistants/{assistant_id}/versions", "the assistant has one version"),
    ("POST", "/assistants/{assistant_id}/latest", "the assistant has one version"),
    ("POST", "/threads/prune", "threads are pruned by deleting them"),
    (
        "POST",
        "/threads/{thread_id}/stream",
        "the thread-level streaming protocol is not served: use runs/stream",
    ),
    (
        "GET",
        "/threads/{thread_id}/stream",
        "the thread-level streaming protocol is not served: use runs/stream",
    ),
    ("POST", "/threads/{thread_id}/commands", "the thread-level streaming protocol is not served: use runs"),
    ("POST", "/runs/batch", "batches of runs are not supported: create each run"),
    ("POST", "/runs/crons", "crons are not supported"),
    ("POST", "/runs/crons/search", "crons are not supported"),
    ("POST", "/runs/crons/count", "crons are not supported"),
    ("PATCH", "/runs/crons/{cron_id}", "crons are not supported"),
    ("DELETE", "/runs/crons/{cron_id}", "crons are not supported"),
    ("POST", "/threads/{thread_id}/runs/crons", "crons are not supported"),
    ("PUT", "/store/items", "the store is not supported"),
    ("GET", "/store/items", "the store is not supported"),
    ("DELETE", "/store/items", "the store is not supported"),
    ("POST", "/store/items/search", "the store is not supported"),
    ("POST", "/store/namespaces", "the store is not supported"),
]


def _unsupported(message: str) -> Any:
    def endpoint() -> None:
        raise NotImplementedByUs(f"not supported by GPUBroker: {message}")

    return endpoint


for _method, _path, _message in UNSUPPORTED:
    router.add_api_route(
        _path,
        _unsupported(_message),
        methods=[_method],
        status_code=501,
        include_in_schema=False,
        name=f"unsupported {_method} {_path}",
    )
