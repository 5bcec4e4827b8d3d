"""Prototypes of search changes, measured without editing the catalog modules.

Applied since (commit a98d911, migration 0005): on a database migrated to 0005 or later, ``--variant
proposed`` runs the stored-tsvector full text and the deferred-join page of a98d911 on a copy of the
data. The module stays so that the recorded comparison in ``docs/BENCHMARKS.md`` can be rerun against
a checkout of the code before it. Since the one-pass full-text search (``repository._one_pass``),
``proposed`` is also the two-pass search that came before it; ``--variant twopass`` measures that on
the same database, without a copy (:func:`patched_two_pass`).

``python -m bench.bench_search --variant proposed`` copies the benchmark database (PostgreSQL:
``CREATE DATABASE ... TEMPLATE``; SQLite: the backup API), applies :data:`PG_DDL` /
:data:`SQLITE_DDL` to the copy (the migration the proposal adds) and, while the searches run,
replaces ``repository.search_offers`` and ``repository._fulltext`` by the versions below (the
proposed code). The report in ``docs/BENCHMARKS.md`` gives the same changes as diffs.

The changes:

1. PostgreSQL full text: a stored generated ``tsvector`` column with its GIN index, so that neither
   the count's bitmap scan nor a price-ordered page scan recomputes ``to_tsvector()`` per row.
2. ``ix_offers_region_price (region, price_per_hour)`` is dropped: the search filters on
   ``lower(region)`` (served by ``ix_offers_region_lower``), so no query reads it, and every write
   pays for it. (An index on ``(lower(region), price_per_hour, id)`` in its place was measured
   too and made ``gpu_type + region`` slower at 1M rows: the planner walked it in price order and
   filtered the family; it is not proposed.)
3. The page query selects the page's ids first (``ORDER BY ... OFFSET ... LIMIT`` over the narrow
   index, an index-only scan when the table is vacuumed) and joins back for the columns of those
   rows only (a "deferred join"), so a deep page reads 100 table rows, not 40,000.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, create_engine, func, literal_column, select, text
from sqlalchemy.orm import Session

from bench.common import PG_ADMIN_URL, VAR, database_exists, db_url, drop_database
from catalog import repository as repo
from catalog.models import Offer
from core.db import make_engine, normalize_url

# Idempotent: since migration 0005 (which applied this proposal) a fresh database already has it.
PG_DDL = (
    "ALTER TABLE offers ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_offers_search_tsv ON offers USING gin (search_tsv)",
    "DROP INDEX IF EXISTS ix_offers_fts",
    "DROP INDEX IF EXISTS ix_offers_region_price",
)
SQLITE_DDL = ("DROP INDEX IF EXISTS ix_offers_region_price",)
MARKER_COLUMN = "search_tsv"


def proposed_fulltext(session: Session, q: str) -> ColumnElement[bool] | None:
    words = repo.tokens(q)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return literal_column("offers.search_tsv").op("@@")(
            func.to_tsquery(literal_column("'simple'"), query)
        )
    padded: ColumnElement[str] = literal_column("' ' || offers.search_text")
    return and_(*(padded.like(f"% {w}%") for w in words))


def proposed_statements(session: Session, spec: repo.SearchSpec) -> tuple[Select[Any], Select[Any]]:
    """The count and page statements of the proposed ``search_offers``."""
    conds = repo._conditions(session, spec)
    count_q = select(func.count()).select_from(Offer).where(*conds)
    order = repo._ORDER[spec.sort]
    page_ids = (
        select(Offer.id).where(*conds).order_by(*order).offset(spec.offset).limit(spec.limit).subquery()
    )
    rows_q = select(*repo.OFFER_COLUMNS).join(page_ids, Offer.id == page_ids.c.id).order_by(*order)
    return count_q, rows_q


def proposed_search_offers(
    session: Session, spec: repo.SearchSpec, *, known_total: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    # Prototypes from before the total was cached per search: they always count (known_total unused).
    count_q, rows_q = proposed_statements(session, spec)
    total = int(session.execute(count_q).scalar_one())
    if total == 0 or spec.offset >= total:
        return total, []
    rows = session.execute(rows_q).mappings().all()
    return total, [dict(r) for r in rows]


COUNT_CAP = 10_000


def capped_search_offers(
    session: Session, spec: repo.SearchSpec, *, known_total: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    # Prototypes from before the total was cached per search: they always count (known_total unused).
    """Today's search with the count capped: at most ``COUNT_CAP + 1`` matches are counted (or up to
    the end of the requested page, so deep pages still work); a total of ``COUNT_CAP + 1`` reads
    "more than 10,000". Measured as ``--variant capped``; not applied (it changes what ``total``
    means to API clients)."""
    conds = repo._conditions(session, spec)
    cap = max(COUNT_CAP, spec.offset + spec.limit) + 1
    matches = select(literal_column("1")).select_from(Offer).where(*conds).limit(cap).subquery()
    total = int(session.execute(select(func.count()).select_from(matches)).scalar_one())
    if total == 0 or spec.offset >= total:
        return total, []
    _, rows_q = proposed_statements(session, spec)
    rows = session.execute(rows_q).mappings().all()
    return total, [dict(r) for r in rows]


@contextmanager
def patched_capped_count() -> Iterator[None]:
    """Run :func:`capped_search_offers` (with the proposed full text) for the duration of the block."""
    saved = (repo.search_offers, repo._fulltext)
    repo.search_offers = capped_search_offers
    repo._fulltext = proposed_fulltext
    try:
        yield
    finally:
        repo.search_offers, repo._fulltext = saved


@contextmanager
def patched_two_pass() -> Iterator[None]:
    """The search as it was before the one-pass full text: every search counts, then pages."""
    saved = repo._one_pass
    repo._one_pass = lambda spec: False
    try:
        yield
    finally:
        repo._one_pass = saved


@contextmanager
def patched_repository() -> Iterator[None]:
    """Run the proposed query code in place of the repository's for the duration of the block."""
    saved = (repo.search_offers, repo._fulltext)
    repo.search_offers = proposed_search_offers
    repo._fulltext = proposed_fulltext
    try:
        yield
    finally:
        repo.search_offers, repo._fulltext = saved


# Fill factor 100 again (the default before migration 0006), and the heap repacked: to size what the
# fill factor of 50 that ingestion asked for costs the searches that read the heap.
FF100_DDL = ("ALTER TABLE offers SET (fillfactor = 100)",)


def ff100_copy(source_name: str) -> str:
    """A PostgreSQL copy of a benchmark database with ``offers`` at fill factor 100, repacked by
    ``VACUUM FULL``; made again on every run (the copy takes seconds at 100k)."""
    name = f"{source_name}_ff100"
    drop_database("postgresql", name)
    admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": source_name},
        )
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"'))
    admin.dispose()
    url = db_url("postgresql", name)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for ddl in FF100_DDL:
                conn.execute(text(ddl))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM FULL offers"))
            # VACUUM FULL leaves the visibility map empty: without a plain VACUUM after it, index-only
            # scans would visit the heap for every row.
            conn.execute(text("VACUUM (ANALYZE) offers"))
    finally:
        engine.dispose()
    return url


def proposed_copy(backend: str, source_name: str) -> str:
    """A copy of a benchmark database with the proposed indexes; reused when present."""
    name = f"{source_name}_proposed"
    if database_exists(backend, name):
        engine = make_engine(db_url(backend, name))
        try:
            with engine.connect() as conn:
                if backend == "postgresql":
                    done = conn.execute(
                        text(
                            "SELECT 1 FROM information_schema.columns "
                            "WHERE table_name = 'offers' AND column_name = :c"
                        ),
                        {"c": MARKER_COLUMN},
                    ).scalar()
                else:
                    done = not conn.execute(
                        text("SELECT 1 FROM sqlite_master WHERE name = 'ix_offers_region_price'")
                    ).scalar()
            if done:
                return db_url(backend, name)
        finally:
            engine.dispose()
    drop_database(backend, name)
    if backend == "postgresql":
        admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": source_name},
            )
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"'))
        admin.dispose()
    else:
        src = sqlite3.connect(VAR / f"{source_name}.db")
        dst = sqlite3.connect(VAR / f"{name}.db")
        src.backup(dst)
        src.close()
        dst.close()
    url = db_url(backend, name)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for ddl in PG_DDL if backend == "postgresql" else SQLITE_DDL:
                conn.execute(text(ddl))
        if backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) offers"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return url
