"""The provider adapter interface.

An adapter knows one provider: where its offers come from (the bundled snapshot by default, the
provider's public price API in live mode) and how to read one raw row into :class:`RawOffer`
candidates. Everything after that (GPU and region normalization, validation, upsert, history) is the
same for every provider and lives in :mod:`catalog.ingest`. Vendor errors are mapped to
:class:`AdapterError` at this edge so the pipeline sees one kind of failure.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import httpx

from core import metrics, tracing
from core.secrets import SecretUnavailable, provider_api_key, vault_enabled
from core.settings import Settings

# Prices at or above this are placeholders some catalogs use for "not offered" (PrimeIntellect: 99999999).
PLACEHOLDER_PRICE = Decimal("1000000")

T = TypeVar("T")


class AdapterError(Exception):
    """A provider could not be read (network, auth, unexpected payload)."""


class RowError(ValueError):
    """One raw row cannot become an offer; the message is the reason shown in the sync report."""


@dataclass
class RawOffer:
    """An offer as the provider describes it, before normalization."""

    external_id: str
    name: str
    gpu_type: str
    gpu_count: int
    price_per_hour: Decimal
    region: str
    spot: bool = False
    gpu_memory_mib: float | None = None  # per GPU, as the provider states it (may be wrong or absent)
    vcpu: float | None = None
    memory_gb: float | None = None
    storage_gb: float | None = None
    zone: str | None = None
    hint: str = ""  # free text that tells the GPU variant (instance type, upstream name)
    tags: list[str] = field(default_factory=list)
    currency: str = "USD"
    # The external id this offer takes when the rows of its other zones carry the same price: one
    # regional offer listing its zones (catalog.ingest.collapse_zones). None: the offer has no zone.
    regional_id: str | None = None
    price_scope: str = "machine"  # machine | gpu_only (the accelerators alone, host VM billed on top)


@dataclass
class FetchResult:
    rows: list[dict[str, Any]]
    source: str
    fetched_at: datetime
    mode: str  # snapshot | live
    latency_ms: float
    # When these prices were published or observed: the fetch time in live mode, the snapshot's own
    # date (PROVENANCE.json) for a bundled snapshot, the file's date for ``sync --from``.
    as_of: datetime | None = None


PROVENANCE_FILE = "PROVENANCE.json"
# A live fetch's source is "<provider> API": how pages tell a live price from a snapshot's.
LIVE_SOURCE_SUFFIX = " API"


@functools.lru_cache(maxsize=8)
def _provenance(folder: str) -> dict[str, datetime]:
    try:
        data = json.loads((Path(folder) / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: datetime.fromisoformat(day).replace(tzinfo=UTC) for name, day in files.items() if day}


def snapshot_as_of(folder: Path, file_name: str) -> datetime | None:
    """The bundled snapshot's own date from its provenance (``PROVENANCE.json`` beside the files)."""
    return _provenance(str(folder)).get(file_name)


def parse_decimal(value: Any, what: str) -> Decimal:
    text = str(value if value is not None else "").strip()
    if not text:
        raise RowError(f"missing {what}")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise RowError(f"{what} is not a number: {text!r}") from exc
    if not number.is_finite():
        raise RowError(f"{what} is not a finite number: {text!r}")
    return number


def parse_optional_float(value: Any) -> float | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_count(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    try:
        count = float(text)
    except ValueError as exc:
        raise RowError(f"gpu count is not a number: {text!r}") from exc
    if count != int(count) or count < 1:
        raise RowError(f"gpu count must be a whole number >= 1, got {text!r}")
    return int(count)


def optional_spot_price(value: Any) -> Decimal | None:
    """A spot price, or None where the catalog has none (empty, zero or a placeholder)."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    price = parse_decimal(text, "spot price")
    if price <= 0 or price >= PLACEHOLDER_PRICE:
        return None
    return price


MAX_RETRY_AFTER_S = 120.0


def _retry_after(response: httpx.Response) -> float | None:
    """A 429/503's ``Retry-After`` in seconds (the delay form; an HTTP date is read as no hint)."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
    except ValueError:
        return None


def with_retries(
    call: Callable[[], T],
    *,
    retries: int,
    base_delay_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Retry transient failures with exponential backoff; client errors (4xx but 429) are final. A
    provider's ``Retry-After`` (its rate limit) is waited out when it asks for longer than the backoff."""
    attempt = 0
    while True:
        wait = base_delay_s * (2**attempt)
        try:
            return call()
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            if (400 <= status < 500 and status != 429) or attempt >= retries:
                raise AdapterError(f"HTTP {status} from {exc.request.url.host}") from exc
            wait = max(wait, _retry_after(exc.response) or 0.0)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            if attempt >= retries:
                raise AdapterError(f"{type(exc).__name__}: {exc}") from exc
        sleep(wait)
        attempt += 1


class RateLimiter:
    """At most ``rate`` requests per second to one provider from this process: each request waits
    until ``1 / rate`` s after the previous one began. Shared by every adapter instance of the provider
    (:func:`limiter_for`), so a sync and a retry never burst past the provider's documented limit."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None]) -> float:
        """Blocks (through ``sleep``) until this request may go; returns how long it waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            sleep(delay)
        return delay


_LIMITERS: dict[tuple[str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(provider: str, rate: float) -> RateLimiter:
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault((provider, rate), RateLimiter(rate))


# A row key an adapter sets, in live mode, on an entry it could not read at all; the entry is then
# rejected with this reason like any malformed snapshot row.
REJECTED = "_rejected"


def as_object(value: Any) -> dict[str, Any]:
    """A JSON object of a provider's answer, or an empty one where the provider put something else."""
    return value if isinstance(value, dict) else {}


def rejected_row(reason: str) -> dict[str, Any]:
    return {REJECTED: reason}


class ProviderAdapter(ABC):
    """One provider. Subclasses set the class attributes and implement :meth:`parse_row`."""

    provider_id: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[str] = "cloud"  # cloud | marketplace | aggregator
    website: ClassVar[str] = ""
    snapshot_file: ClassVar[str]  # file name under the snapshot folder
    source: ClassVar[str] = "skypilot-org/skypilot-catalog"
    live_api: ClassVar[bool] = False
    # Requests per second the provider allows (its documented API limit, or a polite default);
    # ``provider_rate_limits`` overrides it per provider.
    requests_per_second: ClassVar[float] = 5.0
    # The currency the provider prices in; ingestion converts other currencies to USD (catalog.ingest.in_usd).
    currency: ClassVar[str] = "USD"
    # The setting holding the provider's API key (read through secret(): Vault when configured).
    api_key_setting: ClassVar[str | None] = None

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        *,
        api_key: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._client = client
        self._sleep = sleep  # injectable so tests of the retry backoff do not wait
        self._secret_error: AdapterError | None = None  # a key Vault could not give (see secret())
        self.limiter: RateLimiter | None = None  # tests give one with their own clock
        self.api_key = api_key or (self.secret(self.api_key_setting) if self.api_key_setting else None)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            # Carries the caller's traceparent to the provider's API.
            self._client = tracing.http_client(timeout=self.settings.http_timeout_s, follow_redirects=True)
        return self._client

    @property
    def snapshot_path(self) -> Path:
        return Path(self.settings.snapshot_dir) / "catalog" / self.snapshot_file

    def use_live(self) -> bool:
        return self.live_api and self.provider_id in self.settings.live_provider_set

    def fetch(self) -> FetchResult:
        started = time.perf_counter()
        as_of: datetime | None
        live = self.use_live()
        with tracing.span(
            "provider.fetch", {"provider": self.provider_id, "mode": "live" if live else "snapshot"}
        ):
            if live:
                if self._secret_error is not None:
                    raise self._secret_error
                rows = self.fetch_live()  # each request retries on its own (see request_json)
                mode, source, as_of = "live", f"{self.provider_id}{LIVE_SOURCE_SUFFIX}", None
            else:
                rows = self.read_snapshot()
                mode, source = "snapshot", f"{self.source}:{self.snapshot_file}"
                as_of = snapshot_as_of(self.snapshot_path.parent, self.snapshot_file)
        metrics.PROVIDER_FETCH.labels(self.provider_id).observe(time.perf_counter() - started)
        fetched_at = datetime.now(UTC)
        return FetchResult(
            rows=rows,
            source=source,
            fetched_at=fetched_at,
            mode=mode,
            latency_ms=(time.perf_counter() - started) * 1000,
            as_of=as_of or fetched_at,
        )

    def fetch_file(self, path: Path, as_of: datetime | None = None) -> FetchResult:
        """Offers from a file in this provider's bundled snapshot format (``gpubroker sync --from``), for
        operators who mirror catalogs: its prices are as of ``as_of``, else the file's modification time."""
        started = time.perf_counter()
        rows = self.read_csv(path)
        if as_of is None:
            as_of = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return FetchResult(
            rows=rows,
            source=f"file:{path.name}",
            fetched_at=datetime.now(UTC),
            mode="snapshot",
            latency_ms=(time.perf_counter() - started) * 1000,
            as_of=as_of,
        )

    def read_snapshot(self) -> list[dict[str, Any]]:
        return self.read_csv(self.snapshot_path)

    @staticmethod
    def read_csv(path: Path) -> list[dict[str, Any]]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AdapterError(f"cannot read snapshot {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise AdapterError(f"snapshot {path} is not UTF-8 text") from exc
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def fetch_live(self) -> list[dict[str, Any]]:
        raise AdapterError(f"{self.provider_id} has no live price API")

    def request_json(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        """One HTTP call with retries and backoff; the decoded JSON body, or AdapterError naming ``what``."""

        limiter = self.rate_limiter()

        def call() -> httpx.Response:
            limiter.wait(self._sleep)
            response = self.client.request(method, url, **kwargs)
            response.raise_for_status()
            return response

        response = with_retries(call, retries=self.settings.http_retries, sleep=self._sleep)
        try:
            return response.json()
        except ValueError as exc:
            raise AdapterError(f"{what} returned a body that is not JSON") from exc

    def rate_limiter(self) -> RateLimiter:
        """This provider's request spacing: ``provider_rate_limits`` or the adapter's own rate."""
        if self.limiter is not None:
            return self.limiter
        rate = self.settings.provider_rate_limits.get(self.provider_id, self.requests_per_second)
        return limiter_for(self.provider_id, rate)

    def secret(self, field: str) -> str | None:
        """A secret setting as text (plain or SecretStr); None when unset.

        With Vault configured, the provider's own API key (``<provider_id>_api_key``) comes from Vault
        (``core.secrets``), and only in live mode: the snapshot needs none. Adapters read their key when
        they are built, every provider of a sync at once, so a key Vault cannot give is kept and raised by
        :meth:`fetch` as this provider's error instead of stopping the others."""
        if field == f"{self.provider_id}_api_key" and vault_enabled(self.settings):
            if not self.use_live():
                return None
            try:
                return provider_api_key(self.settings, self.provider_id)
            except SecretUnavailable as exc:
                self._secret_error = AdapterError(exc.message)
                return None
        value = getattr(self.settings, field, None)
        if value is None:
            return None
        text = str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
        return text or None

    @abstractmethod
    def parse_row(self, row: dict[str, Any]) -> Iterable[RawOffer]:
        """Turn one raw row into offers (usually an on-demand one and, where priced, a spot one)."""
