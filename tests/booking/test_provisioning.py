"""Real provisioning, as a user does it: credentials, an SSH key, a booking of a real provider's offer, the
worker asking the provider and polling it, the connection, the stop. AWS runs on moto in server mode (the
AWS wire protocol through boto3); RunPod, Lambda and Vast on fakes written from their API references
(tests/booking/fakes/). Every call goes through the real HTTP clients, and the worker's steps are the real
functions the jobs run (``booking.jobs`` -> ``booking.tracking``), called here one at a time.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import AuditEntry
from booking import tracking
from booking.jobs import provision_submitted
from booking.models import Booking, ProviderCredential
from core.jobs import Runtime
from tests.booking.conftest import ED25519_KEY, Account, Clouds, create, detail, register

PROVIDERS = ["aws", "lambda", "runpod", "vast"]


# --- helpers ---------------------------------------------------------------------------------------


def add_key(client: TestClient, who: Account, key: str = ED25519_KEY) -> dict[str, Any]:
    r = client.post("/ssh-keys", json={"public_key": key}, headers=who.headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def store(client: TestClient, who: Account, clouds: Clouds, provider: str) -> dict[str, Any]:
    r = client.put(
        f"/provider-credentials/{provider}", json=clouds.credentials(provider), headers=who.headers
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def cheapest(client: TestClient, provider: str, spot: bool = False) -> dict[str, Any]:
    r = client.get(
        "/providers",
        params={"provider": provider, "spot": str(spot).lower(), "sort": "price_asc", "availability": "up"},
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, f"no {provider} offer in the catalog"
    offer: dict[str, Any] = items[0]
    return offer


def ready(client: TestClient, who: Account, clouds: Clouds, provider: str) -> None:
    add_key(client, who)
    store(client, who, clouds, provider)


def offer_market(clouds: Clouds, offer: dict[str, Any], below: float = 0.01) -> None:
    """Vast rents live asks, not catalog rows: put on the fake market an ask of the offer's shape."""
    count, _, rest = offer["name"].partition("x-")
    gpu = rest.rsplit("-", 2)[0].replace("_", " ")
    country = offer["region"].split(",")[1].strip()
    price = float(offer["price_per_hour"])
    clouds.vast.add_ask(7_000_001, gpu, int(count), price - below, f"Somewhere, {country}", price / 2)


def runtime(app: Any, factory: sessionmaker[Session]) -> Runtime:
    return Runtime(settings=app.state.settings, session_factory=factory, bus=app.state.bus)


def deliver_submits(app: Any, factory: sessionmaker[Session], booking_id: str) -> None:
    """What the worker's ``booking-provisioner`` consumer does with the submit's event: the real handler,
    on an event loop of its own in another thread, as the worker runs it (the test thread may already
    have a loop, left by the browser tests)."""
    for message in app.state.bus.recent("booking_events", 1000):
        if message["payload"]["booking_id"] == booking_id and message["payload"]["to"] == "pending_provision":
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, provision_submitted(runtime(app, factory), message)).result()


def poll(
    app: Any, factory: sessionmaker[Session], booking_id: str, at: datetime | None = None
) -> tracking.PollResult:
    return tracking.poll_booking(
        factory,
        app.state.settings,
        booking_id,
        bus=app.state.bus,
        clock=(lambda: at) if at else tracking.utcnow,
    )


def ec2(clouds: Clouds, region: str) -> Any:
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=clouds.aws_url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )


def running_instance(clouds: Clouds, provider: str, ref: str, region: str | None) -> dict[str, Any] | None:
    """The instance as the provider itself lists it now (None when gone)."""
    if provider == "aws":
        reservations = ec2(clouds, region or "us-east-1").describe_instances(InstanceIds=[ref])[
            "Reservations"
        ]
        instance = reservations[0]["Instances"][0]
        return {"type": instance["InstanceType"], "state": instance["State"]["Name"]}
    if provider == "lambda":
        i = clouds.lambda_.instances[ref]
        return {"type": i["instance_type"]["name"], "state": i["status"]}
    if provider == "runpod":
        p = clouds.runpod.pods[ref]
        return {"type": p["gpuCount"], "state": p["desiredStatus"]}
    v = clouds.vast.instances.get(int(ref))
    return None if v is None else {"type": v["gpu_name"], "state": v["actual_status"]}


# --- the flow of the issue: register, credentials, book the cheapest on-demand offer, active, stop ----


@pytest.mark.parametrize("provider", PROVIDERS)
def test_book_a_real_instance_and_stop_it(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds, provider: str
) -> None:
    alice = register(client, tenant_name=f"{provider} users")
    ready(client, alice, clouds, provider)
    offer = cheapest(client, provider)
    if provider == "vast":
        offer_market(clouds, offer)
    booking = create(client, alice, offer["id"], hours=1)
    assert booking["spot"] is False and booking["provisioner"] is None

    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 200, r.text
    submitted = r.json()
    # The submit only records the wish: the provider is asked after the commit, by the worker.
    assert submitted["state"] == "pending_provision"
    assert submitted["provisioner"] == provider and submitted["provider_ref"] is None

    deliver_submits(app, factory, booking["id"])
    pending = detail(client, alice, booking["id"])
    assert pending["provider_ref"], pending
    assert pending["state"] == "pending_provision" and pending["connection"] is None

    result = poll(app, factory, booking["id"])
    assert result.seen == "running", result
    active = detail(client, alice, booking["id"])
    assert active["state"] == "active"
    connection = active["connection"]
    assert connection["public_ip"]
    assert (
        connection["ssh_command"].startswith("ssh ") and connection["public_ip"] in connection["ssh_command"]
    )
    assert 0 < active["time_left_s"] <= 3600
    assert active["cost_so_far"] is not None and active["cost_so_far"] >= 0
    assert [t["source"] for t in active["transitions"]] == ["user", "poll"]

    instance = running_instance(clouds, provider, active["provider_ref"], active["region"])
    assert instance is not None and instance["state"] in ("running", "active", "RUNNING")
    if provider == "aws":
        assert instance["type"] == offer["name"]  # moto runs an instance of the offer's type

    r = client.post(f"/bookings/{booking['id']}/stop", headers=alice.headers)
    assert r.status_code == 200, r.text
    gone = running_instance(clouds, provider, active["provider_ref"], active["region"])
    assert gone is None or gone["state"] in ("terminated", "shutting-down", "TERMINATED")

    poll(app, factory, booking["id"])
    done = detail(client, alice, booking["id"])
    assert done["state"] == "completed", done
    assert done["connection"] is None and done["time_left_s"] is None
    assert done["transitions"][-1]["details"]["reason"] == "stopped on request"


# --- credentials -------------------------------------------------------------------------------------


def test_credentials_are_checked_encrypted_listed_without_values_and_audited(
    client: TestClient, db: Session, clouds: Clouds
) -> None:
    admin = register(client, tenant_name="Keys team")
    r = client.get("/provider-credentials", headers=admin.headers)
    assert {i["provider_id"]: i["status"] for i in r.json()["items"]} == dict.fromkeys(PROVIDERS, "missing")

    saved = store(client, admin, clouds, "lambda")
    assert saved["hint"] == "…6789" and saved["cipher"] == "aes-256-gcm"
    assert "Lambda Cloud account" in saved["account"]
    aws = store(client, admin, clouds, "aws")
    assert aws["hint"] == "AKIA…MPLE" and "123456789012" in aws["account"]

    listing = client.get("/provider-credentials", headers=admin.headers)
    text = listing.text
    assert {i["provider_id"]: i["status"] for i in listing.json()["items"]}["lambda"] == "stored"
    for secret in (*clouds.credentials("aws").values(), clouds.credentials("lambda")["api_key"]):
        assert secret not in text
    rows = (
        db.execute(select(ProviderCredential).where(ProviderCredential.tenant_id == admin.tenant_id))
        .scalars()
        .all()
    )
    for row in rows:
        assert row.ciphertext.startswith("gcm1:")
        assert "lambda-key" not in row.ciphertext and "wJalr" not in row.ciphertext
    entries = db.execute(select(AuditEntry).where(AuditEntry.tenant_id == admin.tenant_id)).scalars().all()
    saved_events = [e.details for e in entries if e.event_type == "provider_credentials.saved"]
    assert [d["provider"] for d in saved_events] == ["lambda", "aws"]
    audit_text = repr([(e.event_type, e.details) for e in entries])
    assert "lambda-key-0123456789" not in audit_text and "wJalrXUtnFEMI" not in audit_text
    add_key(client, admin)
    export = client.get("/data-request", headers=admin.headers)
    assert export.status_code == 200
    assert "lambda-key-0123456789" not in export.text and "gcm1:" not in export.text
    # The user's SSH keys are theirs and in the export; the team's provider credentials are not.
    assert [k["name"] for k in export.json()["ssh_keys"]] == ["alice@laptop"]

    r = client.delete("/provider-credentials/lambda", headers=admin.headers)
    assert r.status_code == 204
    assert client.delete("/provider-credentials/lambda", headers=admin.headers).status_code == 404


def test_refused_credentials_are_a_422_quoting_the_provider_and_nothing_is_stored(
    client: TestClient, clouds: Clouds
) -> None:
    admin = register(client, tenant_name="Wrong keys")
    for provider in ("lambda", "runpod", "vast"):
        r = client.put(
            f"/provider-credentials/{provider}", json={"api_key": "wrong-key-123456"}, headers=admin.headers
        )
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "credentials_refused" and error["details"]["provider"] == provider
        assert "wrong-key-123456" not in r.text
    lam = client.put(
        "/provider-credentials/lambda", json={"api_key": "wrong-key-123456"}, headers=admin.headers
    )
    assert "global/invalid-api-key" in lam.json()["error"]["message"]
    listing = client.get("/provider-credentials", headers=admin.headers).json()["items"]
    assert all(i["status"] == "missing" for i in listing)


def test_bad_credential_bodies_name_the_field(client: TestClient, clouds: Clouds) -> None:
    admin = register(client, tenant_name="Typos")
    r = client.put("/provider-credentials/aws", json={"api_key": "x"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "api_key"
    r = client.put("/provider-credentials/aws", json={"access_key_id": "AKIA1234"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "secret_access_key"
    r = client.put("/provider-credentials/lambda", json={"api_key": "has space"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "api_key"
    r = client.put("/provider-credentials/nebius", json={"api_key": "abc"}, headers=admin.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_provider"


def test_only_admins_store_credentials(client: TestClient, clouds: Clouds) -> None:
    from tests.booking.conftest import invite

    admin = register(client, tenant_name="Roles")
    user = invite(client, admin, "user")
    r = client.put("/provider-credentials/lambda", json=clouds.credentials("lambda"), headers=user.headers)
    assert r.status_code == 403
    assert client.get("/provider-credentials", headers=user.headers).status_code == 200


def test_booking_without_credentials_or_key_is_a_409_naming_the_page(
    client: TestClient, clouds: Clouds
) -> None:
    alice = register(client, tenant_name="Not ready")
    offer = cheapest(client, "lambda")
    booking = create(client, alice, offer["id"], hours=1)
    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "no_provider_credentials"
    assert "lambda" in error["message"] and "/account/provider-credentials" in error["message"]
    store(client, alice, clouds, "lambda")
    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_ssh_key"
    assert "/account/ssh-keys" in r.json()["error"]["message"]
    assert detail(client, alice, booking["id"])["state"] == "draft"


def test_broker_mode_books_on_the_operators_account(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    from tests.booking.conftest import tune

    tune(app, broker_credentials={"lambda": {"api_key": SecretStr(clouds.credentials("lambda")["api_key"])}})
    alice = register(client, tenant_name="Broker customers")
    add_key(client, alice)
    items = client.get("/provider-credentials", headers=alice.headers).json()["items"]
    assert {i["provider_id"]: i["status"] for i in items}["lambda"] == "broker"
    booking = create(client, alice, cheapest(client, "lambda")["id"], hours=1)
    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 200, r.text
    deliver_submits(app, factory, booking["id"])
    poll(app, factory, booking["id"])
    assert detail(client, alice, booking["id"])["state"] == "active"
    with factory() as session:
        assert session.get(Booking, booking["id"]).credential_source == "broker"  # type: ignore[union-attr]


# --- SSH keys ----------------------------------------------------------------------------------------


RSA_1024 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDDtQSrNl5p1FHzTFx8Qu7KHrFLHbhyW7W5SyQ5d4dpIW4ZX9l4p2gE0Ve4XgIKzb"
    "mIxOpLDRPKOx6Ph0qlCm5xU6aYAzHvU5uc8yQ2r3E9rHzcOnH2q6Vq9Gqn2cTdZ1cVbVfl8Fbwc8yR3zYC6eYJNY1k8Bv3kSmWnp7Y"
    "3rmKjdpQHw== short"
)


def test_ssh_keys_are_validated_and_the_first_is_the_default(client: TestClient) -> None:
    alice = register(client, tenant_name="Keys")
    first = add_key(client, alice)
    assert (
        first["default"] is True
        and first["fingerprint"].startswith("SHA256:")
        and first["name"] == "alice@laptop"
    )
    r = client.post("/ssh-keys", json={"public_key": ED25519_KEY}, headers=alice.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_ssh_key"
    private = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----"
    r = client.post("/ssh-keys", json={"public_key": private}, headers=alice.headers)
    assert r.status_code == 422 and "private key" in r.json()["error"]["message"]
    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" not in r.text
    for bad in ("ssh-ed25519 not-base64!", "hello world", "ssh-dss AAAAB3NzaC1kc3M="):
        r = client.post("/ssh-keys", json={"public_key": bad}, headers=alice.headers)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "public_key", bad
    second = client.post(
        "/ssh-keys",
        json={
            "name": "ci",
            "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ2qz4m0mWGq6x4l0cW0c3v1zqvJmO1rJ3VqjC8U9m4x",
        },
        headers=alice.headers,
    )
    assert second.status_code == 201 and second.json()["default"] is False
    listing = client.get("/ssh-keys", headers=alice.headers).json()["items"]
    assert [k["name"] for k in listing] == ["alice@laptop", "ci"] and listing[0]["default"] is True
    assert client.delete(f"/ssh-keys/{first['id']}", headers=alice.headers).status_code == 204
    assert client.get("/ssh-keys", headers=alice.headers).json()["items"][0]["default"] is True
    mallory = register(client, tenant_name="Other")
    assert client.delete(f"/ssh-keys/{second.json()['id']}", headers=mallory.headers).status_code == 404
