"""The team's provider accounts (``/provider-credentials``) and the user's SSH keys (``/ssh-keys``).

Thin: validate, call ``booking.credentials``, return. No answer ever carries a credential's value; the
request body of a ``PUT`` is the only place one appears, and it is neither logged nor audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from booking import credentials
from booking.deps import BookingCtx, CanManageSshKeys, CanReadCredentials, CanWriteCredentials
from booking.models import ProviderCredential
from booking.provisioners import CREDENTIAL_FIELDS
from booking.schemas import (
    CredentialsIn,
    CredentialsList,
    CredentialsOut,
    ProviderAccountOut,
    SshKeyIn,
    SshKeyList,
    SshKeyOut,
)
from core.deps import DbSession

router = APIRouter()


def credentials_out(row: ProviderCredential) -> CredentialsOut:
    return CredentialsOut.model_validate(
        {**{k: getattr(row, k) for k in CredentialsOut.model_fields if k != "status"}, "status": "stored"}
    )


@router.get("/provider-credentials", response_model=CredentialsList, tags=["provider credentials"])
def list_provider_credentials(
    principal: CanReadCredentials, session: DbSession, ctx: BookingCtx
) -> CredentialsList:
    """Every provider that can be booked for real, and whether the team has an account there."""
    stored = {row.provider_id: row for row in credentials.list_credentials(session, principal)}
    items = []
    for provider_id in sorted(CREDENTIAL_FIELDS):
        row = stored.get(provider_id)
        if row is not None:
            items.append(
                ProviderAccountOut(provider_id=provider_id, status="stored", credentials=credentials_out(row))
            )
        else:
            broker = credentials.broker_credentials(ctx.settings, provider_id) is not None
            items.append(
                ProviderAccountOut(
                    provider_id=provider_id, status="broker" if broker else "missing", credentials=None
                )
            )
    return CredentialsList(items=items)


@router.put(
    "/provider-credentials/{provider_id}", response_model=CredentialsOut, tags=["provider credentials"]
)
def put_provider_credentials(
    provider_id: str, body: CredentialsIn, principal: CanWriteCredentials, session: DbSession, ctx: BookingCtx
) -> CredentialsOut:
    """Checks the credentials with a cheap read call at the provider (422 quoting its answer when refused),
    then stores them encrypted, replacing the team's previous ones."""
    row = credentials.put_credentials(session, ctx, principal, provider_id, body.values())
    return credentials_out(row)


@router.delete("/provider-credentials/{provider_id}", status_code=204, tags=["provider credentials"])
def delete_provider_credentials(
    provider_id: str, principal: CanWriteCredentials, session: DbSession, ctx: BookingCtx
) -> Response:
    credentials.delete_credentials(session, ctx, principal, provider_id)
    return Response(status_code=204)


def _keys_out(session: DbSession, principal: CanManageSshKeys) -> SshKeyList:
    keys = credentials.list_ssh_keys(session, principal)
    return SshKeyList(
        items=[SshKeyOut.model_validate(k).model_copy(update={"default": i == 0}) for i, k in enumerate(keys)]
    )


@router.get("/ssh-keys", response_model=SshKeyList, tags=["ssh keys"])
def list_ssh_keys(principal: CanManageSshKeys, session: DbSession) -> SshKeyList:
    """Your SSH public keys, oldest first; the first one is your default when booking."""
    return _keys_out(session, principal)


@router.post("/ssh-keys", response_model=SshKeyOut, status_code=201, tags=["ssh keys"])
def add_ssh_key(
    body: SshKeyIn, principal: CanManageSshKeys, session: DbSession, ctx: BookingCtx
) -> SshKeyOut:
    key = credentials.add_ssh_key(session, ctx, principal, body.name, body.public_key)
    first = credentials.list_ssh_keys(session, principal)[0].id == key.id
    return SshKeyOut.model_validate(key).model_copy(update={"default": first})


@router.delete("/ssh-keys/{key_id}", status_code=204, tags=["ssh keys"])
def delete_ssh_key(key_id: str, principal: CanManageSshKeys, session: DbSession, ctx: BookingCtx) -> Response:
    credentials.delete_ssh_key(session, ctx, principal, key_id)
    return Response(status_code=204)
