"""Alembic environment: migrates the database named by GPUBROKER_DATABASE_URL (or the URL the caller
put in the config), SQLite with batch mode so ALTERs work there too."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context

import accounts.models  # noqa: F401  (registers the tables)
import agent.models  # noqa: F401
import alerts.models  # noqa: F401
import billing.models  # noqa: F401
import booking.models
import booking.sandbox  # noqa: F401
import catalog.models  # noqa: F401
import core.bus
import core.outbox  # noqa: F401
from catalog.models import include_object
from core.db import Base, make_engine
from core.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
# Autogenerate leaves alone what migrations create in SQL of their own and the models do not map
# (offers.search_tsv and its GIN index, the tags GIN, the lower(region) index): see catalog.models.
CONFIGURE_OPTIONS = {"render_as_batch": True, "include_object": include_object}


def database_url() -> str:
    return str(config.attributes.get("database_url") or get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(), target_metadata=target_metadata, literal_binds=True, **CONFIGURE_OPTIONS
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(conn: Any) -> None:
    # Batch mode rebuilds SQLite tables (copy, drop, rename): with foreign keys enforced, dropping a
    # table that other rows reference fails. SQLite ignores this pragma inside a transaction, so it is
    # set on the driver's connection (autocommit, see core.db) before SQLAlchemy begins one, and the
    # constraints are back on for every later use of the connection. Only on a connection of our own:
    # one handed in may be inside its owner's transaction.
    raw = (
        conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite" and not conn.in_transaction()
        else None
    )
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=conn, target_metadata=target_metadata, **CONFIGURE_OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
