"""TOTP second factor (RFC 6238, via pyotp) and recovery codes.

Enrolment is two steps: :func:`start_totp` stores a new seed (encrypted) and returns it with its
otpauth URI and a QR code drawn locally as SVG; :func:`confirm_totp` accepts the first code from the
user's app, switches the factor on and hands out ten single-use recovery codes (stored as SHA-256
digests). From then on a password login stops at the second factor. A code is accepted one step
either side of now (clock drift) and never twice: the last accepted time step is remembered.
"""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy.orm import Session

from accounts import crypto, repository
from accounts.audit import Actor
from accounts.errors import InvalidMfaCode
from accounts.models import RecoveryCode, User
from accounts.schemas import RecoveryCodes, TokenPair, TotpEnrollment
from accounts.service import (
    Ctx,
    Principal,
    finish_second_factor,
    now_utc,
    pending_second_factor,
    record,
    second_factor_failed,
)
from core.errors import Conflict, NotFound

ISSUER = "GPUBroker"
RECOVERY_CODES = 10
STEP_S = 30


def _user(session: Session, principal: Principal) -> User:
    user = repository.user(session, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    return user


def _seed(ctx: Ctx, user: User) -> str | None:
    if user.totp_secret is None:
        return None
    return crypto.decrypt(ctx.settings.jwt_secret.get_secret_value(), user.totp_secret)


def matching_step(seed: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is ``code`` (now, one before or one after), compared in constant time."""
    totp = pyotp.TOTP(seed)
    now = time.time() if now is None else now
    for offset in (0, -1, 1):
        at = now + offset * STEP_S
        if hmac.compare_digest(totp.at(at), code):
            return int(totp.timecode(at))
    return None


def check_totp(user: User, seed: str, code: str) -> bool:
    step = matching_step(seed, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def start_totp(session: Session, ctx: Ctx, principal: Principal) -> TotpEnrollment:
    user = _user(session, principal)
    if user.totp_confirmed_at is not None:
        raise Conflict("TOTP is already enabled; disable it first to enrol a new authenticator")
    seed = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(ctx.settings.jwt_secret.get_secret_value(), seed)
    user.totp_last_step = None
    uri = pyotp.TOTP(seed).provisioning_uri(name=user.email, issuer_name=ISSUER)
    record(
        session, ctx, "mfa.totp.enrolment_started", "success", tenant_id=user.tenant_id, actor=principal.actor
    )
    return TotpEnrollment(secret=seed, otpauth_uri=uri, qr_svg=qr_svg(uri))


def qr_svg(data: str) -> str:
    return str(segno.make(data, error="m").svg_inline(scale=5, dark="#111", light="#fff"))


def confirm_totp(session: Session, ctx: Ctx, principal: Principal, code: str) -> RecoveryCodes:
    user = _user(session, principal)
    seed = _seed(ctx, user)
    if seed is None or user.totp_confirmed_at is not None:
        raise Conflict("no TOTP enrolment is waiting for confirmation")
    if not check_totp(user, seed, code):
        record(session, ctx, "mfa.totp.confirm", "failure", tenant_id=user.tenant_id, actor=principal.actor)
        raise InvalidMfaCode("the code does not match; check the authenticator app's clock")
    user.totp_confirmed_at = now_utc()
    codes = issue_recovery_codes(session, user)
    record(session, ctx, "mfa.totp.enabled", "success", tenant_id=user.tenant_id, actor=principal.actor)
    return RecoveryCodes(recovery_codes=codes)


def disable_totp(session: Session, ctx: Ctx, principal: Principal, code: str) -> None:
    user = _user(session, principal)
    seed = _seed(ctx, user)
    if seed is None or user.totp_confirmed_at is None:
        raise Conflict("TOTP is not enabled")
    if not check_totp(user, seed, code):
        record(session, ctx, "mfa.totp.disable", "failure", tenant_id=user.tenant_id, actor=principal.actor)
        raise InvalidMfaCode("the code does not match")
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    if not repository.webauthn_credentials(session, user.id):
        repository.delete_recovery_codes(session, user.id)
    record(session, ctx, "mfa.totp.disabled", "success", tenant_id=user.tenant_id, actor=principal.actor)


def issue_recovery_codes(session: Session, user: User) -> list[str]:
    """Replaces the user's recovery codes with ten new ones and returns them (the only time they
    are readable)."""
    repository.delete_recovery_codes(session, user.id)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(RecoveryCode(user_id=user.id, code_hash=crypto.sha256_hex(code)))
    session.flush()
    return codes


def recovery_codes_left(session: Session, principal: Principal) -> int:
    return sum(c.used_at is None for c in repository.recovery_codes(session, principal.user_id))


def regenerate_recovery_codes(session: Session, ctx: Ctx, principal: Principal) -> RecoveryCodes:
    """Ten new recovery codes in place of the old ones (used or not), for a user with a second factor:
    without one, a recovery code would have nothing to stand in for."""
    user = _user(session, principal)
    if user.totp_confirmed_at is None and not repository.webauthn_credentials(session, user.id):
        raise Conflict(
            "recovery codes stand in for a second factor: set up an authenticator app or a passkey first"
        )
    codes = issue_recovery_codes(session, user)
    record(
        session,
        ctx,
        "mfa.recovery_codes.regenerated",
        "success",
        tenant_id=user.tenant_id,
        actor=principal.actor,
    )
    return RecoveryCodes(recovery_codes=codes)


def complete_with_code(session: Session, ctx: Ctx, mfa_token: str, code: str) -> TokenPair:
    """Second step of a login: a TOTP code, or a recovery code (``xxxxx-xxxxx``)."""
    flow, user = pending_second_factor(session, ctx, mfa_token)
    code = code.strip().lower()
    if "-" in code:
        if repository.use_recovery_code(session, user.id, crypto.sha256_hex(code), now_utc()):
            record(
                session,
                ctx,
                "mfa.recovery_code_used",
                "success",
                tenant_id=user.tenant_id,
                actor=Actor("user", user.id),
            )
            return finish_second_factor(session, ctx, flow, user, "recovery_code")
        second_factor_failed(session, ctx, flow, user, "recovery_code")
        raise InvalidMfaCode("the recovery code is not valid or was already used")
    seed = _seed(ctx, user)
    if user.totp_confirmed_at is not None and seed is not None and check_totp(user, seed, code):
        return finish_second_factor(session, ctx, flow, user, "totp")
    second_factor_failed(session, ctx, flow, user, "totp")
    raise InvalidMfaCode("the code does not match, or was already used")
