"""OIDC sign-in (authorization code + PKCE) against a real provider served by the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey

from tests.accounts.conftest import Account, new_email, register
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.support import serve


@pytest.fixture(scope="module")
def served_provider() -> Iterator[Provider]:
    provider = Provider()
    with serve(provider.app()) as url:
        provider.issuer = url
        yield provider


@pytest.fixture
def provider(served_provider: Provider, configure: Callable[..., None]) -> Provider:
    served_provider.reset(email=new_email("oidc"), name="Grace Hopper")
    configure(oidc_issuer=served_provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)
    return served_provider


def authorize(client: TestClient) -> tuple[str, dict[str, str]]:
    """Starts a sign-in and lets the provider authorize it; returns the callback path and its query."""
    start = client.get("/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = urlparse(at_provider.headers["location"])
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


def test_sign_in_with_the_provider(client: TestClient, provider: Provider) -> None:
    start = client.get("/auth/oidc/login", follow_redirects=False)
    query = parse_qs(urlparse(start.headers["location"]).query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()

    path, params = authorize(client)
    assert path == "/auth/oidc/callback"
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    me = client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["email"] == provider.user["email"] and me.json()["name"] == "Grace Hopper"
    # The token request carried the PKCE verifier of this flow.
    assert provider.token_requests[-1]["code_verifier"]

    # Signing in again finds the same account by (issuer, subject).
    path, params = authorize(client)
    again = client.get(path, params=params)
    me2 = client.get("/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"})
    assert me2.json()["id"] == me.json()["id"]


def test_a_verified_email_joins_the_existing_account(client: TestClient, provider: Provider) -> None:
    account = register(client, provider.user["email"])
    path, params = authorize(client)
    r = client.get(path, params=params)
    me = client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["id"] == account.user_id


def test_an_invited_email_joins_the_inviting_team(
    client: TestClient, provider: Provider, admin: Account
) -> None:
    r = client.post(
        f"/tenants/{admin.tenant_id}/invitations",
        json={"email": provider.user["email"], "role": "manager"},
        headers=admin.headers,
    )
    assert r.status_code == 201
    path, params = authorize(client)
    token = client.get(path, params=params).json()["access_token"]
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["tenant_id"] == admin.tenant_id and me["role"] == "manager"


def test_an_invitation_into_a_closed_team_is_refused(client: TestClient, provider: Provider) -> None:
    admin = register(client)
    invited = client.post(
        f"/tenants/{admin.tenant_id}/invitations",
        json={"email": provider.user["email"], "role": "user"},
        headers=admin.headers,
    )
    assert invited.status_code == 201
    assert client.delete(f"/tenants/{admin.tenant_id}", headers=admin.headers).status_code == 204
    path, params = authorize(client)
    r = client.get(path, params=params)
    assert r.status_code in (400, 403) and "disabled" in r.json()["error"]["message"]
    # No account was created for the invited address: it can still sign up on its own.
    assert register(client, email=provider.user["email"]).email == provider.user["email"]


def test_state_must_be_known_and_is_single_use(client: TestClient, provider: Provider) -> None:
    path, params = authorize(client)
    forged = client.get(path, params={**params, "state": "forged-state-value"})
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "oidc_error"
    assert "state" in forged.json()["error"]["message"]
    assert client.get(path, params=params).status_code == 200
    replay = client.get(path, params=params)
    assert replay.status_code == 400


def test_a_code_stolen_into_another_flow_fails_pkce(client: TestClient, provider: Provider) -> None:
    _, victim = authorize(client)
    path, attacker = authorize(client)
    # The attacker's own state (and so their own verifier) with the victim's code.
    r = client.get(path, params={"code": victim["code"], "state": attacker["state"]})
    assert r.status_code == 400 and "refused the code" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("misbehave", "reason"),
    [
        (lambda p: setattr(p, "nonce", "another-nonce"), "nonce"),
        (lambda p: setattr(p, "audience", "another-client"), "aud"),
        (lambda p: setattr(p, "sign_with", RSAKey.generate_key(2048, parameters={"kid": "k1"})), "signature"),
    ],
)
def test_a_bad_id_token_is_refused(
    client: TestClient, provider: Provider, misbehave: Callable[[Provider], Any], reason: str
) -> None:
    misbehave(provider)
    path, params = authorize(client)
    r = client.get(path, params=params)
    assert r.status_code == 400 and r.json()["error"]["code"] == "oidc_error", r.text
    assert "id_token was refused" in r.json()["error"]["message"]
    assert reason in r.json()["error"]["message"].lower()


def test_an_unverified_email_is_refused(client: TestClient, provider: Provider) -> None:
    provider.user["email_verified"] = False
    path, params = authorize(client)
    r = client.get(path, params=params)
    assert r.status_code == 400 and "verified email" in r.json()["error"]["message"]


def test_the_provider_refusing_is_a_clean_400(client: TestClient, provider: Provider) -> None:
    start = client.get("/auth/oidc/login", follow_redirects=False)
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    r = client.get("/auth/oidc/callback", params={"error": "access_denied", "state": state})
    assert r.status_code == 400 and "access_denied" in r.json()["error"]["message"]


def test_without_configuration_oidc_is_404(client: TestClient) -> None:
    r = client.get("/auth/oidc/login", follow_redirects=False)
    assert r.status_code == 404 and r.json()["error"]["code"] == "oidc_not_configured"
