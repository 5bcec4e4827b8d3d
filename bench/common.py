"""Shared helpers of the benchmarks: where their databases live, the machine they ran on, figures.

Benchmarks own their databases: PostgreSQL databases named ``gpubroker_bench_*`` (dropped and
created again when rebuilt), SQLite files under ``var/bench/`` and Redis DB 14. Nothing here touches
the test database ``gpubroker_test`` or Redis DB 15.
"""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, normalize_url
from core.settings import ROOT, Settings

PG_ADMIN_URL = os.environ.get("GPUBROKER_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("GPUBROKER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
VAR = ROOT / "var" / "bench"
FORBIDDEN_DATABASES = frozenset({"gpubroker_test", "gpubroker", "postgres", "template0", "template1"})


def rows_label(rows: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def sqlite_url(name: str) -> str:
    VAR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR / (name + '.db')}"


def db_url(backend: str, name: str) -> str:
    return pg_url(name) if backend == "postgresql" else sqlite_url(name)


def _check_name(name: str) -> None:
    if name in FORBIDDEN_DATABASES or not re.fullmatch(r"gpubroker_bench_[a-z0-9_]+", name):
        raise SystemExit(f"refusing to touch database {name!r}: benchmarks use gpubroker_bench_* only")


def drop_database(backend: str, name: str) -> None:
    _check_name(name)
    if backend == "postgresql":
        admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = VAR / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def recreate_database(backend: str, name: str) -> str:
    """An empty database of the benchmark's own; returns its URL."""
    drop_database(backend, name)
    if backend == "postgresql":
        admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return db_url(backend, name)


def database_exists(backend: str, name: str) -> bool:
    if backend == "postgresql":
        admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        admin.dispose()
        return found is not None
    return (VAR / f"{name}.db").exists()


def migration_head() -> str:
    """The newest migration revision of the working tree."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def database_revision(url: str) -> str | None:
    """The migration revision a database is at (None when it has none)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def bench_settings(url: str, redis_url: str | None = None) -> Settings:
    return Settings(database_url=url, redis_url=redis_url, load_snapshot_on_start=False)


def engine_and_factory(url: str) -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(url)
    return engine, make_session_factory(engine)


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    if not url.rstrip("/").endswith("/14") and "GPUBROKER_BENCH_REDIS_URL" not in os.environ:
        raise SystemExit(f"refusing to flush {url}: benchmarks use Redis DB 14")
    redis.Redis.from_url(url).flushdb()


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of the samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def _cpu_model() -> str:
    try:
        for raw in Path("/proc/cpuinfo").read_text().splitlines():
            if raw.startswith("model name"):
                return raw.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ram_gib() -> float:
    try:
        for raw in Path("/proc/meminfo").read_text().splitlines():
            if raw.startswith("MemTotal:"):
                return int(raw.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return math.nan


def _pg_version() -> str:
    try:
        admin = create_engine(normalize_url(PG_ADMIN_URL))
        with admin.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            buffers = str(conn.execute(text("SHOW shared_buffers")).scalar_one())
            jit = str(conn.execute(text("SHOW jit")).scalar_one())
        admin.dispose()
        return f"PostgreSQL {version.split()[0]} (shared_buffers {buffers}, jit {jit})"
    except Exception as exc:  # the header must print even without PostgreSQL
        return f"PostgreSQL unavailable ({type(exc).__name__})"


def _redis_version() -> str:
    try:
        import redis

        info = redis.Redis.from_url(REDIS_URL).info("server")
        return f"Redis {info.get('redis_version')}"
    except Exception as exc:
        return f"Redis unavailable ({type(exc).__name__})"


def machine_header() -> str:
    """One paragraph naming the machine, the software and the date, printed above every table."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    return (
        f"date {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {os.cpu_count()} cores "
        f"({_cpu_model()}), {_ram_gib():.1f} GiB RAM, {platform.system()} {platform.release()}; "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {_pg_version()}, "
        f"{_redis_version()}; "
        f"commit {commit or '?'} (+ working tree); load average {_loadavg()} (other work shares the machine)"
    )


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.3f}"
    if ms < 100:
        return f"{ms:.2f}"
    return f"{ms:.0f}"
