"""Fixtures of the booking tests, on both backends through the shared ``client``/``app`` fixtures.

``live`` is a real HTTP server (uvicorn on a loopback port) that forwards to the current test's app,
so the sandbox provider is called over HTTP by our provisioner and calls our webhook back over HTTP,
inside the test's rolled-back transaction. ``quiet`` swaps the provisioner for one that sends no
webhooks, for tests that play the provider's part themselves with :func:`post_event`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import booking.service
from accounts import crypto
from booking.models import Booking
from booking.provisioners import CREDENTIAL_FIELDS
from booking.signing import signed_headers
from catalog.models import Offer
from core.settings import DEV_WEBHOOK_SECRET
from tests.support import check_alive, serve

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# --- people ----------------------------------------------------------------------------------------


@dataclass
class Account:
    email: str
    user_id: str
    tenant_id: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(client: TestClient, **extra: Any) -> Account:
    email = f"booker-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD, **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return Account(email, body["user"]["id"], body["tenant"]["id"], body["access_token"])


def invite(client: TestClient, admin: Account, role: str) -> Account:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(
        f"/tenants/{admin.tenant_id}/invitations", json={"email": email, "role": role}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "invite_token": r.json()["token"]}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return Account(email, body["user"]["id"], body["tenant"]["id"], body["access_token"])


@pytest.fixture
def alice(client: TestClient) -> Account:
    return register(client, tenant_name="Alice ML")


@pytest.fixture
def mallory(client: TestClient) -> Account:
    return register(client, tenant_name="Other team")


# --- offers ----------------------------------------------------------------------------------------


def offer_ids(factory: sessionmaker[Session], n: int = 1) -> list[str]:
    """Offers that can be booked through the sandbox provider (providers with a provisioner of their own
    are tested in test_provisioning.py). Through ``factory``, whose sessions take the test connection's
    lock: the app's own threads (housekeeping at start-up, webhooks) share that connection."""
    query = (
        select(Offer.id)
        .where(
            Offer.availability == "up",
            Offer.spot.is_(False),
            Offer.provider.not_in(sorted(CREDENTIAL_FIELDS)),
        )
        .order_by(Offer.id)
        .limit(n)
    )
    with factory() as session:
        return list(session.execute(query).scalars())


@pytest.fixture
def offer_id(factory: sessionmaker[Session]) -> str:
    return offer_ids(factory)[0]


# --- the provider ----------------------------------------------------------------------------------


class Dispatch:
    """An ASGI app forwarding to the current test's app; counts requests in flight so a test can end
    only when none of its webhooks is still using the test's connection."""

    def __init__(self) -> None:
        self.target: Any = None
        self.in_flight = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        target = self.target
        if target is None:
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b"no test is running"})
            return
        self.in_flight += 1
        try:
            await target(scope, receive, send)
        finally:
            self.in_flight -= 1


@dataclass
class Live:
    url: str
    dispatch: Dispatch


@pytest.fixture(scope="session")
def live_dispatch() -> Iterator[Live]:
    dispatch = Dispatch()
    with serve(dispatch) as url:
        yield Live(url, dispatch)


@pytest.fixture
def live(app: Any, client: TestClient, live_dispatch: Live, tmp_path: Path) -> Iterator[str]:
    """The test's app on a real HTTP server; the sandbox answers at once (no start delay) and booked
    hours pass in real time unless a test speeds them up with :func:`tune`. The sandbox keeps its
    instances in a database of this test's own, so no webhook of an earlier test's instance reaches it."""
    url = live_dispatch.url
    check_alive(url)
    tune(
        app,
        sandbox_provider_url=f"{url}/sandbox-provider",
        public_url=url,
        sandbox_start_delay_s=0.0,
        sandbox_database_url=f"sqlite:///{tmp_path / 'sandbox-provider.db'}",
    )
    live_dispatch.dispatch.target = app
    try:
        yield url
    finally:
        live_dispatch.dispatch.target = None
        app.state.sandbox_provider.close()
        deadline = time.monotonic() + 10
        while live_dispatch.dispatch.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)


def tune(app: Any, **changes: Any) -> None:
    """Changes the app's settings for this test (the app, its provisioner and its sandbox read them
    per request)."""
    app.state.settings = app.state.settings.model_copy(update=changes)


class QuietProvisioner:
    """Accepts every instance and sends no webhook: the test plays the provider."""

    def __init__(self) -> None:
        self.provisioned: list[str] = []
        self.stopped: list[str | None] = []

    def provision(self, booking: Booking) -> str:
        ref = f"quiet-{booking.id}"
        self.provisioned.append(ref)
        return ref

    def stop(self, booking: Booking) -> None:
        self.stopped.append(booking.provider_ref)

    def observe(self, booking: Booking) -> None:
        return None


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> QuietProvisioner:
    provisioner = QuietProvisioner()
    monkeypatch.setattr(booking.service, "provisioner_for", lambda provider_id, settings, *_: provisioner)
    return provisioner


def event_body(type_: str, instance_id: str, event_id: str | None = None, **extra: Any) -> bytes:
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "type": type_, "instance_id": instance_id, **extra}
    return orjson.dumps(event)


def post_event(
    client: TestClient,
    provider: str,
    body: bytes,
    *,
    secret: str = DEV_WEBHOOK_SECRET,
    at: float | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    sent = headers if headers is not None else signed_headers(secret, body, at)
    return client.post(f"/webhooks/{provider}", content=body, headers=sent)


# --- bookings through the API ----------------------------------------------------------------------


def create(client: TestClient, who: Account, offer_id: str, hours: float = 2, **extra: Any) -> dict[str, Any]:
    r = client.post("/bookings", json={"offer_id": offer_id, "hours": hours, **extra}, headers=who.headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def submit(client: TestClient, who: Account, booking_id: str) -> dict[str, Any]:
    r = client.post(f"/bookings/{booking_id}/submit", headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def detail(client: TestClient, who: Account, booking_id: str) -> dict[str, Any]:
    r = client.get(f"/bookings/{booking_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def wait_for_state(
    client: TestClient, who: Account, booking_id: str, state: str, timeout: float = 15
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        current = detail(client, who, booking_id)
        if current["state"] == state:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"booking stayed {current['state']}, expected {state}: {current}")
        time.sleep(0.05)


def booking_messages(bus: Any, booking_id: str) -> list[tuple[str, str]]:
    return [
        (m["payload"]["from"], m["payload"]["to"])
        for m in bus.recent("booking_events", 1000)
        if m["payload"]["booking_id"] == booking_id
    ]


# --- real providers: moto for AWS, fakes for the others --------------------------------------------


ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGyHn4YyDR7WCIrGxQgkrILM8T9Ny1Xw/XYVdPJUw8ZZ alice@laptop"
PROVIDER_KEYS = {
    "lambda": "lambda-key-0123456789",
    "runpod": "runpod-key-0123456789",
    "vast": "vast-key-0123456789",
}
AWS_KEYS = {
    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


@dataclass
class Clouds:
    aws_url: str
    lambda_: Any
    runpod: Any
    vast: Any

    def credentials(self, provider: str) -> dict[str, str]:
        return dict(AWS_KEYS) if provider == "aws" else {"api_key": PROVIDER_KEYS[provider]}


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto in server mode on a free loopback port: the AWS wire protocol, answered by moto."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fake_servers() -> Iterator[dict[str, tuple[Any, str]]]:
    from tests.booking.fakes.lambda_cloud import FakeLambda
    from tests.booking.fakes.runpod import FakeRunPod
    from tests.booking.fakes.vast import FakeVast

    holders = {"lambda": _Swap(FakeLambda), "runpod": _Swap(FakeRunPod), "vast": _Swap(FakeVast)}
    with serve(holders["lambda"]) as lam, serve(holders["runpod"]) as rp, serve(holders["vast"]) as va:
        yield {
            "lambda": (holders["lambda"], lam),
            "runpod": (holders["runpod"], rp),
            "vast": (holders["vast"], va),
        }


class _Swap:
    """An ASGI app that forwards to a fresh fake per test (so no test sees another's instances)."""

    def __init__(self, kind: Any) -> None:
        self.kind = kind
        self.current = kind()

    def renew(self) -> Any:
        self.current = self.kind()
        return self.current

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.current.app(scope, receive, send)


@pytest.fixture
def clouds(app: Any, moto_url: str, fake_servers: dict[str, tuple[Any, str]]) -> Clouds:
    """Every real provider reachable by the app: moto (reset) for AWS, fresh fakes for the others."""
    import httpx

    # moto's reset has taken over 10 s on a loaded CI machine.
    httpx.post(f"{moto_url}/moto-api/reset", timeout=60).raise_for_status()
    fakes = {}
    for name, (holder, _) in fake_servers.items():
        fake = holder.renew()
        fake.keys.add(PROVIDER_KEYS[name])
        fakes[name] = fake
    tune(
        app,
        aws_endpoint_url=moto_url,
        lambda_api_url=f"{fake_servers['lambda'][1]}/api/v1",
        runpod_api_url=f"{fake_servers['runpod'][1]}/graphql",
        vast_api_url=f"{fake_servers['vast'][1]}/api/v0",
    )
    return Clouds(moto_url, fakes["lambda"], fakes["runpod"], fakes["vast"])
