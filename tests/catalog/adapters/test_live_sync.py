"""A live sync of the providers whose bundled catalog came first: through the real pipeline and the
database (SQLite and PostgreSQL), the offers the provider's API prices are the bundled catalog's own
offers, now at the API's price, never second copies of them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.fx import usd_to
from catalog.ingest import CENT, run_sync
from catalog.models import Offer
from core.settings import Settings
from tests.catalog.adapters.recorded import Provider
from tests.catalog.adapters.test_contract import CASES, adapter

# One bundled offer per provider and the price the recorded answer gives it.
REPRICED = {
    "cudo": ("sapphire-rapids-h100_8x96v192gb/no-kristiansand-1", Decimal("15.8272")),
    "digitalocean": ("gpu-h100x8-640gb/tor1", Decimal("23.92")),  # bundled at 47.60
    "ovhcloud": ("a100-180/GRA", Decimal("3.07")),
    "scaleway": ("H100-1-80G/fr-par", Decimal("2.8665")),  # EUR (bundled at 2.52 EUR)
}


def offers_of(db: Session, provider: str) -> dict[str, Offer]:
    return {o.external_id: o for o in db.execute(select(Offer).where(Offer.provider == provider)).scalars()}


@pytest.mark.parametrize("provider", ["cudo", "digitalocean", "ovhcloud", "scaleway"])
def test_a_live_sync_takes_over_the_bundled_offers_it_prices(
    provider: str, factory: sessionmaker[Session], settings: Settings, db: Session
) -> None:
    bundled = offers_of(db, provider)
    live = adapter(provider, Provider(CASES[provider].route))
    report = run_sync(factory, settings, providers=[provider], adapters={provider: live}).providers[0]
    assert report.error is None and report.mode == "live" and report.rejected == 0
    db.expire_all()
    after = offers_of(db, provider)
    up = {k: o for k, o in after.items() if o.availability == "up"}
    assert up and all(o.source == f"{provider} API" for o in up.values())
    # The bundled offers the API prices keep their rows (same id), now with the API's price and date.
    shared = set(bundled) & set(up)
    assert shared
    assert all(after[k].id == bundled[k].id for k in shared)
    key, price = REPRICED[provider]
    if live.currency != "USD":  # converted at the ECB rate of the price's date (catalog.ingest.in_usd)
        price = (price / usd_to(db, live.currency, after[key].price_as_of.date()).rate).quantize(CENT)
    assert key in shared and after[key].price_per_hour == price and after[key].currency == "USD"
    assert len(after) == len(set(bundled) | set(up))  # nothing listed twice
    # The bundled offers the API does not list are no longer up.
    assert all(after[k].availability != "up" for k in set(bundled) - set(up))
