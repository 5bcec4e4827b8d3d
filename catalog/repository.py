"""Every SQL statement of the catalog.

The search with its many optional filters is built in one place (:func:`search_offers`) and runs on
SQLite and PostgreSQL alike; where the dialects differ (full-text, JSON tags) the difference is kept
to one helper each. Rows are read as plain column tuples, not ORM objects, because a search page is
read-only and this is the hot path.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from catalog.models import MarketForecast, Offer, PriceEvent, PriceHistory, Provider, ProviderHealth

OFFER_COLUMNS = tuple(c for c in Offer.__table__.columns if c.name != "search_text")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)?")


def tokens(text_value: str) -> list[str]:
    """Words as the full-text index sees them: lower-case runs of letters and digits."""
    return _TOKEN.findall(text_value.lower())


def search_text(*parts: Any) -> str:
    words: list[str] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, list | tuple):
            for p in part:
                words.extend(tokens(str(p)))
        else:
            words.extend(tokens(str(part)))
    return " ".join(dict.fromkeys(words))


@dataclass
class SearchSpec:
    """A search after the service has resolved aliases; plain values only."""

    gpu_family: str | None = None
    gpu_variant: str | None = None
    min_gpu_count: int | None = None
    exact_gpu_count: int | None = None
    min_gpu_memory_gb: float | None = None
    min_total_gpu_memory_gb: float | None = None
    region: str | None = None
    geo: str | None = None
    country: str | None = None
    providers: list[str] | None = None
    max_price: Decimal | None = None
    max_price_per_gpu: Decimal | None = None
    spot: bool | None = None
    availability: str | None = None
    tags: list[str] | None = None
    q: str | None = None
    include_gpu_only: bool = False
    sort: str = "price_asc"
    offset: int = 0
    limit: int = 20
    # Keyset pagination: the sort key and id of the last row of the previous page. Rows after it in
    # the search's order are read from the sort index at once, however deep the page.
    after: tuple[Any, str] | None = None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _fulltext(session: Session, q: str) -> ColumnElement[bool] | None:
    words = tokens(q)
    if not words:
        return None
    if _dialect(session) == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        # search_tsv is a stored generated column (migration 0005) with its own GIN index.
        return literal_column("offers.search_tsv").op("@@")(
            func.to_tsquery(literal_column("'simple'"), query)
        )
    # SQLite: each word must start a word of search_text (the same prefix semantics as tsquery's :*).
    padded: ColumnElement[str] = literal_column("' ' || offers.search_text")
    return and_(*(padded.like(f"% {w}%") for w in words))


def _has_tags(session: Session, tags: list[str]) -> ColumnElement[bool]:
    if _dialect(session) == "postgresql":
        # A bound JSONB value, so the GIN (jsonb_path_ops) index serves the containment test.
        return type_coerce(Offer.tags, JSONB).contains(tags)
    conds = [
        exists(
            select(literal_column("1"))
            .select_from(func.json_each(Offer.tags))
            .where(literal_column("value") == t)
        )
        for t in tags
    ]
    return and_(*conds)


def _conditions(session: Session, spec: SearchSpec) -> list[ColumnElement[bool]]:
    c: list[ColumnElement[bool]] = []
    if spec.gpu_family:
        c.append(Offer.gpu_family == spec.gpu_family)
    if spec.gpu_variant:
        c.append(Offer.gpu_variant == spec.gpu_variant)
    if spec.min_gpu_count:
        c.append(Offer.gpu_count >= spec.min_gpu_count)
    if spec.exact_gpu_count:
        c.append(Offer.gpu_count == spec.exact_gpu_count)
    if not spec.include_gpu_only:
        # GPU-only prices (GCP's accelerators without their host VM) are not a machine's price: they
        # rank and total nothing unless asked for.
        # Written as a literal, not a bound value, so that every plan (a prepared statement's generic
        # one too) can use the partial sort indexes made for it (migration 0019).
        c.append(Offer.price_scope == literal_column("'machine'"))
    if spec.min_gpu_memory_gb:
        c.append(Offer.gpu_memory_gb >= spec.min_gpu_memory_gb)
    if spec.min_total_gpu_memory_gb:
        c.append(Offer.gpu_count * Offer.gpu_memory_gb >= spec.min_total_gpu_memory_gb)
    if spec.region:
        c.append(func.lower(Offer.region) == spec.region.lower())
    if spec.geo:
        c.append(Offer.geo == spec.geo)
    if spec.country:
        c.append(Offer.country == spec.country)
    if spec.providers:
        c.append(Offer.provider.in_(spec.providers))
    if spec.max_price is not None:
        c.append(Offer.price_per_hour <= spec.max_price)
    if spec.max_price_per_gpu is not None:
        c.append(Offer.price_per_gpu_hour <= spec.max_price_per_gpu)
    if spec.spot is not None:
        c.append(Offer.spot.is_(spec.spot))
    if spec.availability:
        c.append(Offer.availability == spec.availability)
    if spec.tags:
        c.append(_has_tags(session, spec.tags))
    if spec.q:
        ft = _fulltext(session, spec.q)
        if ft is not None:
            c.append(ft)
    return c


_ORDER: dict[str, tuple[ColumnElement[Any], ColumnElement[Any]]] = {
    "price_asc": (Offer.price_per_hour.asc(), Offer.id.asc()),
    "price_desc": (Offer.price_per_hour.desc(), Offer.id.asc()),
    "price_per_gpu_asc": (Offer.price_per_gpu_hour.asc(), Offer.id.asc()),
    "updated_desc": (Offer.updated_at.desc(), Offer.id.asc()),
}
# The same orders as (sort column, descending), for the one-pass search below; id breaks ties.
_SORT_KEY: dict[str, tuple[InstrumentedAttribute[Any], bool]] = {
    "price_asc": (Offer.price_per_hour, False),
    "price_desc": (Offer.price_per_hour, True),
    "price_per_gpu_asc": (Offer.price_per_gpu_hour, False),
    "updated_desc": (Offer.updated_at, True),
}


def _beyond(
    key: ColumnElement[Any] | InstrumentedAttribute[Any],
    row_id: ColumnElement[Any] | InstrumentedAttribute[Any],
    descending: bool,
    after: tuple[Any, str],
) -> ColumnElement[bool]:
    """Rows after ``after`` in the order (key, then id ascending). Written as a range on the key and a
    tie-break, not as an OR over both, so that the key's index bounds the scan on both databases."""
    value, last_id = after
    if descending:
        return and_(key <= value, or_(key < value, row_id > last_id))
    return and_(key >= value, or_(key > value, row_id > last_id))


def _one_pass(spec: SearchSpec) -> bool:
    """Whether the search counts and pages in one pass over its matches (:func:`one_pass_statement`).

    A full-text search: its matches come from the GIN index (PostgreSQL) or a scan of every row
    (SQLite) in no useful order, so counting them and then walking the sort index for the page,
    filtering row by row, reads the matches twice. Other searches count from a narrow index and read
    the page from the sort index in order, which is cheaper than materializing every match."""
    return bool(spec.q and tokens(spec.q))


def one_pass_statement(session: Session, spec: SearchSpec) -> Select[Any]:
    """The total and the page of a search in one statement: the matches' ids and sort keys are
    materialized once, then counted and sorted for the page from there; the page's rows are joined
    back by id. Always one row at least: past the last page (or with no match) the offer columns
    are NULL and only ``total`` is set. Same order (sort key, then id) and total as the two passes."""
    conds = _conditions(session, spec)
    column, descending = _SORT_KEY[spec.sort]
    matches = select(Offer.id.label("id"), column.label("k")).where(*conds).cte("matches")
    if _dialect(session) == "postgresql" or sqlite3.sqlite_version_info >= (3, 35):
        # Computed once, read twice. PostgreSQL 12+ and SQLite 3.35+ materialize a CTE that is read
        # more than once anyway; the word makes it explicit. SQLite before 3.35 does not know it.
        matches = matches.prefix_with("MATERIALIZED")
    key = matches.c.k.desc() if descending else matches.c.k.asc()
    page_rows = select(matches.c.id, matches.c.k)
    if spec.after is not None:
        page_rows = page_rows.where(_beyond(matches.c.k, matches.c.id, descending, spec.after))
    page = page_rows.order_by(key, matches.c.id.asc()).offset(spec.offset).limit(spec.limit).subquery("page")
    total = select(func.count().label("total")).select_from(matches).subquery("total")
    page_key = page.c.k.desc() if descending else page.c.k.asc()
    offers = page.join(Offer, Offer.id == page.c.id)
    return (
        select(total.c.total, *OFFER_COLUMNS)
        .select_from(total.outerjoin(offers, true()))
        .order_by(page_key, page.c.id.asc())
    )


def _keyset(spec: SearchSpec) -> list[ColumnElement[bool]]:
    if spec.after is None:
        return []
    column, descending = _SORT_KEY[spec.sort]
    return [_beyond(column, Offer.id, descending, spec.after)]


def search_offers(
    session: Session, spec: SearchSpec, *, known_total: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """The total of the search's matches (all of them, a cursor or not) and its page. ``known_total``:
    the total as an earlier page of the same search counted it (and the catalog has not changed
    since); the count is then not run again."""
    if _one_pass(spec):
        result = session.execute(one_pass_statement(session, spec)).mappings().all()
        found = int(result[0]["total"])
        return found, [{k: v for k, v in r.items() if k != "total"} for r in result if r["id"] is not None]
    conds = _conditions(session, spec)
    if known_total is None:
        count_q = select(func.count()).select_from(Offer).where(*conds)
        total = int(session.execute(count_q).scalar_one())
    else:
        total = known_total
    if total == 0 or spec.offset >= total:
        return total, []
    # Deferred join: page through the narrow index for the page's ids, then read only those rows, so a
    # deep page reads page_size table rows instead of offset + page_size.
    order = _ORDER[spec.sort]
    page_ids = (
        select(Offer.id)
        .where(*conds, *_keyset(spec))
        .order_by(*order)
        .offset(spec.offset)
        .limit(spec.limit)
        .subquery()
    )
    rows_q = select(*OFFER_COLUMNS).join(page_ids, Offer.id == page_ids.c.id).order_by(*order)
    rows = session.execute(rows_q).mappings().all()
    return total, [dict(r) for r in rows]


def iter_offers(session: Session, spec: SearchSpec) -> list[dict[str, Any]]:
    """All rows of a search up to ``spec.limit`` (for export), in the search's order."""
    conds = _conditions(session, spec)
    q = select(*OFFER_COLUMNS).where(*conds, *_keyset(spec)).order_by(*_ORDER[spec.sort]).limit(spec.limit)
    return [dict(r) for r in session.execute(q).mappings().all()]


def get_offer(session: Session, offer_id: str) -> dict[str, Any] | None:
    row = session.execute(select(*OFFER_COLUMNS).where(Offer.id == offer_id)).mappings().first()
    return dict(row) if row else None


def similar_cheaper(session: Session, offer: dict[str, Any], limit: int = 5) -> list[dict[str, Any]]:
    q = (
        select(*OFFER_COLUMNS)
        .where(
            Offer.gpu_family == offer["gpu_family"],
            Offer.gpu_count >= offer["gpu_count"],
            Offer.gpu_memory_gb >= offer["gpu_memory_gb"],
            Offer.price_per_hour < offer["price_per_hour"],
            Offer.spot.is_(offer["spot"]),
            Offer.id != offer["id"],
            Offer.availability != "down",
            Offer.price_scope == offer.get("price_scope", "machine"),
        )
        .order_by(Offer.price_per_hour.asc(), Offer.id.asc())
        .limit(limit)
    )
    return [dict(r) for r in session.execute(q).mappings().all()]


def offer_history(session: Session, offer_id: str) -> list[dict[str, Any]]:
    q = (
        select(
            PriceHistory.observed_at,
            PriceHistory.price_per_hour,
            PriceHistory.price_per_gpu_hour,
            PriceHistory.source,
        )
        .where(PriceHistory.offer_id == offer_id)
        .order_by(PriceHistory.observed_at)
    )
    return [dict(r) for r in session.execute(q).mappings().all()]


def market_history(
    session: Session,
    gpu_family: str,
    gpu_variant: str | None,
    spot: bool,
    source_prefix: str = "observations:",
) -> list[dict[str, Any]]:
    """Daily market rows (from the bundled observations) of one GPU family and variant."""
    conds = [
        PriceHistory.offer_id.is_(None),
        PriceHistory.gpu_family == gpu_family,
        PriceHistory.spot.is_(spot),
        PriceHistory.source.like(source_prefix + "%"),
    ]
    if gpu_variant:
        conds.append(PriceHistory.gpu_variant == gpu_variant)
    q = (
        select(
            PriceHistory.observed_at,
            PriceHistory.gpu_variant,
            PriceHistory.price_per_gpu_hour,
            PriceHistory.price_min_per_gpu_hour,
            PriceHistory.price_max_per_gpu_hour,
        )
        .where(*conds)
        .order_by(PriceHistory.observed_at)
    )
    return [dict(r) for r in session.execute(q).mappings().all()]


def count_market_rows(session: Session, source_prefix: str = "observations:") -> int:
    q = select(func.count()).select_from(PriceHistory).where(PriceHistory.source.like(source_prefix + "%"))
    return int(session.execute(q).scalar_one())


def count_market_rows_without_market(session: Session, source_prefix: str = "observations:") -> int:
    q = (
        select(func.count())
        .select_from(PriceHistory)
        .where(PriceHistory.source.like(source_prefix + "%"), PriceHistory.market.is_(None))
    )
    return int(session.execute(q).scalar_one())


_OFFERS_TABLE = cast(Table, Offer.__table__)
_HISTORY_TABLE = cast(Table, PriceHistory.__table__)


def _copyable(session: Session, rows: Sequence[dict[str, Any]]) -> bool:
    """PostgreSQL, and every row with the same keys (one COPY column list)."""
    return _dialect(session) == "postgresql" and all(r.keys() == rows[0].keys() for r in rows)


def _copy_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    name: str | None = None,
    *,
    with_defaults: bool = True,
) -> None:
    """COPY row dicts into a table (or into ``name``, a table of the same columns) inside the
    session's transaction, storing what an INSERT would: the columns' scalar Python defaults fill
    keys the rows leave out (``with_defaults``), JSON columns go as JSON text (SQLAlchemy's JSON type
    stores None as JSON null too), everything else as psycopg writes it."""
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if with_defaults and isinstance(c.default, ScalarElementColumnDefault) and c.name not in rows[0]
    }
    cols = [*rows[0], *defaults]
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON)}
    quote = session.get_bind().dialect.identifier_preparer.quote
    column_list = ", ".join(quote(c) for c in cols)
    conn: Any = session.connection().connection.driver_connection  # the psycopg connection
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {quote(name or table.name)} ({column_list}) FROM STDIN") as copy,
    ):
        for r in rows:
            values = [r[c] if c in r else defaults[c] for c in cols]
            copy.write_row(
                [orjson.dumps(v).decode() if c in json_cols else v for c, v in zip(cols, values, strict=True)]
            )


def insert_history(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if _copyable(session, rows):
        _copy_rows(session, _HISTORY_TABLE, rows)
    else:
        session.execute(insert(PriceHistory), list(rows))


# --- ingestion -----------------------------------------------------------------------------------

COMPARED_FIELDS = (
    "name",
    "gpu_type",
    "gpu_family",
    "gpu_variant",
    "gpu_count",
    "gpu_memory_gb",
    "vcpu",
    "memory_gb",
    "storage_gb",
    "price_per_hour",
    "price_per_gpu_hour",
    "currency",
    "spot",
    "region",
    "zone",
    "geo",
    "country",
    "availability",
    "tags",
    "source",
    "price_scope",
    "zones",
)


def existing_offers(session: Session, provider: str) -> dict[str, dict[str, Any]]:
    cols = [
        Offer.id,
        Offer.availability,
        Offer.external_id,
        Offer.price_as_of,
        *(getattr(Offer, f) for f in COMPARED_FIELDS if f != "availability"),
    ]
    rows = session.execute(select(*cols).where(Offer.provider == provider)).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def upsert_provider(session: Session, values: dict[str, Any]) -> None:
    existing = session.get(Provider, values["id"])
    if existing is None:
        session.add(Provider(**values))
    else:
        for k, v in values.items():
            setattr(existing, k, v)
    session.flush()


def insert_offers(session: Session, rows: list[dict[str, Any]], batch: int = 5000) -> None:
    if not rows:
        return
    if _copyable(session, rows):
        _copy_rows(session, _OFFERS_TABLE, rows)
        return
    for i in range(0, len(rows), batch):
        session.execute(insert(Offer), rows[i : i + batch])


def update_offers(session: Session, rows: list[dict[str, Any]], batch: int = 5000) -> None:
    if not rows:
        return
    if _copyable(session, rows):
        # COPY the new values into a temporary table of the same columns, then one UPDATE ... FROM by
        # primary key. The table lives only in this transaction (dropped here, and at commit or
        # rollback in any case), so it never outlives a schema change nor leaves rows behind.
        quote = session.get_bind().dialect.identifier_preparer.quote
        cols = ", ".join(quote(c) for c in rows[0])
        session.execute(
            text(f"CREATE TEMP TABLE offers_changed ON COMMIT DROP AS SELECT {cols} FROM offers WITH NO DATA")  # nosec B608  # quoted column names of our own table; values are copied as data
        )
        _copy_rows(session, _OFFERS_TABLE, rows, name="offers_changed", with_defaults=False)
        sets = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in rows[0] if c != "id")
        session.execute(text(f"UPDATE offers AS o SET {sets} FROM offers_changed AS t WHERE o.id = t.id"))  # nosec B608  # quoted column names of our own table; values are copied as data
        session.execute(text("DROP TABLE offers_changed"))
        return
    # ORM bulk UPDATE by primary key: one executemany per batch.
    for i in range(0, len(rows), batch):
        session.execute(update(Offer), rows[i : i + batch])


def mark_down(session: Session, ids: Iterable[str], now: datetime) -> int:
    id_list = list(ids)
    for i in range(0, len(id_list), 5000):
        session.execute(
            update(Offer)
            .where(Offer.id.in_(id_list[i : i + 5000]))
            .values(availability="down", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(id_list)


def touch_seen(session: Session, provider: str, now: datetime, price_as_of: datetime | None = None) -> None:
    """Every offer of the provider still listed was seen now, and its unchanged price is as of this
    fetch (a live fetch observes it again; a snapshot restates its own date)."""
    # Rows this sync inserted or updated already carry last_seen_at = now: not written a second time
    # (the result is the same as writing every row; with fill factor 50 the rest are HOT updates).
    values: dict[str, Any] = {"last_seen_at": now}
    if price_as_of is not None:
        values["price_as_of"] = price_as_of
    session.execute(
        update(Offer)
        .where(Offer.provider == provider, Offer.availability != "down", Offer.last_seen_at != now)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def write_health(session: Session, values: dict[str, Any]) -> None:
    existing = session.get(ProviderHealth, values["provider"])
    if existing is None:
        session.add(ProviderHealth(**values))
    else:
        for k, v in values.items():
            setattr(existing, k, v)
    session.flush()


def health_rows(session: Session) -> list[dict[str, Any]]:
    q = select(ProviderHealth, Provider.name).join(
        Provider, Provider.id == ProviderHealth.provider, isouter=True
    )
    out = []
    for health, name in session.execute(q).all():
        out.append(
            {
                "provider": health.provider,
                "name": name,
                "status": health.status,
                "last_sync_ts": health.last_sync_ts,
                "last_error": health.last_error,
                "latency_ms": health.latency_ms,
                "offers": health.offers,
                "mode": health.mode,
                "data_as_of": health.data_as_of,
                "failures": health.failures,
                "breaker_open_until": health.breaker_open_until,
            }
        )
    return out


def health_row(session: Session, provider: str) -> ProviderHealth | None:
    return session.get(ProviderHealth, provider)


# --- the price stream's numbered events ----------------------------------------------------------


def insert_price_events(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Stores the events in order; returns their sequence numbers in the same order."""
    if not rows:
        return []
    result = session.execute(insert(PriceEvent).returning(PriceEvent.seq, sort_by_parameter_order=True), rows)
    return [int(seq) for seq in result.scalars()]


def price_events_after(session: Session, after_seq: int, since: datetime, limit: int) -> list[dict[str, Any]]:
    """Events with a sequence number above ``after_seq`` written since ``since``, oldest first."""
    q = (
        select(PriceEvent.seq, PriceEvent.payload)
        .where(PriceEvent.seq > after_seq, PriceEvent.created_at >= since)
        .order_by(PriceEvent.seq)
        .limit(limit)
    )
    return [{**r.payload, "seq": int(r.seq)} for r in session.execute(q)]


def price_events_between(session: Session, first: int, last: int) -> list[dict[str, Any]]:
    q = (
        select(PriceEvent.seq, PriceEvent.payload)
        .where(PriceEvent.seq.between(first, last))
        .order_by(PriceEvent.seq)
    )
    return [{**r.payload, "seq": int(r.seq)} for r in session.execute(q)]


def last_price_event_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(PriceEvent.seq), 0))).scalar_one())


def oldest_price_event_seq(session: Session, since: datetime) -> int | None:
    seq = session.execute(select(func.min(PriceEvent.seq)).where(PriceEvent.created_at >= since)).scalar_one()
    return int(seq) if seq is not None else None


def prune_price_events(session: Session, before: datetime) -> int:
    result = session.execute(delete(PriceEvent).where(PriceEvent.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def providers(session: Session) -> list[dict[str, Any]]:
    q = (
        select(
            Provider.id, Provider.name, Provider.kind, Provider.website, func.count(Offer.id).label("offers")
        )
        .join(Offer, Offer.provider == Provider.id, isouter=True)
        .group_by(Provider.id, Provider.name, Provider.kind, Provider.website)
        .order_by(Provider.id)
    )
    return [dict(r) for r in session.execute(q).mappings().all()]


def facet_values(session: Session) -> dict[str, list[Any]]:
    """Distinct values the filter form offers (families, regions, countries)."""
    fam = session.execute(select(Offer.gpu_family).distinct().order_by(Offer.gpu_family)).scalars().all()
    reg = session.execute(select(Offer.region).distinct().order_by(Offer.region)).scalars().all()
    cty = (
        session.execute(
            select(Offer.country).where(Offer.country.is_not(None)).distinct().order_by(Offer.country)
        )
        .scalars()
        .all()
    )
    return {"gpu_family": list(fam), "region": [r for r in reg if r], "country": list(cty)}


def offer_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Offer)).scalar_one())


def delete_market_rows(session: Session, source_prefix: str) -> None:
    session.execute(
        delete(PriceHistory).where(
            PriceHistory.source.like(source_prefix + "%"), PriceHistory.offer_id.is_(None)
        )
    )


# --- forecasts -----------------------------------------------------------------------------------


def observation_frame_rows(session: Session, source_prefix: str = "observations:") -> list[dict[str, Any]]:
    """The market observations in the columns of gpu_observations_daily.csv (what the forecaster reads)."""
    q = (
        select(
            PriceHistory.observed_at,
            PriceHistory.provider,
            PriceHistory.market,
            PriceHistory.gpu_count,
            PriceHistory.region,
            PriceHistory.spot,
            PriceHistory.price_min_per_gpu_hour,
            PriceHistory.price_per_gpu_hour,
            PriceHistory.price_max_per_gpu_hour,
            PriceHistory.n_offers,
            PriceHistory.source,
        )
        .where(
            PriceHistory.offer_id.is_(None),
            PriceHistory.market.is_not(None),
            PriceHistory.source.like(source_prefix + "%"),
        )
        .order_by(PriceHistory.observed_at)
    )
    return [dict(r) for r in session.execute(q).mappings().all()]


def observation_fingerprint(session: Session, source_prefix: str = "observations:") -> str:
    q = select(func.count(), func.max(PriceHistory.observed_at)).where(
        PriceHistory.offer_id.is_(None), PriceHistory.source.like(source_prefix + "%")
    )
    count, last = session.execute(q).one()
    return f"{count}:{str(last)[:10] if last else '-'}"


def market_forecasts(session: Session) -> list[MarketForecast]:
    return list(session.execute(select(MarketForecast)).scalars())


def market_forecast_versions(session: Session) -> tuple[tuple[Any, ...], ...]:
    """What identifies the stored forecasts without their JSON: each market's fingerprint and time."""
    q = select(
        MarketForecast.market,
        MarketForecast.rental_type,
        MarketForecast.fingerprint,
        MarketForecast.computed_at,
    ).order_by(MarketForecast.market, MarketForecast.rental_type)
    return tuple(tuple(row) for row in session.execute(q))


def replace_market_forecasts(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(delete(MarketForecast))
    if rows:
        session.execute(insert(MarketForecast), rows)


def current_offer_prices(session: Session, spec: SearchSpec) -> list[float]:
    """Per-GPU prices of the offers of a search (for the current price level of a market)."""
    conds = _conditions(session, spec)
    q = select(Offer.price_per_gpu_hour).where(*conds)
    return [float(p) for p in session.execute(q).scalars()]
