"""Copies the facts the KPIs need from the main database into ClickHouse.

What goes over: bookings (with the GPU family of their offer, or the booked GPU type when the offer is
gone), usage records (with their booking's provider, family and GPU count), invoices, and the price
history of offers as one row per offer and UTC day (its last price that day). Each table's rows are
versioned by their own change time (``updated_at``, ``metered_at``, ``issued_at``, ``observed_at``) in a
``ReplacingMergeTree``, so any row may be sent again: a later version replaces an earlier one and an
equal one changes nothing.

An incremental export sends the rows changed since the newest version ClickHouse already holds, less
:data:`OVERLAP` for transactions that committed late with an earlier timestamp; ``full`` sends
everything. Rows deleted from the main database (a team's erasure) stay in ClickHouse until a
``--rebuild``. The API exports incrementally before answering when the last export from its process is
older than ``GPUBROKER_CLICKHOUSE_EXPORT_INTERVAL_S``; a scheduler can run it too::

    python -m analytics.export [--full | --rebuild]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from analytics.clickhouse import VERSION_COLUMNS, ClickHouse, connect, drop_database, ensure_schema
from billing.models import DocumentKind, Invoice, UsageRecord
from billing.money import USD, round_money
from booking.models import Booking
from catalog.models import Offer, PriceHistory

OVERLAP = timedelta(minutes=10)
BATCH = 10_000


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive; everything stored is UTC.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def watermarks(ch: ClickHouse) -> dict[str, datetime | None]:
    """The newest version held per table (None: the table is empty)."""
    out: dict[str, datetime | None] = {}
    for table, column in VERSION_COLUMNS.items():
        # As microseconds: a DateTime64's zone does not survive every client's decoding.
        rows = ch.query(f"SELECT count(), max(toUnixTimestamp64Micro({column})) FROM {{db}}.{table}")  # nosec B608  # identifiers from constants; values are bound parameters
        n, micros = rows[0]
        out[table] = datetime.fromtimestamp(int(micros) / 1_000_000, UTC) if int(n) else None
    return out


def _batches(session: Session, stmt: Any) -> Iterator[Sequence[Any]]:
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions(BATCH)


def _since(marks: dict[str, datetime | None], table: str) -> datetime | None:
    mark = marks.get(table)
    return mark - OVERLAP if mark is not None else None


def export_bookings(session: Session, ch: ClickHouse, since: datetime | None) -> int:
    family = func.coalesce(Offer.gpu_family, Booking.gpu_type)
    stmt = select(
        Booking.id,
        Booking.tenant_id,
        Booking.provider_id,
        family,
        Booking.gpu_count,
        Booking.state,
        Booking.created_at,
        Booking.submitted_at,
        Booking.activated_at,
        Booking.ended_at,
        Booking.updated_at,
    ).outerjoin(Offer, Offer.id == Booking.offer_id)
    if since is not None:
        stmt = stmt.where(Booking.updated_at >= since)
    columns = list(TABLE_COLUMNS["bookings"])
    n = 0
    for batch in _batches(session, stmt):
        rows = [[*r[:6], *(_utc(t) for t in r[6:])] for r in batch]
        ch.insert("bookings", rows, columns)
        n += len(rows)
    return n


def export_usage(session: Session, ch: ClickHouse, since: datetime | None) -> int:
    family = func.coalesce(Offer.gpu_family, Booking.gpu_type)
    stmt = (
        select(
            UsageRecord.tenant_id,
            UsageRecord.day,
            UsageRecord.booking_id,
            Booking.provider_id,
            family,
            Booking.gpu_count,
            UsageRecord.hours,
            UsageRecord.amount,
            UsageRecord.currency,
            UsageRecord.metered_at,
        )
        .join(Booking, Booking.id == UsageRecord.booking_id)
        .outerjoin(Offer, Offer.id == Booking.offer_id)
    )
    if since is not None:
        stmt = stmt.where(UsageRecord.metered_at >= since)
    n = 0
    for batch in _batches(session, stmt):
        # Usage amounts are exact (billing.money); the table keeps cents, rounded as the SQL path does.
        rows = [[*r[:7], round_money(r[7], USD), r[8], _utc(r[9])] for r in batch]
        ch.insert("usage_records", rows, list(TABLE_COLUMNS["usage_records"]))
        n += len(rows)
    return n


def export_invoices(session: Session, ch: ClickHouse, since: datetime | None) -> int:
    # Invoices only: the KPI counts what was invoiced (credit notes are not invoices).
    stmt = select(
        Invoice.tenant_id, Invoice.id, Invoice.day, Invoice.status, Invoice.subtotal_usd, Invoice.issued_at
    ).where(Invoice.kind == DocumentKind.INVOICE.value)
    if since is not None:
        # A voided invoice goes again (same version, the later row wins), so it stops counting there too.
        stmt = stmt.where(or_(Invoice.issued_at >= since, Invoice.voided_at >= since))
    n = 0
    for batch in _batches(session, stmt):
        rows = [[*r[:5], _utc(r[5])] for r in batch]
        ch.insert("invoices", rows, list(TABLE_COLUMNS["invoices"]))
        n += len(rows)
    return n


def export_prices(session: Session, ch: ClickHouse, since: datetime | None) -> int:
    """Offers' price history as each offer's last row per UTC day. An incremental run starts at the
    beginning of the watermark's day, so that the day's last row is chosen among all of its rows."""
    stmt = (
        select(
            PriceHistory.offer_id,
            PriceHistory.provider,
            PriceHistory.gpu_family,
            PriceHistory.spot,
            PriceHistory.price_per_gpu_hour,
            PriceHistory.observed_at,
        )
        .where(PriceHistory.offer_id.is_not(None))
        .order_by(PriceHistory.offer_id, PriceHistory.observed_at, PriceHistory.id)
    )
    if since is not None:
        day_start = datetime.combine(since.date(), datetime.min.time(), UTC)
        stmt = stmt.where(PriceHistory.observed_at >= day_start)
    columns = list(TABLE_COLUMNS["price_daily"])
    n = 0
    last: dict[tuple[str, Any], list[Any]] = {}
    for batch in _batches(session, stmt):
        for offer_id, provider, family, spot, price, observed in batch:
            at = _utc(observed)
            assert at is not None  # nosec B101  # observed_at is NOT NULL
            # Rows come in time order per offer: the last one of a day overwrites the earlier ones.
            last[(offer_id, at.date())] = [offer_id, at.date(), provider, family, int(bool(spot)), price, at]
        if len(last) >= BATCH:
            # Keep the newest day of each offer back: its later rows may be in the next batch.
            ready = _flushable(last)
            ch.insert("price_daily", ready, columns)
            n += len(ready)
    rows = list(last.values())
    ch.insert("price_daily", rows, columns)
    return n + len(rows)


def _flushable(last: dict[tuple[str, Any], list[Any]]) -> list[list[Any]]:
    newest: dict[str, Any] = {}
    for offer_id, day in last:
        if offer_id not in newest or day > newest[offer_id]:
            newest[offer_id] = day
    ready = [key for key in last if key[1] != newest[key[0]]]
    return [last.pop(key) for key in ready]


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "bookings": (
        "id",
        "tenant_id",
        "provider_id",
        "gpu_family",
        "gpu_count",
        "state",
        "created_at",
        "submitted_at",
        "activated_at",
        "ended_at",
        "updated_at",
    ),
    "usage_records": (
        "tenant_id",
        "day",
        "booking_id",
        "provider_id",
        "gpu_family",
        "gpu_count",
        "hours",
        "amount",
        "currency",
        "metered_at",
    ),
    "invoices": ("tenant_id", "id", "day", "status", "subtotal_usd", "issued_at"),
    "price_daily": ("offer_id", "day", "provider", "gpu_family", "spot", "price_per_gpu_hour", "observed_at"),
}


def export(session: Session, ch: ClickHouse, *, full: bool = False) -> dict[str, int]:
    """Sends what changed since the last export (everything with ``full``); returns rows sent per table."""
    ensure_schema(ch)
    marks: dict[str, datetime | None] = {} if full else watermarks(ch)
    sent = {
        "bookings": export_bookings(session, ch, _since(marks, "bookings")),
        "usage_records": export_usage(session, ch, _since(marks, "usage_records")),
        "invoices": export_invoices(session, ch, _since(marks, "invoices")),
        "price_daily": export_prices(session, ch, _since(marks, "price_daily")),
    }
    ch.exported_at = time.monotonic()
    return sent


def ensure_fresh(session: Session, ch: ClickHouse, interval_s: int) -> dict[str, int] | None:
    """Exports incrementally when this process has not exported for ``interval_s`` seconds."""
    with ch.lock:
        if ch.exported_at is not None and time.monotonic() - ch.exported_at < interval_s:
            return None
        return export(session, ch)


def main(argv: list[str] | None = None) -> int:
    from core.db import make_engine, make_session_factory, session_scope
    from core.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m analytics.export", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="send every row again (idempotent)")
    mode.add_argument(
        "--rebuild", action="store_true", help="drop the ClickHouse tables, then send everything"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if settings.clickhouse_url is None:
        parser.error("GPUBROKER_CLICKHOUSE_URL is not set")
    ch = connect(settings.clickhouse_url.get_secret_value())
    if args.rebuild:
        drop_database(ch)
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    with session_scope(make_session_factory(engine)) as session:
        sent = export(session, ch, full=args.full or args.rebuild)
    engine.dispose()
    print(f"exported to {ch.database} in {time.perf_counter() - started:.1f} s: {sent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
