"""The agent's tables: conversation threads and their runs, and the knowledge base.

Threads: one row per thread so that an unknown thread id is an error, not a new conversation by accident;
the messages themselves live in the LangGraph checkpointer, and ``values``/``interrupts`` copy the latest
state when a run ends (a thread list shows them without reading the checkpointer). One row per run
(``agent_runs``), so every API replica can list, read, join and cancel a run whichever replica runs it:
``owner`` names that replica, which refreshes ``heartbeat_at`` while the run goes on and reads
``cancel`` (a cancellation asked for on any replica).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from core.db import Base


class AgentThread(Base):
    __tablename__ = "agent_threads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="idle")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    interrupts: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AgentRun(Base):
    __tablename__ = "agent_runs"
    # A thread's runs newest first; the pending runs any replica may pick up (migration 0014).
    __table_args__ = (
        Index("ix_agent_runs_thread_created", "thread_id", "created_at"),
        Index("ix_agent_runs_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    assistant_id: Mapped[str] = mapped_column(String(64))
    # pending, running, success, error, interrupted (LangGraph's run statuses)
    status: Mapped[str] = mapped_column(String(16))
    multitask_strategy: Mapped[str] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    #: What the run was asked: input or command, stream modes, resumable, on_completion.
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Who asked (the principal the tools act for), so any replica can run an enqueued run.
    caller: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stateless: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A cancellation asked for (interrupt or rollback), read by the replica that runs it.
    cancel: Mapped[str | None] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Embedding(TypeDecorator[list[float]]):
    """A sentence embedding: pgvector's ``vector(n)`` on PostgreSQL, JSON (unused) elsewhere."""

    impl = JSON
    cache_ok = True

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from pgvector.sqlalchemy import VECTOR

            return dialect.type_descriptor(VECTOR(self.dim))
        return dialect.type_descriptor(JSON())


#: all-MiniLM-L6-v2 (agent.knowledge.embeddings) gives 384 dimensions.
EMBEDDING_DIM = 384


class KnowledgePassage(Base):
    """One sourced passage of the assistant's knowledge base (``agent/knowledge/passages.jsonl``).

    Loaded by ``gpubroker migrate`` (:func:`agent.knowledge.service.load`); ``digest`` is the hash of
    what was loaded, so an unchanged passage keeps its embedding. Full-text search uses a stored
    ``search_tsv`` column on PostgreSQL and the FTS5 table ``knowledge_fts`` on SQLite (migration 0016,
    neither mapped here)."""

    __tablename__ = "knowledge_passages"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(40))
    embedding: Mapped[list[float] | None] = mapped_column(Embedding(EMBEDDING_DIM), nullable=True)
