"""Test fixtures: every database test runs on SQLite and on PostgreSQL + Redis.

The ``backend`` fixture is parametrized, so a test that asks for ``db`` or ``client`` appears twice
in the report (``[sqlite]`` and ``[postgresql]``). Each backend gets a freshly migrated database
holding the bundled catalog and price history once per session; each test then runs inside a
transaction that is rolled back, so tests see the same data and cannot leak into each other.
Set GPUBROKER_TEST_BACKENDS=sqlite to run only one backend while iterating locally; CI runs both.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, normalize_url
from core.settings import ROOT, Settings
from tests import support

# `make test` runs the suite in pytest-xdist worker processes (PYTEST_XDIST_WORKER is gw0, gw1, ...).
# Each worker has databases of its own: PostgreSQL names end in the worker's name, and the Redis
# database numbers step down by REDIS_DB_STRIDE per worker (gw0: 15 and 13, gw1: 12 and 10), because a
# test flushes its Redis database and drops its PostgreSQL ones.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0
REDIS_DB_STRIDE = 3


def per_worker_redis(url: str) -> str:
    """``url`` with its database number moved down by this worker's stride (unchanged on gw0)."""
    base, _, number = url.rpartition("/")
    shifted = int(number or 0) - REDIS_DB_STRIDE * WORKER_INDEX
    if shifted < 0:
        raise RuntimeError(f"too many test workers for Redis databases: {WORKER} would use {shifted} ({url})")
    return f"{base}/{shifted}"


PG_ADMIN_URL = os.environ.get("GPUBROKER_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("GPUBROKER_TEST_PG_DB", "gpubroker_test") + (f"_{WORKER}" if WORKER else "")
REDIS_URL = per_worker_redis(os.environ.get("GPUBROKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
BACKENDS = [
    b.strip() for b in os.environ.get("GPUBROKER_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()
]


def _recreate_pg_database(name: str) -> str:
    admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def make_settings(backend: str, tmp: Path, db_name: str = PG_DB) -> Settings:
    # Jobs run in no app instance of the tests (the embedded worker would share the test's one
    # connection and run billing, forecasts and the outbox relay in the middle of tests); each job is
    # tested on its own, and tests/core/test_worker.py runs real workers on a database of their own.
    # The sandbox provider is another company's system: its state goes to a database of its own, outside
    # the test's rolled-back transaction (a submit waits on the sandbox while holding the test connection).
    # Mail (sign-up verification, resets, invitations) is written as .eml files here, not into var/mail.
    sandbox_db = f"sqlite:///{tmp / 'sandbox-provider.db'}"
    if backend == "sqlite":
        return Settings(
            database_url=f"sqlite:///{tmp / 'test.db'}",
            redis_url=None,
            embedded_worker=False,
            sandbox_database_url=sandbox_db,
            mail_dir=tmp / "mail",
        )
    return Settings(
        database_url=_recreate_pg_database(db_name),
        redis_url=REDIS_URL,
        embedded_worker=False,
        sandbox_database_url=sandbox_db,
        mail_dir=tmp / "mail",
    )


# --- globals no test may patch ----------------------------------------------------------------------
# Session-scoped servers run their event loops in background threads of this process: a test that
# patches one of these reaches them too (issue 19: a patched asyncio.sleep killed the shared server and
# eight later tests failed with connection errors). Give the code under test its own clock or sleep.
PROCESS_WIDE = {
    "asyncio.sleep": lambda: asyncio.sleep,
    "time.sleep": lambda: time.sleep,
    "time.time": lambda: time.time,
    "time.monotonic": lambda: time.monotonic,
    "time.perf_counter": lambda: time.perf_counter,
    "datetime.datetime": lambda: dt.datetime,
    "datetime.date": lambda: dt.date,
    "socket.socket": lambda: socket.socket,
    "threading.Thread": lambda: threading.Thread,
}


def _process_wide_state() -> dict[str, Any]:
    state: dict[str, Any] = {name: get() for name, get in PROCESS_WIDE.items()}
    state.update({f"${k}": v for k, v in os.environ.items() if k.startswith("GPUBROKER_") or k == "TZ"})
    return state


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    before = _process_wide_state()
    result = yield
    after = _process_wide_state()
    # Objects by identity (a patch swaps the object), environment values by equality: os.environ decodes a
    # new string on every read, so identity would flag every exported GPUBROKER_TEST_* variable.
    changed = sorted(
        k
        for k in before.keys() | after.keys()
        if (before.get(k) != after.get(k) if k.startswith("$") else before.get(k) is not after.get(k))
    )
    if changed:
        raise AssertionError(
            f"{item.nodeid} changed process-wide state that background servers share: {', '.join(changed)}; "
            "inject a clock, sleep or setting into the code under test instead"
        )
    return result


@pytest.fixture(autouse=True)
def _servers_survive_the_test() -> Iterator[None]:
    """Fails the test during which a shared test server's thread died, instead of the later tests that
    would only see connection errors."""
    yield
    for served in list(support.RUNNING.values()):
        if served.dead and not served.reported:
            served.reported = True
            raise AssertionError(served.describe())


# --- how pytest-xdist deals the tests out (make test: -n 2) ------------------------------------------
# A unit of work is one test file on one backend; tests/sdk goes whole to one worker, because its
# session fixture builds the TypeScript SDK into one shared directory. Every worker takes its SQLite
# units first, then those that use no backend, then its PostgreSQL ones, largest first within each: a
# worker that switched between backends would tear down and rebuild the session's migrated databases
# (the ``engine`` fixture) at every switch.
WHOLE_DIRECTORIES = ("tests/sdk/",)


def _backend_of(nodeid: str) -> str:
    _, bracket, ids = nodeid.rpartition("::")[2].partition("[")
    parts = ids.rstrip("]").split("-") if bracket else []
    return next((b for b in ("sqlite", "postgresql") if b in parts), "")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    rank = {"sqlite": 0, "": 1, "postgresql": 2}

    class FileAndBackend(LoadScopeScheduling):  # type: ignore[misc]
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            unit = next((d for d in WHOLE_DIRECTORIES if path.startswith(d)), path)
            return f"{unit}[{_backend_of(nodeid)}]"

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:
                units = sorted(
                    self.workqueue.items(), key=lambda u: (rank[u[0].rpartition("[")[2][:-1]], -len(u[1]))
                )
                self.workqueue.clear()
                self.workqueue.update(units)
                self.ordered = True
            super()._assign_work_unit(node)

    return FileAndBackend(config, log)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(backend, tmp_path_factory.mktemp(backend))


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Any]:
    """A migrated database with the bundled catalog and price history loaded (committed once)."""
    from api.cli import load_history, migrate, refresh_forecasts
    from catalog.ingest import run_sync
    from core.db import make_session_factory

    migrate(settings)
    eng = make_engine(settings.database_url)
    report = run_sync(make_session_factory(eng), settings)
    assert not [p.error for p in report.providers if p.error], "bundled catalog must sync cleanly"
    load_history(settings)
    assert refresh_forecasts(settings) > 20
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Any) -> Iterator[Connection]:
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


class _HandoffLock:
    """The test connection's lock: reentrant within one thread's call chain, released from any thread.

    Held by whoever opens a transaction on the connection. Reentrancy needs both the thread and the
    context (a token in a ``ContextVar``): a request's session is used by its endpoint in one threadpool
    thread and committed in another, and in between the first thread may run another request's work,
    which must wait. Threads that copy the context (LangGraph's tool threads) differ by thread: they
    wait too. An ``RLock`` refused the release from the other thread and stayed held for ever."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: tuple[int, object] | None = None
        self._depth = 0
        self._token: contextvars.ContextVar[object | None] = contextvars.ContextVar("lock", default=None)

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._depth and self._owner == (me, self._token.get()):
                self._depth += 1
                return
            while self._depth:
                self._cond.wait()
            token = object()
            self._token.set(token)
            self._owner, self._depth = (me, token), 1

    def release(self) -> None:
        with self._cond:
            if not self._depth:
                raise RuntimeError("release of an unheld test-connection lock")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._cond.notify()


class _SerializedSession(Session):
    """A session that holds the test connection's lock while it has a transaction open.

    All sessions of a test share one connection (so that everything rolls back); requests and the agent's
    tools use it from parallel threads, and savepoints interleaved on one connection would corrupt each
    other. The lock is taken when the session's transaction begins (before its savepoint) and released
    when it ends (commit, rollback or close), in whichever thread that happens."""

    lock = _HandoffLock()


@event.listens_for(_SerializedSession, "after_transaction_create")
def _take_connection(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _SerializedSession.lock.acquire()


@event.listens_for(_SerializedSession, "after_transaction_end")
def _give_connection(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _SerializedSession.lock.release()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions that commit into savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection,
        class_=_SerializedSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """The test's own session. It takes no lock: the test thread waits while the app works, and a
    lock held here would block the app's threads for the whole test."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def cache(settings: Settings) -> Any:
    from core.cache import make_cache

    c = make_cache(settings.redis_url)
    if settings.redis_url:
        import redis

        redis.Redis.from_url(settings.redis_url).flushdb()
    return c


@pytest.fixture
def bus(settings: Settings) -> Any:
    from core.bus import make_bus

    return make_bus(settings.redis_url)


@pytest.fixture
def app(settings: Settings, factory: sessionmaker[Session], cache: Any, bus: Any) -> Any:
    from api.app import create_app

    application = create_app(settings)
    application.state.session_factory = factory
    application.state.cache = cache
    application.state.bus = bus
    return application


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def auth_headers(client: TestClient) -> dict[str, str]:
    """``Authorization`` headers of a newly registered user (the admin of a new team), created through
    the API inside the test's transaction, so it is gone after the test."""
    import uuid

    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    r = client.post(
        "/auth/register",
        json={"email": email, "password": "correct horse battery staple", "tenant_name": "Test team"},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


# --- the browser (one Chromium for the whole run) --------------------------------------------------
# Playwright's sync API leaves an event loop in the thread that started it, so a second
# sync_playwright() later in the same run fails: every browser test shares this one instance.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # CI installs both (make system-deps), so there a missing browser is a failure, never a skip.
    if os.environ.get("CI") and not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (make system-deps)")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
