"""Two writers, one booking: exactly one wins. And a transition reaches the bus only once committed.

The webhook races run against a real server on the real database (committed data, a connection per
request), because the shared test connection would serialize them; their teams are new, so nothing
they leave behind is seen by another test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import booking.service
from accounts import service as accounts
from accounts.audit import Source
from accounts.models import Role
from accounts.service import Ctx, Principal
from api.app import create_app
from booking import service, transitions
from booking.errors import ConcurrentUpdate
from booking.models import Booking, BookingState, BookingTransition
from catalog.models import Offer
from core.db import make_engine, make_session_factory, session_scope
from core.settings import Settings
from tests.booking.conftest import PASSWORD, QuietProvisioner, event_body, offer_ids
from tests.support import serve


def principal_of(session: Session, booking_id: str) -> Principal:
    b = session.get(Booking, booking_id)
    assert b is not None
    return Principal(
        user_id=b.user_id, tenant_id=b.tenant_id, role="admin", session_id="test", email="x@example.com"
    )


# --- optimistic concurrency on the shared test connection -----------------------------------------


@pytest.fixture
def committed(settings: Settings, engine: Any) -> Iterator[sessionmaker[Session]]:
    """Sessions on the real database, a connection each, committing for real."""
    eng = make_engine(settings.database_url)
    try:
        yield make_session_factory(eng)
    finally:
        eng.dispose()


def test_a_write_based_on_a_stale_read_is_refused(
    committed: sessionmaker[Session], quiet: QuietProvisioner, settings: Settings, bus: Any
) -> None:
    ctx = Ctx(settings=settings, source=Source(), bus=bus)
    with session_scope(committed) as session:
        tenant = accounts.new_tenant(session, settings, "Stale readers")
        user = accounts.new_user(
            session, tenant, f"stale-{tenant.id[:8]}@example.com", Role.ADMIN, None, None
        )
        principal = Principal(user.id, tenant.id, user.role, "test", user.email)
        offer = session.execute(select(Offer.id).where(Offer.availability == "up").limit(1)).scalar_one()
        booking_id = service.create_booking(session, ctx, principal, offer, 1).id

    slow, fast = committed(), committed()
    try:
        stale = slow.get(Booking, booking_id)  # read at version 1
        assert stale is not None and stale.version == 1
        service.cancel_booking(fast, ctx, principal, booking_id)
        fast.commit()
        # The slow writer moves from what it read; the version check refuses it and nothing is kept.
        with pytest.raises(ConcurrentUpdate) as caught:
            transitions.move(
                slow, ctx, stale, BookingState.PENDING_PROVISION, source="user", actor=principal.actor
            )
        assert caught.value.status == 409 and caught.value.code == "booking_changed"
        slow.rollback()
    finally:
        slow.close()
        fast.close()
    with committed() as check:
        rows = check.execute(
            select(BookingTransition).where(BookingTransition.booking_id == booking_id)
        ).scalars()
        assert [(t.from_state, t.to_state) for t in rows] == [("draft", "cancelled")]
        assert check.get(Booking, booking_id).state == "cancelled"  # type: ignore[union-attr]
    assert [m["payload"]["to"] for m in bus.recent("booking_events", 100) if m["key"] == booking_id] == [
        "cancelled"
    ]


def test_booking_events_are_published_after_commit_only(
    client: Any, quiet: QuietProvisioner, factory: sessionmaker[Session], settings: Settings, bus: Any
) -> None:
    r = client.post(
        "/auth/register", json={"email": "outbox@example.com", "password": PASSWORD, "tenant_name": "O"}
    )
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    offer = offer_ids(factory)[0]
    ids = [
        client.post("/bookings", json={"offer_id": offer, "hours": 1}, headers=headers).json()["id"]
        for _ in "ab"
    ]
    ctx = Ctx(settings=settings, source=Source(), bus=bus)

    def mine() -> list[tuple[str, str]]:
        return [(m["key"], m["payload"]["to"]) for m in bus.recent("booking_events", 100) if m["key"] in ids]

    with factory() as session:
        service.submit_booking(session, ctx, principal_of(session, ids[0]), ids[0])
        session.flush()
        assert mine() == []  # written, not committed: nobody hears of it
        session.rollback()
    assert mine() == []  # rolled back: never published
    with factory() as session:
        service.submit_booking(session, ctx, principal_of(session, ids[1]), ids[1])
        assert mine() == []
        session.commit()
    assert mine() == [(ids[1], "pending_provision")]


# --- real races on the real database --------------------------------------------------------------


@pytest.fixture
def real_server(
    settings: Settings, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, QuietProvisioner]]:
    """The app on its own engine (committed writes, a connection per request) behind uvicorn; the
    provider is played by the test."""
    provisioner = QuietProvisioner()
    monkeypatch.setattr(booking.service, "provisioner_for", lambda provider_id, s: provisioner)
    from argon2 import PasswordHasher

    from accounts import crypto

    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    app = create_app(settings)
    with serve(app) as url:
        yield url, provisioner


def _pending_bookings(
    url: str, n: int, offer: str
) -> tuple[httpx.Client, dict[str, str], list[dict[str, Any]]]:
    import uuid

    http = httpx.Client(base_url=url, timeout=30)
    email = f"race-{uuid.uuid4().hex[:10]}@example.com"
    r = http.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Race"})
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    out = []
    for _ in range(n):
        b = http.post("/bookings", json={"offer_id": offer, "hours": 1}, headers=headers).json()
        out.append(http.post(f"/bookings/{b['id']}/submit", headers=headers).json())
    return http, headers, out


def _race(url: str, provider: str, bodies: list[bytes]) -> list[httpx.Response]:
    """Posts the bodies at the same moment, one thread (and connection) each."""
    from booking.signing import signed_headers
    from core.settings import DEV_WEBHOOK_SECRET

    barrier = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def post(i: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            headers = signed_headers(DEV_WEBHOOK_SECRET, bodies[i])
            barrier.wait()
            answers[i] = http.post(f"/webhooks/{provider}", content=bodies[i], headers=headers)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def test_conflicting_webhooks_at_once_exactly_one_wins(
    real_server: tuple[str, QuietProvisioner], factory: sessionmaker[Session]
) -> None:
    url, _ = real_server
    http, headers, bookings = _pending_bookings(url, 6, offer_ids(factory)[0])
    for b in bookings:
        # The provider says "failed" and "terminated" for the same pending instance at the same time.
        answers = _race(
            url,
            b["provider_id"],
            [
                event_body("instance.failed", b["provider_ref"], reason="boom"),
                event_body("instance.terminated", b["provider_ref"]),
            ],
        )
        assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
        applied = [a for a in answers if a.status_code == 200 and a.json().get("applied")]
        assert len(applied) == 1, [a.text for a in answers]
        final = http.get(f"/bookings/{b['id']}", headers=headers).json()
        moves = [(t["from_state"], t["to_state"]) for t in final["transitions"]]
        assert moves[0] == ("draft", "pending_provision")
        assert len(moves) == 2 and moves[1][0] == "pending_provision"  # one move out of pending, not two
        assert final["state"] == moves[1][1] == applied[0].json()["state"]
    verify = http.get("/audit/verify", headers=headers).json()
    assert verify["ok"] is True


def test_the_same_event_delivered_twice_at_once_is_applied_once(
    real_server: tuple[str, QuietProvisioner], factory: sessionmaker[Session]
) -> None:
    url, _ = real_server
    http, headers, bookings = _pending_bookings(url, 4, offer_ids(factory)[0])
    for b in bookings:
        body = event_body("instance.running", b["provider_ref"])
        answers = _race(url, b["provider_id"], [body, body, body])
        assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1  # every delivery got the one answer
        assert sum(1 for a in answers if a.headers.get("Idempotent-Replayed") != "true") == 1
        final = http.get(f"/bookings/{b['id']}", headers=headers).json()
        assert [t["to_state"] for t in final["transitions"]] == ["pending_provision", "active"]
