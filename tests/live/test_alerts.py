"""Price alerts as a user meets them: saved through ``/alerts``, fired when ``gpubroker sync --from``
brings a matching offer under the threshold, delivered in the app, by email (a real SMTP server,
aiosmtpd, in this process) and by a signed webhook (a real HTTP server), exactly once per crossing
even when the ``price_updates`` message is delivered twice; retries with backoff and the delivery log."""

from __future__ import annotations

import email
import functools
import hashlib
import hmac
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from alerts import service
from alerts.jobs import handle_price_updates
from alerts.models import AlertDelivery, AlertFiring
from api.app import create_app
from catalog.models import Offer
from core.bus import MemoryBus
from core.db import session_scope
from core.jobs import Runtime
from core.outbox import relay
from core.settings import Settings
from tests import support
from tests.live.conftest import lambda_file, sync_from

KEY = ("gpu_8x_h100_sxm5", "me-west-1")


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def alerts(self) -> list[Message]:
        """The price alerts received (registering also mails a link to confirm the address)."""
        return [m for m in self.messages if m["Subject"].startswith("Price alert")]


@dataclass
class Receiver:
    """A webhook endpoint: records each request, answers with the next planned status (then 200)."""

    plan: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def __call__(self, request: Request) -> JSONResponse:
        self.received.append((dict(request.headers), await request.body()))
        status = self.plan.pop(0) if self.plan else 200
        return JSONResponse({"ok": status < 300}, status_code=status)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()

    async def endpoint(request: Request) -> JSONResponse:
        return await hook(request)

    with support.serve(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as url:
        yield hook, f"{url}/hook"


# The served app answers within a second on an idle machine; a CI machine running the whole suite
# has been seen to take more than httpx's default 5 s for a registration (password hashing).
post = functools.partial(httpx.post, timeout=30.0)
get = functools.partial(httpx.get, timeout=30.0)


@pytest.fixture
def world(
    live_settings: Settings, live_factory: sessionmaker[Session], smtp: tuple[Inbox, int]
) -> Iterator[tuple[Settings, str, Any]]:
    settings = live_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1], "smtp_security": "none"}
    )
    app = create_app(settings)
    app.state.session_factory = live_factory
    with support.serve(app) as url:
        yield settings, url, app


def register(url: str) -> dict[str, str]:
    r = post(
        f"{url}/auth/register",
        json={
            "email": f"alerts-{time.time_ns()}@example.com",
            "password": "correct horse battery staple",
            "tenant_name": "Alert team",
        },
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ingest(
    settings: Settings, factory: sessionmaker[Session], tmp: Path, price: str, name: str
) -> dict[str, Any]:
    """``sync --from`` with the H100 offer at ``price``; returns its ``price_updates`` message as the
    bus carried it (Redis on PostgreSQL; the outbox relay's publication without Redis)."""
    assert (
        sync_from(settings, lambda_file(settings, tmp, {KEY: price}, name), "--as-of", "2026-12-07T11:00:00")
        == 0
    )
    if settings.redis_url:
        from core.bus import make_bus

        return make_bus(settings.redis_url).recent("price_updates", 1)[-1]
    bus = MemoryBus()
    with session_scope(factory) as session:
        assert relay(session, bus, older_than_s=0) == 1
    return bus.recent("price_updates")[-1]


def firings(factory: sessionmaker[Session], alert_id: str) -> list[AlertFiring]:
    with factory() as session:
        return list(session.execute(select(AlertFiring).where(AlertFiring.alert_id == alert_id)).scalars())


def test_an_alert_fires_once_in_the_app_by_email_and_by_signed_webhook(
    world: tuple[Settings, str, Any],
    live_factory: sessionmaker[Session],
    smtp: tuple[Inbox, int],
    receiver: tuple[Receiver, str],
    tmp_path: Path,
) -> None:
    settings, url, _app = world
    inbox, hook = smtp[0], receiver[0]
    auth = register(url)
    runtime = Runtime(settings, live_factory)
    with live_factory() as session:
        before = session.execute(select(Offer).where(Offer.external_id == "/".join(KEY))).scalar_one()
    created = post(
        f"{url}/alerts",
        headers=auth,
        json={
            "filters": {"gpu_type": "H100", "provider": "lambda", "gpu_count_exact": 8},
            "threshold": 2,
            "per": "gpu_hour",
            "channels": ["in_app", "email", "webhook"],
            "webhook_url": receiver[1],
        },
    )
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["name"] == "8x H100 from lambda at or below $2/GPU-h"
    assert alert["currently_under"] == 0 and len(alert["webhook_secret"]) > 20

    # $15.00 for 8 GPUs is $1.875/GPU-h: under the threshold. The message is handled twice, as an
    # at-least-once bus may deliver it: the second time changes nothing.
    message = ingest(settings, live_factory, tmp_path, "15.00", "down.csv")
    assert handle_price_updates(runtime, message) == 1
    assert handle_price_updates(runtime, message) == 0
    # Still under at a lower price: no new crossing, no new notice.
    assert handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "14.00", "lower.csv")) == 0

    (fired,) = firings(live_factory, alert["id"])
    assert fired.offer_id == before.id and float(fired.price) == 1.875
    assert len(inbox.alerts()) == 1
    mail = inbox.alerts()[0]
    assert mail["Subject"] == "Price alert: H100 SXM at $1.88/GPU-hour (lambda)"
    body = mail.get_payload()
    assert "is now $1.8750 per GPU-hour ($15.00/h)" in str(
        body
    ) and "Price as of 2026-12-07 11:00 UTC" in str(body)

    assert len(hook.received) == 1
    headers, raw = hook.received[0]
    stamp, signature = (part.split("=", 1)[1] for part in headers["x-gpubroker-signature"].split(","))
    expected = hmac.new(
        alert["webhook_secret"].encode(), f"{stamp}.".encode() + raw, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert headers["x-gpubroker-event"] == "price_alert.fired"

    notices = get(f"{url}/alerts/notifications", headers=auth).json()
    assert [(n["offer_id"], n["price"], n["read_at"]) for n in notices] == [(before.id, 1.875, None)]
    log = get(f"{url}/alerts/deliveries", headers=auth).json()
    assert sorted((d["channel"], d["status"], d["attempts"]) for d in log) == [
        ("email", "sent", 1),
        ("webhook", "sent", 1),
    ]

    # Back above the threshold, then under again: a new crossing, a new notice.
    assert handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "23.92", "up.csv")) == 0
    assert handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "15.50", "again.csv")) == 1
    assert (
        len(firings(live_factory, alert["id"])) == 2 and len(inbox.alerts()) == 2 and len(hook.received) == 2
    )


def test_webhooks_are_retried_with_backoff_and_4xx_is_final(
    world: tuple[Settings, str, Any],
    live_factory: sessionmaker[Session],
    receiver: tuple[Receiver, str],
    tmp_path: Path,
) -> None:
    settings, url, _app = world
    hook = receiver[0]
    hook.plan = [503, 500]
    runtime = Runtime(settings.model_copy(update={"alert_retry_base_s": 0.0}), live_factory)
    handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "23.92", "bundled.csv"))
    auth = register(url)
    # $17/h: above the first test's $2/GPU-h alert ($16) at every price used here, so only these fire.
    body = {"filters": {"gpu_type": "H100", "provider": "lambda"}, "threshold": 17, "channels": ["webhook"]}
    alert = post(f"{url}/alerts", headers=auth, json={**body, "webhook_url": receiver[1]}).json()
    refused = post(f"{url}/alerts", headers=auth, json={**body, "webhook_url": receiver[1] + "?gone"}).json()
    assert handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "16.50", "retry.csv")) == 2
    # Both alerts call the same receiver, which answers 503 and then 500 to the first two calls.
    for _ in range(3):
        service.deliver_due(live_factory, runtime.settings)
    with live_factory() as session:
        rows = {
            d.alert_id: d
            for d in session.execute(
                select(AlertDelivery).where(AlertDelivery.alert_id.in_([alert["id"], refused["id"]]))
            ).scalars()
        }
    assert {r.status for r in rows.values()} == {"sent"}
    assert sum(r.attempts for r in rows.values()) == 4  # two failures (503, 500) retried, then both sent
    assert len(hook.received) == 4
    assert {h["x-gpubroker-delivery"] for h, _ in hook.received} == {r.id for r in rows.values()}

    hook.plan = [410]
    # The offer leaves the threshold and comes back: one more crossing each, and a 410 is final.
    handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "23.92", "up2.csv"))
    handle_price_updates(runtime, ingest(settings, live_factory, tmp_path, "16.60", "down2.csv"))
    for _ in range(3):
        service.deliver_due(live_factory, runtime.settings)
    log = get(f"{url}/alerts/deliveries", headers=auth).json()
    failed = [d for d in log if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1 and failed[0]["last_error"].startswith("HTTP 410")


def test_bad_alerts_are_refused_naming_the_field(world: tuple[Settings, str, Any]) -> None:
    _settings, url, _app = world
    assert post(f"{url}/alerts", json={"threshold": 2}).status_code == 401
    auth = register(url)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"threshold": 0}, "threshold"),
        ({"threshold": 2, "filters": {"gpu_count": "eight"}}, "filters.gpu_count"),
        ({"threshold": 2, "filters": {"gpu_type": "NoSuchGPU"}}, "gpu_type"),
        ({"threshold": 2, "channels": ["webhook"]}, "request"),
        ({"threshold": 2, "channels": ["pager"]}, "channels.0"),
        ({"threshold": 2, "webhook_url": "ftp://x", "channels": ["webhook"]}, "webhook_url"),
        ({"threshold": 2, "filters": {"page": 2}}, "filters.page"),
    ]
    for body, field_name in cases:
        r = post(f"{url}/alerts", headers=auth, json=body)
        assert r.status_code == 422, (body, r.text)
        fields = {d.get("field") for d in r.json()["error"]["details"] or []}
        assert field_name in fields, (body, r.json())
    assert get(f"{url}/alerts", headers=auth).json() == []
    assert httpx.delete(f"{url}/alerts/nope", headers=auth).status_code == 404
