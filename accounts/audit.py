"""The append-only, tamper-evident audit log.

Each tenant has its own chain (``tenant:<id>``); events with no tenant, such as a failed sign-in
for an unknown email, go to the ``global`` chain. Entry *n* stores ``hash_prev`` (entry *n-1*'s
``hash_curr``, or 64 zeros for the first) and ``hash_curr`` = SHA-256 of the canonical JSON (sorted
keys, no spaces, UTF-8) of its hashed fields, ``hash_prev`` included. Editing, deleting or
reordering any entry therefore breaks the link after it, and :func:`verify_chain` names the first
broken one.

Personal data (source ip and user agent) is kept outside the hashed fields and committed to by
``pii_digest`` = SHA-256(salt + canonical JSON of the data). GDPR erasure nulls the data and the
salt; the digest stays, so the chain still verifies and the erased data cannot be guessed back.

Appends lock the chain's head row (see ``repository.advance_chain_head``); once the transaction
commits, the entry is published to the bus topic ``audit_events`` (through the transactional outbox,
``core.outbox``, so an entry is announced once it exists, and only then). The database itself refuses
deletes and edits of hashed fields (triggers in the migration); the hashes catch whoever bypasses
that.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from accounts import repository
from accounts.models import AuditEntry
from core import outbox

GENESIS = "0" * 64
TOPIC = "audit_events"


@dataclass(frozen=True)
class Source:
    """Where a request came from; ip and user agent are personal data and erasable."""

    ip: str | None = None
    user_agent: str | None = None
    trace_id: str | None = None


@dataclass(frozen=True)
class Actor:
    type: str  # user | client | anonymous | system
    id: str | None = None


@dataclass
class VerifyResult:
    chain_id: str
    ok: bool
    entries_checked: int
    head_seq: int
    first_broken: dict[str, Any] | None = field(default=None)


def chain_for(tenant_id: str | None) -> str:
    return f"tenant:{tenant_id}" if tenant_id else "global"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def iso(ts: datetime) -> str:
    # SQLite hands datetimes back naive; every timestamp written here is UTC.
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pii_digest(salt: str, source_ip: str | None, user_agent: str | None) -> str:
    data = canonical_json({"source_ip": source_ip, "user_agent": user_agent})
    return hashlib.sha256((salt + data).encode()).hexdigest()


def hashed_fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "chain_id": e.chain_id,
        "seq": e.seq,
        "ts": iso(e.ts),
        "event_type": e.event_type,
        "outcome": e.outcome,
        "tenant_id": e.tenant_id,
        "actor_type": e.actor_type,
        "actor_id": e.actor_id,
        "target": e.target,
        "trace_id": e.trace_id,
        "details": e.details or {},
        "pii_digest": e.pii_digest,
        "hash_prev": e.hash_prev,
    }


def entry_hash(e: AuditEntry) -> str:
    return hashlib.sha256(canonical_json(hashed_fields(e)).encode()).hexdigest()


def record(
    session: Session,
    *,
    event_type: str,
    outcome: str,
    actor: Actor,
    tenant_id: str | None,
    source: Source,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    bus: Any = None,
) -> AuditEntry:
    """Appends one entry to the tenant's chain (in the caller's transaction) and queues it for the bus.

    ``details`` must hold no secret and no personal data: ids, roles, reasons, counts.
    """
    chain_id = chain_for(tenant_id)
    repository.ensure_chain_head(session, chain_id, GENESIS)
    seq, prev = repository.advance_chain_head(session, chain_id)
    salt = secrets.token_hex(16)
    entry = AuditEntry(
        chain_id=chain_id,
        seq=seq,
        ts=datetime.now(UTC),
        event_type=event_type,
        outcome=outcome,
        tenant_id=tenant_id,
        actor_type=actor.type,
        actor_id=actor.id,
        target=target,
        trace_id=source.trace_id,
        details=details or {},
        source_ip=source.ip,
        user_agent=(source.user_agent or None) and source.user_agent[:500],
        pii_salt=salt,
        hash_prev=prev,
    )
    entry.pii_digest = pii_digest(salt, entry.source_ip, entry.user_agent)
    entry.hash_curr = entry_hash(entry)
    session.add(entry)
    repository.set_chain_hash(session, chain_id, entry.hash_curr)
    session.flush()
    outbox.enqueue(session, TOPIC, entry.chain_id, public_view(entry), bus)
    return entry


def public_view(e: AuditEntry) -> dict[str, Any]:
    """An entry as the API and the bus show it; ip and user agent only until erased."""
    return {
        "id": e.id,
        **hashed_fields(e),
        "source_ip": e.source_ip,
        "user_agent": e.user_agent,
        "erased": e.erased_at is not None,
        "hash_curr": e.hash_curr,
    }


def verify_chain(session: Session, chain_id: str) -> VerifyResult:
    """Walks a chain from its first entry and stops at the first link that does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0

    def broken(entry: AuditEntry | None, seq: int, reason: str) -> VerifyResult:
        link = {"seq": seq, "id": entry.id if entry else None, "reason": reason}
        return VerifyResult(chain_id, False, checked, head_seq, link)

    head = repository.chain_head(session, chain_id)
    head_seq = head.last_seq if head else 0
    for e in repository.chain_entries(session, chain_id):
        if e.seq != expected_seq:
            return broken(e, expected_seq, f"entry {expected_seq} is missing (next stored is {e.seq})")
        if e.hash_prev != prev:
            return broken(e, e.seq, "hash_prev does not match the previous entry's hash")
        if e.pii_salt is not None:
            if pii_digest(e.pii_salt, e.source_ip, e.user_agent) != e.pii_digest:
                return broken(e, e.seq, "source ip or user agent was changed")
        elif e.source_ip is not None or e.user_agent is not None:
            return broken(e, e.seq, "personal data present on an erased entry")
        if entry_hash(e) != e.hash_curr:
            return broken(e, e.seq, "the entry's content does not match its hash")
        prev = e.hash_curr
        expected_seq += 1
        checked += 1
    if head is not None and (head.last_seq != checked or head.last_hash != prev):
        return broken(None, checked + 1, f"the chain ends at {checked} but its head says {head.last_seq}")
    return VerifyResult(chain_id, True, checked, head_seq)
