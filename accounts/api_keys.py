"""Team API keys: for programs and front-ends (LangGraph's clients send them as ``X-Api-Key``).

A key is ``gbk_`` + 40 random URL-safe characters, shown once when an admin creates it; only its SHA-256
is stored, with its first 12 characters (``prefix``) so admins can tell keys apart. A key is accepted as
``X-Api-Key: <key>`` or ``Authorization: Bearer <key>``. It acts as the admin who created it (bookings
need a person), narrowed to its scopes (:data:`accounts.policy.SCOPE_ACTIONS`): a key can never manage
the team, its users, the audit log or other keys, whatever its creator may do. A key stops working when
it is revoked, or when its creator's account or the team is disabled. Creation, revocation and refused
uses are audited; ``last_used_at`` is written at most once a minute per key.

Rate limits and CORS find a key's team without a query per request through :class:`KeyTeams` (hash ->
team, kept a few seconds; a revocation is forgotten at once in this process).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from accounts import repository
from accounts.errors import InvalidToken
from accounts.models import ApiKey
from accounts.service import Ctx, Principal, aware, now_utc, record
from core import tracing
from core.errors import NotFound

log = logging.getLogger(__name__)

PREFIX = "gbk_"
SCOPES = ("catalog:read", "assistant", "bookings")
LAST_USED_EVERY = timedelta(seconds=60)
KEY_TEAMS_TTL_S = 10.0


def is_api_key(token: str | None) -> bool:
    return bool(token) and str(token).startswith(PREFIX)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    session: Session, ctx: Ctx, principal: Principal, name: str, scopes: Sequence[str]
) -> tuple[ApiKey, str]:
    """A new key of the admin's team; returns the row and the key itself (shown once, never again)."""
    key = PREFIX + secrets.token_urlsafe(30)
    row = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        created_by=principal.user_id,
        name=name,
        prefix=key[:12],
        key_hash=digest(key),
        scopes=sorted(set(scopes)),
        created_at=now_utc(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        ctx,
        "api_key.created",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"api_key:{row.id}",
        details={"name": name, "scopes": row.scopes, "prefix": row.prefix},
    )
    return row, key


def list_keys(session: Session, principal: Principal) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id).order_by(ApiKey.created_at.desc())
    return list(session.execute(stmt).scalars())


def revoke(
    session: Session, ctx: Ctx, principal: Principal, key_id: str, teams: KeyTeams | None = None
) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None or row.tenant_id != principal.tenant_id:
        raise NotFound(f"API key {key_id!r} not found")
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        row.revoked_by = principal.user_id
        session.flush()
        record(
            session,
            ctx,
            "api_key.revoked",
            "success",
            tenant_id=principal.tenant_id,
            actor=principal.actor,
            target=f"api_key:{row.id}",
            details={"name": row.name, "prefix": row.prefix},
        )
    if teams is not None:
        teams.forget(row.key_hash)
    return row


def _touch(session: Session, row: ApiKey, now: datetime) -> None:
    """Write the key's last use; bookkeeping that never fails the request it rides on. On SQLite a read
    transaction cannot become a writer once another connection has written since its first read (the
    database answers "database is locked" at once, without waiting): the touch is then left to the
    key's next use."""
    try:
        with session.begin_nested():
            row.last_used_at = now
            session.flush()
    except OperationalError as exc:
        if session.get_bind().dialect.name != "sqlite" or "locked" not in str(exc.orig):
            raise
        log.info("api key %s: last use not written (database busy); written on a later use", row.prefix)


def authenticate(session: Session, key: str) -> Principal:
    """The caller behind a key, checked against the database on every request (like access tokens)."""
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == digest(key))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise InvalidToken("the API key is not valid (revoked or unknown)")
    tenant = repository.tenant(session, row.tenant_id)
    user = repository.user(session, row.created_by)
    if tenant is None or not tenant.active or user is None or not user.active or user.erased_at is not None:
        raise InvalidToken("the API key's team or creator is disabled")
    now = now_utc()
    last = aware(row.last_used_at)
    if last is None or now - last >= LAST_USED_EVERY:
        _touch(session, row, now)
    tracing.bind_tenant(row.tenant_id)
    return Principal(
        user_id=user.id,
        tenant_id=row.tenant_id,
        role=user.role,
        session_id=f"api_key:{row.id}",
        email=user.email,
        api_key_id=row.id,
        scopes=frozenset(row.scopes),
    )


def key_out(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "scopes": list(row.scopes),
        "created_by": row.created_by,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


class KeyTeams:
    """key hash -> team id (None: no such active key), kept ``KEY_TEAMS_TTL_S``, for the request guards
    (rate limits, CORS) that must not query the database on every request."""

    def __init__(self, ttl_s: float = KEY_TEAMS_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def team_of(self, session_factory: Any, key: str) -> str | None:
        key_hash = digest(key)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            with session_factory() as session:
                row = session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash)).scalar_one_or_none()
                team = row.tenant_id if row is not None and row.revoked_at is None else None
        except SQLAlchemyError:
            return hit[1] if hit is not None else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()  # bounded: a flood of made-up keys must not grow memory
            self._cache[key_hash] = (now + self._ttl_s, team)
        return team

    def knows(self, key: str) -> bool:
        """Whether :meth:`team_of` answers without the database."""
        with self._lock:
            hit = self._cache.get(digest(key))
        return hit is not None and hit[0] > time.monotonic()

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._cache.pop(key_hash, None)
