"""Runs of the assistant as LangGraph's server runs them: in the background, one at a time per thread,
visible and cancellable from any API replica.

A run is a row (``agent_runs``) and an event log (:mod:`agent.run_events`). The replica that accepts a
run runs it in an asyncio task of its own, so the run goes on when the client that asked for it goes away
(unless it asked ``on_disconnect=cancel``); every event it streams goes to the run's log, which the
creating request and any join, on any replica, read.

Statuses: ``pending`` -> ``running`` -> ``success`` | ``error`` | ``interrupted`` (cancelled, or a run that
waited and was cancelled). A thread is ``busy`` while it has a pending or running run, then ``idle``,
``interrupted`` (waiting for an approval) or ``error``.

Concurrency, per thread (``multitask_strategy``): a new run while another is pending or running is
refused (``reject``, 409), waits its turn (``enqueue``), or asks the others to stop first (``interrupt``;
``rollback`` also takes their checkpoints back out and deletes them). A run starts only when no earlier
run of its thread is pending or running: the accepting replica polls the table (``run_poll_s``).

Cancellation from any replica: the cancel request sets ``cancel`` on the row (and cancels the task at
once when this replica runs it); the replica running it reads its rows every ``run_poll_s`` (a
heartbeat, ``heartbeat_at``, in the same statement) and cancels the task. A run whose replica died stops
heart-beating: whoever reads it ``run_stale_after_s`` later marks it ``error`` (:func:`expire_stale`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from langchain_core.messages import BaseMessage, BaseMessageChunk, convert_to_messages
from langgraph.types import Command, Interrupt
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from accounts.audit import Source
from accounts.service import Ctx, Principal
from agent import checkpoints
from agent import service as agent_service
from agent.models import AgentRun, AgentThread
from agent.run_events import END, RunEvents
from core.db import session_scope, write_transaction
from core.errors import AppError, Conflict, NotFound
from core.observability import current_trace_id
from core.settings import Settings
from tools.context import Caller, acting_as

log = logging.getLogger(__name__)

ACTIVE = ("pending", "running")
#: The graph's own stream modes each API stream mode needs (LangGraph server's mapping).
GRAPH_MODES: dict[str, tuple[str, ...]] = {
    "values": ("values",),
    "updates": ("updates",),
    "messages-tuple": ("messages",),
    "messages": ("messages", "updates"),
    "custom": ("custom",),
    "debug": ("debug",),
    "tasks": ("tasks",),
    "checkpoints": ("checkpoints",),
    "events": (),
}
STREAM_MODES = tuple(GRAPH_MODES)


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(ts: datetime | None) -> datetime | None:
    return ts if ts is None or ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def dump(value: Any) -> Any:
    """Values as the LangGraph server serializes them: messages as their model dump, interrupts as
    ``{"value", "id"}``."""
    if isinstance(value, Interrupt):
        return {"value": dump(value.value), "id": value.id}
    if isinstance(value, BaseModel):
        return dump(value.model_dump())
    if isinstance(value, dict):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def dumps(value: Any) -> str:
    return orjson.dumps(dump(value), default=str).decode()


def run_dict(run: AgentRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "thread_id": run.thread_id,
        "assistant_id": run.assistant_id,
        "created_at": _aware(run.created_at).isoformat() if run.created_at else None,  # type: ignore[union-attr]
        "updated_at": _aware(run.updated_at).isoformat() if run.updated_at else None,  # type: ignore[union-attr]
        "status": run.status,
        "metadata": run.metadata_ or {},
        "kwargs": run.kwargs or {},
        "multitask_strategy": run.multitask_strategy,
    }


def caller_json(caller: Caller) -> dict[str, Any]:
    p = caller.principal
    return {
        "user_id": p.user_id,
        "tenant_id": p.tenant_id,
        "role": p.role,
        "session_id": p.session_id,
        "email": p.email,
        "api_key_id": p.api_key_id,
        "scopes": sorted(p.scopes),
        "ip": caller.ctx.source.ip,
        "user_agent": caller.ctx.source.user_agent,
    }


# --- the table -------------------------------------------------------------------------------------


def get_run(session: Session, run_id: str, tenant_id: str | None, thread_id: str | None = None) -> AgentRun:
    run = session.get(AgentRun, run_id)
    if run is None or run.tenant_id != tenant_id or (thread_id is not None and run.thread_id != thread_id):
        raise NotFound(f"run {run_id!r} not found")
    return run


def active_runs(session: Session, thread_id: str) -> list[AgentRun]:
    stmt = select(AgentRun).where(AgentRun.thread_id == thread_id, AgentRun.status.in_(ACTIVE))
    return list(session.execute(stmt.order_by(AgentRun.created_at)).scalars())


def list_runs(
    session: Session, thread_id: str, *, limit: int, offset: int, status: str | None = None
) -> list[AgentRun]:
    stmt = select(AgentRun).where(AgentRun.thread_id == thread_id)
    if status:
        stmt = stmt.where(AgentRun.status == status)
    stmt = stmt.order_by(AgentRun.created_at.desc()).limit(limit).offset(offset)
    return list(session.execute(stmt).scalars())


def expire_stale(session: Session, runs: list[AgentRun], stale_after_s: float) -> None:
    """Marks ``error`` the running runs whose replica stopped heart-beating (it died mid-run)."""
    limit = now_utc() - timedelta(seconds=stale_after_s)
    for run in runs:
        beat = _aware(run.heartbeat_at)
        if run.status == "running" and beat is not None and beat < limit:
            run.status = "error"
            run.error = "the API replica running it stopped"
            run.updated_at = now_utc()
            thread = session.get(AgentThread, run.thread_id)
            if thread is not None and thread.status == "busy":
                thread.status = "error"


def insert_run(
    session: Session,
    *,
    thread: AgentThread,
    assistant_id: str,
    graph_id: str,
    kwargs: dict[str, Any],
    metadata: dict[str, Any],
    strategy: str,
    caller: dict[str, Any],
    stateless: bool,
    stale_after_s: float,
) -> AgentRun:
    """A pending run on ``thread``, after the thread's multitask strategy allowed it."""
    inflight = active_runs(session, thread.id)
    expire_stale(session, inflight, stale_after_s)
    inflight = [r for r in inflight if r.status in ACTIVE]
    if inflight and strategy == "reject":
        raise Conflict(
            "the thread is already running a run: wait for it, cancel it, or send multitask_strategy "
            "interrupt, rollback or enqueue",
            code="thread_busy",
            details={"run_ids": [r.id for r in inflight]},
        )
    if strategy in ("interrupt", "rollback"):
        for other in inflight:
            other.cancel = strategy
    now = now_utc()
    run = AgentRun(
        id=str(uuid.uuid4()),
        thread_id=thread.id,
        tenant_id=thread.tenant_id,
        user_id=caller.get("user_id"),
        assistant_id=assistant_id,
        status="pending",
        multitask_strategy=strategy,
        metadata_=metadata,
        kwargs=kwargs,
        caller=caller,
        stateless=stateless,
        created_at=now,
        updated_at=now,
    )
    session.add(run)
    thread.status = "busy"
    thread.metadata_ = {**(thread.metadata_ or {}), "graph_id": graph_id, "assistant_id": assistant_id}
    thread.updated_at = now
    session.flush()
    return run


def request_cancel(session: Session, run: AgentRun, action: str) -> None:
    """Asks the replica that runs ``run`` (or will) to stop it; a run already ended keeps its status."""
    if run.status in ACTIVE:
        run.cancel = action
        run.updated_at = now_utc()


# --- running ---------------------------------------------------------------------------------------


class RunCancelled(Exception):
    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class RunManager:
    """Runs this replica accepted, and reads of any run's events."""

    def __init__(
        self,
        session_factory: Callable[[], sessionmaker[Session]],
        settings: Settings,
        events: RunEvents,
        assistant: Callable[[], agent_service.Assistant],
        ctx: Callable[[Source], Ctx],
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.events = events
        self.assistant = assistant
        self.make_ctx = ctx
        self.replica = f"{uuid.uuid4().hex[:12]}"
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._cancel_asked: dict[str, str] = {}

    async def db(self, fn: Callable[[Session], Any]) -> Any:
        def work() -> Any:
            with session_scope(self.session_factory()) as session:
                return fn(write_transaction(session))

        return await run_in_threadpool(work)

    def start(self, run_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._execute(run_id), name=f"run-{run_id}")
        self.tasks[run_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(run_id, None))

    def cancel_local(self, run_id: str, action: str) -> bool:
        task = self.tasks.get(run_id)
        if task is None:
            return False
        self._cancel_asked[run_id] = action
        task.cancel()
        return True

    async def close(self) -> None:
        """Shutdown: the runs of this replica end as interrupted (their clients can run them again)."""
        for run_id in list(self.tasks):
            self.cancel_local(run_id, "interrupt")
        if self.tasks:
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)

    # -- one run --

    async def _wait_turn(self, run_id: str) -> AgentRun:
        poll = self.settings.run_poll_s

        def turn(session: Session) -> AgentRun | str | None:
            run = session.get(AgentRun, run_id)
            if run is None:
                return "rollback"
            if run.cancel:
                return run.cancel
            earlier = [
                r
                for r in active_runs(session, run.thread_id)
                if r.id != run.id and r.created_at <= run.created_at
            ]
            expire_stale(session, earlier, self.settings.run_stale_after_s)
            if any(r.status in ACTIVE for r in earlier):
                return None
            run.status = "running"
            run.owner = self.replica
            run.heartbeat_at = now_utc()
            run.updated_at = now_utc()
            session.flush()
            session.expunge(run)
            return run

        while True:
            verdict = await self.db(turn)
            if isinstance(verdict, AgentRun):
                return verdict
            if isinstance(verdict, str):
                raise RunCancelled(verdict)
            await asyncio.sleep(poll)

    async def _watch(self, run_id: str, task: asyncio.Task[Any]) -> None:
        """Heartbeat, and the cancellation another replica asked for."""

        def beat(session: Session) -> str | None:
            run = session.get(AgentRun, run_id)
            if run is None:
                return "rollback"
            run.heartbeat_at = now_utc()
            return run.cancel

        while not task.done():
            await asyncio.sleep(self.settings.run_poll_s)
            try:
                action = await self.db(beat)
            except Exception:  # the database is away for a moment: the run goes on
                log.warning("run %s: heartbeat failed", run_id, exc_info=True)
                continue
            if action:
                self._cancel_asked[run_id] = action
                task.cancel()
                return

    async def _execute(self, run_id: str) -> None:
        status, error, action = "success", None, None
        head: tuple[str | None, set[tuple[str, str]]] = (None, set())
        run: AgentRun | None = None
        a = self.assistant()
        saver = a.graph.checkpointer
        try:
            try:
                run = await self._wait_turn(run_id)
                if saver is not None and not run.stateless:
                    head = await checkpoints.head_writes(saver, run.thread_id)
                me = asyncio.current_task()
                assert me is not None  # nosec B101  # always inside a task
                watcher = asyncio.get_running_loop().create_task(self._watch(run_id, me))
                try:
                    await self._stream(run, a)
                finally:
                    watcher.cancel()
            except asyncio.CancelledError:
                action = self._cancel_asked.pop(run_id, None)
                if action is None:
                    raise
                status = "interrupted"
            except RunCancelled as exc:
                action, status = exc.action, "interrupted"
        except asyncio.CancelledError:
            status, action = "interrupted", "interrupt"
        except AppError as exc:
            status, error = "error", {"error": exc.code, "message": exc.message}
        except Exception:
            # The details stay in the log under the trace id; an exception's text can hold internals.
            log.exception("run %s failed", run_id)
            status = "error"
            error = {"error": "run_failed", "message": f"the run failed (trace id {current_trace_id()})"}
        try:
            if error is not None:
                await self.events.publish(run_id, "error", dumps(error))
            await self._finish(run_id, run, status, action, error, head, a)
        finally:
            resumable = bool(run is not None and (run.kwargs or {}).get("stream_resumable"))
            keep = self.settings.run_events_keep_s if resumable else self.settings.run_events_grace_s
            await self.events.close(run_id, keep)

    async def _finish(
        self,
        run_id: str,
        run: AgentRun | None,
        status: str,
        action: str | None,
        error: dict[str, Any] | None,
        head: tuple[str | None, set[tuple[str, str]]],
        a: agent_service.Assistant,
    ) -> None:
        saver: Any = a.graph.checkpointer
        thread_id = run.thread_id if run is not None else None
        if action == "rollback" and saver is not None and run is not None and not run.stateless:
            await checkpoints.rollback(saver, run.thread_id, run_id, head)
        snapshot = None
        if thread_id is not None and saver is not None and run is not None and not run.stateless:
            snapshot = await a.state(thread_id)
        stateless = run is not None and run.stateless
        if stateless and saver is not None and thread_id is not None:
            await saver.adelete_thread(thread_id)

        def record(session: Session) -> None:
            row = session.get(AgentRun, run_id)
            if row is None:
                return
            thread = session.get(AgentThread, row.thread_id)
            if action == "rollback":
                session.delete(row)
            else:
                row.status = status
                row.error = (error or {}).get("message")
                row.updated_at = now_utc()
            if thread is None:
                return
            if stateless and (row.kwargs or {}).get("on_completion", "delete") == "delete":
                session.delete(thread)
                return
            others = [r for r in active_runs(session, thread.id) if r.id != run_id]
            if snapshot is not None:
                thread.values = dump(snapshot.values or {})
                thread.interrupts = {
                    t.id: dump(list(t.interrupts)) for t in snapshot.tasks if t.interrupts
                } or None
            if others:
                thread.status = "busy"
            elif status == "error":
                thread.status = "error"
            elif thread.interrupts:
                thread.status = "interrupted"
            else:
                thread.status = "idle"
            thread.updated_at = now_utc()

        await self.db(record)

    async def _inputs(
        self, run: AgentRun, a: agent_service.Assistant
    ) -> dict[str, Any] | Command[Any] | None:
        kwargs = run.kwargs or {}
        command = kwargs.get("command")
        if command is not None:
            pending = await a.pending_approval(run.thread_id)
            if pending is None:
                raise Conflict("nothing in this thread is waiting for approval", code="no_pending_approval")
            return agent_service.resume_command(command.get("resume"), pending)
        raw = kwargs.get("input")
        if raw is None:
            return None
        inputs = {**raw, "messages": convert_to_messages(raw.get("messages") or [])}
        if not run.stateless and await a.pending_approval(run.thread_id) is not None:
            # New input while an approval waits: decline it first, as /ai/chat does.
            await a.decline_pending(run.thread_id)
        return inputs

    def _caller(self, run: AgentRun) -> Caller:
        c = run.caller or {}
        principal = Principal(
            user_id=c["user_id"],
            tenant_id=c["tenant_id"],
            role=c["role"],
            session_id=c["session_id"],
            email=c["email"],
            api_key_id=c.get("api_key_id"),
            scopes=frozenset(c.get("scopes") or ()),
        )
        source = Source(ip=c.get("ip"), user_agent=c.get("user_agent"), trace_id=current_trace_id())
        return Caller(principal=principal, ctx=self.make_ctx(source))

    async def _stream(self, run: AgentRun, a: agent_service.Assistant) -> None:
        kwargs = run.kwargs or {}
        modes: list[str] = kwargs.get("stream_mode") or ["values"]
        graph_modes = sorted({g for m in modes for g in GRAPH_MODES[m]} | {"updates"})
        await self.events.publish(
            run.id, "metadata", dumps({"run_id": run.id, "thread_id": run.thread_id, "attempt": 1})
        )
        caller = self._caller(run)
        with acting_as(caller):
            inputs = await self._inputs(run, a)
            config = a.config(run.thread_id, run.id)
            config["metadata"] = {"run_id": run.id, "assistant_id": run.assistant_id}
            shaper = EventShaper(modes)
            if "events" in modes:
                source: AsyncIterator[Any] = a.graph.astream_events(
                    inputs, config, version="v2", stream_mode=graph_modes
                )
            else:
                source = a.graph.astream(inputs, config, stream_mode=graph_modes)  # type: ignore[arg-type]
            async for item in source:
                for event, data in shaper.shape(item, root_run_id=run.id):
                    await self.events.publish(run.id, event, dumps(data))

    # -- reading --

    async def read(
        self,
        run_id: str,
        after: str,
        *,
        modes: list[str] | None = None,
        is_active: Callable[[], Any] | None = None,
    ) -> AsyncIterator[tuple[str, str, str]]:
        """The run's events after ``after`` until its end. ``is_active`` (async) is asked when nothing came
        for a while: a log that expired, or a run whose replica died, must not hang its readers."""
        while True:
            entries = await self.events.read(run_id, after, timeout_s=self.settings.run_read_block_s)
            if not entries:
                if is_active is not None and not await is_active():
                    return
                continue
            for entry_id, event, data in entries:
                after = entry_id
                if event == END:
                    return
                if (
                    modes
                    and event not in ("metadata", "error")
                    and event.split("/")[0].split("|")[0] not in _events_of(modes)
                ):
                    continue
                yield entry_id, event, data


def _events_of(modes: list[str]) -> set[str]:
    out = set()
    for m in modes:
        out.add("messages" if m in ("messages-tuple", "messages") else m)
    return out


class EventShaper:
    """The graph's stream chunks as the LangGraph server's SSE events, for the stream modes asked."""

    def __init__(self, modes: list[str]) -> None:
        self.modes = set(modes)
        self.partial: dict[str, BaseMessageChunk] = {}
        self.completed: set[str] = set()

    def shape(self, item: Any, *, root_run_id: str) -> list[tuple[str, Any]]:
        if isinstance(item, dict) and "event" in item:  # astream_events
            out: list[tuple[str, Any]] = []
            if item["event"] == "on_chain_stream" and str(item.get("run_id")) == root_run_id:
                mode, chunk = item["data"]["chunk"]
                out.extend(self._chunk(mode, chunk))
            out.append(("events", {k: v for k, v in item.items() if k != "parent_ids"}))
            return out
        mode, chunk = item
        return self._chunk(mode, chunk)

    def _chunk(self, mode: str, chunk: Any) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        if mode == "messages":
            message, meta = chunk
            if "messages-tuple" in self.modes:
                safe = {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
                out.append(("messages", [message, safe]))
            if "messages" in self.modes and isinstance(message, BaseMessageChunk) and message.id:
                if message.id not in self.partial:
                    self.partial[message.id] = message
                    out.append(("messages/metadata", {message.id: {"metadata": meta}}))
                else:
                    self.partial[message.id] = self.partial[message.id] + message
                out.append(("messages/partial", [self.partial[message.id]]))
            return out
        if mode == "updates":
            if "messages" in self.modes and isinstance(chunk, dict):
                done = [
                    m
                    for update in chunk.values()
                    if isinstance(update, dict)
                    for m in update.get("messages", [])
                    if isinstance(m, BaseMessage) and m.id and m.id not in self.completed
                ]
                for m in done:
                    self.completed.add(str(m.id))
                if done:
                    out.append(("messages/complete", done))
            if "updates" in self.modes:
                out.append(("updates", chunk))
            elif isinstance(chunk, dict) and "__interrupt__" in chunk:
                # LangGraph's server reports an interrupt in the updates stream even when only values
                # were asked for; the SDK's clients look for it there.
                out.append(("updates", {"__interrupt__": chunk["__interrupt__"]}))
            return out
        if mode in self.modes:
            out.append((mode, chunk))
        return out
