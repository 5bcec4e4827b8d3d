"""The bulk write paths of a sync store exactly what the plain statements store.

On PostgreSQL new offers and history rows go in by COPY and changed offers through a temporary table
and one ``UPDATE ... FROM``; parsing is memoized; ``touch_seen`` skips the rows the sync has just
written; with an engine, two providers sync at once. These tests compare each with the plain path
(on SQLite both sides take the plain path, and the tests still check the pipeline's results).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import ingest
from catalog import repository as repo
from catalog.adapters import skypilot
from catalog.adapters.base import FetchResult, ProviderAdapter
from catalog.adapters.registry import ADAPTERS
from catalog.gpus import normalize_accelerator
from catalog.ingest import ProviderReport, normalize_all, run_sync, sync_provider
from catalog.models import Offer, PriceHistory, Provider, ProviderHealth
from catalog.regions import locate
from core.settings import Settings

T0 = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
T1 = T0 + timedelta(hours=6, microseconds=7)
# Real snapshots with spot offers, tags, zones, countries, empty fields and rejected rows.
SOURCES = ("aws", "gcp", "vast", "primeintellect", "runpod")


def copy_adapter(
    settings: Settings, source: str, rows: list[dict[str, Any]] | None = None
) -> ProviderAdapter:
    """A provider of its own (``copytest-<source>``) reading ``source``'s snapshot rows (or ``rows``)
    with a fixed fetch time, so that two syncs of the same rows store the same values."""
    base = ADAPTERS[source]
    data = rows if rows is not None else base(settings).read_snapshot()

    def read_snapshot(self: ProviderAdapter) -> list[dict[str, Any]]:
        return data

    def fetch(self: ProviderAdapter) -> FetchResult:
        return FetchResult(self.read_snapshot(), f"test:{source}", T0, "snapshot", 0.0)

    cls = type(
        f"Copy{base.__name__}",
        (base,),
        {"provider_id": f"copytest-{source}", "read_snapshot": read_snapshot, "fetch": fetch},
    )
    adapter: ProviderAdapter = cls(settings)
    return adapter


def _number(value: Any) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def changed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every 3rd offer 10 % dearer (an update with history), every 7th row with 1 GiB more memory (an
    update without history), the last row gone (marked down). An offer is an instance in a region: its
    zones change together, as they keep one regional offer only while their prices agree."""
    out = []
    offers: dict[tuple[Any, ...], int] = {}
    for i, r in enumerate(rows[:-1]):
        r = dict(r)
        price, memory = _number(r.get("Price")), _number(r.get("MemoryGiB"))
        key = tuple(r.get(k) for k in ("InstanceType", "AcceleratorName", "AcceleratorCount", "Region"))
        if offers.setdefault(key, len(offers)) % 3 == 0 and price and 0 < price < 1000:
            r["Price"] = f"{price * 1.1:.4f}"
        if i % 7 == 0 and memory:
            r["MemoryGiB"] = str(memory + 1)
        out.append(r)
    return out


def stored(db: Session, providers: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Everything stored for the providers (the generated search_tsv too, on PostgreSQL)."""
    columns: list[Any] = list(Offer.__table__.columns)
    if db.get_bind().dialect.name == "postgresql":
        columns.append(literal_column("offers.search_tsv::text"))
    offers = db.execute(select(*columns).where(Offer.provider.in_(providers)).order_by(Offer.id)).all()
    history_columns = [c for c in PriceHistory.__table__.columns if c.name != "id"]
    history = db.execute(
        select(*history_columns)
        .where(PriceHistory.provider.in_(providers))
        .order_by(PriceHistory.offer_id, PriceHistory.observed_at, PriceHistory.price_per_hour)
    ).all()
    health = db.execute(
        select(*ProviderHealth.__table__.columns)
        .where(ProviderHealth.provider.in_(providers))
        .order_by(ProviderHealth.provider)
    ).all()
    return {"offers": [tuple(o) for o in offers], "history": [tuple(h) for h in history], "health": health}


def two_syncs(db: Session, settings: Settings) -> tuple[dict[str, Any], list[Any]]:
    """A first sync of every source (all new), then a changed one, inside a savepoint rolled back after."""
    reports: list[Any] = []
    nested = db.begin_nested()
    try:
        for source in SOURCES:
            first = copy_adapter(settings, source)
            report, deltas = sync_provider(db, first, now=T0)
            reports.append((report.inserted, report.updated, report.unchanged, report.rejected, len(deltas)))
            again = copy_adapter(settings, source, changed(first.read_snapshot()))
            report, deltas = sync_provider(db, again, now=T1)
            # Sequence numbers are the database's (a PostgreSQL sequence is not rolled back): not compared.
            changes = [{k: v for k, v in d.items() if k != "seq"} for d in deltas]
            reports.append((report.inserted, report.updated, report.unchanged, report.down, changes))
        db.flush()
        return stored(db, [f"copytest-{s}" for s in SOURCES]), reports
    finally:
        nested.rollback()


def test_bulk_paths_store_what_plain_statements_store(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, bulk_reports = two_syncs(db, settings)
    with monkeypatch.context() as m:
        # The plain path: INSERT/UPDATE executemany, no memo, touch_seen over every row.
        m.setattr(repo, "_copyable", lambda session, rows: False)
        m.setattr(ingest, "_resolve_gpu", normalize_accelerator)
        m.setattr(ingest, "_locate", locate)
        m.setattr(skypilot, "_gpu_info_memory_mib", skypilot._gpu_info_memory_mib.__wrapped__)

        def touch_every_row(
            session: Session, provider: str, now: datetime, price_as_of: datetime | None = None
        ) -> None:
            session.execute(
                Offer.__table__.update()
                .where(Offer.provider == provider, Offer.availability != "down")
                .values(last_seen_at=now, **({"price_as_of": price_as_of} if price_as_of else {}))
            )

        m.setattr(repo, "touch_seen", touch_every_row)
        plain, plain_reports = two_syncs(db, settings)
    assert bulk_reports == plain_reports
    inserted = sum(r[0] for r in bulk_reports[::2])
    updated = sum(r[1] for r in bulk_reports[1::2])
    assert inserted > 700 and updated > 100
    assert len(bulk["offers"]) == inserted and len(bulk["history"]) > inserted
    assert bulk == plain


def test_resync_sets_last_seen_on_every_offer_it_saw(db: Session, settings: Settings) -> None:
    nested = db.begin_nested()
    try:
        adapter = copy_adapter(settings, "vast")
        sync_provider(db, adapter, now=T0)
        rows = adapter.read_snapshot()
        report, _ = sync_provider(db, copy_adapter(settings, "vast", changed(rows)), now=T1)
        assert report.updated and report.unchanged and report.down == 1
        by_state: dict[str, set[datetime]] = {}
        for state, at in db.execute(
            select(Offer.availability, Offer.last_seen_at).where(Offer.provider == "copytest-vast")
        ):
            by_state.setdefault(state, set()).add(at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC))
        assert by_state == {"up": {T1}, "down": {T0}}
    finally:
        nested.rollback()


def test_memoized_parsing_gives_the_same_rows_and_rejections(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def normalized() -> list[Any]:
        out = []
        for provider in sorted(ADAPTERS):
            adapter = ADAPTERS[provider](settings)
            report = ProviderReport(provider)
            rows = normalize_all(
                adapter, FetchResult(adapter.read_snapshot(), "s", T0, "snapshot", 0), report
            )
            out.append((rows, report.rejected, [(r.row, r.reason) for r in report.rejections]))
        return out

    memoized = normalized()
    monkeypatch.setattr(ingest, "_resolve_gpu", normalize_accelerator)
    monkeypatch.setattr(ingest, "_locate", locate)
    monkeypatch.setattr(skypilot, "_gpu_info_memory_mib", skypilot._gpu_info_memory_mib.__wrapped__)
    plain = normalized()
    assert memoized == plain
    assert sum(r[1] for r in plain) > 0  # the bundled snapshots have rows to reject


class FailingHistory(Exception):
    pass


@pytest.mark.parametrize("first_sync", [True, False], ids=["inserts", "updates"])
def test_a_failed_sync_leaves_nothing_half_written(
    factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    first_sync: bool,
) -> None:
    adapter = copy_adapter(settings, "gcp")
    if not first_sync:
        run_sync(factory, settings, providers=[adapter.provider_id], adapters={adapter.provider_id: adapter})
    db.expire_all()
    before = stored(db, [adapter.provider_id])

    def fail(session: Session, rows: Any) -> None:
        raise FailingHistory("disk full")

    # History goes in after the offers were copied, updated, marked down and touched.
    monkeypatch.setattr(repo, "insert_history", fail)
    bumped = copy_adapter(settings, "gcp", changed(adapter.read_snapshot()))
    report = run_sync(
        factory, settings, providers=[bumped.provider_id], adapters={bumped.provider_id: bumped}
    )
    assert report.providers[0].error == "FailingHistory: disk full"
    db.expire_all()
    after = stored(db, [adapter.provider_id])
    assert after["offers"] == before["offers"]
    assert after["history"] == before["history"]
    health = db.get(ProviderHealth, adapter.provider_id)
    assert (
        health is not None
        and health.status == "degraded"
        and health.last_error == "FailingHistory: disk full"
    )
    # The next sync works (no temporary table or half state left on the connection).
    monkeypatch.undo()
    report = run_sync(
        factory, settings, providers=[bumped.provider_id], adapters={bumped.provider_id: bumped}
    )
    assert report.providers[0].error is None
    assert (report.providers[0].inserted > 0) is first_sync
    assert (report.providers[0].updated > 0) is not first_sync


def test_providers_sync_in_parallel_on_postgresql_with_an_engine(
    engine: Any, settings: Settings, backend: str
) -> None:
    """With an engine (a pool), PostgreSQL syncs two providers at once; reports keep the given order,
    a provider named twice syncs once. Commits for real, so the test removes its rows after."""
    from core.db import make_session_factory

    sources = ["vast", "aws", "gcp", "vast"]
    adapters = {f"copytest-{s}": copy_adapter(settings, s) for s in sources}
    ids = [f"copytest-{s}" for s in sources]
    seen: list[str] = []
    try:
        report = run_sync(
            make_session_factory(engine),
            settings,
            providers=ids,
            adapters=adapters,
            on_progress=lambda provider, done, total: seen.append(f"{provider} {done}/{total}"),
        )
        assert [p.provider for p in report.providers] == ["copytest-vast", "copytest-aws", "copytest-gcp"]
        assert seen == ["copytest-vast 1/3", "copytest-aws 2/3", "copytest-gcp 3/3"]
        assert all(p.error is None and p.inserted > 0 for p in report.providers)
        with Session(engine) as db:
            for p in report.providers:
                assert db.scalar(select(Offer.id).where(Offer.provider == p.provider).limit(1))
    finally:
        with Session(engine) as db, db.begin():
            names = list(adapters)
            offer_ids = select(Offer.id).where(Offer.provider.in_(names))
            db.execute(delete(PriceHistory).where(PriceHistory.offer_id.in_(offer_ids)))
            db.execute(delete(Offer).where(Offer.provider.in_(names)))
            db.execute(delete(ProviderHealth).where(ProviderHealth.provider.in_(names)))
            db.execute(delete(Provider).where(Provider.id.in_(names)))
    if backend == "postgresql":
        assert ingest.PG_SYNC_WORKERS == 2
