"""Access and refresh tokens (JWT).

Both carry ``sub`` (user id), ``role``, ``tenant_id``, ``sid`` (the sign-in session, i.e. the refresh
token family), ``jti``, ``typ``, ``iss``, ``aud``, ``iat`` and ``exp``.

Signing: HS256 with ``GPUBROKER_JWT_SECRET`` by default (one secret shared by every API replica), or an
asymmetric key (``GPUBROKER_JWT_ALGORITHM`` = ``EdDSA`` or ``RS256``) so that other services can verify
tokens without holding a secret: ``GPUBROKER_JWT_PRIVATE_KEY`` signs (its ``kid`` is the key's RFC 7638
thumbprint, in every token's header), its public key and those in ``GPUBROKER_JWT_PREVIOUS_PUBLIC_KEYS``
verify and are published at ``/.well-known/jwks.json``. Rotating is: put the old key's public PEM in the
previous keys, set the new private key; tokens signed with the old key stay valid until they expire,
and the old key can be dropped after the refresh token lifetime.

Only the configured algorithm is accepted, so a token with ``alg: none``, another algorithm (HS256 with
the public key as its secret, say) or an unknown ``kid`` is refused before its claims are read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from accounts.errors import InvalidToken, TokenExpired
from core.settings import Settings

AUDIENCE = "gpubroker-api"
ACCESS = "access"
REFRESH = "refresh"
# Where the web pages keep the pair (web.session); named here so the rate limiter can find the caller.
ACCESS_COOKIE = "gpubroker_access"
REFRESH_COOKIE = "gpubroker_refresh"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class Keyring:
    """The keys tokens are signed and verified with, for one configuration."""

    algorithm: str
    signing_key: Any
    signing_kid: str | None
    verifying: dict[str | None, Any]  # kid -> key (None: HS256's one secret)
    jwks: tuple[dict[str, Any], ...]


def _load_pem(value: str) -> bytes:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    path = Path(text)
    if path.is_file():
        return path.read_bytes()
    raise ValueError("a key must be a PEM document or the path of a PEM file")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public_key: Any) -> dict[str, Any]:
    """The key as a JWK with its RFC 7638 thumbprint as ``kid``."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
        extra = {"alg": "EdDSA"}
    elif isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()

        def as_bytes(n: int) -> bytes:
            return n.to_bytes((n.bit_length() + 7) // 8, "big")

        members = {"e": _b64(as_bytes(numbers.e)), "kty": "RSA", "n": _b64(as_bytes(numbers.n))}
        extra = {"alg": "RS256"}
    else:
        raise ValueError("only Ed25519 and RSA keys are supported")
    thumbprint = _b64(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )
    return {**members, **extra, "use": "sig", "kid": thumbprint}


@lru_cache(maxsize=8)
def _keyring(algorithm: str, secret: str, private_pem: str | None, previous: tuple[str, ...]) -> Keyring:
    if algorithm == "HS256":
        return Keyring("HS256", secret, None, {None: secret}, ())
    if private_pem is None:
        raise ValueError(f"GPUBROKER_JWT_ALGORITHM={algorithm} needs GPUBROKER_JWT_PRIVATE_KEY")
    private = serialization.load_pem_private_key(_load_pem(private_pem), password=None)
    wanted = ed25519.Ed25519PrivateKey if algorithm == "EdDSA" else rsa.RSAPrivateKey
    if not isinstance(private, wanted):
        raise ValueError(f"GPUBROKER_JWT_PRIVATE_KEY is not a key for {algorithm}")
    current = public_jwk(private.public_key())
    verifying: dict[str | None, Any] = {current["kid"]: private.public_key()}
    jwks = [current]
    for pem in previous:
        key = serialization.load_pem_public_key(_load_pem(pem))
        jwk = public_jwk(key)
        if jwk["alg"] != algorithm:
            raise ValueError(f"a previous public key is not a key for {algorithm}")
        if jwk["kid"] not in verifying:
            verifying[jwk["kid"]] = key
            jwks.append(jwk)
    return Keyring(algorithm, private, current["kid"], verifying, tuple(jwks))


def keyring(settings: Settings) -> Keyring:
    private = settings.jwt_private_key.get_secret_value() if settings.jwt_private_key else None
    return _keyring(
        settings.jwt_algorithm,
        settings.jwt_secret.get_secret_value(),
        private,
        tuple(settings.jwt_previous_public_keys),
    )


def issue(
    settings: Settings,
    *,
    typ: str,
    user_id: str,
    role: str,
    tenant_id: str,
    session_id: str,
    now: datetime,
    ttl_s: int,
    operator: bool = False,
) -> IssuedToken:
    jti = str(uuid.uuid4())
    expires_at = now + timedelta(seconds=ttl_s)
    claims = {
        "sub": user_id,
        "role": role,
        "tenant_id": tenant_id,
        "sid": session_id,
        "jti": jti,
        "typ": typ,
        "iss": settings.jwt_issuer,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    if operator:
        # Only tells the pages to show the operator link; every operator route checks the database.
        claims["op"] = True
    keys = keyring(settings)
    headers = {"kid": keys.signing_kid} if keys.signing_kid else None
    token = jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm, headers=headers)
    return IssuedToken(token=token, jti=jti, expires_at=expires_at)


def verification_key(settings: Settings, token: str) -> tuple[Any, str]:
    """The key that must have signed ``token`` (by its ``kid``) and the one algorithm accepted."""
    keys = keyring(settings)
    if keys.algorithm == "HS256":
        return keys.verifying[None], keys.algorithm
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not valid") from exc
    key = keys.verifying.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken("the token is not valid")
    return key, keys.algorithm


def decode(settings: Settings, token: str, typ: str, *, verify_exp: bool = True) -> dict[str, Any]:
    key, algorithm = verification_key(settings, token)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=AUDIENCE,
            issuer=settings.jwt_issuer,
            options={
                "require": ["exp", "iat", "sub", "jti", "typ", "sid", "tenant_id"],
                "verify_exp": verify_exp,
            },
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired("the token has expired; sign in again or refresh it") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not valid") from exc
    if claims.get("typ") != typ:
        raise InvalidToken(f"expected an {typ} token")
    return claims


def peek_tenant(settings: Settings, token: str) -> str | None:
    """The tenant of a valid access token, or None; for the rate limiter, which must not raise."""
    try:
        return str(decode(settings, token, ACCESS)["tenant_id"])
    except (InvalidToken, TokenExpired):
        return None


def peek_claims(settings: Settings, token: str) -> dict[str, Any] | None:
    """The verified claims of an access or refresh token, or None (what the pages show, no database)."""
    for typ in (ACCESS, REFRESH):
        try:
            return decode(settings, token, typ)
        except (InvalidToken, TokenExpired):
            continue
    return None


def jwks(settings: Settings) -> dict[str, Any]:
    """The public keys that verify our tokens (none with HS256: a shared secret is never published)."""
    return {"keys": [dict(k) for k in keyring(settings).jwks]}
