"""Billing's business rules as the API, the pages and the CLI call them: a tenant's invoices, credit
notes and usage, the daily billing run (meter, then invoice or record in Kill Bill), the operators' acts
on documents and Kill Bill's notifications (the billing account is ``billing.account``).

Services take the session first and never commit, except :func:`run_billing`, which is a unit of work
of its own (the API, the CLI and a scheduler call it the same way): on SQLite a concurrent run can find
the database locked, and it then starts again from the top, which idempotency makes safe.
Every read is scoped to the caller's tenant; another tenant's invoice id is "not found".
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from accounts.audit import Actor
from accounts.service import Ctx, Principal, record
from billing import documents, invoicing, killbill, metering, money, pdf, repository
from billing.models import Invoice
from billing.schemas import (
    CreditNoteIn,
    DeliveryOut,
    InvoiceLineOut,
    InvoiceOut,
    InvoicePage,
    InvoiceSummary,
    MeterOut,
    PaymentIn,
    PaymentOut,
    RunOut,
    UsageOut,
    UsagePage,
    VoidIn,
)
from core.db import session_scope
from core.errors import AppError, InvalidInput, NotFound
from core.settings import Settings

log = logging.getLogger(__name__)
Ledger = Literal["builtin", "killbill"]


def ledger(settings: Settings) -> Ledger:
    return "killbill" if settings.killbill_url else "builtin"


# --- invoices and usage --------------------------------------------------------------------------


def invoice_summary(invoice: Invoice, corrects_number: str | None = None) -> InvoiceSummary:
    currency = invoice.currency
    return InvoiceSummary(
        id=invoice.id,
        number=invoice.number,
        kind=invoice.kind,
        corrects_id=invoice.corrects_id,
        corrects_number=corrects_number,
        day=invoice.day,
        status=invoice.status,
        subtotal_usd=invoice.subtotal_usd,
        currency=currency,
        fx_rate=invoice.fx_rate,
        fx_rate_date=invoice.fx_rate_date,
        net=money.from_minor(invoice.net_minor, currency),
        tax=money.from_minor(invoice.tax_minor, currency),
        total=money.from_minor(invoice.total_minor, currency),
        issued_at=metering.utc(invoice.issued_at),
        due_date=invoice.due_date,
    )


def _number(session: Session, invoice_id: str | None) -> str | None:
    if invoice_id is None:
        return None
    found = session.get(Invoice, invoice_id)
    return found.number if found is not None else None


def invoice_out(session: Session, invoice: Invoice) -> InvoiceOut:
    corrections = repository.corrections_of(session, invoice.id)
    return InvoiceOut(
        **invoice_summary(invoice, _number(session, invoice.corrects_id)).model_dump(),
        period_start=metering.utc(invoice.period_start),
        period_end=metering.utc(invoice.period_end),
        bill_to_name=invoice.bill_to_name,
        bill_to_email=invoice.bill_to_email,
        bill_to_address=invoice.bill_to_address,
        bill_to_country=invoice.bill_to_country,
        bill_to_vat_id=invoice.bill_to_vat_id,
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        seller_tax_id=invoice.seller_tax_id,
        fx_source=invoice.fx_source,
        fx_note=invoice.fx_note,
        tax_rate=invoice.tax_rate,
        tax_country=invoice.tax_country,
        tax_note=invoice.tax_note,
        reverse_charge=invoice.reverse_charge,
        payment_terms=invoice.payment_terms,
        paid_at=metering.utc(invoice.paid_at) if invoice.paid_at else None,
        voided_at=metering.utc(invoice.voided_at) if invoice.voided_at else None,
        void_reason=invoice.void_reason,
        memo=invoice.memo,
        rounding=money.RULE,
        lines=[InvoiceLineOut.model_validate(line, from_attributes=True) for line in invoice.lines],
        corrections=[invoice_summary(c, invoice.number) for c in corrections],
        payments=[
            PaymentOut(
                amount=money.from_minor(p.amount_minor, p.currency),
                currency=p.currency,
                paid_at=metering.utc(p.paid_at),
                source=p.source,
                reference=p.reference,
            )
            for p in repository.payments_of(session, invoice.id)
        ],
        deliveries=[
            DeliveryOut.model_validate(d, from_attributes=True)
            for d in repository.deliveries_of(session, invoice.id)
        ],
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
    items = [invoice_summary(i, _number(session, i.corrects_id)) for i in rows]
    return InvoicePage(total=total, page=page, page_size=page_size, items=items)


def get_invoice(session: Session, settings: Settings, principal: Principal, invoice_id: str) -> InvoiceOut:
    if ledger(settings) == "killbill":
        return _killbill_invoice(session, settings, principal.tenant_id, invoice_id)
    invoice = repository.invoice(session, principal.tenant_id, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice_out(session, invoice)


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
    """Meters every booking up to the end of ``day`` (UTC), then bills the day's period for each tenant
    with usage in it (built-in ledger: its invoice, or corrections of it; Kill Bill: the day's usage or
    its amendments). ``tenant_id`` limits the run to one tenant. Running it again changes nothing; a
    tenant whose usage is not settled yet is reported in ``deferred``, one whose invoice fails (no fresh
    FX rate) in ``errors``, and the others are still billed. In monthly mode, ``day`` bills its month
    once the month has ended."""
    invoicing.check_closed(day, now)
    which = ledger(settings)
    grace = timedelta(seconds=settings.billing_grace_s)
    out = RunOut(
        day=day,
        ledger=which,
        metered=MeterOut(until=metering.day_end(day), bookings=0, written=0, updated=0, unchanged=0),
        invoices_created=[],
        invoices_existing=[],
    )
    report = metering.meter(session, metering.day_end(day), tenant_id=tenant_id, now=now, grace=grace)
    out.metered = MeterOut(**{k: getattr(report, k) for k in MeterOut.model_fields})
    if which == "killbill":
        own = client is None
        kb = client or killbill.KillBillClient.from_settings(settings)
        try:
            out.usage_exported, out.warnings = killbill.export_day(
                session, kb, settings, day, tenant_id, now=now
            )
        finally:
            if own:
                kb.close()
        return out
    period = invoicing.period_of(day, settings.billing_period)
    if period.last > day:
        return out  # the month is not over yet: its invoice waits for its last day's run
    for tenant in repository.tenants_with_usage(session, period.first, period.end, tenant_id):
        try:
            with session.begin_nested():
                outcome = invoicing.bill(session, settings, tenant, period, now=now)
        except AppError as exc:
            out.errors.append({"tenant_id": tenant, "code": exc.code, "message": exc.message})
            continue
        out.invoices_created += [i.number for i in outcome.created]
        out.invoices_existing += [i.number for i in outcome.existing]
        if outcome.deferred is not None:
            out.deferred.append({"tenant_id": tenant, "reason": outcome.deferred})
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
    now: datetime | None = None,
) -> RunOut:
    """:func:`run_day` as a unit of work of its own, audited, retried when SQLite reports a lock."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(factory) as session:
                out = run_day(session, settings, day, tenant_id=tenant_id, now=now)
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
                            "deferred": len(out.deferred),
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


# --- the seller's acts (operators) ---------------------------------------------------------------


def _operator_invoice(session: Session, invoice_id: str) -> Invoice:
    invoice = repository.invoice_any_tenant(session, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice


def void_invoice(
    session: Session, ctx: Ctx, operator: Principal, invoice_id: str, data: VoidIn
) -> InvoiceOut:
    invoice = documents.void(
        session, ctx, operator.actor, _operator_invoice(session, invoice_id), data.reason
    )
    return invoice_out(session, invoice)


def credit_invoice(
    session: Session, ctx: Ctx, operator: Principal, invoice_id: str, data: CreditNoteIn
) -> InvoiceOut:
    note = documents.credit_note(
        session,
        ctx,
        ctx.settings,
        operator.actor,
        _operator_invoice(session, invoice_id),
        data.reason,
        data.amount,
    )
    return invoice_out(session, note)


def pay_invoice(
    session: Session, ctx: Ctx, operator: Principal, invoice_id: str, data: PaymentIn
) -> InvoiceOut:
    invoice = documents.mark_paid(
        session, ctx, operator.actor, _operator_invoice(session, invoice_id), data.reference, data.paid_at
    )
    return invoice_out(session, invoice)


def all_invoices(session: Session, *, status: str | None, page: int, page_size: int) -> InvoicePage:
    total, rows = repository.all_documents(
        session, status=status, offset=(page - 1) * page_size, limit=page_size
    )
    items = [invoice_summary(i, _number(session, i.corrects_id)) for i in rows]
    return InvoicePage(total=total, page=page, page_size=page_size, items=items)


# --- Kill Bill notifications ---------------------------------------------------------------------

PAYMENT_EVENTS = frozenset({"INVOICE_PAYMENT_SUCCESS", "PAYMENT_SUCCESS"})


def killbill_notification(factory: sessionmaker[Session], ctx: Ctx, event: dict[str, Any]) -> dict[str, Any]:
    """One Kill Bill push notification (``{"eventType", "objectType", "objectId", "accountId", ...}``).
    Only invoice payments matter; what they say is read back from Kill Bill, so a forged notification
    can at most make us look."""
    kind = str(event.get("eventType") or "")
    if kind not in PAYMENT_EVENTS:
        return {"received": True, "ignored": kind or "no eventType"}
    if ledger(ctx.settings) != "killbill":
        return {"received": True, "ignored": "Kill Bill is not the ledger"}
    invoice_id = event.get("objectId") if event.get("objectType") == "INVOICE" else None
    meta = event.get("metaData")
    if invoice_id is None and isinstance(meta, str) and "invoiceId" in meta:
        invoice_id = json.loads(meta).get("invoiceId")
    if not isinstance(invoice_id, str) or not invoice_id:
        raise InvalidInput(
            "a payment notification names its invoice (objectType INVOICE, objectId)",
            details=[{"field": "objectId", "message": "the Kill Bill invoice id"}],
        )
    with session_scope(factory) as session, killbill.KillBillClient.from_settings(ctx.settings) as client:
        new = killbill.record_payments(session, ctx, client, invoice_id)
    return {"received": True, "invoice_id": invoice_id, "payments_recorded": new}
