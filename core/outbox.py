"""The transactional outbox: an event leaves only if the change that caused it committed, and it leaves
even if the bus was down at that moment.

::

    request / job transaction                     after COMMIT (same process)         worker, every few s
    ─────────────────────────                     ───────────────────────────         ───────────────────
    change rows                                   publish each event to the bus ──▶   relay(): events still
    enqueue(session, topic, key, payload) ──▶     mark them published (one UPDATE)     unpublished after
      INSERT outbox_events (same transaction)     (a failure leaves them unpublished)  `outbox_relay_after_s`
                                                                                       are published now

:func:`enqueue` writes the event into the caller's transaction, so a rolled-back change never announces
anything, and a committed one always does: at once by the committing process (the fast path, which
keeps events quick), or by :func:`relay` in the worker when that process could not (Redis briefly
down, the process killed between its commit and its publish). Delivery is therefore *at least once*:
a process killed after publishing and before marking gets its events published again by the relay.
Every event carries its outbox id as ``id``, and consumers that must act once record the ids they
handled (:func:`core.bus.first_handling`), so a duplicate changes nothing.

The relay takes its rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers can
run it; the fast path and the relay cannot both pick a fresh event because the relay only looks at
events older than the delay. Published rows are deleted after ``outbox_keep_h`` hours.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import JSON, DateTime, Index, String, delete, event, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import metrics
from core.db import Base, session_scope
from core.jobs import Runtime, job

log = logging.getLogger(__name__)

_PENDING = "outbox_pending"
RELAY_BATCH = 500


class Publisher(Protocol):
    def publish(self, topic: str, key: str, payload: dict[str, Any], event_id: str | None = None) -> None: ...


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_outbox_events_published_created", "published_at", "created_at"),)


def enqueue(
    session: Session, topic: str, key: str, payload: dict[str, Any], bus: Publisher | None = None
) -> str:
    """Adds an event to the session's transaction; returns its id. ``bus``: where this process
    publishes it right after the commit (without one, the worker's relay does)."""
    event_id = uuid.uuid4().hex
    session.add(
        OutboxEvent(
            id=event_id,
            topic=topic,
            key=key,
            payload=payload,
            created_at=datetime.now(UTC),
            published_at=None,
        )
    )
    if bus is not None:
        session.info.setdefault(_PENDING, []).append((bus, event_id, topic, key, payload))
    return event_id


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    published: list[str] = []
    for bus, event_id, topic, key, payload in pending:
        try:
            bus.publish(topic, key, payload, event_id)
        except Exception as exc:  # the relay publishes it later; the change itself is committed
            log.warning("publishing %s %s failed (%s); the outbox relay retries it", topic, event_id, exc)
            continue
        published.append(event_id)
    if published:
        _mark_published(session.get_bind(), published)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _mark_published(bind: Engine | Connection, ids: list[str]) -> None:
    statement = (
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(ids), OutboxEvent.published_at.is_(None))
        .values(published_at=datetime.now(UTC))
    )
    try:
        if isinstance(bind, Engine):
            with bind.begin() as conn:
                conn.execute(statement)
        else:  # a session bound to a connection (tests): already inside its transaction
            bind.execute(statement)
    except Exception as exc:  # they stay unpublished and are published once more: consumers dedupe
        log.warning("marking %d outbox events published failed (%s)", len(ids), exc)


def relay(session: Session, bus: Publisher, *, older_than_s: float, limit: int = RELAY_BATCH) -> int:
    """Publishes events still unpublished ``older_than_s`` after they were written, oldest first; returns
    how many. Each is marked in the caller's transaction, which the caller commits."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None), OutboxEvent.created_at <= cutoff)
        .order_by(OutboxEvent.created_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.execute(query).scalars())
    now = datetime.now(UTC)
    for row in rows:
        bus.publish(row.topic, row.key, row.payload, row.id)  # an error aborts the batch: retried next run
        row.published_at = now
    return len(rows)


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        ).scalar_one()
    )


def prune(session: Session, keep_h: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(hours=keep_h)
    result = session.execute(
        delete(OutboxEvent).where(OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the relay and the clean-up, as jobs of the worker ---------------------------------------------


@job("core.outbox_relay", cron="* * * * * */5", retry=False, lock="core.outbox_relay")
def relay_job(rt: Runtime) -> int:
    """Every 5 s: what the committing processes could not publish. Safe on any number of workers (the
    rows are taken with SKIP LOCKED, and the lock keeps one run at a time per database)."""
    total = 0
    while True:
        with session_scope(rt.session_factory) as session:
            count = relay(session, rt.bus, older_than_s=rt.settings.outbox_relay_after_s)
        total += count
        if count < RELAY_BATCH:
            break
    if total:
        log.info("outbox relay published %d events", total)
    with rt.session_factory() as session:
        metrics.set_outbox_pending(pending_count(session))
    return total


@job("core.outbox_prune", cron="23 * * * *", retry=False)
def prune_job(rt: Runtime) -> int:
    """Hourly: published events older than ``outbox_keep_h`` go; so do handled-event records older than
    a week (a redelivery comes within minutes, not days)."""
    from core.bus import HandledEvent

    with session_scope(rt.session_factory) as session:
        count = prune(session, rt.settings.outbox_keep_h)
        cutoff = datetime.now(UTC) - timedelta(days=7)
        session.execute(delete(HandledEvent).where(HandledEvent.handled_at < cutoff))
    return count
