"""Billing's background jobs, as plain functions a scheduler or worker calls with ``(session_factory,
settings)``. Each is idempotent and safe to run twice at once; each docstring says when it should run.

- :func:`fetch_ecb_rates`: the ECB's daily reference rates, stored once per day;
- :func:`bill`: meter and bill the last closed days (invoices, corrections, or Kill Bill);
- :func:`send_receipts`: email each issued document's PDF to the team's billing address, with a log.

``billing/tasks.py`` declares them on the job engine (core.jobs) with their schedules.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from billing import fx, pdf, service
from billing.metering import utc
from billing.models import Invoice, InvoiceDelivery, InvoiceStatus
from billing.money import fmt
from billing.schemas import RunOut
from core import mail
from core.db import session_scope
from core.settings import Settings

log = logging.getLogger(__name__)
# How many closed days each run looks at, so a week of downtime is still billed without a hand-run.
CATCH_UP_DAYS = 7
# A receipt claimed this long ago without a delivery was lost with its worker: claim it again.
CLAIM_TIMEOUT = timedelta(minutes=15)


def fetch_ecb_rates(
    session_factory: sessionmaker[Session], settings: Settings, *, client: httpx.Client | None = None
) -> tuple[date, int] | None:
    """Run daily at 16:30 CET (the ECB publishes around 16:00 CET on TARGET working days), and again an
    hour later in case of a late publication. Fetches ``settings.fx_url`` (the ``eurofxref-daily.xml``
    document) and stores its rates; returns the rate day and the rows added (0 when held already:
    rates are stored on conflict-do-nothing, so two runs at once add them once). ``None`` when no FX
    URL is configured (the bundled history is all there is). Raises ``FxSourceError`` when the source
    is down or answers something else; the scheduler retries."""
    if not settings.fx_url:
        return None
    with session_scope(session_factory) as session:
        return fx.refresh_daily(session, settings.fx_url, timeout_s=settings.http_timeout_s, client=client)


def bill(
    session_factory: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> list[RunOut]:
    """Run hourly (at least daily, shortly after 00:00 UTC): meters and bills each of the last
    CATCH_UP_DAYS closed UTC days, oldest first. A day whose usage is not settled yet (a booking still
    running without its end event, inside the grace window) is deferred to a later run; late provider
    events become supplementary invoices or credit notes on the next run after they arrive. Each day is
    its own unit of work; concurrent runs take turns on each tenant's invoice sequence row."""
    today = (now or datetime.now(UTC)).date()
    out = []
    for back in range(CATCH_UP_DAYS, 0, -1):
        day = today - timedelta(days=back)
        try:
            result = service.run_billing(session_factory, settings, day, now=now)
        except Exception:
            log.exception("billing of %s failed; the next run tries again", day)
            continue
        if result.invoices_created or result.errors:
            log.info("billed %s: issued %s, %d errors", day, result.invoices_created, len(result.errors))
        out.append(result)
    return out


def receipt_text(invoice: Invoice, total: str) -> str:
    what = "credit note" if invoice.kind == "credit_note" else "invoice"
    lines = [
        f"Hello {invoice.bill_to_name},",
        "",
        f"attached is {what} {invoice.number} for your GPU usage of {invoice.day.isoformat()} (UTC).",
        f"Total: {total}.",
    ]
    if what == "invoice":
        lines.append(f"Due: {invoice.due_date.isoformat()} ({invoice.payment_terms}).")
    lines += ["", invoice.seller_name]
    return "\n".join(lines)


def send_receipts(
    session_factory: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> list[InvoiceDelivery]:
    """Run every few minutes. Emails each open or paid document that has a billing email and no
    successful delivery yet, its PDF attached, and logs every attempt in ``invoice_deliveries``. A
    document is claimed first (``receipt_claimed_at``, in a transaction of its own), so two runs at once
    never send the same receipt; a failed send releases the claim and the next run tries again."""
    now = utc(now or datetime.now(UTC))
    with session_scope(session_factory) as session:
        delivered = select(InvoiceDelivery.invoice_id).where(InvoiceDelivery.status != "failed")
        candidates = list(
            session.execute(
                select(Invoice.id)
                .where(
                    Invoice.bill_to_email.is_not(None),
                    Invoice.status != InvoiceStatus.VOID.value,
                    Invoice.id.not_in(delivered),
                    or_(
                        Invoice.receipt_claimed_at.is_(None), Invoice.receipt_claimed_at < now - CLAIM_TIMEOUT
                    ),
                )
                .order_by(Invoice.issued_at)
            ).scalars()
        )
    out = []
    for invoice_id in candidates:
        with session_scope(session_factory) as session:
            claimed = session.execute(
                update(Invoice)
                .returning(Invoice.id)
                .where(
                    Invoice.id == invoice_id,
                    or_(
                        Invoice.receipt_claimed_at.is_(None), Invoice.receipt_claimed_at < now - CLAIM_TIMEOUT
                    ),
                )
                .values(receipt_claimed_at=now)
            ).first()
        if not claimed:
            continue  # another run took it
        with session_scope(session_factory) as session:
            invoice = session.get(Invoice, invoice_id)
            assert invoice is not None and invoice.bill_to_email is not None  # nosec B101  # claimed only when issued with an address
            document = service.invoice_out(session, invoice)
            body = pdf.render(document)
            delivery = mail.send(
                settings,
                invoice.bill_to_email,
                f"{pdf.title_of(document)} from {invoice.seller_name}",
                receipt_text(invoice, fmt(document.total, document.currency)),
                attachments=[mail.Attachment(f"{invoice.number}.pdf", body, "application/pdf")],
            )
            row = InvoiceDelivery(
                id=str(uuid.uuid4()),
                invoice_id=invoice.id,
                recipient=invoice.bill_to_email,
                status=delivery.status,
                transport=delivery.transport,
                message_id=delivery.message_id,
                detail=delivery.detail or (str(delivery.path) if delivery.path else None),
                attempted_at=delivery.at,
            )
            session.add(row)
            if not delivery.ok:
                invoice.receipt_claimed_at = None
            out.append(row)
    return out
