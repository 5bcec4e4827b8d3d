"""A database of its own for the live pieces (price stream, alerts, scheduled syncs): ``gpubroker sync
--from`` and the served app commit, so they cannot share the rolled-back test transaction. Holds the
bundled Lambda and Vast catalogs (loaded once per backend); every test changes the prices it needs
through the real ``sync --from`` path and reads the old ones from the database first."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.bus import MemoryBus
from core.db import make_engine, make_session_factory
from core.settings import Settings
from tests.conftest import PG_DB, REDIS_URL, _recreate_pg_database

SNAPSHOTS = Path(__file__).resolve().parents[2] / "catalog" / "snapshots" / "catalog"


@pytest.fixture(scope="session")
def live_settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from api.cli import migrate
    from catalog.ingest import run_sync

    tmp = tmp_path_factory.mktemp(f"live-{backend}")
    common: dict[str, Any] = {
        "embedded_worker": False,
        "sandbox_database_url": f"sqlite:///{tmp / 'sandbox.db'}",
        "price_stream_heartbeat_s": 1.0,
        "mail_dir": tmp / "mail",
        "alert_retry_base_s": 0.0,
    }
    if backend == "sqlite":
        settings = Settings(database_url=f"sqlite:///{tmp / 'live.db'}", redis_url=None, **common)
    else:
        settings = Settings(
            database_url=_recreate_pg_database(f"{PG_DB}_live"), redis_url=REDIS_URL, **common
        )
    migrate(settings)
    engine = make_engine(settings.database_url)
    # Published at once to a bus nobody reads, so the relay in the tests finds only their own events.
    report = run_sync(make_session_factory(engine), settings, providers=["lambda", "vast"], bus=MemoryBus())
    engine.dispose()
    assert not [p.error for p in report.providers if p.error]
    return settings


@pytest.fixture
def live_factory(live_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(live_settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


# The prices each database's mirror file holds beyond the bundled ones: every file written carries the
# changes of the earlier tests too, so a test changes only the rows it names.
MIRRORED: dict[str, dict[tuple[str, str], str]] = {}


def lambda_file(
    settings: Settings, tmp: Path, prices: dict[tuple[str, str], str], name: str = "lambda-mirror.csv"
) -> Path:
    """The Lambda catalog as an operator's mirror: the bundled rows with the given (instance type,
    region) rows at new prices, and the changes earlier tests made to this database."""
    mirrored = MIRRORED.setdefault(settings.database_url, {})
    mirrored.update(prices)
    text = (SNAPSHOTS / "lambda.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        price = mirrored.get((row["InstanceType"], row["Region"]))
        if price is not None:
            row["Price"] = price
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def sync_from(settings: Settings, path: Path, *extra: str, provider: str = "lambda") -> int:
    """``gpubroker sync --provider NAME --from PATH`` as an operator types it."""
    from api.cli import build_parser

    args = build_parser().parse_args(["sync", "--provider", provider, "--from", str(path), *extra])
    return int(args.func(args, settings))


def relay_outbox(settings: Settings, factory: sessionmaker[Session], bus: Any) -> int:
    """In the embedded default (no Redis) a ``sync`` process cannot reach the server's in-process bus:
    the worker's outbox relay publishes its event there. This runs the relay as the worker would."""
    from core.db import session_scope
    from core.outbox import relay

    if settings.redis_url:
        return 0
    with session_scope(factory) as session:
        return relay(session, bus, older_than_s=0)
