"""The KPIs computed with SQL on the main database (both backends): exact figures of a seeded week,
another team's rows never counted, an empty team, the range rules and the cache."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from analytics import repository, service
from analytics.facts import reference_days
from core.cache import MemoryCache
from core.errors import InvalidInput
from core.settings import Settings
from tests.analytics.conftest import (
    END,
    PRICE_DAY,
    PRICES,
    START,
    Seeded,
    add_booking,
    assert_seeded,
    new_team,
)


def test_a_seeded_week_has_the_figures_worked_out_by_hand(
    db: Session, settings: Settings, seeded: Seeded
) -> None:
    report = service.tenant_report(db, settings, MemoryCache(), seeded.team.tenant_id, START, END)
    assert report.backend == "sql"
    assert_seeded(report)


def test_another_teams_bookings_are_never_counted(db: Session, settings: Settings, seeded: Seeded) -> None:
    other = service.tenant_report(db, settings, MemoryCache(), seeded.other.tenant_id, START, END)
    # Team B's own figures: 3 active H200 x 8 bookings of 10 h each, one failure, one invoice.
    assert other.totals.created == 4 and other.totals.failed == 1
    assert other.gpu_hours == 240 and other.revenue_usd == 1500
    assert [f.name for f in other.top_gpu_families] == ["H200"]
    assert other.active_now == 3 and other.invoices_issued == 1
    # ...and nothing of team A's.
    mine = repository.tenant_facts(db, seeded.team.tenant_id, START, END)
    assert "H200" not in mine.by_family and mine.active_now == 2


def test_a_new_team_has_zeros_and_no_rates(db: Session, settings: Settings, seeded: Seeded) -> None:
    team = new_team(db, settings, "Brand new")
    report = service.tenant_report(db, settings, MemoryCache(), team.tenant_id, START, END)
    assert report.totals.created == 0 and report.gpu_hours == 0 and report.revenue_usd == 0
    assert report.success_rate is None and report.median_time_to_active_s is None
    assert report.top_gpu_families == [] and report.top_providers == []
    assert len(report.days) == 7 and all(d.created == 0 for d in report.days)


def test_catalog_price_medians_as_of_a_day_7_and_30_days_before(db: Session, seeded: Seeded) -> None:
    from analytics.facts import family_prices

    rows = {
        r.family: r for r in family_prices(repository.price_facts(db, reference_days(PRICE_DAY)), PRICE_DAY)
    }
    assert set(rows) == set(PRICES)
    for family, want in PRICES.items():
        got = rows[family].model_dump(mode="json")
        assert {k: got[k] for k in want} == want, family


def test_catalog_report_counts_offers_and_providers(db: Session, settings: Settings, seeded: Seeded) -> None:
    report = service.catalog_report(db, settings, MemoryCache(), PRICE_DAY)
    assert report.offers_total == sum(p.total for p in report.offers_by_provider) > 1000
    assert all(p.total == p.up + p.degraded + p.down for p in report.offers_by_provider)
    assert sum(report.providers_by_status.values()) == len(report.providers) > 10
    assert [r.family for r in report.family_prices] == ["ZX1", "ZX2"]


def test_range_defaults_to_the_last_30_days() -> None:
    today = date(2026, 11, 27)
    assert service.resolve_range(None, None, today) == (date(2026, 10, 29), today)
    assert service.resolve_range(date(2026, 11, 1), None, today) == (date(2026, 11, 1), today)
    assert service.resolve_range(None, date(2026, 1, 30), today) == (date(2026, 1, 1), date(2026, 1, 30))
    assert service.resolve_range(date(2025, 11, 27), today, today)[0] == date(2025, 11, 27)  # 366 days


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (date(2026, 10, 7), date(2026, 10, 1), "end", "before start"),
        (date(2025, 1, 1), date(2026, 1, 2), "start", "367 days"),
    ],
)
def test_bad_ranges_are_refused_naming_the_field(start: date, end: date, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        service.resolve_range(start, end)
    assert err.value.status == 422 and words in err.value.message
    assert err.value.details[0]["field"] == field


def test_answers_are_cached_per_team_and_range(db: Session, settings: Settings, seeded: Seeded) -> None:
    cache = MemoryCache()
    team = seeded.team.tenant_id
    first = service.tenant_report(db, settings, cache, team, START, END)
    key = service.report_key("sql", team, START, END)
    assert cache.get(key) is not None
    add_booking(db, seeded.team, state="draft", created="2026-10-06 10:00")
    db.flush()
    # Within the TTL the cached answer is served (the new draft is not counted yet)...
    again = service.tenant_report(db, settings, cache, team, START, END)
    assert again.totals.created == first.totals.created == 8
    assert again.generated_at == first.generated_at
    # ...another range or team is its own entry...
    wider = service.tenant_report(db, settings, cache, team, START - timedelta(days=1), END)
    assert wider.totals.created == 9
    # ...and once the entry is gone the new booking shows.
    cache.clear()
    assert service.tenant_report(db, settings, cache, team, START, END).totals.created == 9
    # A TTL of 0 turns the cache off.
    uncached = settings.model_copy(update={"kpi_cache_ttl_s": 0})
    cache.clear()
    service.tenant_report(db, uncached, cache, team, START, END)
    assert cache.get(key) is None


def test_cached_answers_survive_the_redis_round_trip(
    settings: Settings, db: Session, seeded: Seeded, cache: Any
) -> None:
    # The shared cache fixture is Redis on PostgreSQL and the in-process LRU on SQLite.
    first = service.tenant_report(db, settings, cache, seeded.team.tenant_id, START, END)
    second = service.tenant_report(db, settings, cache, seeded.team.tenant_id, START, END)
    assert second == first
    assert_seeded(second)


def test_the_platform_report_is_the_sum_of_the_teams(db: Session, settings: Settings, seeded: Seeded) -> None:
    teams = [
        service.tenant_report(db, settings, MemoryCache(), t.tenant_id, START, END)
        for t in (seeded.team, seeded.other)
    ]
    platform = service.platform_report(db, settings, MemoryCache(), START, END)
    assert platform.tenant_id == "all"
    # The seeded teams are the only ones with bookings in the range on this database.
    assert platform.totals.created == sum(t.totals.created for t in teams)
    assert platform.totals.failed == sum(t.totals.failed for t in teams)
    assert platform.gpu_hours == sum(t.gpu_hours for t in teams)
    assert platform.revenue_usd == sum(t.revenue_usd for t in teams)
    assert platform.active_now >= sum(t.active_now for t in teams)  # "now" is not bound to the range
    assert platform.invoices_issued == sum(t.invoices_issued for t in teams)
