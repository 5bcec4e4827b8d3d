"""The sync pipeline as an operator sees it: counts, rejections, idempotency, degraded providers."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.adapters.base import AdapterError, RawOffer
from catalog.adapters.registry import ADAPTERS
from catalog.adapters.skypilot import SkyPilotCsvAdapter
from catalog.ingest import run_sync
from catalog.models import Offer, PriceHistory, ProviderHealth
from core.settings import Settings


class FixedRowsAdapter(SkyPilotCsvAdapter):
    """A provider whose catalog is a list of rows given by the test (same shape as the snapshot)."""

    provider_id = "lambda"
    name = "Lambda"
    snapshot_file = "lambda.csv"

    def __init__(self, settings: Settings, rows: list[dict[str, Any]]) -> None:
        super().__init__(settings)
        self.rows = rows

    def read_snapshot(self) -> list[dict[str, Any]]:
        return self.rows


class BrokenAdapter(SkyPilotCsvAdapter):
    provider_id = "vast"
    name = "Vast.ai"
    snapshot_file = "vast.csv"

    def read_snapshot(self) -> list[dict[str, Any]]:
        raise AdapterError("HTTP 503 from console.example")

    def parse_row(self, row: dict[str, Any]) -> Iterable[RawOffer]:  # pragma: no cover - never reached
        return []


def row(**over: Any) -> dict[str, Any]:
    base = {
        "InstanceType": "gpu_8x_h100_sxm5",
        "AcceleratorName": "H100",
        "AcceleratorCount": "8",
        "vCPUs": "208",
        "MemoryGiB": "1800",
        "Price": "23.92",
        "Region": "us-east-1",
        "GpuInfo": "{'Gpus': [{'Name': 'H100', 'Count': 8, 'MemoryInfo': {'SizeInMiB': 81920}}]}",
        "SpotPrice": "",
    }
    base.update(over)
    return base


def offers_of(db: Session, provider: str) -> list[Offer]:
    return list(db.execute(select(Offer).where(Offer.provider == provider)).scalars())


def test_bundled_catalog_has_1800_offers_from_21_providers(db: Session) -> None:
    # About 2,200 before issue 10 folded the per-zone rows of one price into regional offers.
    total = db.execute(select(func.count()).select_from(Offer)).scalar_one()
    providers = db.execute(select(func.count(func.distinct(Offer.provider)))).scalar_one()
    assert total >= 1800
    assert providers == len(ADAPTERS) == 21


def test_quirks_are_handled(db: Session) -> None:
    # PrimeIntellect's 99999999 spot placeholder means no spot offer.
    assert not db.execute(
        select(Offer).where(Offer.provider == "primeintellect", Offer.spot.is_(True))
    ).first()
    # Vast's SpotPrice 0.00 is no spot price either; its regions become countries.
    vast = offers_of(db, "vast")
    assert vast and not any(o.spot for o in vast)
    assert {o.country for o in vast} >= {"CZ", "US"}
    # GCP prices the accelerators alone and says so.
    gcp = offers_of(db, "gcp")
    assert gcp and all("accelerator-only-price" in o.tags for o in gcp)
    # Spot prices are offers of their own.
    aws_spot = [o for o in offers_of(db, "aws") if o.spot]
    assert aws_spot and all(o.external_id.endswith("#spot") for o in aws_spot)
    # Shadeform resells other clouds: the seller is a tag.
    assert any(t.startswith("via-") for o in offers_of(db, "shadeform") for t in o.tags)
    # Scaleway lists euros: converted at the ECB rate of the price's date, and tagged as listed in EUR.
    from billing.fx import usd_to
    from catalog.ingest import CENT

    h100 = next(o for o in offers_of(db, "scaleway") if o.external_id == "H100-1-80G/fr-par")
    rate = usd_to(db, "EUR", h100.price_as_of.date()).rate
    assert 0.7 < rate < 1.0
    assert (h100.currency, h100.price_per_hour) == ("USD", (Decimal("2.52") / rate).quantize(CENT))
    assert "listed-in-eur" in h100.tags
    assert {o.currency for o in offers_of(db, "lambda")} == {"USD"}
    assert not [o for o in offers_of(db, "lambda") if "listed-in-eur" in o.tags]


def test_per_gpu_price_is_price_over_count(db: Session) -> None:
    for o in offers_of(db, "lambda")[:50]:
        assert abs(Decimal(o.price_per_gpu_hour) * o.gpu_count - Decimal(o.price_per_hour)) < Decimal(
            "0.0001"
        )


def test_rerunning_a_sync_changes_nothing(
    factory: sessionmaker[Session], settings: Settings, db: Session
) -> None:
    history_before = db.execute(select(func.count()).select_from(PriceHistory)).scalar_one()
    report = run_sync(factory, settings, providers=["aws", "lambda", "vast"])
    totals = report.totals()
    assert totals["inserted"] == 0 and totals["updated"] == 0
    assert totals["unchanged"] > 300
    db.expire_all()
    assert db.execute(select(func.count()).select_from(PriceHistory)).scalar_one() == history_before


def test_malformed_rows_are_rejected_with_reason_and_counted(
    factory: sessionmaker[Session], settings: Settings, db: Session
) -> None:
    rows = [
        row(),
        row(InstanceType="gpu_1x_a10", AcceleratorName="A10", AcceleratorCount="1", Price=""),
        row(InstanceType="gpu_1x_x", AcceleratorName="QuantumGPU", AcceleratorCount="1"),
        row(InstanceType="gpu_2x_a100", AcceleratorName="A100", AcceleratorCount="two"),
        row(InstanceType="gpu_1x_h100", AcceleratorName="H100", AcceleratorCount="1", Price="-3"),
        row(),  # the first row again: a duplicate, dropped without counting as a rejection
        row(Price="24.00"),  # the first row with another price: rejected
    ]
    adapter = FixedRowsAdapter(settings, rows)
    report = run_sync(factory, settings, providers=["lambda"], adapters={"lambda": adapter})
    lam = report.providers[0]
    assert lam.error is None
    assert lam.rejected == 5 and lam.duplicates == 1
    reasons = " | ".join(r.reason for r in lam.rejections)
    for expected in (
        "missing price",
        "unknown accelerator 'QuantumGPU'",
        "gpu count",
        "positive",
        "duplicate",
    ):
        assert expected in reasons
    # The one good row is unchanged (it exists in the bundled catalog); the others went down.
    assert lam.unchanged == 1
    assert lam.down > 100
    db.expire_all()
    up = (
        db.execute(select(Offer).where(Offer.provider == "lambda", Offer.availability == "up"))
        .scalars()
        .all()
    )
    assert len(up) == 1


def test_changed_price_updates_offer_and_appends_history(
    factory: sessionmaker[Session], settings: Settings, db: Session, bus: Any
) -> None:
    base = FixedRowsAdapter(settings, [row(Price="20.00")])
    first = run_sync(factory, settings, providers=["lambda"], adapters={"lambda": base}, bus=bus).providers[0]
    assert first.updated == 1
    again = run_sync(factory, settings, providers=["lambda"], adapters={"lambda": base}).providers[0]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    db.expire_all()
    offer = db.execute(select(Offer).where(Offer.external_id == "gpu_8x_h100_sxm5/us-east-1")).scalar_one()
    assert offer.price_per_hour == Decimal("20.000000")
    assert offer.price_per_gpu_hour == Decimal("2.500000")
    prices = (
        db.execute(
            select(PriceHistory.price_per_hour)
            .where(PriceHistory.offer_id == offer.id)
            .order_by(PriceHistory.id)
        )
        .scalars()
        .all()
    )
    assert [float(p) for p in prices] == [23.92, 20.0]
    message = bus.recent("price_updates")[-1]
    assert message["key"] == "lambda"
    change = next(c for c in message["payload"]["changes"] if c["offer_id"] == offer.id)
    assert (change["old_price"], change["new_price"], change["availability"]) == (23.92, 20.0, "up")


def test_failing_adapter_marks_provider_degraded_and_others_go_on(
    factory: sessionmaker[Session], settings: Settings, db: Session
) -> None:
    report = run_sync(
        factory, settings, providers=["vast", "nebius"], adapters={"vast": BrokenAdapter(settings)}
    )
    by = {p.provider: p for p in report.providers}
    assert by["vast"].error == "HTTP 503 from console.example"
    assert by["nebius"].error is None and by["nebius"].unchanged > 0
    db.expire_all()
    health = db.get(ProviderHealth, "vast")
    assert health is not None and health.status == "degraded"
    assert health.last_error == "HTTP 503 from console.example"
    # The degraded provider's offers stay searchable.
    assert offers_of(db, "vast")


def test_successful_ingestion_invalidates_cached_searches(
    factory: sessionmaker[Session], settings: Settings, cache: Any
) -> None:
    version = cache.version()
    run_sync(
        factory,
        settings,
        providers=["lambda"],
        adapters={"lambda": FixedRowsAdapter(settings, [row(Price="19")])},
        cache=cache,
    )
    assert cache.version() == version + 1
    run_sync(factory, settings, providers=["nebius"], cache=cache)  # nothing changed: the cache stays
    assert cache.version() == version + 1
