"""A client for Kill Bill's REST API, and the Kill Bill ledger built on it.

Kill Bill replaces the built-in ledger when ``GPUBROKER_KILLBILL_URL`` is set. Metering still happens
here (usage records are the source of truth and what ``/usage`` shows); the daily run then records
each tenant's day in Kill Bill instead of issuing a built-in invoice, and invoices are read back from
Kill Bill. Kill Bill prices usage from its own catalog, while every booking here has its own hourly
price, so what is recorded is the day's amount in US cents under the unit ``settings.killbill_unit_type``
(``usd-cents``): the Kill Bill plan must price that unit at 0.01 USD, in arrear, in a USD account.

Corrections reach Kill Bill too. ``killbill_exports`` holds, per tenant and day, every change sent (in
signed US cents); each run compares the day's usage, rounded once to cents, with their sum and sends
only the difference: more usage is recorded as usage (a new tracking id), less usage adjusts the Kill
Bill invoice item that billed the day (an ``ITEM_ADJ``), or, before Kill Bill invoiced it, becomes an
account credit (``CREDIT_ADJ``). Adjustments carry our export id in their description, and a retried
run that finds it on Kill Bill's side does not adjust twice. A tenant-day is sent once its usage is
settled (``billing.metering``), like a built-in invoice.

Payments: Kill Bill calls ``POST /billing/killbill/events`` (its push notifications,
``INVOICE_PAYMENT_SUCCESS``); the notification is only a hint (Kill Bill does not sign them): we read
the invoice's payments back from Kill Bill itself and record each successful one once.

Calls used (Kill Bill 0.22+ JSON shapes):
- ``GET  /1.0/kb/accounts?externalKey=<tenant id>``: the tenant's account (404 when it has none);
- ``GET  /1.0/kb/accounts/{accountId}``: one account (its ``externalKey``);
- ``GET  /1.0/kb/accounts/{accountId}/bundles``: its subscriptions (the usage one is the first ACTIVE);
- ``POST /1.0/kb/usages``: ``{"subscriptionId", "trackingId", "unitUsageRecords": [{"unitType",
  "usageRecords": [{"recordDate": "YYYY-MM-DD", "amount": n}]}]}`` -> 201 and no body; Kill Bill
  refuses a tracking id it already holds, which makes a retried call harmless;
- ``GET  /1.0/kb/accounts/{accountId}/invoices`` and ``GET /1.0/kb/invoices/{invoiceId}``;
- ``POST /1.0/kb/invoices/{invoiceId}``: an ``InvoiceItem`` ``{"invoiceItemId", "accountId", "amount",
  "currency", "description"}`` adjusts that item by ``amount`` -> 201;
- ``POST /1.0/kb/credits?autoCommit=true``: ``[{"accountId", "amount", "currency", "description"}]``
  -> 201 and the credit items;
- ``GET  /1.0/kb/invoices/{invoiceId}/payments``: ``InvoicePayment`` list with their ``transactions``.

Every call carries ``X-Killbill-ApiKey`` / ``X-Killbill-ApiSecret`` (the Kill Bill tenant) and HTTP
basic auth (the Kill Bill user); writes also ``X-Killbill-CreatedBy``. Transport failures and error
answers become :class:`~billing.errors.KillBillError` with Kill Bill's own error document as details.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.orm import Session

from accounts.models import Tenant
from accounts.service import Ctx
from billing import documents, repository
from billing.errors import KillBillError
from billing.models import BillingAccount, KillBillExport
from billing.money import USD, from_minor, round_money, to_minor
from billing.schemas import InvoiceLineOut, InvoiceOut, InvoiceSummary
from core import tracing
from core.errors import NotFound
from core.settings import Settings

log = logging.getLogger(__name__)
PREFIX = "/1.0/kb"


class KillBillClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        api_secret: str,
        username: str,
        password: str,
        created_by: str = "gpubroker",
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.created_by = created_by
        self._http = tracing.http_client(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(username, password),
            headers={
                "X-Killbill-ApiKey": api_key,
                "X-Killbill-ApiSecret": api_secret,
                "Accept": "application/json",
            },
            timeout=timeout_s,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> KillBillClient:
        if not settings.killbill_url:
            raise KillBillError("Kill Bill is not configured (GPUBROKER_KILLBILL_URL)", status=500)
        return cls(
            settings.killbill_url,
            api_key=settings.killbill_api_key or "",
            api_secret=settings.killbill_api_secret.get_secret_value()
            if settings.killbill_api_secret
            else "",
            username=settings.killbill_username or "",
            password=settings.killbill_password.get_secret_value() if settings.killbill_password else "",
            created_by=settings.killbill_created_by,
            timeout_s=settings.http_timeout_s,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KillBillClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, PREFIX + path, **kwargs)
        except httpx.HTTPError as exc:
            raise KillBillError(f"Kill Bill did not answer {method} {path}: {exc}") from exc

    @staticmethod
    def _fail(response: httpx.Response, what: str) -> KillBillError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:500]
        message = body.get("message") if isinstance(body, dict) else None
        return KillBillError(
            f"Kill Bill refused to {what} ({response.status_code}): {message or body}", details=body
        )

    # --- calls -----------------------------------------------------------------------------------

    def account_by_external_key(self, external_key: str) -> dict[str, Any] | None:
        r = self._call(
            "GET", "/accounts", params={"externalKey": external_key, "accountWithBalance": "false"}
        )
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise self._fail(r, "find the account")
        account: dict[str, Any] = r.json()
        return account

    def account(self, account_id: str) -> dict[str, Any] | None:
        r = self._call("GET", f"/accounts/{account_id}", params={"accountWithBalance": "false"})
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise self._fail(r, "read the account")
        account: dict[str, Any] = r.json()
        return account

    def account_bundles(self, account_id: str) -> list[dict[str, Any]]:
        r = self._call("GET", f"/accounts/{account_id}/bundles")
        if r.status_code != 200:
            raise self._fail(r, "list the account's bundles")
        bundles: list[dict[str, Any]] = r.json()
        return bundles

    def record_usage(
        self, subscription_id: str, tracking_id: str, unit_type: str, records: list[tuple[date, int]]
    ) -> bool:
        """Records usage; ``False`` when Kill Bill already holds this tracking id (nothing new recorded)."""
        body = {
            "subscriptionId": subscription_id,
            "trackingId": tracking_id,
            "unitUsageRecords": [
                {
                    "unitType": unit_type,
                    "usageRecords": [
                        {"recordDate": d.isoformat(), "amount": amount} for d, amount in records
                    ],
                }
            ],
        }
        r = self._call(
            "POST",
            "/usages",
            json=body,
            headers={"X-Killbill-CreatedBy": self.created_by, "X-Killbill-Reason": "daily usage"},
        )
        if r.status_code in (200, 201):
            return True
        if r.status_code == 409:
            return False
        raise self._fail(r, "record usage")

    def account_invoices(
        self, account_id: str, start: date | None = None, end: date | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, str] = {"includeInvoiceComponents": "true", "includeVoidedInvoices": "true"}
        if start is not None:
            params["startDate"] = start.isoformat()
        if end is not None:
            params["endDate"] = end.isoformat()
        r = self._call("GET", f"/accounts/{account_id}/invoices", params=params)
        if r.status_code != 200:
            raise self._fail(r, "list the account's invoices")
        invoices: list[dict[str, Any]] = r.json()
        return invoices

    def adjust_invoice_item(
        self, invoice_id: str, account_id: str, item_id: str, amount: Decimal, description: str
    ) -> None:
        body = {
            "invoiceItemId": item_id,
            "invoiceId": invoice_id,
            "accountId": account_id,
            "amount": float(amount),
            "currency": "USD",
            "description": description,
        }
        r = self._call(
            "POST",
            f"/invoices/{invoice_id}",
            json=body,
            headers={"X-Killbill-CreatedBy": self.created_by, "X-Killbill-Reason": "usage correction"},
        )
        if r.status_code not in (200, 201):
            raise self._fail(r, "adjust the invoice item")

    def credit_account(self, account_id: str, amount: Decimal, description: str) -> None:
        body = [
            {"accountId": account_id, "amount": float(amount), "currency": "USD", "description": description}
        ]
        r = self._call(
            "POST",
            "/credits",
            params={"autoCommit": "true"},
            json=body,
            headers={"X-Killbill-CreatedBy": self.created_by, "X-Killbill-Reason": "usage correction"},
        )
        if r.status_code not in (200, 201):
            raise self._fail(r, "credit the account")

    def invoice_payments(self, invoice_id: str) -> list[dict[str, Any]]:
        r = self._call("GET", f"/invoices/{invoice_id}/payments", params={"withPluginInfo": "false"})
        if r.status_code != 200:
            raise self._fail(r, "list the invoice's payments")
        payments: list[dict[str, Any]] = r.json()
        return payments

    def invoice(self, invoice_id: str) -> dict[str, Any] | None:
        r = self._call(
            "GET", f"/invoices/{invoice_id}", params={"withChildrenItems": "false", "audit": "NONE"}
        )
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise self._fail(r, "read the invoice")
        invoice: dict[str, Any] = r.json()
        return invoice


# --- the Kill Bill ledger ------------------------------------------------------------------------


def link_account(session: Session, client: KillBillClient, tenant_id: str) -> BillingAccount | None:
    """The tenant's billing account with its Kill Bill account and usage subscription ids, looked up
    once by external key (= our tenant id) and kept; ``None`` when Kill Bill has no account for it."""
    account = repository.billing_account(session, tenant_id)
    if account is not None and account.killbill_account_id and account.killbill_subscription_id:
        return account
    kb_account = client.account_by_external_key(tenant_id)
    if kb_account is None:
        return None
    subscription = next(
        (
            s
            for b in client.account_bundles(str(kb_account["accountId"]))
            for s in b.get("subscriptions") or []
            if s.get("state") == "ACTIVE"
        ),
        None,
    )
    if subscription is None:
        return None
    now = datetime.now(UTC)
    if account is None:
        account = BillingAccount(
            tenant_id=tenant_id, currency=str(kb_account.get("currency") or "USD"), created_at=now
        )
        session.add(account)
    account.killbill_account_id = str(kb_account["accountId"])
    account.killbill_subscription_id = str(subscription["subscriptionId"])
    account.updated_at = now
    session.flush()
    return account


def tracking_id(tenant_id: str, day: date, seq: int) -> str:
    # The n-th change of a tenant-day always gets the same id, so a retried export is refused by Kill
    # Bill as a duplicate instead of counted twice.
    return f"gpubroker:{tenant_id}:{day.isoformat()}:{seq}"


def _adjusted(kb_invoices: list[dict[str, Any]], marker: str) -> bool:
    return any(
        marker in str(item.get("description") or "") for i in kb_invoices for item in i.get("items") or []
    )


def _usage_item(kb_invoices: list[dict[str, Any]], day: date) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (invoice, item) of Kill Bill that billed ``day``'s usage: a USAGE item whose period holds it."""
    for invoice in kb_invoices:
        if invoice.get("status") == "VOID":
            continue
        for item in invoice.get("items") or []:
            if item.get("itemType") != "USAGE":
                continue
            start, end = str(item.get("startDate") or ""), str(item.get("endDate") or "")
            if (
                start
                and start <= day.isoformat()
                and (end > day.isoformat() or end == start == day.isoformat())
            ):
                return invoice, item
    return None


def export_day(
    session: Session,
    client: KillBillClient,
    settings: Settings,
    day: date,
    tenant_id: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[int, list[str]]:
    """Brings Kill Bill in line with each tenant's settled usage of ``day``: usage for more, an item
    adjustment or a credit for less. Returns the changes sent and warnings for tenants it could not place
    or that are not settled yet."""
    now = now or datetime.now(UTC)
    sent = 0
    warnings: list[str] = []
    for tenant in repository.tenants_with_usage(session, day, day + timedelta(days=1), tenant_id):
        records = [r for r, _ in repository.usage_in_period(session, tenant, day, day + timedelta(days=1))]
        if any(not r.final for r in records):
            warnings.append(
                f"tenant {tenant}: usage of {day.isoformat()} is not settled yet; sent once it is"
            )
            continue
        exact = sum((r.amount for r in records), Decimal(0))
        target = to_minor(round_money(exact, USD), USD)
        held = repository.killbill_exports(session, tenant, day)
        delta = target - sum(e.cents for e in held)
        if delta == 0:
            continue
        account = link_account(session, client, tenant)
        if account is None or account.killbill_subscription_id is None or account.killbill_account_id is None:
            warnings.append(
                f"tenant {tenant} has no Kill Bill account with an active subscription (externalKey)"
            )
            continue
        seq = len(held) + 1
        export_id = str(uuid.uuid4())
        marker = f"gpubroker correction {tenant}:{day.isoformat()}:{seq}"
        if delta > 0:
            kind, reference = "usage", tracking_id(tenant, day, seq)
            client.record_usage(
                account.killbill_subscription_id, reference, settings.killbill_unit_type, [(day, delta)]
            )
        else:
            amount = from_minor(-delta, USD)
            kb_invoices = client.account_invoices(account.killbill_account_id)
            reference = marker
            found = _usage_item(kb_invoices, day)
            if found is not None:
                kind = "item_adjustment"
                if not _adjusted(kb_invoices, marker):
                    invoice, item = found
                    client.adjust_invoice_item(
                        str(invoice["invoiceId"]),
                        account.killbill_account_id,
                        str(item["invoiceItemId"]),
                        amount,
                        marker,
                    )
            else:
                kind = "credit"
                if not _adjusted(kb_invoices, marker):
                    client.credit_account(account.killbill_account_id, amount, marker)
        session.add(
            KillBillExport(
                id=export_id,
                tenant_id=tenant,
                day=day,
                seq=seq,
                kind=kind,
                cents=delta,
                reference=reference,
                created_at=now,
            )
        )
        for r in records:
            r.exported_at = now
        sent += 1
    session.flush()
    return sent, warnings


def record_payments(session: Session, ctx: Ctx, client: KillBillClient, kb_invoice_id: str) -> int:
    """Records the successful payments Kill Bill holds for one of its invoices (each once) and
    announces them; returns how many were new. An invoice of an account we do not know is ignored."""
    kb_invoice = client.invoice(kb_invoice_id)
    if kb_invoice is None:
        raise NotFound(f"Kill Bill has no invoice {kb_invoice_id}")
    account_id = str(kb_invoice.get("accountId"))
    tenant_id = repository.tenant_of_killbill_account(session, account_id)
    if tenant_id is None:
        # Not linked here yet: Kill Bill's externalKey is our tenant id.
        kb_account = client.account(account_id)
        key = str(kb_account.get("externalKey")) if kb_account else ""
        linked = link_account(session, client, key) if session.get(Tenant, key) is not None else None
        if linked is None:
            return 0
        tenant_id = linked.tenant_id
    currency = str(kb_invoice.get("currency") or USD)
    new = 0
    for payment in client.invoice_payments(kb_invoice_id):
        for tx in payment.get("transactions") or []:
            if tx.get("transactionType") not in ("PURCHASE", "CAPTURE") or tx.get("status") != "SUCCESS":
                continue
            paid_at = datetime.fromisoformat(str(tx.get("effectiveDate")).replace("Z", "+00:00"))
            if documents.record_external_payment(
                session,
                ctx,
                tenant_id,
                kb_invoice_id,
                str(kb_invoice.get("invoiceNumber") or ""),
                Decimal(str(tx.get("amount"))),
                str(tx.get("currency") or currency),
                paid_at,
                str(tx.get("transactionId")),
            ):
                new += 1
    session.flush()
    return new


def _status(kb: dict[str, Any]) -> str:
    status = str(kb.get("status"))
    if status == "COMMITTED":
        return "paid" if _decimal(kb.get("balance")) <= 0 and _decimal(kb.get("amount")) > 0 else "open"
    return {"VOID": "void", "DRAFT": "draft"}.get(status, status.lower())


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _kb_date(value: Any) -> date:
    """A Kill Bill date field; one it did not send is a clear error, not a crash on ``None``."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise KillBillError(f"Kill Bill sent an invoice without a usable date ({value!r})") from None


def as_summary(kb: dict[str, Any]) -> InvoiceSummary:
    return InvoiceSummary(
        id=str(kb["invoiceId"]),
        number=str(kb.get("invoiceNumber") or ""),
        day=_kb_date(kb.get("invoiceDate") or kb.get("targetDate")),
        status=_status(kb),
        subtotal_usd=_decimal(kb.get("amount")),
        currency=str(kb.get("currency") or "USD"),
        fx_rate=None,
        fx_rate_date=None,
        net=_decimal(kb.get("amount")),
        tax=Decimal("0.00"),
        total=_decimal(kb.get("amount")),
        issued_at=None,
    )


def as_invoice(kb: dict[str, Any], bill_to_name: str, bill_to_email: str | None) -> InvoiceOut:
    summary = as_summary(kb)
    day = summary.day
    start = date.fromisoformat(str(kb.get("targetDate") or day))
    lines = [
        InvoiceLineOut(
            position=i,
            booking_id=None,
            description=str(item.get("description") or item.get("prettyUsageName") or item.get("itemType")),
            hours=None,
            unit_price=None,
            amount_usd=_decimal(item.get("amount")),
        )
        for i, item in enumerate(kb.get("items") or [], start=1)
    ]
    return InvoiceOut(
        **summary.model_dump(),
        period_start=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        period_end=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        bill_to_name=bill_to_name,
        bill_to_email=bill_to_email,
        fx_source="Kill Bill invoice in its account currency (no conversion here)",
        lines=lines,
        ledger="killbill",
    )
