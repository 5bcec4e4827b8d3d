"""The agent's billing tool: what the signed-in user's team has spent, from metered usage and
invoices (read only; metering and invoicing run on their own schedule in ``billing``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing import repository as billing
from billing.money import from_minor
from booking import service as bookings
from booking.models import BookingState
from tools.context import ToolContext, current_caller
from tools.progress import report
from tools.schemas import InvoiceBrief, SpendingReportArgs, SpendingResult

_MAX_ROWS = 100_000


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def spending_report(ctx: ToolContext, args: SpendingReportArgs) -> SpendingResult:
    """The team's GPU spending over the last days: metered usage in USD, bookings running now and
    their hourly rate, and recent invoices."""
    caller = current_caller()
    tenant_id = caller.principal.tenant_id
    since = (datetime.now(UTC) - timedelta(days=args.days)).date()
    with ctx.session() as session:
        _, rows = billing.usage(
            session, tenant_id, start=since, end=None, booking_id=None, offset=0, limit=_MAX_ROWS
        )
        usd = sum((r.amount for r, _ in rows), Decimal("0"))
        hours = sum((r.hours for r, _ in rows), Decimal("0"))
        billed = len({r.booking_id for r, _ in rows})
        running, _ = bookings.list_bookings(session, caller.principal, BookingState.ACTIVE.value, 1, 100)
        rate = sum((b.hourly_price for b in running), Decimal("0"))
        now = datetime.now(UTC)
        # What the running bookings have cost since they started, metered or not yet.
        accrued = sum(
            (
                b.hourly_price * Decimal(str(max(0.0, (now - _aware(b.activated_at)).total_seconds()) / 3600))
                for b in running
                if b.activated_at is not None
            ),
            Decimal("0"),
        )
        count, invoices = billing.invoices(session, tenant_id, start=since, end=None, offset=0, limit=10)
        report(
            f"read {len(rows):,} usage rows and {count:,} invoices", tool="spending_report", invoices=count
        )
        briefs = [
            InvoiceBrief(
                id=i.id,
                number=i.number,
                day=i.day.isoformat(),
                total=format(from_minor(i.total_minor, i.currency), "f"),
                currency=i.currency,
                url=f"/billing/invoices/{i.id}",
            )
            for i in invoices
        ]
    summary = (
        f"Last {args.days} days: ${usd:,.2f} of GPU time ({hours:.1f} h) on {billed} "
        f"booking{'s' if billed != 1 else ''}; {count} invoice{'s' if count != 1 else ''}."
    )
    if running:
        summary += (
            f" Running now: {len(running)} at ${rate:,.2f}/h combined, ${accrued:,.2f} since they started."
        )
    return SpendingResult(
        days=args.days,
        usage_usd=f"{usd:.2f}",
        usage_hours=f"{hours:.2f}",
        bookings_billed=billed,
        running_now=len(running),
        running_usd_per_hour=f"{rate:.2f}",
        running_accrued_usd=f"{accrued:.2f}",
        invoices=briefs,
        invoices_total=count,
        summary=summary,
    )
