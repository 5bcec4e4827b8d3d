"""The operator console's rules: platform staff manage teams they do not belong to.

An operator (``users.operator``, granted only by ``gpubroker operator grant <email>``) may list every
team with its size and state, open a team for a customer (the team, its plan and an invitation for its
first admin, whose token is shown once), and close or reopen a team. Everything an operator does is
written to the audit chain of the team it touches, with the operator as the actor. Operators see
teams and their KPIs (aggregates; each look is audited in the team's chain), not their rows: bookings,
invoices and threads stay behind the team's own roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import repository
from accounts.admin import apply_tenant_changes, close_tenant, create_invitation
from accounts.audit import Actor
from accounts.models import Plan, Role, Tenant, User
from accounts.schemas import InvitationOut, TenantUpdate
from accounts.service import Ctx, Principal, new_tenant, now_utc, record
from core.errors import Forbidden, InvalidInput, NotFound


class NotAnOperator(Forbidden):
    code = "operator_only"


@dataclass(frozen=True)
class TenantRow:
    tenant: Tenant
    users: int


def require_operator(principal: Principal) -> None:
    if not principal.operator:
        raise NotAnOperator("only platform operators may do this")


def list_tenants(
    session: Session, principal: Principal, *, q: str | None = None, page: int = 1, page_size: int = 50
) -> tuple[list[TenantRow], int]:
    """Every team, newest first, with its active users; ``q`` matches the name (case-insensitive)."""
    require_operator(principal)
    if page < 1:
        raise InvalidInput("page must be 1 or more", details=[{"field": "page"}])
    if not 1 <= page_size <= 200:
        raise InvalidInput("page_size must be 1 to 200", details=[{"field": "page_size"}])
    where = [func.lower(Tenant.name).contains(q.strip().lower())] if q and q.strip() else []
    total = int(session.execute(select(func.count()).select_from(Tenant).where(*where)).scalar_one())
    users = (
        select(User.tenant_id, func.count().label("n"))
        .where(User.active.is_(True), User.erased_at.is_(None))
        .group_by(User.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant, func.coalesce(users.c.n, 0))
        .outerjoin(users, users.c.tenant_id == Tenant.id)
        .where(*where)
        .order_by(Tenant.created_at.desc(), Tenant.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return [TenantRow(t, int(n)) for t, n in rows], total


def open_tenant(
    session: Session, ctx: Ctx, principal: Principal, name: str, plan: Plan, admin_email: str
) -> tuple[Tenant, InvitationOut]:
    """A new team on ``plan`` and the invitation of its first admin (who registers with its token, or
    signs in with SSO under that email)."""
    require_operator(principal)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name must be 1 to 200 characters", details=[{"field": "name"}])
    tenant = new_tenant(session, ctx.settings, name, plan)
    invitation = create_invitation(
        session, ctx, principal.actor, principal.user_id, tenant, admin_email, Role.ADMIN
    )
    record(
        session,
        ctx,
        "tenant.created",
        "success",
        tenant_id=tenant.id,
        actor=principal.actor,
        target=f"tenant:{tenant.id}",
        details={"by": "operator", "plan": plan.value, "operator_tenant": principal.tenant_id},
    )
    return tenant, invitation


def set_tenant_active(
    session: Session, ctx: Ctx, principal: Principal, tenant_id: str, active: bool
) -> Tenant:
    """Closes (every session ends at once) or reopens a team."""
    require_operator(principal)
    tenant = repository.tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id!r} not found")
    if tenant.id == principal.tenant_id and not active:
        raise InvalidInput("an operator cannot close their own team here", details=[{"field": "tenant_id"}])
    if tenant.active == active:
        return tenant
    if not active:
        close_tenant(session, ctx, principal.actor, tenant)
        return tenant
    tenant.active = True
    tenant.updated_at = now_utc()
    if ctx.tenant_limits is not None:
        ctx.tenant_limits.forget(tenant.id)
    record(
        session,
        ctx,
        "tenant.reactivated",
        "success",
        tenant_id=tenant.id,
        actor=principal.actor,
        target=f"tenant:{tenant.id}",
    )
    return tenant


def set_tenant_plan(
    session: Session, ctx: Ctx, principal: Principal, tenant_id: str, data: TenantUpdate
) -> Tenant:
    """A team's plan and limits (and name), granted by a platform operator; audited in that team's chain
    with the operator as the actor."""
    require_operator(principal)
    tenant = repository.tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id!r} not found")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    return apply_tenant_changes(session, ctx, principal.actor, tenant, changes)


def view_tenant_kpis(session: Session, ctx: Ctx, principal: Principal, tenant_id: str) -> Tenant:
    """Lets an operator read a team's KPIs (aggregates, not its rows); the read is audited in that
    team's chain, so the team can see who looked."""
    require_operator(principal)
    tenant = repository.tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id!r} not found")
    record(
        session,
        ctx,
        "tenant.kpis_viewed",
        "success",
        tenant_id=tenant.id,
        actor=principal.actor,
        target=f"tenant:{tenant.id}",
        details={"by": "operator"},
    )
    return tenant


def set_operator(session: Session, ctx: Ctx, email: str, on: bool) -> User:
    """Grants or removes the operator flag (the CLI's job: nobody can grant it through the API)."""
    user = repository.user_by_email(session, email.strip().lower())
    if user is None:
        raise NotFound(f"no account with the email {email!r}")
    if user.operator != on:
        user.operator = on
        user.updated_at = now_utc()
        record(
            session,
            ctx,
            "user.operator_granted" if on else "user.operator_revoked",
            "success",
            tenant_id=user.tenant_id,
            actor=Actor("system", "cli"),
            target=f"user:{user.id}",
        )
    return user


def operators(session: Session) -> Sequence[User]:
    return list(session.execute(select(User).where(User.operator.is_(True)).order_by(User.email)).scalars())
