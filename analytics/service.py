"""KPI rules: which range is asked for, which backend answers, and the cache in front of both.

A team's report covers UTC days ``start`` to ``end`` inclusive (by default the 30 days up to today) and
at most :data:`MAX_RANGE_DAYS`; it only ever reads the caller's own tenant. The catalog's figures are
public. Answers are cached in the app cache for ``GPUBROKER_KPI_CACHE_TTL_S`` seconds under a key made of
the backend, the team and the range (the catalog's key carries the catalog version instead of a team),
so a figure is at most that old. With ``GPUBROKER_CLICKHOUSE_URL`` set the team's facts and the price
medians come from ClickHouse (exported there first when the last export is older than the export
interval); offer counts and provider health are small current-state tables read from the main
database either way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from analytics import repository
from analytics.facts import build_report, family_prices, reference_days
from analytics.schemas import Backend, CatalogKpis, KpiReport, ProviderOffers, ProviderSync
from catalog import service as catalog_service
from core.errors import InvalidInput
from core.settings import Settings

DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 366
CACHE_PREFIX = "kpis:v1"


def today_utc() -> date:
    return datetime.now(UTC).date()


def resolve_range(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    """The days asked for, defaults filled in: ``end`` is today, ``start`` 29 days before ``end``."""
    end = end or today or today_utc()
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if end < start:
        raise InvalidInput(
            f"end ({end}) is before start ({start})",
            details=[{"field": "end", "message": "must not be before start"}],
        )
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"the range from {start} to {end} is {days} days; at most {MAX_RANGE_DAYS} are allowed",
            details=[{"field": "start", "message": f"more than {MAX_RANGE_DAYS} days before end"}],
        )
    return start, end


def backend_of(settings: Settings) -> Backend:
    return "clickhouse" if settings.clickhouse_url is not None else "sql"


def _clickhouse(session: Session, settings: Settings) -> Any:
    from analytics import clickhouse, export

    assert settings.clickhouse_url is not None  # nosec B101  # the caller checked clickhouse_url
    ch = clickhouse.connect(settings.clickhouse_url.get_secret_value())
    export.ensure_fresh(session, ch, settings.clickhouse_export_interval_s)
    return ch


def report_key(backend: Backend, tenant_id: str, start: date, end: date) -> str:
    return f"{CACHE_PREFIX}:{backend}:tenant:{tenant_id}:{start.isoformat()}:{end.isoformat()}"


def tenant_report(
    session: Session,
    settings: Settings,
    cache: Any,
    tenant_id: str,
    start: date | None = None,
    end: date | None = None,
) -> KpiReport:
    """The team's KPIs for the range (validated here: a bad range is a 422 naming the field)."""
    start, end = resolve_range(start, end)
    backend = backend_of(settings)
    key = report_key(backend, tenant_id, start, end)
    ttl = settings.kpi_cache_ttl_s
    if ttl > 0 and (hit := cache.get(key)) is not None:
        return KpiReport.model_validate(hit)
    if backend == "clickhouse":
        from analytics import clickhouse

        facts = clickhouse.tenant_facts(_clickhouse(session, settings), tenant_id, start, end)
    else:
        facts = repository.tenant_facts(session, tenant_id, start, end)
    report = build_report(facts, tenant_id, start, end, backend, datetime.now(UTC))
    if ttl > 0:
        cache.set(key, report.model_dump(mode="json"), ttl)
    return report


PLATFORM = "all"


def platform_report(
    session: Session, settings: Settings, cache: Any, start: date | None = None, end: date | None = None
) -> KpiReport:
    """Every team's KPIs summed, for platform operators (``tenant_id`` is ``"all"``). Always computed
    with SQL on the main database, also when ClickHouse serves the team reports."""
    start, end = resolve_range(start, end)
    key = report_key("sql", PLATFORM, start, end)
    ttl = settings.kpi_cache_ttl_s
    if ttl > 0 and (hit := cache.get(key)) is not None:
        return KpiReport.model_validate(hit)
    facts = repository.tenant_facts(session, None, start, end)
    report = build_report(facts, PLATFORM, start, end, "sql", datetime.now(UTC))
    if ttl > 0:
        cache.set(key, report.model_dump(mode="json"), ttl)
    return report


def catalog_report(session: Session, settings: Settings, cache: Any, day: date | None = None) -> CatalogKpis:
    """Public catalog KPIs: offers per provider and availability, provider sync health, and the median
    on-demand $/GPU-h of each GPU family as of ``day`` (today), 7 and 30 days before."""
    day = day or today_utc()
    backend = backend_of(settings)
    key = f"{CACHE_PREFIX}:{backend}:catalog:{cache.version()}:{day.isoformat()}"
    ttl = settings.kpi_cache_ttl_s
    if ttl > 0 and (hit := cache.get(key)) is not None:
        return CatalogKpis.model_validate(hit)
    if backend == "clickhouse":
        from analytics import clickhouse

        prices = clickhouse.price_facts(_clickhouse(session, settings), reference_days(day))
    else:
        prices = repository.price_facts(session, reference_days(day))
    by_provider = [
        ProviderOffers(provider=p, total=sum(counts.values()), **counts)
        for p, counts in sorted(repository.offers_by_provider(session).items())
    ]
    health = [ProviderSync.model_validate(row) for row in catalog_service.provider_health(session)]
    statuses: dict[str, int] = {}
    for row in health:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    report = CatalogKpis(
        day=day,
        backend=backend,
        offers_total=sum(p.total for p in by_provider),
        offers_by_provider=by_provider,
        providers=health,
        providers_by_status=statuses,
        family_prices=family_prices(prices, day),
        generated_at=datetime.now(UTC),
    )
    if ttl > 0:
        cache.set(key, report.model_dump(mode="json"), ttl)
    return report
