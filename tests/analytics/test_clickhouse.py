"""The ClickHouse backend (through chDB, ClickHouse's engine embedded in this process) against the SQL
one on the same seeded rows: equal answers, field for field, on both main databases. Also the exporter:
re-exporting changes nothing, an incremental export picks up changes, and the URL forms."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from analytics import clickhouse, export, repository, service
from analytics.facts import build_report, reference_days
from core.cache import MemoryCache
from core.settings import Settings
from tests.analytics.conftest import (
    END,
    PRICE_DAY,
    PRICES,
    START,
    Seeded,
    add_booking,
    add_usage,
    assert_seeded,
)

pytest.importorskip("chdb")

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def ch_url() -> str:
    return f"chdb://memory/kpi_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def ch(ch_url: str) -> Iterator[clickhouse.ClickHouse]:
    with clickhouse.temporary(ch_url) as conn:
        yield conn


def count(ch: clickhouse.ClickHouse, table: str) -> int:
    return int(ch.query(f"SELECT count() FROM {{db}}.{table} FINAL")[0][0])


def test_clickhouse_answers_equal_the_sql_answers(
    db: Session, seeded: Seeded, ch: clickhouse.ClickHouse
) -> None:
    export.export(db, ch)
    for tenant in (seeded.team.tenant_id, seeded.other.tenant_id):
        for start, end in ((START, END), (datetime(2026, 9, 1).date(), datetime(2026, 10, 31).date())):
            sql = build_report(
                repository.tenant_facts(db, tenant, start, end), tenant, start, end, "sql", NOW
            )
            chq = build_report(
                clickhouse.tenant_facts(ch, tenant, start, end), tenant, start, end, "sql", NOW
            )
            assert chq == sql
    days = reference_days(PRICE_DAY)
    assert clickhouse.price_facts(ch, days) == repository.price_facts(db, days)
    # And on the catalog as ingested (today's prices of every family).
    today = reference_days(datetime.now(UTC).date())
    assert clickhouse.price_facts(ch, today) == repository.price_facts(db, today)


def test_the_service_answers_from_clickhouse_when_its_url_is_set(
    db: Session, settings: Settings, seeded: Seeded, ch_url: str, ch: clickhouse.ClickHouse
) -> None:
    on_ch = settings.model_copy(
        update={"clickhouse_url": SecretStr(ch_url), "clickhouse_export_interval_s": 3600}
    )
    report = service.tenant_report(db, on_ch, MemoryCache(), seeded.team.tenant_id, START, END)
    assert report.backend == "clickhouse"
    assert_seeded(report)  # exported on first use, then queried there
    catalog = service.catalog_report(db, on_ch, MemoryCache(), PRICE_DAY)
    assert catalog.backend == "clickhouse"
    rows = {r.family: r.model_dump(mode="json") for r in catalog.family_prices}
    assert {f: {k: rows[f][k] for k in want} for f, want in PRICES.items()} == PRICES


def test_exporting_again_changes_nothing_and_an_increment_picks_up_changes(
    db: Session, seeded: Seeded, ch: clickhouse.ClickHouse
) -> None:
    first = export.export(db, ch)
    assert first["bookings"] >= 15 and first["usage_records"] >= 11 and first["invoices"] >= 5
    counts = {t: count(ch, t) for t in clickhouse.TABLES}
    before = clickhouse.tenant_facts(ch, seeded.team.tenant_id, START, END)
    export.export(db, ch, full=True)  # every row again
    assert {t: count(ch, t) for t in clickhouse.TABLES} == counts
    assert clickhouse.tenant_facts(ch, seeded.team.tenant_id, START, END) == before

    # A booking made now: the incremental run sends it (and little else).
    booking = add_booking(
        db,
        seeded.team,
        state="active",
        created="2026-10-06 10:00",
        submitted="2026-10-06 10:00",
        activated="2026-10-06 10:00:20",
    )
    usage = add_usage(db, booking, "2026-10-06", "3.000000", "7.47")
    booking.updated_at = usage.metered_at = datetime.now(UTC)
    db.flush()
    sent = export.export(db, ch)
    # The rows changed since the newest held, plus those of the last OVERLAP before it (sent again, harmless).
    assert 1 <= sent["bookings"] < first["bookings"] and sent["invoices"] <= 1
    after = clickhouse.tenant_facts(ch, seeded.team.tenant_id, START, END)
    assert after == repository.tenant_facts(db, seeded.team.tenant_id, START, END)
    assert after.active_now == before.active_now + 1
    assert count(ch, "bookings") == counts["bookings"] + 1


def test_ensure_fresh_exports_at_most_once_per_interval(
    db: Session, seeded: Seeded, ch: clickhouse.ClickHouse
) -> None:
    assert export.ensure_fresh(db, ch, 3600) is not None
    assert export.ensure_fresh(db, ch, 3600) is None
    assert export.ensure_fresh(db, ch, 0) is not None


@pytest.mark.parametrize(
    ("url", "kwargs", "database"),
    [
        (
            "http://default:secret@ch.internal:8123/analytics",
            {"dsn": "http://default:secret@ch.internal:8123"},
            "analytics",
        ),
        ("https://ch.example.com:8443", {"dsn": "https://ch.example.com:8443"}, "gpubroker"),
        ("chdb://memory/kpis", {"interface": "chdb", "path": ":memory:"}, "kpis"),
        (
            "chdb:///var/lib/gpubroker/ch?database=kpis",
            {"interface": "chdb", "path": "/var/lib/gpubroker/ch"},
            "kpis",
        ),
    ],
)
def test_clickhouse_urls(url: str, kwargs: dict[str, str], database: str) -> None:
    assert clickhouse.parse_url(url) == (kwargs, database)


@pytest.mark.parametrize("url", ["mysql://x/y", "http://h:8123/bad-name;DROP", "chdb://somewhere/x"])
def test_bad_clickhouse_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"ClickHouse|chdb"):
        clickhouse.parse_url(url)
