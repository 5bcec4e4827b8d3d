"""Outages, as the outside review staged them (issue 12): a private Redis and a throwaway PostgreSQL
cluster, each stopped for a few seconds while clients keep sending a bounded mixed load to the app
served over real HTTP.

Asserted, for each outage: no 500 and no connection reset; requests that need the stopped component
get 503 in the error envelope with Retry-After (the database), or are served without it (Redis:
catalog reads and signed-in reads keep answering 200); every write a client saw acknowledged is
stored; and everything recovers without a restart.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings
from tests.conftest import BACKENDS, PG_DB, REDIS_URL, _recreate_pg_database
from tests.support import serve

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("not ready in time")
        time.sleep(0.1)


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._pings)

    def _pings(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class ThrowawayPostgres:
    """A cluster of its own (initdb) on another port, run as the postgres user, stopped and started by
    the test."""

    def __init__(self, workdir: Path) -> None:
        assert PG_BIN is not None
        self.port = free_port()
        self.data = workdir / "pgdata"
        self.socket_dir = workdir / "sock"
        self.socket_dir.mkdir()
        for path in (workdir, self.socket_dir):
            shutil.chown(path, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True, timeout=120
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/gpubroker"

    def start(self) -> None:
        assert PG_BIN is not None
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.data / "log"),
            "-o",
            f"-p {self.port} -k {self.socket_dir} -c fsync=off -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        assert PG_BIN is not None
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")


@dataclass
class Load:
    """Clients sending a mixed load until stopped; every answer and every failure is kept."""

    base_url: str
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # emails whose registration answered 201
    retry_after_missing: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, clients: int, token: str) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._client, args=(i, token), daemon=True) for i in range(clients)
        ]
        for t in threads:
            t.start()
        return threads

    def _client(self, index: int, token: str) -> None:
        with httpx.Client(base_url=self.base_url, timeout=15) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                kind = (index + n) % 4
                try:
                    if kind == 0:
                        r = client.get("/providers", params={"gpu_type": "H100", "page_size": 5})
                    elif kind == 1:
                        r = client.get("/providers", params={"sort": "price_asc", "page": 1 + n % 3})
                    elif kind == 2:
                        r = client.get("/me", headers={"Authorization": f"Bearer {token}"})
                    else:
                        email = f"load-{uuid.uuid4().hex[:12]}@example.com"
                        r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
                        if r.status_code == 201:
                            with self.lock:
                                self.acknowledged.append(email)
                except httpx.TransportError as exc:
                    with self.lock:
                        self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                with self.lock:
                    self.statuses[r.status_code] += 1
                    if r.status_code >= 500 and r.status_code != 503:
                        self.server_errors.append(f"{r.status_code} {r.request.url.path}: {r.text[:300]}")
                    if r.status_code == 503:
                        body = r.json()
                        assert body["error"]["trace_id"]
                        if "retry-after" not in r.headers:
                            self.retry_after_missing += 1
                time.sleep(0.01)


def prepare_database(settings: Settings) -> None:
    from api.cli import migrate
    from catalog.ingest import run_sync
    from core.db import make_engine, make_session_factory

    migrate(settings)
    engine = make_engine(settings.database_url)
    report = run_sync(make_session_factory(engine), settings, providers=["lambda", "runpod"])
    assert report.totals()["inserted"] > 0
    engine.dispose()


def register(base_url: str) -> str:
    r = httpx.post(
        f"{base_url}/auth/register",
        json={"email": f"owner-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["access_token"])


def stored_emails(database_url: str, emails: list[str]) -> set[str]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT email FROM users WHERE email = ANY(:e)"), {"e": emails}).scalars()
        found = set(rows)
    engine.dispose()
    return found


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="gpubroker-faults-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _postgres_backend() -> None:
    if "postgresql" not in BACKENDS:
        pytest.skip("the outage tests run the production shape: PostgreSQL and Redis")


def test_a_redis_outage_degrades_and_recovers_without_errors(workdir: Path) -> None:
    from api.app import create_app

    redis_server = PrivateRedis(workdir)
    redis_server.start()
    try:
        settings = Settings(
            database_url=_recreate_pg_database(f"{PG_DB}_faults_redis"),
            redis_url=redis_server.url,
            embedded_worker=False,
            rate_limit_anonymous_rps=1000,
            rate_limit_anonymous_burst=5000,
            sandbox_database_url=f"sqlite:///{workdir / 'sandbox.db'}",
        )
        prepare_database(settings)
        with serve(create_app(settings)) as url:
            token = register(url)
            load = Load(url)
            threads = load.run(20, token)
            time.sleep(3)
            redis_server.stop()
            time.sleep(6)  # Redis away
            during = sum(load.statuses.values())
            redis_server.start()
            time.sleep(4)
            load.stop.set()
            for t in threads:
                t.join(20)
            # The API served catalog and signed-in reads from the database meanwhile.
            assert sum(load.statuses.values()) > during > 0
            r = httpx.get(f"{url}/providers", params={"gpu_type": "H100"})
            assert r.status_code == 200
    finally:
        redis_server.stop()
    assert load.failures == [], load.failures[:5]
    assert load.server_errors == [], load.server_errors[:5]
    assert load.statuses[503] == 0, "nothing needs Redis to answer"
    assert set(load.acknowledged) <= stored_emails(settings.database_url, load.acknowledged)
    assert len(load.acknowledged) > 10


def test_a_postgres_outage_answers_503_and_loses_no_acknowledged_write(workdir: Path) -> None:
    from api.app import create_app

    if os.geteuid() != 0 or PG_BIN is None:
        pytest.fail("the throwaway cluster needs root (runuser) and PostgreSQL's binaries")
    cluster = ThrowawayPostgres(workdir)
    cluster.start()
    try:
        admin = create_engine(
            cluster.url.replace("/gpubroker", "/postgres").replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE gpubroker"))
        admin.dispose()
        settings = Settings(
            database_url=cluster.url,
            redis_url=REDIS_URL,
            embedded_worker=False,
            rate_limit_anonymous_rps=1000,
            rate_limit_anonymous_burst=5000,
            sandbox_database_url=f"sqlite:///{workdir / 'sandbox.db'}",
        )
        prepare_database(settings)
        app = create_app(settings)
        with serve(app) as url:
            token = register(url)
            load = Load(url)
            threads = load.run(20, token)
            time.sleep(3)
            cluster.stop()
            time.sleep(4)  # PostgreSQL away
            cluster.start()
            ready_again = time.monotonic()
            wait_for(lambda: httpx.get(f"{url}/providers").status_code == 200, timeout=30)
            recovered_in = time.monotonic() - ready_again
            time.sleep(3)
            load.stop.set()
            for t in threads:
                t.join(20)
        acknowledged = list(load.acknowledged)
        found = stored_emails(settings.database_url, acknowledged)
    finally:
        cluster.stop()
    assert load.failures == [], load.failures[:5]
    assert load.server_errors == [], load.server_errors[:5]
    assert load.statuses[503] > 0, "the outage was seen"
    assert load.retry_after_missing == 0
    assert set(acknowledged) <= found, f"acknowledged but lost: {sorted(set(acknowledged) - found)[:5]}"
    assert recovered_in < 15
