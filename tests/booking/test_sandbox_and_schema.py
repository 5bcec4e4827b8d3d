"""The sandbox provider's own API (idempotent create, stop, the fail hook) and the booking tables as
migrated (revision 0007 matches the models on both backends)."""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

import booking.models  # noqa: F401  (registers the tables)
from booking.sandbox import SandboxProvider, create_sandbox_app
from catalog.models import include_object
from core.db import Base
from core.settings import Settings

BOOKING_TABLES = {"bookings", "booking_transitions", "webhook_deliveries"}


def instance_request(**changes: Any) -> dict[str, Any]:
    return {
        "booking_id": "b-1",
        "provider_id": "lambda",
        "offer_name": "gpu_1x_h100",
        "hours": 2,
        "callback_url": "http://127.0.0.1:9/webhooks/lambda",
        **changes,
    }


def test_the_sandbox_creates_once_per_key_and_stops() -> None:
    # A long start delay: these instances never reach their (unreachable) callback.
    settings = Settings(sandbox_start_delay_s=3600, public_url="http://127.0.0.1:9")
    provider = SandboxProvider(lambda: settings)
    with TestClient(create_sandbox_app(provider)) as sandbox:
        first = sandbox.post("/instances", json=instance_request(), headers={"Idempotency-Key": "b-1"})
        assert first.status_code == 201 and first.json()["status"] == "provisioning"
        again = sandbox.post("/instances", json=instance_request(), headers={"Idempotency-Key": "b-1"})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        other = sandbox.post(
            "/instances", json=instance_request(booking_id="b-2"), headers={"Idempotency-Key": "b-2"}
        )
        assert other.json()["id"] != first.json()["id"]

        stopped = sandbox.post(f"/instances/{first.json()['id']}/stop")
        assert stopped.status_code == 202
        assert sandbox.get(f"/instances/{first.json()['id']}").json()["stop_requested"] is True
        assert sandbox.post("/instances/sbx-nope/stop").status_code == 404
        assert sandbox.post("/instances", json={"hours": 1}).status_code == 422
        # It calls back nowhere but our own webhook endpoint.
        elsewhere = instance_request(booking_id="b-9", callback_url="http://169.254.169.254/latest/meta-data")
        assert sandbox.post("/instances", json=elsewhere).status_code == 422

        assert sandbox.post("/control/fail", json={"count": 2, "reason": "maintenance"}).status_code == 200
        failing = sandbox.post("/instances", json=instance_request(booking_id="b-3"))
        assert provider.instances[failing.json()["id"]].fail_reason == "maintenance"
        provider.close()


def test_the_sandbox_is_not_mounted_in_production_unless_asked() -> None:
    assert Settings().sandbox_mounted is True
    assert Settings(env="production").sandbox_mounted is False
    assert Settings(env="production", sandbox_provider_enabled=True).sandbox_mounted is True


def test_migration_0007_matches_the_booking_models(engine: Any) -> None:
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diffs = compare_metadata(context, Base.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()

    def touches_bookings(diff: Any) -> bool:
        text = repr(diff)
        return any(f"'{t}'" in text or f"<{t}>" in text for t in BOOKING_TABLES)

    assert [d for d in diffs if touches_bookings(d)] == []
    assert version >= "0007"
    assert set(Base.metadata.tables) >= BOOKING_TABLES
