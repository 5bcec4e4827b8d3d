"""Encryption at rest of what we must be able to read back (the teams' provider credentials).

Two ciphers behind one interface, chosen by settings:

- **Vault's transit engine** when ``GPUBROKER_VAULT_URL`` is set: ``POST /v1/<transit mount>/encrypt/<key>``
  and ``/decrypt/<key>``. The key never leaves Vault; we store its ``vault:v<N>:...`` ciphertext, so a key
  rotated in Vault keeps decrypting what older versions wrote.
- **AES-256-GCM** with ``GPUBROKER_ENCRYPTION_KEY`` (32 random bytes, base64) otherwise: a fresh 96-bit
  nonce per message, stored as ``gcm1:<base64(nonce || ciphertext || tag)>``. Production refuses to start
  with neither (``Settings.production_problems``); on a laptop an unset key falls back to a fixed,
  public development key, with a warning, so ``make run`` can store credentials.

Every ciphertext is bound to what it belongs to (the *associated data*: ``provider-credentials:<team>:<provider>``
for credentials): a row copied onto another team or provider does not decrypt. Plaintext and keys are
never logged; errors name the cipher only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import AppError
from core.settings import Settings, encryption_key_bytes

log = logging.getLogger(__name__)

GCM_PREFIX = "gcm1:"
VAULT_PREFIX = "vault:"
NONCE_BYTES = 12
# Public on purpose: it only keeps `make run` working without configuration; production refuses it.
DEV_ENCRYPTION_KEY = hashlib.sha256(b"gpubroker-dev-encryption-key-do-not-use-in-production").digest()


class DecryptionFailed(AppError):
    """A stored ciphertext could not be read back: another key, another row's data, or tampering."""

    code = "decryption_failed"
    status = 500


class Cipher(Protocol):
    name: str

    def encrypt(self, plaintext: bytes, context: str) -> str: ...

    def decrypt(self, token: str, context: str) -> bytes: ...


class AesGcmCipher:
    name = "aes-256-gcm"

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode())
        return GCM_PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, context: str) -> bytes:
        if not token.startswith(GCM_PREFIX):
            raise DecryptionFailed("this value was not encrypted with GPUBROKER_ENCRYPTION_KEY")
        try:
            raw = base64.b64decode(token[len(GCM_PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionFailed(
                "a stored secret could not be decrypted (another GPUBROKER_ENCRYPTION_KEY, or altered data)"
            ) from None


class VaultTransitCipher:
    name = "vault-transit"

    def __init__(self, settings: Settings) -> None:
        from core.secrets import VaultSecretStore, secret_store

        store = secret_store(settings)
        assert isinstance(store, VaultSecretStore)  # nosec B101  # built only when the secret store is Vault
        self._store = store
        self._mount = settings.vault_transit_mount.strip("/")
        self._key = settings.vault_transit_key

    def encrypt(self, plaintext: bytes, context: str) -> str:
        # The context is mixed into what transit encrypts (our own framing), so the associated data is
        # checked on decrypt without a derived transit key.
        framed = context.encode() + b"\n" + plaintext
        return self._store.transit(
            "encrypt", self._mount, self._key, plaintext=base64.b64encode(framed).decode()
        )

    def decrypt(self, token: str, context: str) -> bytes:
        if not token.startswith(VAULT_PREFIX):
            raise DecryptionFailed("this value was not encrypted by Vault's transit engine")
        encoded = self._store.transit("decrypt", self._mount, self._key, ciphertext=token)
        framed = base64.b64decode(encoded)
        head, _, body = framed.partition(b"\n")
        if head != context.encode():
            raise DecryptionFailed("a stored secret belongs to another record")
        return body


def cipher(settings: Settings) -> Cipher:
    """Vault's transit engine when Vault is configured, else AES-GCM with the configured (or dev) key."""
    if settings.vault_url:
        return VaultTransitCipher(settings)
    if settings.encryption_key is None:
        log.warning("GPUBROKER_ENCRYPTION_KEY is unset: stored credentials use the public development key")
        return AesGcmCipher(DEV_ENCRYPTION_KEY)
    return AesGcmCipher(encryption_key_bytes(settings.encryption_key.get_secret_value()))
