"""A team's billing account: its currency over time (a change applies from the next billing day, and
the answer says from when), billing email, country, VAT ID and address. Services take the session first
and never commit; changes are audited in the team's chain.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from accounts.service import Ctx, Principal, record
from billing import fx, invoicing, metering, repository, tax
from billing.errors import UnsupportedCurrency
from billing.models import BillingAccount, CurrencyPeriod
from billing.schemas import BillingAccountIn, BillingAccountOut, CurrencyPeriodOut
from core.settings import Settings


def next_billing_day(settings: Settings, today: date) -> date:
    """The first day a change made ``today`` applies to: tomorrow, or the next month's first day."""
    if settings.billing_period == "monthly":
        return invoicing.period_of(today, "monthly").end
    return today + timedelta(days=1)


def account_out(
    session: Session, tenant_id: str, settings: Settings | None = None, *, today: date | None = None
) -> BillingAccountOut:
    today = today or datetime.now(UTC).date()
    account = repository.billing_account(session, tenant_id)
    history = repository.currency_periods(session, tenant_id)
    in_force = repository.currency_on(session, tenant_id, today)
    upcoming = [p for p in history if p.valid_from > today]
    nxt = upcoming[-1] if upcoming else None
    notice = None
    if nxt is not None and nxt.currency != in_force:
        notice = (
            f"Usage up to {(nxt.valid_from - timedelta(days=1)).isoformat()} is billed in {in_force}; "
            f"usage from {nxt.valid_from.isoformat()} (UTC) on is billed in {nxt.currency}. A currency change "
            "applies from the next billing day, so no day is billed in two currencies."
        )
    return BillingAccountOut(
        tenant_id=tenant_id,
        currency=in_force,
        next_currency=nxt.currency if nxt is not None and nxt.currency != in_force else None,
        next_currency_from=nxt.valid_from if nxt is not None and nxt.currency != in_force else None,
        notice=notice,
        email=account.email if account else None,
        country=account.country if account else None,
        vat_id=account.vat_id if account else None,
        address=account.address if account else None,
        currency_history=[CurrencyPeriodOut(valid_from=p.valid_from, currency=p.currency) for p in history],
        supported_currencies=sorted(fx.supported_currencies() | {fx.USD}),
    )


def update_account(
    session: Session,
    ctx: Ctx,
    principal: Principal,
    data: BillingAccountIn,
    *,
    now: datetime | None = None,
) -> BillingAccountOut:
    """Sets the team's billing details. A new currency applies from the next billing day (the answer
    says from when); country and VAT ID are validated and apply to documents issued from now on."""
    settings = ctx.settings
    currency = data.currency.upper()
    supported = fx.supported_currencies() | {fx.USD}
    if currency not in supported:
        raise UnsupportedCurrency(
            f"{currency} is not a supported currency: invoices convert with ECB reference rates, which "
            f"quote {', '.join(sorted(supported))}",
            details=[{"field": "currency", "message": f"unsupported currency {currency}"}],
        )
    country = tax.country_code(data.country) if data.country else None
    vat_id = tax.vat_id(country, data.vat_id) if data.vat_id else None
    now = metering.utc(now or datetime.now(UTC))
    tenant_id = principal.tenant_id
    account = repository.billing_account(session, tenant_id)
    if account is None:
        account = BillingAccount(tenant_id=tenant_id, created_at=now, updated_at=now, currency=fx.USD)
        session.add(account)
        session.flush()
    effective = next_billing_day(settings, now.date())
    before = repository.currency_on(session, tenant_id, effective)
    history = repository.currency_periods(session, tenant_id)
    if not history:
        # Days already used keep the currency they had: write it down before the first change.
        session.add(
            CurrencyPeriod(tenant_id=tenant_id, valid_from=date(1999, 1, 1), currency=before, set_at=now)
        )
    for scheduled in history:
        if scheduled.valid_from >= effective:
            session.delete(scheduled)
    session.flush()
    if repository.currency_on(session, tenant_id, effective) != currency:
        session.add(CurrencyPeriod(tenant_id=tenant_id, valid_from=effective, currency=currency, set_at=now))
    account.currency = currency
    account.email = data.email
    account.country = country
    account.vat_id = vat_id
    account.address = data.address
    account.updated_at = now
    session.flush()
    record(
        session,
        ctx,
        "billing.account_updated",
        "success",
        tenant_id=tenant_id,
        actor=principal.actor,
        target=f"billing_account:{tenant_id}",
        details={
            "currency": currency,
            "previous_currency": before,
            "currency_from": effective.isoformat(),
            "email_set": data.email is not None,
            "country": country,
            "vat_id_set": vat_id is not None,
        },
    )
    return account_out(session, tenant_id, settings, today=now.date())
