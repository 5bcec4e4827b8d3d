"""Read the team's invoices, newest first, and the lines of the latest.

Team API keys carry no billing scope: set ``GPUBROKER_ACCESS_TOKEN`` to the access token of the team's
admin or a billing user (``POST /auth/login``).

    GPUBROKER_URL=... GPUBROKER_ACCESS_TOKEN=eyJ... python read_invoices.py
"""

from __future__ import annotations

from common import client_from_env, ok
from gpubroker_client.api.billing import get_invoice, list_invoices

with client_from_env() as client:
    page = ok(list_invoices.sync(client=client, page_size=10))
    print(f"{page.total} invoices")
    for invoice in page.items:
        print(f"  {invoice.number}  {invoice.day}  {invoice.status:<6} {invoice.currency} {invoice.total}")
    if page.items:
        latest = ok(get_invoice.sync(page.items[0].id, client=client))
        print(f"lines of {latest.number}:")
        for line in latest.lines:
            print(f"  {line.description}: {line.amount_usd} USD")
