"""The operator console's API: ``/ops/tenants`` (list, open), ``/ops/tenants/{id}/close|reopen``.

Every route needs a signed-in platform operator (``users.operator``); anyone else gets a 403 in the
envelope, audited like any refused action.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from accounts import operators
from accounts.deps import AccountsCtx, AccountsDb, CurrentUser, get_ctx
from accounts.models import Plan, Tenant
from accounts.policy import Action
from accounts.schemas import Email, InvitationOut, Strict, TenantOut, TenantUpdate
from accounts.service import Principal, record_denied
from core.db import session_scope
from core.types import PageNumber

router = APIRouter(prefix="/ops", tags=["operators"])


def operator_user(request: Request, principal: CurrentUser) -> Principal:
    if not principal.operator:
        with session_scope(request.app.state.session_factory) as session:
            record_denied(
                session, get_ctx(request), principal, Action.PLATFORM_OPERATE.value, request.url.path
            )
        raise operators.NotAnOperator("only platform operators may use the operator console")
    return principal


operator_user.__policy_action__ = Action.PLATFORM_OPERATE  # type: ignore[attr-defined]
Operator = Annotated[Principal, Depends(operator_user)]


class OpsTenant(TenantOut):
    users: int


class OpsTenantPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[OpsTenant]


class OpenTenantIn(Strict):
    name: str
    plan: Plan = Plan.FREE
    admin_email: Email


class OpenTenantOut(BaseModel):
    tenant: TenantOut
    invitation: InvitationOut


def _out(tenant: Tenant, users: int) -> OpsTenant:
    return OpsTenant(**TenantOut.model_validate(tenant, from_attributes=True).model_dump(), users=users)


@router.get("/tenants", response_model=OpsTenantPage, summary="Every team, newest first")
def list_tenants(
    principal: Operator,
    session: AccountsDb,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OpsTenantPage:
    rows, total = operators.list_tenants(session, principal, q=q, page=page, page_size=page_size)
    return OpsTenantPage(
        total=total, page=page, page_size=page_size, items=[_out(r.tenant, r.users) for r in rows]
    )


@router.post("/tenants", response_model=OpenTenantOut, status_code=201, summary="Open a team for a customer")
def open_tenant(
    principal: Operator, session: AccountsDb, ctx: AccountsCtx, body: OpenTenantIn
) -> OpenTenantOut:
    tenant, invitation = operators.open_tenant(
        session, ctx, principal, body.name, body.plan, body.admin_email
    )
    return OpenTenantOut(tenant=TenantOut.model_validate(tenant, from_attributes=True), invitation=invitation)


@router.patch(
    "/tenants/{tenant_id}",
    response_model=TenantOut,
    summary="Set a team's plan and limits (rate limit, burst, seats, WebSockets) or name",
)
def set_tenant_plan(
    principal: Operator, session: AccountsDb, ctx: AccountsCtx, tenant_id: str, body: TenantUpdate
) -> TenantOut:
    tenant = operators.set_tenant_plan(session, ctx, principal, tenant_id, body)
    return TenantOut.model_validate(tenant, from_attributes=True)


@router.post("/tenants/{tenant_id}/close", response_model=TenantOut, summary="Close a team: its sessions end")
def close_tenant(principal: Operator, session: AccountsDb, ctx: AccountsCtx, tenant_id: str) -> TenantOut:
    tenant = operators.set_tenant_active(session, ctx, principal, tenant_id, False)
    return TenantOut.model_validate(tenant, from_attributes=True)


@router.post("/tenants/{tenant_id}/reopen", response_model=TenantOut, summary="Reopen a closed team")
def reopen_tenant(principal: Operator, session: AccountsDb, ctx: AccountsCtx, tenant_id: str) -> TenantOut:
    tenant = operators.set_tenant_active(session, ctx, principal, tenant_id, True)
    return TenantOut.model_validate(tenant, from_attributes=True)
