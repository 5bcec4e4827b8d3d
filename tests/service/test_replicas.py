"""GPUBroker as a service (issue 9): on a fresh PostgreSQL database and one Redis, two `gpubroker
migrate`, three API processes (`gpubroker serve`), two workers and the sandbox provider start at the
same moment; all become ready; then mixed traffic goes round-robin across the replicas for 30 s:
searches, sign-ups and sign-ins, bookings (the sandbox provider calls our webhooks back), assistant
turns over JSON and the WebSocket, and stops sent to another replica than the one that booked.

Asserted: zero 5xx and zero connection errors; each booking_event handled once by the billing
consumer group; periodic jobs deferred once per schedule; billing run twice at once issues one
invoice per team and day; a stop on any replica ends the booking; an ingestion in another process is
seen by every replica at once; and a worker killed in the middle of a job does not lose it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from booking.provisioners import CREDENTIAL_FIELDS
from core.settings import ROOT, Settings
from tests.conftest import BACKENDS, PG_DB, _recreate_pg_database, per_worker_redis

REDIS_URL = per_worker_redis(os.environ.get("GPUBROKER_TEST_REDIS_REPLICAS_URL", "redis://127.0.0.1:6379/13"))
PASSWORD = "correct horse battery staple"
TRAFFIC_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Any, timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (httpx.TransportError, OSError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


@dataclass
class Processes:
    """Every process of the deployment, with its output in a log file each (shown when a test fails)."""

    env: dict[str, str]
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *argv: str, **env: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", *argv],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running[name] = proc
        return proc

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@dataclass
class Deployment:
    procs: Processes
    apis: list[str]
    workers: dict[str, int]  # name -> metrics port
    sandbox: str
    database_url: str
    engine: Engine

    def sql(self, query: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(query), params))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas share PostgreSQL and Redis (this run asked for SQLite only)")
    logs = tmp_path_factory.mktemp("replica-logs")
    database_url = _recreate_pg_database(f"{PG_DB}_replicas")
    redis.Redis.from_url(REDIS_URL).flushdb()
    api_ports = [free_port() for _ in range(3)]
    sandbox_port = free_port()
    worker_ports = {"worker-1": free_port(), "worker-2": free_port()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GPUBROKER_")},
        "PYTHONPATH": str(ROOT),
        "GPUBROKER_DATABASE_URL": database_url,
        "GPUBROKER_REDIS_URL": REDIS_URL,
        # Where providers call us back: the first replica stands for the load balancer.
        "GPUBROKER_PUBLIC_URL": f"http://127.0.0.1:{api_ports[0]}",
        "GPUBROKER_SANDBOX_PROVIDER_URL": f"http://127.0.0.1:{sandbox_port}",
        "GPUBROKER_SANDBOX_PROVIDER_ENABLED": "false",
        "GPUBROKER_SANDBOX_START_DELAY_S": "0.3",
        "GPUBROKER_SANDBOX_TIME_SCALE": "1800",  # a booked hour lasts 2 s
        "GPUBROKER_RATE_LIMIT_ANONYMOUS_RPS": "2000",
        "GPUBROKER_RATE_LIMIT_ANONYMOUS_BURST": "5000",
        "GPUBROKER_RATE_LIMIT_DEFAULT_RPS": "2000",
        "GPUBROKER_LOGIN_IP_PER_MINUTE": "100000",
        "GPUBROKER_LOGIN_IP_BURST": "10000",
        "GPUBROKER_JOB_STALLED_AFTER_S": "3",
        "GPUBROKER_CONSUMER_CLAIM_IDLE_S": "5",
        "GPUBROKER_SHUTDOWN_TIMEOUT_S": "5",
        "GPUBROKER_LOG_LEVEL": "warning",
    }
    procs = Processes(env, logs)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        # Everything starts at the same moment on the empty database: the API processes and workers wait
        # for the schema (they retry until /ready), two migrations race for the advisory lock.
        migrations = [procs.start(f"migrate-{i}", "migrate") for i in (1, 2)]
        for i, port in enumerate(api_ports, 1):
            procs.start(f"api-{i}", "serve", "--port", str(port))
        for name, port in worker_ports.items():
            procs.start(name, "worker", GPUBROKER_WORKER_METRICS_PORT=str(port))
        procs.start("sandbox", "sandbox-provider", "--port", str(sandbox_port))
        for i, m in enumerate(migrations, 1):
            assert m.wait(180) == 0, procs.tail(f"migrate-{i}")
        _load_catalog(database_url)
        apis = [f"http://127.0.0.1:{p}" for p in api_ports]
        for i, url in enumerate(apis, 1):
            wait_until(
                lambda u=url: httpx.get(f"{u}/ready", timeout=5).status_code == 200,
                120,
                f"api-{i} ready\n{procs.tail(f'api-{i}')}",
            )
        for name, port in worker_ports.items():
            wait_until(
                lambda p=port: httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=5).status_code == 200,
                60,
                f"{name} healthy\n{procs.tail(name)}",
            )
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        wait_until(lambda: httpx.get(f"{sandbox}/healthz").status_code == 200, 60, "sandbox")
        yield Deployment(procs, apis, worker_ports, sandbox, database_url, engine)
    finally:
        procs.stop_all()
        engine.dispose()


def _load_catalog(database_url: str) -> None:
    """What `gpubroker init` adds after migrating: the bundled catalog, price history and forecasts."""
    from api.cli import load_history, refresh_forecasts
    from catalog.ingest import run_sync
    from core.db import make_engine, make_session_factory

    settings = Settings(database_url=database_url, redis_url=REDIS_URL, embedded_worker=False)
    engine = make_engine(database_url)
    run_sync(make_session_factory(engine), settings)
    engine.dispose()
    load_history(settings)
    refresh_forecasts(settings)


# --- traffic -----------------------------------------------------------------------------------------


@dataclass
class Traffic:
    apis: list[str]
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    bookings: list[tuple[str, str, int]] = field(default_factory=list)  # (booking id, token, replica index)
    stopped_elsewhere: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    offers: list[str] = field(default_factory=list)

    def record(self, what: str, r: httpx.Response) -> httpx.Response:
        with self.lock:
            self.statuses[f"{what} {r.status_code}"] += 1
            if r.status_code >= 500:
                self.server_errors.append(f"{what} {r.status_code} {r.request.url}: {r.text[:300]}")
        return r

    def user(self, index: int) -> None:
        rng = random.Random(index)
        replicas = itertools.cycle(range(len(self.apis)))
        for _ in range(index):
            next(replicas)
        clients = [httpx.Client(base_url=u, timeout=30) for u in self.apis]
        try:
            email = f"replica-{uuid.uuid4().hex[:10]}@example.com"
            r = self.record(
                "register",
                clients[next(replicas)].post("/auth/register", json={"email": email, "password": PASSWORD}),
            )
            if r.status_code != 201:
                return
            token = r.json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            while not self.stop.is_set():
                i = next(replicas)
                c = clients[i]
                action = rng.choice(["search", "search", "search", "me", "chat", "book", "ws", "login"])
                try:
                    if action == "search":
                        gpu = rng.choice(["H100", "A100", "4090", "L40S"])
                        self.record("search", c.get("/providers", params={"gpu_type": gpu, "page_size": 10}))
                    elif action == "me":
                        self.record("me", c.get("/me", headers=auth))
                    elif action == "login":
                        self.record(
                            "login", c.post("/auth/login", json={"email": email, "password": PASSWORD})
                        )
                    elif action == "chat":
                        prompt = rng.choice(
                            ["cheapest H100 in the EU", "8x A100 for a week under $20/h", "what is FP8"]
                        )
                        self.record("chat", c.post("/ai/chat", json={"prompt": prompt}, headers=auth))
                    elif action == "ws":
                        self._ws_turn(self.apis[i], token)
                    elif action == "book":
                        self._book(clients, i, auth, rng)
                except httpx.TransportError as exc:
                    with self.lock:
                        self.transport_errors.append(
                            f"{action} on {self.apis[i]}: {type(exc).__name__}: {exc}"
                        )
        finally:
            for c in clients:
                c.close()

    def _book(self, clients: list[httpx.Client], i: int, auth: dict[str, str], rng: random.Random) -> None:
        offer = rng.choice(self.offers)
        r = self.record(
            "create", clients[i].post("/bookings", json={"offer_id": offer, "hours": 1}, headers=auth)
        )
        if r.status_code != 201:
            return
        booking_id = r.json()["id"]
        self.record("submit", clients[(i + 1) % 3].post(f"/bookings/{booking_id}/submit", headers=auth))
        with self.lock:
            self.bookings.append((booking_id, auth["Authorization"], i))
        if rng.random() < 0.5:
            # Stopped through the third replica once the provider reported it running.
            other = clients[(i + 2) % 3]
            for _ in range(50):
                state = (
                    self.record("get", other.get(f"/bookings/{booking_id}", headers=auth)).json().get("state")
                )
                if state != "pending_provision":
                    break
                time.sleep(0.1)
            if state == "active":
                r = self.record("stop", other.post(f"/bookings/{booking_id}/stop", headers=auth))
                if r.status_code in (200, 202):
                    with self.lock:
                        self.stopped_elsewhere.append(booking_id)

    def _ws_turn(self, base: str, token: str) -> None:
        from websockets.sync.client import connect

        with connect(base.replace("http://", "ws://") + "/ai/chat/ws", open_timeout=10) as ws:
            ws.send(json.dumps({"type": "auth", "access_token": token}))
            ready = json.loads(ws.recv(timeout=10))
            if ready.get("event") != "ready":
                with self.lock:
                    self.statuses[f"ws {ready.get('event')}"] += 1
                return
            ws.send(json.dumps({"type": "chat", "prompt": "cheapest L40S in the US"}))
            while True:
                frame = json.loads(ws.recv(timeout=30))
                if frame.get("event") == "error":
                    with self.lock:
                        self.server_errors.append(f"ws error: {frame}")
                if frame.get("event") == "end":
                    break
            with self.lock:
                self.statuses["ws turn"] += 1


def test_replicas_and_workers_under_mixed_traffic(deployment: Deployment) -> None:
    d = deployment
    offers = [
        row[0]
        for row in d.sql(
            "SELECT id FROM offers WHERE availability = 'up' AND spot = false AND provider <> ALL(:own)"
            " ORDER BY price_per_hour LIMIT 40",
            # Providers with a provisioner of their own need the team's account there (a 409 otherwise):
            # these bookings go through the sandbox, whose webhooks the replicas receive.
            own=sorted(CREDENTIAL_FIELDS),
        )
    ]
    traffic = Traffic(d.apis, offers=offers)
    users = [threading.Thread(target=traffic.user, args=(i,), daemon=True) for i in range(9)]
    for u in users:
        u.start()
    time.sleep(TRAFFIC_S)
    traffic.stop.set()
    for u in users:
        u.join(60)
    assert not [u for u in users if u.is_alive()], "a client hung"
    assert traffic.transport_errors == [], traffic.transport_errors[:5]
    assert traffic.server_errors == [], traffic.server_errors[:5]
    for what in ("search 200", "chat 200", "ws turn", "submit 200"):
        assert traffic.statuses[what] > 0, f"no {what}: {traffic.statuses}"
    assert traffic.statuses["submit 200"] == len(traffic.bookings), traffic.statuses
    assert traffic.stopped_elsewhere, "no booking was stopped through another replica"

    # Every booking reaches its end: the sandbox's webhooks land on replica 1, stops came through others.
    def all_ended() -> bool:
        rows = d.sql(
            "SELECT count(*) FROM bookings WHERE id = ANY(:ids) AND state IN ('completed', 'failed', 'cancelled')",
            ids=[b for b, _, _ in traffic.bookings],
        )
        return int(rows[0][0]) == len(traffic.bookings)

    # Generous deadlines: they only cost time when something is wrong, and a loaded CI machine is slow.
    try:
        wait_until(all_ended, 180, "bookings ended")
    except AssertionError as exc:
        states = d.sql(
            "SELECT state, count(*) FROM bookings WHERE id = ANY(:ids) GROUP BY state",
            ids=[b for b, _, _ in traffic.bookings],
        )
        raise AssertionError(
            f"{exc}: {states}\n{d.procs.tail('worker-1')}\n{d.procs.tail('api-1')}"
        ) from None
    stopped = d.sql(
        "SELECT count(*) FROM booking_transitions WHERE booking_id = ANY(:ids) AND to_state = 'completed'",
        ids=traffic.stopped_elsewhere,
    )
    assert int(stopped[0][0]) == len(traffic.stopped_elsewhere)

    # Each booking_event is handled exactly once by the billing consumer group (two workers share it).
    def consumed() -> bool:
        published = {r[0] for r in d.sql("SELECT id FROM outbox_events WHERE topic = 'booking_events'")}
        handled = {
            r[0] for r in d.sql("SELECT event_id FROM handled_events WHERE group_name = 'billing-metering'")
        }
        return bool(published) and published <= handled

    wait_until(consumed, 180, "booking events consumed")
    duplicates = d.sql(
        "SELECT event_id FROM handled_events WHERE group_name = 'billing-metering' GROUP BY event_id HAVING count(*) > 1"
    )
    assert duplicates == []
    pending = redis.Redis.from_url(REDIS_URL).xpending("gpubroker:booking_events", "billing-metering")
    assert pending["pending"] == 0

    # Periodic jobs: once per schedule with two workers running.
    doubled = d.sql(
        "SELECT task_name, args->>'timestamp' FROM procrastinate_jobs WHERE args ? 'timestamp' "
        "GROUP BY 1, 2 HAVING count(*) > 1"
    )
    assert doubled == []
    relays = d.sql("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'core.outbox_relay'")
    assert int(relays[0][0]) >= 4


def test_billing_run_twice_at_once_issues_one_invoice_per_team_and_day(deployment: Deployment) -> None:
    d = deployment
    yesterday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    tenant_ids = [r[0] for r in d.sql("SELECT id FROM tenants ORDER BY created_at LIMIT 3")]
    assert tenant_ids
    from sqlalchemy.orm import Session

    from tests.billing.conftest import Team, add_booking

    with Session(d.engine) as session:
        for n, tenant_id in enumerate(tenant_ids):
            user_id = session.execute(
                text("SELECT id FROM users WHERE tenant_id = :t LIMIT 1"), {"t": tenant_id}
            ).scalar_one()
            start = yesterday + timedelta(hours=9 + n)
            add_booking(session, Team(tenant_id, user_id), activated=start, ended=start + timedelta(hours=2))
        session.commit()
    runs = [
        subprocess.run(
            [sys.executable, "-m", "api.cli", "jobs", "run", "billing.close_days"],
            cwd=ROOT,
            env=d.procs.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]

    def both_done() -> bool:
        rows = d.sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'billing.close_days'")
        return len(rows) >= 2 and all(r[0] in ("succeeded", "failed") for r in rows)

    wait_until(both_done, 90, "both billing runs")
    assert {
        r[0] for r in d.sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'billing.close_days'")
    } == {"succeeded"}
    invoices = d.sql(
        "SELECT tenant_id, day, count(*) FROM invoices WHERE tenant_id = ANY(:t) AND kind = 'invoice' GROUP BY 1, 2",
        t=tenant_ids,
    )
    assert len(invoices) == len(tenant_ids)
    assert {int(n) for _t, _d, n in invoices} == {1}


def test_an_ingestion_elsewhere_is_seen_by_every_replica(deployment: Deployment) -> None:
    from catalog.adapters.lambdalabs import LambdaAdapter
    from catalog.ingest import run_sync
    from core.bus import make_bus
    from core.cache import make_cache
    from core.db import make_engine, make_session_factory
    from tests.catalog.adapters.recorded import Provider, recorded, sequence

    d = deployment
    query = {"provider": "lambda", "q": "gpu_8x_h100_sxm5", "region": "us-east-1"}
    before = [httpx.get(f"{u}/providers", params=query).json() for u in d.apis]  # now cached on each
    body = recorded("lambda/instance_types.json")
    body["data"]["gpu_8x_h100_sxm5"]["instance_type"]["price_cents_per_hour"] = 1999
    settings = Settings(
        database_url=d.database_url, redis_url=REDIS_URL, live_providers="lambda", embedded_worker=False
    )
    fake = Provider(sequence(httpx.Response(200, json=body)))
    adapter = LambdaAdapter(settings, fake.client(), api_key="key")
    engine = make_engine(d.database_url)
    report = run_sync(
        make_session_factory(engine),
        settings,
        cache=make_cache(REDIS_URL),
        bus=make_bus(REDIS_URL),
        providers=["lambda"],
        adapters={"lambda": adapter},
    )
    engine.dispose()
    assert report.totals()["updated"] >= 1
    for url, old in zip(d.apis, before, strict=True):
        now = httpx.get(f"{url}/providers", params=query).json()
        assert [o["price_per_hour"] for o in now["items"]] == [19.99], (url, old, now)


def test_a_worker_killed_in_the_middle_of_a_job_loses_nothing(deployment: Deployment) -> None:
    d = deployment
    # One worker left: the job goes to it, and it is killed while the job runs.
    survivor = d.procs.running["worker-2"]
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(30) == 0
    doomed = d.procs.running["worker-1"]
    queued = subprocess.run(
        [sys.executable, "-m", "api.cli", "jobs", "run", "catalog.refresh_forecasts", "force=true"],
        cwd=ROOT,
        env=d.procs.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert queued.returncode == 0, queued.stderr
    job_id = int(queued.stdout.rsplit("#", 1)[1])

    def status() -> str:
        return str(d.sql("SELECT status FROM procrastinate_jobs WHERE id = :id", id=job_id)[0][0])

    wait_until(lambda: status() == "doing", 30, "the job started", every=0.02)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert status() == "doing"
    # A worker started afterwards finds the job of the dead one and runs it to the end.
    d.procs.start("worker-3", "worker", GPUBROKER_WORKER_METRICS_PORT=str(free_port()))
    wait_until(lambda: status() == "succeeded", 90, f"the job re-run\n{d.procs.tail('worker-3')}")
    attempts = d.sql("SELECT attempts FROM procrastinate_jobs WHERE id = :id", id=job_id)[0][0]
    assert int(attempts) >= 1
