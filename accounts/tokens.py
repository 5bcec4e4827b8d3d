"""Access and refresh tokens (JWT, HS256).

Both carry ``sub`` (user id), ``role``, ``tenant_id``, ``sid`` (the sign-in session, i.e. the refresh
token family), ``jti``, ``typ``, ``iss``, ``aud``, ``iat`` and ``exp``. Only HS256 is accepted, so a
token with ``alg: none`` or signed with another algorithm or key is refused before its claims are read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from accounts.errors import InvalidToken, TokenExpired
from core.settings import Settings

ALGORITHM = "HS256"
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
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)
    return IssuedToken(token=token, jti=jti, expires_at=expires_at)


def decode(settings: Settings, token: str, typ: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "jti", "typ", "sid", "tenant_id"]},
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
