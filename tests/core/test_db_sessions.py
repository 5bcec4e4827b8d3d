"""``session_scope(autocommit=True)``: a one-statement unit of work without BEGIN and COMMIT on PostgreSQL,
and the pooled connection transactional again for the next unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from core.db import make_engine, make_session_factory, session_scope
from core.settings import Settings


def _autocommit(session: Any) -> bool:
    return bool(session.connection().connection.driver_connection.autocommit)


def _now_moves(session: Any) -> bool:
    first = session.execute(text("SELECT now()")).scalar_one()
    session.execute(text("SELECT pg_sleep(0.01)"))
    return bool(session.execute(text("SELECT now()")).scalar_one() != first)


def test_an_autocommit_unit_runs_outside_a_transaction_and_leaves_none_behind(
    settings: Settings, engine: Any
) -> None:
    eng = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(eng)
    try:
        postgres = eng.dialect.name == "postgresql"
        # A unit that runs no statement (a tool answered from the cache) takes no connection: no ping.
        checkouts: list[object] = []
        event.listen(eng, "checkout", lambda *args: checkouts.append(args))
        with session_scope(factory, autocommit=True):
            pass
        assert checkouts == []
        with session_scope(factory, autocommit=True) as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1
            if postgres:
                assert _autocommit(session)
                # Each statement is its own transaction: now() (the transaction's start) moves between them.
                assert _now_moves(session)
        with session_scope(factory) as session:
            session.execute(text("SELECT 1"))
            if postgres:
                assert not _autocommit(session), "the pooled connection came back in autocommit"
                assert not _now_moves(session)
        # An error inside still rolls back what the unit had not written.
        try:
            with session_scope(factory, autocommit=True) as session:
                session.execute(text("SELECT 1"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        with session_scope(factory) as session:
            assert session.execute(text("SELECT 2")).scalar_one() == 2
    finally:
        eng.dispose()
