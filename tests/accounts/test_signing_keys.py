"""Asymmetric token signing (EdDSA, RS256) with key ids, rotation and the published JWKS, and RFC 7662
token introspection for operators and services (issue 12)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.accounts.conftest import register
from tests.support import platform_operator


def pem_pair(kind: str) -> tuple[str, str]:
    key: Any = (
        ed25519.Ed25519PrivateKey.generate() if kind == "EdDSA" else rsa.generate_private_key(65537, 2048)
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def use(app: Any, **changes: Any) -> None:
    secret = {"jwt_private_key", "introspection_token"}
    changes = {k: SecretStr(v) if k in secret and isinstance(v, str) else v for k, v in changes.items()}
    app.state.settings = app.state.settings.model_copy(update=changes)


@pytest.mark.parametrize("algorithm", ["EdDSA", "RS256"])
def test_tokens_verify_with_the_published_keys(client: TestClient, app: Any, algorithm: str) -> None:
    private, _public = pem_pair(algorithm)
    use(app, jwt_algorithm=algorithm, jwt_private_key=private)
    account = register(client)
    header = jwt.get_unverified_header(account.access_token)
    assert header["alg"] == algorithm and header["kid"]
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [header["kid"]] and "d" not in keys[0]
    # Another service verifies the token from the JWKS alone.
    claims = jwt.decode(
        account.access_token,
        jwt.PyJWK(keys[0]).key,
        algorithms=[algorithm],
        audience="gpubroker-api",
    )
    assert claims["sub"] == account.user_id
    assert client.get("/me", headers=account.headers).status_code == 200


def test_a_rotated_key_verifies_until_dropped_and_no_other_key_does(client: TestClient, app: Any) -> None:
    old_private, old_public = pem_pair("EdDSA")
    use(app, jwt_algorithm="EdDSA", jwt_private_key=old_private)
    before = register(client)
    new_private, _ = pem_pair("EdDSA")
    use(app, jwt_private_key=new_private, jwt_previous_public_keys=[old_public])
    after = register(client)
    assert (
        jwt.get_unverified_header(after.access_token)["kid"]
        != jwt.get_unverified_header(before.access_token)["kid"]
    )
    assert {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]} == {
        jwt.get_unverified_header(t)["kid"] for t in (before.access_token, after.access_token)
    }
    assert client.get("/me", headers=before.headers).status_code == 200  # signed with the previous key
    assert client.get("/me", headers=after.headers).status_code == 200
    use(app, jwt_previous_public_keys=[])
    assert client.get("/me", headers=before.headers).status_code == 401  # the old key is gone
    # A key nobody configured, and the algorithm confusion attack (HS256 keyed with our public key).
    stranger, _ = pem_pair("EdDSA")
    claims = jwt.decode(after.access_token, options={"verify_signature": False})
    forged = jwt.encode(
        claims,
        serialization.load_pem_private_key(stranger.encode(), None),
        algorithm="EdDSA",
        headers={"kid": jwt.get_unverified_header(after.access_token)["kid"]},
    )
    assert client.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    confused = jwt.encode(
        claims,
        "a-public-key-as-secret-0123456789abcdef",
        algorithm="HS256",
        headers={"kid": jwt.get_unverified_header(after.access_token)["kid"]},
    )
    assert client.get("/me", headers={"Authorization": f"Bearer {confused}"}).status_code == 401


def test_hs256_publishes_no_key(client: TestClient) -> None:
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}


def test_introspection_answers_operators_and_services(client: TestClient, app: Any) -> None:
    user = register(client)
    operator = platform_operator(client, app)
    r = client.post("/auth/introspect", data={"token": user.access_token}, headers=operator)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["active"] is True and body["sub"] == user.user_id and body["tenant_id"] == user.tenant_id
    assert body["role"] == "admin" and body["token_type"] == "access_token" and body["exp"] > body["iat"]
    # Refresh tokens, garbage and a signed-out session are not active.
    for token in (user.refresh_token, "not-a-token"):
        assert client.post("/auth/introspect", data={"token": token}, headers=operator).json() == {
            "active": False
        }
    assert client.post("/auth/logout", headers=user.headers).status_code == 204
    assert client.post("/auth/introspect", json={"token": user.access_token}, headers=operator).json() == {
        "active": False
    }
    # A service with the introspection token; everyone else is refused.
    use(app, introspection_token="a-gateway-service-token-0123456789")
    other = register(client)
    as_service = client.post(
        "/auth/introspect",
        data={"token": other.access_token},
        headers={"Authorization": "Bearer a-gateway-service-token-0123456789"},
    )
    assert as_service.json()["active"] is True
    refused = client.post("/auth/introspect", data={"token": other.access_token}, headers=other.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "operator_only"
    assert client.post("/auth/introspect", data={"token": other.access_token}).status_code == 401
    missing = client.post("/auth/introspect", data={}, headers=operator)
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "token"
