"""Billing pages: the team's invoices (a list with a date filter and pages) and one invoice with its
lines, the USD subtotal, the exchange rate with its date and source, the total in the team's currency
and a link to the PDF.

The pages use the browser session of ``web.session`` and the same billing services and policy as the
JSON API (``tenant.read``); another team's invoice is "not found". The PDF link is a page route too,
because a link cannot carry the bearer token the API wants.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from accounts.policy import Action, allowed
from billing import account as billing_account
from billing import service
from billing.money import fmt, plain
from core.db import session_scope
from core.errors import AppError
from web.account_pages import parse_day, render, to_login
from web.routes import templates
from web.session import PageSession, page_session, set_cookies

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _cents(value: Decimal) -> str:
    # Exact: Decimal formats without passing through a float.
    return f"{value:,.2f}"


def _money(value: Decimal, currency: str) -> str:
    # The currency's own decimals (ISO 4217): 6,847 JPY, 1,234.50 EUR.
    return fmt(value, currency)


templates.env.filters.update(cents=_cents, plain=plain, amount=_money)


def _guard(request: Request) -> tuple[PageSession, Response | None]:
    page = page_session(request)
    if page.principal is None:
        return page, to_login(request)
    if not allowed(page.principal.role, Action.TENANT_READ):
        context = {"active": "billing", "forbidden": True, "role": page.principal.role}
        return page, render(request, "billing_invoices.html", context, page, 403)
    return page, None


@router.get("/billing/invoices", response_class=HTMLResponse)
def invoices_page(
    request: Request, start: str | None = None, end: str | None = None, page: int = 1
) -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    principal = session_page.principal
    assert principal is not None  # nosec B101  # the guard above refused anonymous callers
    errors: list[str] = []
    start_day, end_day = parse_day(start, "start", errors), parse_day(end, "end", errors)
    if start_day and end_day and start_day > end_day:
        errors.append("start: must not be after end")
    context: dict[str, Any] = {"active": "billing", "start": start or "", "end": end or ""}
    if errors:
        context.update(error="; ".join(errors), items=[], total=0, page=1, pages=1)
        return render(request, "billing_invoices.html", context, session_page, 422)
    settings = request.app.state.settings
    try:
        with session_scope(request.app.state.session_factory) as session:
            result = service.list_invoices(
                session,
                settings,
                principal,
                start=start_day,
                end=end_day,
                page=max(page, 1),
                page_size=PAGE_SIZE,
            )
            account = billing_account.account_out(session, principal.tenant_id)
    except AppError as exc:
        context.update(error=exc.message, items=[], total=0, page=1, pages=1)
        return render(request, "billing_invoices.html", context, session_page, exc.status)
    pages = max(1, -(-result.total // PAGE_SIZE))
    context.update(
        items=result.items,
        total=result.total,
        page=result.page,
        pages=pages,
        account=account,
        ledger=service.ledger(settings),
    )
    return render(request, "billing_invoices.html", context, session_page)


@router.get("/billing/invoices/{invoice_id}.pdf")
def invoice_pdf_page(request: Request, invoice_id: str) -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    assert session_page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    try:
        with session_scope(request.app.state.session_factory) as session:
            filename, body = service.invoice_pdf(
                session, request.app.state.settings, session_page.principal, invoice_id
            )
    except AppError as exc:
        context = {"active": "billing", "missing": invoice_id, "error": exc.message}
        return render(request, "billing_invoice.html", context, session_page, exc.status)
    response = Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    if session_page.renewed is not None:
        set_cookies(request, response, session_page.renewed)
    return response


@router.get("/billing/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(request: Request, invoice_id: str) -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    assert session_page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    try:
        with session_scope(request.app.state.session_factory) as session:
            invoice = service.get_invoice(
                session, request.app.state.settings, session_page.principal, invoice_id
            )
    except AppError as exc:
        context = {"active": "billing", "missing": invoice_id, "error": exc.message}
        return render(request, "billing_invoice.html", context, session_page, exc.status)
    return render(request, "billing_invoice.html", {"active": "billing", "invoice": invoice}, session_page)
