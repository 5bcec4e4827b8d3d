"""A fake HashiCorp Vault that speaks the real HTTP API, for tests that drive ``hvac`` over HTTP.

The paths, bodies and status codes are Vault's, as its API docs give them:

- ``GET /v1/<mount>/data/<path>``: KV v2 read, ``{"data": {"data": {...}, "metadata": {"created_time",
  "custom_metadata", "deletion_time", "destroyed", "version"}}}`` in Vault's response envelope
  (``request_id``, ``lease_id``, ``renewable``, ``lease_duration``, ``wrap_info``, ``warnings``, ``auth``);
  404 ``{"errors": []}`` when there is no such secret.
- ``POST /v1/auth/approle/login`` ``{"role_id", "secret_id"}``: ``{"auth": {"client_token", "accessor",
  "policies", "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type",
  "orphan"}}``; 400 ``{"errors": ["invalid role or secret ID"]}``.
- ``GET /v1/auth/token/lookup-self``: ``{"data": {"accessor", "creation_time", "creation_ttl", "ttl",
  "renewable", "policies", ...}}``.
- ``POST /v1/auth/token/renew-self``: ``{"auth": {..., "lease_duration", "renewable"}}``; 400 for a token
  that is not renewable.
- ``GET /v1/sys/health``: 200 ``{"initialized", "sealed", "standby", ...}``, 503 when sealed.
- The transit secrets engine (https://developer.hashicorp.com/vault/api-docs/secret/transit), mounted at
  ``transit``: ``POST /v1/transit/encrypt/<key>`` ``{"plaintext": <base64>}`` ->
  ``{"data": {"ciphertext": "vault:v<N>:<base64>", "key_version": N}}`` (the key is created on first use,
  as Vault's upsert does); ``POST /v1/transit/decrypt/<key>`` ``{"ciphertext"}`` -> ``{"data": {"plaintext":
  <base64>}}``; 400 ``{"errors": ["encryption key not found"]}`` for an unknown key, 400 ``{"errors":
  ["cipher: message authentication failed"]}`` for a ciphertext that does not decrypt. Keys are real
  AES-256-GCM keys held by the fake, versioned by :meth:`FakeVault.rotate`.

Everything but login and health needs a live token in ``X-Vault-Token``: 403
``{"errors": ["permission denied"]}`` otherwise. Tokens expire on the test's :class:`Clock`; a sealed
Vault answers 503 ``{"errors": ["Vault is sealed"]}``. Every request is recorded, so a test can count
what reached Vault.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROOT_TOKEN = "hvs.fake-root-token"


class Clock:
    """A monotonic clock a test moves by hand; the fake's token expiry and the store's cache share it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Token:
    id: str
    ttl_s: int  # 0: never expires (as a root token)
    renewable: bool
    created_at: float
    expires_at: float | None
    policies: list[str]
    path: str
    display_name: str
    meta: dict[str, str] | None = None
    accessor: str = field(default_factory=lambda: uuid.uuid4().hex[:24])


@dataclass
class Seen:
    method: str
    path: str
    token: str | None
    traceparent: str | None = None


def _envelope(*, data: Any = None, auth: Any = None) -> dict[str, Any]:
    return {
        "request_id": str(uuid.uuid4()),
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        "data": data,
        "wrap_info": None,
        "warnings": None,
        "auth": auth,
    }


def _errors(status: int, *errors: str) -> JSONResponse:
    return JSONResponse({"errors": list(errors)}, status_code=status)


class FakeVault:
    def __init__(self, clock: Clock | None = None, mount: str = "secret") -> None:
        self.clock = clock or Clock()
        self.mount = mount
        self.sealed = False
        self.secrets: dict[str, list[dict[str, Any]]] = {}  # path -> versions, oldest first
        self.transit_keys: dict[str, list[bytes]] = {}  # transit key name -> versions, oldest first
        self.tokens: dict[str, Token] = {}
        self.approles: dict[str, tuple[str, int, bool]] = {}  # role_id -> (secret_id, ttl, renewable)
        self.requests: list[Seen] = []
        self.add_token(ROOT_TOKEN, ttl_s=0, renewable=False, policies=["root"], path="auth/token/root")
        self.app = self._build()

    # --- set-up -----------------------------------------------------------------------------------------

    def put(self, path: str, **data: str) -> int:
        """A new version of the KV v2 secret at ``path`` (under the mount); its version number."""
        versions = self.secrets.setdefault(path, [])
        versions.append(
            {
                "data": dict(data),
                "created_time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "version": len(versions) + 1,
            }
        )
        return len(versions)

    def add_token(
        self,
        token_id: str | None = None,
        *,
        ttl_s: int = 3600,
        renewable: bool = True,
        policies: list[str] | None = None,
        path: str = "auth/token/create",
        meta: dict[str, str] | None = None,
    ) -> str:
        token_id = token_id or f"hvs.{uuid.uuid4().hex}"
        now = self.clock()
        self.tokens[token_id] = Token(
            id=token_id,
            ttl_s=ttl_s,
            renewable=renewable,
            created_at=now,
            expires_at=now + ttl_s if ttl_s > 0 else None,
            policies=policies or ["default", "gpubroker"],
            path=path,
            display_name="token" if path.startswith("auth/token") else "approle",
            meta=meta,
        )
        return token_id

    def add_approle(self, role_id: str, secret_id: str, *, ttl_s: int = 3600, renewable: bool = True) -> None:
        self.approles[role_id] = (secret_id, ttl_s, renewable)

    # --- what reached it --------------------------------------------------------------------------------

    def rotate(self, key: str) -> int:
        """A new version of the transit key; older versions still decrypt. Returns the new version."""
        versions = self.transit_keys.setdefault(key, [])
        versions.append(os.urandom(32))
        return len(versions)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    def reads(self, provider: str) -> int:
        return self.count("GET", f"/v1/{self.mount}/data/providers/{provider}")

    # --- the API ----------------------------------------------------------------------------------------

    def _live_token(self, request: Request) -> Token | None:
        token = self.tokens.get(request.headers.get("X-Vault-Token", ""))
        if token is None or (token.expires_at is not None and self.clock() >= token.expires_at):
            return None
        return token

    def _token_auth(self, token: Token, lease: int) -> dict[str, Any]:
        return {
            "client_token": token.id,
            "accessor": token.accessor,
            "policies": token.policies,
            "token_policies": token.policies,
            "metadata": token.meta,
            "lease_duration": lease,
            "renewable": token.renewable,
            "entity_id": "",
            "token_type": "service",
            "orphan": True,
        }

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Any:
            headers = request.headers
            self.requests.append(
                Seen(
                    request.method, request.url.path, headers.get("X-Vault-Token"), headers.get("traceparent")
                )
            )
            if self.sealed and request.url.path != "/v1/sys/health":
                return _errors(503, "Vault is sealed")
            return await call_next(request)

        @app.get("/v1/sys/health")
        def health() -> JSONResponse:
            body = {
                "initialized": True,
                "sealed": self.sealed,
                "standby": False,
                "performance_standby": False,
                "replication_performance_mode": "disabled",
                "replication_dr_mode": "disabled",
                "server_time_utc": int(time.time()),
                "version": "1.17.0",
                "cluster_name": "vault-cluster-fake",
                "cluster_id": "5f0e8c4e-1d7a-4c1e-9d0e-3b6f1f2a7c11",
            }
            return JSONResponse(body, status_code=503 if self.sealed else 200)

        @app.post("/v1/auth/approle/login")
        async def approle_login(request: Request) -> JSONResponse:
            body = await request.json()
            role = self.approles.get(str(body.get("role_id")))
            if role is None or role[0] != body.get("secret_id"):
                return _errors(400, "invalid role or secret ID")
            _secret_id, ttl, renewable = role
            token_id = self.add_token(
                ttl_s=ttl,
                renewable=renewable,
                path="auth/approle/login",
                meta={"role_name": "gpubroker"},
            )
            return JSONResponse(_envelope(auth=self._token_auth(self.tokens[token_id], ttl)))

        @app.get("/v1/auth/token/lookup-self")
        def lookup_self(request: Request) -> JSONResponse:
            token = self._live_token(request)
            if token is None:
                return _errors(403, "permission denied")
            left = int(token.expires_at - self.clock()) if token.expires_at is not None else 0
            data = {
                "accessor": token.accessor,
                "creation_time": int(time.time()),
                "creation_ttl": token.ttl_s,
                "display_name": token.display_name,
                "entity_id": "",
                "expire_time": None,
                "explicit_max_ttl": 0,
                "id": token.id,
                "issue_time": datetime.now(UTC).isoformat(),
                "meta": token.meta,
                "num_uses": 0,
                "orphan": True,
                "path": token.path,
                "policies": token.policies,
                "renewable": token.renewable,
                "ttl": left,
                "type": "service",
            }
            return JSONResponse(_envelope(data=data))

        @app.post("/v1/auth/token/renew-self")
        def renew_self(request: Request) -> JSONResponse:
            token = self._live_token(request)
            if token is None:
                return _errors(403, "permission denied")
            if not token.renewable or token.expires_at is None:
                return _errors(400, "lease is not renewable")
            token.expires_at = self.clock() + token.ttl_s
            return JSONResponse(_envelope(auth=self._token_auth(token, token.ttl_s)))

        @app.post("/v1/transit/encrypt/{key}")
        async def transit_encrypt(key: str, request: Request) -> JSONResponse:
            if self._live_token(request) is None:
                return _errors(403, "permission denied")
            body = await request.json()
            try:
                plaintext = base64.b64decode(body.get("plaintext") or "", validate=True)
            except binascii.Error:
                return _errors(400, "failed to base64-decode plaintext")
            if key not in self.transit_keys:
                self.rotate(key)
            version = len(self.transit_keys[key])
            nonce = os.urandom(12)
            sealed = AESGCM(self.transit_keys[key][-1]).encrypt(nonce, plaintext, None)
            ciphertext = f"vault:v{version}:" + base64.b64encode(nonce + sealed).decode()
            return JSONResponse(_envelope(data={"ciphertext": ciphertext, "key_version": version}))

        @app.post("/v1/transit/decrypt/{key}")
        async def transit_decrypt(key: str, request: Request) -> JSONResponse:
            if self._live_token(request) is None:
                return _errors(403, "permission denied")
            if key not in self.transit_keys:
                return _errors(400, "encryption key not found")
            body = await request.json()
            prefix, _, rest = str(body.get("ciphertext") or "").partition(":")
            version, _, payload = rest.partition(":")
            try:
                raw = base64.b64decode(payload, validate=True)
                aead = AESGCM(self.transit_keys[key][int(version.lstrip("v")) - 1])
                plaintext = aead.decrypt(raw[:12], raw[12:], None)
            except (binascii.Error, ValueError, IndexError, InvalidTag):
                return _errors(400, "cipher: message authentication failed")
            if prefix != "vault":
                return _errors(400, "invalid ciphertext: no prefix")
            return JSONResponse(_envelope(data={"plaintext": base64.b64encode(plaintext).decode()}))

        @app.get("/v1/{mount}/data/{path:path}")
        def kv_read(mount: str, path: str, request: Request) -> JSONResponse:
            if self._live_token(request) is None:
                return _errors(403, "permission denied")
            versions = self.secrets.get(path) if mount == self.mount else None
            if not versions:
                return _errors(404)
            latest = versions[-1]
            metadata = {
                "created_time": latest["created_time"],
                "custom_metadata": None,
                "deletion_time": "",
                "destroyed": False,
                "version": latest["version"],
            }
            return JSONResponse(_envelope(data={"data": latest["data"], "metadata": metadata}))

        return app
