"""Provider secrets: each provider's API key and webhook secret, from settings or from HashiCorp Vault.

Without ``GPUBROKER_VAULT_URL`` they come from settings exactly as before (``GPUBROKER_<PROVIDER>_API_KEY``,
``GPUBROKER_WEBHOOK_SECRET`` and ``GPUBROKER_WEBHOOK_SECRETS``). With it they come from Vault's KV version 2
engine: the secret ``<mount>/providers/<provider>`` (``secret/providers/lambda``) holds ``apikey`` and
``webhook_secret``. The client signs in with a token (``GPUBROKER_VAULT_TOKEN``) or with AppRole
(``GPUBROKER_VAULT_ROLE_ID`` and ``GPUBROKER_VAULT_SECRET_ID``) and renews a renewable token once two thirds
of its lease have passed (AppRole signs in again when the token cannot be renewed or was refused).

A provider's secrets are kept for ``GPUBROKER_VAULT_CACHE_TTL_S`` so requests do not wait on Vault. When
Vault cannot be reached (network, 5xx, sealed) the last value read is served, with a warning, and Vault is
asked again every :data:`RETRY_AFTER_FAILURE_S`; a secret never read fails with :class:`SecretUnavailable`,
whose message names the provider and the Vault path. A refusal (403: a wrong, revoked or expired token)
is not an outage and is never papered over with an old value. Values and tokens are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import hvac
import hvac.exceptions
import requests

from core import tracing
from core.errors import AppError
from core.settings import Settings

log = logging.getLogger(__name__)

API_KEY = "apikey"
WEBHOOK_SECRET = "webhook_secret"  # nosec B105  # a secret's field name, not a secret
# While Vault is unreachable the last value is served this long before Vault is asked again, so an
# outage costs one connection attempt per provider every 30 s instead of one per request.
RETRY_AFTER_FAILURE_S = 30.0
# A renewable token is renewed once this share of its lease has passed (Vault Agent renews near 2/3).
RENEW_AT_FRACTION = 2 / 3


class SecretUnavailable(AppError):
    """A provider secret could not be had. The message says which provider and where it was looked for."""

    code = "secret_unavailable"
    status = 503


class SecretStore(Protocol):
    def get(self, provider: str, key: str) -> str | None:
        """The secret ``key`` (:data:`API_KEY`, :data:`WEBHOOK_SECRET`) of ``provider``; None when unset."""
        ...

    def location(self, provider: str, key: str) -> str:
        """Where that secret is looked for, for messages."""
        ...


class SettingsSecretStore:
    """The default: secrets are settings (environment variables or ``.env``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get(self, provider: str, key: str) -> str | None:
        if key == WEBHOOK_SECRET:
            return self.settings.webhook_secret_for(provider)
        if key != API_KEY:
            return None
        value = getattr(self.settings, f"{provider}_api_key", None)
        if value is None:
            return None
        text = str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
        return text or None

    def location(self, provider: str, key: str) -> str:
        if key == API_KEY:
            return f"GPUBROKER_{provider.upper()}_API_KEY"
        return "GPUBROKER_WEBHOOK_SECRETS or GPUBROKER_WEBHOOK_SECRET"


class _Outage(Exception):
    """Vault could not answer (network, timeout, 5xx, sealed): an old value may stand in."""


class _Refused(Exception):
    """Vault answered no (403, a failed login): an old value must not stand in."""


@dataclass
class _Entry:
    data: dict[str, str]  # the secret's keys; empty when the path does not exist
    read_at: float  # clock time of the last successful read
    refresh_at: float  # clock time after which Vault is asked again


def _reason(exc: hvac.exceptions.VaultError) -> str:
    """Vault's own error strings (never a token: Vault does not echo credentials)."""
    errors = exc.errors if isinstance(exc.errors, list) else [exc.errors] if exc.errors else []
    text = "; ".join(str(e) for e in errors if e)
    return f"HTTP {type(exc).__name__}: {text}" if text else f"HTTP {type(exc).__name__}"


class VaultSecretStore:
    """Secrets from Vault's KV v2 engine, cached per provider, with the token kept alive.

    Thread-safe: one lock serializes the cache and every Vault call, so concurrent requests that miss the
    cache at once make one read between them and the others get its answer."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not settings.vault_url:
            raise ValueError("VaultSecretStore needs GPUBROKER_VAULT_URL")
        self.url = settings.vault_url.rstrip("/")
        self.mount = settings.vault_mount.strip("/")
        self.ttl_s = settings.vault_cache_ttl_s
        self._role_id = settings.vault_role_id
        self._secret_id = settings.vault_secret_id.get_secret_value() if settings.vault_secret_id else None
        self._approle_mount = settings.vault_approle_mount.strip("/")
        token = settings.vault_token.get_secret_value() if settings.vault_token else ""
        if not token and not (self._role_id and self._secret_id):
            raise SecretUnavailable(
                "GPUBROKER_VAULT_URL is set but neither GPUBROKER_VAULT_TOKEN nor "
                "GPUBROKER_VAULT_ROLE_ID and GPUBROKER_VAULT_SECRET_ID are"
            )
        # An explicit token ("" for AppRole), so hvac never falls back to VAULT_TOKEN or ~/.vault-token.
        self._client = hvac.Client(
            url=self.url,
            token=token if not self._role_id else "",
            timeout=settings.http_timeout_s,
            verify=settings.vault_ca_cert or True,
            # hvac takes the session's own `verify` over its argument, so the session carries the CA too.
            session=tracing.requests_session(verify=settings.vault_ca_cert or True),
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Entry] = {}
        self._signed_in = False
        self._renewable = False
        self._expires_at: float | None = None  # None: the token never expires (a root token)
        self._renew_at: float | None = None

    @property
    def uses_approle(self) -> bool:
        return bool(self._role_id)

    def path(self, provider: str) -> str:
        return f"providers/{provider}"

    def location(self, provider: str, key: str) -> str:
        return f"Vault {self.mount}/{self.path(provider)} (key {key!r})"

    def get(self, provider: str, key: str) -> str | None:
        return self._secret(provider).get(key) or None

    # --- the transit engine (core.crypto) -------------------------------------------------------------

    def transit(self, operation: str, mount: str, key: str, **body: str) -> str:
        """``encrypt`` (``plaintext=`` base64) or ``decrypt`` (``ciphertext=``) with transit key ``key``;
        the answer's ``ciphertext`` or ``plaintext``. No answer is :class:`SecretUnavailable` (503);
        a refusal too, naming the key, never the data."""
        with self._lock:
            where = f"transit {operation} {mount}/keys/{key}"

            def call() -> Any:
                engine = self._client.secrets.transit
                if operation == "encrypt":
                    return engine.encrypt_data(name=key, plaintext=body["plaintext"], mount_point=mount)
                return engine.decrypt_data(name=key, ciphertext=body["ciphertext"], mount_point=mount)

            try:
                self._ensure_token()
                answer = self._call(where, call)
            except (_Outage, _Refused) as exc:
                raise SecretUnavailable(
                    f"Vault's transit engine did not {operation}: {exc}",
                    details={"vault": self.url, "key": f"{mount}/keys/{key}"},
                ) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        field = "ciphertext" if operation == "encrypt" else "plaintext"
        if not isinstance(data, dict) or not isinstance(data.get(field), str):
            raise SecretUnavailable(f"{where}: the answer has no data.{field}")
        return str(data[field])

    # --- the cache ------------------------------------------------------------------------------------

    def _secret(self, provider: str) -> dict[str, str]:
        path = self.path(provider)
        where = f"{self.mount}/{path}"
        with self._lock:
            now = self._clock()
            entry = self._cache.get(path)
            if entry is not None and now < entry.refresh_at:
                return entry.data
            try:
                data = self._read(path)
            except _Refused as exc:
                log.error("Vault refused the secrets of provider %s at %s: %s", provider, where, exc)
                raise SecretUnavailable(
                    f"Vault refused the secrets of provider {provider!r} at {where}: {exc} "
                    "(check GPUBROKER_VAULT_TOKEN or the AppRole, and its policy)"
                ) from None
            except _Outage as exc:
                if entry is None:
                    log.error(
                        "Vault unreachable and provider %s's secrets at %s never read: %s",
                        provider,
                        where,
                        exc,
                    )
                    raise SecretUnavailable(
                        f"Vault is unreachable and the secrets of provider {provider!r} at {where} were "
                        f"never read: {exc}"
                    ) from None
                entry.refresh_at = now + RETRY_AFTER_FAILURE_S
                log.warning(
                    "Vault unreachable (%s): serving the secrets of provider %s at %s as read %.0f s ago",
                    exc,
                    provider,
                    where,
                    now - entry.read_at,
                )
                return entry.data
            self._cache[path] = _Entry(data=data, read_at=now, refresh_at=now + self.ttl_s)
            return data

    # --- Vault ----------------------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any], *, missing_ok: bool = False) -> Any:
        """One Vault request, its failures sorted into outages and refusals; a 404 is None if ``missing_ok``."""
        try:
            return call()
        except hvac.exceptions.InvalidPath as exc:
            if missing_ok:
                return None
            raise _Refused(f"{what}: {_reason(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise _Outage(f"{what}: {type(exc).__name__}") from exc
        except (
            hvac.exceptions.Forbidden,
            hvac.exceptions.Unauthorized,
            hvac.exceptions.InvalidRequest,
        ) as exc:
            raise _Refused(f"{what}: {_reason(exc)}") from exc
        except hvac.exceptions.VaultError as exc:  # 5xx, sealed, rate limited, anything unexpected
            raise _Outage(f"{what}: {_reason(exc)}") from exc

    def _read(self, path: str) -> dict[str, str]:
        self._ensure_token()
        try:
            response = self._read_once(path)
        except _Refused:
            if not self.uses_approle:
                raise
            # The AppRole token may have expired or been revoked since we last looked: sign in once more.
            self._login()
            response = self._read_once(path)
        if response is None:
            return {}
        body = response.get("data") if isinstance(response, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise _Outage(f"read {self.mount}/{path}: the answer has no data.data object")
        return {str(k): str(v) for k, v in data.items() if v is not None}

    def _read_once(self, path: str) -> Any:
        def read() -> Any:
            return self._client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount, raise_on_deleted_version=True
            )

        # None: no such secret (or its latest version is deleted).
        return self._call(f"read {self.mount}/{path}", read, missing_ok=True)

    def _ensure_token(self) -> None:
        if not self._signed_in:
            if self.uses_approle:
                self._login()
            else:
                self._look_up_token()
        elif self._renew_at is not None and self._clock() >= self._renew_at:
            self._renew()

    def _set_lease(self, lease_s: int, renewable: bool) -> None:
        now = self._clock()
        self._signed_in = True
        self._renewable = renewable
        if lease_s > 0:
            self._expires_at = now + lease_s
            self._renew_at = now + lease_s * RENEW_AT_FRACTION
        else:
            self._expires_at = self._renew_at = None

    def _look_up_token(self) -> None:
        answer = self._call("token lookup-self", self._client.auth.token.lookup_self)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise _Outage("token lookup-self: the answer has no data object")
        self._set_lease(int(data.get("ttl") or 0), bool(data.get("renewable")))

    def _login(self) -> None:
        def login() -> Any:
            return self._client.auth.approle.login(
                role_id=self._role_id, secret_id=self._secret_id, mount_point=self._approle_mount
            )

        answer = self._call("AppRole login", login)
        auth = answer.get("auth") if isinstance(answer, dict) else None
        if not isinstance(auth, dict) or not auth.get("client_token"):
            raise _Outage("AppRole login: the answer has no auth.client_token")
        self._set_lease(int(auth.get("lease_duration") or 0), bool(auth.get("renewable")))
        log.info("signed in to Vault with AppRole (token lease %s s)", auth.get("lease_duration"))

    def _renew(self) -> None:
        if self._renewable:
            try:
                answer = self._call("token renew-self", self._client.auth.token.renew_self)
            except _Refused as exc:
                log.warning("the Vault token could not be renewed: %s", exc)
            else:
                auth = answer.get("auth") if isinstance(answer, dict) else None
                lease = int(auth.get("lease_duration") or 0) if isinstance(auth, dict) else 0
                renewable = bool(auth.get("renewable")) if isinstance(auth, dict) else False
                self._set_lease(lease, renewable)
                log.info("renewed the Vault token (lease %s s)", lease)
                return
        if self.uses_approle:
            self._login()
            return
        left = (self._expires_at or 0) - self._clock()
        log.warning("GPUBROKER_VAULT_TOKEN cannot be renewed; it expires in %.0f s", max(left, 0))
        self._renew_at = None  # warned once; Vault's refusal will say the rest


# One store per Vault configuration, shared by every request and adapter of the process (the cache and
# the token live there).
_stores: dict[tuple[Any, ...], VaultSecretStore] = {}
_stores_lock = threading.Lock()


def vault_enabled(settings: Settings) -> bool:
    return bool(settings.vault_url)


def secret_store(settings: Settings) -> SecretStore:
    """The store these settings select: Vault when ``GPUBROKER_VAULT_URL`` is set, else settings."""
    if not settings.vault_url:
        return SettingsSecretStore(settings)
    key = (
        settings.vault_url,
        settings.vault_mount,
        settings.vault_approle_mount,
        settings.vault_token.get_secret_value() if settings.vault_token else None,
        settings.vault_role_id,
        settings.vault_secret_id.get_secret_value() if settings.vault_secret_id else None,
        settings.vault_cache_ttl_s,
        settings.vault_ca_cert,
        settings.http_timeout_s,
    )
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = VaultSecretStore(settings)
    return store


def reset_secret_stores() -> None:
    """Forget every Vault store (its cache and token); for tests."""
    with _stores_lock:
        _stores.clear()


def provider_api_key(settings: Settings, provider: str) -> str | None:
    """The provider's API key. From settings: None when unset (as before). From Vault: the ``apikey`` of
    ``<mount>/providers/<provider>``, or :class:`SecretUnavailable` naming the provider and the path when
    Vault has none or cannot be read."""
    store = secret_store(settings)
    value = store.get(provider, API_KEY)
    if value is None and vault_enabled(settings):
        raise SecretUnavailable(
            f"provider {provider!r} has no API key in Vault: nothing at {store.location(provider, API_KEY)}"
        )
    return value


def webhook_secret(settings: Settings, provider: str) -> str:
    """The secret that signs ``provider``'s webhooks. With Vault, the ``webhook_secret`` of
    ``<mount>/providers/<provider>`` when there is one, else the settings' (per provider, then shared);
    :class:`SecretUnavailable` (503: the provider retries) when Vault was never read and is unreachable."""
    return secret_store(settings).get(provider, WEBHOOK_SECRET) or settings.webhook_secret_for(provider)
