"""KPI computation time: SQL on SQLite and PostgreSQL, and ClickHouse (chDB, embedded in this process).

For each size N it builds a database of its own (``gpubroker_bench_kpis_<N>`` on PostgreSQL, the same name
under var/bench/ for SQLite): migrated, the bundled catalog synced, then one team with N bookings spread
over the last 365 days (every state: drafts, failures, cancellations, completed and running ones, on 5
GPU families and 8 providers) and N usage records (one per booking that ran), an invoice per day, plus
49 small teams; and the offers' price history: each on-demand offer observed again every 3 days for 30
days. ClickHouse gets the same rows through the exporter (its time is printed too).

Timed, uncached (the service's cache is what a repeated request hits): the team's report for the last
30 days and for 365 days (all the facts of ``analytics.facts.TenantFacts`` and the report built from
them), and the catalog's price medians (today, 7 and 30 days ago). Prints p50/p95 in ms of R runs.

    .venv/bin/python -m bench.bench_kpis --sizes 10000,100000 --runs 20 [--backends sqlite,postgresql,clickhouse]
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from analytics import clickhouse, export, repository
from analytics.facts import build_report, reference_days
from bench.common import (
    bench_settings,
    drop_database,
    engine_and_factory,
    machine_header,
    markdown_table,
    percentile,
    recreate_database,
    rows_label,
)
from billing.models import Invoice, UsageRecord
from booking.models import Booking
from catalog.models import Offer, PriceHistory

FAMILIES = ("H100", "A100", "L40S", "H200", "RTX4090")
PROVIDERS = ("aws", "gcp", "lambda", "runpod", "vast", "shadeform", "cudo", "oci")
TEAMS = 50


def build(backend: str, n: int, today: date) -> tuple[str, sessionmaker[Session], Any]:
    """A fresh database for ``n`` bookings; returns (url, session factory, engine) and the big team."""
    from api.cli import migrate
    from catalog.ingest import run_sync

    name = f"gpubroker_bench_kpis_{rows_label(n)}"
    url = recreate_database(backend, name)
    settings = bench_settings(url)
    migrate(settings)
    engine, factory = engine_and_factory(url)
    run_sync(factory, settings)
    return url, factory, engine


def seed(factory: sessionmaker[Session], n: int, today: date) -> str:
    """N bookings and N usage records for one team (and a few for 49 others); returns the team's id."""
    from accounts import service as accounts
    from accounts.models import Role

    rng = random.Random(42)
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
    settings = bench_settings("sqlite://")
    with factory() as session:
        teams = []
        for i in range(TEAMS):
            tenant = accounts.new_tenant(session, settings, f"Bench team {i}")
            user = accounts.new_user(
                session, tenant, f"kpi-bench-{i}-{uuid.uuid4().hex[:6]}@example.com", Role.ADMIN, None, None
            )
            teams.append((tenant.id, user.id))
        session.flush()
        bookings: list[dict[str, Any]] = []
        usage: list[dict[str, Any]] = []
        big = teams[0]
        for i in range(n + (TEAMS - 1) * 20):
            tenant_id, user_id = big if i < n else teams[1 + (i - n) // 20]
            created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
            fate = rng.random()
            state = (
                "draft" if fate < 0.05 else "cancelled" if fate < 0.1 else "failed" if fate < 0.18 else "ran"
            )
            submitted = created + timedelta(seconds=rng.uniform(1, 60)) if state != "draft" else None
            activated = (
                submitted + timedelta(seconds=rng.uniform(20, 300)) if state == "ran" and submitted else None
            )
            hours = rng.choice((0.5, 1, 2, 4, 8, 12, 20))
            ended: datetime | None = None
            if state in ("cancelled", "failed") and submitted:
                ended = submitted + timedelta(minutes=2)
            elif activated is not None:
                ended = activated + timedelta(hours=hours)
                if ended > now:
                    ended = None
            state = "completed" if state == "ran" and ended else "active" if state == "ran" else state
            price = Decimal(str(round(rng.uniform(0.3, 40), 4)))
            count = rng.choice((1, 1, 2, 4, 8))
            booking_id = str(uuid.uuid4())
            bookings.append(
                {
                    "id": booking_id,
                    "tenant_id": tenant_id,
                    "user_id": user_id,
                    "offer_id": None,
                    "provider_id": rng.choice(PROVIDERS),
                    "offer_name": "bench",
                    "gpu_type": rng.choice(FAMILIES),
                    "gpu_count": count,
                    "region": "us-east-1",
                    "hourly_price": price,
                    "currency": "USD",
                    "hours": float(hours),
                    "state": state,
                    "version": 1,
                    "created_at": created,
                    "updated_at": ended or activated or submitted or created,
                    "submitted_at": submitted,
                    "activated_at": activated,
                    "ended_at": ended,
                }
            )
            if activated is not None:
                used = Decimal(str(min(hours, 24 - activated.hour - activated.minute / 60))).quantize(
                    Decimal("0.000001")
                )
                usage.append(
                    {
                        "id": str(uuid.uuid4()),
                        "booking_id": booking_id,
                        "tenant_id": tenant_id,
                        "day": activated.date(),
                        "started_at": activated,
                        "ended_at": activated + timedelta(hours=1),
                        "hours": used,
                        "unit_price": price,
                        "amount": (used * price).quantize(Decimal("0.01")),
                        "currency": "USD",
                        "final": True,
                        "metered_at": ended or now,
                    }
                )
        # Top the team's usage up to N records (a long booking meters one record per day).
        extra = 0
        ran = [b for b in bookings[:n] if b["activated_at"] is not None]
        missing = n - sum(1 for u in usage if u["tenant_id"] == big[0])
        while extra < missing:
            b = ran[extra % len(ran)]
            day = b["activated_at"].date() + timedelta(days=1 + extra // len(ran))
            usage.append(
                {
                    "id": str(uuid.uuid4()),
                    "booking_id": b["id"],
                    "tenant_id": b["tenant_id"],
                    "day": day,
                    "started_at": b["activated_at"],
                    "ended_at": b["activated_at"],
                    "hours": Decimal("24.000000"),
                    "unit_price": b["hourly_price"],
                    "amount": (24 * b["hourly_price"]).quantize(Decimal("0.01")),
                    "currency": "USD",
                    "final": True,
                    "metered_at": now,
                }
            )
            extra += 1
        for chunk in range(0, len(bookings), 5000):
            session.execute(insert(Booking), bookings[chunk : chunk + 5000])
        for chunk in range(0, len(usage), 5000):
            session.execute(insert(UsageRecord), usage[chunk : chunk + 5000])
        invoices = []
        for back in range(365):
            day = today - timedelta(days=back + 1)
            invoices.append(
                {
                    "id": str(uuid.uuid4()),
                    "tenant_id": big[0],
                    "number": f"INV-B-{back:06d}",
                    "day": day,
                    "period_start": now,
                    "period_end": now,
                    "status": "issued",
                    "bill_to_name": "Bench",
                    "bill_to_email": None,
                    "subtotal_usd": Decimal("100.00"),
                    "currency": "USD",
                    "fx_rate": Decimal("1"),
                    "fx_rate_date": day,
                    "fx_source": "bench",
                    "total": Decimal("100.00"),
                    "issued_at": datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC),
                }
            )
        session.execute(insert(Invoice), invoices)
        offers = session.execute(select(Offer).where(Offer.spot.is_(False))).scalars().all()
        history = [
            {
                "offer_id": o.id,
                "provider": o.provider,
                "gpu_family": o.gpu_family,
                "gpu_variant": o.gpu_variant,
                "gpu_count": o.gpu_count,
                "market": None,
                "region": o.region,
                "spot": False,
                "price_per_hour": o.price_per_hour,
                "price_per_gpu_hour": o.price_per_gpu_hour,
                "currency": "USD",
                "observed_at": now - timedelta(days=back),
                "source": "bench",
            }
            for o in offers
            for back in range(3, 33, 3)
        ]
        for chunk in range(0, len(history), 5000):
            session.execute(insert(PriceHistory), history[chunk : chunk + 5000])
        session.commit()
        return big[0]


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm the caches of the engine (and the connection pool)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return {"p50": percentile(samples, 50), "p95": percentile(samples, 95)}


def measure(
    label: str,
    n: int,
    facts_of: Callable[..., Any],
    prices_of: Callable[..., Any],
    tenant: str,
    today: date,
    runs: int,
) -> list[list[Any]]:
    rows = []
    for days in (30, 365):
        start = today - timedelta(days=days - 1)

        def report(start: date = start) -> Any:
            return build_report(
                facts_of(tenant, start, today), tenant, start, today, "sql", datetime.now(UTC)
            )

        t = timed(report, runs)
        rows.append([label, rows_label(n), f"team report, {days} days", f"{t['p50']:.1f}", f"{t['p95']:.1f}"])
    t = timed(lambda: prices_of(reference_days(today)), runs)
    rows.append([label, rows_label(n), "catalog price medians", f"{t['p50']:.1f}", f"{t['p95']:.1f}"])
    return rows


def main(argv: list[str] | None = None) -> list[list[Any]]:
    p = argparse.ArgumentParser(prog="python -m bench.bench_kpis", description=__doc__.split("\n")[0])
    p.add_argument(
        "--sizes", default="10000,100000", help="bookings (and usage records) of the measured team"
    )
    p.add_argument("--runs", type=int, default=20, help="timed runs per figure")
    p.add_argument("--backends", default="sqlite,postgresql,clickhouse")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = p.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    today = datetime.now(UTC).date()
    print(machine_header())
    table: list[list[Any]] = []
    notes: list[str] = []
    for n in (int(s) for s in args.sizes.split(",")):
        for backend in ("sqlite", "postgresql"):
            if backend not in backends and not (backend == "sqlite" and "clickhouse" in backends):
                continue
            t0 = time.perf_counter()
            _, factory, engine = build(backend, n, today)
            tenant = seed(factory, n, today)
            notes.append(f"{backend} {rows_label(n)}: built and seeded in {time.perf_counter() - t0:.0f} s")
            with factory() as session:
                if backend in backends:
                    table += measure(
                        backend,
                        n,
                        lambda t, s, e, session=session: repository.tenant_facts(session, t, s, e),
                        lambda days, session=session: repository.price_facts(session, days),
                        tenant,
                        today,
                        args.runs,
                    )
                if backend == "sqlite" and "clickhouse" in backends:
                    with clickhouse.temporary(f"chdb://memory/bench_kpis_{rows_label(n)}") as ch:
                        t0 = time.perf_counter()
                        sent = export.export(session, ch)
                        notes.append(
                            f"clickhouse {rows_label(n)}: export of {sent} in {time.perf_counter() - t0:.1f} s"
                        )
                        t0 = time.perf_counter()
                        again = export.export(session, ch)
                        notes.append(
                            f"clickhouse {rows_label(n)}: incremental export with nothing new ({again}) "
                            f"in {time.perf_counter() - t0:.2f} s"
                        )
                        table += measure(
                            "clickhouse (chdb)",
                            n,
                            lambda t, s, e, ch=ch: clickhouse.tenant_facts(ch, t, s, e),
                            lambda days, ch=ch: clickhouse.price_facts(ch, days),
                            tenant,
                            today,
                            args.runs,
                        )
            engine.dispose()
            if not args.keep:
                drop_database(backend, f"gpubroker_bench_kpis_{rows_label(n)}")
    print()
    print(markdown_table(["backend", "bookings + usage", "what", "p50 ms", "p95 ms"], table))
    print()
    for note in notes:
        print(f"- {note}")
    return table


if __name__ == "__main__":
    main()
