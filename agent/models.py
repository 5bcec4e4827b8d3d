"""Conversation threads and their runs.

One row per thread so that an unknown thread id is an error, not a new conversation by accident; the
messages themselves live in the LangGraph checkpointer, and ``values``/``interrupts`` copy the latest
state when a run ends (a thread list shows them without reading the checkpointer). One row per run
(``agent_runs``), so every API replica can list, read, join and cancel a run whichever replica runs it:
``owner`` names that replica, which refreshes ``heartbeat_at`` while the run goes on and reads
``cancel`` (a cancellation asked for on any replica).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
