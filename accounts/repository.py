"""All SQL of the accounts domain.

The audit chain's append is the delicate part: :func:`advance_chain_head` takes the chain-head row's
write lock with an ``UPDATE ... RETURNING`` (a row lock on PostgreSQL, the database write lock on
SQLite), so concurrent writers take turns and each sees the hash its predecessor left.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from accounts.models import (
    AuditChainHead,
    AuditEntry,
    AuthFlow,
    AuthSession,
    EmailToken,
    Invitation,
    OidcIdentity,
    RecoveryCode,
    RefreshToken,
    Tenant,
    User,
    WebAuthnCredential,
)

# --- tenants and users -------------------------------------------------------------------------


def tenant(session: Session, tenant_id: str) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def users_of_tenant(session: Session, tenant_id: str) -> Sequence[User]:
    return (
        session.execute(
            select(User)
            .where(User.tenant_id == tenant_id, User.erased_at.is_(None))
            .order_by(User.created_at, User.id)
        )
        .scalars()
        .all()
    )


def count_active_users(session: Session, tenant_id: str) -> int:
    return int(
        session.execute(
            select(func.count()).where(User.tenant_id == tenant_id, User.active.is_(True))
        ).scalar_one()
    )


def count_active_admins(session: Session, tenant_id: str) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                User.tenant_id == tenant_id, User.active.is_(True), User.role == "admin"
            )
        ).scalar_one()
    )


def count_pending_invitations(session: Session, tenant_id: str, now: datetime) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                Invitation.tenant_id == tenant_id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > now,
            )
        ).scalar_one()
    )


def invitation_by_token_hash(session: Session, token_hash: str) -> Invitation | None:
    return session.execute(select(Invitation).where(Invitation.token_hash == token_hash)).scalar_one_or_none()


def pending_invitation_for_email(session: Session, email: str, now: datetime) -> Invitation | None:
    return (
        session.execute(
            select(Invitation)
            .where(Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.expires_at > now)
            .order_by(Invitation.created_at.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def invitations_by(session: Session, user_id: str) -> Sequence[Invitation]:
    return session.execute(select(Invitation).where(Invitation.invited_by == user_id)).scalars().all()


# --- sign-in state -----------------------------------------------------------------------------


def auth_session(session: Session, session_id: str) -> AuthSession | None:
    return session.get(AuthSession, session_id)


def signed_in(session: Session, session_id: str, user_id: str) -> tuple[AuthSession, User, Tenant] | None:
    """A sign-in session with its user and the user's team, in one round trip (every request asks)."""
    q = (
        select(AuthSession, User, Tenant)
        .join(User, User.id == AuthSession.user_id)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(AuthSession.id == session_id, User.id == user_id)
    )
    row = session.execute(q).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def sessions_of_user(session: Session, user_id: str) -> Sequence[AuthSession]:
    return (
        session.execute(
            select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.created_at)
        )
        .scalars()
        .all()
    )


def revoke_sessions(
    session: Session, now: datetime, reason: str, *, user_id: str | None = None, tenant_id: str | None = None
) -> int:
    stmt = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(AuthSession.user_id == user_id)
    if tenant_id is not None:
        stmt = stmt.where(AuthSession.tenant_id == tenant_id)
    result = session.execute(stmt.values(revoked_at=now, revoked_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def active_sessions_of_user(session: Session, user_id: str, now: datetime) -> Sequence[AuthSession]:
    """The user's sign-ins that still work: not revoked, not expired; the most recently seen first."""
    return (
        session.execute(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.last_seen_at.desc().nulls_last(), AuthSession.created_at.desc())
        )
        .scalars()
        .all()
    )


def revoke_other_sessions(session: Session, user_id: str, keep_id: str, now: datetime, reason: str) -> int:
    result = session.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.id != keep_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def erase_session_devices(session: Session, user_id: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id)
        .values(user_agent=None, source_ip=None)
        .execution_options(synchronize_session=False)
    )


def refresh_token(session: Session, jti: str) -> RefreshToken | None:
    return session.get(RefreshToken, jti)


def mark_refresh_used(session: Session, jti: str, now: datetime) -> bool:
    """Marks a refresh token used; False when it already was (a replay), decided atomically."""
    result = session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == jti, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def flow(session: Session, flow_id: str, kind: str) -> AuthFlow | None:
    found = session.get(AuthFlow, flow_id)
    return found if found is not None and found.kind == kind else None


def consume_flow(session: Session, flow_id: str, now: datetime) -> bool:
    """Single use: only the first caller gets True, even when two race for the same flow."""
    result = session.execute(
        update(AuthFlow)
        .where(AuthFlow.id == flow_id, AuthFlow.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def delete_flows_of_user(session: Session, user_id: str) -> None:
    session.execute(delete(AuthFlow).where(AuthFlow.user_id == user_id))


def recovery_codes(session: Session, user_id: str) -> Sequence[RecoveryCode]:
    return session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user_id)).scalars().all()


def delete_recovery_codes(session: Session, user_id: str) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def use_recovery_code(session: Session, user_id: str, code_hash: str, now: datetime) -> bool:
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def webauthn_credentials(session: Session, user_id: str) -> Sequence[WebAuthnCredential]:
    return (
        session.execute(
            select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user_id)
            .order_by(WebAuthnCredential.created_at)
        )
        .scalars()
        .all()
    )


def webauthn_credential(session: Session, credential_id: str) -> WebAuthnCredential | None:
    return session.get(WebAuthnCredential, credential_id)


def delete_webauthn_credential(session: Session, credential_id: str) -> None:
    session.execute(delete(WebAuthnCredential).where(WebAuthnCredential.id == credential_id))


def count_oidc_identities(session: Session, user_id: str) -> int:
    return int(session.execute(select(func.count()).where(OidcIdentity.user_id == user_id)).scalar_one())


def delete_webauthn_credentials(session: Session, user_id: str) -> None:
    session.execute(delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user_id))


def oidc_identity(session: Session, issuer: str, subject: str) -> OidcIdentity | None:
    return session.execute(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    ).scalar_one_or_none()


def oidc_identities_of_user(session: Session, user_id: str) -> Sequence[OidcIdentity]:
    return session.execute(select(OidcIdentity).where(OidcIdentity.user_id == user_id)).scalars().all()


def delete_oidc_identities(session: Session, user_id: str) -> None:
    session.execute(delete(OidcIdentity).where(OidcIdentity.user_id == user_id))


def email_token_by_hash(session: Session, token_hash: str) -> EmailToken | None:
    return session.execute(select(EmailToken).where(EmailToken.token_hash == token_hash)).scalar_one_or_none()


def use_email_token(session: Session, token_id: str, now: datetime) -> bool:
    """Single use: only the first caller gets True, even when two open the same link at once."""
    result = session.execute(
        update(EmailToken)
        .where(EmailToken.id == token_id, EmailToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def retire_email_tokens(session: Session, user_id: str, purpose: str, now: datetime) -> None:
    """Marks the user's unused links of ``purpose`` used: only the newest link mailed works."""
    session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def delete_email_tokens(session: Session, user_id: str) -> None:
    session.execute(delete(EmailToken).where(EmailToken.user_id == user_id))


# --- audit chain -------------------------------------------------------------------------------


def ensure_chain_head(session: Session, chain_id: str, genesis: str) -> None:
    values = {"chain_id": chain_id, "last_seq": 0, "last_hash": genesis}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(AuditChainHead).values(**values).on_conflict_do_nothing(index_elements=["chain_id"])
    )


def advance_chain_head(session: Session, chain_id: str) -> tuple[int, str]:
    """Claims the next sequence number of a chain; the row stays locked until the transaction ends.

    ``last_hash`` is returned as it was before this claim: it is the previous entry's hash, and
    nobody else can change it while we hold the lock.
    """
    row = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.chain_id == chain_id)
        .values(last_seq=AuditChainHead.last_seq + 1)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
        .execution_options(synchronize_session=False)
    ).one()
    return int(row[0]), str(row[1])


def set_chain_hash(session: Session, chain_id: str, last_hash: str) -> None:
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.chain_id == chain_id)
        .values(last_hash=last_hash)
        .execution_options(synchronize_session=False)
    )


def chain_head(session: Session, chain_id: str) -> AuditChainHead | None:
    return session.get(AuditChainHead, chain_id)


def chain_entries(session: Session, chain_id: str) -> Iterator[AuditEntry]:
    """The whole chain in order, streamed so a long chain is not held in memory at once."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.chain_id == chain_id)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=500)
    )
    yield from session.execute(stmt).scalars()


def audit_entries(
    session: Session,
    *,
    tenant_id: str | None = None,
    actor_id: str | None = None,
    event_type: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry)
    if tenant_id is not None:
        stmt = stmt.where(AuditEntry.tenant_id == tenant_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if event_type is not None:
        stmt = stmt.where(AuditEntry.event_type == event_type)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit)).scalars().all()


def audit_entries_of_actor(session: Session, actor_id: str) -> Sequence[AuditEntry]:
    return (
        session.execute(select(AuditEntry).where(AuditEntry.actor_id == actor_id).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def erase_audit_pii(session: Session, actor_id: str, now: datetime) -> int:
    result = session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_id == actor_id, AuditEntry.erased_at.is_(None))
        .values(source_ip=None, user_agent=None, pii_salt=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
