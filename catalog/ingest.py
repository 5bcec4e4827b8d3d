"""The sync pipeline: fetch -> normalize -> validate -> bulk upsert -> history -> cache -> bus -> health.

Each provider is its own unit of work, committed on its own: a failing adapter marks its provider
degraded with the reason and the others go on; a malformed row is rejected with its reason and
counted, never stopping the sync. Offers are upserted on (provider, external_id) by comparing with
what is stored, so re-running a sync with the same data writes nothing but ``last_seen_at``.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog import repository as repo
from catalog.adapters.base import AdapterError, FetchResult, ProviderAdapter, RawOffer, RowError
from catalog.adapters.registry import default_provider_ids, get_adapter_class
from catalog.gpus import normalize_accelerator
from catalog.regions import locate
from catalog.stream import event_payload
from core import metrics, outbox, tracing
from core.bus import EventBus
from core.cache import Cache
from core.db import session_scope
from core.settings import Settings

log = logging.getLogger(__name__)

MAX_PRICE_PER_GPU_HOUR = Decimal(500)  # above any real list price; larger values are data errors
MAX_GPUS = 256
CENT = Decimal("0.000001")
MAX_DELTAS_PER_MESSAGE = 1000


def offer_id(provider: str, external_id: str) -> str:
    """Stable public id: the same offer has the same id on every install."""
    digest = hashlib.sha1(f"{provider}\x00{external_id}".encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{provider}-{digest}"


@dataclass
class Rejection:
    provider: str
    row: int
    reason: str


@dataclass
class ProviderReport:
    provider: str
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    down: int = 0
    duplicates: int = 0  # rows identical to an earlier one (same offer, same price): dropped
    collapsed: int = 0  # per-zone rows folded into a regional offer that lists its zones
    seconds: float = 0.0
    error: str | None = None
    mode: str = "snapshot"
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class SyncReport:
    providers: list[ProviderReport]
    seconds: float

    @property
    def records(self) -> int:
        return sum(p.records for p in self.providers)

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def totals(self) -> dict[str, int]:
        keys = ("inserted", "updated", "unchanged", "rejected")
        return {k: sum(getattr(p, k) for p in self.providers) for k in keys}


# Pure functions of a few strings that a catalog repeats over all its rows (the same accelerator
# names, GpuInfo sizes, instance types and regions): memoized for the sync.
_resolve_gpu = functools.lru_cache(maxsize=65536)(normalize_accelerator)
_locate = functools.lru_cache(maxsize=65536)(locate)


def normalize(
    provider: str, raw: RawOffer, source: str, fetched_at: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    """A raw offer as an Offer row, or :class:`RowError` naming what is wrong with it."""
    gpu = _resolve_gpu(raw.gpu_type, raw.gpu_memory_mib, raw.hint)
    if gpu is None:
        raise RowError(f"unknown accelerator {raw.gpu_type!r}")
    if raw.gpu_count > MAX_GPUS:
        raise RowError(f"gpu count {raw.gpu_count} exceeds {MAX_GPUS}")
    price = raw.price_per_hour
    if price <= 0:
        raise RowError(f"price must be positive, got {price}")
    per_gpu = (price / raw.gpu_count).quantize(CENT, rounding=ROUND_HALF_UP)
    if per_gpu > MAX_PRICE_PER_GPU_HOUR:
        raise RowError(f"price per GPU-hour {per_gpu} is implausible (> {MAX_PRICE_PER_GPU_HOUR})")
    if not raw.external_id:
        raise RowError("missing external id")
    place = _locate(provider, raw.region)
    memory = gpu.memory_gb
    if memory is None:
        from catalog.gpus import gpu_memory_gb

        memory = gpu_memory_gb(gpu.family, gpu.variant)
    tags = sorted({t.lower() for t in raw.tags if t} | ({gpu.variant.lower()} if gpu.variant else set()))
    name = raw.name
    return {
        "id": offer_id(provider, raw.external_id),
        "provider": provider,
        "external_id": raw.external_id,
        "name": name,
        "gpu_type": raw.gpu_type,
        "gpu_family": gpu.family,
        "gpu_variant": gpu.variant,
        "gpu_count": raw.gpu_count,
        "gpu_memory_gb": float(memory),
        "vcpu": raw.vcpu,
        "memory_gb": raw.memory_gb,
        "storage_gb": raw.storage_gb,
        "price_per_hour": price.quantize(CENT, rounding=ROUND_HALF_UP),
        "price_per_gpu_hour": per_gpu,
        "currency": raw.currency,
        "spot": raw.spot,
        "region": raw.region,
        "zone": raw.zone,
        "geo": place.geo,
        "country": place.country,
        "availability": "up",
        "tags": tags,
        "search_text": repo.search_text(
            name, raw.gpu_type, gpu.family, gpu.variant, provider, raw.region, place.country, place.geo, tags
        ),
        "source": source,
        "fetched_at": fetched_at,
        "price_as_of": as_of or fetched_at,
        "price_scope": raw.price_scope,
        "zones": [raw.zone] if raw.zone else None,
    }


def _same(stored: dict[str, Any], new: dict[str, Any]) -> bool:
    for f in repo.COMPARED_FIELDS:
        a, b = stored.get(f), new.get(f)
        if a == b:  # the usual case; Decimal equality is numeric, so no conversion is needed
            continue
        if isinstance(b, Decimal) and a is not None:
            if Decimal(str(a)).quantize(CENT) != b:
                return False
        elif isinstance(b, float) and a is not None:
            if abs(float(a) - b) > 1e-9:
                return False
        elif a != b:
            return False
    return True


def _history_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "offer_id": row["id"],
        "provider": row["provider"],
        "gpu_family": row["gpu_family"],
        "gpu_variant": row["gpu_variant"],
        "gpu_count": row["gpu_count"],
        "region": row["region"],
        "spot": row["spot"],
        "price_per_hour": row["price_per_hour"],
        "price_per_gpu_hour": row["price_per_gpu_hour"],
        "currency": row["currency"],
        "observed_at": now,
        "source": row["source"],
    }


def in_usd(session: Session, row: dict[str, Any]) -> dict[str, Any]:
    """A row priced in another currency (Scaleway: euros), converted to US dollars with the ECB
    reference rate of the price's own date (``billing.fx``: the bundled ECB history, or newer rates
    fetched into ``fx_rates``), so that every price ranks, filters and totals in one currency. The
    offer is tagged with the currency it was listed in (``listed-in-eur``)."""
    from billing.fx import usd_to

    conversion = usd_to(session, row["currency"], row["price_as_of"].date())
    price = (row["price_per_hour"] / conversion.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    tags = sorted({*row["tags"], f"listed-in-{row['currency'].lower()}"})
    return {
        **row,
        "price_per_hour": price,
        "price_per_gpu_hour": (price / row["gpu_count"]).quantize(CENT, rounding=ROUND_HALF_UP),
        "currency": "USD",
        "tags": tags,
    }


def apply_offers(
    session: Session,
    provider: str,
    rows: list[dict[str, Any]],
    now: datetime,
    report: ProviderReport,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Upsert one provider's normalized rows; returns the changes (stored as numbered price events,
    ``catalog.stream``): new offers, price changes, and availability changes."""
    rows = [in_usd(session, row) if row["currency"] != "USD" else row for row in rows]
    stored = repo.existing_offers(session, provider)
    new_rows, changed_rows, history, events = [], [], [], []
    for row in rows:
        old = stored.get(row["id"])
        if old is None:
            new_rows.append({**row, "last_seen_at": now, "updated_at": now})
            history.append(_history_row(row, now))
            events.append(event_payload(row, None, now))
        elif _same(old, row):
            report.unchanged += 1
        else:
            changed_rows.append({**row, "last_seen_at": now, "updated_at": now})
            old_price = Decimal(str(old["price_per_hour"])).quantize(CENT)
            if old_price != row["price_per_hour"]:
                history.append(_history_row(row, now))
            if old_price != row["price_per_hour"] or old["availability"] != row["availability"]:
                events.append(event_payload(row, old_price, now))
    seen = {r["id"] for r in rows}
    missing = [oid for oid, old in stored.items() if oid not in seen and old["availability"] != "down"]
    for oid in missing:
        gone = {**stored[oid], "id": oid, "provider": provider, "availability": "down"}
        events.append(event_payload(gone, Decimal(str(gone["price_per_hour"])).quantize(CENT), now))
    repo.insert_offers(session, new_rows)
    repo.update_offers(session, changed_rows)
    report.down = repo.mark_down(session, missing, now)
    repo.touch_seen(session, provider, now, as_of)
    repo.insert_history(session, history)
    seqs = repo.insert_price_events(
        session,
        [{"offer_id": e["offer_id"], "provider": provider, "created_at": now, "payload": e} for e in events],
    )
    report.inserted += len(new_rows)
    report.updated += len(changed_rows)
    return [{**e, "seq": seq} for e, seq in zip(events, seqs, strict=True)]


def normalize_all(
    adapter: ProviderAdapter, fetched: FetchResult, report: ProviderReport
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    regional: dict[str, list[tuple[str, Any]]] = {}  # regional id -> (offer id, its raw offer)
    for number, raw_row in enumerate(fetched.rows, start=2):  # row 1 is the CSV header
        try:
            for raw in adapter.parse_row(raw_row):
                row = normalize(adapter.provider_id, raw, fetched.source, fetched.fetched_at, fetched.as_of)
                earlier = rows.get(row["id"])
                if earlier is not None:
                    if earlier["price_per_hour"] == row["price_per_hour"]:
                        report.duplicates += 1  # the same offer listed twice: one is enough
                        continue
                    raise RowError(
                        f"duplicate of an earlier row with another price (external id {raw.external_id!r})"
                    )
                rows[row["id"]] = row
                if raw.regional_id:
                    regional.setdefault(raw.regional_id, []).append((row["id"], raw))
        except (RowError, ValueError, KeyError, TypeError) as exc:
            report.rejected += 1
            report.rejections.append(Rejection(adapter.provider_id, number, str(exc) or type(exc).__name__))
    collapse_zones(adapter.provider_id, rows, regional, report)
    return list(rows.values())


def collapse_zones(
    provider: str,
    rows: dict[str, dict[str, Any]],
    regional: dict[str, list[tuple[str, Any]]],
    report: ProviderReport,
) -> None:
    """Folds the per-zone rows of one offer (same instance, region, pricing kind) that share a price into
    one offer listing their zones: the catalogs list one row per availability zone, and identical-looking
    offers that differ only in a zone the page does not show are noise. When every zone has the same
    price the offer takes the regional id (no zone); when prices differ by zone (AWS spot), each price is
    one offer named after its first zone, so a zone's offer keeps its id while its price stays its own."""
    for regional_id, members in regional.items():
        by_price: dict[Any, list[tuple[str, Any]]] = {}
        for oid, raw in members:
            by_price.setdefault(rows[oid]["price_per_hour"], []).append((oid, raw))
        for group in by_price.values():
            group.sort(key=lambda m: m[1].zone or "")
            first = rows[group[0][0]]
            zones = sorted({raw.zone for _oid, raw in group if raw.zone})
            for oid, _raw in group:
                del rows[oid]
            if len(by_price) == 1:
                merged_id, external = offer_id(provider, regional_id), regional_id
                zone = None
            else:
                merged_id, external, zone = first["id"], first["external_id"], first["zone"]
            rows[merged_id] = {
                **first,
                "id": merged_id,
                "external_id": external,
                "zone": zone,
                "zones": zones,
            }
            report.collapsed += len(group) - 1


def sync_provider(
    session: Session,
    adapter: ProviderAdapter,
    *,
    now: datetime | None = None,
    fetched: FetchResult | None = None,
) -> tuple[ProviderReport, list[dict[str, Any]]]:
    """Sync one provider inside the caller's unit of work (the caller commits). ``fetched``: offers
    already read (``sync --from``); by default the adapter fetches them."""
    now = now or datetime.now(UTC)
    report = ProviderReport(adapter.provider_id)
    started = time.perf_counter()
    repo.upsert_provider(session, _provider_values(adapter))
    if fetched is None:
        fetched = adapter.fetch()
    report.mode = fetched.mode
    report.fetched = len(fetched.rows)
    rows = normalize_all(adapter, fetched, report)
    as_of = fetched.as_of or fetched.fetched_at
    deltas = apply_offers(session, adapter.provider_id, rows, now, report, as_of)
    report.seconds = time.perf_counter() - started
    repo.write_health(
        session,
        {
            "provider": adapter.provider_id,
            "status": "up",
            "last_sync_ts": now,
            "last_error": None,
            "latency_ms": round(fetched.latency_ms, 2),
            "offers": len(rows),
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "mode": fetched.mode,
            "data_as_of": as_of,
            "failures": 0,
            "breaker_open_until": None,
        },
    )
    return report, deltas


def _provider_values(adapter: ProviderAdapter) -> dict[str, Any]:
    return {
        "id": adapter.provider_id,
        "name": adapter.name,
        "kind": adapter.kind,
        "website": adapter.website,
        "live_api": adapter.live_api,
        "source": adapter.source,
    }


def _mark_degraded(
    factory: sessionmaker[Session],
    adapter: ProviderAdapter,
    reason: str,
    now: datetime,
    breaker: Callable[[int], datetime | None] | None = None,
) -> None:
    """Records a failed sync: the reason, one more consecutive failure, and (``breaker``, given the
    failure count) until when the circuit breaker keeps the provider from being asked again. The data
    age (``data_as_of``) is left as it was: the offers are still those of the last good sync."""
    with session_scope(factory) as session:
        repo.upsert_provider(session, _provider_values(adapter))
        existing = repo.health_row(session, adapter.provider_id)
        failures = (existing.failures if existing is not None else 0) + 1
        repo.write_health(
            session,
            {
                "provider": adapter.provider_id,
                "status": "degraded",
                "last_sync_ts": now,
                "last_error": reason[:2000],
                "latency_ms": None,
                "mode": "live" if adapter.use_live() else "snapshot",
                "failures": failures,
                "breaker_open_until": breaker(failures) if breaker is not None else None,
            },
        )


ProgressCallback = Callable[[str, int, int], None]


# Providers synced at once on PostgreSQL: while one waits on the database another parses (the parsing
# holds the GIL, the database waits release it). SQLite has one writer, so it syncs one at a time.
PG_SYNC_WORKERS = 2


def _sync_one(
    factory: sessionmaker[Session],
    adapter: ProviderAdapter,
    provider: str,
    bus: EventBus | None,
    fetched: FetchResult | None = None,
    breaker: Callable[[int], datetime | None] | None = None,
) -> tuple[ProviderReport, list[dict[str, Any]], datetime]:
    """One provider's unit of work, committed on its own with its ``price_updates`` event (through the
    outbox: announced if and only if the prices committed); a failure marks the provider degraded."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    with tracing.span("sync.provider", {"provider": provider}):
        try:
            with session_scope(factory) as session:
                report, deltas = sync_provider(session, adapter, now=now, fetched=fetched)
                if deltas:
                    outbox.enqueue(
                        session,
                        "price_updates",
                        provider,
                        price_updates_message(provider, report, deltas, now),
                        bus,
                    )
        except AdapterError as exc:
            report, deltas = ProviderReport(provider, error=str(exc)), []
            log.warning("provider %s degraded: %s", provider, exc)
            _mark_degraded(factory, adapter, str(exc), now, breaker)
        except Exception as exc:  # a bug in one adapter must not stop the others
            log.exception("provider %s failed", provider)
            report, deltas = ProviderReport(provider, error=f"{type(exc).__name__}: {exc}"), []
            _mark_degraded(factory, adapter, report.error or "", now, breaker)
    metrics.record_sync(
        provider,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        seconds=time.perf_counter() - started,
    )
    return report, deltas, now


def price_updates_message(
    provider: str, report: ProviderReport, deltas: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The sync's one ``price_updates`` event: its changes as numbered price events. A sync with more
    than ``MAX_DELTAS_PER_MESSAGE`` changes sends the first ones and the range of the rest
    (``first_seq``..``last_seq``), which readers load from ``price_events``."""
    return {
        "provider": provider,
        "inserted": report.inserted,
        "updated": report.updated,
        "first_seq": deltas[0]["seq"],
        "last_seq": deltas[-1]["seq"],
        "changes": deltas[:MAX_DELTAS_PER_MESSAGE],
        "truncated": max(0, len(deltas) - MAX_DELTAS_PER_MESSAGE),
        "at": now.isoformat(),
    }


def run_sync(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    cache: Cache | None = None,
    bus: EventBus | None = None,
    providers: Iterable[str] | None = None,
    adapters: dict[str, ProviderAdapter] | None = None,
    on_progress: ProgressCallback | None = None,
    fetched: dict[str, FetchResult] | None = None,
    breaker: Callable[[int], datetime | None] | None = None,
) -> SyncReport:
    """Sync the given providers (all by default), each committed on its own.

    Reports, bus messages and progress keep the providers' order whatever order they finish in.
    ``fetched``: offers already read per provider (``sync --from``); ``breaker``: until when a provider
    that failed that many times in a row is left alone (the scheduled syncs' circuit breaker)."""
    # Each provider once: two units of work of one provider at a time would conflict on its rows.
    ids = list(dict.fromkeys(providers)) if providers else default_provider_ids(settings)
    instances = adapters or {}
    started = time.perf_counter()
    reports: list[ProviderReport] = []
    any_change = False
    # Only with an engine (a pool of connections): a factory bound to one connection shares it.
    bind = factory.kw.get("bind")
    workers = PG_SYNC_WORKERS if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Each provider's thread runs in a copy of this context: its logs and spans stay in the caller's trace.
        futures = [
            pool.submit(
                contextvars.copy_context().run,
                _sync_one,
                factory,
                instances.get(p) or get_adapter_class(p)(settings),
                p,
                bus,
                (fetched or {}).get(p),
                breaker,
            )
            for p in ids
        ]
        for index, (provider, future) in enumerate(zip(ids, futures, strict=True)):
            report, _deltas, _now = future.result()
            reports.append(report)
            if report.inserted or report.updated or report.down:
                any_change = True
            if on_progress:
                on_progress(provider, index + 1, len(ids))
    # An ingestion that changed the catalog invalidates every cached search at once.
    if cache is not None and any_change:
        cache.bump_version()
    return SyncReport(reports, time.perf_counter() - started)
