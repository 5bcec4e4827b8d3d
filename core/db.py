"""Database engine, sessions and the declarative base.

SQLite is the embedded default and PostgreSQL the production database; both go through the same
SQLAlchemy models. A request, task or agent run owns one session and commits at its boundary:
services never commit.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, configure_mappers, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def normalize_url(url: str) -> str:
    # People paste libpq URLs; SQLAlchemy needs to be told to use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    url = normalize_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # A database that does not answer costs a request seconds, not forever: then 503 (core.errors).
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_pre_ping=True,
            pool_timeout=10,
            connect_args={"connect_timeout": 5},
        )
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the web readers go on while a sync writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock now (waiting up to the busy timeout) for units of work
            # that read then write (see write_transaction); a deferred BEGIN would fail at once with
            # "database is locked" if another connection committed between its read and its write.
            mode = conn.get_execution_options().get("sqlite_begin")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")

    return engine


def write_transaction(session: Session) -> Session:
    """Make the session's transaction a writer's from its first statement; call before any query.

    On SQLite this begins with ``BEGIN IMMEDIATE``, so concurrent read-modify-write units (a user's
    request and a provider's webhook on the same booking) queue for the write lock instead of one of
    them failing. PostgreSQL needs nothing: row locks (``SELECT ... FOR UPDATE``) serialize there.
    A session that already began is left as it is.
    """
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "immediate"})
    return session


# Every module that maps tables. A process imports them all before its first session: a model module
# imported lazily by one thread while another thread queries let SQLAlchemy configure the mappers
# half-way through that import (``Invoice`` defined, ``InvoiceLine`` not yet), which fails every later
# query of that process for good.
MODEL_MODULES = (
    "core.bus",
    "core.outbox",
    "accounts.models",
    "catalog.models",
    "booking.models",
    "booking.sandbox",
    "billing.models",
    "alerts.models",
    "agent.models",
)


def load_models() -> None:
    """Imports every mapped model and configures the mappers, once per process (cheap after that)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    configure_mappers()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    load_models()
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def _autocommit_engine(engine: Engine) -> Engine:
    """``engine`` whose connections run in autocommit while checked out (same pool), made once per engine
    and kept on it (28 us to make)."""
    found: Engine | None = getattr(engine, "_gpubroker_autocommit", None)
    if found is None:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine._gpubroker_autocommit = found  # type: ignore[attr-defined]
    return found


@contextmanager
def session_scope(factory: sessionmaker[Session], *, autocommit: bool = False) -> Iterator[Session]:
    """A unit of work for CLI commands and background tasks: commit on success, roll back on error.

    ``autocommit``: for work of one statement (a read, or a single write that needs no other to go with
    it): on PostgreSQL the statement commits alone, without the BEGIN and COMMIT round trips around it
    (two of the three round trips of a one-query unit). SQLite has no round trips: it is left as it is."""
    bind = factory.kw.get("bind")
    # A factory bound to a connection (the tests' transaction) joins that connection's transaction as is.
    if autocommit and isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        # The same pool; a connection is taken (and pinged) only when a statement runs, as for any session.
        session = factory(bind=_autocommit_engine(bind))
    else:
        session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
