"""The operators' billing page (``/ops/billing``): every team's invoices and credit notes, newest first,
with the seller's acts on each: void an open document, issue a credit note, mark an invoice paid.

Server-rendered forms that work without JavaScript, on the site's sign-in cookies. The forms post to
``/ops/billing/{id}/void|credit|pay`` and call the same services as the JSON API under
``/ops/invoices`` (``billing.documents``), so the rules are the same: operators only, each act
audited in the team's chain with the operator as the actor; anyone else gets a 403 page.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from accounts.deps import accounts_unit, get_ctx
from billing import service
from billing.schemas import CreditNoteIn, PaymentIn, VoidIn
from core.errors import AppError
from web.account_pages import FormStr, first_error, render, to_login
from web.session import PageSession, page_session

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NOTICES = {"void": "Document voided.", "credit": "Credit note issued.", "paid": "Invoice marked paid."}


def _guard(request: Request) -> tuple[PageSession, Response | None]:
    page = page_session(request)
    if page.principal is None:
        return page, to_login(request)
    if not page.principal.operator:
        context = {"active": "ops", "role": page.principal.role, "forbidden": True}
        return page, render(request, "ops_billing.html", context, page, 403)
    return page, None


def _context(request: Request, status: str | None, page_no: int) -> dict[str, Any]:
    with accounts_unit(request) as session:
        result = service.all_invoices(session, status=status, page=page_no, page_size=PAGE_SIZE)
    return {
        "active": "ops",
        "items": result.items,
        "total": result.total,
        "status": status or "",
        "page_no": page_no,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
    }


@router.get("/ops/billing", response_class=HTMLResponse)
def ops_billing_page(request: Request, status: str = "", page: int = 1, saved: str = "") -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    chosen = status if status in ("open", "paid", "void") else None
    context = {**_context(request, chosen, max(page, 1)), "notice": NOTICES.get(saved)}
    return render(request, "ops_billing.html", context, session_page)


def _act(request: Request, invoice_id: str, saved: str, work: Any) -> Response:
    session_page, refused = _guard(request)
    if refused is not None:
        return refused
    assert session_page.principal is not None  # nosec B101  # the guard above refused anonymous callers
    try:
        with accounts_unit(request) as session:
            work(session, get_ctx(request), session_page.principal)
    except ValidationError as exc:
        context = {**_context(request, None, 1), "error": first_error(exc), "failed": invoice_id}
        return render(request, "ops_billing.html", context, session_page, 422)
    except AppError as exc:
        context = {**_context(request, None, 1), "error": exc.message, "failed": invoice_id}
        return render(request, "ops_billing.html", context, session_page, exc.status)
    return RedirectResponse(f"/ops/billing?saved={saved}", status_code=303)


@router.post("/ops/billing/{invoice_id}/void", response_class=HTMLResponse)
def ops_billing_void(request: Request, invoice_id: str, reason: FormStr = "") -> Response:
    def work(session: Any, ctx: Any, operator: Any) -> None:
        service.void_invoice(session, ctx, operator, invoice_id, VoidIn.model_validate({"reason": reason}))

    return _act(request, invoice_id, "void", work)


@router.post("/ops/billing/{invoice_id}/credit", response_class=HTMLResponse)
def ops_billing_credit(
    request: Request, invoice_id: str, reason: FormStr = "", amount: FormStr = ""
) -> Response:
    def work(session: Any, ctx: Any, operator: Any) -> None:
        try:
            value = Decimal(amount.strip()) if amount.strip() else None
        except InvalidOperation:
            value = Decimal(-1)  # refused by the model below, naming the field
        data = CreditNoteIn.model_validate({"reason": reason, "amount": value})
        service.credit_invoice(session, ctx, operator, invoice_id, data)

    return _act(request, invoice_id, "credit", work)


@router.post("/ops/billing/{invoice_id}/pay", response_class=HTMLResponse)
def ops_billing_pay(request: Request, invoice_id: str, reference: FormStr = "") -> Response:
    def work(session: Any, ctx: Any, operator: Any) -> None:
        service.pay_invoice(
            session, ctx, operator, invoice_id, PaymentIn.model_validate({"reference": reference})
        )

    return _act(request, invoice_id, "paid", work)
