"""The audit log: a SHA-256 hash chain per tenant that names the first broken link after tampering,
stays a chain under concurrent writers, is append-only in the database, holds no secrets, and is
published to the ``audit_events`` topic once committed."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from accounts import audit
from accounts.audit import Actor, Source
from core.db import make_engine, make_session_factory, session_scope
from core.settings import Settings
from tests.accounts.conftest import PASSWORD, Account, invite_and_join

TRIGGERS = ("audit_log_no_delete", "audit_log_no_edit", "audit_log_erase_only")


def verify(client: TestClient, account: Account) -> dict[str, Any]:
    r = client.get("/audit/verify", headers=account.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def entries(client: TestClient, account: Account) -> list[dict[str, Any]]:
    return list(reversed(client.get("/audit", headers=account.headers).json()))


def drop_triggers(session: Session) -> None:
    """What someone with direct database access could do; rolled back with the test."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        session.execute(text(f"DROP TRIGGER IF EXISTS {name}" + (" ON audit_log" if postgres else "")))


def tamper(factory: sessionmaker[Session], sql: str, **params: Any) -> None:
    with factory() as session:
        drop_triggers(session)
        session.execute(text(sql), params)
        session.commit()


@pytest.fixture
def history(client: TestClient, admin: Account) -> Account:
    """A team with a few audited events: sign-up, an invitation, a join, a role change."""
    member = invite_and_join(client, admin, "user")
    assert (
        client.patch(f"/users/{member.user_id}", json={"role": "manager"}, headers=admin.headers).status_code
        == 200
    )
    return admin


def test_each_entry_links_to_the_one_before(client: TestClient, history: Account) -> None:
    chain = entries(client, history)
    assert [e["seq"] for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0]["hash_prev"] == "0" * 64
    assert all(b["hash_prev"] == a["hash_curr"] for a, b in itertools.pairwise(chain))
    assert {"user.registered", "login.succeeded", "user.invited", "user.role_changed"} <= {
        e["event_type"] for e in chain
    }
    assert verify(client, history) == {
        "chain_id": f"tenant:{history.tenant_id}",
        "ok": True,
        "entries_checked": len(chain),
        "head_seq": len(chain),
        "first_broken": None,
    }


def test_an_edited_entry_is_caught(
    client: TestClient, history: Account, factory: sessionmaker[Session]
) -> None:
    change = next(e for e in entries(client, history) if e["event_type"] == "user.role_changed")
    tamper(
        factory,
        "UPDATE audit_log SET details = :d WHERE id = :id",
        d=json.dumps({"to": "admin"}),
        id=change["id"],
    )
    result = verify(client, history)
    assert result["ok"] is False
    assert result["first_broken"] == {
        "seq": change["seq"],
        "id": change["id"],
        "reason": "the entry's content does not match its hash",
    }


def test_a_rehashed_edit_breaks_the_next_link(
    client: TestClient, history: Account, factory: sessionmaker[Session]
) -> None:
    chain = entries(client, history)
    victim = chain[1]
    tamper(
        factory,
        "UPDATE audit_log SET outcome = 'failure', hash_curr = :h WHERE id = :id",
        h="f" * 64,
        id=victim["id"],
    )
    assert verify(client, history)["first_broken"]["seq"] == victim["seq"]
    # Recomputing the edited entry's own hash does not help: its successor still points at the old one.
    with factory() as session:
        from accounts.models import AuditEntry

        row = session.get(AuditEntry, victim["id"])
        assert row is not None
        rehashed = audit.entry_hash(row)
    tamper(factory, "UPDATE audit_log SET hash_curr = :h WHERE id = :id", h=rehashed, id=victim["id"])
    broken = verify(client, history)["first_broken"]
    assert broken["seq"] == victim["seq"] + 1 and "hash_prev" in broken["reason"]


def test_a_deleted_entry_or_changed_ip_is_caught(
    client: TestClient, history: Account, factory: sessionmaker[Session]
) -> None:
    chain = entries(client, history)
    tamper(factory, "UPDATE audit_log SET source_ip = '10.0.0.1' WHERE id = :id", id=chain[2]["id"])
    assert verify(client, history)["first_broken"] == {
        "seq": 3,
        "id": chain[2]["id"],
        "reason": "source ip or user agent was changed",
    }
    tamper(factory, "DELETE FROM audit_log WHERE id = :id", id=chain[1]["id"])
    broken = verify(client, history)["first_broken"]
    assert broken["seq"] == 2 and "missing" in broken["reason"]


def test_the_database_refuses_edits_and_deletes(
    client: TestClient, history: Account, factory: sessionmaker[Session]
) -> None:
    entry = entries(client, history)[0]
    for sql in (
        "UPDATE audit_log SET event_type = 'nothing' WHERE id = :id",
        "UPDATE audit_log SET source_ip = '10.0.0.1' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ):
        with factory() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(sql), {"id": entry["id"]})
            session.rollback()
    assert verify(client, history)["ok"] is True


def test_entries_hold_no_secrets(client: TestClient, history: Account) -> None:
    totp = client.post("/auth/mfa/totp", headers=history.headers).json()
    client.post("/auth/login", json={"email": history.email, "password": "a wrong password"})
    dump = json.dumps(client.get("/audit", headers=history.headers).json())
    for secret in (PASSWORD, "a wrong password", totp["secret"], history.access_token, history.refresh_token):
        assert secret not in dump
    assert history.email not in dump


def test_concurrent_writers_keep_one_chain(settings: Settings, engine: Any) -> None:
    """Eight writers on their own connections append at once; the chain has no gap, fork or repeat."""
    eng = make_engine(settings.database_url)
    factory = make_session_factory(eng)
    tenant = str(uuid.uuid4())
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with session_scope(factory) as session:
                    audit.record(
                        session, event_type="test.concurrent", outcome="success", actor=Actor("system"),
                        tenant_id=tenant, source=Source(trace_id=f"{n}-{i}"), details={"writer": n, "i": i},
                    )  # fmt: skip
        except BaseException as exc:  # surfaced below with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with session_scope(factory) as session:
            result = audit.verify_chain(session, audit.chain_for(tenant))
        assert result.ok and result.entries_checked == 80 and result.head_seq == 80, result
    finally:
        eng.dispose()


def test_committed_entries_are_published_to_the_bus(factory: sessionmaker[Session], bus: Any) -> None:
    tenant = str(uuid.uuid4())

    def append(session: Session, what: str) -> None:
        audit.record(
            session, event_type=what, outcome="success", actor=Actor("system"), tenant_id=tenant,
            source=Source(ip="127.0.0.1"), bus=bus,
        )  # fmt: skip

    with factory() as session:
        append(session, "test.rolled_back")
        session.rollback()
    with factory() as session:
        append(session, "test.committed")
        session.commit()
    mine = [m for m in bus.recent("audit_events", 1000) if m["payload"]["tenant_id"] == tenant]
    assert [m["payload"]["event_type"] for m in mine] == ["test.committed"]
    assert mine[0]["key"] == f"tenant:{tenant}" and mine[0]["payload"]["hash_curr"]


def test_sign_in_events_reach_the_bus(client: TestClient, app: Any) -> None:
    client.post("/auth/register", json={"email": "bus-reader@example.com", "password": PASSWORD})
    published = [m["payload"]["event_type"] for m in app.state.bus.recent("audit_events", 50)]
    assert "user.registered" in published and "login.succeeded" in published


def test_a_before_id_past_the_id_column_is_a_422_naming_it(client: TestClient, history: Account) -> None:
    # 2**64 was a 500 on SQLite (its driver's OverflowError); ids past 32 bits a 422 naming no field.
    r = client.get("/audit", params={"before_id": 2**64}, headers=history.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "before_id"
    newest = client.get("/audit", params={"before_id": 2**31 - 1}, headers=history.headers)
    assert newest.status_code == 200 and newest.json()
