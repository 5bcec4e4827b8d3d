"""Scheduled live syncs: one periodic job per live provider on its own interval, jitter, the circuit
breaker (and what /providers/health says meanwhile), live ages, and the providers' rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog import service
from catalog.adapters.base import AdapterError, RateLimiter, with_retries
from catalog.adapters.vast import VastAdapter
from catalog.schedule import JOB_NAME, cron_for, sync_live_provider
from core.db import session_scope
from core.jobs import Runtime, make_app
from core.settings import Settings
from tests.catalog.adapters.recorded import Provider, recorded, sequence


def test_each_live_provider_gets_its_own_periodic_job() -> None:
    import api.worker

    api.worker.load_job_modules()
    settings = Settings(
        live_providers="vast,lambda,nosuch", sync_intervals={"vast": 300}, database_url="sqlite://"
    )
    app = make_app(settings)
    periodic = {p.periodic_id: p for p in app.periodic_registry.periodic_tasks.values()}
    vast, lam = periodic[f"{JOB_NAME}:vast"], periodic[f"{JOB_NAME}:lambda"]
    assert vast.cron == cron_for("vast", 300) and vast.cron.endswith("/5 * * * *")
    assert lam.cron == cron_for("lambda", 600) and lam.cron.endswith("/10 * * * *")
    assert vast.configure_kwargs["task_kwargs"] == {"provider": "vast"}
    assert vast.configure_kwargs["lock"] == f"{JOB_NAME}:vast"
    assert f"{JOB_NAME}:nosuch" not in periodic
    assert cron_for("vast", 3600).split()[1].endswith("-23/1") and cron_for("x", 86400).count(" ") == 4
    assert cron_for("vast", 60) == "* * * * *"


def adapter(settings: Settings, fake: Provider) -> VastAdapter:
    return VastAdapter(settings, fake.client(), sleep=fake.sleeps.append)


def test_failures_open_the_circuit_and_a_good_trial_closes_it(
    live_settings: Settings, live_factory: sessionmaker[Session]
) -> None:
    settings = live_settings.model_copy(
        update={
            "live_providers": "vast",
            "sync_breaker_failures": 3,
            "sync_breaker_open_s": 600,
            "sync_jitter_s": 20,
            "http_retries": 0,
            "provider_rate_limits": {"vast": 0.0},
        }
    )
    rt = Runtime(settings, live_factory)
    clock = [datetime.now(UTC)]
    sleeps: list[float] = []
    down = Provider(sequence(httpx.Response(503, json={"error": "maintenance"})))

    def run(fake: Provider) -> Any:
        return sync_live_provider(
            rt, "vast", sleep=sleeps.append, now=lambda: clock[0], adapters={"vast": adapter(settings, fake)}
        )

    outcomes = [run(down).status for _ in range(3)]
    assert outcomes == ["failed", "failed", "circuit-opened"]
    assert all(0 <= s <= 20 for s in sleeps) and len(sleeps) == 3  # the jitter before each run
    with session_scope(live_factory) as session:
        health = {h["provider"]: h for h in service.provider_health(session, clock[0], settings)}["vast"]
    assert health["status"] == "degraded" and health["failures"] == 3
    assert health["last_error"].startswith("circuit open after 3 failed syncs until ")
    assert "HTTP 503" in health["last_error"]
    # Open: the provider is not asked at all.
    requests_before = len(down.requests)
    assert run(down).status == "skipped" and len(down.requests) == requests_before

    # After the open time the next run is the trial; the provider answers and the circuit closes.
    clock[0] += timedelta(seconds=601)
    good = Provider(sequence(httpx.Response(200, json=recorded("vast/bundles_offers.json"))))
    assert run(good).status == "synced"
    with session_scope(live_factory) as session:
        health = {h["provider"]: h for h in service.provider_health(session, datetime.now(UTC), settings)}[
            "vast"
        ]
    assert (health["status"], health["mode"], health["failures"], health["last_error"]) == (
        "up",
        "live",
        0,
        None,
    )
    assert health["age_s"] < 60 and health["sync_interval_s"] == 600
    # Three intervals later without a sync the live data is stale, never up.
    later = datetime.now(UTC) + timedelta(seconds=3 * 600 + 5)
    with session_scope(live_factory) as session:
        stale = {h["provider"]: h for h in service.provider_health(session, later, settings)}["vast"]
    assert stale["status"] == "stale" and "more than three sync intervals" in stale["last_error"]
    # Back to the bundled snapshot for the other tests (its rows, its own date).
    from catalog.ingest import run_sync

    snapshot = live_settings.model_copy(update={"live_providers": ""})
    assert run_sync(live_factory, snapshot, providers=["vast"]).providers[0].error is None


def test_requests_are_spaced_to_the_providers_rate_limit() -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: clock[0])
    for _ in range(4):
        limiter.wait(sleep)
    assert waits == [0.5, 0.5, 0.5]

    # A 429 with Retry-After is waited out (longer than the backoff), then the request is tried again.
    fake = Provider(
        sequence(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"offers": []}))
    )
    slept: list[float] = []
    with fake.client() as client:

        def call() -> httpx.Response:
            response = client.get("https://console.vast.ai/api/v0/bundles")
            response.raise_for_status()
            return response

        assert with_retries(call, retries=2, sleep=slept.append).status_code == 200
    assert slept == [7.0]
    always = Provider(sequence(httpx.Response(429, headers={"Retry-After": "1"})))
    with always.client() as client, pytest.raises(AdapterError, match="HTTP 429"):
        with_retries(
            lambda: client.get("https://x.example").raise_for_status(), retries=1, sleep=slept.append
        )
