"""Helpers for live-mode adapter tests: recorded provider responses served over real HTTP.

The adapters' own ``httpx.Client`` talks to an ``httpx.MockTransport`` whose handler answers from the
JSON files under ``tests/catalog/fixtures`` (recorded in the providers' real response shapes; see the
README there), so requests, status codes, retries and JSON decoding run exactly as in production.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from catalog.adapters.base import FetchResult, ProviderAdapter
from catalog.adapters.registry import ALL_ADAPTERS
from catalog.ingest import ProviderReport, normalize_all
from core.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LIVE = "vast,lambda,azure,runpod"
RETRIES = 2

Handler = Callable[[httpx.Request], httpx.Response]


def recorded(name: str) -> Any:
    """A recorded response body, decoded."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def live_settings() -> Settings:
    # No request spacing here (0 = unlimited), so each test's recorded sleeps are the retry backoff
    # alone; the rate limits are tested on their own (test_rate_limits.py).
    unlimited = {p: 0.0 for p in ALL_ADAPTERS}
    return Settings(
        live_providers=LIVE, http_retries=RETRIES, http_timeout_s=5.0, provider_rate_limits=unlimited
    )


@dataclass
class Provider:
    """A fake provider endpoint: records each request and answers with ``handler``."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), timeout=5.0)


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """Answer with each response (or raise each exception) in turn, repeating the last one."""
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handle


def sync_rows(adapter: ProviderAdapter) -> tuple[FetchResult, list[dict[str, Any]], ProviderReport]:
    """Fetch in live mode and normalize exactly as the sync pipeline does."""
    fetched = adapter.fetch()
    report = ProviderReport(adapter.provider_id, mode=fetched.mode, fetched=len(fetched.rows))
    return fetched, normalize_all(adapter, fetched, report), report


def reasons(report: ProviderReport) -> str:
    return " | ".join(r.reason for r in report.rejections)
