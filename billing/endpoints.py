"""The billing API: the team's invoices and credit notes (JSON and PDF), monthly statements (JSON, CSV,
PDF), its metered usage, its billing account, and the daily billing run; the seller's acts on documents
(void, credit note, payment) for platform operators under ``/ops/invoices``; Kill Bill's payment
notifications. Thin: validate, call one service function, return.

Who may do what follows the accounts policy table: reading invoices, statements and usage is
``tenant.read`` (admins, managers, auditors), changing the billing account and running billing is
``tenant.update`` (admins). Everything is scoped to the caller's team: another team's invoice id is a 404.
Voiding, crediting and marking paid are the seller's, so operators only (``users.operator``), audited in
the team's chain.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from accounts.deps import AccountsCtx, CanReadTenant, CanUpdateTenant, get_ctx
from accounts.ops_endpoints import Operator
from billing import account as billing_account
from billing import service, statements
from billing.schemas import (
    BillingAccountIn,
    BillingAccountOut,
    CreditNoteIn,
    InvoiceOut,
    InvoicePage,
    PaymentIn,
    RunOut,
    StatementOut,
    UsagePage,
    VoidIn,
)
from core.deps import DbSession, SettingsDep
from core.errors import InvalidInput
from core.types import Day

router = APIRouter(tags=["billing"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
# Days bounded to 1970-2999 (core.types.Day): a 422 naming the parameter, not an overflow downstream.
Start = Annotated[Day | None, Query(description="first UTC day included (YYYY-MM-DD)")]
End = Annotated[Day | None, Query(description="last UTC day included (YYYY-MM-DD)")]


def _range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise InvalidInput(
            "start must not be after end", details=[{"field": "start", "message": "after end"}]
        )


@router.get("/invoices", response_model=InvoicePage, summary="The team's invoices, newest first")
def list_invoices(
    principal: CanReadTenant,
    session: DbSession,
    settings: SettingsDep,
    start: Start = None,
    end: End = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> InvoicePage:
    _range(start, end)
    return service.list_invoices(
        session, settings, principal, start=start, end=end, page=page, page_size=page_size
    )


# Declared before /invoices/{invoice_id}, which would otherwise take "<id>.pdf" as an id.
@router.get(
    "/invoices/{invoice_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="An invoice as a PDF",
)
def invoice_pdf(
    principal: CanReadTenant, invoice_id: str, session: DbSession, settings: SettingsDep
) -> Response:
    filename, body = service.invoice_pdf(session, settings, principal, invoice_id)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, summary="An invoice with its lines")
def get_invoice(
    principal: CanReadTenant, invoice_id: str, session: DbSession, settings: SettingsDep
) -> InvoiceOut:
    return service.get_invoice(session, settings, principal, invoice_id)


@router.get("/usage", response_model=UsagePage, summary="Metered usage per booking and UTC day")
def list_usage(
    principal: CanReadTenant,
    session: DbSession,
    start: Start = None,
    end: End = None,
    booking_id: Annotated[str | None, Query(max_length=36)] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> UsagePage:
    _range(start, end)
    return service.list_usage(
        session, principal, start=start, end=end, booking_id=booking_id, page=page, page_size=page_size
    )


@router.get(
    "/billing/account", response_model=BillingAccountOut, summary="The team's billing currency and details"
)
def get_account(principal: CanReadTenant, session: DbSession, settings: SettingsDep) -> BillingAccountOut:
    return billing_account.account_out(session, principal.tenant_id, settings)


@router.put(
    "/billing/account",
    response_model=BillingAccountOut,
    summary="Set the billing currency (from the next billing day), email, country, VAT ID and address",
)
def put_account(
    principal: CanUpdateTenant, body: BillingAccountIn, session: DbSession, ctx: AccountsCtx
) -> BillingAccountOut:
    return billing_account.update_account(session, ctx, principal, body)


Month = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


@router.get("/billing/statements/{month}.csv", response_class=Response, summary="A monthly statement as CSV")
def statement_csv(principal: CanReadTenant, month: Month, session: DbSession) -> Response:
    body = statements.to_csv(statements.build(session, principal.tenant_id, month))
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="statement-{month}.csv"'},
    )


@router.get("/billing/statements/{month}.pdf", response_class=Response, summary="A monthly statement as PDF")
def statement_pdf(principal: CanReadTenant, month: Month, session: DbSession) -> Response:
    body = statements.to_pdf(statements.build(session, principal.tenant_id, month))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="statement-{month}.pdf"'},
    )


@router.get("/billing/statements/{month}", response_model=StatementOut, summary="A monthly statement")
def statement(principal: CanReadTenant, month: Month, session: DbSession) -> StatementOut:
    return statements.build(session, principal.tenant_id, month)


# --- operators: the seller's acts ------------------------------------------------------------------

Status = Annotated[str | None, Query(pattern="^(open|paid|void)$")]


@router.get("/ops/invoices", response_model=InvoicePage, summary="Every team's documents, newest first")
def ops_invoices(
    operator: Operator, session: DbSession, status: Status = None, page: Page = 1, page_size: PageSize = 50
) -> InvoicePage:
    return service.all_invoices(session, status=status, page=page, page_size=page_size)


@router.post("/ops/invoices/{invoice_id}/void", response_model=InvoiceOut, summary="Void an open document")
def ops_void(
    operator: Operator, invoice_id: str, body: VoidIn, session: DbSession, ctx: AccountsCtx
) -> InvoiceOut:
    return service.void_invoice(session, ctx, operator, invoice_id, body)


@router.post(
    "/ops/invoices/{invoice_id}/credit-notes",
    response_model=InvoiceOut,
    status_code=201,
    summary="Issue a credit note against an invoice",
)
def ops_credit(
    operator: Operator, invoice_id: str, body: CreditNoteIn, session: DbSession, ctx: AccountsCtx
) -> InvoiceOut:
    return service.credit_invoice(session, ctx, operator, invoice_id, body)


@router.post("/ops/invoices/{invoice_id}/payments", response_model=InvoiceOut, summary="Mark an invoice paid")
def ops_pay(
    operator: Operator, invoice_id: str, body: PaymentIn, session: DbSession, ctx: AccountsCtx
) -> InvoiceOut:
    return service.pay_invoice(session, ctx, operator, invoice_id, body)


@router.post(
    "/billing/killbill/events",
    summary="Kill Bill's push notifications: a paid invoice is read back from Kill Bill and recorded",
)
def killbill_event(request: Request, event: Annotated[dict[str, object], Body()]) -> dict[str, object]:
    return service.killbill_notification(request.app.state.session_factory, get_ctx(request), event)


@router.post(
    "/billing/run",
    response_model=RunOut,
    summary="Meter and invoice one closed UTC day for the team (idempotent)",
)
def run(
    principal: CanUpdateTenant,
    request: Request,
    ctx: AccountsCtx,
    day: Annotated[Day, Query(description="the UTC day to bill (YYYY-MM-DD), once it has ended")],
) -> RunOut:
    return service.run_billing(
        request.app.state.session_factory,
        request.app.state.settings,
        day,
        tenant_id=principal.tenant_id,
        ctx=ctx,
        principal=principal,
    )
