"""The sandbox provider's own API (idempotent create, stop, the fail hook) and the booking tables as
migrated (revision 0007 matches the models on both backends)."""

from __future__ import annotations

import threading
import time
import uuid
import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

import booking.models  # noqa: F401  (registers the tables)
from booking.sandbox import CreateInstance, SandboxProvider, create_sandbox_app
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


def test_the_sandbox_creates_once_per_key_and_stops(settings: Settings, engine: Any) -> None:
    # On the migrated database of the backend (its own tables, committed for real: it is another system).
    # A long start delay: these instances never reach their (unreachable) callback.
    sandbox_settings = settings.model_copy(
        update={
            "sandbox_start_delay_s": 3600,
            "public_url": "http://127.0.0.1:9",
            "sandbox_database_url": None,
        }
    )
    provider = SandboxProvider(lambda: sandbox_settings)
    key = f"b-{uuid.uuid4().hex}"
    with TestClient(create_sandbox_app(provider, standalone=True)) as sandbox:
        first = sandbox.post("/instances", json=instance_request(), headers={"Idempotency-Key": key})
        assert first.status_code == 201 and first.json()["status"] == "provisioning"
        again = sandbox.post("/instances", json=instance_request(), headers={"Idempotency-Key": key})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        other = sandbox.post(
            "/instances", json=instance_request(booking_id="b-2"), headers={"Idempotency-Key": key + "-2"}
        )
        assert other.json()["id"] != first.json()["id"]

        stopped = sandbox.post(f"/instances/{first.json()['id']}/stop")
        assert stopped.status_code == 202
        assert sandbox.get(f"/instances/{first.json()['id']}").json()["stop_requested"] is True
        assert sandbox.post("/instances/sbx-nope/stop").status_code == 404
        assert sandbox.get("/instances/sbx-nope").status_code == 404
        assert sandbox.post("/instances", json={"hours": 1}).status_code == 422
        # It calls back nowhere but our own webhook endpoint.
        elsewhere = instance_request(booking_id="b-9", callback_url="http://169.254.169.254/latest/meta-data")
        assert sandbox.post("/instances", json=elsewhere).status_code == 422

        assert sandbox.post("/control/fail", json={"count": 1, "reason": "maintenance"}).status_code == 200
        failing = sandbox.post("/instances", json=instance_request(booking_id="b-3"))
        assert sandbox.get(f"/instances/{failing.json()['id']}").json()["fail_reason"] == "maintenance"
        assert sandbox.get("/healthz").json() == {"status": "ok"}


def test_a_stop_reaches_the_instance_through_any_process_serving_the_sandbox(
    settings: Settings, engine: Any
) -> None:
    """Two sandbox apps on one database (two API replicas): one creates, the other stops, and the
    terminated webhook goes out once, from whichever driver takes it."""
    from tests.support import serve

    received: list[dict[str, Any]] = []
    hook = FastAPI()

    @hook.post("/webhooks/{provider}")
    async def webhook(provider: str, request: Request) -> dict[str, str]:
        received.append(await request.json())
        return {"ok": "yes"}

    with serve(hook) as hook_url:
        shared = settings.model_copy(
            update={"sandbox_start_delay_s": 0, "public_url": hook_url, "sandbox_database_url": None}
        )
        one, two = SandboxProvider(lambda: shared), SandboxProvider(lambda: shared)
        with (
            TestClient(create_sandbox_app(one, standalone=True)) as a,
            TestClient(create_sandbox_app(two, standalone=True)) as b,
        ):
            created = a.post(
                "/instances",
                json=instance_request(booking_id="b-x", callback_url=f"{hook_url}/webhooks/lambda"),
            )
            instance_id = created.json()["id"]
            # Deadlines that only cost time when something is wrong (a loaded CI machine is slow).
            deadline = time.monotonic() + 30
            while (
                a.get(f"/instances/{instance_id}").json()["status"] != "running"
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
            assert b.post(f"/instances/{instance_id}/stop").status_code == 202
            # The sender records a delivery once our hook has answered it, so the hook can hold the event a
            # moment before the instance lists it (CI run 7 read the instance in between): wait for both.
            deadline = time.monotonic() + 30
            while True:
                view = a.get(f"/instances/{instance_id}").json()
                delivered = [d["type"] for d in view["deliveries"]]
                arrived = any(e["type"] == "instance.terminated" for e in received)
                if (arrived and "instance.terminated" in delivered) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
    mine = [e for e in received if e["instance_id"] == instance_id]
    assert [e["type"] for e in mine] == ["instance.running", "instance.terminated"]
    assert mine[1]["reason"] == "stopped on request"
    assert view["status"] == "terminated"
    assert [(d["type"], d["status"]) for d in view["deliveries"]] == [
        ("instance.running", 200),
        ("instance.terminated", 200),
    ]


def test_stops_while_the_driver_claims_never_deadlock(settings: Settings, engine: Any) -> None:
    """A stop locks the instance and then its events; the driver claimed events and then wanted their
    instance. Under traffic PostgreSQL aborted one of the two as a deadlock: the stop answered 500 and
    the replica a 502. Stops and claims at once, on many instances, all succeed, in the right order."""
    shared = settings.model_copy(
        update={"sandbox_start_delay_s": 0, "public_url": "http://127.0.0.1:9", "sandbox_database_url": None}
    )
    provider = SandboxProvider(lambda: shared)
    ids = [
        provider.create(CreateInstance(**instance_request(booking_id=f"b-{uuid.uuid4().hex}")), None)[0]["id"]
        for _ in range(24)
    ]
    errors: list[BaseException] = []
    stops_done = threading.Event()

    def claim() -> None:
        while not stops_done.is_set():
            try:
                provider._claim_due()
            except Exception as exc:
                errors.append(exc)
                return

    def stop(instance_id: str) -> None:
        try:
            assert provider.request_stop(instance_id) is not None
        except BaseException as exc:
            errors.append(exc)

    claimers = [threading.Thread(target=claim) for _ in range(2)]
    for t in claimers:
        t.start()
    stoppers = [threading.Thread(target=stop, args=(i,)) for i in ids]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(60)
    while any(v["status"] != "terminated" for v in map(provider.get, ids)) and not errors:
        provider._claim_due()
    stops_done.set()
    for t in claimers:
        t.join(60)
    assert errors == []
    for instance_id in ids:
        view = provider.get(instance_id)
        assert view is not None and view["status"] == "terminated" and view["stop_requested"] is True


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
