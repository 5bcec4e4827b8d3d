"""Password hashing (argon2id), opaque random tokens, digests, and encryption of stored secrets.

TOTP seeds must be readable by the server, so they are encrypted (Fernet) with a key derived from the
JWT secret rather than hashed; everything a user only ever presents (recovery codes, invitation
tokens) is stored as a SHA-256 digest.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps the response time the same, so the
# timing does not tell an attacker which emails are registered.
_DUMMY_HASH = _hasher.hash("gpubroker-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        dummy_verify(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def dummy_verify(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password + "\x01")


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(b"gpubroker:secret-box:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str, plaintext: str) -> str:
    return _fernet(secret).encrypt(plaintext.encode()).decode()


def decrypt(secret: str, ciphertext: str) -> str | None:
    try:
        return _fernet(secret).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return None
