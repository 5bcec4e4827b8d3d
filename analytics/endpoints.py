"""The KPI API: ``GET /kpis`` (the caller's team, ``tenant.read``: admins, managers, auditors) and
``GET /kpis/catalog`` (public), and ``GET /ops/tenants/{id}/kpis`` for platform operators. Thin: validate,
call one service function, return.

A date that is not a date, an ``end`` before ``start`` or a range over 366 days is a 422 naming the
field, in the usual error envelope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from accounts import operators
from accounts.deps import AccountsCtx, AccountsDb, CanReadTenant
from accounts.ops_endpoints import Operator
from analytics import service
from analytics.schemas import CatalogKpis, KpiReport
from core.deps import CacheDep, DbSession, SettingsDep
from core.types import Day

router = APIRouter(tags=["analytics"])

Start = Annotated[Day | None, Query(description="first UTC day (YYYY-MM-DD); default: 29 days before end")]
End = Annotated[Day | None, Query(description="last UTC day, included (YYYY-MM-DD); default: today")]


@router.get("/kpis", response_model=KpiReport, summary="The team's booking, usage and invoice KPIs per day")
def team_kpis(
    principal: CanReadTenant,
    session: DbSession,
    settings: SettingsDep,
    cache: CacheDep,
    start: Start = None,
    end: End = None,
) -> KpiReport:
    return service.tenant_report(session, settings, cache, principal.tenant_id, start, end)


@router.get(
    "/kpis/catalog", response_model=CatalogKpis, summary="Public catalog KPIs: offers, sync health, prices"
)
def catalog_kpis(
    session: DbSession,
    settings: SettingsDep,
    cache: CacheDep,
    day: Annotated[Day | None, Query(description="the UTC day the prices are as of; default: today")] = None,
) -> CatalogKpis:
    return service.catalog_report(session, settings, cache, day)


@router.get(
    "/ops/tenants/{tenant_id}/kpis",
    response_model=KpiReport,
    summary="A team's KPIs, for a platform operator (each look is audited in that team's chain)",
)
def operator_team_kpis(
    principal: Operator,
    session: AccountsDb,
    ctx: AccountsCtx,
    settings: SettingsDep,
    cache: CacheDep,
    tenant_id: str,
    start: Start = None,
    end: End = None,
) -> KpiReport:
    operators.view_tenant_kpis(session, ctx, principal, tenant_id)
    return service.tenant_report(session, settings, cache, tenant_id, start, end)


@router.get(
    "/ops/kpis", response_model=KpiReport, summary="Every team's KPIs summed, for a platform operator"
)
def operator_platform_kpis(
    principal: Operator,
    session: AccountsDb,
    settings: SettingsDep,
    cache: CacheDep,
    start: Start = None,
    end: End = None,
) -> KpiReport:
    return service.platform_report(session, settings, cache, start, end)
