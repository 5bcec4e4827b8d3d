"""Billing's business rules as the API, the pages and the CLI call them: a tenant's billing account,
its invoices and usage, and the daily billing run (meter, then invoice or record in Kill Bill).

Services take the session first and never commit, except :func:`run_billing`, which is a unit of work
of its own (the API, the CLI and a scheduler call it the same way): on SQLite a concurrent run can find
the database locked, and it then starts again from the top, which idempotency makes safe.
Every read is scoped to the caller's tenant; another tenant's invoice id is "not found".
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from accounts.audit import Actor
from accounts.service import Ctx, Principal, record
from billing import fx, invoicing, killbill, metering, pdf, repository
from billing.errors import FxSourceError, UnsupportedCurrency
from billing.models import BillingAccount, Invoice
from billing.schemas import (
    BillingAccountIn,
    BillingAccountOut,
    InvoiceLineOut,
    InvoiceOut,
    InvoicePage,
    InvoiceSummary,
    MeterOut,
    RunOut,
    UsageOut,
    UsagePage,
)
from core.db import session_scope
from core.errors import AppError, NotFound
from core.settings import Settings

log = logging.getLogger(__name__)
Ledger = Literal["builtin", "killbill"]


def ledger(settings: Settings) -> Ledger:
    return "killbill" if settings.killbill_url else "builtin"


# --- the billing account -------------------------------------------------------------------------


def account_out(session: Session, tenant_id: str) -> BillingAccountOut:
    account = repository.billing_account(session, tenant_id)
    return BillingAccountOut(
        tenant_id=tenant_id,
        currency=account.currency if account else fx.USD,
        email=account.email if account else None,
        supported_currencies=sorted(fx.supported_currencies() | {fx.USD}),
    )


def update_account(
    session: Session, ctx: Ctx, principal: Principal, data: BillingAccountIn
) -> BillingAccountOut:
    currency = data.currency.upper()
    supported = fx.supported_currencies() | {fx.USD}
    if currency not in supported:
        raise UnsupportedCurrency(
            f"{currency} is not a supported currency: invoices convert with ECB reference rates, which "
            f"quote {', '.join(sorted(supported))}",
            details=[{"field": "currency", "message": f"unsupported currency {currency}"}],
        )
    now = datetime.now(UTC)
    account = repository.billing_account(session, principal.tenant_id)
    if account is None:
        account = BillingAccount(tenant_id=principal.tenant_id, created_at=now)
        session.add(account)
    before = account.currency
    account.currency = currency
    account.email = data.email
    account.updated_at = now
    session.flush()
    record(
        session,
        ctx,
        "billing.account_updated",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"billing_account:{principal.tenant_id}",
        details={"currency": currency, "previous_currency": before, "email_set": data.email is not None},
    )
    return account_out(session, principal.tenant_id)


# --- invoices and usage --------------------------------------------------------------------------


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    return InvoiceSummary.model_validate(invoice, from_attributes=True)


def invoice_out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut(
        **invoice_summary(invoice).model_dump(),
        period_start=metering.utc(invoice.period_start),
        period_end=metering.utc(invoice.period_end),
        bill_to_name=invoice.bill_to_name,
        bill_to_email=invoice.bill_to_email,
        fx_source=invoice.fx_source,
        lines=[InvoiceLineOut.model_validate(line, from_attributes=True) for line in invoice.lines],
    )


def list_invoices(
    session: Session,
    settings: Settings,
    principal: Principal,
    *,
    start: date | None,
    end: date | None,
    page: int,
    page_size: int,
) -> InvoicePage:
    offset = (page - 1) * page_size
    if ledger(settings) == "killbill":
        kb_invoices = _killbill_invoices(session, settings, principal.tenant_id, start, end)
        items = [killbill.as_summary(i) for i in kb_invoices]
        items.sort(key=lambda i: (i.day, i.number), reverse=True)
        return InvoicePage(
            total=len(items), page=page, page_size=page_size, items=items[offset : offset + page_size]
        )
    total, rows = repository.invoices(
        session, principal.tenant_id, start=start, end=end, offset=offset, limit=page_size
    )
    return InvoicePage(total=total, page=page, page_size=page_size, items=[invoice_summary(i) for i in rows])


def get_invoice(session: Session, settings: Settings, principal: Principal, invoice_id: str) -> InvoiceOut:
    if ledger(settings) == "killbill":
        return _killbill_invoice(session, settings, principal.tenant_id, invoice_id)
    invoice = repository.invoice(session, principal.tenant_id, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice_out(invoice)


def invoice_pdf(
    session: Session, settings: Settings, principal: Principal, invoice_id: str
) -> tuple[str, bytes]:
    invoice = get_invoice(session, settings, principal, invoice_id)
    return f"{invoice.number or invoice.id}.pdf", pdf.render(invoice)


def list_usage(
    session: Session,
    principal: Principal,
    *,
    start: date | None,
    end: date | None,
    booking_id: str | None,
    page: int,
    page_size: int,
) -> UsagePage:
    total, rows = repository.usage(
        session,
        principal.tenant_id,
        start=start,
        end=end,
        booking_id=booking_id,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    items = [
        UsageOut(
            id=r.id,
            booking_id=r.booking_id,
            day=r.day,
            started_at=metering.utc(r.started_at),
            ended_at=metering.utc(r.ended_at),
            hours=r.hours,
            unit_price=r.unit_price,
            amount=r.amount,
            currency=r.currency,
            final=r.final,
            provider_id=b.provider_id,
            offer_name=b.offer_name,
            gpu_type=b.gpu_type,
            gpu_count=b.gpu_count,
        )
        for r, b in rows
    ]
    return UsagePage(total=total, page=page, page_size=page_size, items=items)


def _kb_account_id(session: Session, settings: Settings, tenant_id: str) -> str | None:
    account = repository.billing_account(session, tenant_id)
    if account is not None and account.killbill_account_id:
        return account.killbill_account_id
    with killbill.KillBillClient.from_settings(settings) as client:
        linked = killbill.link_account(session, client, tenant_id)
    return linked.killbill_account_id if linked else None


def _killbill_invoices(
    session: Session, settings: Settings, tenant_id: str, start: date | None, end: date | None
) -> list[dict[str, Any]]:
    account_id = _kb_account_id(session, settings, tenant_id)
    if account_id is None:
        return []
    with killbill.KillBillClient.from_settings(settings) as client:
        return client.account_invoices(account_id, start, end)


def _killbill_invoice(session: Session, settings: Settings, tenant_id: str, invoice_id: str) -> InvoiceOut:
    account_id = _kb_account_id(session, settings, tenant_id)
    kb_invoice = None
    if account_id is not None:
        with killbill.KillBillClient.from_settings(settings) as client:
            kb_invoice = client.invoice(invoice_id)
    # Kill Bill serves any invoice of its tenant: ours must belong to the caller's account.
    if kb_invoice is None or kb_invoice.get("accountId") != account_id:
        raise NotFound("invoice not found")
    from accounts.models import Tenant

    tenant = session.get(Tenant, tenant_id)
    account = repository.billing_account(session, tenant_id)
    return killbill.as_invoice(
        kb_invoice, tenant.name if tenant else tenant_id, account.email if account else None
    )


# --- the daily run -------------------------------------------------------------------------------


def run_day(
    session: Session,
    settings: Settings,
    day: date,
    *,
    tenant_id: str | None = None,
    now: datetime | None = None,
    client: killbill.KillBillClient | None = None,
) -> RunOut:
    """Meters every booking up to the end of ``day`` (UTC), then issues the day's invoice of each tenant
    that used something (built-in ledger) or records the day in Kill Bill. ``tenant_id`` limits the run
    to one tenant. Running it again changes nothing; a tenant whose invoice fails (no FX rate) is
    reported in ``errors`` and the others are still invoiced."""
    invoicing.check_closed(day, now)
    which = ledger(settings)
    out = RunOut(
        day=day,
        ledger=which,
        metered=MeterOut(until=metering.day_end(day), bookings=0, written=0, updated=0, unchanged=0),
        invoices_created=[],
        invoices_existing=[],
    )
    report = metering.meter(session, metering.day_end(day), tenant_id=tenant_id, now=now)
    out.metered = MeterOut(**{k: getattr(report, k) for k in MeterOut.model_fields})
    if which == "killbill":
        own = client is None
        kb = client or killbill.KillBillClient.from_settings(settings)
        try:
            out.usage_exported, out.warnings = killbill.export_day(
                session, kb, settings.killbill_unit_type, day, tenant_id
            )
        finally:
            if own:
                kb.close()
        return out
    if settings.fx_url:
        try:
            fx.refresh_daily(session, settings.fx_url, timeout_s=settings.http_timeout_s)
        except FxSourceError as exc:
            out.warnings.append(f"{exc.message}; converting with the rates already held")
    for tenant in repository.tenants_with_final_usage(session, day, tenant_id):
        try:
            with session.begin_nested():
                issued = invoicing.issue(session, tenant, day, now=now)
        except AppError as exc:
            out.errors.append({"tenant_id": tenant, "code": exc.code, "message": exc.message})
            continue
        if issued is None:
            continue
        (out.invoices_created if issued.created else out.invoices_existing).append(issued.invoice.number)
    return out


def run_billing(
    factory: sessionmaker[Session],
    settings: Settings,
    day: date,
    *,
    tenant_id: str | None = None,
    ctx: Ctx | None = None,
    principal: Principal | None = None,
    attempts: int = 5,
) -> RunOut:
    """:func:`run_day` as a unit of work of its own, audited, retried when SQLite reports a lock."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(factory) as session:
                out = run_day(session, settings, day, tenant_id=tenant_id)
                if ctx is not None:
                    record(
                        session,
                        ctx,
                        "billing.run",
                        "success",
                        tenant_id=tenant_id,
                        actor=principal.actor if principal else Actor("system"),
                        target=f"billing_day:{day.isoformat()}",
                        details={
                            "ledger": out.ledger,
                            "invoices_created": len(out.invoices_created),
                            "errors": len(out.errors),
                        },
                    )
                return out
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == attempts:
                raise
            log.info("billing run for %s found the database locked; retrying (%d)", day, attempt)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
