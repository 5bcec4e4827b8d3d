"""The billing API: the team's invoices (JSON and PDF), its metered usage, its billing account, and the
daily billing run. Thin: validate, call one service function, return.

Who may do what follows the accounts policy table: reading invoices and usage is ``tenant.read``
(admins, managers, auditors), changing the billing account and running billing is ``tenant.update``
(admins). Everything is scoped to the caller's team: another team's invoice id is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts.deps import AccountsCtx, CanReadTenant, CanUpdateTenant
from billing import service
from billing.schemas import BillingAccountIn, BillingAccountOut, InvoiceOut, InvoicePage, RunOut, UsagePage
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
    "/billing/account", response_model=BillingAccountOut, summary="The team's billing currency and email"
)
def get_account(principal: CanReadTenant, session: DbSession) -> BillingAccountOut:
    return service.account_out(session, principal.tenant_id)


@router.put(
    "/billing/account", response_model=BillingAccountOut, summary="Set the billing currency and email"
)
def put_account(
    principal: CanUpdateTenant, body: BillingAccountIn, session: DbSession, ctx: AccountsCtx
) -> BillingAccountOut:
    return service.update_account(session, ctx, principal, body)


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
