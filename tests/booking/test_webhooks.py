"""Provider webhooks: signatures, age, idempotency on the event id, unknown instances and illegal
moves. The test plays the provider (``quiet`` provisioner, events signed here)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from core.settings import DEV_WEBHOOK_SECRET
from tests.booking.conftest import (
    Account,
    QuietProvisioner,
    booking_messages,
    create,
    detail,
    event_body,
    post_event,
    submit,
    tune,
)


@pytest.fixture
def pending(client: TestClient, quiet: QuietProvisioner, alice: Account, offer_id: str) -> dict[str, Any]:
    """A submitted booking whose instance the test's 'provider' controls."""
    booking = create(client, alice, offer_id)
    return submit(client, alice, booking["id"])


def send(client: TestClient, booking: dict[str, Any], type_: str, **kw: Any) -> Any:
    return post_event(client, booking["provider_id"], event_body(type_, booking["provider_ref"], **kw))


def test_running_then_terminated(
    client: TestClient, alice: Account, pending: dict[str, Any], bus: Any
) -> None:
    r = send(client, pending, "instance.running", event_id="evt-1")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "received": True,
        "event_id": "evt-1",
        "booking_id": pending["id"],
        "applied": True,
        "from": "pending_provision",
        "state": "active",
    }
    assert send(client, pending, "instance.terminated", reason="user shutdown").json()["state"] == "completed"
    done = detail(client, alice, pending["id"])
    assert [(t["to_state"], t["source"]) for t in done["transitions"]] == [
        ("pending_provision", "user"),
        ("active", "webhook"),
        ("completed", "webhook"),
    ]
    assert done["transitions"][1]["event_id"] == "evt-1"
    assert booking_messages(bus, pending["id"])[-2:] == [
        ("pending_provision", "active"),
        ("active", "completed"),
    ]


def test_terminated_before_running_is_a_cancel(
    client: TestClient, alice: Account, pending: dict[str, Any]
) -> None:
    r = send(client, pending, "instance.terminated", reason="capacity withdrawn")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert detail(client, alice, pending["id"])["state"] == "cancelled"


def test_a_running_instance_can_fail(client: TestClient, alice: Account, pending: dict[str, Any]) -> None:
    send(client, pending, "instance.running")
    r = send(client, pending, "instance.failed", reason="GPU fell off the bus")
    assert r.status_code == 200 and r.json()["state"] == "failed"
    failed = detail(client, alice, pending["id"])
    assert failed["failure_reason"] == "GPU fell off the bus" and failed["ended_at"] is not None


def test_a_replayed_event_gets_the_first_answer_and_changes_nothing(
    client: TestClient, alice: Account, pending: dict[str, Any], bus: Any
) -> None:
    body = event_body("instance.running", pending["provider_ref"], event_id="evt-once")
    first = post_event(client, pending["provider_id"], body)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    after_first = detail(client, alice, pending["id"])
    messages = booking_messages(bus, pending["id"])

    # The same delivery again (freshly signed, as a provider's retry is), and once more a moment later.
    for _ in range(2):
        again = post_event(client, pending["provider_id"], body)
        assert again.status_code == first.status_code
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
    assert detail(client, alice, pending["id"]) == after_first
    assert booking_messages(bus, pending["id"]) == messages
    audit = client.get("/audit?event_type=booking.activated", headers=alice.headers).json()
    assert len(audit) == 1


def test_a_replayed_refusal_is_refused_the_same_way(
    client: TestClient, alice: Account, pending: dict[str, Any]
) -> None:
    send(client, pending, "instance.terminated")  # never ran: cancelled
    body = event_body("instance.running", pending["provider_ref"], event_id="evt-late")
    late = post_event(client, pending["provider_id"], body)
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["code"] == "illegal_transition" and error["details"] == {"from": "cancelled", "to": "active"}
    again = post_event(client, pending["provider_id"], body)
    assert again.status_code == 409 and again.json() == late.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert detail(client, alice, pending["id"])["state"] == "cancelled"
    rejected = client.get("/audit?event_type=booking.webhook_rejected", headers=alice.headers).json()
    assert len(rejected) == 1 and rejected[0]["details"]["event_id"] == "evt-late"
    assert rejected[0]["outcome"] == "failure"


def test_the_same_state_again_is_accepted_without_a_change(
    client: TestClient, alice: Account, pending: dict[str, Any]
) -> None:
    send(client, pending, "instance.running")
    r = send(client, pending, "instance.running")  # a second event id saying the same thing
    assert r.status_code == 200 and r.json()["applied"] is False and r.json()["state"] == "active"
    assert len(detail(client, alice, pending["id"])["transitions"]) == 2


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong secret",
        "changed body",
        "no signature",
        "no timestamp",
        "bad timestamp",
        "signature of another time",
    ],
)
def test_a_bad_signature_is_401_and_changes_nothing(
    client: TestClient, alice: Account, pending: dict[str, Any], tamper: str
) -> None:
    body = event_body("instance.running", pending["provider_ref"], event_id="evt-forged")
    headers = signed_headers(DEV_WEBHOOK_SECRET, body)
    if tamper == "wrong secret":
        headers = signed_headers("not-the-secret", body)
    elif tamper == "changed body":
        body = body.replace(b"instance.running", b"instance.failed!")
    elif tamper == "no signature":
        del headers[SIGNATURE_HEADER]
    elif tamper == "no timestamp":
        del headers[TIMESTAMP_HEADER]
    elif tamper == "bad timestamp":
        headers[TIMESTAMP_HEADER] = "yesterday"
    else:
        headers[TIMESTAMP_HEADER] = str(int(headers[TIMESTAMP_HEADER]) + 1)
    r = post_event(client, pending["provider_id"], body, headers=headers)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "invalid_signature"
    assert detail(client, alice, pending["id"])["state"] == "pending_provision"
    # Nothing was kept: the genuine delivery of that event id is still applied.
    genuine = post_event(
        client,
        pending["provider_id"],
        event_body("instance.running", pending["provider_ref"], event_id="evt-forged"),
    )
    assert genuine.status_code == 200 and genuine.json()["applied"] is True


@pytest.mark.parametrize("age_s", [301, 3600, -301])
def test_a_stale_or_future_timestamp_is_401(
    client: TestClient, alice: Account, pending: dict[str, Any], age_s: int
) -> None:
    body = event_body("instance.running", pending["provider_ref"])
    r = post_event(client, pending["provider_id"], body, at=time.time() - age_s)
    assert r.status_code == 401 and r.json()["error"]["code"] == "stale_webhook"
    assert detail(client, alice, pending["id"])["state"] == "pending_provision"


def test_a_timestamp_within_five_minutes_is_accepted(client: TestClient, pending: dict[str, Any]) -> None:
    body = event_body("instance.running", pending["provider_ref"])
    assert post_event(client, pending["provider_id"], body, at=time.time() - 290).status_code == 200


def test_a_per_provider_secret_replaces_the_shared_one(
    client: TestClient, app: Any, alice: Account, pending: dict[str, Any]
) -> None:
    from pydantic import SecretStr

    tune(app, webhook_secrets={pending["provider_id"]: SecretStr("its-own-secret")})
    body = event_body("instance.running", pending["provider_ref"])
    assert post_event(client, pending["provider_id"], body).status_code == 401
    assert post_event(client, pending["provider_id"], body, secret="its-own-secret").status_code == 200


def test_production_without_a_webhook_secret_refuses_every_webhook(
    client: TestClient, app: Any, alice: Account, pending: dict[str, Any]
) -> None:
    from pydantic import SecretStr

    tune(app, env="production")
    body = event_body("instance.running", pending["provider_ref"])
    r = post_event(client, pending["provider_id"], body)  # signed with the public dev secret
    assert r.status_code == 401 and "no webhook secret is configured" in r.json()["error"]["message"]
    tune(app, webhook_secret=SecretStr("a-real-secret-from-the-vault"))
    assert (
        post_event(client, pending["provider_id"], body, secret="a-real-secret-from-the-vault").status_code
        == 200
    )


def test_an_unknown_instance_is_404_and_not_remembered(
    client: TestClient, alice: Account, pending: dict[str, Any]
) -> None:
    body = event_body("instance.running", "sbx-nobody-knows", event_id="evt-early")
    r = post_event(client, pending["provider_id"], body)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_instance"
    # The instance of another provider is unknown to this one too.
    other = event_body("instance.running", pending["provider_ref"])
    assert post_event(client, "another-provider", other).status_code == 404
    # Not kept: the provider's retry of the same event id, once the instance is known, is applied.
    retry = event_body("instance.running", pending["provider_ref"], event_id="evt-early")
    assert post_event(client, pending["provider_id"], retry).json()["applied"] is True
    assert detail(client, alice, pending["id"])["state"] == "active"


def test_unknown_providers_and_bad_bodies_are_answered_not_crashed_on(
    client: TestClient, pending: dict[str, Any]
) -> None:
    for provider in ("UPPER", "x" * 41, "semi;colon"):
        r = post_event(client, provider, event_body("instance.running", "sbx-1"))
        assert r.status_code == 404, provider
    for body in (
        b"not json",
        b"[]",
        b'{"id": "e1"}',
        b'{"id": "", "type": "instance.running", "instance_id": "i"}',
    ):
        r = post_event(client, pending["provider_id"], body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", body
    # A signed event of a type we do not handle is acknowledged (a provider must not retry it forever).
    r = post_event(client, pending["provider_id"], event_body("instance.rebooted", pending["provider_ref"]))
    assert r.status_code == 200 and "ignored" in r.json()
