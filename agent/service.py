"""The assistant as the API uses it: threads, one-shot runs and streamed runs.

:class:`Assistant` owns the compiled graph (built once per app with the configured model, the tools
and the checkpointer). Thread rows make an unknown thread id a 404 instead of a silently new
conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, Interrupt
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from accounts.gdpr import register_source
from agent.graph import build_graph
from agent.knowledge.embeddings import warm_up
from agent.llm import make_chat_model
from agent.models import AgentThread
from agent.planner import format_constraints
from agent.state import ChatResult
from core.db import session_scope
from core.errors import Conflict, NotFound
from core.settings import Settings
from tools.context import Caller, ToolContext, acting_as
from tools.registry import make_tools

MAX_PROMPT_CHARS = 8000


def thread_dict(t: AgentThread) -> dict[str, Any]:
    return {
        "thread_id": t.id,
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
        "metadata": t.metadata_ or {},
        "status": t.status,
        "values": {},
    }


def create_thread(
    session: Session,
    thread_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    if_exists: str = "raise",
    *,
    tenant_id: str | None = None,
    user_id: str | None = None,
) -> AgentThread:
    """A new thread owned by ``tenant_id``/``user_id`` (None for in-process callers such as evals)."""
    tid = thread_id or str(uuid.uuid4())
    # A new random id names no thread yet: only a caller's own id is looked up.
    existing = session.get(AgentThread, tid) if thread_id else None
    if existing is not None:
        # Another tenant's thread is never handed out, even with if_exists=do_nothing.
        if if_exists == "do_nothing" and existing.tenant_id == tenant_id:
            return existing
        raise Conflict(f"thread {tid!r} already exists")
    now = datetime.now(UTC)
    thread = AgentThread(
        id=tid,
        tenant_id=tenant_id,
        user_id=user_id,
        metadata_=metadata or {},
        status="idle",
        created_at=now,
        updated_at=now,
    )
    session.add(thread)
    session.flush()
    return thread


#: How long a thread's title (its first request) may be.
TITLE_CHARS = 80


def thread_title(prompt: str) -> dict[str, str]:
    """A new thread's metadata: its first request, shortened, as its title in the list of conversations."""
    text = " ".join(prompt.split())
    return {"title": text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"}


def get_thread(session: Session, thread_id: str, tenant_id: str | None = None) -> AgentThread:
    """The thread, when it belongs to ``tenant_id``; another tenant's thread is "not found", exactly
    like one that does not exist. ``tenant_id=None`` is for in-process callers only (evals)."""
    thread = session.get(AgentThread, thread_id)
    if thread is None or (tenant_id is not None and thread.tenant_id != tenant_id):
        raise NotFound(f"thread {thread_id!r} not found")
    return thread


def list_threads(
    session: Session, limit: int = 20, *, tenant_id: str | None = None, user_id: str | None = None
) -> list[AgentThread]:
    stmt = select(AgentThread)
    if tenant_id is not None:
        stmt = stmt.where(AgentThread.tenant_id == tenant_id)
    if user_id is not None:
        stmt = stmt.where(AgentThread.user_id == user_id)
    return list(session.execute(stmt.order_by(AgentThread.updated_at.desc()).limit(limit)).scalars())


def delete_threads_of_user(session: Session, user_id: str) -> list[str]:
    ids = [t.id for t in list_threads(session, limit=1_000_000, user_id=user_id)]
    if ids:
        session.execute(delete(AgentThread).where(AgentThread.id.in_(ids)))
    return ids


class AssistantThreadsData:
    """The assistant's conversations as personal data of their user, for GDPR export and erasure
    (registered with accounts.gdpr; the messages live in the checkpointer)."""

    name = "assistant_threads"

    async def export(self, app_state: Any, user_id: str) -> list[dict[str, Any]]:
        def rows() -> list[dict[str, Any]]:
            with session_scope(app_state.session_factory) as session:
                return [thread_dict(t) for t in list_threads(session, limit=10_000, user_id=user_id)]

        threads = await run_in_threadpool(rows)
        assistant: Assistant | None = getattr(app_state, "assistant", None)
        for thread in threads:
            thread.pop("values", None)
            messages: list[dict[str, Any]] = []
            if assistant is not None:
                snapshot = await assistant.state(thread["thread_id"])
                for m in (snapshot.values or {}).get("messages", []):
                    messages.append({"type": m.type, "content": m.content})
            thread["messages"] = messages
        return threads

    async def erase(self, app_state: Any, user_id: str) -> int:
        def work() -> list[str]:
            with session_scope(app_state.session_factory) as session:
                return delete_threads_of_user(session, user_id)

        ids = await run_in_threadpool(work)
        assistant: Assistant | None = getattr(app_state, "assistant", None)
        checkpointer = getattr(getattr(assistant, "graph", None), "checkpointer", None)
        if checkpointer is not None:
            for thread_id in ids:
                await checkpointer.adelete_thread(thread_id)
        return len(ids)


register_source(AssistantThreadsData())


def use_thread(session: Session, thread_id: str, tenant_id: str) -> None:
    """Marks ``tenant_id``'s thread used now, in one round trip; another tenant's thread, or none, is "not
    found" as in :func:`get_thread`."""
    done = session.execute(
        update(AgentThread)
        .where(AgentThread.id == thread_id, AgentThread.tenant_id == tenant_id)
        .values(updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]  # an UPDATE: a CursorResult
        raise NotFound(f"thread {thread_id!r} not found")


def touch_thread(session: Session, thread_id: str) -> None:
    thread = session.get(AgentThread, thread_id)
    if thread is not None:
        thread.updated_at = datetime.now(UTC)


def user_message(prompt: str, constraints: dict[str, Any] | None = None) -> HumanMessage:
    return HumanMessage(content=prompt + format_constraints(constraints or {}))


def approval_request(interrupt: Interrupt) -> dict[str, Any]:
    """What a paused run asks the user to approve (the tool's interrupt value), with its id."""
    value = interrupt.value if isinstance(interrupt.value, dict) else {"question": str(interrupt.value)}
    return {"id": interrupt.id, **value}


def resume_command(answer: Any, pending: dict[str, Any] | None) -> Command[Any]:
    """The graph input that answers ``pending``: the user's answer plus, under ``approval``, the
    question exactly as it was shown (from the checkpoint, never from the client). A resumed tool runs
    again from its start and would otherwise only see today's figures, not the ones approved."""
    if isinstance(answer, dict) and pending is not None:
        answer = {**answer, "approval": pending}
    return Command(resume=answer)


def paused_result(thread_id: str, interrupts: Any) -> ChatResult:
    """The answer of a turn that stopped to ask for approval: the question, nothing else yet."""
    approval = approval_request(next(iter(interrupts)))
    return ChatResult(
        thread_id=thread_id,
        intent=str(approval.get("intent") or "book"),
        approval=approval,
        summary=str(approval.get("question") or "Waiting for your approval."),
    )


def checkpoint_path(settings: Settings) -> Path:
    db_path = Path(settings.database_url.split("///", 1)[-1])
    return db_path.with_name(db_path.stem + "-checkpoints.sqlite")


async def open_checkpointer(settings: Settings, stack: AsyncExitStack) -> Any:
    """SQLite saver next to a SQLite database; Postgres saver when the database is PostgreSQL."""
    if settings.is_sqlite:
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        path = checkpoint_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        return await stack.enter_async_context(AsyncSqliteSaver.from_conn_string(str(path)))
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    # Its tables are created by `gpubroker migrate` (never by an API process: replicas starting together
    # would race on the checkpointer's own migrations).
    if not settings.checkpoint_pool_size:
        return await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(url))
    # A pool: with one connection (from_conn_string) the saver holds a lock around every call, so concurrent
    # turns wait for each other's checkpoint reads and writes (issue 14). Same connection settings as its own.
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=settings.checkpoint_pool_size,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=False,
    )
    await pool.open()
    stack.push_async_callback(pool.close)
    return AsyncPostgresSaver(conn=pool)


class Assistant:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        *,
        cache: Any = None,
        checkpointer: Any = None,
        model_spec: str | None = None,
        model: BaseChatModel | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.model_spec = model_spec or settings.llm
        ctx = ToolContext(session_factory=session_factory, settings=settings, cache=cache)
        # The knowledge search's embedding model loads in the background (seconds), not in the first question.
        warm_up(settings)
        self.graph = build_graph(
            model or make_chat_model(self.model_spec, settings),
            make_tools(ctx),
            checkpointer,
            model_name=self.model_spec,
        )

    @staticmethod
    def config(thread_id: str, run_id: str | None = None) -> RunnableConfig:
        cfg: RunnableConfig = {"configurable": {"thread_id": thread_id}, "recursion_limit": 25}
        if run_id:
            cfg["run_id"] = uuid.UUID(run_id)
        return cfg

    async def pending_approval(self, thread_id: str) -> dict[str, Any] | None:
        """The approval a thread is waiting for, or None (always None without a checkpointer)."""
        if self.graph.checkpointer is None:
            return None
        snapshot = await self.graph.aget_state(self.config(thread_id))
        interrupts = list(getattr(snapshot, "interrupts", ()) or ())
        return approval_request(interrupts[0]) if interrupts else None

    async def inputs_for(
        self,
        thread_id: str,
        prompt: str | None,
        constraints: dict[str, Any] | None = None,
        resume: dict[str, Any] | None = None,
        *,
        new_thread: bool = False,
    ) -> dict[str, Any] | Command[Any]:
        """The graph input of a turn: a new message, or the answer to the pending approval.

        Answering when nothing waits is a 409; a new message while an approval waits declines it
        first, so the thread never keeps a booking question open behind a new request. A thread made for
        this turn (``new_thread``) has no checkpoint: nothing waits in it, and it is not read for that.
        """
        pending = None if new_thread else await self.pending_approval(thread_id)
        if resume is not None:
            if pending is None:
                raise Conflict("nothing in this thread is waiting for approval", code="no_pending_approval")
            return resume_command(resume, pending)
        if pending is not None:
            await self.decline_pending(thread_id)
        return {"messages": [user_message(prompt or "", constraints)]}

    async def decline_pending(self, thread_id: str) -> None:
        """Answers a waiting approval with no, so a new message starts from a closed question."""
        await self.graph.ainvoke(
            Command(resume={"approved": False, "reason": "superseded"}),
            self.config(thread_id),
            durability=self.settings.assistant_durability,
        )

    async def run(
        self,
        prompt: str | None,
        thread_id: str,
        constraints: dict[str, Any] | None = None,
        *,
        resume: dict[str, Any] | None = None,
        caller: Caller | None = None,
        new_thread: bool = False,
    ) -> ChatResult:
        with acting_as(caller):
            inputs = await self.inputs_for(thread_id, prompt, constraints, resume, new_thread=new_thread)
            state = await self.graph.ainvoke(
                inputs, self.config(thread_id), durability=self.settings.assistant_durability
            )
        interrupts = state.get("__interrupt__")
        if interrupts:
            return paused_result(thread_id, interrupts)
        result = ChatResult(**(state.get("result") or {}))
        result.thread_id = thread_id
        return result

    async def stream(
        self,
        inputs: dict[str, Any] | Command[Any] | None,
        thread_id: str,
        stream_mode: list[str],
        run_id: str | None = None,
    ) -> AsyncIterator[tuple[str, Any]]:
        async for mode, chunk in self.graph.astream(
            inputs,
            self.config(thread_id, run_id),
            stream_mode=stream_mode,  # type: ignore[arg-type]
            durability=self.settings.assistant_durability,
        ):
            yield mode, chunk

    async def state(self, thread_id: str) -> Any:
        return await self.graph.aget_state(self.config(thread_id))
