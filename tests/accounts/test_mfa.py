"""TOTP enrolment and sign-in with it, recovery codes, and what a wrong or replayed code gets."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pyotp
from fastapi.testclient import TestClient

from tests.accounts.conftest import PASSWORD, Account, register


def enrol_totp(client: TestClient, account: Account) -> tuple[pyotp.TOTP, list[str], str]:
    """Enrols TOTP; returns the authenticator, the recovery codes and the code that confirmed it."""
    r = client.post("/auth/mfa/totp", headers=account.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    uri = urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [body["secret"]] and parse_qs(uri.query)["issuer"] == [
        "GPUBroker"
    ]
    assert body["qr_svg"].startswith("<svg") and "path" in body["qr_svg"]
    totp = pyotp.TOTP(body["secret"])
    used = totp.now()
    confirm = client.post("/auth/mfa/totp/confirm", json={"code": used}, headers=account.headers)
    assert confirm.status_code == 200, confirm.text
    codes = confirm.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes, used


def next_code(totp: pyotp.TOTP) -> str:
    # The code of the next 30 s step: accepted (clock drift), and not the one already used.
    return totp.at(time.time() + 30)


def test_once_totp_is_enrolled_login_needs_the_code(client: TestClient) -> None:
    account = register(client)
    totp, _, _ = enrol_totp(client, account)
    assert client.get("/me", headers=account.headers).json()["mfa"] == ["totp"]

    first = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    assert first.status_code == 200
    challenge = first.json()
    assert challenge["mfa_required"] is True and "access_token" not in challenge
    assert challenge["methods"] == ["totp", "recovery_code"]

    r = client.post("/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": next_code(totp)})
    assert r.status_code == 200, r.text
    assert (
        client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code == 200
    )
    # The challenge was used up.
    again = client.post(
        "/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": next_code(totp)}
    )
    assert again.status_code == 401


def test_a_wrong_or_replayed_code_is_refused(client: TestClient) -> None:
    account = register(client)
    totp, _, used = enrol_totp(client, account)
    token = client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()[
        "mfa_token"
    ]
    wrong = client.post("/auth/login/mfa", json={"mfa_token": token, "code": "000000"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_mfa_code"
    # The code that confirmed the enrolment was used already: it cannot be replayed.
    replay = client.post("/auth/login/mfa", json={"mfa_token": token, "code": used})
    assert replay.status_code == 401
    assert (
        client.post("/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)}).status_code == 200
    )


def test_guessing_codes_ends_the_challenge(client: TestClient, configure: Callable[..., None]) -> None:
    configure(login_slowdown_after=100)
    account = register(client)
    totp, _, _ = enrol_totp(client, account)
    token = client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()[
        "mfa_token"
    ]
    for guess in range(5):
        assert (
            client.post("/auth/login/mfa", json={"mfa_token": token, "code": f"{guess:06d}"}).status_code
            == 401
        )
    r = client.post("/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)})
    assert r.status_code == 401 and "sign in again" in r.json()["error"]["message"]


def test_a_recovery_code_works_once(client: TestClient) -> None:
    account = register(client)
    _, codes, _ = enrol_totp(client, account)
    for expected in (200, 401):
        token = client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()[
            "mfa_token"
        ]
        r = client.post("/auth/login/mfa", json={"mfa_token": token, "code": codes[0]})
        assert r.status_code == expected, r.text
    token = client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()[
        "mfa_token"
    ]
    assert (
        client.post("/auth/login/mfa", json={"mfa_token": token, "code": codes[1].upper()}).status_code == 200
    )


def test_enrolment_needs_a_valid_first_code_and_can_be_disabled(client: TestClient) -> None:
    account = register(client)
    secret = client.post("/auth/mfa/totp", headers=account.headers).json()["secret"]
    bad = client.post("/auth/mfa/totp/confirm", json={"code": "123456"}, headers=account.headers)
    assert bad.status_code == 401
    # Not confirmed: the password alone still signs in.
    assert (
        "access_token"
        in client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()
    )
    totp = pyotp.TOTP(secret)
    assert (
        client.post("/auth/mfa/totp/confirm", json={"code": totp.now()}, headers=account.headers).status_code
        == 200
    )
    assert client.post("/auth/mfa/totp", headers=account.headers).status_code == 409
    off = client.post("/auth/mfa/totp/disable", json={"code": next_code(totp)}, headers=account.headers)
    assert off.status_code == 204
    assert (
        "access_token"
        in client.post("/auth/login", json={"email": account.email, "password": PASSWORD}).json()
    )


def test_malformed_codes_are_422(client: TestClient) -> None:
    account = register(client)
    for code in ("12345", "abcdef", "1234567", ""):
        r = client.post("/auth/mfa/totp/confirm", json={"code": code}, headers=account.headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
