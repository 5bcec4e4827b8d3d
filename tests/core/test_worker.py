"""The job engine, the consumers and the outbox as they run in production: real workers (threads with
their own event loops, and killed subprocesses) on a PostgreSQL database of their own, where jobs,
events and their records are committed for real, and Redis Streams consumer groups.

What is proven here:
- a periodic job runs once per schedule with two workers;
- a failing job is retried with exponential backoff;
- a job held by a worker that was killed is run again by another;
- two consumers of a group handle each message once, and a dead consumer's pending message is
  claimed by another;
- an event whose publish failed (Redis unreachable) is published by the outbox relay;
- two `gpubroker migrate` started at once on a fresh database both succeed;
- SQLite (`make run`): the API runs the same jobs in-process.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import procrastinate
import pytest
import redis
from fastapi import Request
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import outbox
from core.bus import HandledEvent, RedisStreamBus, first_handling, make_bus
from core.db import make_engine, make_session_factory, session_scope
from core.jobs import Runtime, serve_jobs
from core.settings import ROOT, Settings
from tests.conftest import BACKENDS, PG_DB, REDIS_URL, _recreate_pg_database


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(every)


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from api.cli import migrate

    if "postgresql" not in BACKENDS:
        pytest.skip("the job engine's workers run on PostgreSQL (this run asked for SQLite only)")
    url = _recreate_pg_database(f"{PG_DB}_worker")
    settings = Settings(
        database_url=url,
        redis_url=REDIS_URL,
        embedded_worker=False,
        job_stalled_after_s=3,
        consumer_claim_idle_s=1.0,
        sandbox_database_url=f"sqlite:///{tmp_path_factory.mktemp('sbx') / 'sandbox.db'}",
    )
    migrate(settings)
    with create_engine(url.replace("postgresql://", "postgresql+psycopg://")).begin() as conn:
        conn.execute(text("CREATE TABLE job_probe (name text, ts bigint, worker text, at timestamptz)"))
    return settings


@pytest.fixture
def factory(pg_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(pg_settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM job_probe"))
        conn.execute(text("DELETE FROM procrastinate_jobs"))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def flushed_redis() -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()


def probe_rows(factory: sessionmaker[Session], name: str) -> list[tuple[Any, ...]]:
    with factory() as session:
        return [
            tuple(r)
            for r in session.execute(
                text("SELECT ts, worker, at FROM job_probe WHERE name = :n ORDER BY at"), {"n": name}
            )
        ]


def record(factory: sessionmaker[Session], name: str, ts: int, worker: str) -> None:
    with session_scope(factory) as session:
        session.execute(
            text("INSERT INTO job_probe VALUES (:n, :ts, :w, :at)"),
            {"n": name, "ts": ts, "w": worker, "at": datetime.now(UTC)},
        )


class WorkerThread:
    """A worker as `gpubroker worker` runs one (serve_jobs), on an event loop of its own."""

    def __init__(self, runtime: Runtime, name: str, extra: list[procrastinate.Blueprint]) -> None:
        self.name = name
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None

        async def main() -> None:
            self._stop = asyncio.Event()
            self._ready.set()
            await serve_jobs(runtime, name=name, concurrency=2, stop=self._stop, extra=extra)

        def run() -> None:
            try:
                self._loop.run_until_complete(main())
            except BaseException as exc:
                self.error = exc
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name=f"worker-{name}", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        if self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), f"worker {self.name} did not stop"
        assert self.error is None, self.error


def runtime_for(settings: Settings, factory: sessionmaker[Session]) -> Runtime:
    return Runtime(settings=settings, session_factory=factory, bus=make_bus(settings.redis_url))


# --- the job engine --------------------------------------------------------------------------------


def test_a_periodic_job_runs_once_per_schedule_with_two_workers(
    pg_settings: Settings, factory: sessionmaker[Session], flushed_redis: None
) -> None:
    probe = procrastinate.Blueprint()

    @probe.periodic(cron="* * * * * *", periodic_id="every-second")
    @probe.task(name="tests.tick", pass_context=True)
    def tick(context: procrastinate.JobContext, timestamp: int) -> None:
        record(factory, "tick", timestamp, context.worker_name or "")

    rt = runtime_for(pg_settings, factory)
    workers = [WorkerThread(rt, f"w{i}", [probe]) for i in (1, 2)]
    try:
        wait_until(lambda: len(probe_rows(factory, "tick")) >= 6)
    finally:
        for w in workers:
            w.stop()
    rows = probe_rows(factory, "tick")
    stamps = [ts for ts, _w, _at in rows]
    assert len(stamps) == len(set(stamps)), f"a schedule ran twice: {sorted(stamps)}"
    # both workers took part, and no second was skipped in the middle
    assert {w for _ts, w, _at in rows} <= {"w1", "w2"}
    assert max(stamps) - min(stamps) + 1 >= len(stamps) - 1


def test_a_failing_job_is_retried_with_exponential_backoff(
    pg_settings: Settings, factory: sessionmaker[Session], flushed_redis: None
) -> None:
    probe = procrastinate.Blueprint()

    @probe.task(
        name="tests.flaky",
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=2),
    )
    def flaky(context: procrastinate.JobContext) -> None:
        record(factory, "flaky", context.job.attempts, context.worker_name or "")
        if context.job.attempts < 2:
            raise RuntimeError("the provider is down")

    rt = runtime_for(pg_settings, factory)
    worker = WorkerThread(rt, "w1", [probe])
    try:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_libpq(pg_settings)))
        app.add_tasks_from(probe, namespace="")
        with app.open():
            job_id = app.tasks["tests.flaky"].defer()
        wait_until(lambda: len(probe_rows(factory, "flaky")) == 3, timeout=30)
        wait_until(lambda: _job_status(factory, job_id) == "succeeded")
    finally:
        worker.stop()
    (_a, _, first), (_b, _, second), (_c, _, third) = probe_rows(factory, "flaky")
    assert (second - first).total_seconds() >= 2 - 0.2  # 2^1
    assert (third - second).total_seconds() >= 4 - 0.2  # 2^2


def _libpq(settings: Settings) -> str:
    return settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def _job_status(factory: sessionmaker[Session], job_id: int) -> str | None:
    with factory() as session:
        return session.execute(
            text("SELECT status FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        ).scalar_one_or_none()


SLOW_WORKER = """
import asyncio, sys, time
import procrastinate
from sqlalchemy import text
from core.db import make_engine, make_session_factory, session_scope
from core.jobs import Runtime, serve_jobs
from core.bus import make_bus
from core.settings import Settings

settings = Settings(database_url=sys.argv[1], redis_url=sys.argv[2], job_stalled_after_s=3)
factory = make_session_factory(make_engine(settings.database_url))
probe = procrastinate.Blueprint()

@probe.task(name="tests.slow", pass_context=True)
def slow(context):
    with session_scope(factory) as s:
        s.execute(text("INSERT INTO job_probe VALUES ('slow-start', 0, :w, now())"), {"w": context.worker_name})
    time.sleep(30)  # killed in here
    with session_scope(factory) as s:
        s.execute(text("INSERT INTO job_probe VALUES ('slow-done', 0, :w, now())"), {"w": context.worker_name})

asyncio.run(serve_jobs(Runtime(settings, factory, bus=make_bus(settings.redis_url)), name="doomed", extra=[probe]))
"""


def test_a_job_held_by_a_killed_worker_runs_again_elsewhere(
    pg_settings: Settings, factory: sessionmaker[Session], flushed_redis: None, tmp_path: Path
) -> None:
    script = tmp_path / "slow_worker.py"
    script.write_text(SLOW_WORKER)
    doomed = subprocess.Popen(
        [sys.executable, str(script), pg_settings.database_url, REDIS_URL],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    probe = procrastinate.Blueprint()
    done: list[str] = []

    @probe.task(name="tests.slow", pass_context=True)
    def slow(context: procrastinate.JobContext) -> None:  # the same job, as the surviving worker runs it
        record(factory, "slow-start", 0, context.worker_name or "")
        done.append(context.worker_name or "")
        record(factory, "slow-done", 0, context.worker_name or "")

    try:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_libpq(pg_settings)))
        app.add_tasks_from(probe, namespace="")
        with app.open():
            job_id = app.tasks["tests.slow"].defer()
        wait_until(lambda: probe_rows(factory, "slow-start"), timeout=30)
        assert _job_status(factory, job_id) == "doing"
        doomed.send_signal(signal.SIGKILL)  # in the middle of the job
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    survivor = WorkerThread(runtime_for(pg_settings, factory), "survivor", [probe])
    try:
        # recover_stalled_jobs runs every 10 s and takes jobs of workers silent for 3 s
        wait_until(lambda: _job_status(factory, job_id) == "succeeded", timeout=40)
    finally:
        survivor.stop()
    assert done == ["survivor"]
    assert [w for _ts, w, _at in probe_rows(factory, "slow-start")] == ["doomed", "survivor"]


# --- consumers and the outbox ----------------------------------------------------------------------


def test_a_consumer_group_handles_each_message_once_and_claims_a_dead_consumers_message(
    pg_settings: Settings, factory: sessionmaker[Session], flushed_redis: None
) -> None:
    bus = RedisStreamBus(REDIS_URL, claim_idle_s=1.0)
    group = f"tests-{uuid.uuid4().hex[:6]}"
    bus.ensure_groups({"booking_events": [group]})
    # Published while no consumer runs: read when one starts (the group begins at the stream's start).
    for i in range(20):
        bus.publish("booking_events", f"b{i}", {"n": i}, f"evt-{i}")
    # A consumer that reads one message and dies before acknowledging it.
    raw = redis.Redis.from_url(REDIS_URL)
    [(_stream, [(dead_id, _fields)])] = raw.xreadgroup(
        group, "dead-one", {"gpubroker:booking_events": ">"}, count=1
    )
    handled: list[tuple[str, str]] = []

    async def consume_with(name: str, stop: asyncio.Event) -> None:
        async def handle(message: dict[str, Any]) -> None:
            def once() -> None:
                with session_scope(factory) as session:
                    if first_handling(session, group, message["id"]):
                        handled.append((name, message["id"]))

            await asyncio.to_thread(once)

        await bus.consume("booking_events", group, name, handle, stop)

    async def scenario() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(consume_with(n, stop)) for n in ("c1", "c2")]
        for _ in range(100):
            await asyncio.sleep(0.1)
            if len(handled) == 20:
                break
        stop.set()
        await asyncio.gather(*tasks)

    from tests.support import run_async

    run_async(scenario())
    assert sorted(e for _n, e in handled) == sorted(f"evt-{i}" for i in range(20))
    assert raw.xpending("gpubroker:booking_events", group)["pending"] == 0
    with factory() as session:
        records = session.execute(select(HandledEvent).where(HandledEvent.group_name == group)).scalars()
        assert len(list(records)) == 20
    assert dead_id is not None


def test_an_event_the_bus_refused_is_published_by_the_relay(
    pg_settings: Settings, factory: sessionmaker[Session], flushed_redis: None
) -> None:
    down = RedisStreamBus("redis://127.0.0.1:1/0")  # nothing listens there: every publish fails
    with session_scope(factory) as session:
        event_id = outbox.enqueue(session, "booking_events", "b-1", {"to": "active"}, down)
    # The change committed; its event waits in the outbox.
    with factory() as session:
        row = session.get(outbox.OutboxEvent, event_id)
        assert row is not None and row.published_at is None
    up = make_bus(REDIS_URL)
    with session_scope(factory) as session:
        assert outbox.relay(session, up, older_than_s=60) == 0  # younger than the relay's delay
        session.execute(
            text("UPDATE outbox_events SET created_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(seconds=10), "id": event_id},
        )
    rt = Runtime(pg_settings, factory, bus=up)
    assert outbox.relay_job(rt) == 1
    assert [m["id"] for m in up.recent("booking_events") if m["key"] == "b-1"] == [event_id]
    assert outbox.relay_job(rt) == 0  # published once
    with factory() as session:
        row = session.get(outbox.OutboxEvent, event_id)
        assert row is not None and row.published_at is not None


def test_two_migrations_started_together_on_a_fresh_database_both_succeed(pg_settings: Settings) -> None:
    url = _recreate_pg_database(f"{PG_DB}_migrate")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GPUBROKER_DATABASE_URL": url,
        "GPUBROKER_REDIS_URL": REDIS_URL,
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=180)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        assert conn.execute(text("SELECT count(*) FROM checkpoint_migrations")).scalar_one() > 0
        assert conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar_one() is not None
    engine.dispose()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


# --- make run: the same jobs in the API process -----------------------------------------------------


def test_the_api_on_sqlite_runs_the_jobs_itself(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.cli import migrate

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'one.db'}", redis_url=None)
    assert settings.runs_embedded_worker
    migrate(settings)
    app = create_app(settings)
    with TestClient(app):
        # An event whose publish never happened (no bus given): the in-process relay publishes it.
        with session_scope(app.state.session_factory) as session:
            event_id = outbox.enqueue(session, "booking_events", "b-9", {"to": "completed"})
            session.execute(
                text("UPDATE outbox_events SET created_at = :t WHERE id = :id"),
                {"t": datetime.now(UTC) - timedelta(seconds=10), "id": event_id},
            )
        wait_until(
            lambda: [m for m in app.state.bus.recent("booking_events") if m["id"] == event_id], timeout=15
        )


# --- settings of a service ---------------------------------------------------------------------------


def test_production_refuses_unsafe_settings_naming_each() -> None:
    from core.settings import UnsafeSettings

    with pytest.raises(UnsafeSettings) as refused:
        Settings(env="production").check_production()
    message = str(refused.value)
    for variable in (
        "GPUBROKER_JWT_SECRET",
        "GPUBROKER_WEBHOOK_SECRET",
        "GPUBROKER_REDIS_URL",
        "GPUBROKER_DATABASE_URL",
        "GPUBROKER_ENCRYPTION_KEY",
        "GPUBROKER_WEBAUTHN_ORIGIN",
    ):
        assert variable in message
    safe = Settings(
        env="production",
        jwt_secret="x" * 40,
        webhook_secret="w" * 40,
        redis_url="redis://:pw@redis:6379/1",
        database_url="postgresql://app@db/gpubroker",
        # 32 bytes, base64: the format GPUBROKER_ENCRYPTION_KEY is validated against (core.settings).
        encryption_key=base64.b64encode(b"k" * 32).decode(),
        webauthn_origin="https://gpubroker.example",
        webauthn_rp_id="gpubroker.example",
    )
    safe.check_production()
    with pytest.raises(ValueError, match="env"):
        Settings(env="prod")  # a typo must not switch the guards off


def test_the_api_refuses_to_start_in_production_with_dev_secrets() -> None:
    from api.app import create_app
    from core.settings import UnsafeSettings

    with pytest.raises(UnsafeSettings, match="GPUBROKER_JWT_SECRET"):
        create_app(Settings(env="production"))


def test_forwarded_addresses_count_only_from_trusted_proxies(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.cli import migrate

    def seen_ip(settings: Settings, headers: dict[str, str]) -> str:
        app = create_app(settings)

        @app.get("/test-client-ip")
        def client_ip(request: Request) -> dict[str, str]:
            assert request.client is not None
            return {"ip": request.client.host}

        with TestClient(app, client=("10.0.0.5", 5000)) as c:
            r = c.get("/test-client-ip", headers=headers)
            assert r.status_code == 200, r.text
            return str(r.json()["ip"])

    base = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", embedded_worker=False)
    migrate(base)
    spoof = {"x-forwarded-for": "203.0.113.9"}
    assert seen_ip(base, spoof) == "10.0.0.5"  # no proxy trusted: the peer is the client
    trusted = base.model_copy(update={"trusted_proxies": "10.0.0.0/8"})
    assert seen_ip(trusted, spoof) == "203.0.113.9"
    other = base.model_copy(update={"trusted_proxies": "192.168.0.1"})
    assert seen_ip(other, spoof) == "10.0.0.5"
    with pytest.raises(ValueError, match="not-an-ip"):
        Settings(trusted_proxies="10.0.0.1,not-an-ip")


def test_a_redis_url_with_password_and_db_index_works_for_consumers_too() -> None:
    """The bus's subscribers and consumers are built from the whole URL (the old subscriber kept only
    host, port and DB, and failed on a password-protected Redis)."""
    from core.bus import RedisStreamBus

    bus = RedisStreamBus("redis://:secret-pw@127.0.0.1:6379/7")
    client = bus._async_client()
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["password"], kwargs["db"], kwargs["host"]) == ("secret-pw", 7, "127.0.0.1")
    tls = RedisStreamBus("rediss://127.0.0.1:6380/2")._async_client()
    assert tls.connection_pool.connection_class.__name__ == "SSLConnection"


def test_an_operator_runs_a_job_now_and_lists_the_queue(
    pg_settings: Settings, factory: sessionmaker[Session]
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GPUBROKER_DATABASE_URL": pg_settings.database_url,
        "GPUBROKER_REDIS_URL": REDIS_URL,
    }

    def jobs(*argv: str) -> tuple[int, str]:
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", "jobs", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stdout + done.stderr

    code, out = jobs("run", "catalog.refresh_forecasts", "force=true")
    assert code == 0 and "queued as #" in out
    code, out = jobs("list")
    assert code == 0 and "todo" in out and "catalog.refresh_forecasts" in out
    with factory() as session:
        args = session.execute(
            text("SELECT args FROM procrastinate_jobs WHERE task_name = 'catalog.refresh_forecasts'")
        ).scalar_one()
    assert args == {"force": True}
    assert jobs("run", "no.such.job")[0] == 2
    assert jobs("run", "catalog.refresh_forecasts", "force")[0] == 2
