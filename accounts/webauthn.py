"""WebAuthn second factor (security keys, platform authenticators), via the ``webauthn`` package.

Registration: :func:`registration_options` stores a random challenge in a single-use flow and
returns the creation options; the browser's ``navigator.credentials.create()`` answer goes to
:func:`register`, which checks the attestation (challenge, origin, RP id hash, flags, signature of
"packed" self-attestation) and stores the credential's public key and signature counter.
Sign-in: after the password, :func:`login_options` puts a challenge on the pending MFA flow and
:func:`login` checks the assertion's signature with the stored key and that the counter moved on
(a cloned authenticator shows up as a counter that goes back).

Passkeys (sign-in without a password): :func:`passkey_options` hands out a challenge with no user and
no allowed credentials, so the authenticator offers the passkeys it holds for this site; and
:func:`passkey_login` finds the account by the credential id and requires *user verification* (the
authenticator's PIN or biometric), which makes the one step as strong as a password plus a second
factor. Registration asks authenticators to make discoverable credentials (resident keys, preferred).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import webauthn as wa
from sqlalchemy.orm import Session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts import crypto, repository
from accounts.audit import Actor
from accounts.errors import InvalidCredentials, InvalidMfaCode, WebAuthnFailed
from accounts.mfa import issue_recovery_codes
from accounts.models import AuthFlow, WebAuthnCredential
from accounts.schemas import TokenPair, WebAuthnCredentialOut, WebAuthnOptions
from accounts.service import (
    Ctx,
    Principal,
    _throttle_login_ip,
    aware,
    check_not_locked,
    finish_second_factor,
    now_utc,
    pending_second_factor,
    record,
    second_factor_failed,
    start_session,
)
from core.errors import Conflict, NotFound

REGISTER_FLOW = "webauthn_register"
PASSKEY_FLOW = "passkey_login"
CHALLENGE_TTL_S = 300
# What the library raises for a malformed or forged credential; all of them mean "refused".
_REFUSED = (WebAuthnException, ValueError, KeyError, TypeError)


def registration_options(session: Session, ctx: Ctx, principal: Principal) -> WebAuthnOptions:
    user = repository.user(session, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    existing = repository.webauthn_credentials(session, user.id)
    options = wa.generate_registration_options(
        rp_id=ctx.settings.webauthn_rp_id,
        rp_name=ctx.settings.webauthn_rp_name,
        user_id=user.id.encode(),
        user_name=user.email,
        user_display_name=user.name or user.email,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.id)) for c in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            # Discoverable where the authenticator can: the same key then also signs in without a password.
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    now = now_utc()
    flow = AuthFlow(
        id=crypto.random_token(32),
        kind=REGISTER_FLOW,
        user_id=user.id,
        data={"challenge": bytes_to_base64url(options.challenge)},
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(seconds=CHALLENGE_TTL_S),
    )
    session.add(flow)
    session.flush()
    return WebAuthnOptions(flow_id=flow.id, options=json.loads(wa.options_to_json(options)))


def register(
    session: Session, ctx: Ctx, principal: Principal, flow_id: str, credential: dict[str, Any], name: str
) -> WebAuthnCredentialOut:
    flow = repository.flow(session, flow_id, REGISTER_FLOW)
    now = now_utc()
    if (
        flow is None
        or flow.user_id != principal.user_id
        or flow.consumed_at is not None
        or (aware(flow.expires_at) or now) <= now
    ):
        raise WebAuthnFailed("the registration challenge expired or was already used; start again")
    repository.consume_flow(session, flow.id, now)
    try:
        verified = wa.verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(flow.data["challenge"]),
            expected_rp_id=ctx.settings.webauthn_rp_id,
            expected_origin=ctx.settings.webauthn_origin,
        )
    except _REFUSED as exc:
        record(
            session,
            ctx,
            "mfa.webauthn.register",
            "failure",
            tenant_id=principal.tenant_id,
            actor=principal.actor,
            details={"reason": type(exc).__name__},
        )
        raise WebAuthnFailed(f"the authenticator's attestation was refused: {exc}") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if repository.webauthn_credential(session, credential_id) is not None:
        raise WebAuthnFailed("this authenticator is already registered")
    had_factor = bool(repository.webauthn_credentials(session, principal.user_id))
    user = repository.user(session, principal.user_id)
    had_factor = had_factor or (user is not None and user.totp_confirmed_at is not None)
    row = WebAuthnCredential(
        id=credential_id,
        user_id=principal.user_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t) for t in (credential.get("response", {}).get("transports") or [])][:8],
        name=name,
        created_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        ctx,
        "mfa.webauthn.registered",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"webauthn:{credential_id[:40]}",
        details={"fmt": str(verified.fmt)},
    )
    # The first factor comes with recovery codes, as TOTP's does.
    codes = issue_recovery_codes(session, user) if user is not None and not had_factor else None
    return WebAuthnCredentialOut(id=row.id, name=row.name, created_at=row.created_at, recovery_codes=codes)


# --- the user's own passkeys (the security page) ----------------------------------------------------


def credentials_of(session: Session, principal: Principal) -> list[WebAuthnCredential]:
    return list(repository.webauthn_credentials(session, principal.user_id))


def _own_credential(session: Session, principal: Principal, credential_id: str) -> WebAuthnCredential:
    row = repository.webauthn_credential(session, credential_id[:400])
    # Someone else's passkey is "not found", as another team's user is.
    if row is None or row.user_id != principal.user_id:
        raise NotFound("no such passkey on your account")
    return row


def rename_credential(
    session: Session, ctx: Ctx, principal: Principal, credential_id: str, name: str
) -> WebAuthnCredential:
    row = _own_credential(session, principal, credential_id)
    row.name = name
    session.flush()
    record(
        session,
        ctx,
        "mfa.webauthn.renamed",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"webauthn:{row.id[:40]}",
    )
    return row


def remove_credential(session: Session, ctx: Ctx, principal: Principal, credential_id: str) -> str:
    """Removes one of the caller's passkeys and returns its name. Refused when it is the account's only
    way in (no password, no single sign-on link, no other passkey): the user would be locked out. When
    it was the last second factor (no TOTP either), the recovery codes go too, as when TOTP is
    switched off."""
    row = _own_credential(session, principal, credential_id)
    user = repository.user(session, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    others = [c for c in repository.webauthn_credentials(session, user.id) if c.id != row.id]
    if not others and user.password_hash is None and not repository.count_oidc_identities(session, user.id):
        raise Conflict(
            f"“{row.name}” is the only way to sign in to this account: add another passkey, or set a "
            "password at /password/forgot, before removing it",
            code="last_sign_in_method",
        )
    name = row.name
    repository.delete_webauthn_credential(session, row.id)
    if not others and user.totp_confirmed_at is None:
        repository.delete_recovery_codes(session, user.id)
    session.flush()
    record(
        session,
        ctx,
        "mfa.webauthn.removed",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"webauthn:{row.id[:40]}",
        details={"passkeys_left": len(others)},
    )
    return name


# --- sign-in --------------------------------------------------------------------------------------


def login_options(session: Session, ctx: Ctx, mfa_token: str) -> WebAuthnOptions:
    flow, user = pending_second_factor(session, ctx, mfa_token)
    credentials = repository.webauthn_credentials(session, user.id)
    if not credentials:
        raise WebAuthnFailed("no security key is registered for this account")
    options = wa.generate_authentication_options(
        rp_id=ctx.settings.webauthn_rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.id)) for c in credentials],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    flow.data = {**flow.data, "challenge": bytes_to_base64url(options.challenge)}
    session.flush()
    return WebAuthnOptions(flow_id=flow.id, options=json.loads(wa.options_to_json(options)))


def login(session: Session, ctx: Ctx, mfa_token: str, credential: dict[str, Any]) -> TokenPair:
    flow, user = pending_second_factor(session, ctx, mfa_token)
    challenge = flow.data.get("challenge")
    stored = repository.webauthn_credential(session, str(credential.get("id", ""))[:400])
    if challenge is None or stored is None or stored.user_id != user.id:
        second_factor_failed(session, ctx, flow, user, "webauthn")
        raise InvalidMfaCode("this security key is not registered for the account")
    # A challenge answers one assertion only, right or wrong.
    flow.data = {k: v for k, v in flow.data.items() if k != "challenge"}
    try:
        verified = wa.verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=ctx.settings.webauthn_rp_id,
            expected_origin=ctx.settings.webauthn_origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
        )
    except _REFUSED as exc:
        second_factor_failed(session, ctx, flow, user, "webauthn")
        raise InvalidMfaCode(f"the security key's assertion was refused: {exc}") from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = now_utc()
    return finish_second_factor(session, ctx, flow, user, "webauthn")


def passkey_options(session: Session, ctx: Ctx) -> WebAuthnOptions:
    """A sign-in challenge for whoever holds a passkey of this site (no email asked)."""
    _throttle_login_ip(ctx)
    options = wa.generate_authentication_options(
        rp_id=ctx.settings.webauthn_rp_id,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    now = now_utc()
    flow = AuthFlow(
        id=crypto.random_token(32),
        kind=PASSKEY_FLOW,
        user_id=None,
        data={"challenge": bytes_to_base64url(options.challenge)},
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(seconds=CHALLENGE_TTL_S),
    )
    session.add(flow)
    session.flush()
    return WebAuthnOptions(flow_id=flow.id, options=json.loads(wa.options_to_json(options)))


def _passkey_refused(
    session: Session, ctx: Ctx, reason: str, user_id: str | None, tenant_id: str | None
) -> None:
    record(
        session,
        ctx,
        "login.failed",
        "failure",
        tenant_id=tenant_id,
        actor=Actor("user", user_id) if user_id else Actor("anonymous", None),
        details={"method": "passkey", "reason": reason},
    )


def passkey_login(session: Session, ctx: Ctx, flow_id: str, credential: dict[str, Any]) -> TokenPair:
    """Signs in with a passkey: its assertion must verify against the stored key, with the user
    verified by the authenticator, on a challenge of ours used once."""
    _throttle_login_ip(ctx)
    now = now_utc()
    flow = repository.flow(session, flow_id, PASSKEY_FLOW)
    if flow is None or flow.consumed_at is not None or (aware(flow.expires_at) or now) <= now:
        raise InvalidCredentials("the passkey challenge expired or was already used; start again")
    repository.consume_flow(session, flow.id, now)
    stored = repository.webauthn_credential(session, str(credential.get("id", ""))[:400])
    user = repository.user(session, stored.user_id) if stored is not None else None
    if stored is None or user is None:
        _passkey_refused(session, ctx, "unknown_credential", None, None)
        raise InvalidCredentials("this passkey is not registered here")
    tenant = repository.tenant(session, user.tenant_id)
    if not user.active or user.erased_at is not None or tenant is None or not tenant.active:
        _passkey_refused(session, ctx, "account_disabled", user.id, user.tenant_id)
        raise InvalidCredentials("the account is disabled")
    check_not_locked(session, ctx, user, now)
    try:
        verified = wa.verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(flow.data["challenge"]),
            expected_rp_id=ctx.settings.webauthn_rp_id,
            expected_origin=ctx.settings.webauthn_origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=True,
        )
    except _REFUSED as exc:
        _passkey_refused(session, ctx, type(exc).__name__, user.id, user.tenant_id)
        raise InvalidCredentials(f"the passkey's assertion was refused: {exc}") from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = now
    return start_session(session, ctx, user, "passkey")
