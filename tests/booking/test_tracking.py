"""Tracking real instances by polling (booking.tracking, run by the worker's booking jobs): one instance per
booking however often provisioning is retried, the 10-minute start limit, the booked hours, spot reclaim, a
lost instance, the providers' 429s, backoff, and reconciliation's orphans on the operator console. Clocks
are injected; nothing patches time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from booking import tracking
from booking.models import Booking
from booking.provisioners import Credentials, provisioner_for
from tests.booking.conftest import Clouds, create, detail, register
from tests.booking.test_provisioning import (
    cheapest,
    deliver_submits,
    ec2,
    offer_market,
    poll,
    ready,
)


def submitted(
    client: TestClient,
    app: Any,
    factory: sessionmaker[Session],
    clouds: Clouds,
    provider: str,
    spot: bool = False,
) -> tuple[Any, str]:
    alice = register(client, tenant_name=f"{provider} trackers")
    ready(client, alice, clouds, provider)
    offer = cheapest(client, provider, spot=spot)
    if provider == "vast":
        offer_market(clouds, offer)
    booking = create(client, alice, offer["id"], hours=1)
    r = client.post(f"/bookings/{booking['id']}/submit", headers=alice.headers)
    assert r.status_code == 200, r.text
    return alice, booking["id"]


def row(factory: sessionmaker[Session], booking_id: str) -> Booking:
    with factory() as session:
        found = session.get(Booking, booking_id)
        assert found is not None
        return found


def launches(clouds: Clouds, provider: str) -> int:
    if provider == "aws":
        return sum(
            len(r["Instances"]) for r in ec2(clouds, "us-east-1").describe_instances()["Reservations"]
        ) + sum(
            len(r["Instances"])
            for region in ("us-west-2", "eu-west-1", "ap-northeast-2", "us-east-2")
            for r in ec2(clouds, region).describe_instances()["Reservations"]
        )
    if provider == "lambda":
        return len(clouds.lambda_.instances)
    if provider == "runpod":
        return len(clouds.runpod.deploys)
    return len(clouds.vast.rentals)


@pytest.mark.parametrize("provider", ["aws", "lambda", "runpod", "vast"])
def test_a_create_whose_answer_was_lost_is_found_not_repeated(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds, provider: str
) -> None:
    """The provider created the instance but we never stored its id (a worker died after the call): the
    next attempt finds it by its tag or name instead of creating a second one."""
    _, booking_id = submitted(client, app, factory, clouds, provider)
    booking = row(factory, booking_id)
    credentials = Credentials(provider, clouds.credentials(provider))
    lost_ref = provisioner_for(provider, app.state.settings, credentials).provision(booking)
    assert launches(clouds, provider) == 1

    deliver_submits(app, factory, booking_id)
    deliver_submits(app, factory, booking_id)  # the event delivered twice: the claim holds
    assert row(factory, booking_id).provider_ref == lost_ref
    assert launches(clouds, provider) == 1


def test_a_live_claim_keeps_a_second_worker_out(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    _, booking_id = submitted(client, app, factory, clouds, "lambda")
    now = datetime.now(UTC)
    with factory() as session:
        assert tracking.claim(session, booking_id, now) is True
        session.commit()
    # Another worker, a minute later: the first one is still at it.
    later = now + timedelta(seconds=60)
    assert tracking.provision_booking(factory, app.state.settings, booking_id, clock=lambda: later) is None
    assert clouds.lambda_.instances == {}
    # Past the lease, the first one is presumed dead and the next one provisions.
    much_later = now + timedelta(seconds=tracking.CLAIM_LEASE_S + 1)
    ref = tracking.provision_booking(factory, app.state.settings, booking_id, clock=lambda: much_later)
    assert ref is not None and list(clouds.lambda_.instances) == [ref]


def test_a_booking_not_running_after_ten_minutes_fails_and_its_instance_is_terminated(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    alice, booking_id = submitted(client, app, factory, clouds, "lambda")
    clouds.lambda_.boot_reads = 10_000  # it never finishes booting
    deliver_submits(app, factory, booking_id)
    ref = row(factory, booking_id).provider_ref
    assert poll(app, factory, booking_id).seen == "pending"

    submitted_at = row(factory, booking_id).submitted_at
    assert submitted_at is not None
    late = submitted_at.replace(tzinfo=UTC) + timedelta(minutes=10, seconds=1)
    poll(app, factory, booking_id, at=late)
    failed = detail(client, alice, booking_id)
    assert failed["state"] == "failed"
    assert failed["failure_reason"] == "not running 10 minutes after submit; the instance was terminated"
    assert clouds.lambda_.instances[ref]["status"] == "terminated"


def test_past_its_hours_the_instance_is_stopped_and_the_booking_completes(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    alice, booking_id = submitted(client, app, factory, clouds, "runpod")
    deliver_submits(app, factory, booking_id)
    poll(app, factory, booking_id)
    active = row(factory, booking_id)
    assert active.state == "active" and active.activated_at is not None
    ends = active.activated_at.replace(tzinfo=UTC) + timedelta(hours=1)
    # Polling schedules itself for the end of the booked hour at the latest.
    assert active.next_poll_at is not None and active.next_poll_at.replace(tzinfo=UTC) <= ends

    poll(app, factory, booking_id, at=ends + timedelta(seconds=1))
    assert clouds.runpod.pods[active.provider_ref]["desiredStatus"] == "TERMINATED"  # type: ignore[index]
    poll(app, factory, booking_id, at=ends + timedelta(seconds=20))
    done = detail(client, alice, booking_id)
    assert done["state"] == "completed"
    assert done["transitions"][-1]["details"]["reason"] == "booked hours ended"


def test_aws_spot_goes_through_instance_market_options(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    _, booking_id = submitted(client, app, factory, clouds, "aws", spot=True)
    deliver_submits(app, factory, booking_id)
    booking = row(factory, booking_id)
    described = ec2(clouds, booking.region or "us-east-1").describe_instances(
        InstanceIds=[booking.provider_ref]
    )
    instance = described["Reservations"][0]["Instances"][0]
    assert instance["InstanceLifecycle"] == "spot"
    assert instance["InstanceType"] == booking.offer_name
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["gpubroker-booking"] == booking_id
    groups = ec2(clouds, booking.region or "us-east-1").describe_security_groups(
        GroupIds=[g["GroupId"] for g in instance["SecurityGroups"]]
    )["SecurityGroups"]
    assert [(p["FromPort"], p["ToPort"]) for g in groups for p in g["IpPermissions"]] == [(22, 22)]
    assert instance["KeyName"].startswith("gpubroker-")


@pytest.mark.parametrize("provider", ["runpod"])
def test_a_reclaimed_spot_instance_completes_with_the_reason(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds, provider: str
) -> None:
    alice, booking_id = submitted(client, app, factory, clouds, provider, spot=True)
    deliver_submits(app, factory, booking_id)
    poll(app, factory, booking_id)
    active = row(factory, booking_id)
    assert active.state == "active" and active.spot is True
    if provider == "runpod":
        assert clouds.runpod.deploys[0]["interruptible"] is True
        clouds.runpod.interrupt(active.provider_ref)  # type: ignore[arg-type]
    else:
        assert "price" in clouds.vast.rentals[0]
        clouds.vast.outbid(int(active.provider_ref))  # type: ignore[arg-type]
    poll(app, factory, booking_id)
    done = detail(client, alice, booking_id)
    assert done["state"] == "completed"
    assert f"{provider} reclaimed the spot instance" in done["transitions"][-1]["details"]["reason"]


def test_an_instance_the_provider_lost_fails_the_booking(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    alice, booking_id = submitted(client, app, factory, clouds, "lambda")
    deliver_submits(app, factory, booking_id)
    poll(app, factory, booking_id)
    ref = row(factory, booking_id).provider_ref
    del clouds.lambda_.instances[ref]  # type: ignore[arg-type]
    poll(app, factory, booking_id)
    failed = detail(client, alice, booking_id)
    assert failed["state"] == "failed" and failed["failure_reason"] == "lambda no longer knows this instance"


def test_a_provider_refusal_fails_the_booking_with_its_words(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    alice, booking_id = submitted(client, app, factory, clouds, "lambda")
    clouds.lambda_.no_capacity.add(row(factory, booking_id).offer_name)
    deliver_submits(app, factory, booking_id)
    failed = detail(client, alice, booking_id)
    assert failed["state"] == "failed"
    assert "instance-operations/launch/insufficient-capacity" in failed["failure_reason"]


def test_polls_repeat_nothing_and_back_off_while_nothing_changes(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    _, booking_id = submitted(client, app, factory, clouds, "vast")
    clouds.vast.boot_reads = 10_000
    deliver_submits(app, factory, booking_id)
    now = datetime.now(UTC)
    waits = []
    for i in range(3):
        at = now + timedelta(seconds=i)
        poll(app, factory, booking_id, at=at)
        next_poll = row(factory, booking_id).next_poll_at
        assert next_poll is not None
        waits.append(round((next_poll.replace(tzinfo=UTC) - at).total_seconds()))
    assert waits == [30, 60, 120]
    clouds.vast.boot_reads = 1
    poll(app, factory, booking_id, at=now + timedelta(seconds=10))
    poll(app, factory, booking_id, at=now + timedelta(seconds=11))  # sees the same running instance again
    booking = detail(client, *_owner(client, factory, booking_id))
    assert [t["to_state"] for t in booking["transitions"]] == ["pending_provision", "active"]


def _owner(client: TestClient, factory: sessionmaker[Session], booking_id: str) -> tuple[Any, str]:
    # detail() needs the owner's token: sign the booking's user in again through the API.
    from accounts.models import User
    from tests.booking.conftest import PASSWORD, Account

    with factory() as session:
        user = session.get(User, row(factory, booking_id).user_id)
        assert user is not None
        email = user.email
    r = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    return Account(email, "", "", body["access_token"]), booking_id


def test_a_429_is_retried_after_retry_after_and_a_long_one_postpones_the_poll(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    _, booking_id = submitted(client, app, factory, clouds, "lambda")
    clouds.lambda_.throttle(2, retry_after="0")
    deliver_submits(app, factory, booking_id)
    assert row(factory, booking_id).provider_ref is not None  # retried past two 429s
    assert clouds.lambda_.throttle_left == 0

    clouds.lambda_.throttle(100, retry_after="120")
    now = datetime.now(UTC)
    result = poll(app, factory, booking_id, at=now)
    assert result.error is not None and "rate limiting" in result.error
    next_poll = row(factory, booking_id).next_poll_at
    assert next_poll is not None and round((next_poll.replace(tzinfo=UTC) - now).total_seconds()) == 120
    assert row(factory, booking_id).state == "pending_provision"


def test_reconciliation_reports_orphans_on_the_operator_console(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds
) -> None:
    from tests.accounts.test_operators import make_operator
    from tests.booking.test_pages import browser_of

    alice, booking_id = submitted(client, app, factory, clouds, "aws")
    deliver_submits(app, factory, booking_id)
    poll(app, factory, booking_id)
    # Someone started an instance by hand with our tag, for a booking we do not have.
    stray = ec2(clouds, "us-east-1").run_instances(
        ImageId="ami-12c6146b",
        InstanceType="p3.2xlarge",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "gpubroker-booking", "Value": "no-such-booking"}]}
        ],
    )["Instances"][0]["InstanceId"]

    orphans = tracking.reconcile(factory, app.state.settings, ["aws"])
    assert [(o.instance_ref, o.reason) for o in orphans] == [(stray, "tagged with a booking we do not have")]

    make_operator(app, alice)
    web = browser_of(app, alice)
    page = web.get("/ops")
    assert page.status_code == 200
    assert stray in page.text and "tagged with a booking we do not have" in page.text

    ec2(clouds, "us-east-1").terminate_instances(InstanceIds=[stray])
    assert tracking.reconcile(factory, app.state.settings, ["aws"]) == []


@pytest.mark.parametrize("provider", ["lambda", "runpod", "vast"])
def test_reconciliation_reads_every_providers_list(
    client: TestClient, app: Any, factory: sessionmaker[Session], clouds: Clouds, provider: str
) -> None:
    """A booking that ended while its instance still runs (a stop that never reached the provider) is an orphan."""
    alice, booking_id = submitted(client, app, factory, clouds, provider)
    deliver_submits(app, factory, booking_id)
    poll(app, factory, booking_id)
    ref = row(factory, booking_id).provider_ref
    assert tracking.reconcile(factory, app.state.settings, [provider]) == []
    with factory() as session:
        booking = session.get(Booking, booking_id)
        assert booking is not None
        booking.state = "completed"  # our side ended it; the provider never heard
        session.commit()
    orphans = tracking.reconcile(factory, app.state.settings, [provider])
    assert [(o.provider_id, o.instance_ref, o.booking_id) for o in orphans] == [(provider, ref, booking_id)]
    assert (
        orphans[0].reason.startswith("its booking is completed") and orphans[0].tenant_id == alice.tenant_id
    )
