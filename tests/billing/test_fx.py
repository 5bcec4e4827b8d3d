"""FX rates: the ECB reference rates bundled with ``currencyconverter`` and the ECB daily XML.

Expected figures are read back through ``currencyconverter``'s own parser (not ours), so a test
compares two readings of the same ECB file; nothing here is a made-up rate.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from currency_converter import CurrencyConverter, RateNotFoundError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing import fx
from billing.errors import FxRateUnavailable, FxSourceError
from billing.models import FxRate
from tests.support import serve

FIXTURE = Path(__file__).parent / "fixtures" / "eurofxref-daily.xml"
EIGHT = Decimal("0.00000001")


@pytest.fixture(scope="module")
def ecb() -> CurrencyConverter:
    # No fallbacks: a day the ECB did not publish raises instead of being filled in.
    return CurrencyConverter(decimal=True, fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def eur_to(ecb: CurrencyConverter, currency: str, day: date) -> Decimal:
    return Decimal(str(ecb.convert(1, "EUR", currency, day)))


def test_bundled_history_is_the_ecb_file(ecb: CurrencyConverter) -> None:
    history = fx.bundled_rates()
    assert min(history) == date(1999, 1, 4)
    day = date(2026, 10, 14)
    assert history[day]["USD"] == eur_to(ecb, "USD", day)
    assert history[day]["GBP"] == eur_to(ecb, "GBP", day)
    version = importlib.metadata.version("currencyconverter")
    assert (
        fx.bundled_source() == f"ECB euro reference rates (eurofxref-hist, via currencyconverter {version})"
    )


def test_supported_currencies_are_those_the_ecb_still_quotes() -> None:
    supported = fx.supported_currencies()
    assert {"EUR", "USD", "GBP", "JPY", "CHF"} <= supported
    # Quoted once, not any more: no current rate to bill with.
    assert "RUB" not in supported
    assert "DEM" not in supported and "CYP" not in supported


def test_usd_to_eur_is_the_inverse_of_the_days_usd_rate(db: Session, ecb: CurrencyConverter) -> None:
    day = date(2026, 10, 14)  # a Wednesday
    conversion = fx.usd_to(db, "EUR", day)
    eur_usd = eur_to(ecb, "USD", day)
    assert conversion.rate == (Decimal(1) / eur_usd).quantize(EIGHT, rounding=ROUND_HALF_UP)
    assert conversion.rate_date == day
    assert conversion.source.startswith(fx.bundled_source())
    assert f"1 / {eur_usd} (EUR->USD)" in conversion.source
    stored = db.execute(select(FxRate).where(FxRate.rate_date == day, FxRate.quote == "USD")).scalar_one()
    assert (stored.base, stored.rate, stored.source) == ("EUR", eur_usd, fx.bundled_source())


def test_cross_rate_via_eur(db: Session, ecb: CurrencyConverter) -> None:
    day = date(2026, 10, 14)
    conversion = fx.usd_to(db, "gbp", day)
    gbp, usd = eur_to(ecb, "GBP", day), eur_to(ecb, "USD", day)
    assert conversion.currency == "GBP"
    assert conversion.rate == (gbp / usd).quantize(EIGHT, rounding=ROUND_HALF_UP)
    assert f"USD->GBP = {gbp} (EUR->GBP) / {usd} (EUR->USD)" in conversion.source


def test_a_day_without_publication_uses_the_latest_earlier_one(db: Session, ecb: CurrencyConverter) -> None:
    saturday = date(2026, 10, 10)
    with pytest.raises(RateNotFoundError):
        ecb.convert(1, "EUR", "USD", saturday)
    conversion = fx.usd_to(db, "EUR", saturday)
    assert conversion.rate_date == date(2026, 10, 9)  # Friday
    assert conversion.rate == (Decimal(1) / eur_to(ecb, "USD", date(2026, 10, 9))).quantize(
        EIGHT, ROUND_HALF_UP
    )
    assert "of 2026-10-09" in conversion.source


def test_past_the_newest_data_the_newest_rate_is_used_and_dated(db: Session) -> None:
    newest = max(fx.bundled_rates())
    conversion = fx.usd_to(db, "EUR", date(2026, 11, 26))
    assert conversion.rate_date == newest


def test_usd_needs_no_rate(db: Session) -> None:
    conversion = fx.usd_to(db, "USD", date(2026, 10, 14))
    assert conversion.rate == 1 and conversion.rate_date == date(2026, 10, 14)
    assert "no conversion" in conversion.source


def test_no_rate_is_invented(db: Session) -> None:
    with pytest.raises(FxRateUnavailable):
        fx.usd_to(db, "XYZ", date(2026, 10, 14))
    with pytest.raises(FxRateUnavailable):
        fx.usd_to(db, "EUR", date(1998, 12, 31))  # before the ECB's first publication


def test_parse_the_ecb_daily_xml() -> None:
    day, rates = fx.parse_daily_xml(FIXTURE.read_bytes())
    history = fx.bundled_rates()
    assert day == date(2026, 10, 30)
    # The same ECB figures as the history file of that day.
    assert rates == {c: history[day][c] for c in rates}
    assert rates["USD"] == Decimal("1.1172")
    assert len(rates) == 29


@pytest.mark.parametrize(
    "body", [b"not xml", b"<html><body>maintenance</body></html>", b"<Cube><Cube time='x'/></Cube>"]
)
def test_a_page_that_is_not_the_ecb_xml_is_refused(body: bytes) -> None:
    with pytest.raises(FxSourceError):
        fx.parse_daily_xml(body)


@pytest.fixture(scope="module")
def ecb_server() -> Iterator[str]:
    """A local HTTP server answering like the ECB: the daily XML at /stats/eurofxref/eurofxref-daily.xml."""

    async def daily(_: Request) -> Response:
        return Response(FIXTURE.read_bytes(), media_type="text/xml")

    async def broken(_: Request) -> Response:
        return Response("unavailable", status_code=503)

    app = Starlette(
        routes=[
            Route("/stats/eurofxref/eurofxref-daily.xml", daily),
            Route("/broken.xml", broken),
        ]
    )
    with serve(app) as url:
        yield url


def test_fetch_the_daily_xml_and_store_it(db: Session, ecb_server: str, ecb: CurrencyConverter) -> None:
    url = f"{ecb_server}/stats/eurofxref/eurofxref-daily.xml"
    # The seeded catalog's euro listings (Scaleway) may already hold that day's EUR->USD rate from the
    # bundled history; a rate already held stays as it is, and the fetch adds the others.
    held = {
        r.quote: r.source for r in db.execute(select(FxRate)).scalars() if r.rate_date == date(2026, 10, 30)
    }
    assert set(held.values()) <= {fx.bundled_source()}
    day, added = fx.refresh_daily(db, url)
    assert day == date(2026, 10, 30)
    rows = db.execute(select(FxRate).where(FxRate.rate_date == day)).scalars().all()
    assert len(rows) == 29 and added == 29 - len(held)
    assert {r.source for r in rows if r.quote not in held} == {fx.daily_source(url)}
    assert {r.quote: r.rate for r in rows}["CHF"] == eur_to(ecb, "CHF", day)
    # Fetching again adds nothing; an invoice of that day converts with the stored daily rates.
    assert fx.refresh_daily(db, url) == (day, 0)
    conversion = fx.usd_to(db, "CHF", day)
    # Its source names every rate it rests on: the fetched CHF rate (and a USD rate held before it).
    assert conversion.rate_date == day
    assert conversion.source.startswith(f"ECB euro reference rates (eurofxref-daily XML, {url})")
    assert "of 2026-10-30" in conversion.source


def test_an_unreachable_fx_source_is_an_error_not_a_rate(db: Session, ecb_server: str) -> None:
    with pytest.raises(FxSourceError):
        fx.refresh_daily(db, f"{ecb_server}/broken.xml")
