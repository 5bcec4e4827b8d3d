"""What happens to a document after it is issued: void it, credit it, record its payment.

These are the seller's acts, done by platform operators (``/ops/invoices`` and its page), each written
to the audit chain of the team the document belongs to with the operator as the actor:

- **void** an open document that was issued in error: it stops counting, so the usage it billed is
  billed again by the next run (in a new invoice that says it replaces the void one). A paid invoice is
  not voided (credit it), nor one whose corrections are still live (void those first);
- **credit note**: a credit against an invoice, for a reason, of an amount in USD (the pricing
  currency) up to what is left of the invoice, converted and taxed exactly as the invoice was. Manual
  credit lines name no usage record: they forgive money, they do not change what was used;
- **payment**: the full amount due (total less the credit notes against it) received; the invoice
  becomes ``paid`` and ``payment_received`` is published (``billing.events``). The same payment reported
  twice (a source reference already held) is recorded once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from accounts.audit import Actor
from accounts.service import Ctx, record
from billing import events, invoicing, repository
from billing.errors import InvoiceStateError
from billing.metering import utc
from billing.models import DocumentKind, Invoice, InvoiceStatus, Payment
from billing.money import USD, from_minor, plain, round_money, to_minor
from core.errors import InvalidInput
from core.settings import Settings


def _audit(
    session: Session, ctx: Ctx, actor: Actor, event: str, invoice: Invoice, details: dict[str, Any]
) -> None:
    record(
        session,
        ctx,
        event,
        "success",
        tenant_id=invoice.tenant_id,
        actor=actor,
        target=f"invoice:{invoice.id}",
        details={"number": invoice.number, **details},
    )


def credited_minor(session: Session, invoice: Invoice) -> int:
    """What live credit notes against ``invoice`` take off it, in its currency's minor units."""
    return sum(
        c.total_minor
        for c in repository.corrections_of(session, invoice.id)
        if c.kind == DocumentKind.CREDIT_NOTE.value and c.status != InvoiceStatus.VOID.value
    )


def void(
    session: Session, ctx: Ctx, actor: Actor, invoice: Invoice, reason: str, *, now: datetime | None = None
) -> Invoice:
    if invoice.status != InvoiceStatus.OPEN.value:
        raise InvoiceStateError(
            f"{invoice.number} is {invoice.status}: only an open document can be voided"
            + (" (credit a paid invoice instead)" if invoice.status == InvoiceStatus.PAID.value else ""),
            details=[{"field": "status", "message": invoice.status}],
        )
    live = [
        c.number
        for c in repository.corrections_of(session, invoice.id)
        if c.status != InvoiceStatus.VOID.value
    ]
    if live:
        raise InvoiceStateError(
            f"{invoice.number} has live corrections ({', '.join(live)}): void those first",
            details=[{"field": "corrections", "message": ", ".join(live)}],
        )
    invoice.status = InvoiceStatus.VOID.value
    invoice.voided_at = utc(now or datetime.now(UTC))
    invoice.void_reason = reason
    session.flush()
    _audit(session, ctx, actor, "billing.invoice_voided", invoice, {"reason": reason})
    return invoice


def credit_note(
    session: Session,
    ctx: Ctx,
    settings: Settings,
    actor: Actor,
    invoice: Invoice,
    reason: str,
    amount_usd: Decimal | None,
    *,
    now: datetime | None = None,
) -> Invoice:
    """A credit note of ``amount_usd`` (default: all that is left) against ``invoice``."""
    now = utc(now or datetime.now(UTC))
    if invoice.kind != DocumentKind.INVOICE.value or invoice.status == InvoiceStatus.VOID.value:
        raise InvoiceStateError(
            f"{invoice.number} is a {invoice.kind.replace('_', ' ')} ({invoice.status}): only a live invoice "
            "can be credited",
            details=[{"field": "invoice", "message": "not a live invoice"}],
        )
    credited = sum(
        (
            c.subtotal_usd
            for c in repository.corrections_of(session, invoice.id)
            if c.kind == DocumentKind.CREDIT_NOTE.value and c.status != InvoiceStatus.VOID.value
        ),
        Decimal(0),
    )
    left = invoice.subtotal_usd - credited
    amount = left if amount_usd is None else amount_usd
    if amount != round_money(amount, USD) or amount <= 0 or amount > left:
        raise InvalidInput(
            f"a credit note against {invoice.number} is between 0.01 and {left} USD, in cents"
            f" ({plain(credited)} USD of its {invoice.subtotal_usd} USD is credited already)",
            details=[{"field": "amount", "message": f"at most {left} USD, in cents"}],
        )
    invoicing.lock_sequence(session, invoice.tenant_id, invoicing.SERIES[DocumentKind.INVOICE], now.year)
    line = invoicing.LineSpec(None, None, f"Credit on {invoice.number}: {reason}", None, None, amount)
    note = invoicing.issue_document(
        session,
        settings,
        invoice,
        DocumentKind.CREDIT_NOTE,
        [line],
        invoicing.terms_of(invoice),
        tenant_id=invoice.tenant_id,
        corrects=invoice,
        memo=f"Credit note to {invoice.number}: {reason}",
        now=now,
        subtotal=amount,
    )
    if note is None:
        raise InvalidInput(
            f"{amount} USD is less than the smallest unit of {invoice.currency} at the invoice's rate",
            details=[{"field": "amount", "message": "too small"}],
        )
    _audit(
        session,
        ctx,
        actor,
        "billing.credit_note_issued",
        note,
        {"credits": invoice.number, "amount_usd": str(amount), "reason": reason},
    )
    return note


def _insert_payment(session: Session, values: dict[str, Any]) -> bool:
    """Inserts a payment unless its (source, reference) is held already; whether it was new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Payment)
        .values(id=str(uuid.uuid4()), **values)
        .on_conflict_do_nothing(index_elements=["source", "reference"])
        .returning(Payment.id)
    )
    return session.execute(stmt).first() is not None


def mark_paid(
    session: Session,
    ctx: Ctx,
    actor: Actor,
    invoice: Invoice,
    reference: str,
    paid_at: datetime | None = None,
    *,
    source: str = "admin",
    now: datetime | None = None,
) -> Invoice:
    now = utc(now or datetime.now(UTC))
    if invoice.kind != DocumentKind.INVOICE.value or invoice.status != InvoiceStatus.OPEN.value:
        raise InvoiceStateError(
            f"{invoice.number} is a {invoice.kind.replace('_', ' ')} that is {invoice.status}: only an open "
            "invoice can be paid",
            details=[{"field": "status", "message": invoice.status}],
        )
    due = invoice.total_minor - credited_minor(session, invoice)
    when = utc(paid_at) if paid_at is not None else now
    values = {
        "tenant_id": invoice.tenant_id,
        "invoice_id": invoice.id,
        "external_invoice_id": None,
        "amount_minor": max(due, 0),
        "currency": invoice.currency,
        "paid_at": when,
        "source": source,
        "reference": reference,
        "recorded_at": now,
    }
    if not _insert_payment(session, values):
        raise InvoiceStateError(
            f"a payment with reference {reference!r} is recorded already",
            details=[{"field": "reference", "message": "already recorded"}],
        )
    invoice.status = InvoiceStatus.PAID.value
    invoice.paid_at = when
    session.flush()
    amount = from_minor(max(due, 0), invoice.currency)
    _audit(
        session,
        ctx,
        actor,
        "billing.payment_received",
        invoice,
        {"amount": str(amount), "currency": invoice.currency, "source": source, "reference": reference},
    )
    events.queue(
        session,
        ctx.bus,
        invoice.tenant_id,
        payment_event(
            invoice.tenant_id, invoice.id, invoice.number, amount, invoice.currency, when, source, reference
        ),
    )
    return invoice


def payment_event(
    tenant_id: str,
    invoice_id: str,
    number: str,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    source: str,
    reference: str,
) -> dict[str, Any]:
    return {
        "type": "payment_received",
        "tenant_id": tenant_id,
        "invoice_id": invoice_id,
        "number": number,
        "amount": format(amount, "f"),
        "currency": currency,
        "paid_at": utc(paid_at).isoformat(),
        "source": source,
        "reference": reference,
    }


def record_external_payment(
    session: Session,
    ctx: Ctx,
    tenant_id: str,
    external_invoice_id: str,
    number: str,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    reference: str,
    *,
    now: datetime | None = None,
) -> bool:
    """A payment Kill Bill holds for one of its invoices; ``False`` when it was recorded before."""
    values = {
        "tenant_id": tenant_id,
        "invoice_id": None,
        "external_invoice_id": external_invoice_id,
        "amount_minor": to_minor(round_money(amount, currency), currency),
        "currency": currency,
        "paid_at": utc(paid_at),
        "source": "killbill",
        "reference": reference,
        "recorded_at": utc(now or datetime.now(UTC)),
    }
    if not _insert_payment(session, values):
        return False
    actor = Actor("client", "killbill")
    record(
        session,
        ctx,
        "billing.payment_received",
        "success",
        tenant_id=tenant_id,
        actor=actor,
        target=f"killbill_invoice:{external_invoice_id}",
        details={
            "number": number,
            "amount": format(amount, "f"),
            "currency": currency,
            "reference": reference,
        },
    )
    events.queue(
        session,
        ctx.bus,
        tenant_id,
        payment_event(
            tenant_id, external_invoice_id, number, amount, currency, paid_at, "killbill", reference
        ),
    )
    return True
