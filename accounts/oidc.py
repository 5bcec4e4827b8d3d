"""OIDC sign-in: authorization code flow with PKCE (S256) against the provider named by
``GPUBROKER_OIDC_ISSUER``, through authlib's OAuth 2 client.

:func:`start` finds the provider's endpoints by discovery, stores a single-use flow holding the
``state`` (the flow's id), the ``nonce`` and the PKCE ``code_verifier``, and returns the
authorization URL. :func:`callback` accepts only a known, unexpired, unused ``state``, exchanges the
code (sending the verifier), then checks the id_token's signature against the provider's JWKS and
its ``iss``, ``aud``, ``exp`` and ``nonce`` (joserfc) before anyone is signed in. An identity is
linked by (issuer, subject); a first sign-in with a verified email joins the account with that email,
a pending invitation, or a new team.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from accounts import crypto, repository
from accounts.audit import Actor
from accounts.errors import OidcError
from accounts.models import AuthFlow, OidcIdentity, Role, User
from accounts.schemas import MfaChallenge, TokenPair
from accounts.service import (
    Ctx,
    aware,
    begin_second_factor,
    mfa_methods,
    now_utc,
    record,
    sign_up,
    start_session,
)
from core.errors import AppError

FLOW = "oidc"
FLOW_TTL_S = 600
DISCOVERY_TTL_S = 3600
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


class OidcNotConfigured(AppError):
    code = "oidc_not_configured"
    status = 404


@dataclass(frozen=True)
class OidcResult:
    outcome: TokenPair | MfaChallenge
    next_page: str | None


def _http(ctx: Ctx) -> httpx.Client:
    return httpx.Client(timeout=ctx.settings.http_timeout_s)


def discover(ctx: Ctx) -> dict[str, Any]:
    issuer = (ctx.settings.oidc_issuer or "").rstrip("/")
    now = time.monotonic()
    with _discovery_lock:
        cached = _discovery.get(issuer)
    if cached and cached[0] > now:
        return cached[1]
    try:
        with _http(ctx) as http:
            response = http.get(f"{issuer}/.well-known/openid-configuration")
            response.raise_for_status()
            meta: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(
            f"the identity provider's discovery document is unavailable: {exc}", status=502
        ) from exc
    if str(meta.get("issuer", "")).rstrip("/") != issuer:
        raise OidcError("the identity provider's discovery document names another issuer", status=502)
    with _discovery_lock:
        _discovery[issuer] = (now + DISCOVERY_TTL_S, meta)
    return meta


def _client(ctx: Ctx, redirect_uri: str) -> OAuth2Client:
    settings = ctx.settings
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=secret,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=settings.http_timeout_s,
    )


def start(session: Session, ctx: Ctx, redirect_uri: str, next_page: str | None = None) -> str:
    if not ctx.settings.oidc_enabled:
        raise OidcNotConfigured("OIDC sign-in is not configured")
    meta = discover(ctx)
    now = now_utc()
    state, nonce, verifier = crypto.random_token(32), crypto.random_token(24), crypto.random_token(48)
    session.add(
        AuthFlow(
            id=state,
            kind=FLOW,
            user_id=None,
            data={"nonce": nonce, "code_verifier": verifier, "redirect_uri": redirect_uri, "next": next_page},
            attempts=0,
            created_at=now,
            expires_at=now + timedelta(seconds=FLOW_TTL_S),
        )
    )
    session.flush()
    with _client(ctx, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return str(url)


def callback(
    session: Session, ctx: Ctx, code: str | None, state: str | None, error: str | None
) -> OidcResult:
    if not ctx.settings.oidc_enabled:
        raise OidcNotConfigured("OIDC sign-in is not configured")
    flow = repository.flow(session, state or "", FLOW) if state else None
    now = now_utc()
    if flow is None or flow.consumed_at is not None or (aware(flow.expires_at) or now) <= now:
        _refuse(session, ctx, "unknown_state")
        raise OidcError("unknown or expired sign-in state; start the sign-in again")
    repository.consume_flow(session, flow.id, now)
    if error or not code:
        _refuse(session, ctx, "provider_error")
        raise OidcError(f"the identity provider refused the sign-in: {error or 'no code'}")
    meta = discover(ctx)
    claims = _exchange(ctx, meta, code, flow.data)
    user = _resolve_user(session, ctx, claims)
    methods = mfa_methods(session, user)
    outcome: TokenPair | MfaChallenge
    outcome = (
        begin_second_factor(session, ctx, user, methods, "oidc")
        if methods
        else start_session(session, ctx, user, "oidc")
    )
    return OidcResult(outcome=outcome, next_page=flow.data.get("next"))


def _refuse(session: Session, ctx: Ctx, reason: str) -> None:
    record(
        session,
        ctx,
        "login.oidc",
        "failure",
        tenant_id=None,
        actor=Actor("anonymous"),
        details={"reason": reason},
    )


def _exchange(ctx: Ctx, meta: dict[str, Any], code: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        with _client(ctx, data["redirect_uri"]) as client:
            token = client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=data["code_verifier"],
            )
        with _http(ctx) as http:
            jwks = http.get(meta["jwks_uri"])
            jwks.raise_for_status()
            keys = KeySet.import_key_set(jwks.json())
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise OidcError(f"the code exchange with the identity provider failed: {exc}", status=502) from exc
    except Exception as exc:  # authlib's OAuth errors have no common base worth naming
        raise OidcError(f"the identity provider refused the code: {exc}") from exc
    id_token = token.get("id_token")
    if not id_token:
        raise OidcError("the identity provider returned no id_token")
    try:
        decoded = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": str(ctx.settings.oidc_client_id)},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": data["nonce"]},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(f"the id_token was refused: {exc}") from exc
    return dict(decoded.claims)


def _resolve_user(session: Session, ctx: Ctx, claims: dict[str, Any]) -> User:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    identity = repository.oidc_identity(session, issuer, subject)
    if identity is not None:
        user = repository.user(session, identity.user_id)
        if user is None or not user.active or user.erased_at is not None:
            raise OidcError("the account linked to this identity is disabled", status=403)
        return user
    email = str(claims.get("email") or "").strip().lower()
    # Linking by email is only safe when the provider vouches for the address.
    if not email or claims.get("email_verified") is not True:
        raise OidcError("the identity provider did not share a verified email")
    user = repository.user_by_email(session, email)
    if user is None:
        invitation = repository.pending_invitation_for_email(session, email, now_utc())
        membership = None
        if invitation is not None:
            tenant = repository.tenant(session, invitation.tenant_id)
            if tenant is None or not tenant.active:
                raise OidcError("the team of this invitation no longer exists or is disabled")
            invitation.accepted_at = now_utc()
            membership = tenant, Role(invitation.role)
        name = claims.get("name")
        user, _ = sign_up(
            session, ctx, email, None, str(name)[:200] if name else None, membership, {"via": "oidc"}
        )
    elif not user.active or user.erased_at is not None:
        raise OidcError("the account is disabled", status=403)
    session.add(
        OidcIdentity(
            id=str(uuid.uuid4()), issuer=issuer, subject=subject, user_id=user.id, created_at=now_utc()
        )
    )
    session.flush()
    record(
        session,
        ctx,
        "oidc.identity_linked",
        "success",
        tenant_id=user.tenant_id,
        actor=Actor("user", user.id),
        details={"issuer": issuer},
    )
    return user
