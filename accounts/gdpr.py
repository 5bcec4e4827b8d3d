"""GDPR requests of the signed-in user (FR-SEC-1, PRIV-PII-1): export everything we hold about them,
or erase it.

Other parts of the product hold personal data too (the assistant's threads; later bookings and
invoices). They add themselves with :func:`register_source`, since accounts may not import them;
each source exports and erases its own rows for a user id.

Erasure anonymises rather than deletes the user row: the id stays (it is referenced by audit entries
and now points at nothing personal), the email becomes ``erased-<id>@erased.invalid``, name,
password, factors, OIDC links and sessions go, and every audit entry the user made loses its ip and
user agent. Those are outside the hashed fields (see accounts.audit), so the chain still verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from accounts import audit, repository
from accounts.audit import Source
from accounts.models import Role
from accounts.schemas import ErasureOut
from accounts.service import Ctx, Principal, now_utc, record
from core.db import session_scope
from core.errors import Conflict, NotFound


class PersonalDataSource(Protocol):
    """Personal data kept outside accounts, keyed by user id."""

    name: str

    async def export(self, app_state: Any, user_id: str) -> Any: ...

    async def erase(self, app_state: Any, user_id: str) -> int: ...


_SOURCES: dict[str, PersonalDataSource] = {}


def register_source(source: PersonalDataSource) -> None:
    _SOURCES[source.name] = source


def sources() -> Sequence[PersonalDataSource]:
    return list(_SOURCES.values())


def account_data(session: Session, principal: Principal) -> dict[str, Any]:
    user = repository.user(session, principal.user_id)
    tenant = repository.tenant(session, principal.tenant_id)
    if user is None or tenant is None:
        raise NotFound("account not found")
    codes = repository.recovery_codes(session, user.id)
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "active": user.active,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
            "failed_logins": user.failed_logins,
            "locked_until": user.locked_until,
        },
        "tenant": {"id": tenant.id, "name": tenant.name, "plan": tenant.plan},
        "mfa": {
            "totp_enabled": user.totp_confirmed_at is not None,
            "totp_enabled_at": user.totp_confirmed_at,
            "webauthn_credentials": [
                {"id": c.id, "name": c.name, "created_at": c.created_at, "last_used_at": c.last_used_at}
                for c in repository.webauthn_credentials(session, user.id)
            ],
            "recovery_codes": {"total": len(codes), "unused": sum(c.used_at is None for c in codes)},
        },
        "sessions": [
            {
                "id": s.id,
                "method": s.method,
                "created_at": s.created_at,
                "expires_at": s.expires_at,
                "revoked_at": s.revoked_at,
                "revoked_reason": s.revoked_reason,
                "user_agent": s.user_agent,
                "source_ip": s.source_ip,
                "last_seen_at": s.last_seen_at,
            }
            for s in repository.sessions_of_user(session, user.id)
        ],
        "oidc_identities": [
            {"issuer": i.issuer, "subject": i.subject, "created_at": i.created_at}
            for i in repository.oidc_identities_of_user(session, user.id)
        ],
        # The invitee's email is their data, not the caller's.
        "invitations_sent": [
            {"id": i.id, "role": i.role, "created_at": i.created_at, "accepted": i.accepted_at is not None}
            for i in repository.invitations_by(session, user.id)
        ],
        "audit_entries": [audit.public_view(e) for e in repository.audit_entries_of_actor(session, user.id)],
    }


async def export_personal_data(
    factory: sessionmaker[Session], ctx: Ctx, principal: Principal, app_state: Any
) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        with session_scope(factory) as session:
            record(
                session,
                ctx,
                "gdpr.export",
                "success",
                tenant_id=principal.tenant_id,
                actor=principal.actor,
                target=f"user:{principal.user_id}",
            )
            return account_data(session, principal)

    document = await run_in_threadpool(work)
    for source in sources():
        document[source.name] = await source.export(app_state, principal.user_id)
    return document


def _check_erasable(session: Session, principal: Principal) -> None:
    users = repository.users_of_tenant(session, principal.tenant_id)
    others = [u for u in users if u.id != principal.user_id and u.active]
    if (
        principal.role == Role.ADMIN.value
        and others
        and repository.count_active_admins(session, principal.tenant_id) <= 1
    ):
        raise Conflict("you are the team's last admin: make someone else admin before erasing your account")


def erase_account(session: Session, ctx: Ctx, principal: Principal) -> tuple[int, dict[str, int]]:
    user = repository.user(session, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    _check_erasable(session, principal)
    now = now_utc()
    removed = {
        "webauthn_credentials": len(repository.webauthn_credentials(session, user.id)),
        "oidc_identities": len(repository.oidc_identities_of_user(session, user.id)),
        "recovery_codes": len(repository.recovery_codes(session, user.id)),
    }
    repository.delete_webauthn_credentials(session, user.id)
    repository.delete_oidc_identities(session, user.id)
    repository.delete_recovery_codes(session, user.id)
    repository.delete_flows_of_user(session, user.id)
    repository.delete_email_tokens(session, user.id)
    removed["sessions_ended"] = repository.revoke_sessions(session, now, "erased", user_id=user.id)
    repository.erase_session_devices(session, user.id)
    user.email = f"erased-{user.id}@erased.invalid"
    user.name = None
    user.password_hash = None
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.active = False
    user.erased_at = now
    user.updated_at = now
    anonymised = repository.erase_audit_pii(session, user.id, now)
    # The erasure itself is recorded without the request's ip and user agent: they are the
    # erased person's too.
    record(
        session,
        ctx,
        "gdpr.erasure",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"user:{user.id}",
        details={"audit_entries_anonymised": anonymised, **removed},
        source=Source(trace_id=ctx.source.trace_id),
    )
    session.flush()
    return anonymised, removed


async def erase_personal_data(
    factory: sessionmaker[Session], ctx: Ctx, principal: Principal, app_state: Any
) -> ErasureOut:
    def precheck() -> None:
        with session_scope(factory) as session:
            _check_erasable(session, principal)

    await run_in_threadpool(precheck)
    removed: dict[str, int] = {}
    for source in sources():
        removed[source.name] = await source.erase(app_state, principal.user_id)

    def work() -> tuple[int, dict[str, int]]:
        with session_scope(factory) as session:
            return erase_account(session, ctx, principal)

    anonymised, account_removed = await run_in_threadpool(work)
    return ErasureOut(
        erased=True,
        user_id=principal.user_id,
        audit_entries_anonymised=anonymised,
        removed={**account_removed, **removed},
    )
