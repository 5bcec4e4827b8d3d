"""Provider secrets from settings (the default) and from Vault, through ``hvac`` over real HTTP.

Vault is :mod:`tests.core.vault_fake`, served by uvicorn on a loopback port, so every read, login,
lookup and renewal goes through hvac, requests and HTTP exactly as against a real Vault; the fake records
what reached it, so caching is checked by counting requests. A store built with the fake's
:class:`Clock` ages its cache and the fake's tokens together, without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

import booking.service
from accounts import crypto
from catalog.adapters.base import AdapterError
from catalog.adapters.lambdalabs import LambdaAdapter
from catalog.adapters.runpod import RunpodAdapter
from core.secrets import (
    RETRY_AFTER_FAILURE_S,
    SecretUnavailable,
    SettingsSecretStore,
    VaultSecretStore,
    provider_api_key,
    reset_secret_stores,
    secret_store,
    webhook_secret,
)
from core.settings import DEV_WEBHOOK_SECRET, Settings
from tests.booking.conftest import (
    QuietProvisioner,
    create,
    event_body,
    offer_ids,
    post_event,
    register,
    submit,
    tune,
)
from tests.catalog.adapters.recorded import Provider, recorded, sequence
from tests.core.vault_fake import ROOT_TOKEN, Clock, FakeVault
from tests.support import serve

TTL = 300.0


@dataclass
class Running:
    fake: FakeVault
    url: str


@pytest.fixture(autouse=True)
def fresh_stores() -> Iterator[None]:
    """Each test starts with no Vault store (a later test's fake may get an earlier one's port)."""
    reset_secret_stores()
    yield
    reset_secret_stores()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault(clock: Clock) -> Iterator[Running]:
    fake = FakeVault(clock)
    fake.put("providers/lambda", apikey="lam-key-1", webhook_secret="lam-hook-1")
    with serve(fake.app) as url:
        yield Running(fake, url)


@contextmanager
def vault_gone() -> Iterator[str]:
    """The URL of a Vault that was there and is not any more: connections are refused."""
    with serve(FakeVault().app) as url:
        pass
    yield url


def settings_for(url: str, **extra: Any) -> Settings:
    if "vault_role_id" not in extra:
        extra.setdefault("vault_token", SecretStr(ROOT_TOKEN))
    return Settings(**{"vault_url": url, "vault_cache_ttl_s": TTL, **extra})


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


# --- without Vault: today's behaviour ------------------------------------------------------------------


def test_without_vault_the_secrets_are_the_settings() -> None:
    settings = Settings(
        lambda_api_key=SecretStr("env-lambda-key"),
        runpod_api_key=None,
        webhook_secret=SecretStr("shared-hook"),
        webhook_secrets={"lambda": SecretStr("lambda-hook")},
    )
    assert isinstance(secret_store(settings), SettingsSecretStore)
    assert provider_api_key(settings, "lambda") == "env-lambda-key"
    assert provider_api_key(settings, "runpod") is None
    assert webhook_secret(settings, "lambda") == "lambda-hook"
    assert webhook_secret(settings, "vast") == "shared-hook"
    assert webhook_secret(Settings(), "vast") == DEV_WEBHOOK_SECRET


# --- reading ---------------------------------------------------------------------------------------------


def test_token_auth_reads_the_api_key_and_the_webhook_secret(
    vault: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(vault.url)
    assert provider_api_key(settings, "lambda") == "lam-key-1"
    assert webhook_secret(settings, "lambda") == "lam-hook-1"

    fake = vault.fake
    assert fake.count("GET", "/v1/auth/token/lookup-self") == 1  # the token's lease, looked up once
    assert fake.reads("lambda") == 1  # one read holds both keys of the provider
    read = next(r for r in fake.requests if r.path == "/v1/secret/data/providers/lambda")
    assert read.token == ROOT_TOKEN
    assert "lam-key-1" not in logged(caplog) and "lam-hook-1" not in logged(caplog)


def test_vault_calls_carry_the_callers_trace(vault: Running) -> None:
    from core import tracing

    ctx = tracing.context_from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    token = tracing.activate(ctx)
    try:
        assert provider_api_key(settings_for(vault.url), "lambda") == "lam-key-1"
    finally:
        tracing.deactivate(token)
    read = next(r for r in vault.fake.requests if r.path == "/v1/secret/data/providers/lambda")
    assert read.traceparent == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{ctx.span_id}-01"


def test_approle_logs_in_then_reads_with_the_token_it_got(vault: Running) -> None:
    vault.fake.add_approle("role-gpubroker", "secret-id-1", ttl_s=3600)
    settings = settings_for(
        vault.url, vault_role_id="role-gpubroker", vault_secret_id=SecretStr("secret-id-1")
    )
    assert provider_api_key(settings, "lambda") == "lam-key-1"

    login, read = vault.fake.requests[0], vault.fake.requests[1]
    assert (login.method, login.path) == ("POST", "/v1/auth/approle/login")
    assert (read.method, read.path) == ("GET", "/v1/secret/data/providers/lambda")
    issued = [t for t in vault.fake.tokens.values() if t.path == "auth/approle/login"]
    assert len(issued) == 1 and read.token == issued[0].id != ROOT_TOKEN


def test_a_wrong_approle_secret_id_is_a_clear_error(vault: Running) -> None:
    vault.fake.add_approle("role-gpubroker", "secret-id-1")
    settings = settings_for(vault.url, vault_role_id="role-gpubroker", vault_secret_id=SecretStr("not-it"))
    with pytest.raises(SecretUnavailable) as refused:
        provider_api_key(settings, "lambda")
    message = refused.value.message
    assert "AppRole login" in message and "invalid role or secret ID" in message
    assert "not-it" not in message


def test_a_secret_is_read_once_per_ttl(vault: Running, clock: Clock) -> None:
    store = VaultSecretStore(settings_for(vault.url), clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    clock.advance(TTL - 1)
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert store.get("lambda", "webhook_secret") == "lam-hook-1"
    assert vault.fake.reads("lambda") == 1


def test_after_the_ttl_the_secret_is_read_again(vault: Running, clock: Clock) -> None:
    store = VaultSecretStore(settings_for(vault.url), clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    vault.fake.put("providers/lambda", apikey="lam-key-2", webhook_secret="lam-hook-1")  # rotated
    clock.advance(TTL - 1)
    assert store.get("lambda", "apikey") == "lam-key-1"
    clock.advance(2)
    assert store.get("lambda", "apikey") == "lam-key-2"
    assert vault.fake.reads("lambda") == 2


def test_a_missing_secret_names_its_path_and_webhooks_fall_back_to_the_settings(vault: Running) -> None:
    settings = settings_for(vault.url, webhook_secret=SecretStr("shared-hook"))
    with pytest.raises(SecretUnavailable) as missing:
        provider_api_key(settings, "vast")
    assert "'vast'" in missing.value.message and "secret/providers/vast" in missing.value.message
    assert webhook_secret(settings, "vast") == "shared-hook"
    assert vault.fake.reads("vast") == 1  # the absence is cached like a value


# --- Vault failing ---------------------------------------------------------------------------------------


def test_while_vault_is_down_the_last_good_value_is_served(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeVault(clock)
    fake.put("providers/lambda", apikey="lam-key-1")
    with serve(fake.app) as url:
        store = VaultSecretStore(settings_for(url), clock=clock)
        assert store.get("lambda", "apikey") == "lam-key-1"
    # The server is gone: connections are refused.
    clock.advance(TTL + 1)
    with caplog.at_level(logging.WARNING, logger="core.secrets"):
        assert store.get("lambda", "apikey") == "lam-key-1"
        clock.advance(RETRY_AFTER_FAILURE_S - 1)
        assert store.get("lambda", "apikey") == "lam-key-1"  # not asked again yet
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Vault unreachable" in warnings[0] and "secret/providers/lambda" in warnings[0]
    assert "lam-key-1" not in logged(caplog)


def test_a_sealed_vault_serves_the_last_value_and_recovers(vault: Running, clock: Clock) -> None:
    store = VaultSecretStore(settings_for(vault.url), clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    vault.fake.sealed = True
    clock.advance(TTL + 1)
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.reads("lambda") == 2  # asked, got 503
    vault.fake.sealed = False
    vault.fake.put("providers/lambda", apikey="lam-key-2")
    clock.advance(RETRY_AFTER_FAILURE_S)
    assert store.get("lambda", "apikey") == "lam-key-2"


def test_a_secret_never_read_while_vault_is_down_fails_clearly() -> None:
    with vault_gone() as url:
        settings = settings_for(url)
        with pytest.raises(SecretUnavailable) as down:
            provider_api_key(settings, "lambda")
    error = down.value
    assert error.status == 503 and error.code == "secret_unavailable"
    assert "'lambda'" in error.message and "secret/providers/lambda" in error.message
    assert "unreachable" in error.message and "never read" in error.message
    assert ROOT_TOKEN not in error.message


def test_a_wrong_token_is_a_clear_error(vault: Running, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(vault.url, vault_token=SecretStr("hvs.not-a-token"))
    with pytest.raises(SecretUnavailable) as refused:
        provider_api_key(settings, "lambda")
    message = refused.value.message
    assert "permission denied" in message and "GPUBROKER_VAULT_TOKEN" in message
    assert "secret/providers/lambda" in message
    assert "hvs.not-a-token" not in message and "hvs.not-a-token" not in logged(caplog)
    assert vault.fake.reads("lambda") == 0  # refused at the token lookup, before any read


def test_vault_without_credentials_is_refused_at_once() -> None:
    with pytest.raises(SecretUnavailable, match="GPUBROKER_VAULT_TOKEN"):
        secret_store(Settings(vault_url="http://127.0.0.1:9"))


# --- the token's lifetime --------------------------------------------------------------------------------


def test_a_renewable_token_is_renewed_before_it_expires(vault: Running, clock: Clock) -> None:
    token = vault.fake.add_token(ttl_s=600, renewable=True)
    store = VaultSecretStore(settings_for(vault.url, vault_token=SecretStr(token)), clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.count("POST", "/v1/auth/token/renew-self") == 0
    clock.advance(450)  # past two thirds of the lease, and past the cache TTL
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.count("POST", "/v1/auth/token/renew-self") == 1
    clock.advance(450)  # past the token's first expiry: it lives on thanks to the renewal
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.count("POST", "/v1/auth/token/renew-self") == 2
    read = "/v1/secret/data/providers/lambda"
    renew = "/v1/auth/token/renew-self"
    assert [r.path for r in vault.fake.requests] == [
        "/v1/auth/token/lookup-self",
        read,
        renew,
        read,
        renew,
        read,
    ]


def test_approle_logs_in_again_when_its_token_cannot_be_renewed(vault: Running, clock: Clock) -> None:
    vault.fake.add_approle("role-gpubroker", "secret-id-1", ttl_s=60, renewable=False)
    settings = settings_for(
        vault.url,
        vault_role_id="role-gpubroker",
        vault_secret_id=SecretStr("secret-id-1"),
        vault_cache_ttl_s=30,
    )
    store = VaultSecretStore(settings, clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    clock.advance(61)  # the token has expired
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.count("POST", "/v1/auth/approle/login") == 2
    assert not any(r.path.endswith("renew-self") for r in vault.fake.requests)


def test_approle_logs_in_again_when_its_token_was_revoked(vault: Running, clock: Clock) -> None:
    vault.fake.add_approle("role-gpubroker", "secret-id-1", ttl_s=3600)
    settings = settings_for(
        vault.url, vault_role_id="role-gpubroker", vault_secret_id=SecretStr("secret-id-1")
    )
    store = VaultSecretStore(settings, clock=clock)
    assert store.get("lambda", "apikey") == "lam-key-1"
    for token_id in [t for t, v in vault.fake.tokens.items() if v.path == "auth/approle/login"]:
        del vault.fake.tokens[token_id]  # revoked behind our back
    clock.advance(TTL + 1)
    assert store.get("lambda", "apikey") == "lam-key-1"
    assert vault.fake.count("POST", "/v1/auth/approle/login") == 2


# --- the provider adapters -------------------------------------------------------------------------------


def live(url: str, providers: str = "lambda,runpod") -> Settings:
    return settings_for(url, live_providers=providers, http_retries=0, http_timeout_s=5.0)


def test_a_live_adapter_calls_its_provider_with_the_key_from_vault(vault: Running) -> None:
    provider = Provider(sequence(httpx.Response(200, json=recorded("lambda/instance_types.json"))))
    adapter = LambdaAdapter(live(vault.url), provider.client(), sleep=provider.sleeps.append)
    fetched = adapter.fetch()
    assert fetched.mode == "live" and fetched.rows
    assert provider.requests[0].headers["Authorization"] == "Bearer lam-key-1"
    assert vault.fake.reads("lambda") == 1


def test_an_adapter_in_snapshot_mode_never_asks_vault(vault: Running) -> None:
    adapter = RunpodAdapter(live(vault.url, providers="lambda"))
    assert adapter.fetch().mode == "snapshot"
    assert vault.fake.requests == []


def test_a_key_missing_from_vault_fails_that_provider_naming_the_path(vault: Running) -> None:
    provider = Provider(sequence(httpx.Response(500)))
    adapter = RunpodAdapter(live(vault.url), provider.client())  # built without raising
    with pytest.raises(AdapterError) as failed:
        adapter.fetch()
    assert "'runpod'" in str(failed.value) and "secret/providers/runpod" in str(failed.value)
    assert provider.requests == []


def test_a_live_adapter_whose_key_was_never_read_while_vault_is_down_fails_clearly() -> None:
    provider = Provider(sequence(httpx.Response(500)))
    with vault_gone() as url:
        adapter = LambdaAdapter(live(url), provider.client())
        with pytest.raises(AdapterError) as failed:
            adapter.fetch()
    message = str(failed.value)
    assert "'lambda'" in message and "secret/providers/lambda" in message and "unreachable" in message
    assert provider.requests == []


# --- booking webhooks ------------------------------------------------------------------------------------


@pytest.fixture
def pending(
    client: TestClient, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A submitted booking whose instance the test plays the provider of (no webhook is sent for it)."""
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    provisioner = QuietProvisioner()
    monkeypatch.setattr(booking.service, "provisioner_for", lambda provider_id, settings: provisioner)
    alice = register(client, tenant_name="Vault team")
    return submit(client, alice, create(client, alice, offer_ids(factory)[0])["id"])


def test_a_webhook_is_verified_with_the_secret_from_vault(
    client: TestClient, app: Any, pending: dict[str, Any], clock: Clock
) -> None:
    provider_id = pending["provider_id"]
    fake = FakeVault(clock)
    fake.put(f"providers/{provider_id}", webhook_secret="hook-from-vault")
    with serve(fake.app) as url:
        tune(app, vault_url=url, vault_token=SecretStr(ROOT_TOKEN))
        body = event_body("instance.running", pending["provider_ref"])
        refused = post_event(client, provider_id, body)  # signed with the settings' (dev) secret
        assert refused.status_code == 401, refused.text
        accepted = post_event(client, provider_id, body, secret="hook-from-vault")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == "active"
    assert fake.reads(provider_id) == 1  # the second delivery used the cached secret


def test_a_webhook_is_answered_503_while_its_secret_cannot_be_read(
    client: TestClient, app: Any, pending: dict[str, Any]
) -> None:
    with vault_gone() as url:
        tune(app, vault_url=url, vault_token=SecretStr(ROOT_TOKEN))
        body = event_body("instance.running", pending["provider_ref"])
        r = post_event(client, pending["provider_id"], body)
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "secret_unavailable" and f"providers/{pending['provider_id']}" in error["message"]
