"""Search offers: the cheapest 8x H100 in the US, on demand, as the marketplace lists them.

GPUBROKER_URL=http://127.0.0.1:8000 GPUBROKER_API_KEY=gbk_... python search_offers.py
"""

from __future__ import annotations

from common import client_from_env, ok
from gpubroker_client.api.marketplace import search_offers
from gpubroker_client.models import SearchOffersSort

with client_from_env() as client:
    found = ok(
        search_offers.sync(
            client=client,
            gpu_type="H100",
            gpu_count=8,
            country="US",
            spot=False,
            sort=SearchOffersSort.PRICE_ASC,
            page_size=5,
        )
    )
    print(f"{found.total} offers, the cheapest {len(found.items)}:")
    for offer in found.items:
        print(
            f"  {offer.provider:<14} {offer.name:<28} {offer.gpu_count}x {offer.gpu_type:<10} "
            f"{offer.region:<16} ${offer.price_per_hour:,.2f}/h  {offer.id}"
        )
