"""A local stand-in for a Kill Bill server: the few REST calls the client makes, with Kill Bill's request
checks (tenant API key and secret, basic auth, ``X-Killbill-CreatedBy`` on writes) and its JSON shapes
(``Account``, ``Bundle`` with ``subscriptions``, ``SubscriptionUsageRecord``, ``Invoice`` with ``items``,
``InvoiceItem``, ``InvoicePayment`` with ``transactions``, and its error document ``{className, code,
message, causeClassName, causeMessage, stackTrace}``), written from Kill Bill's API reference
(https://killbill.github.io/slate/, sections Account, Bundle, Usage, Invoice: "Adjust an invoice item",
"Retrieve payments associated with an invoice", Credit: "Create a credit"):

- ``POST /1.0/kb/invoices/{invoiceId}`` with an ``InvoiceItem`` (``invoiceItemId``, ``accountId``,
  ``amount``, ``currency``, ``description``) adds an ``ITEM_ADJ`` item of ``-amount`` linked to that item
  and lowers the invoice's amount and balance; 201;
- ``POST /1.0/kb/credits?autoCommit=true`` with a list of ``InvoiceItem`` creates a committed invoice
  holding a ``CREDIT_ADJ`` item of ``-amount`` per credit; 201 and the items;
- ``POST /1.0/kb/invoices/{invoiceId}/payments`` (``InvoicePayment``: ``accountId``,
  ``purchasedAmount``) pays it: a ``PURCHASE`` transaction, the balance drops; 201;
- ``GET /1.0/kb/invoices/{invoiceId}/payments``: the invoice's ``InvoicePayment`` list.

Usage is kept as posted so tests can read exactly what was sent.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY = "gpubroker-tenant"
API_SECRET = "gpubroker-tenant-secret"
USERNAME = "admin"
PASSWORD = "password"


def kb_error(status: int, class_name: str, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "className": class_name,
            "code": code,
            "message": message,
            "causeClassName": None,
            "causeMessage": None,
            "stackTrace": [],
        },
        status_code=status,
    )


@dataclass
class FakeKillBill:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by accountId
    bundles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by accountId
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # by invoiceId
    usages: list[dict[str, Any]] = field(default_factory=list)
    payments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by invoiceId
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add_account(self, external_key: str, name: str, currency: str = "USD") -> tuple[str, str]:
        account_id, subscription_id, bundle_id = (str(uuid.uuid4()) for _ in range(3))
        self.accounts[account_id] = {
            "accountId": account_id,
            "externalKey": external_key,
            "name": name,
            "email": None,
            "currency": currency,
            "billCycleDayLocal": 1,
            "timeZone": "UTC",
            "isMigrated": False,
        }
        self.bundles[account_id] = [
            {
                "accountId": account_id,
                "bundleId": bundle_id,
                "externalKey": f"{external_key}-gpu",
                "subscriptions": [
                    {
                        "accountId": account_id,
                        "bundleId": bundle_id,
                        "subscriptionId": str(uuid.uuid4()),
                        "externalKey": f"{external_key}-gpu-old",
                        "productName": "GpuUsage",
                        "productCategory": "BASE",
                        "billingPeriod": "MONTHLY",
                        "planName": "gpu-usage-monthly",
                        "state": "CANCELLED",
                    },
                    {
                        "accountId": account_id,
                        "bundleId": bundle_id,
                        "subscriptionId": subscription_id,
                        "externalKey": f"{external_key}-gpu",
                        "productName": "GpuUsage",
                        "productCategory": "BASE",
                        "billingPeriod": "MONTHLY",
                        "planName": "gpu-usage-monthly",
                        "state": "ACTIVE",
                    },
                ],
                "timeline": None,
            }
        ]
        return account_id, subscription_id

    def add_invoice(
        self,
        account_id: str,
        invoice_date: str,
        number: int,
        items: list[tuple[str, str]],
        *,
        period: tuple[str, str] | None = None,
    ) -> str:
        """A committed invoice; ``period`` is its USAGE items' ``(startDate, endDate)`` (default: the
        invoice date for both)."""
        invoice_id = str(uuid.uuid4())
        total = sum(float(a) for _, a in items)
        self.invoices[invoice_id] = {
            "amount": total,
            "currency": "USD",
            "status": "COMMITTED",
            "creditAdj": 0.0,
            "refundAdj": 0.0,
            "invoiceId": invoice_id,
            "invoiceDate": invoice_date,
            "targetDate": invoice_date,
            "invoiceNumber": str(number),
            "balance": total,
            "accountId": account_id,
            "bundleKeys": None,
            "credits": None,
            "items": [
                {
                    "invoiceItemId": str(uuid.uuid4()),
                    "invoiceId": invoice_id,
                    "linkedInvoiceItemId": None,
                    "accountId": account_id,
                    "itemType": "USAGE",
                    "description": description,
                    "startDate": period[0] if period else invoice_date,
                    "endDate": period[1] if period else invoice_date,
                    "amount": float(amount),
                    "rate": None,
                    "currency": "USD",
                    "quantity": None,
                }
                for description, amount in items
            ],
            "isParentInvoice": False,
            "auditLogs": [],
        }
        return invoice_id

    def pay(self, invoice_id: str, amount: str, effective: str = "2026-11-05T10:00:00.000Z") -> str:
        """Kill Bill charging the account for an invoice (what a payment plugin does): a PURCHASE."""
        invoice = self.invoices[invoice_id]
        payment_id, tx_id = str(uuid.uuid4()), str(uuid.uuid4())
        value = round(float(amount), 2)
        self.payments.setdefault(invoice_id, []).append(
            {
                "targetInvoiceId": invoice_id,
                "accountId": invoice["accountId"],
                "paymentId": payment_id,
                "paymentNumber": str(len(self.payments) + 1),
                "paymentExternalKey": payment_id,
                "authAmount": 0,
                "capturedAmount": 0,
                "purchasedAmount": value,
                "refundedAmount": 0,
                "creditedAmount": 0,
                "currency": invoice["currency"],
                "paymentMethodId": str(uuid.uuid4()),
                "transactions": [
                    {
                        "transactionId": tx_id,
                        "transactionExternalKey": tx_id,
                        "paymentId": payment_id,
                        "paymentExternalKey": payment_id,
                        "transactionType": "PURCHASE",
                        "amount": value,
                        "currency": invoice["currency"],
                        "effectiveDate": effective,
                        "processedAmount": value,
                        "processedCurrency": invoice["currency"],
                        "status": "SUCCESS",
                        "gatewayErrorCode": None,
                        "gatewayErrorMsg": None,
                    }
                ],
                "paymentAttempts": None,
                "auditLogs": [],
            }
        )
        invoice["balance"] = round(invoice["balance"] - value, 2)
        return payment_id

    def _item(
        self, invoice_id: str, account_id: str, item_type: str, description: str, amount: float
    ) -> dict[str, Any]:
        return {
            "invoiceItemId": str(uuid.uuid4()),
            "invoiceId": invoice_id,
            "linkedInvoiceItemId": None,
            "accountId": account_id,
            "itemType": item_type,
            "description": description,
            "startDate": None,
            "endDate": None,
            "amount": amount,
            "rate": None,
            "currency": "USD",
            "quantity": None,
        }

    def app(self) -> Starlette:
        async def guard(request: Request) -> Response | None:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "query": dict(request.query_params),
                    "headers": dict(request.headers),
                }
            )
            auth = request.headers.get("authorization", "")
            expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            if auth != expected:
                return kb_error(
                    401, "org.apache.shiro.authc.AuthenticationException", 0, "Authentication failed"
                )
            if (request.headers.get("x-killbill-apikey"), request.headers.get("x-killbill-apisecret")) != (
                API_KEY,
                API_SECRET,
            ):
                return kb_error(
                    401, "org.killbill.billing.tenant.api.TenantApiException", 10003, "Tenant does not exist"
                )
            if request.method == "POST" and not request.headers.get("x-killbill-createdby"):
                return kb_error(
                    400, "java.lang.IllegalArgumentException", 0, "X-Killbill-CreatedBy header is required"
                )
            return None

        async def accounts(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            key = request.query_params.get("externalKey")
            for account in self.accounts.values():
                if account["externalKey"] == key:
                    return JSONResponse(account)
            return kb_error(
                404,
                "org.killbill.billing.account.api.AccountApiException",
                3003,
                f"Account does not exist for key {key}",
            )

        async def account(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            found = self.accounts.get(request.path_params["account_id"])
            if found is None:
                return kb_error(
                    404,
                    "org.killbill.billing.account.api.AccountApiException",
                    3000,
                    "Account does not exist",
                )
            return JSONResponse(found)

        async def bundles(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            account_id = request.path_params["account_id"]
            if account_id not in self.accounts:
                return kb_error(
                    404,
                    "org.killbill.billing.account.api.AccountApiException",
                    3000,
                    f"Account does not exist for id {account_id}",
                )
            return JSONResponse(self.bundles.get(account_id, []))

        async def usages(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            body = await request.json()
            if not body.get("subscriptionId") or not body.get("unitUsageRecords"):
                return kb_error(
                    400, "java.lang.IllegalArgumentException", 0, "SubscriptionUsageRecordJson is invalid"
                )
            if body.get("trackingId") in {u.get("trackingId") for u in self.usages}:
                return kb_error(
                    409,
                    "org.killbill.billing.usage.api.UsageApiException",
                    7512,
                    f"Tracking Id '{body['trackingId']}' already exists",
                )
            self.usages.append(body)
            return Response(status_code=201)

        async def account_invoices(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            account_id = request.path_params["account_id"]
            start = request.query_params.get("startDate")
            end = request.query_params.get("endDate")
            found = [
                i
                for i in self.invoices.values()
                if i["accountId"] == account_id
                and (start is None or i["targetDate"] >= start)
                and (end is None or i["targetDate"] <= end)
            ]
            return JSONResponse(found)

        async def invoice(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            found = self.invoices.get(request.path_params["invoice_id"])
            if found is None:
                return kb_error(
                    404,
                    "org.killbill.billing.invoice.api.InvoiceApiException",
                    4001,
                    "No invoice could be found for id",
                )
            return JSONResponse(found)

        async def adjust(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            invoice = self.invoices.get(request.path_params["invoice_id"])
            body = await request.json()
            if invoice is None:
                return kb_error(
                    404, "org.killbill.billing.invoice.api.InvoiceApiException", 4001, "No invoice"
                )
            target = next(
                (i for i in invoice["items"] if i["invoiceItemId"] == body.get("invoiceItemId")), None
            )
            if target is None or body.get("accountId") != invoice["accountId"]:
                return kb_error(
                    400,
                    "org.killbill.billing.invoice.api.InvoiceApiException",
                    4016,
                    "Invoice item does not exist",
                )
            amount = round(
                float(body.get("amount") if body.get("amount") is not None else target["amount"]), 2
            )
            if amount > target["amount"]:
                return kb_error(
                    400,
                    "org.killbill.billing.invoice.api.InvoiceApiException",
                    4014,
                    "Adjustment exceeds the item",
                )
            item = self._item(
                invoice["invoiceId"], invoice["accountId"], "ITEM_ADJ", body.get("description") or "", -amount
            )
            item["linkedInvoiceItemId"] = target["invoiceItemId"]
            invoice["items"].append(item)
            invoice["amount"] = round(invoice["amount"] - amount, 2)
            invoice["balance"] = round(invoice["balance"] - amount, 2)
            return Response(status_code=201, headers={"Location": f"/1.0/kb/invoices/{invoice['invoiceId']}"})

        async def credits(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            body = await request.json()
            if not isinstance(body, list) or not body:
                return kb_error(
                    400, "java.lang.IllegalArgumentException", 0, "InvoiceItemJson list is required"
                )
            made = []
            for credit in body:
                if credit.get("accountId") not in self.accounts or not credit.get("amount"):
                    return kb_error(400, "java.lang.IllegalArgumentException", 0, "CreditJson is invalid")
                invoice_id = str(uuid.uuid4())
                amount = round(float(credit["amount"]), 2)
                item = self._item(
                    invoice_id, credit["accountId"], "CREDIT_ADJ", credit.get("description") or "", -amount
                )
                self.invoices[invoice_id] = {
                    "amount": -amount,
                    "currency": "USD",
                    "status": "COMMITTED",
                    "creditAdj": amount,
                    "refundAdj": 0.0,
                    "invoiceId": invoice_id,
                    "invoiceDate": "2026-11-05",
                    "targetDate": "2026-11-05",
                    "invoiceNumber": str(100 + len(self.invoices)),
                    "balance": -amount,
                    "accountId": credit["accountId"],
                    "bundleKeys": None,
                    "credits": None,
                    "items": [item],
                    "isParentInvoice": False,
                    "auditLogs": [],
                }
                made.append(item)
            return JSONResponse(made, status_code=201)

        async def invoice_payments(request: Request) -> Response:
            if (refused := await guard(request)) is not None:
                return refused
            invoice_id = request.path_params["invoice_id"]
            if invoice_id not in self.invoices:
                return kb_error(
                    404, "org.killbill.billing.invoice.api.InvoiceApiException", 4001, "No invoice"
                )
            if request.method == "POST":
                body = await request.json()
                self.pay(invoice_id, str(body.get("purchasedAmount")))
                return Response(status_code=201)
            return JSONResponse(self.payments.get(invoice_id, []))

        return Starlette(
            routes=[
                Route("/1.0/kb/accounts", accounts),
                Route("/1.0/kb/accounts/{account_id}", account),
                Route("/1.0/kb/accounts/{account_id}/bundles", bundles),
                Route("/1.0/kb/accounts/{account_id}/invoices", account_invoices),
                Route("/1.0/kb/usages", usages, methods=["POST"]),
                Route("/1.0/kb/invoices/{invoice_id}", invoice, methods=["GET"]),
                Route("/1.0/kb/invoices/{invoice_id}", adjust, methods=["POST"]),
                Route("/1.0/kb/invoices/{invoice_id}/payments", invoice_payments, methods=["GET", "POST"]),
                Route("/1.0/kb/credits", credits, methods=["POST"]),
            ]
        )
