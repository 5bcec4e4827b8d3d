"""WebAuthn registration and sign-in with a software authenticator that makes real attestations
(``none`` and ``packed`` self-attestation) and real ECDSA assertions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.accounts.authenticator import SoftAuthenticator
from tests.accounts.conftest import PASSWORD, Account, register

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"


def enrol_key(client: TestClient, account: Account, key: SoftAuthenticator) -> dict[str, object]:
    options = client.post("/auth/webauthn/register/options", headers=account.headers)
    assert options.status_code == 200, options.text
    body = options.json()
    assert body["options"]["rp"] == {"id": RP_ID, "name": "GPUBroker"}
    assert body["options"]["user"]["name"] == account.email
    r = client.post(
        "/auth/webauthn/register",
        json={"flow_id": body["flow_id"], "credential": key.create(body["options"]), "name": "YubiKey"},
        headers=account.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def password_step(client: TestClient, account: Account) -> str:
    r = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert r.status_code == 200 and r.json()["mfa_required"], r.text
    assert "webauthn" in r.json()["methods"]
    return str(r.json()["mfa_token"])


def assertion_options(client: TestClient, token: str) -> dict[str, object]:
    r = client.post("/auth/webauthn/login/options", json={"mfa_token": token})
    assert r.status_code == 200, r.text
    return dict(r.json()["options"])


@pytest.mark.parametrize("fmt", ["none", "packed"])
def test_register_a_security_key_then_sign_in_with_it(client: TestClient, fmt: str) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN, fmt=fmt)
    created = enrol_key(client, account, key)
    assert created["id"] == key.id and created["name"] == "YubiKey"
    assert isinstance(created["recovery_codes"], list) and len(created["recovery_codes"]) == 10
    assert client.get("/me", headers=account.headers).json()["mfa"] == ["webauthn"]

    token = password_step(client, account)
    options = assertion_options(client, token)
    assert options["rpId"] == RP_ID
    assert [c["id"] for c in options["allowCredentials"]] == [key.id]  # type: ignore[attr-defined]
    r = client.post("/auth/webauthn/login", json={"mfa_token": token, "credential": key.get(options)})
    assert r.status_code == 200, r.text
    assert (
        client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code == 200
    )


def test_an_assertion_for_another_origin_or_challenge_is_refused(client: TestClient) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN)
    enrol_key(client, account, key)
    token = password_step(client, account)
    options = assertion_options(client, token)
    phished = client.post(
        "/auth/webauthn/login",
        json={"mfa_token": token, "credential": key.get(options, origin="https://evil.example")},
    )
    assert phished.status_code == 401 and phished.json()["error"]["code"] == "invalid_mfa_code"
    # The challenge answered once (wrongly) is gone: replaying a correct answer to it fails too.
    stale = client.post("/auth/webauthn/login", json={"mfa_token": token, "credential": key.get(options)})
    assert stale.status_code == 401
    fresh = assertion_options(client, token)
    ok = client.post("/auth/webauthn/login", json={"mfa_token": token, "credential": key.get(fresh)})
    assert ok.status_code == 200, ok.text


def test_a_cloned_key_whose_counter_goes_back_is_refused(client: TestClient) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN)
    enrol_key(client, account, key)
    token = password_step(client, account)
    assert (
        client.post(
            "/auth/webauthn/login",
            json={"mfa_token": token, "credential": key.get(assertion_options(client, token))},
        ).status_code
        == 200
    )
    key.sign_count = 0  # a copy of the key that has not seen the last use
    token = password_step(client, account)
    r = client.post(
        "/auth/webauthn/login",
        json={"mfa_token": token, "credential": key.get(assertion_options(client, token))},
    )
    assert r.status_code == 401 and "refused" in r.json()["error"]["message"]


def test_another_key_or_a_forged_signature_is_refused(client: TestClient) -> None:
    account = register(client)
    enrol_key(client, account, SoftAuthenticator(RP_ID, ORIGIN))
    stranger = SoftAuthenticator(RP_ID, ORIGIN)
    token = password_step(client, account)
    r = client.post(
        "/auth/webauthn/login",
        json={"mfa_token": token, "credential": stranger.get(assertion_options(client, token))},
    )
    assert r.status_code == 401


def test_registration_checks_the_attestation(client: TestClient) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN)
    options = client.post("/auth/webauthn/register/options", headers=account.headers).json()
    wrong_rp = key.create(options["options"], rp_id="evil.example")
    r = client.post(
        "/auth/webauthn/register",
        json={"flow_id": options["flow_id"], "credential": wrong_rp},
        headers=account.headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "webauthn_failed"
    # The challenge is single-use, right or wrong.
    r = client.post(
        "/auth/webauthn/register",
        json={"flow_id": options["flow_id"], "credential": key.create(options["options"])},
        headers=account.headers,
    )
    assert r.status_code == 400 and "start again" in r.json()["error"]["message"]
    garbage = client.post("/auth/webauthn/register/options", headers=account.headers).json()
    r = client.post(
        "/auth/webauthn/register",
        json={"flow_id": garbage["flow_id"], "credential": {"id": "x", "response": {}}},
        headers=account.headers,
    )
    assert r.status_code == 400
    assert client.get("/me", headers=account.headers).json()["mfa"] == []


def test_someone_elses_registration_flow_is_refused(client: TestClient) -> None:
    alice, mallory = register(client), register(client)
    options = client.post("/auth/webauthn/register/options", headers=alice.headers).json()
    key = SoftAuthenticator(RP_ID, ORIGIN)
    r = client.post(
        "/auth/webauthn/register",
        json={"flow_id": options["flow_id"], "credential": key.create(options["options"])},
        headers=mallory.headers,
    )
    assert r.status_code == 400


# --- passkeys: sign in without a password ------------------------------------------------------------


def passkey_challenge(client: TestClient) -> tuple[str, dict[str, object]]:
    r = client.post("/auth/passkey/options")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["options"]["allowCredentials"] == [] and body["options"]["userVerification"] == "required"
    return str(body["flow_id"]), dict(body["options"])


def test_a_registered_key_signs_in_without_email_or_password(client: TestClient) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN)
    enrol_key(client, account, key)
    flow_id, options = passkey_challenge(client)
    r = client.post("/auth/passkey/login", json={"flow_id": flow_id, "credential": key.get(options)})
    assert r.status_code == 200, r.text
    me = client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == account.email
    events = client.get("/audit", headers=account.headers).json()
    assert any(
        e["event_type"] == "login.succeeded" and e["details"].get("method") == "passkey" for e in events
    )

    # The challenge answers once.
    again = client.post("/auth/passkey/login", json={"flow_id": flow_id, "credential": key.get(options)})
    assert again.status_code == 401


def test_a_passkey_needs_the_user_verified_and_a_known_key(client: TestClient) -> None:
    account = register(client)
    key = SoftAuthenticator(RP_ID, ORIGIN)
    enrol_key(client, account, key)
    flow_id, options = passkey_challenge(client)
    unverified = client.post(
        "/auth/passkey/login", json={"flow_id": flow_id, "credential": key.get(options, verified=False)}
    )
    assert unverified.status_code == 401 and unverified.json()["error"]["code"] == "invalid_credentials"

    stranger = SoftAuthenticator(RP_ID, ORIGIN)
    flow_id, options = passkey_challenge(client)
    r = client.post("/auth/passkey/login", json={"flow_id": flow_id, "credential": stranger.get(options)})
    assert r.status_code == 401 and "not registered" in r.json()["error"]["message"]

    flow_id, options = passkey_challenge(client)
    other_site = client.post(
        "/auth/passkey/login",
        json={"flow_id": flow_id, "credential": key.get(options, origin="https://evil.example")},
    )
    assert other_site.status_code == 401


def test_a_disabled_account_cannot_sign_in_with_its_passkey(client: TestClient, admin: Account) -> None:
    from tests.accounts.conftest import invite_and_join

    member = invite_and_join(client, admin, "user")
    key = SoftAuthenticator(RP_ID, ORIGIN)
    enrol_key(client, member, key)
    assert (
        client.patch(f"/users/{member.user_id}", json={"active": False}, headers=admin.headers).status_code
        == 200
    )
    flow_id, options = passkey_challenge(client)
    r = client.post("/auth/passkey/login", json={"flow_id": flow_id, "credential": key.get(options)})
    assert r.status_code == 401 and "disabled" in r.json()["error"]["message"]


def test_malformed_passkey_requests_are_422(client: TestClient) -> None:
    assert client.post("/auth/passkey/login", json={"flow_id": "x", "credential": {}}).status_code == 422
    assert client.post("/auth/passkey/login", json={"credential": {}}).status_code == 422
