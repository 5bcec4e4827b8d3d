"""Scaleway (scaleway). Zones (fr-par-1, fr-par-2) come first in the file.

Scaleway prices in euros: SkyPilot's fetcher copied the Instance API's ``hourly_price`` ("Hourly price
in Euro", scaleway/scaleway-sdk-python ``instance/v1/types.py``) unconverted
(skypilot-org/skypilot ``sky/clouds/service_catalog/data_fetchers/fetch_scaleway.py``), so the
bundled catalog's prices are euros too and the offers say so.
"""

from __future__ import annotations

from catalog.adapters.skypilot import SkyPilotCsvAdapter


class ScalewayAdapter(SkyPilotCsvAdapter):
    provider_id = "scaleway"
    name = "Scaleway"
    kind = "cloud"
    website = "https://www.scaleway.com/en/pricing/gpu/"
    snapshot_file = "scaleway.csv"
    currency = "EUR"
