"""Bookings through the REST API, with the sandbox provider over real HTTP calling our webhook back.

Every test runs on SQLite and on PostgreSQL + Redis (the ``backend`` fixture).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Offer
from tests.booking.conftest import (
    Account,
    QuietProvisioner,
    booking_messages,
    create,
    detail,
    invite,
    offer_ids,
    submit,
    tune,
    wait_for_state,
)


def audit_events(client: TestClient, who: Account) -> list[str]:
    r = client.get("/audit?limit=100", headers=who.headers)
    assert r.status_code == 200, r.text
    return [e["event_type"] for e in reversed(r.json())]


def steps(booking: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(t["from_state"], t["to_state"], t["source"]) for t in booking["transitions"]]


# --- the happy path and its endings -----------------------------------------------------------------


def test_draft_pending_active_completed_over_real_http(
    client: TestClient, app: Any, live: str, alice: Account, offer_id: str, bus: Any
) -> None:
    draft = create(client, alice, offer_id, hours=3)
    assert draft["state"] == "draft" and draft["provider_ref"] is None
    assert draft["hours"] == 3 and draft["offer_id"] == offer_id and draft["currency"] == "USD"
    offer = client.get(f"/providers/{offer_id}").json()
    # Booked prices keep 4 decimals: $35.39655 books at $35.3966 (a difference of exactly 5e-5, which a
    # float comparison at abs=5e-5 can miss by one ulp).
    assert draft["hourly_price"] == pytest.approx(float(offer["price_per_hour"]), abs=5.01e-5)
    assert draft["estimated_total"] == pytest.approx(round(draft["hourly_price"] * 3, 2))

    pending = submit(client, alice, draft["id"])
    assert pending["state"] == "pending_provision" and pending["provider_ref"].startswith("sbx-")
    assert pending["submitted_at"] is not None

    # The sandbox reports the instance running through POST /webhooks/<provider>, over HTTP.
    active = wait_for_state(client, alice, draft["id"], "active")
    assert active["activated_at"] is not None and active["ended_at"] is None
    instance = client.get(f"/sandbox-provider/instances/{active['provider_ref']}").json()
    assert instance["status"] == "running"
    # The booking turns active while our webhook handler runs; the sandbox records the delivery's 200 after.
    delivered = _wait_for_delivery(client, active["provider_ref"], "instance.running")
    assert [(d["type"], d["status"]) for d in delivered] == [("instance.running", 200)]

    r = client.post(f"/bookings/{draft['id']}/stop", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] == "active"  # until the provider confirms
    done = wait_for_state(client, alice, draft["id"], "completed")
    assert done["ended_at"] is not None
    assert steps(done) == [
        ("draft", "pending_provision", "user"),
        ("pending_provision", "active", "webhook"),
        ("active", "completed", "webhook"),
    ]
    assert done["transitions"][1]["event_id"].startswith("evt_")
    assert done["transitions"][2]["details"] == {
        "event_type": "instance.terminated",
        "reason": "stopped on request",
    }

    assert booking_messages(bus, draft["id"]) == [
        ("draft", "pending_provision"),
        ("pending_provision", "active"),
        ("active", "completed"),
    ]
    message = next(m for m in bus.recent("booking_events", 100) if m["payload"]["booking_id"] == draft["id"])
    assert message["key"] == draft["id"]
    assert set(message["payload"]) == {"booking_id", "tenant_id", "from", "to", "at"}
    assert message["payload"]["tenant_id"] == alice.tenant_id

    events = audit_events(client, alice)
    mine = [e for e in events if e.startswith("booking.")]
    assert mine == [
        "booking.created",
        "booking.submitted",
        "booking.activated",
        "booking.stop_requested",
        "booking.completed",
    ]
    verify = client.get("/audit/verify", headers=alice.headers).json()
    assert verify["ok"] is True and verify["first_broken"] is None


def test_booked_hours_ending_completes_the_booking(
    client: TestClient, app: Any, live: str, alice: Account, offer_id: str
) -> None:
    tune(app, sandbox_time_scale=3600 * 20)  # an hour passes in 1/20 s
    booking = create(client, alice, offer_id, hours=1)
    submit(client, alice, booking["id"])
    done = wait_for_state(client, alice, booking["id"], "completed")
    assert [t["to_state"] for t in done["transitions"]] == ["pending_provision", "active", "completed"]
    assert done["transitions"][-1]["details"]["reason"] == "booked hours ended"


def test_provider_failure_fails_the_booking(
    client: TestClient, app: Any, live: str, alice: Account, offer_id: str
) -> None:
    r = client.post("/sandbox-provider/control/fail", json={"count": 1, "reason": "no H100 left in the zone"})
    assert r.status_code == 200
    booking = create(client, alice, offer_id)
    submit(client, alice, booking["id"])
    failed = wait_for_state(client, alice, booking["id"], "failed")
    assert failed["failure_reason"] == "no H100 left in the zone"
    assert steps(failed)[-1] == ("pending_provision", "failed", "webhook")
    assert failed["activated_at"] is None and failed["ended_at"] is not None


def test_cancel_a_draft(client: TestClient, alice: Account, offer_id: str, bus: Any) -> None:
    booking = create(client, alice, offer_id)
    r = client.post(f"/bookings/{booking['id']}/cancel", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert steps(detail(client, alice, booking["id"])) == [("draft", "cancelled", "user")]
    assert booking_messages(bus, booking["id"]) == [("draft", "cancelled")]


def test_cancel_while_provisioning_stops_the_instance(
    client: TestClient, app: Any, live: str, alice: Account, offer_id: str
) -> None:
    tune(app, sandbox_start_delay_s=30)  # it stays pending until we cancel
    booking = create(client, alice, offer_id)
    ref = submit(client, alice, booking["id"])["provider_ref"]
    r = client.post(f"/bookings/{booking['id']}/cancel", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    # The sandbox stops the instance and says so; the booking is already cancelled, so nothing changes.
    deliveries = _wait_for_delivery(client, ref, "instance.terminated")
    assert deliveries[-1]["status"] == 200
    final = detail(client, alice, booking["id"])
    assert final["state"] == "cancelled"
    assert steps(final) == [
        ("draft", "pending_provision", "user"),
        ("pending_provision", "cancelled", "user"),
    ]


def test_cancel_an_active_booking_asks_the_provider_to_stop(
    client: TestClient, live: str, alice: Account, offer_id: str
) -> None:
    booking = create(client, alice, offer_id)
    submit(client, alice, booking["id"])
    wait_for_state(client, alice, booking["id"], "active")
    r = client.post(f"/bookings/{booking['id']}/cancel", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] == "active"
    done = wait_for_state(client, alice, booking["id"], "completed")
    assert steps(done)[-1] == ("active", "completed", "webhook")


def _wait_for_delivery(client: TestClient, ref: str, event_type: str) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        deliveries = client.get(f"/sandbox-provider/instances/{ref}").json()["deliveries"]
        if any(d["type"] == event_type and d["status"] is not None for d in deliveries):
            return [d for d in deliveries if d["type"] == event_type]
        time.sleep(0.05)
    raise AssertionError(f"the sandbox sent no {event_type}")


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "action", "from_state", "to_state"),
    [
        ([], "stop", "draft", "completed"),
        (["submit"], "submit", "pending_provision", "pending_provision"),
        (["submit"], "stop", "pending_provision", "completed"),
        (["cancel"], "submit", "cancelled", "pending_provision"),
        (["cancel"], "cancel", "cancelled", "cancelled"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(
    client: TestClient,
    quiet: QuietProvisioner,
    alice: Account,
    offer_id: str,
    bus: Any,
    setup: list[str],
    action: str,
    from_state: str,
    to_state: str,
) -> None:
    booking = create(client, alice, offer_id)
    for step in setup:
        assert client.post(f"/bookings/{booking['id']}/{step}", headers=alice.headers).status_code == 200
    before = detail(client, alice, booking["id"])
    messages = booking_messages(bus, booking["id"])
    calls = (list(quiet.provisioned), list(quiet.stopped))

    r = client.post(f"/bookings/{booking['id']}/{action}", headers=alice.headers)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"] == {"from": from_state, "to": to_state}
    assert from_state in error["message"] and to_state in error["message"]
    assert detail(client, alice, booking["id"]) == before
    assert booking_messages(bus, booking["id"]) == messages
    assert (quiet.provisioned, quiet.stopped) == calls  # the provider was not asked


def test_a_completed_booking_cannot_be_cancelled_or_stopped(
    client: TestClient, live: str, app: Any, alice: Account, offer_id: str
) -> None:
    tune(app, sandbox_time_scale=3600 * 20)
    booking = create(client, alice, offer_id, hours=1)
    submit(client, alice, booking["id"])
    done = wait_for_state(client, alice, booking["id"], "completed")
    for action in ("cancel", "stop", "submit"):
        r = client.post(f"/bookings/{booking['id']}/{action}", headers=alice.headers)
        assert r.status_code == 409 and r.json()["error"]["details"]["from"] == "completed"
    assert detail(client, alice, booking["id"]) == done


def test_another_teams_booking_is_not_found(
    client: TestClient, quiet: QuietProvisioner, alice: Account, mallory: Account, offer_id: str
) -> None:
    booking = create(client, alice, offer_id)
    assert client.get(f"/bookings/{booking['id']}", headers=mallory.headers).status_code == 404
    for action in ("submit", "cancel", "stop"):
        r = client.post(f"/bookings/{booking['id']}/{action}", headers=mallory.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/bookings", headers=mallory.headers).json()["total"] == 0
    assert detail(client, alice, booking["id"])["state"] == "draft"
    assert quiet.provisioned == []


def test_a_made_up_id_is_not_found(client: TestClient, alice: Account) -> None:
    for path in ("/bookings/nope", "/bookings/" + "x" * 300):
        r = client.get(path, headers=alice.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_the_same_idempotency_key_returns_the_same_booking(
    client: TestClient, alice: Account, mallory: Account, offer_id: str
) -> None:
    first = create(client, alice, offer_id, hours=5, idempotency_key="order-42")
    again = create(client, alice, offer_id, hours=5, idempotency_key="order-42")
    assert again["id"] == first["id"]
    by_header = client.post(
        "/bookings",
        json={"offer_id": offer_id, "hours": 5},
        headers={**alice.headers, "Idempotency-Key": "order-42"},
    )
    assert by_header.status_code == 201 and by_header.json()["id"] == first["id"]
    assert client.get("/bookings", headers=alice.headers).json()["total"] == 1
    # Keys are per team: another team's identical key is its own booking.
    assert create(client, mallory, offer_id, hours=5, idempotency_key="order-42")["id"] != first["id"]
    # The same key for a different request is refused rather than silently answered with the first.
    r = client.post(
        "/bookings",
        json={"offer_id": offer_id, "hours": 6, "idempotency_key": "order-42"},
        headers=alice.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offer_id": "OFFER", "hours": 0}, "hours"),
        ({"offer_id": "OFFER", "hours": -1}, "hours"),
        ({"offer_id": "OFFER", "hours": 24 * 90 + 1}, "hours"),
        ({"offer_id": "OFFER", "hours": "soon"}, "hours"),
        ({"offer_id": "OFFER", "hours": None}, "hours"),
        ({"offer_id": "OFFER"}, "hours"),
        ({"hours": 1}, "offer_id"),
        ({"offer_id": "no-such-offer", "hours": 1}, "offer_id"),
        ({"offer_id": "x" * 500, "hours": 1}, "offer_id"),
        ({"offer_id": "OFFER", "hours": 1, "idempotency_key": "has spaces"}, "idempotency_key"),
        ({"offer_id": "OFFER", "hours": 1, "idempotency_key": "k" * 101}, "idempotency_key"),
        ({"offer_id": "OFFER", "hours": 1, "price": 0}, "price"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, alice: Account, offer_id: str, body: dict[str, Any], field: str
) -> None:
    body = {k: (offer_id if v == "OFFER" else v) for k, v in body.items()}
    r = client.post("/bookings", json=body, headers=alice.headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert field in [d["field"] for d in error["details"]]
    assert client.get("/bookings", headers=alice.headers).json()["total"] == 0


def test_bad_bodies_and_queries_never_500(client: TestClient, alice: Account) -> None:
    for content in (b"", b"not json", b"[]", b'{"offer_id": {"$gt": ""}, "hours": 1}', b"\xff\xfe"):
        r = client.post(
            "/bookings", content=content, headers={**alice.headers, "content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    for query in ("state=running", "page=0", "page_size=101", "page=abc"):
        r = client.get(f"/bookings?{query}", headers=alice.headers)
        assert r.status_code == 422, query


def test_an_offer_that_is_down_cannot_be_booked(
    client: TestClient, factory: sessionmaker[Session], alice: Account, offer_id: str
) -> None:
    with factory() as session:
        session.execute(update(Offer).where(Offer.id == offer_id).values(availability="down"))
        session.commit()
    r = client.post("/bookings", json={"offer_id": offer_id, "hours": 1}, headers=alice.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "offer_unavailable"


def test_an_unreachable_provider_is_a_502_and_the_draft_stays(
    client: TestClient, app: Any, alice: Account, offer_id: str, bus: Any
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tune(app, sandbox_provider_url=f"http://127.0.0.1:{port}", http_timeout_s=2)
    booking = create(client, alice, offer_id)
    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 502 and r.json()["error"]["code"] == "provider_error"
    after = detail(client, alice, booking["id"])
    assert after["state"] == "draft" and after["transitions"] == [] and after["provider_ref"] is None
    assert booking_messages(bus, booking["id"]) == []


# --- who may do what ---------------------------------------------------------------------------------


def test_sign_in_is_required(client: TestClient, offer_id: str) -> None:
    assert client.get("/bookings").status_code == 401
    r = client.post("/bookings", json={"offer_id": offer_id, "hours": 1})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_an_auditor_reads_but_cannot_book(
    client: TestClient, quiet: QuietProvisioner, alice: Account, offer_id: str
) -> None:
    booking = create(client, alice, offer_id)
    auditor = invite(client, alice, "auditor")
    assert client.get("/bookings", headers=auditor.headers).json()["total"] == 1
    assert client.get(f"/bookings/{booking['id']}", headers=auditor.headers).status_code == 200
    r = client.post("/bookings", json={"offer_id": offer_id, "hours": 1}, headers=auditor.headers)
    assert r.status_code == 403 and r.json()["error"]["details"]["action"] == "booking.write"
    for action in ("submit", "cancel", "stop"):
        assert client.post(f"/bookings/{booking['id']}/{action}", headers=auditor.headers).status_code == 403
    assert detail(client, alice, booking["id"])["state"] == "draft"
    assert "authz.denied" in audit_events(client, alice)
    # A plain user of the team may book, and sees the team's bookings.
    member = invite(client, alice, "user")
    assert create(client, member, offer_id)["user_id"] == member.user_id
    assert client.get("/bookings", headers=member.headers).json()["total"] == 2


def test_list_filters_by_state_and_pages(
    client: TestClient, quiet: QuietProvisioner, alice: Account, factory: sessionmaker[Session]
) -> None:
    ids = [create(client, alice, o)["id"] for o in offer_ids(factory, 5)]
    submit(client, alice, ids[0])
    client.post(f"/bookings/{ids[1]}/cancel", headers=alice.headers)
    everything = client.get("/bookings?page_size=2", headers=alice.headers).json()
    assert everything["total"] == 5 and len(everything["items"]) == 2
    assert [b["id"] for b in everything["items"]] == ids[::-1][:2]  # newest first
    last = client.get("/bookings?page_size=2&page=3", headers=alice.headers).json()
    assert [b["id"] for b in last["items"]] == [ids[0]]
    drafts = client.get("/bookings?state=draft", headers=alice.headers).json()
    assert drafts["total"] == 3 and {b["state"] for b in drafts["items"]} == {"draft"}
    assert (
        client.get("/bookings?state=pending_provision", headers=alice.headers).json()["items"][0]["id"]
        == ids[0]
    )
    assert client.get("/bookings?state=cancelled", headers=alice.headers).json()["total"] == 1
