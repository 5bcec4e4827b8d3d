"""The team's provider accounts and the users' SSH keys: what real provisioning needs from our side.

Provider credentials (``PUT/GET/DELETE /provider-credentials/{provider}``):

- **Checked before saving**: the provider's own cheap read call (``Provisioner.check``: STS
  ``GetCallerIdentity``, Lambda ``GET /instances``, RunPod ``myself``, Vast ``GET /users/current/``) must
  accept them; a refusal is a 422 quoting the provider's answer and nothing is stored.
- **Encrypted at rest** (``core.crypto``: Vault transit, else AES-256-GCM), bound to the team and provider,
  so a row copied elsewhere does not decrypt. Reads return the provider, a hint (``AKIA…WXYZ``, ``…x9Q2``),
  the account the provider named, and dates: never a value. Values are never logged, audited or exported
  (a team's credentials are no one person's data: the GDPR export leaves them out).
- **Audited**: ``provider_credentials.saved`` / ``.removed`` / ``.refused`` with the provider and hint only.
- **Broker mode**: ``GPUBROKER_BROKER_CREDENTIALS`` holds the operator's own accounts; a team that stored
  none for a provider books on the operator's (``credential_source = "broker"``).

SSH keys (``/ssh-keys``; in the user's GDPR export, erased with them): OpenSSH public keys (ed25519,
ECDSA, RSA of 2048 bits or more), parsed and fingerprinted like ``ssh-keygen -l`` (``SHA256:...``); a
private key pasted by mistake is refused without being stored or echoed. A user's first key is their
default when booking.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accounts.gdpr import register_source
from accounts.service import Ctx, Principal, now_utc, record
from booking.errors import CredentialsRefused, NoCredentials, NoSshKey, ProviderError
from booking.models import ProviderCredential, SshKey
from booking.provisioners import CREDENTIAL_FIELDS, Credentials, has_provisioner, provisioner_for
from core import crypto
from core.db import session_scope
from core.errors import Conflict, InvalidInput, NotFound
from core.settings import Settings

CREDENTIALS_PAGE = "/account/provider-credentials"
SSH_KEYS_PAGE = "/account/ssh-keys"
MAX_SSH_KEYS = 20
SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)


def _context(tenant_id: str, provider_id: str) -> str:
    return f"provider-credentials:{tenant_id}:{provider_id}"


def _hint(provider_id: str, values: Mapping[str, str]) -> str:
    if provider_id == "aws":
        key = values["access_key_id"]
        return f"{key[:4]}…{key[-4:]}" if len(key) > 8 else "…"
    key = values["api_key"]
    return f"…{key[-4:]}" if len(key) > 8 else "…"


def _check_provider(provider_id: str) -> tuple[str, ...]:
    fields = CREDENTIAL_FIELDS.get(provider_id)
    if fields is None:
        known = ", ".join(sorted(CREDENTIAL_FIELDS))
        raise NotFound(
            f"no provisioning for provider {provider_id[:40]!r}: credentials are taken for {known}",
            code="unknown_provider",
        )
    return fields


def _clean_values(provider_id: str, values: Mapping[str, object]) -> dict[str, str]:
    fields = _check_provider(provider_id)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InvalidInput(
            f"{provider_id} credentials have the fields {', '.join(fields)}",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    clean: dict[str, str] = {}
    for name in fields:
        value = values.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 2000:
            raise InvalidInput(
                f"{name} is required: a non-empty string of at most 2000 characters",
                details=[{"field": name}],
            )
        if any(c.isspace() for c in value.strip()) or not value.strip().isprintable():
            raise InvalidInput(
                f"{name} must not contain spaces or control characters", details=[{"field": name}]
            )
        clean[name] = value.strip()
    return clean


def list_credentials(session: Session, principal: Principal) -> list[ProviderCredential]:
    query = (
        select(ProviderCredential)
        .where(ProviderCredential.tenant_id == principal.tenant_id)
        .order_by(ProviderCredential.provider_id)
    )
    return list(session.execute(query).scalars())


def _stored(session: Session, tenant_id: str, provider_id: str) -> ProviderCredential | None:
    query = select(ProviderCredential).where(
        ProviderCredential.tenant_id == tenant_id, ProviderCredential.provider_id == provider_id
    )
    return session.execute(query).scalar_one_or_none()


def put_credentials(
    session: Session, ctx: Ctx, principal: Principal, provider_id: str, values: Mapping[str, object]
) -> ProviderCredential:
    """Checks the credentials with the provider, then stores them encrypted (replacing the team's old ones)."""
    clean = _clean_values(provider_id, values)
    hint = _hint(provider_id, clean)
    try:
        account = provisioner_for(provider_id, ctx.settings, Credentials(provider_id, clean)).check()
    except (CredentialsRefused, ProviderError) as exc:
        record(
            session,
            ctx,
            "provider_credentials.refused",
            "failure",
            tenant_id=principal.tenant_id,
            actor=principal.actor,
            target=f"provider:{provider_id}",
            details={"provider": provider_id, "hint": hint, "answer": exc.message[:300]},
        )
        if isinstance(exc, CredentialsRefused):
            raise CredentialsRefused(
                f"{provider_id} did not accept these credentials: {exc.message}",
                details={"provider": provider_id, "provider_answer": exc.message},
            ) from None
        raise
    cipher = crypto.cipher(ctx.settings)
    ciphertext = cipher.encrypt(orjson.dumps(clean), _context(principal.tenant_id, provider_id))
    now = now_utc()
    row = _stored(session, principal.tenant_id, provider_id)
    created = row is None
    if row is None:
        row = ProviderCredential(
            id=str(uuid.uuid4()),
            tenant_id=principal.tenant_id,
            provider_id=provider_id,
            created_at=now,
        )
        session.add(row)
    row.ciphertext = ciphertext
    row.cipher = cipher.name
    row.hint = hint
    row.account = account[:300]
    row.created_by = principal.user_id
    row.updated_at = now
    row.validated_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("the credentials were saved by someone else meanwhile; try again") from None
    record(
        session,
        ctx,
        "provider_credentials.saved",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"provider:{provider_id}",
        details={"provider": provider_id, "hint": hint, "replaced": not created, "cipher": cipher.name},
    )
    return row


def delete_credentials(session: Session, ctx: Ctx, principal: Principal, provider_id: str) -> None:
    _check_provider(provider_id)
    row = _stored(session, principal.tenant_id, provider_id)
    if row is None:
        raise NotFound(f"your team has no {provider_id} credentials", code="no_provider_credentials")
    hint = row.hint
    session.delete(row)
    session.flush()
    record(
        session,
        ctx,
        "provider_credentials.removed",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"provider:{provider_id}",
        details={"provider": provider_id, "hint": hint},
    )


@dataclass(frozen=True)
class Account:
    credentials: Credentials
    source: str  # "team" | "broker"


def broker_credentials(settings: Settings, provider_id: str) -> Credentials | None:
    values = settings.broker_credentials.get(provider_id)
    if not values:
        return None
    return Credentials(provider_id, {k: v.get_secret_value() for k, v in values.items()})


def account_for(session: Session, settings: Settings, tenant_id: str, provider_id: str) -> Account | None:
    """The account a booking of ``tenant_id`` at ``provider_id`` runs on: the team's own, else the operator's
    (broker mode), else None."""
    row = _stored(session, tenant_id, provider_id)
    if row is not None:
        plain = crypto.cipher(settings).decrypt(row.ciphertext, _context(tenant_id, provider_id))
        return Account(Credentials(provider_id, orjson.loads(plain)), "team")
    broker = broker_credentials(settings, provider_id)
    return Account(broker, "broker") if broker is not None else None


def require_account(session: Session, settings: Settings, tenant_id: str, provider_id: str) -> Account:
    """409 naming the provider and the page where credentials are added, when there is no account."""
    account = account_for(session, settings, tenant_id, provider_id) if has_provisioner(provider_id) else None
    if account is None:
        raise NoCredentials(
            f"your team has no {provider_id} credentials: an admin adds them at {CREDENTIALS_PAGE} "
            f"(PUT /provider-credentials/{provider_id})",
            details={"provider": provider_id, "page": CREDENTIALS_PAGE},
        )
    return account


# --- SSH keys --------------------------------------------------------------------------------------------


def parse_public_key(text: str) -> tuple[str, str, str]:
    """(normalised ``type base64``, comment, ``SHA256:`` fingerprint), or 422 naming ``public_key``."""
    value = " ".join((text or "").split())
    if "PRIVATE KEY" in value:
        raise InvalidInput(
            "that is a private key: paste the public key (the .pub file) and keep the private one secret",
            details=[{"field": "public_key"}],
        )
    parts = value.split(" ", 2)
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise InvalidInput(
            f"public_key must be an OpenSSH public key starting with one of {', '.join(SSH_KEY_TYPES)}",
            details=[{"field": "public_key"}],
        )
    try:
        blob = base64.b64decode(parts[1], validate=True)
        key = load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except ValueError:
        raise InvalidInput(
            "public_key is not a valid OpenSSH public key", details=[{"field": "public_key"}]
        ) from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise InvalidInput(
            f"RSA keys need at least 2048 bits (this one has {key.key_size})",
            details=[{"field": "public_key"}],
        )
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"{parts[0]} {parts[1]}", (parts[2] if len(parts) > 2 else ""), fingerprint


def list_ssh_keys(session: Session, principal: Principal) -> list[SshKey]:
    query = select(SshKey).where(SshKey.user_id == principal.user_id).order_by(SshKey.created_at, SshKey.id)
    return list(session.execute(query).scalars())


def add_ssh_key(
    session: Session, ctx: Ctx, principal: Principal, name: str | None, public_key: str
) -> SshKey:
    material, comment, fingerprint = parse_public_key(public_key)
    label = (name or "").strip() or comment.strip() or fingerprint[:20]
    if len(label) > 100 or not label.isprintable():
        raise InvalidInput("name must be at most 100 printable characters", details=[{"field": "name"}])
    if len(list_ssh_keys(session, principal)) >= MAX_SSH_KEYS:
        raise Conflict(f"at most {MAX_SSH_KEYS} SSH keys per user", code="too_many_ssh_keys")
    key = SshKey(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        name=label,
        public_key=material,
        fingerprint=fingerprint,
        created_at=now_utc(),
    )
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        raise Conflict(
            f"you already have this key ({fingerprint})",
            code="duplicate_ssh_key",
            details={"fingerprint": fingerprint},
        ) from None
    record(
        session,
        ctx,
        "ssh_key.added",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"ssh_key:{key.id}",
        details={"fingerprint": fingerprint, "name": label},
    )
    return key


def delete_ssh_key(session: Session, ctx: Ctx, principal: Principal, key_id: str) -> None:
    key = session.get(SshKey, key_id) if len(key_id) <= 36 else None
    if key is None or key.user_id != principal.user_id:
        raise NotFound(f"SSH key {key_id!r} not found")
    fingerprint = key.fingerprint
    session.delete(key)
    session.flush()
    record(
        session,
        ctx,
        "ssh_key.removed",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"ssh_key:{key_id}",
        details={"fingerprint": fingerprint},
    )


def key_for_booking(session: Session, principal: Principal, key_id: str | None) -> SshKey:
    """The chosen key, or the user's first (default); 409 naming the page when they have none."""
    if key_id:
        key = session.get(SshKey, key_id) if len(key_id) <= 36 else None
        if key is None or key.user_id != principal.user_id:
            raise InvalidInput(f"no SSH key {key_id!r} of yours", details=[{"field": "ssh_key_id"}])
        return key
    keys = list_ssh_keys(session, principal)
    if not keys:
        raise NoSshKey(
            f"add an SSH public key first ({SSH_KEYS_PAGE}, or POST /ssh-keys): the instance lets in only your key",
            details={"page": SSH_KEYS_PAGE},
        )
    return keys[0]


class SshKeysData:
    """The user's SSH public keys in the GDPR export, and gone on erasure. (Provider credentials are the
    team's, not the person's: they are neither exported nor erased with a user.)"""

    name = "ssh_keys"

    async def export(self, app_state: Any, user_id: str) -> Any:
        def rows() -> list[dict[str, Any]]:
            with session_scope(app_state.session_factory) as session:
                keys = session.execute(
                    select(SshKey).where(SshKey.user_id == user_id).order_by(SshKey.created_at)
                )
                return [
                    {
                        "id": k.id,
                        "name": k.name,
                        "public_key": k.public_key,
                        "fingerprint": k.fingerprint,
                        "created_at": k.created_at.isoformat(),
                    }
                    for k in keys.scalars()
                ]

        return await run_in_threadpool(rows)

    async def erase(self, app_state: Any, user_id: str) -> int:
        def work() -> int:
            with session_scope(app_state.session_factory) as session:
                keys = list(session.execute(select(SshKey).where(SshKey.user_id == user_id)).scalars())
                for k in keys:
                    session.delete(k)
                return len(keys)

        return await run_in_threadpool(work)


register_source(SshKeysData())
