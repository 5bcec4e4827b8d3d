"""Encryption at rest of the teams' provider credentials (core.crypto): the key's format, AES-256-GCM bound
to its record, and Vault's transit engine driven by hvac over HTTP against tests/core/vault_fake.py."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.credentials import account_for
from booking.models import ProviderCredential
from core import crypto
from core.secrets import SecretUnavailable, reset_secret_stores
from core.settings import Environment, Settings
from tests.booking.conftest import Clouds, register, tune
from tests.core.vault_fake import ROOT_TOKEN, FakeVault
from tests.support import serve


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_the_encryption_key_is_32_bytes_of_base64_and_never_echoed() -> None:
    assert Settings(encryption_key=SecretStr(key())).encryption_key is not None
    raw = os.urandom(32)
    for spelling in (
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ):
        assert (
            crypto.cipher(Settings(encryption_key=SecretStr(spelling))).decrypt(
                crypto.AesGcmCipher(raw).encrypt(b"same key", "ctx"), "ctx"
            )
            == b"same key"
        )
    for bad in ("not base64 at all!", base64.b64encode(b"short").decode()):
        with pytest.raises(ValidationError) as caught:
            Settings(encryption_key=SecretStr(bad))
        assert "GPUBROKER_ENCRYPTION_KEY" in str(caught.value) and bad not in str(caught.value)
    problems = Settings(env=Environment.PRODUCTION).production_problems()
    assert any("GPUBROKER_ENCRYPTION_KEY" in p for p in problems)
    assert not any(
        "GPUBROKER_ENCRYPTION_KEY" in p
        for p in Settings(env=Environment.PRODUCTION, encryption_key=SecretStr(key())).production_problems()
    )


def test_aes_gcm_round_trips_only_with_its_key_and_its_record() -> None:
    cipher = crypto.cipher(Settings(encryption_key=SecretStr(key())))
    token = cipher.encrypt(b'{"api_key": "secret-value"}', "provider-credentials:team-a:lambda")
    assert token.startswith("gcm1:") and "secret-value" not in token
    assert cipher.decrypt(token, "provider-credentials:team-a:lambda") == b'{"api_key": "secret-value"}'
    assert cipher.encrypt(b"x", "c") != cipher.encrypt(b"x", "c")  # a fresh nonce each time
    with pytest.raises(crypto.DecryptionFailed):
        cipher.decrypt(token, "provider-credentials:team-b:lambda")  # copied onto another team
    with pytest.raises(crypto.DecryptionFailed):
        crypto.cipher(Settings(encryption_key=SecretStr(key()))).decrypt(
            token, "provider-credentials:team-a:lambda"
        )
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionFailed):
        cipher.decrypt(tampered, "provider-credentials:team-a:lambda")


@pytest.fixture
def vault() -> Iterator[tuple[FakeVault, str]]:
    reset_secret_stores()
    fake = FakeVault()
    with serve(fake.app) as url:
        yield fake, url
    reset_secret_stores()


def test_with_vault_credentials_are_encrypted_by_its_transit_engine(
    client: TestClient,
    app: Any,
    db: Session,
    clouds: Clouds,
    vault: tuple[FakeVault, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = vault
    tune(app, vault_url=url, vault_token=SecretStr(ROOT_TOKEN))
    admin = register(client, tenant_name="Vaulted")
    caplog.set_level(logging.DEBUG)
    r = client.put("/provider-credentials/lambda", json=clouds.credentials("lambda"), headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["cipher"] == "vault-transit"
    assert fake.count("POST", "/v1/transit/encrypt/gpubroker-credentials") == 1
    stored = db.execute(
        select(ProviderCredential).where(ProviderCredential.tenant_id == admin.tenant_id)
    ).scalar_one()
    assert stored.ciphertext.startswith("vault:v1:") and "lambda-key" not in stored.ciphertext

    # Vault rotates the key: what version 1 wrote still decrypts, and booking reads it back.
    assert fake.rotate("gpubroker-credentials") == 2
    account = account_for(db, app.state.settings, admin.tenant_id, "lambda")
    assert account is not None and account.credentials["api_key"] == clouds.credentials("lambda")["api_key"]
    assert fake.count("POST", "/v1/transit/decrypt/gpubroker-credentials") == 1
    assert "lambda-key-0123456789" not in caplog.text

    # A Vault that refuses (a revoked token) is a 503 naming the key, never a silent fallback.
    tune(app, vault_token=SecretStr("hvs.revoked"))
    reset_secret_stores()
    with pytest.raises(SecretUnavailable) as caught:
        account_for(db, app.state.settings, admin.tenant_id, "lambda")
    assert "transit" in caught.value.message
