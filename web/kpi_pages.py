"""The KPI dashboard (``/admin/kpis``): the team's bookings, success rate, time to active, GPU-hours,
revenue and invoices over a date range, and the public catalog's offers, provider health and price
trend per GPU family.

Everything is drawn on the server (figure cards, SVG charts from ``web.chart``, tables of the same
figures under each chart), so the page works with JavaScript off and follows the light and dark themes
through CSS classes. The range is a GET form; a bad range renders the page again with the message and
a 422, as the API answers. The figures are those of ``GET /kpis`` and ``GET /kpis/catalog`` (the same
service, the same cache); who may look is the policy's ``tenant.read`` (admins, managers, auditors).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from accounts import operators
from accounts.deps import get_ctx
from accounts.policy import Action, allowed
from analytics import service
from analytics.facts import PRICE_LOOKBACK_DAYS
from analytics.schemas import CatalogKpis, KpiReport
from core.db import session_scope
from core.errors import AppError
from web.account_pages import parse_day, render, to_login
from web.chart import day_bar_chart, hbar_chart, line_chart
from web.routes import templates
from web.session import page_session

router = APIRouter(include_in_schema=False)
PRICE_FAMILIES = 6


def _cents(value: Decimal) -> str:
    # Exact: a Decimal formats without passing through a float.
    return f"{value:,.2f}"


templates.env.filters.update(kpi_cents=_cents)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def _usd(value: float) -> str:
    return f"${value:,.0f}" if value >= 100 else f"${value:,.2f}"


def _hours(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _count(value: float) -> str:
    return f"{int(value):,}"


def _charts(report: KpiReport, catalog: CatalogKpis) -> dict[str, Any]:
    days = [d.day for d in report.days]
    bookings = day_bar_chart(
        days,
        [
            ("created", [d.created for d in report.days]),
            ("became active", [d.activated for d in report.days]),
            ("failed", [d.failed for d in report.days]),
        ],
        _count,
    )
    revenue = day_bar_chart(days, [("revenue (USD)", [float(d.revenue_usd) for d in report.days])], _usd)
    families = hbar_chart([(f.name, float(f.gpu_hours)) for f in report.top_gpu_families], _hours)
    priced = [f for f in catalog.family_prices if any(v is not None for v in (f.today, f.days_7, f.days_30))][
        :PRICE_FAMILIES
    ]
    labels = [f"{n} days ago" if n else "today" for n in reversed(PRICE_LOOKBACK_DAYS)]

    def _f(v: Decimal | None) -> float | None:
        return float(v) if v is not None else None

    prices = line_chart(
        labels,
        [(f.family, [_f(f.days_30), _f(f.days_7), _f(f.today)]) for f in priced],
        lambda v: f"${v:,.2f}",
    )
    return {
        "bookings": bookings,
        "revenue": revenue,
        "families": families,
        "prices": prices,
        "priced": priced,
    }


@router.get("/admin/kpis", response_class=HTMLResponse)
def kpis_page(
    request: Request, start: str | None = None, end: str | None = None, tenant: str | None = None
) -> Response:
    page = page_session(request)
    if page.principal is None:
        return to_login(request)
    principal = page.principal
    # ?tenant=<id>: a platform operator looks at another team (audited in that team's chain).
    viewing = tenant if tenant and tenant != principal.tenant_id else None
    if viewing is not None and not principal.operator:
        refused = {"active": "kpis", "forbidden": True, "role": principal.role}
        return render(request, "kpis.html", refused, page, 403)
    if viewing is None and not allowed(principal.role, Action.TENANT_READ):
        refused = {"active": "kpis", "forbidden": True, "role": principal.role}
        return render(request, "kpis.html", refused, page, 403)
    errors: list[str] = []
    start_day, end_day = parse_day(start, "start", errors), parse_day(end, "end", errors)
    context: dict[str, Any] = {"active": "kpis", "start": start or "", "end": end or ""}
    if errors:
        return render(request, "kpis.html", {**context, "error": "; ".join(errors)}, page, 422)
    state = request.app.state
    try:
        with session_scope(state.session_factory) as session:
            team_id = principal.tenant_id
            if viewing == service.PLATFORM:
                context["viewing"] = {"id": service.PLATFORM, "name": "all teams"}
                report = service.platform_report(session, state.settings, state.cache, start_day, end_day)
            else:
                if viewing is not None:
                    team = operators.view_tenant_kpis(session, get_ctx(request), principal, viewing)
                    team_id = team.id
                    context["viewing"] = {"id": team.id, "name": team.name}
                report = service.tenant_report(
                    session, state.settings, state.cache, team_id, start_day, end_day
                )
            catalog = service.catalog_report(session, state.settings, state.cache)
    except AppError as exc:
        return render(request, "kpis.html", {**context, "error": exc.message}, page, exc.status)
    empty = (
        report.totals.created == 0
        and report.totals.submitted == 0
        and report.gpu_hours == 0
        and report.active_now == 0
        and report.invoices_issued == 0
    )
    today = service.today_utc()
    context.update(
        report=report,
        catalog=catalog,
        empty=empty,
        charts=_charts(report, catalog),
        start=report.start.isoformat(),
        end=report.end.isoformat(),
        presets=[
            ("Last 7 days", today - timedelta(days=6), today),
            ("Last 30 days", today - timedelta(days=29), today),
            ("Last 90 days", today - timedelta(days=89), today),
        ],
        duration=_duration,
    )
    return render(request, "kpis.html", context, page)
