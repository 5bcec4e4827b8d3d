"""Administration of a tenant: its plan and limits, its users and roles, invitations, and reading and
verifying its audit chain. Every change is audited.

Isolation comes first: a tenant or user id that is not the caller's own tenant's is answered exactly
like an id that does not exist (404), so ids cannot even be probed across tenants.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from accounts import audit, crypto, repository
from accounts.audit import Actor
from accounts.errors import RoleNotGrantable
from accounts.models import PLAN_LIMITS, AuditEntry, Invitation, Plan, Role, Tenant, User
from accounts.policy import can_grant
from accounts.schemas import InvitationOut, InviteIn, TenantUpdate, UserUpdate
from accounts.service import Ctx, Principal, now_utc, record
from core.errors import Conflict, Forbidden, NotFound

INVITATION_TTL = timedelta(days=7)


def own_tenant(session: Session, principal: Principal, tenant_id: str) -> Tenant:
    tenant = repository.tenant(session, tenant_id) if tenant_id == principal.tenant_id else None
    if tenant is None:
        raise NotFound(f"tenant {tenant_id!r} not found")
    return tenant


def own_user(session: Session, principal: Principal, user_id: str) -> User:
    user = repository.user(session, user_id)
    if user is None or user.tenant_id != principal.tenant_id or user.erased_at is not None:
        raise NotFound(f"user {user_id!r} not found")
    return user


# What only platform operators grant: a team's plan and the limits it buys.
PLATFORM_FIELDS = ("plan", "rate_limit_rps", "burst", "seats", "ws_limit")


def update_tenant(
    session: Session, ctx: Ctx, principal: Principal, tenant_id: str, data: TenantUpdate
) -> Tenant:
    """A team admin renames their team; its plan and limits are the platform's to grant
    (:func:`apply_tenant_changes` through ``accounts.operators.set_tenant_plan``)."""
    tenant = own_tenant(session, principal, tenant_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    granted = [f for f in PLATFORM_FIELDS if f in changes]
    if granted:
        raise Forbidden(
            "plans and limits are set by the platform's operators: ask them to change " + ", ".join(granted),
            code="operator_only",
            details=[{"field": f} for f in granted],
        )
    return apply_tenant_changes(session, ctx, principal.actor, tenant, changes)


def apply_tenant_changes(
    session: Session, ctx: Ctx, actor: Actor, tenant: Tenant, changes: dict[str, Any]
) -> Tenant:
    """Applies ``changes`` (already authorised) with its audit entry in the team's chain."""
    if "plan" in changes:
        # A new plan brings its limits unless the same request sets them explicitly.
        limits = PLAN_LIMITS[Plan(changes["plan"])]
        changes = {"burst": limits.burst, "seats": limits.seats, "ws_limit": limits.ws_limit, **changes}
        changes["plan"] = Plan(changes["plan"]).value
    if "seats" in changes and changes["seats"] < repository.count_active_users(session, tenant.id):
        raise Conflict("the team has more active users than that many seats", details=[{"field": "seats"}])
    diff = {k: [getattr(tenant, k), v] for k, v in changes.items() if getattr(tenant, k) != v}
    for key, value in changes.items():
        setattr(tenant, key, value)
    tenant.updated_at = now_utc()
    session.flush()
    if ctx.tenant_limits is not None:
        ctx.tenant_limits.forget(tenant.id)
    if ctx.limiter is not None and {"rate_limit_rps", "burst"} & diff.keys():
        # New limits apply from a full bucket: raising a plan must not leave the team throttled
        # by the old plan's empty bucket until it refills.
        ctx.limiter.forget(f"tenant:{tenant.id}")
    record(
        session,
        ctx,
        "tenant.updated",
        "success",
        tenant_id=tenant.id,
        actor=actor,
        target=f"tenant:{tenant.id}",
        details={"changes": diff},
    )
    return tenant


def deactivate_tenant(session: Session, ctx: Ctx, principal: Principal, tenant_id: str) -> None:
    """Closes a team: it and its users can no longer sign in, and every session ends now."""
    close_tenant(session, ctx, principal.actor, own_tenant(session, principal, tenant_id))


def close_tenant(session: Session, ctx: Ctx, actor: Actor, tenant: Tenant) -> int:
    """Deactivates ``tenant`` and ends every session of its users; returns how many ended (audited)."""
    now = now_utc()
    tenant.active = False
    tenant.updated_at = now
    ended = repository.revoke_sessions(session, now, "tenant_closed", tenant_id=tenant.id)
    if ctx.tenant_limits is not None:
        ctx.tenant_limits.forget(tenant.id)
    record(
        session,
        ctx,
        "tenant.deactivated",
        "success",
        tenant_id=tenant.id,
        actor=actor,
        target=f"tenant:{tenant.id}",
        details={"sessions_ended": ended},
    )
    return ended


def list_users(session: Session, principal: Principal, tenant_id: str) -> Sequence[User]:
    own_tenant(session, principal, tenant_id)
    return repository.users_of_tenant(session, tenant_id)


def invite(session: Session, ctx: Ctx, principal: Principal, tenant_id: str, data: InviteIn) -> InvitationOut:
    tenant = own_tenant(session, principal, tenant_id)
    if not can_grant(principal.role, data.role):
        record(
            session,
            ctx,
            "authz.denied",
            "denied",
            tenant_id=principal.tenant_id,
            actor=principal.actor,
            target=f"tenant:{tenant.id}",
            details={"action": "users.invite", "role": principal.role, "granted_role": data.role.value},
        )
        raise RoleNotGrantable(f"a {principal.role} cannot invite a {data.role.value}")
    return create_invitation(session, ctx, principal.actor, principal.user_id, tenant, data.email, data.role)


def create_invitation(
    session: Session, ctx: Ctx, actor: Actor, invited_by: str, tenant: Tenant, email: str, role: Role
) -> InvitationOut:
    """An invitation into ``tenant`` (seats and unique emails checked, audited); its token is shown once."""
    now = now_utc()
    if repository.user_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", details=[{"field": "email"}])
    taken = repository.count_active_users(session, tenant.id) + repository.count_pending_invitations(
        session, tenant.id, now
    )
    if taken >= tenant.seats:
        raise Conflict(f"the team has used all {tenant.seats} seats of its plan", code="seats_exhausted")
    token = crypto.random_token(32)
    invitation = Invitation(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        email=email,
        role=role.value,
        token_hash=crypto.sha256_hex(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    session.add(invitation)
    session.flush()
    record(
        session,
        ctx,
        "user.invited",
        "success",
        tenant_id=tenant.id,
        actor=actor,
        target=f"invitation:{invitation.id}",
        details={"role": role.value},
    )
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
        token=token,
    )


def update_user(session: Session, ctx: Ctx, principal: Principal, user_id: str, data: UserUpdate) -> User:
    user = own_user(session, principal, user_id)
    now = now_utc()
    demoting = data.role is not None and data.role != Role.ADMIN and user.role == Role.ADMIN.value
    disabling = data.active is False and user.active and user.role == Role.ADMIN.value
    if (demoting or disabling) and repository.count_active_admins(session, user.tenant_id) <= 1:
        raise Conflict("the team must keep at least one active admin")
    if data.role is not None and data.role.value != user.role:
        old = user.role
        user.role = data.role.value
        record(
            session,
            ctx,
            "user.role_changed",
            "success",
            tenant_id=user.tenant_id,
            actor=principal.actor,
            target=f"user:{user.id}",
            details={"from": old, "to": data.role.value},
        )
    if data.active is not None and data.active != user.active:
        if data.active and repository.count_active_users(session, user.tenant_id) >= _seats(session, user):
            raise Conflict("the team has used all the seats of its plan", code="seats_exhausted")
        user.active = data.active
        if not data.active:
            repository.revoke_sessions(session, now, "user_disabled", user_id=user.id)
        record(
            session,
            ctx,
            "user.enabled" if data.active else "user.disabled",
            "success",
            tenant_id=user.tenant_id,
            actor=principal.actor,
            target=f"user:{user.id}",
        )
    user.updated_at = now
    session.flush()
    return user


def _seats(session: Session, user: User) -> int:
    tenant = repository.tenant(session, user.tenant_id)
    return tenant.seats if tenant else 0


def audit_log(
    session: Session, principal: Principal, *, event_type: str | None, before_id: int | None, limit: int
) -> Sequence[AuditEntry]:
    return repository.audit_entries(
        session, tenant_id=principal.tenant_id, event_type=event_type, before_id=before_id, limit=limit
    )


def verify_audit(session: Session, principal: Principal) -> audit.VerifyResult:
    return audit.verify_chain(session, audit.chain_for(principal.tenant_id))
