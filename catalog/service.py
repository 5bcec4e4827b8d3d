"""Catalog business rules: search (with its cache), offers, history, export and provider health.

Services take the session first and never commit. Search results are cached under a key made of the
normalized filters and the catalog version, so an ingestion invalidates every cached page at once.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy.orm import Session

from catalog import repository as repo
from catalog.adapters.base import LIVE_SOURCE_SUFFIX
from catalog.adapters.registry import ADAPTERS, ALL_ADAPTERS
from catalog.gpus import resolve_gpu, suggest_gpus
from catalog.schemas import EXPORT_FIELDS, OfferFilters
from core.cache import Cache
from core.errors import InvalidInput, NotFound
from core.settings import Settings


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in ("price_per_hour", "price_per_gpu_hour") and v is not None:
            out[k] = float(v)
        elif isinstance(v, datetime):
            out[k] = (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat()
        else:
            out[k] = v
    return out


# The row field each sort orders by (then by id): what a cursor remembers of a page's last row.
SORT_FIELD = {
    "price_asc": "price_per_hour",
    "price_desc": "price_per_hour",
    "price_per_gpu_asc": "price_per_gpu_hour",
    "updated_desc": "updated_at",
}


MAX_PRICE = Decimal(10) ** 8  # catalog.models.Money: NUMERIC(14, 6)


def encode_cursor(sort: str, row: dict[str, Any]) -> str:
    """An opaque position after ``row`` in the ``sort`` order: the sort, the row's sort key (exact:
    a price as its decimal text, a time as ISO 8601) and its id, as URL-safe base64 of JSON.

    Exact on both databases because prices are stored at six decimal places (ingestion quantizes them,
    and PostgreSQL's NUMERIC(14, 6) would round them anyway): the text read back compares equal to the
    stored value, so the row's ties are split by id and none is skipped or repeated."""
    value = row[SORT_FIELD[sort]]
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    key = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = orjson.dumps([1, sort, key, row["id"]])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    """The (sort key, id) a cursor of :func:`encode_cursor` holds; a 422 naming ``cursor`` when it is
    not one, or when it was made for another sort."""
    parsed = _parse_cursor(cursor)
    if parsed is None:
        message = "not a cursor from a page of this search; pass a page's next_cursor as it is"
    elif parsed[0] != sort:
        message = f"this cursor continues sort={parsed[0]}, not sort={sort}; keep the sort of its page"
    else:
        return parsed[1], parsed[2]
    raise InvalidInput(f"cursor: {message}", details=[{"field": "cursor", "message": message}])


def _parse_cursor(cursor: str) -> tuple[str, Any, str] | None:
    """(sort, sort key, id), or None for anything :func:`encode_cursor` cannot have written. Only what
    a page can hold: a finite price within the column's NUMERIC(14, 6), an id without control
    characters (PostgreSQL refuses NUL in text) - never a database error from a forged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, made_for, key, last_id = orjson.loads(raw)
        if (
            version != 1
            or made_for not in SORT_FIELD
            or not isinstance(key, str)
            or not isinstance(last_id, str)
        ):
            return None
        value: Any = datetime.fromisoformat(key) if SORT_FIELD[made_for] == "updated_at" else Decimal(key)
    except (binascii.Error, ValueError, TypeError, InvalidOperation):
        return None
    if isinstance(value, Decimal) and not (value.is_finite() and abs(value) < MAX_PRICE):
        return None
    if not last_id.isprintable():
        return None
    return made_for, value, last_id


def build_spec(filters: OfferFilters, *, limit: int | None = None) -> tuple[repo.SearchSpec, list[str]]:
    """Resolve aliases and lists; returns the plain search and the warnings to show the user."""
    warnings: list[str] = []
    family = variant = None
    min_memory = filters.gpu_memory_gb
    if filters.gpu_type:
        gpu = resolve_gpu(filters.gpu_type)
        if gpu is None:
            near = suggest_gpus(filters.gpu_type)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InvalidInput(
                f"unknown gpu_type {filters.gpu_type!r}{hint}",
                details=[{"field": "gpu_type", "message": "unknown GPU", "suggestions": near}],
            )
        family, variant = gpu.family, gpu.variant
        if gpu.memory_gb and (min_memory is None or gpu.memory_gb > min_memory):
            min_memory = gpu.memory_gb
        read_as = (
            family
            + (f" {variant}" if variant else "")
            + (f" with >= {gpu.memory_gb:g} GB" if gpu.memory_gb else "")
        )
        if read_as.replace(" ", "").lower() != filters.gpu_type.replace(" ", "").lower():
            warnings.append(f"gpu_type {filters.gpu_type!r} read as {read_as}")
    after = None
    if filters.cursor:
        if filters.page != 1:
            raise InvalidInput(
                "page: a cursor already says where the page starts; leave page out (or 1) with cursor",
                details=[{"field": "page", "message": "page and cursor together", "value": filters.page}],
            )
        after = decode_cursor(filters.cursor, filters.sort)
    providers = filters.provider_list()
    if providers:
        unknown = [p for p in providers if p not in ALL_ADAPTERS]
        if unknown:
            raise InvalidInput(
                f"unknown provider {', '.join(unknown)}; known providers: {', '.join(sorted(ALL_ADAPTERS))}",
                details=[{"field": "provider", "message": "unknown provider", "value": unknown}],
            )
    spec = repo.SearchSpec(
        gpu_family=family,
        gpu_variant=variant,
        min_gpu_count=filters.gpu_count,
        exact_gpu_count=filters.gpu_count_exact,
        include_gpu_only=filters.include_gpu_only,
        min_gpu_memory_gb=min_memory,
        min_total_gpu_memory_gb=filters.total_gpu_memory_gb,
        region=filters.region,
        geo=filters.geo,
        country=filters.country,
        providers=providers,
        max_price=filters.max_price,
        max_price_per_gpu=filters.max_price_per_gpu,
        spot=filters.spot,
        availability=filters.availability,
        tags=filters.tag_list(),
        q=filters.q,
        sort=filters.sort,
        offset=(filters.page - 1) * filters.page_size,
        limit=limit if limit is not None else filters.page_size,
        after=after,
    )
    return spec, warnings


def search(
    session: Session,
    filters: OfferFilters,
    cache: Cache | None = None,
    ttl_s: int = 60,
    *,
    version: int | None = None,
) -> dict[str, Any]:
    """``{total, page, page_size, items, warnings?}`` with JSON-ready items. ``version``: the catalog
    version the caller read before the search (read here otherwise)."""
    key = total_key = None
    known_total = None
    if cache is not None:
        version = cache.version() if version is None else version
        digest = hashlib.sha1(filters.cache_key().encode(), usedforsecurity=False).hexdigest()
        key = f"search:v{version}:{digest}"
        hit = cache.get(key)
        if hit is not None:
            return dict(hit)
        # The total is the same on every page of a search: counted once per catalog version, not on
        # each page of a walk (at 1M offers the count is most of a deep page's time).
        matches = filters.model_dump_json(exclude={"page", "page_size", "cursor", "sort"}, exclude_none=True)
        total_key = (
            f"search:v{version}:total:{hashlib.sha1(matches.encode(), usedforsecurity=False).hexdigest()}"
        )
        if filters.cursor or filters.page > 1:
            known_total = cache.peek(total_key)
    spec, warnings = build_spec(filters, limit=filters.page_size + 1)  # one more: is there a next page?
    total, rows = repo.search_offers(session, spec, known_total=known_total)
    if cache is not None and total_key is not None and known_total is None:
        cache.set(total_key, total, ttl_s)
    more = len(rows) > filters.page_size
    rows = rows[: filters.page_size]
    items = [_jsonable(r) for r in rows]
    if total and not items and not filters.cursor:
        last = (total + filters.page_size - 1) // filters.page_size
        warnings.append(f"page {filters.page} is past the last page ({last})")
    if any(r.get("price_scope") == "gpu_only" for r in items):
        warnings.append("GCP prices are for the GPUs alone; the host VM is billed on top")
    result: dict[str, Any] = {
        "total": total,
        "page": None if filters.cursor else filters.page,
        "page_size": filters.page_size,
        "items": items,
    }
    if more:
        result["next_cursor"] = encode_cursor(filters.sort, rows[-1])
    if warnings:
        result["warnings"] = warnings
    if cache is not None and key is not None:
        cache.set(key, result, ttl_s)
    return result


def get_offer(session: Session, offer_id: str) -> dict[str, Any]:
    row = repo.get_offer(session, offer_id)
    if row is None:
        raise NotFound(f"offer {offer_id!r} not found")
    return _jsonable(row)


def similar_cheaper(session: Session, offer_id: str, limit: int = 5) -> list[dict[str, Any]]:
    row = repo.get_offer(session, offer_id)
    if row is None:
        raise NotFound(f"offer {offer_id!r} not found")
    return [_jsonable(r) for r in repo.similar_cheaper(session, row, limit)]


def history(session: Session, offer_id: str) -> dict[str, Any]:
    """The offer's own price changes and the daily market index of its GPU for context."""
    row = repo.get_offer(session, offer_id)
    if row is None:
        raise NotFound(f"offer {offer_id!r} not found")
    points = [
        {
            "observed_at": _jsonable({"t": p["observed_at"]})["t"],
            "price_per_hour": float(p["price_per_hour"]),
            "price_per_gpu_hour": float(p["price_per_gpu_hour"]),
            "source": p["source"],
        }
        for p in repo.offer_history(session, offer_id)
    ]
    market_rows = repo.market_history(session, row["gpu_family"], row["gpu_variant"], bool(row["spot"]))
    if not market_rows and row["gpu_variant"]:
        market_rows = repo.market_history(session, row["gpu_family"], None, bool(row["spot"]))
    market = _daily_median(market_rows)
    label = None
    if market:
        kind = "spot" if row["spot"] else "on-demand"
        label = f"{row['gpu_family']}{' ' + row['gpu_variant'] if row['gpu_variant'] else ''} {kind} market, median $/GPU-h"
    return {"offer_id": offer_id, "points": points, "market": market, "market_label": label}


def market_daily(session: Session, family: str, variant: str | None, spot: bool) -> list[dict[str, Any]]:
    """Daily median $/GPU-h of one GPU's market from the bundled observations (variant, else family)."""
    rows = repo.market_history(session, family, variant, spot)
    if not rows and variant:
        rows = repo.market_history(session, family, None, spot)
    return _daily_median(rows)


def _daily_median(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_day: dict[str, list[tuple[float, float | None, float | None]]] = {}
    for r in rows:
        ts = r["observed_at"]
        day = ts.date().isoformat() if isinstance(ts, datetime) else str(ts)[:10]
        low = float(r["price_min_per_gpu_hour"]) if r["price_min_per_gpu_hour"] is not None else None
        high = float(r["price_max_per_gpu_hour"]) if r["price_max_per_gpu_hour"] is not None else None
        by_day.setdefault(day, []).append((float(r["price_per_gpu_hour"]), low, high))
    out = []
    for day in sorted(by_day):
        vals = sorted(v[0] for v in by_day[day])
        mid = len(vals) // 2
        median = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
        lows = [v[1] for v in by_day[day] if v[1] is not None]
        highs = [v[2] for v in by_day[day] if v[2] is not None]
        out.append(
            {
                "date": day,
                "price_per_gpu_hour": round(median, 4),
                "low": round(min(lows), 4) if lows else None,
                "high": round(max(highs), 4) if highs else None,
            }
        )
    return out


def export_rows(session: Session, filters: OfferFilters, max_rows: int) -> list[dict[str, Any]]:
    spec, _ = build_spec(filters, limit=max_rows)
    spec.offset = 0
    return [{k: _jsonable(r)[k] for k in EXPORT_FIELDS} for r in repo.iter_offers(session, spec)]


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(EXPORT_FIELDS), extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "tags": ";".join(r.get("tags") or [])})
    return buf.getvalue()


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"total": len(rows), "items": rows})


def sync_interval_s(settings: Settings, provider: str) -> int:
    """How often the worker syncs a live provider (catalog/schedule.py)."""
    return int(settings.sync_intervals.get(provider, settings.sync_interval_s))


def _health_status(r: dict[str, Any], now: datetime, settings: Settings) -> tuple[str, str | None]:
    """The status shown for a stored health row, and the reason when it is not ``up``.

    A failed sync is ``degraded`` with its reason (the circuit breaker says when it retries). Otherwise
    the data's age decides: live data older than three sync intervals is ``stale``, a snapshot older
    than ``snapshot_max_age_days`` is ``snapshot-old``; neither is ever ``up``."""
    reason = r.get("last_error")
    until = _aware(r.get("breaker_open_until"))
    if until is not None and until > now:
        return "degraded", (
            f"circuit open after {r.get('failures') or 0} failed syncs until {until.isoformat()}: {reason}"
        )
    if r["status"] != "up":
        return r["status"], reason
    as_of = _aware(r.get("data_as_of"))
    if as_of is None:
        return "degraded", "the age of its data is unknown (synced before ages were recorded)"
    age = (now - as_of).total_seconds()
    if r.get("mode") == "live":
        limit = 3 * sync_interval_s(settings, r["provider"])
        if age > limit:
            return "stale", f"live data is {_age_words(age)} old, more than three sync intervals ({limit} s)"
    elif age > settings.snapshot_max_age_days * 86400:
        return "snapshot-old", (
            f"bundled snapshot prices as of {as_of.date().isoformat()} ({_age_words(age)} old); "
            "no live sync for this provider"
        )
    return "up", None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _age_words(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def price_age(value: Any, now: datetime | None = None) -> str:
    """How old a price is, in words a buyer reads at a glance (pages, the assistant): "just now",
    "2 min ago", "5 h ago", "10 days old", "5 months old"."""
    if value is None or value == "":
        return "age unknown"
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days < 60:
        return f"{days} {'day' if days == 1 else 'days'} old"
    return f"{days // 30} months old" if days < 730 else f"{days // 365} years old"


def freshness(offer: dict[str, Any], now: datetime, settings: Settings) -> str:
    """The badge of an offer's price: ``live`` (fetched from the provider's API within three sync
    intervals), ``stale`` (a live price older than that) or ``snapshot`` (from a catalog file)."""
    if not str(offer.get("source") or "").endswith(LIVE_SOURCE_SUFFIX):
        return "snapshot"
    as_of = offer.get("price_as_of")
    when = as_of if isinstance(as_of, datetime) else datetime.fromisoformat(str(as_of))
    when = _aware(when) or now
    limit = 3 * sync_interval_s(settings, str(offer.get("provider")))
    return "stale" if (now - when).total_seconds() > limit else "live"


def provider_health(
    session: Session, now: datetime | None = None, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Health of every known provider; never fails: an unknown state is ``degraded`` with a reason.

    Each item says where the data comes from (``mode``: live or snapshot) and how old it is
    (``data_as_of``, ``age_s``); see :func:`_health_status` for when it is ``stale`` or ``snapshot-old``."""
    now = now or datetime.now(UTC)
    settings = settings or Settings()
    blank = {"last_sync_ts": None, "latency_ms": None, "offers": 0, "mode": None, "data_as_of": None}
    try:
        rows = {r["provider"]: r for r in repo.health_rows(session)}
    except Exception as exc:  # the health page must answer even when the database does not
        return [
            {
                **blank,
                "provider": p,
                "name": ADAPTERS[p].name,
                "status": "degraded",
                "last_error": f"health unavailable: {type(exc).__name__}",
            }
            for p in sorted(ADAPTERS)
        ]
    out = []
    live = settings.live_provider_set
    for p in sorted(set(ADAPTERS) | set(rows)):
        r = rows.get(p)
        if r is None:
            name = ADAPTERS[p].name if p in ADAPTERS else p
            out.append(
                {**blank, "provider": p, "name": name, "status": "degraded", "last_error": "never synced"}
            )
            continue
        r = dict(r)
        r["last_sync_ts"] = _aware(r["last_sync_ts"])
        r["data_as_of"] = _aware(r.get("data_as_of"))
        r["status"], r["last_error"] = _health_status(r, now, settings)
        r["age_s"] = round((now - r["data_as_of"]).total_seconds(), 1) if r["data_as_of"] else None
        r["sync_interval_s"] = sync_interval_s(settings, p) if p in live else None
        r.pop("breaker_open_until", None)
        out.append(r)
    return out


def providers(session: Session) -> list[dict[str, Any]]:
    return repo.providers(session)


def facets(session: Session, cache: Cache | None = None) -> dict[str, list[Any]]:
    key = f"facets:v{cache.version()}" if cache is not None else None
    if cache is not None and key is not None:
        hit = cache.get(key)
        if hit is not None:
            return dict(hit)
    out = repo.facet_values(session)
    if cache is not None and key is not None:
        cache.set(key, out, 300)
    return out


RELAXABLE = (
    "gpu_count_exact",
    "max_price",
    "max_price_per_gpu",
    "gpu_count",
    "gpu_memory_gb",
    "total_gpu_memory_gb",
    "spot",
    "country",
    "region",
    "geo",
    "provider",
    "tags",
    "q",
    "gpu_type",
)


def relaxations(session: Session, filters: OfferFilters, limit: int = 3) -> list[dict[str, Any]]:
    """For a search with no result: which single constraint, dropped, finds offers, and the nearest ones.

    Ordered by how many offers dropping that constraint would find, then by the cheapest of them.
    """
    out: list[dict[str, Any]] = []
    for name in RELAXABLE:
        if getattr(filters, name) is None:
            continue
        relaxed = filters.model_copy(update={name: None, "page": 1, "page_size": limit, "sort": "price_asc"})
        spec, _ = build_spec(relaxed)
        total, rows = repo.search_offers(session, spec)
        if total:
            out.append(
                {
                    "drop": name,
                    "value": getattr(filters, name),
                    "total": total,
                    "nearest": [_jsonable(r) for r in rows],
                }
            )
    out.sort(key=lambda r: (-int(r["total"] > 0), float(r["nearest"][0]["price_per_hour"])))
    return out
