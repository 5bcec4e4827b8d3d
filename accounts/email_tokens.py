"""Links mailed to a user: verifying their email address, and resetting a forgotten password.

Each link carries a random token; only its SHA-256 is stored (``email_tokens``) with its purpose, the
address it was sent to and its expiry (``email_verification_ttl_s``, ``password_reset_ttl_s``). A link
works once: using it is one conditional UPDATE (``repository.use_email_token``), so two tabs opening it
at the same moment cannot both succeed; mailing a new link of a purpose retires the older ones. A link
also dies when the account's address changed, or the account was disabled or erased.

Asking for a reset answers the same whether the address has an account or not, so the form tells no one
who is a customer. A reset ends every sign-in session of the account (whoever knew the old password is
out) and, as the link reached the mailbox, counts as verifying the address too. It does not sign in:
the person signs in with the new password, through the second factor when one is enrolled.

The services build the message (:class:`OutgoingMail`) and do not send it: the caller sends it with
``core.mail`` after its transaction commits, so no one is mailed a link whose row was rolled back.
Services take the session first and never commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accounts import crypto, repository
from accounts.audit import Actor
from accounts.errors import LinkNotValid
from accounts.models import EmailToken, User
from accounts.schemas import InvitationOut
from accounts.service import Ctx, Principal, aware, check_password, now_utc, record, reset_failures
from core import mail
from core.errors import Conflict, NotFound
from core.settings import Settings

log = logging.getLogger(__name__)

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"  # nosec B105  # a token purpose's name, not a secret
VERIFY_PATH = "/verify-email/"
RESET_PATH = "/password/reset/"
INVITE_PATH = "/invite/"


@dataclass(frozen=True)
class OutgoingMail:
    """A message to send once the transaction that made its link has committed."""

    to: str
    subject: str
    text: str


def deliver(settings: Settings, outgoing: OutgoingMail | None) -> mail.Delivery | None:
    """Sends a message built here; call it after the commit. A failure is logged, not raised: the link
    is in the database and the person can ask for another."""
    if outgoing is None:
        return None
    delivery = mail.send(settings, outgoing.to, outgoing.subject, outgoing.text)
    if not delivery.ok:
        log.warning("mail not sent (%s): %s", outgoing.subject, delivery.detail)
    return delivery


def link_base(settings: Settings, asked: str) -> str:
    """This site's address for links in mail: the configured public URL, else the one the request used."""
    return str(settings.public_url or asked).rstrip("/")


def mail_note(settings: Settings) -> str | None:
    """What the pages say about where mail goes when no mail server is configured (the embedded
    default); None with SMTP."""
    if settings.smtp_host:
        return None
    return (
        "This server has no mail server configured: messages are written as .eml files in "
        f"{settings.mail_dir} instead of being sent."
    )


def _issue(session: Session, user: User, purpose: str, ttl_s: int) -> tuple[str, datetime]:
    now = now_utc()
    repository.retire_email_tokens(session, user.id, purpose, now)
    token = crypto.random_token(32)
    expires_at = now + timedelta(seconds=ttl_s)
    session.add(
        EmailToken(
            id=str(uuid.uuid4()),
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            token_hash=crypto.sha256_hex(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return token, expires_at


def _valid(session: Session, token: str, purpose: str) -> tuple[EmailToken, User]:
    row = repository.email_token_by_hash(session, crypto.sha256_hex(token))
    details = [{"field": "token"}]
    if row is None or row.purpose != purpose:
        raise LinkNotValid("this link is not valid; ask for a new one", details=details)
    if row.used_at is not None:
        raise LinkNotValid("this link was already used; ask for a new one", details=details)
    if (aware(row.expires_at) or now_utc()) <= now_utc():
        raise LinkNotValid("this link has expired; ask for a new one", details=details)
    user = repository.user(session, row.user_id)
    if user is None or not user.active or user.erased_at is not None or user.email != row.email:
        raise LinkNotValid("this link is not valid; ask for a new one", details=details)
    return row, user


def _use(session: Session, row: EmailToken) -> None:
    if not repository.use_email_token(session, row.id, now_utc()):
        raise LinkNotValid("this link was already used; ask for a new one", details=[{"field": "token"}])


def _audit(
    session: Session, ctx: Ctx, user: User, event_type: str, actor: Actor | None = None, **details: int
) -> None:
    record(
        session,
        ctx,
        event_type,
        "success",
        tenant_id=user.tenant_id,
        actor=actor or Actor("user", user.id),
        target=f"user:{user.id}",
        details=details or None,
    )


def _hours(ttl_s: int) -> str:
    hours = max(1, round(ttl_s / 3600))
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


# --- invitations -----------------------------------------------------------------------------------


def invitation_mail(invitation: InvitationOut, team: str, invited_by: str, base_url: str) -> OutgoingMail:
    """The invitation's link for the invited address (accounts.admin made it; the page /invite/<token>
    accepts it). Built from what the admin was shown once; nothing of it is stored in the clear."""
    text = (
        "Hello,\n\n"
        f"{invited_by} invites you to join the team {team} on GPUBroker as {invitation.role}. To accept, "
        "open this link and choose a password:\n\n"
        f"{base_url.rstrip('/')}{INVITE_PATH}{invitation.token}\n\n"
        f"The link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    return OutgoingMail(invitation.email, f"Join {team} on GPUBroker", text)


# --- email verification ------------------------------------------------------------------------


def verification_mail(session: Session, ctx: Ctx, user: User, base_url: str) -> OutgoingMail:
    """A new verification link for the user's address (older ones stop working)."""
    ttl = ctx.settings.email_verification_ttl_s
    token, _ = _issue(session, user, VERIFY_EMAIL, ttl)
    _audit(session, ctx, user, "email.verification_sent")
    text = (
        "Hello,\n\n"
        "Please confirm that this is your email address for GPUBroker by opening this link:\n\n"
        f"{base_url.rstrip('/')}{VERIFY_PATH}{token}\n\n"
        f"The link works once, for {_hours(ttl)}. If you did not sign up, ignore this message.\n"
    )
    return OutgoingMail(user.email, "Confirm your email address for GPUBroker", text)


def resend_verification(session: Session, ctx: Ctx, principal: Principal, base_url: str) -> OutgoingMail:
    user = repository.user(session, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    if user.email_verified_at is not None:
        raise Conflict("your email address is already verified", code="already_verified")
    return verification_mail(session, ctx, user, base_url)


def verify_email(session: Session, ctx: Ctx, token: str) -> User:
    row, user = _valid(session, token, VERIFY_EMAIL)
    _use(session, row)
    if user.email_verified_at is None:
        user.email_verified_at = now_utc()
    _audit(session, ctx, user, "email.verified")
    return user


def email_verified(session: Session, user_id: str) -> bool:
    user = repository.user(session, user_id)
    return user is None or user.email_verified_at is not None


# --- password reset ----------------------------------------------------------------------------


def password_reset_mail(session: Session, ctx: Ctx, email: str, base_url: str) -> OutgoingMail | None:
    """A reset link for the account with this address, or None when there is none that could sign in
    (the caller answers the same either way)."""
    user = repository.user_by_email(session, email)
    tenant = repository.tenant(session, user.tenant_id) if user is not None else None
    if user is None or not user.active or user.erased_at is not None or tenant is None or not tenant.active:
        return None
    ttl = ctx.settings.password_reset_ttl_s
    token, _ = _issue(session, user, PASSWORD_RESET, ttl)
    _audit(session, ctx, user, "password.reset_requested", Actor("anonymous"))
    text = (
        "Hello,\n\n"
        "Someone (we hope you) asked to reset the password of your GPUBroker account. To choose a new "
        "password, open this link:\n\n"
        f"{base_url.rstrip('/')}{RESET_PATH}{token}\n\n"
        f"The link works once, for {_hours(ttl)}. If you did not ask, ignore this message: your "
        "password stays as it is.\n"
    )
    return OutgoingMail(user.email, "Reset your GPUBroker password", text)


def reset_link_user(session: Session, token: str) -> User:
    """The account a reset link is for, while it is usable (the form is shown only then)."""
    return _valid(session, token, PASSWORD_RESET)[1]


def reset_password(session: Session, ctx: Ctx, token: str, password: str) -> User:
    row, user = _valid(session, token, PASSWORD_RESET)
    check_password(password, user.email)
    _use(session, row)
    now = now_utc()
    user.password_hash = crypto.hash_password(password)
    user.updated_at = now
    reset_failures(user)
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link reached the mailbox
    ended = repository.revoke_sessions(session, now, "password_reset", user_id=user.id)
    _audit(session, ctx, user, "password.reset", sessions_ended=ended)
    return user
