"""Prototype of the ingestion changes, measured before they were applied without editing the catalog
modules.

Applied since (migration 0006, ``catalog/ingest.py``, ``catalog/repository.py``,
``catalog/adapters/skypilot.py``): ``--variant baseline`` of ``bench.bench_ingest`` now runs this code
as the pipeline itself, and ``--variant proposed`` patches the same changes in a second time. The
module stays so that the recorded comparison in ``docs/BENCHMARKS.md`` can be rerun against a
checkout of the code before it; :func:`unmemoized` takes the memos out of today's code (for
``bench_ingest --normalize-only``).

``python -m bench.bench_ingest --variant proposed`` runs the real pipeline with these functions
patched in for the duration of the run (:func:`patched_ingest`). Each step keeps what the pipeline
stores exactly as it is (``bench_ingest`` prints a digest of the stored offers and history after
each variant):

1. Memoized pure parsers: ``gpu_info_memory_mib`` (a GpuInfo cell is Python-literal text, so every
   row fell through ``json.loads`` to ``ast.literal_eval``, which compiles it),
   ``normalize_accelerator`` and ``locate``. A catalog repeats the same few hundred GpuInfo cells,
   accelerator names and regions over all its rows.
2. ``_same`` compares the stored Decimal with the new one directly (a ``Numeric(14, 6)`` value read
   back is already at 6 places, and Decimal equality is numeric), not through ``str()`` and
   ``quantize()`` per field.
3. ``touch_seen`` leaves out the rows this sync has just inserted or updated (their
   ``last_seen_at`` is already ``now``): on a first sync it was a second write of every row.
4. PostgreSQL: new offers and history rows go in with ``COPY`` instead of an ``INSERT`` executemany;
   changed offers are copied into a temporary table and applied with one ``UPDATE ... FROM``.

``--variant proposed+noseen`` additionally skips ``touch_seen`` (the UPDATE of every offer's
``last_seen_at`` on every sync) to measure what the schema change proposed for it would save; that
one does change what is stored (see the report).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

import catalog.adapters
from catalog import ingest
from catalog import repository as repo
from catalog.adapters.base import AdapterError, ProviderAdapter
from catalog.adapters.registry import default_provider_ids, get_adapter_class
from catalog.gpus import normalize_accelerator
from catalog.models import Offer, PriceHistory
from catalog.regions import locate
from core.bus import EventBus
from core.cache import Cache
from core.db import session_scope
from core.settings import Settings

OFFER_COLS = tuple(c.name for c in Offer.__table__.columns)
HISTORY_COLS = tuple(c.name for c in PriceHistory.__table__.columns if c.name != "id")
UPDATED_COLS = tuple(c for c in OFFER_COLS if c != "id")


def same(stored: dict[str, Any], new: dict[str, Any]) -> bool:
    """``ingest._same`` with its per-field conversions done only for the fields that differ.

    Equal values (the usual case: Decimal equality is numeric, and a ``Numeric(14, 6)`` read back
    equals the quantized new price) need no ``Decimal(str(a)).quantize()``; a field that differs
    is checked exactly as ``ingest._same`` checks it, so the verdict is the same.
    """
    for f in repo.COMPARED_FIELDS:
        a, b = stored.get(f), new.get(f)
        if a == b:
            continue
        if a is None or b is None:
            return False
        if isinstance(b, Decimal):
            if Decimal(str(a)).quantize(ingest.CENT) != b:
                return False
        elif isinstance(b, float):
            if abs(float(a) - b) > 1e-9:
                return False
        else:
            return False
    return True


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _copy(session: Session, table: str, cols: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    conn = _driver(session)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row([orjson.dumps(r.get(c)).decode() if c == "tags" else r.get(c) for c in cols])


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def copy_insert_offers(original: Callable[..., None]) -> Callable[..., None]:
    def insert_offers(session: Session, rows: list[dict[str, Any]], batch: int = 5000) -> None:
        if not rows:
            return
        if not _is_pg(session):
            original(session, rows, batch)
            return
        _copy(session, "offers", OFFER_COLS, rows)

    return insert_offers


def copy_insert_history(original: Callable[..., None]) -> Callable[..., None]:
    def insert_history(session: Session, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if not _is_pg(session):
            original(session, rows)
            return
        _copy(session, "price_history", HISTORY_COLS, rows)

    return insert_history


def copy_update_offers(original: Callable[..., None]) -> Callable[..., None]:
    def update_offers(session: Session, rows: list[dict[str, Any]], batch: int = 5000) -> None:
        if not rows:
            return
        if not _is_pg(session):
            original(session, rows, batch)
            return
        conn = _driver(session)
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS offers_changed (LIKE offers INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
        _copy(session, "offers_changed", OFFER_COLS, rows)
        assignments = ", ".join(f"{c} = t.{c}" for c in UPDATED_COLS)
        with conn.cursor() as cur:
            cur.execute(f"UPDATE offers AS o SET {assignments} FROM offers_changed AS t WHERE o.id = t.id")
            cur.execute("DELETE FROM offers_changed")

    return update_offers


def touch_seen(session: Session, provider: str, now: datetime) -> None:
    """``repository.touch_seen`` leaving out the rows this sync has just inserted or updated."""
    session.execute(
        update(Offer)
        .where(Offer.provider == provider, Offer.availability != "down", Offer.last_seen_at < now)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def _skip_touch_seen(session: Session, provider: str, now: datetime) -> None:
    return None


def _memoized(fn: Callable[..., Any]) -> Callable[..., Any]:
    return functools.lru_cache(maxsize=65536)(fn)


@contextmanager
def _patch(obj: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, saved)


def parallel_run_sync(workers: int) -> Callable[..., ingest.SyncReport]:
    """``ingest.run_sync`` with the providers' units of work run by a pool of ``workers`` threads.

    Each provider is still its own session and commit; while one thread waits on PostgreSQL another
    parses and normalizes (the parsing holds the GIL, the database waits release it). Reports, bus
    messages and progress keep the providers' order.
    """

    def run_sync(
        factory: sessionmaker[Session],
        settings: Settings,
        *,
        cache: Cache | None = None,
        bus: EventBus | None = None,
        providers: Iterable[str] | None = None,
        adapters: dict[str, ProviderAdapter] | None = None,
        on_progress: ingest.ProgressCallback | None = None,
    ) -> ingest.SyncReport:
        ids = list(providers) if providers else default_provider_ids(settings)
        instances = adapters or {}
        started = time.perf_counter()

        def one(provider: str) -> tuple[ingest.ProviderReport, list[dict[str, Any]], datetime]:
            adapter = instances.get(provider) or get_adapter_class(provider)(settings)
            now = datetime.now(UTC)
            try:
                with session_scope(factory) as session:
                    report, deltas = ingest.sync_provider(session, adapter, now=now)
            except AdapterError as exc:
                report, deltas = ingest.ProviderReport(provider, error=str(exc)), []
                ingest._mark_degraded(factory, adapter, str(exc), now)
            except Exception as exc:
                report = ingest.ProviderReport(provider, error=f"{type(exc).__name__}: {exc}")
                deltas = []
                ingest._mark_degraded(factory, adapter, report.error or "", now)
            return report, deltas, now

        reports: list[ingest.ProviderReport] = []
        any_change = False
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for index, (provider, (report, deltas, now)) in enumerate(
                zip(ids, pool.map(one, ids), strict=True)
            ):
                reports.append(report)
                if report.inserted or report.updated or report.down:
                    any_change = True
                if bus is not None and deltas:
                    bus.publish(
                        "price_updates",
                        provider,
                        {
                            "provider": provider,
                            "inserted": report.inserted,
                            "updated": report.updated,
                            "changes": deltas[: ingest.MAX_DELTAS_PER_MESSAGE],
                            "truncated": max(0, len(deltas) - ingest.MAX_DELTAS_PER_MESSAGE),
                            "at": now.isoformat(),
                        },
                    )
                if on_progress:
                    on_progress(provider, index + 1, len(ids))
        if cache is not None and any_change:
            cache.bump_version()
        return ingest.SyncReport(reports, time.perf_counter() - started)

    return run_sync


@contextmanager
def unmemoized() -> Iterator[None]:
    """Today's parsing without its memos (``ingest._resolve_gpu``, ``ingest._locate`` and
    ``skypilot._gpu_info_memory_mib`` as the plain functions they wrap)."""
    from catalog.adapters import skypilot

    with ExitStack() as stack:
        stack.enter_context(_patch(ingest, "_resolve_gpu", normalize_accelerator))
        stack.enter_context(_patch(ingest, "_locate", locate))
        stack.enter_context(
            _patch(skypilot, "_gpu_info_memory_mib", skypilot._gpu_info_memory_mib.__wrapped__)
        )
        yield


def clear_memos() -> None:
    """Empty the parsing memos, so that a timing starts cold."""
    from catalog.adapters import skypilot

    ingest._resolve_gpu.cache_clear()
    ingest._locate.cache_clear()
    skypilot._gpu_info_memory_mib.cache_clear()


@contextmanager
def patched_ingest(skip_touch_seen: bool = False, workers: int = 1) -> Iterator[None]:
    """Run the proposed ingestion code in place of the current one for the duration of the block."""
    with ExitStack() as stack:
        adapter_modules = [
            importlib.import_module(f"catalog.adapters.{m.name}")
            for m in pkgutil.iter_modules(catalog.adapters.__path__)
        ]
        gpu_info = _memoized(catalog.adapters.skypilot.gpu_info_memory_mib)
        for module in adapter_modules:
            if hasattr(module, "gpu_info_memory_mib"):
                stack.enter_context(_patch(module, "gpu_info_memory_mib", gpu_info))
        stack.enter_context(_patch(ingest, "normalize_accelerator", _memoized(normalize_accelerator)))
        stack.enter_context(_patch(ingest, "locate", _memoized(locate)))
        stack.enter_context(_patch(ingest, "_same", same))
        stack.enter_context(_patch(repo, "insert_offers", copy_insert_offers(repo.insert_offers)))
        stack.enter_context(_patch(repo, "insert_history", copy_insert_history(repo.insert_history)))
        stack.enter_context(_patch(repo, "update_offers", copy_update_offers(repo.update_offers)))
        stack.enter_context(_patch(repo, "touch_seen", _skip_touch_seen if skip_touch_seen else touch_seen))
        if workers > 1:
            stack.enter_context(_patch(ingest, "run_sync", parallel_run_sync(workers)))
        yield
