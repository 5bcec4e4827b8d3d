"""A software WebAuthn authenticator that produces real attestations and assertions.

It holds an EC P-256 key pair and answers ``navigator.credentials.create()`` / ``.get()`` options the
way a security key does: ``clientDataJSON`` with the challenge and origin, ``authenticatorData`` with
the SHA-256 of the RP id, the flags (user present, user verified, attested credential data), the
signature counter and the credential's COSE key, a CBOR ``attestationObject`` in the ``none`` or
``packed`` (self-attestation) format, and ECDSA-SHA256 signatures over
``authenticatorData || SHA-256(clientDataJSON)``. Nothing is mocked on the server side.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.encode_cbor import encode_cbor

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
COSE_ES256 = -7


class SoftAuthenticator:
    def __init__(self, rp_id: str, origin: str, fmt: str = "none") -> None:
        self.rp_id = rp_id
        self.origin = origin
        self.fmt = fmt
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.aaguid = bytes(16)

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor(
            {1: 2, 3: COSE_ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def _authenticator_data(self, flags: int, attested: bool, rp_id: str | None = None) -> bytes:
        data = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        data += bytes([flags]) + self.sign_count.to_bytes(4, "big")
        if attested:
            data += self.aaguid + len(self.credential_id).to_bytes(2, "big") + self.credential_id
            data += self.cose_public_key()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        ).encode()

    def _sign(self, authenticator_data: bytes, client_data: bytes) -> bytes:
        return self.key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )

    def create(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None
    ) -> dict[str, Any]:
        """The answer of ``navigator.credentials.create(options)``."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = self._authenticator_data(FLAG_UP | FLAG_UV | FLAG_AT, attested=True, rp_id=rp_id)
        statement: dict[str, Any] = {}
        if self.fmt == "packed":
            # Self-attestation: the credential key signs its own attestation, no certificate.
            statement = {"alg": COSE_ES256, "sig": self._sign(auth_data, client_data)}
        attestation = encode_cbor({"fmt": self.fmt, "attStmt": statement, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        count_up: bool = True,
        verified: bool = True,
    ) -> dict[str, Any]:
        """The answer of ``navigator.credentials.get(options)``; each use moves the counter on."""
        if count_up:
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._authenticator_data(FLAG_UP | (FLAG_UV if verified else 0), attested=False)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(self._sign(auth_data, client_data)),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }
