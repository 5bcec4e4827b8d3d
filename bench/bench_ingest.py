"""Ingestion throughput: records/min of a full sync through the real pipeline into PostgreSQL.

Every provider's real snapshot rows are scaled to ``--rows`` offers in all (100k by default): copy
``n`` of a row is the row with ``.b<n>`` appended to its AvailabilityZone (``b<n>`` where it has
none), which gives every copy its own external id and nothing else new. Each provider is read by a
subclass of its own adapter class whose ``read_snapshot`` returns the scaled rows (as
``FixedRowsAdapter`` does in ``tests/catalog/test_ingest.py``), so parsing, normalization,
validation, upsert, history, the cache bump and the Redis bus are the real ones
(:func:`catalog.ingest.run_sync` with a RedisCache and a Redis Streams bus on DB 14).

Three syncs into a fresh database, each timed by the pipeline's own report:

1. first sync: every offer is new (inserts);
2. second sync: the same rows again (every offer unchanged);
3. a sync where every 10th row's prices are 10 % higher (about 10 % of the offers updated).

``--profile`` runs each sync under cProfile and prints the top functions; ``--variant proposed``
runs the same syncs with the prototype in :mod:`bench.proto_ingest` patched in (applied since, with
migration 0006: on today's code it measures the same changes twice, and ``+ff50``/``+idx`` change
nothing on a freshly migrated database).

    .venv/bin/python -m bench.bench_ingest --rows 100000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import time
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from bench.common import (
    REDIS_URL,
    bench_settings,
    engine_and_factory,
    flush_redis,
    machine_header,
    markdown_table,
    recreate_database,
    rows_label,
)
from catalog import ingest
from catalog.adapters.base import PLACEHOLDER_PRICE, FetchResult, ProviderAdapter
from catalog.adapters.registry import ADAPTERS
from catalog.ingest import ProviderReport, SyncReport, normalize_all
from catalog.models import Offer
from core.bus import make_bus
from core.cache import RedisCache
from core.settings import Settings

TARGET_RECORDS_PER_MIN = 500_000
# ix_offers_provider is covered by uq_offers_provider_external_id (provider is its first column); the
# search filters on lower(region), so ix_offers_region_price (region, price) serves no search.
INDEX_DDL = ("DROP INDEX IF EXISTS ix_offers_provider", "DROP INDEX IF EXISTS ix_offers_region_price")
OFFER_DIGEST_COLUMNS = [
    c.name for c in Offer.__table__.columns if c.name not in ("fetched_at", "last_seen_at", "updated_at")
]
DB_NAME = "gpubroker_bench_ingest"


def _copy_row(row: dict[str, Any], n: int) -> dict[str, Any]:
    zone = str(row.get("AvailabilityZone") or "").strip()
    return {**row, "AvailabilityZone": f"{zone}.b{n}" if zone else f"b{n}"}


def _offer_ids(adapter: ProviderAdapter, row: dict[str, Any]) -> list[str]:
    fetched = FetchResult([row], "bench", datetime.now(UTC), "snapshot", 0.0)
    return [r["id"] for r in normalize_all(adapter, fetched, ProviderReport(adapter.provider_id))]


def scaled_rows(settings: Settings, target: int) -> dict[str, list[dict[str, Any]]]:
    """Each provider's real rows plus copies, round robin over all rows, until ``target`` offers."""
    real: list[tuple[str, dict[str, Any], int]] = []
    for provider in sorted(ADAPTERS):
        adapter = ADAPTERS[provider](settings)
        seen: set[str] = set()
        for row in adapter.read_snapshot():
            ids = _offer_ids(adapter, row)
            # A row rejected as a duplicate of an earlier one yields nothing, nor do its copies.
            count = 0 if seen.intersection(ids) else len(ids)
            seen.update(ids)
            real.append((provider, row, count))
    out: dict[str, list[dict[str, Any]]] = {p: [] for p in sorted(ADAPTERS)}
    offers = 0
    for provider, row, count in real:
        out[provider].append(row)
        offers += count
    n = 0
    while offers < target:
        n += 1
        for provider, row, count in real:
            if offers >= target:
                break
            if count:
                out[provider].append(_copy_row(row, n))
                offers += count
    return out


def _bump(value: Any) -> Any:
    """A price cell 10 % higher; empty, placeholder and unparsable cells stay as they are."""
    text = str(value or "").strip()
    try:
        price = Decimal(text)
    except ArithmeticError:
        return value
    if not price.is_finite() or price <= 0 or price >= PLACEHOLDER_PRICE:
        return value
    return str((price * Decimal("1.1")).quantize(Decimal("0.0001")))


def with_changed_prices(
    rows: dict[str, list[dict[str, Any]]], every: int = 10
) -> dict[str, list[dict[str, Any]]]:
    """Every ``every``-th row of each provider with its Price and SpotPrice 10 % higher."""
    out = {}
    for provider, items in rows.items():
        out[provider] = [
            {**r, "Price": _bump(r.get("Price")), "SpotPrice": _bump(r.get("SpotPrice"))}
            if i % every == 0
            else r
            for i, r in enumerate(items)
        ]
    return out


def fixed_rows_adapters(
    settings: Settings, rows: dict[str, list[dict[str, Any]]]
) -> dict[str, ProviderAdapter]:
    """One adapter per provider: its real class, reading the given rows instead of the snapshot."""
    out: dict[str, ProviderAdapter] = {}
    for provider, items in rows.items():
        base = ADAPTERS[provider]

        def read_snapshot(self: ProviderAdapter, _rows: list[dict[str, Any]] = items) -> list[dict[str, Any]]:
            return _rows

        cls = type(f"FixedRows{base.__name__}", (base,), {"read_snapshot": read_snapshot})
        out[provider] = cls(settings)
    return out


def _sync(
    settings: Settings, rows: dict[str, list[dict[str, Any]]], profile: bool, top: int
) -> tuple[SyncReport, float, str]:
    _, factory = engine_and_factory(settings.database_url)
    cache = RedisCache(REDIS_URL)
    bus = make_bus(REDIS_URL)
    adapters = fixed_rows_adapters(settings, rows)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = ingest.run_sync(
        factory, settings, cache=cache, bus=bus, providers=sorted(rows), adapters=adapters
    )
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    stats = ""
    if profiler:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(top)
        stats = buf.getvalue()
    errors = [f"{p.provider}: {p.error}" for p in report.providers if p.error]
    if errors:
        raise SystemExit(f"sync failed: {errors}")
    return report, wall, stats


def run(rows: int, variant: str, profile: bool, top: int) -> list[dict[str, Any]]:
    from api.cli import migrate

    url = recreate_database("postgresql", DB_NAME)
    settings = bench_settings(url, REDIS_URL)
    migrate(settings)
    flush_redis(REDIS_URL)
    data = scaled_rows(settings, rows)
    fetched_rows = sum(len(v) for v in data.values())
    print(
        f"[ingest {rows_label(rows)} {variant}] {fetched_rows:,} raw rows from {len(data)} providers",
        flush=True,
    )
    flags = set(variant.split("+"))
    if "ff50" in flags:
        # The proposed migration: room in every page for a HOT update of each row (see the report).
        engine, _ = engine_and_factory(url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE offers SET (fillfactor = 50)"))
        engine.dispose()
    if "idx" in flags:
        # The proposed index set: the search proposal's region index, and no redundant indexes.
        engine, _ = engine_and_factory(url)
        with engine.begin() as conn:
            for ddl in INDEX_DDL:
                conn.execute(text(ddl))
        engine.dispose()
    if "proposed" in flags:
        from bench.proto_ingest import patched_ingest

        patch: Any = patched_ingest(
            skip_touch_seen="noseen" in flags, workers=2 if "parallel" in flags else 1
        )
    else:
        patch = nullcontext()
    results = []
    with patch:
        for label, batch in (
            ("first sync (all new)", data),
            ("second sync (all unchanged)", data),
            ("10% of prices changed", with_changed_prices(data)),
        ):
            report, wall, stats = _sync(settings, batch, profile, top)
            totals = report.totals()
            row = {
                "variant": variant,
                "rows": rows,
                "sync": label,
                "records": report.records,
                **totals,
                "seconds": report.seconds,
                "wall_s": wall,
                "records_per_min": report.records / report.seconds * 60,
            }
            results.append(row)
            print(
                f"  {label:<28} {report.records:,} records in {report.seconds:.2f} s = "
                f"{row['records_per_min']:,.0f} records/min (inserted {totals['inserted']:,}, updated "
                f"{totals['updated']:,}, unchanged {totals['unchanged']:,}, rejected {totals['rejected']:,})",
                flush=True,
            )
            if stats:
                print(stats, flush=True)
    digest = table_digest(settings.database_url)
    print(f"  stored data digest (offers and history, timestamps left out): {digest}", flush=True)
    for r in results:
        r["digest"] = digest
    return results


def table_digest(url: str) -> str:
    """A digest of what the syncs stored, without the timestamps that differ between runs."""
    import hashlib

    engine, _ = engine_and_factory(url)
    digest = hashlib.sha1()
    with engine.connect() as conn:
        for row in conn.execute(text(f"SELECT {', '.join(OFFER_DIGEST_COLUMNS)} FROM offers ORDER BY id")):
            digest.update(repr(tuple(row)).encode())
        history = conn.execute(
            text(
                "SELECT offer_id, price_per_hour, price_per_gpu_hour, source FROM price_history "
                "ORDER BY offer_id, price_per_hour"
            )
        )
        for row in history:
            digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()[:16]


def normalize_timing(rows: int) -> str:
    """Parsing and normalization alone (no database): the real bundled rows once, then the scaled
    rows, each with the memos taken out and with the code as it is (memoized, a cold memo each time)."""
    from bench.proto_ingest import clear_memos, unmemoized

    settings = bench_settings("sqlite:///:memory:")
    datasets = {
        "real bundled rows": {p: ADAPTERS[p](settings).read_snapshot() for p in sorted(ADAPTERS)},
        f"scaled to {rows_label(rows)} offers": scaled_rows(settings, rows),
    }
    table = []
    for label, data in datasets.items():
        adapters = fixed_rows_adapters(settings, data)
        timings = {}
        for variant in ("plain", "memoized"):
            patch: Any = unmemoized() if variant == "plain" else nullcontext()
            clear_memos()
            with patch:
                started = time.perf_counter()
                offers = sum(len(normalize_all(a, a.fetch(), ProviderReport(p))) for p, a in adapters.items())
                timings[variant] = time.perf_counter() - started
        rows_in = sum(len(v) for v in data.values())
        table.append(
            [
                label,
                f"{rows_in:,}",
                f"{offers:,}",
                f"{timings['plain']:.2f}",
                f"{timings['memoized']:.2f}",
                f"{timings['plain'] / timings['memoized']:.1f}x",
            ]
        )
    return markdown_table(
        ["rows", "raw rows", "offers", "no memo s", "memoized s", "speed-up"],
        table,
    )


def report(results: Iterable[dict[str, Any]]) -> str:
    """One line per variant and sync; with ``--repeat`` the best round and the range of all rounds."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["variant"], r["sync"]), []).append(r)
    headers = [
        "variant",
        "offers",
        "sync",
        "records",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "rounds",
        "seconds (best)",
        "records/min (best)",
        "records/min (range)",
        "target >= 500k/min",
    ]
    table = []
    for runs in groups.values():
        best = min(runs, key=lambda r: r["seconds"])
        rates = sorted(r["records_per_min"] for r in runs)
        table.append(
            [
                best["variant"],
                rows_label(best["rows"]),
                best["sync"],
                f"{best['records']:,}",
                f"{best['inserted']:,}",
                f"{best['updated']:,}",
                f"{best['unchanged']:,}",
                f"{best['rejected']:,}",
                len(runs),
                f"{best['seconds']:.2f}",
                f"{best['records_per_min']:,.0f}",
                f"{rates[0]:,.0f}-{rates[-1]:,.0f}",
                "met" if best["records_per_min"] >= TARGET_RECORDS_PER_MIN else "missed",
            ]
        )
    return markdown_table(headers, table)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_ingest", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="offers in the scaled catalog")
    p.add_argument(
        "--variant",
        default="baseline",
        help="comma list of variants: baseline, or proposed with any of +parallel (2 provider threads), "
        "+ff50 (offers fillfactor 50), +idx (proposed index set), +noseen (no touch_seen), e.g. proposed+parallel+ff50; "
        "see bench/proto_ingest.py",
    )
    p.add_argument(
        "--repeat", type=int, default=1, help="rounds of every variant (interleaved); the best is reported"
    )
    p.add_argument(
        "--normalize-only",
        action="store_true",
        help="time parsing and normalization alone (no database), without the memos and with them",
    )
    p.add_argument("--profile", action="store_true", help="cProfile each sync and print the top functions")
    p.add_argument("--top", type=int, default=25, help="functions to print with --profile")
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    print(machine_header(), flush=True)
    if args.normalize_only:
        print(normalize_timing(args.rows))
        return []
    results: list[dict[str, Any]] = []
    for round_no in range(1, args.repeat + 1):
        for variant in [v.strip() for v in args.variant.split(",") if v.strip()]:
            for r in run(args.rows, variant, args.profile, args.top):
                results.append({**r, "round": round_no})
    print()
    print(report(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
