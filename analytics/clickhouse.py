"""The ClickHouse backend of the KPIs: the connection, the tables, and the KPI queries in ClickHouse SQL.

Selected by ``GPUBROKER_CLICKHOUSE_URL``, reached through ``clickhouse-connect``:

- a server over HTTP(S): ``http://user:password@host:8123/gpubroker`` (the path names the database;
  ``https://...:8443/...`` for TLS);
- the embedded engine (chDB, in this process, no server): ``chdb:///var/lib/gpubroker/clickhouse`` (data
  on disk, database ``gpubroker`` unless ``?database=`` names another) or ``chdb://memory/gpubroker``.

The facts are copied from the main database by :mod:`analytics.export` into ``ReplacingMergeTree``
tables keyed by the source row, with the source row's own change time as the version, so exporting a
row again (a retry, an overlapping incremental run, two replicas at once) replaces it instead of
counting it twice; every query reads ``FINAL``. A team's rows carry its ``tenant_id`` in the sorting key
and every query filters on it. The queries return the same integer facts as :mod:`analytics.repository`
(see :mod:`analytics.facts`), so both backends give equal answers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from analytics.facts import EVENTS, FamilyMedian, PriceFacts, TenantFacts, UsageAgg

DEFAULT_DATABASE = "gpubroker"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

# The tables, in ClickHouse DDL. {db} is the database of the URL.
TABLES: dict[str, str] = {
    "bookings": """
        CREATE TABLE IF NOT EXISTS {db}.bookings (
            id String,
            tenant_id String,
            provider_id LowCardinality(String),
            gpu_family LowCardinality(String),
            gpu_count UInt16,
            state LowCardinality(String),
            created_at DateTime64(6, 'UTC'),
            submitted_at Nullable(DateTime64(6, 'UTC')),
            activated_at Nullable(DateTime64(6, 'UTC')),
            ended_at Nullable(DateTime64(6, 'UTC')),
            updated_at DateTime64(6, 'UTC')
        ) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (tenant_id, id)
    """,
    # One row per booking and UTC day, with the booking's provider, family and GPU count copied in.
    "usage_records": """
        CREATE TABLE IF NOT EXISTS {db}.usage_records (
            tenant_id String,
            day Date,
            booking_id String,
            provider_id LowCardinality(String),
            gpu_family LowCardinality(String),
            gpu_count UInt16,
            hours Decimal(12, 6),
            amount Decimal(14, 2),
            currency LowCardinality(String),
            metered_at DateTime64(6, 'UTC')
        ) ENGINE = ReplacingMergeTree(metered_at) ORDER BY (tenant_id, day, booking_id)
    """,
    "invoices": """
        CREATE TABLE IF NOT EXISTS {db}.invoices (
            tenant_id String,
            id String,
            day Date,
            status LowCardinality(String),
            subtotal_usd Decimal(14, 2),
            issued_at DateTime64(6, 'UTC')
        ) ENGINE = ReplacingMergeTree(issued_at) ORDER BY (tenant_id, id)
    """,
    # An offer's last price of each UTC day it was observed (the price history, daily).
    "price_daily": """
        CREATE TABLE IF NOT EXISTS {db}.price_daily (
            offer_id String,
            day Date,
            provider LowCardinality(String),
            gpu_family LowCardinality(String),
            spot UInt8,
            price_per_gpu_hour Decimal(14, 6),
            observed_at DateTime64(6, 'UTC')
        ) ENGINE = ReplacingMergeTree(observed_at) ORDER BY (offer_id, day)
    """,
}
# The source column each table's version comes from: the export's incremental watermark.
VERSION_COLUMNS = {
    "bookings": "updated_at",
    "usage_records": "metered_at",
    "invoices": "issued_at",
    "price_daily": "observed_at",
}


@dataclass
class ClickHouse:
    """A client and the database its tables live in. Calls are serialized: an HTTP client's session
    and a chDB connection each take one query at a time."""

    client: Any
    database: str
    url: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    schema_ready: bool = False
    # time.monotonic() of the last export from this process (analytics.export.ensure_fresh)
    exported_at: float | None = None

    def table(self, name: str) -> str:
        return f"{self.database}.{name}"

    def sql(self, text: str) -> str:
        # Not str.format: the query parameters' own braces ({t:String}) must stay as they are.
        return text.replace("{db}", self.database)

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self.lock:
            return list(self.client.query(self.sql(sql), parameters=parameters).result_rows)

    def command(self, sql: str) -> None:
        with self.lock:
            self.client.command(self.sql(sql))

    def insert(self, table: str, rows: list[list[Any]], columns: list[str]) -> None:
        if rows:
            with self.lock:
                self.client.insert(self.table(table), rows, column_names=columns)


def parse_url(url: str) -> tuple[dict[str, Any], str]:
    """``clickhouse_connect.get_client`` arguments and the database of a ``GPUBROKER_CLICKHOUSE_URL``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    database = query.pop("database", None)
    kwargs: dict[str, Any]
    if parts.scheme == "chdb":
        if parts.netloc in ("memory", ":memory:"):
            database = database or parts.path.strip("/") or None
            kwargs = {"interface": "chdb", "path": ":memory:"}
        elif parts.netloc:
            raise ValueError("a chdb URL is chdb:///absolute/path or chdb://memory/<database>")
        else:
            kwargs = {"interface": "chdb", "path": parts.path or ":memory:"}
    elif parts.scheme in ("http", "https", "clickhouse", "clickhousedb"):
        database = database or parts.path.strip("/") or None
        kwargs = {"dsn": urlunsplit((parts.scheme, parts.netloc, "", urlencode(query), ""))}
    else:
        raise ValueError(f"unsupported ClickHouse URL scheme {parts.scheme!r}: use http(s):// or chdb://")
    database = database or DEFAULT_DATABASE
    if not _NAME.fullmatch(database):
        raise ValueError(f"invalid ClickHouse database name {database!r}")
    return kwargs, database


_clients: dict[str, ClickHouse] = {}
_clients_lock = threading.Lock()


def connect(url: str) -> ClickHouse:
    """The process's client for ``url`` (made once: a chDB engine is one per process), with its tables."""
    with _clients_lock:
        ch = _clients.get(url)
        if ch is None:
            import clickhouse_connect

            kwargs, database = parse_url(url)
            ch = ClickHouse(clickhouse_connect.get_client(**kwargs), database, url)
            _clients[url] = ch
    ensure_schema(ch)
    return ch


def ensure_schema(ch: ClickHouse) -> None:
    with ch.lock:
        if ch.schema_ready:
            return
        # Only when missing: a user granted just CREATE TABLE, INSERT and SELECT on an existing database works too.
        exists = ch.query(
            "SELECT count() FROM system.databases WHERE name = {name:String}", {"name": ch.database}
        )
        if not int(exists[0][0]):
            ch.command("CREATE DATABASE IF NOT EXISTS {db}")
        for ddl in TABLES.values():
            ch.command(ddl)
        ch.schema_ready = True


def drop_database(ch: ClickHouse) -> None:
    with ch.lock:
        ch.command("DROP DATABASE IF EXISTS {db}")
        ch.schema_ready = False


# --- the KPI queries -------------------------------------------------------------------------------

# event -> (the column that dates it, the state the booking must be in; "" for any)
_EVENT_COLUMNS = {
    "created": ("created_at", ""),
    "submitted": ("submitted_at", ""),
    "activated": ("activated_at", ""),
    "completed": ("ended_at", "completed"),
    "failed": ("ended_at", "failed"),
    "cancelled": ("ended_at", "cancelled"),
}


def _range(column: str) -> str:
    """The team-and-range condition on a date expression; its parameters are t, start and end."""
    return f"tenant_id = {{t:String}} AND {column} >= {{start:Date}} AND {column} <= {{end:Date}}"


def _events_sql() -> str:
    parts = []
    for event in EVENTS:
        column, state = _EVENT_COLUMNS[event]
        cond = _range(f"toDate({column})") + (f" AND state = '{state}'" if state else "")
        parts.append(
            f"SELECT '{event}' AS event, toDate({column}) AS d, count() AS n "  # nosec B608  # identifiers from constants; values are bound parameters
            f"FROM {{db}}.bookings FINAL WHERE {cond} GROUP BY d"
        )
    return " UNION ALL ".join(parts)


def _usage_sql(key: str) -> str:
    return (
        f"SELECT {key} AS k, sum(toInt64(hours * 1000000) * gpu_count), "  # nosec B608  # identifiers from constants; values are bound parameters
        "sumIf(toInt64(amount * 100), currency = 'USD'), uniqExact(booking_id) "
        f"FROM {{db}}.usage_records FINAL WHERE {_range('day')} GROUP BY k"
    )


def tenant_facts(ch: ClickHouse, tenant_id: str, start: date, end: date) -> TenantFacts:
    params = {"t": tenant_id, "start": start, "end": end}
    facts = TenantFacts(events={e: {} for e in EVENTS})
    for event, day, n in ch.query(_events_sql(), params):
        facts.events[str(event)][day] = int(n)

    submitted, activated = ch.query(
        "SELECT count(), countIf(activated_at IS NOT NULL) FROM {db}.bookings FINAL WHERE "  # nosec B608  # identifiers from constants; values are bound parameters
        + _range("toDate(submitted_at)"),
        params,
    )[0]
    facts.cohort_submitted, facts.cohort_activated = int(submitted), int(activated)

    # Microseconds between submit and active; the median interpolates the two middle values, as
    # PostgreSQL's percentile_cont(0.5) and Python's statistics.median do.
    n, median = ch.query(
        "SELECT count(), quantileExactInclusive(0.5)("  # nosec B608  # identifiers from constants; values are bound parameters
        "toUnixTimestamp64Micro(assumeNotNull(activated_at)) - toUnixTimestamp64Micro(assumeNotNull(submitted_at)))"
        " FROM {db}.bookings FINAL WHERE submitted_at IS NOT NULL AND " + _range("toDate(activated_at)"),
        params,
    )[0]
    facts.median_to_active_us = float(median) if int(n) else None

    for key, target in (("day", "day"), ("gpu_family", "family"), ("provider_id", "provider")):
        groups = {k: UsageAgg(int(m), int(c), int(b)) for k, m, c, b in ch.query(_usage_sql(key), params)}
        if target == "day":
            facts.usage_by_day = dict(groups)
        elif target == "family":
            facts.by_family = {str(k): v for k, v in groups.items()}
        else:
            facts.by_provider = {str(k): v for k, v in groups.items()}

    facts.active_now = int(
        ch.query(
            "SELECT count() FROM {db}.bookings FINAL WHERE tenant_id = {t:String} AND state = 'active'",
            params,
        )[0][0]
    )
    count, cents = ch.query(
        "SELECT count(), sum(toInt64(subtotal_usd * 100)) FROM {db}.invoices FINAL "  # nosec B608  # identifiers from constants; values are bound parameters
        "WHERE status != 'void' AND " + _range("day"),
        params,
    )[0]
    facts.invoices_issued, facts.invoices_cents = int(count), int(cents)
    return facts


_PRICE_SQL = """
    SELECT family, quantileExactInclusive(0.5)(px), count()
    FROM (
        SELECT offer_id,
               argMax(gpu_family, observed_at) AS family,
               argMax(toInt64(price_per_gpu_hour * 1000000), observed_at) AS px
        FROM {db}.price_daily FINAL
        WHERE spot = 0 AND day <= {day:Date}
        GROUP BY offer_id
    )
    GROUP BY family
"""


def price_facts(ch: ClickHouse, days: Iterable[date]) -> PriceFacts:
    out: PriceFacts = {}
    for day in days:
        rows = ch.query(_PRICE_SQL, {"day": day})
        out[day] = {str(f): FamilyMedian(float(m), int(n)) for f, m, n in rows}
    return out


@contextmanager
def temporary(url: str) -> Iterator[ClickHouse]:
    """A connection whose database is dropped afterwards (tests and benchmarks)."""
    ch = connect(url)
    try:
        yield ch
    finally:
        drop_database(ch)
        with _clients_lock:
            _clients.pop(url, None)
