"""The agent's alert tool: saves a price alert for the signed-in user ("tell me when H100s drop below
$2 per GPU-hour"), through the same service as ``POST /alerts``. The user comes from the run's caller,
never from the model's arguments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alerts import service
from alerts.schemas import AlertCreate
from tools.context import ToolContext, current_caller
from tools.schemas import AlertCreatedResult, CreatePriceAlertArgs


def create_price_alert(ctx: ToolContext, args: CreatePriceAlertArgs) -> AlertCreatedResult:
    """Tell the user, in the app (and by email if asked), each time an offer matching these filters
    drops to or below the threshold. Offers already under it now are not notified."""
    caller = current_caller()
    filters: dict[str, Any] = {
        k: v
        for k, v in {
            "gpu_type": args.gpu_type,
            "gpu_count_exact": args.gpu_count,
            "geo": args.geo,
            "country": args.country,
            "provider": args.provider,
            "spot": args.spot,
        }.items()
        if v is not None
    }
    body = AlertCreate(
        filters=filters,
        threshold=Decimal(str(args.threshold)),
        per=args.per,
        channels=["in_app", "email"] if args.email else ["in_app"],
    )
    with ctx.session() as session:
        created = service.create_alert(session, ctx.settings, caller.principal, body)
        session.commit()
    under = int(created["currently_under"])
    summary = f"Alert saved: {created['name']}. You will be told in the app" + (
        " and by email" if args.email else ""
    )
    summary += " each time a matching offer drops to that price."
    if under:
        summary += f" {under} {'offer is' if under == 1 else 'offers are'} already at or below it today."
    return AlertCreatedResult(
        id=created["id"],
        name=created["name"],
        threshold=float(created["threshold"]),
        per=created["per"],
        channels=list(created["channels"]),
        currently_under=under,
        url="/account/alerts",
        summary=summary,
    )
