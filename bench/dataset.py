"""A large catalog made by scaling the real bundled one, for the search benchmarks.

The real catalog is loaded through the normal pipeline (:func:`catalog.ingest.run_sync`) into a fresh
database; then each real offer is replicated until the table holds the wanted number of rows. A copy
keeps everything of its original (provider, GPU, counts, name, tags) except:

* its price, drawn within +-30 % of the original, with the per-GPU price recomputed from it exactly
  as :func:`catalog.ingest.normalize` does (so ``price_per_gpu_hour == price_per_hour / gpu_count``);
* its region (and zone), drawn from the real regions of the same provider, with ``geo`` and
  ``country`` from :func:`catalog.regions.locate` and ``search_text`` rebuilt to match;
* its external id (``<original>/bench<n>``) and so its id (:func:`catalog.ingest.offer_id`);
* its ``updated_at``, spread over the last 7 days.

Rows are built and written in batches (so 1M rows need little memory): ``COPY`` on PostgreSQL, the
repository's bulk insert (:func:`catalog.repository.insert_offers`) on SQLite. The secondary indexes
are dropped before the load and built again after it (the same definitions, read from the
database), then the table is analyzed (PostgreSQL: ``VACUUM (ANALYZE)``, which is what autovacuum
would do after such a load; SQLite: ``ANALYZE``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, select, text
from sqlalchemy.engine import Engine

from bench.common import (
    bench_settings,
    database_exists,
    database_revision,
    db_url,
    engine_and_factory,
    migration_head,
    recreate_database,
    rows_label,
)
from catalog import repository as repo
from catalog.ingest import CENT, offer_id, run_sync
from catalog.models import Offer
from catalog.regions import Location, locate
from core.db import make_session_factory
from core.settings import Settings

ALL_COLUMNS = tuple(c.name for c in Offer.__table__.columns)
JSON_COLUMNS = frozenset(c.name for c in Offer.__table__.columns if isinstance(c.type, JSON))


@dataclass
class Dataset:
    backend: str
    rows: int
    url: str
    real_rows: int
    build_s: float
    reused: bool


def dataset_name(rows: int) -> str:
    return f"gpubroker_bench_{rows_label(rows)}"


def _count(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM offers")).scalar_one())
    except Exception:
        return -1


def load_real_catalog(settings: Settings) -> int:
    """Migrate the database and sync the bundled catalog of every provider; returns the offers."""
    from api.cli import migrate

    migrate(settings)
    engine, factory = engine_and_factory(settings.database_url)
    try:
        report = run_sync(factory, settings)
        errors = [p.error for p in report.providers if p.error]
        if errors:
            raise SystemExit(f"the bundled catalog did not sync cleanly: {errors}")
        return _count(engine)
    finally:
        engine.dispose()


def _real_offers(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(*Offer.__table__.columns).order_by(Offer.id)).mappings().all()
    return [dict(r) for r in rows]


def scaled_copies(
    real: list[dict[str, Any]],
    extra: int,
    *,
    seed: int = 42,
    batch: int = 20_000,
    now: datetime | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """``extra`` copies of the real offers (round robin over them), in batches of ``batch`` rows."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    places: dict[str, list[tuple[str, str | None]]] = {}
    for r in real:
        pair = (r["region"], r["zone"])
        if pair not in places.setdefault(r["provider"], []):
            places[r["provider"]].append(pair)
    located: dict[tuple[str, str], Location] = {}
    out: list[dict[str, Any]] = []
    made = 0
    copy = 0
    while made < extra:
        copy += 1
        for src in real:
            if made >= extra:
                break
            provider = src["provider"]
            region, zone = rng.choice(places[provider])
            place = located.get((provider, region))
            if place is None:
                place = located[(provider, region)] = locate(provider, region)
            factor = Decimal(rng.randint(7000, 13000)) / Decimal(10000)
            price = max(
                (Decimal(src["price_per_hour"]) * factor).quantize(CENT, rounding=ROUND_HALF_UP), CENT
            )
            per_gpu = (price / src["gpu_count"]).quantize(CENT, rounding=ROUND_HALF_UP)
            external_id = f"{src['external_id']}/bench{copy}"
            tags = list(src["tags"] or [])
            row = {
                **src,
                "id": offer_id(provider, external_id),
                "external_id": external_id,
                "price_per_hour": price,
                "price_per_gpu_hour": per_gpu,
                "region": region,
                "zone": zone,
                "geo": place.geo,
                "country": place.country,
                "tags": tags,
                "search_text": repo.search_text(
                    src["name"],
                    src["gpu_type"],
                    src["gpu_family"],
                    src["gpu_variant"],
                    provider,
                    region,
                    place.country,
                    place.geo,
                    tags,
                ),
                "fetched_at": now,
                "last_seen_at": now,
                "updated_at": now - timedelta(seconds=rng.randint(0, 7 * 24 * 3600)),
            }
            out.append(row)
            made += 1
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


PG_INDEXES_SQL = """
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'offers'
AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'offers'::regclass)
"""
SQLITE_INDEXES_SQL = """
SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'offers' AND sql IS NOT NULL
"""


def _secondary_indexes(engine: Engine) -> list[tuple[str, str]]:
    sql = PG_INDEXES_SQL if engine.dialect.name == "postgresql" else SQLITE_INDEXES_SQL
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    return [(str(n), str(d)) for n, d in rows]


def _copy_value(column: str, value: Any) -> Any:
    """A value as COPY takes it: the JSON columns (tags, zones) as JSON text."""
    if column in JSON_COLUMNS and value is not None:
        return orjson.dumps(value).decode()
    return value


def _copy_rows(engine: Engine, rows: list[dict[str, Any]]) -> None:
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        cols = ", ".join(ALL_COLUMNS)
        with conn.cursor() as cur, cur.copy(f"COPY offers ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([_copy_value(c, r[c]) for c in ALL_COLUMNS])
        conn.commit()
    finally:
        raw.close()


def append_copies(engine: Engine, extra: int, *, seed: int = 42, progress: bool = True) -> None:
    """Append ``extra`` scaled copies of the offers now in the table (indexes rebuilt after)."""
    real = _real_offers(engine)
    indexes = _secondary_indexes(engine)
    with engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    done = 0
    started = time.perf_counter()
    factory = make_session_factory(engine)
    for batch in scaled_copies(real, extra, seed=seed):
        if engine.dialect.name == "postgresql":
            _copy_rows(engine, batch)
        else:
            with factory() as session:
                repo.insert_offers(session, batch)
                session.commit()
        done += len(batch)
        if progress:
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  loaded {done:,}/{extra:,} copies ({rate:,.0f} rows/s)", flush=True)
    with engine.begin() as conn:
        for _, definition in indexes:
            conn.execute(text(definition))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) offers"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def build_dataset(backend: str, rows: int, *, reuse: bool = True, seed: int = 42) -> Dataset:
    """A database of ``rows`` offers (real catalog + scaled copies); reused when it already has them."""
    name = dataset_name(rows)
    url = db_url(backend, name)
    # Reused only when it has the rows and the schema of the working tree's newest migration.
    if reuse and database_exists(backend, name) and database_revision(url) == migration_head():
        engine, _ = engine_and_factory(url)
        count = _count(engine)
        engine.dispose()
        if count == rows:
            return Dataset(backend, rows, url, -1, 0.0, True)
    started = time.perf_counter()
    url = recreate_database(backend, name)
    settings = bench_settings(url)
    real = load_real_catalog(settings)
    if rows < real:
        raise SystemExit(f"--rows must be at least the real catalog's {real} offers")
    print(
        f"  {backend}: real catalog loaded ({real} offers); adding {rows - real:,} scaled copies", flush=True
    )
    engine, _ = engine_and_factory(url)
    try:
        append_copies(engine, rows - real, seed=seed)
        count = _count(engine)
    finally:
        engine.dispose()
    if count != rows:
        raise SystemExit(f"dataset has {count} rows, expected {rows}")
    return Dataset(backend, rows, url, real, time.perf_counter() - started, False)
