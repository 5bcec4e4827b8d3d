"""The operator console pages (``/ops``, ``/ops/teams/{id}``; their forms post to ``/ops/open-team``,
``/ops/teams/{id}/active`` and ``/ops/teams/{id}/plan``, beside the JSON API under ``/ops/tenants``): every
team, open one for a customer, close or reopen one, set its plan and limits, and the orphan instances the
reconciliation job found (``booking.tracking.reconcile``).

Server-rendered forms that work without JavaScript, on the site's sign-in cookies. The page asks the
same service as the API (``accounts.operators``), so the rules (operators only, audited, an
invitation token shown once) are the same; anyone else gets a 403 page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from accounts import operators, repository
from accounts.deps import accounts_unit, get_ctx
from accounts.models import PLAN_LIMITS, Plan
from accounts.ops_endpoints import OpenTenantIn
from accounts.schemas import TenantUpdate
from booking.tracking import open_orphans
from core.errors import AppError
from web.account_pages import FormStr, first_error, render, to_login
from web.session import PageSession, page_session

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _guard(request: Request) -> tuple[PageSession, Response | None]:
    page = page_session(request)
    if page.principal is None:
        return page, to_login(request)
    if not page.principal.operator:
        context = {"active": "ops", "role": page.principal.role, "forbidden": True}
        return page, render(request, "ops.html", context, page, 403)
    return page, None


def _context(request: Request, page: PageSession, q: str, page_no: int) -> dict[str, Any]:
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    with accounts_unit(request) as session:
        rows, total = operators.list_tenants(session, page.principal, q=q, page=page_no, page_size=PAGE_SIZE)
        orphans = open_orphans(session)
    return {
        "orphans": orphans,
        "active": "ops",
        "me": page.principal,
        "rows": rows,
        "total": total,
        "q": q,
        "page_no": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "plans": {p.value: PLAN_LIMITS[p] for p in Plan},
    }


@router.get("/ops", response_class=HTMLResponse)
def ops_page(request: Request, q: str = "", page: int = 1, saved: str = "") -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    notice = {"closed": "Team closed: its sessions ended.", "reopened": "Team reopened."}.get(saved)
    context = {**_context(request, session_page, q[:200], max(1, page)), "notice": notice}
    return render(request, "ops.html", context, session_page)


@router.post("/ops/open-team", response_class=HTMLResponse)
def ops_open(
    request: Request, name: FormStr = "", plan: FormStr = "free", admin_email: FormStr = ""
) -> Response:
    page, refused = _guard(request)
    if refused is not None:
        return refused
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    form = {"name": name, "plan": plan, "admin_email": admin_email}
    try:
        data = OpenTenantIn.model_validate(form)
        with accounts_unit(request) as session:
            tenant, invitation = operators.open_tenant(
                session, get_ctx(request), page.principal, data.name, data.plan, data.admin_email
            )
            opened = {"name": tenant.name, "plan": tenant.plan}
    except ValidationError as exc:
        return render(
            request,
            "ops.html",
            {**_context(request, page, "", 1), "error": first_error(exc), "form": form},
            page,
            422,
        )
    except AppError as exc:
        return render(
            request,
            "ops.html",
            {**_context(request, page, "", 1), "error": exc.message, "form": form},
            page,
            exc.status,
        )
    context = {**_context(request, page, "", 1), "opened": opened, "invitation": invitation}
    return render(request, "ops.html", context, page, 201)


@router.post("/ops/teams/{tenant_id}/active", response_class=HTMLResponse)
def ops_set_active(request: Request, tenant_id: str, active: FormStr = "") -> Response:
    page, refused = _guard(request)
    if refused is not None:
        return refused
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    try:
        with accounts_unit(request) as session:
            operators.set_tenant_active(
                session, get_ctx(request), page.principal, tenant_id, active == "true"
            )
    except AppError as exc:
        return render(
            request, "ops.html", {**_context(request, page, "", 1), "error": exc.message}, page, exc.status
        )
    return RedirectResponse(f"/ops?saved={'reopened' if active == 'true' else 'closed'}", status_code=303)


@router.get("/ops/teams/{tenant_id}", response_class=HTMLResponse)
def ops_team_page(request: Request, tenant_id: str, saved: bool = False) -> Response:
    """A team's plan and limits, which only operators grant."""
    page, refused = _guard(request)
    if refused is not None:
        return refused
    with accounts_unit(request) as session:
        tenant = repository.tenant(session, tenant_id)
        if tenant is None:
            return render(request, "ops_team.html", {"active": "ops", "missing": tenant_id}, page, 404)
        context = _team_context(tenant)
    return render(request, "ops_team.html", {**context, "saved": saved}, page)


def _team_context(tenant: Any, **extra: Any) -> dict[str, Any]:
    return {"active": "ops", "tenant": tenant, "plans": {p.value: PLAN_LIMITS[p] for p in Plan}, **extra}


@router.post("/ops/teams/{tenant_id}/plan", response_class=HTMLResponse)
def ops_set_plan(
    request: Request,
    tenant_id: str,
    plan: FormStr = "",
    rate_limit_rps: FormStr = "",
    burst: FormStr = "",
    seats: FormStr = "",
    ws_limit: FormStr = "",
) -> Response:
    page, refused = _guard(request)
    if refused is not None:
        return refused
    assert page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    form = {"plan": plan, "rate_limit_rps": rate_limit_rps, "burst": burst, "seats": seats, "ws_limit": ws_limit}
    try:
        data = TenantUpdate.model_validate({k: v for k, v in form.items() if v.strip()})
        with accounts_unit(request) as session:
            operators.set_tenant_plan(session, get_ctx(request), page.principal, tenant_id, data)
    except (ValidationError, AppError) as exc:
        message = first_error(exc) if isinstance(exc, ValidationError) else exc.message
        status = 422 if isinstance(exc, ValidationError) else exc.status
        with accounts_unit(request) as session:
            tenant = repository.tenant(session, tenant_id)
            if tenant is None:
                return render(request, "ops_team.html", {"active": "ops", "missing": tenant_id}, page, 404)
            context = _team_context(tenant, error=message, form=form)
        return render(request, "ops_team.html", context, page, status)
    return RedirectResponse(f"/ops/teams/{tenant_id}?saved=true", status_code=303)
