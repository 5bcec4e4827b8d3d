"""Search latency at the service level: p50/p95 of ``catalog.service.search`` uncached and cached.

For each backend (SQLite, PostgreSQL) and size (100k, 1M offers by default) a dataset is built by
scaling the real bundled catalog (:mod:`bench.dataset`; reused on later runs when it already holds
the wanted number of rows, ``--rebuild`` to build it again). Each query is then timed:

* uncached: ``service.search(session, filters, None)`` in a fresh session per call (a connection
  checked out of the pool and the transaction committed, as a request does); ``--uncached`` calls,
  or fewer when a query's calls pass ``--budget-s`` seconds (never fewer than 20);
* cached: the same with a ``MemoryCache`` (SQLite) or a ``RedisCache`` on Redis DB 14 (PostgreSQL);
  one call fills the cache, then ``--cached`` calls are timed (all hits; a miss is reported).

Five untimed calls warm each query first. PostgreSQL's buffers are warm; neither database caches
results, so repeating a query measures the query. ``--variant baseline,twopass`` also times the
search as it was before the one-pass full text (count, then page; on the same data), and
``--variant baseline,proposed`` the changes prototyped in :mod:`bench.proposals` (on a copy of the
data with the proposed indexes); the variants' calls alternate one by one, so that the machine's
changing load falls on both alike, and the run warns if they ever disagree on a result.
``--explain`` prints PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of the statements of every query.

    .venv/bin/python -m bench.bench_search --rows 100000,1000000 --backends sqlite,postgresql
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    REDIS_URL,
    drop_database,
    engine_and_factory,
    flush_redis,
    fmt_ms,
    machine_header,
    markdown_table,
    percentile,
    rows_label,
)
from bench.dataset import build_dataset, dataset_name
from bench.proposals import (
    ff100_copy,
    patched_capped_count,
    patched_repository,
    patched_two_pass,
    proposed_copy,
    proposed_statements,
)
from catalog import repository as repo
from catalog import service
from catalog.schemas import OfferFilters
from core.cache import Cache, MemoryCache, RedisCache

TARGET_UNCACHED_P95_MS = 50.0
TARGET_CACHED_P95_MS = 5.0


def queries(rows: int) -> dict[str, dict[str, Any]]:
    """The benchmarked searches; the deep page sits 40 % into the unfiltered result (page 400 of 100k),
    reached by its number (OFFSET) and by the cursor of the page before it (keyset)."""
    deep = max(1, rows // 250)
    return {
        "no filter": {},
        "gpu_type + region": {"gpu_type": "H100", "region": "us-central1"},
        "max_price + sort": {"max_price": "2", "sort": "price_desc"},
        "full-text q": {"q": "h100 sxm"},
        "deep page": {"page": deep, "page_size": 100},
        "deep page, cursor": {"cursor": AfterPage(deep - 1), "page_size": 100},
        # The same page as a walk reaches it: the total was counted on page 1 and cached, the page not.
        "deep page, cursor, total known": {
            "cursor": AfterPage(deep - 1),
            "page_size": 100,
            KNOWN_TOTAL: True,
        },
    }


KNOWN_TOTAL = "known_total"


class TotalsOnly:
    """A cache that keeps a search's total and never its answer: the uncached calls of a query with
    ``known_total`` read the page from the database and the total from here (filled by the first)."""

    def __init__(self, inner: Cache) -> None:
        self.inner = inner
        self.hits = self.misses = 0

    def get(self, key: str) -> Any | None:
        return None

    def peek(self, key: str) -> Any | None:
        return self.inner.peek(key)

    def set(self, key: str, value: Any, ttl_s: int) -> None:
        if ":total:" in key:
            self.inner.set(key, value, ttl_s)

    def version(self) -> int:
        return self.inner.version()

    def bump_version(self) -> int:
        return self.inner.bump_version()

    def clear(self) -> None:
        self.inner.clear()

    def stats(self) -> dict[str, Any]:
        return self.inner.stats()

    def set_bytes(self, key: str, data: bytes, ttl_s: int) -> None:
        return None


@dataclass(frozen=True)
class AfterPage:
    """A cursor to resolve on the dataset: the ``next_cursor`` of this page of the same search."""

    page: int

    def __str__(self) -> str:
        return f"(next of page {self.page})"


def resolve(factory: sessionmaker[Session], params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    after = out.get("cursor")
    if isinstance(after, AfterPage):
        before = {k: v for k, v in out.items() if k != "cursor"}
        out["cursor"] = _search_once(factory, OfferFilters(**before, page=after.page), None)["next_cursor"]
    return out


def _describe(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items()) or "-"


def _search_once(
    factory: sessionmaker[Session], filters: OfferFilters, cache: Cache | None
) -> dict[str, Any]:
    with factory() as session:
        result = service.search(session, filters, cache)
        session.commit()
    return result


def search_statements(session: Session, spec: repo.SearchSpec, variant: str) -> list[tuple[str, Select[Any]]]:
    """The statements a variant's search runs: one for a full-text search of the code as it is
    (``baseline``), else the count and the page (the two passes: ``twopass``, ``proposed``, and the
    searches without full text; ``capped`` pages the same way)."""
    if variant == "baseline" and repo._one_pass(spec):
        return [("count and page", repo.one_pass_statement(session, spec))]
    count_q, rows_q = proposed_statements(session, spec)
    return [("count", count_q), ("page", rows_q)]


def explain(factory: sessionmaker[Session], filters: OfferFilters, variant: str = "baseline") -> str:
    """PostgreSQL's plans of the statements the search runs for the filters."""
    spec, _ = service.build_spec(filters)
    out = []
    with factory() as session:
        dialect = session.get_bind().dialect
        for label, stmt in search_statements(session, spec, variant):
            sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
            out.append(f"-- {label}: {' '.join(sql.split())}\n" + "\n".join(plan))
        session.rollback()
    return "\n".join(out)


@dataclass
class Variant:
    """One variant of the search under test: its database, its code, its own cache namespace."""

    name: str
    engine: Engine
    factory: sessionmaker[Session]
    cache: Cache

    def code(self) -> AbstractContextManager[None]:
        if self.name == "proposed":
            return patched_repository()
        if self.name == "capped":
            return patched_capped_count()
        if self.name == "twopass":
            return patched_two_pass()
        return nullcontext()


def _open_variant(backend: str, rows: int, name: str, url: str, pg_set: list[str]) -> Variant:
    engine, factory = engine_and_factory(url)
    if backend == "postgresql" and pg_set:

        @event.listens_for(engine, "connect")
        def _settings(dbapi_conn: Any, _: Any) -> None:
            with dbapi_conn.cursor() as cur:
                for item in pg_set:
                    setting, value = item.split("=", 1)
                    cur.execute(f"SET {setting} = {value}")
            dbapi_conn.commit()

    cache: Cache = MemoryCache()
    if backend == "postgresql":
        cache = RedisCache(REDIS_URL, prefix=f"gpubroker:bench:{rows}:{name}:")
    return Variant(name, engine, factory, cache)


def _interleaved(
    variants: list[Variant], call: Callable[[Variant], Any], count: int, budget_s: float, minimum: int = 20
) -> dict[str, list[float]]:
    """``count`` timed calls per variant, alternating between the variants call by call (so that a
    change in the machine's load hits every variant alike), stopping early after ``budget_s`` per
    variant once each has ``minimum`` calls."""
    samples: dict[str, list[float]] = {v.name: [] for v in variants}
    started = time.perf_counter()
    for i in range(count):
        for v in variants:
            with v.code():
                t0 = time.perf_counter()
                call(v)
                samples[v.name].append(time.perf_counter() - t0)
        if i + 1 >= minimum and time.perf_counter() - started > budget_s * len(variants):
            break
    return samples


def _variant_url(backend: str, rows: int, name: str, url: str) -> str:
    """The database a variant searches: the dataset itself, or a copy of it with other indexes
    (``proposed``) or with the offers at fill factor 100 (``ff100``, PostgreSQL only)."""
    if name == "proposed":
        return proposed_copy(backend, dataset_name(rows))
    if name == "ff100":
        if backend != "postgresql":
            raise SystemExit("--variant ff100 is a PostgreSQL storage setting")
        return ff100_copy(dataset_name(rows))
    return url


def bench_backend(
    backend: str,
    rows: int,
    *,
    uncached: int,
    cached: int,
    budget_s: float,
    rebuild: bool,
    show_plans: bool,
    pg_set: list[str],
    variants: list[str],
) -> list[dict[str, Any]]:
    dataset = build_dataset(backend, rows, reuse=not rebuild)
    note = "reused" if dataset.reused else f"built in {dataset.build_s:.0f} s"
    print(f"[{backend} {rows_label(rows)}] dataset {note}; variants {', '.join(variants)}", flush=True)
    if not dataset.reused:
        drop_database(backend, dataset_name(rows) + "_proposed")  # made again from the new data
    if backend == "postgresql":
        flush_redis(REDIS_URL)
    opened = [
        _open_variant(
            backend,
            rows,
            name,
            _variant_url(backend, rows, name, dataset.url),
            pg_set,
        )
        for name in variants
    ]
    results = []
    try:
        for name, all_params in queries(rows).items():
            params = {k: v for k, v in all_params.items() if k != KNOWN_TOTAL}
            filters = OfferFilters(**resolve(opened[0].factory, params))
            known_total = bool(all_params.get(KNOWN_TOTAL))
            first: dict[str, dict[str, Any]] = {}
            for v in opened:
                with v.code():
                    for _ in range(5):
                        first[v.name] = _search_once(v.factory, filters, None)

            def uncached_call(v: Variant, f: OfferFilters = filters, known: bool = known_total) -> None:
                _search_once(v.factory, f, TotalsOnly(v.cache) if known else None)

            def cached_call(v: Variant, f: OfferFilters = filters) -> None:
                _search_once(v.factory, f, v.cache)

            cold = _interleaved(opened, uncached_call, uncached, budget_s)
            misses_before: dict[str, int] = {}
            for v in opened:
                with v.code():
                    _search_once(v.factory, filters, v.cache)  # fills the cache
                misses_before[v.name] = v.cache.misses
            warm = _interleaved(opened, cached_call, cached, budget_s)
            for v in opened:
                # Every cached call should hit; a miss means something else flushed Redis DB 14 meanwhile.
                misses = v.cache.misses - misses_before[v.name]
                c, w, res = cold[v.name], warm[v.name], first[v.name]
                row = {
                    "backend": backend,
                    "rows": rows,
                    "variant": v.name,
                    "query": name,
                    "params": _describe(params),
                    "total": res["total"],
                    "items": len(res["items"]),
                    "first_id": res["items"][0]["id"] if res["items"] else None,
                    "uncached_n": len(c),
                    "uncached_p50_ms": percentile(c, 50) * 1000,
                    "uncached_p95_ms": percentile(c, 95) * 1000,
                    "cached_n": len(w),
                    "cached_p50_ms": percentile(w, 50) * 1000,
                    "cached_p95_ms": percentile(w, 95) * 1000,
                    "cached_misses": misses,
                }
                results.append(row)
                print(
                    f"  {name:<18} {v.name:<9} total {row['total']:>7} uncached p50 {fmt_ms(percentile(c, 50))} ms "
                    f"p95 {fmt_ms(percentile(c, 95))} ms (n={len(c)}); cached p50 "
                    f"{fmt_ms(percentile(w, 50))} ms p95 {fmt_ms(percentile(w, 95))} ms (n={len(w)}"
                    f"{f', {misses} misses' if misses else ''})",
                    flush=True,
                )
                if show_plans and backend == "postgresql":
                    with v.code():
                        print(explain(v.factory, filters, v.name), flush=True)
            # The capped count reports at most 10,001: only the page itself must agree.
            pages = {x["variant"]: x["first_id"] for x in results[-len(opened) :]}
            if len(set(pages.values())) > 1:
                print(f"  !! the variants disagree on {name}: {pages}", flush=True)
        by_offset = [r["first_id"] for r in results if r["query"] == "deep page"]
        by_cursor = [r["first_id"] for r in results if r["query"].startswith("deep page, cursor")][
            : len(by_offset)
        ]
        if by_offset != by_cursor:
            print(
                f"  !! the deep page by cursor is not the deep page: {by_cursor} != {by_offset}", flush=True
            )
    finally:
        for v in opened:
            v.engine.dispose()
    return results


def _verdict(row: dict[str, Any]) -> str:
    if row["backend"] != "postgresql" or row["rows"] != 100_000:
        return ""
    ok_u = row["uncached_p95_ms"] <= TARGET_UNCACHED_P95_MS
    ok_c = row["cached_p95_ms"] <= TARGET_CACHED_P95_MS
    return "met" if ok_u and ok_c else ("missed (uncached)" if ok_c else "missed")


def report(results: list[dict[str, Any]]) -> str:
    headers = [
        "backend",
        "rows",
        "variant",
        "query",
        "params",
        "matches",
        "uncached p50 ms",
        "uncached p95 ms",
        "n",
        "cached p50 ms",
        "cached p95 ms",
        "n",
        "target (PG 100k)",
    ]
    table = [
        [
            r["backend"],
            rows_label(r["rows"]),
            r["variant"],
            r["query"],
            r["params"],
            r["total"],
            fmt_ms(r["uncached_p50_ms"] / 1000),
            fmt_ms(r["uncached_p95_ms"] / 1000),
            r["uncached_n"],
            fmt_ms(r["cached_p50_ms"] / 1000),
            fmt_ms(r["cached_p95_ms"] / 1000),
            f"{r['cached_n']}" + (f" ({r['cached_misses']} misses)" if r.get("cached_misses") else ""),
            _verdict(r),
        ]
        for r in results
    ]
    return markdown_table(headers, table)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_search", description=__doc__.split("\n")[0])
    p.add_argument("--rows", default="100000,1000000", help="comma list of dataset sizes")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma list: sqlite, postgresql")
    p.add_argument("--uncached", type=int, default=200, help="timed uncached calls per query")
    p.add_argument("--cached", type=int, default=1000, help="timed cached calls per query")
    p.add_argument("--budget-s", type=float, default=30.0, help="stop a query's timed calls after this long")
    p.add_argument("--rebuild", action="store_true", help="build the datasets again even if present")
    p.add_argument("--explain", action="store_true", help="print PostgreSQL EXPLAIN ANALYZE of each query")
    p.add_argument(
        "--pg-set",
        action="append",
        default=[],
        help="a PostgreSQL setting for every connection, e.g. jit=off",
    )
    p.add_argument(
        "--variant",
        default="baseline",
        help="comma list: baseline (the code as it is), twopass (the search before the one-pass full text: "
        "count, then page), proposed (bench/proposals.py on a copy of the data), "
        "capped (the count capped at 10,000 matches, bench/proposals.py), "
        "ff100 (PostgreSQL: a copy of the data with offers at fill factor 100, as before migration 0006)",
    )
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    print(machine_header(), flush=True)
    results: list[dict[str, Any]] = []
    for rows in [int(r) for r in args.rows.split(",") if r.strip()]:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            results.extend(
                bench_backend(
                    backend,
                    rows,
                    uncached=args.uncached,
                    cached=args.cached,
                    budget_s=args.budget_s,
                    rebuild=args.rebuild,
                    show_plans=args.explain,
                    pg_set=args.pg_set,
                    variants=[v.strip() for v in args.variant.split(",") if v.strip()],
                )
            )
    print()
    print(report(results))
    if args.pg_set:
        print(f"\nPostgreSQL settings per connection: {', '.join(args.pg_set)}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
