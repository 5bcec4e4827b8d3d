"""GDPR requests: the caller's data as one JSON document, and erasure that leaves the audit chain
verifiable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import AuthSession
from tests.accounts.conftest import PASSWORD, Account, invite_and_join


def test_export_holds_the_account_its_audit_entries_and_assistant_threads(
    client: TestClient, admin: Account
) -> None:
    client.post("/auth/mfa/totp", headers=admin.headers)
    chat = client.post("/ai/chat", json={"prompt": "8x H100 in the US"}, headers=admin.headers)
    assert chat.status_code == 200, chat.text
    r = client.get("/data-request", headers=admin.headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["user"]["id"] == admin.user_id and doc["user"]["email"] == admin.email
    assert doc["tenant"]["id"] == admin.tenant_id and doc["tenant"]["name"] == "Acme ML"
    assert doc["mfa"]["totp_enabled"] is False and doc["sessions"][0]["method"] == "password"
    events = [e["event_type"] for e in doc["audit_entries"]]
    assert events[:2] == ["user.registered", "login.succeeded"] and events[-1] == "gdpr.export"
    assert all(e["actor_id"] == admin.user_id for e in doc["audit_entries"])
    threads = doc["assistant_threads"]
    assert [t["thread_id"] for t in threads] == [chat.json()["thread_id"]]
    assert threads[0]["messages"][0]["type"] == "human" and "H100" in threads[0]["messages"][0]["content"]
    assert threads[0]["messages"][-1]["type"] == "ai"
    assert "password_hash" not in r.text and "totp_secret" not in r.text


def test_erasure_anonymises_and_the_chain_still_verifies(
    client: TestClient, admin: Account, db: Session
) -> None:
    leaver = invite_and_join(client, admin, "user")
    thread = client.post("/ai/chat", json={"prompt": "L4 in europe"}, headers=leaver.headers).json()[
        "thread_id"
    ]
    before = [
        e for e in client.get("/audit", headers=admin.headers).json() if e["actor_id"] == leaver.user_id
    ]
    assert before and all(e["source_ip"] == "testclient" for e in before)

    r = client.delete("/data-request", headers=leaver.headers)
    assert r.status_code == 200, r.text
    assert r.json()["erased"] is True and r.json()["audit_entries_anonymised"] == len(before)
    assert r.json()["removed"]["assistant_threads"] == 1

    # Signed out everywhere, and the email and password no longer sign in.
    assert client.get("/me", headers=leaver.headers).status_code == 401
    # The sessions keep no trace of the browser or the address they signed in from.
    rows = db.execute(select(AuthSession).where(AuthSession.user_id == leaver.user_id)).scalars().all()
    assert rows and all(s.user_agent is None and s.source_ip is None and s.revoked_at for s in rows)
    assert client.post("/auth/login", json={"email": leaver.email, "password": PASSWORD}).status_code == 401
    assert client.get(f"/users/{leaver.user_id}", headers=admin.headers).status_code == 404
    assert leaver.email not in client.get(f"/tenants/{admin.tenant_id}/users", headers=admin.headers).text
    # The thread is gone.
    assert (
        client.post("/ai/chat", json={"prompt": "hi", "thread_id": thread}, headers=admin.headers).status_code
        == 404
    )

    log = client.get("/audit", headers=admin.headers).json()
    erased_ids = {e["id"] for e in before}
    after = [e for e in log if e["id"] in erased_ids]
    assert len(after) == len(before) and all(
        e["source_ip"] is None and e["user_agent"] is None and e["erased"] for e in after
    )
    erasure = next(e for e in log if e["event_type"] == "gdpr.erasure")
    assert erasure["source_ip"] is None and erasure["details"]["audit_entries_anonymised"] == len(before)
    verify = client.get("/audit/verify", headers=admin.headers).json()
    assert verify["ok"] is True and verify["first_broken"] is None
    # The address can be used again for a new account.
    again = client.post("/auth/register", json={"email": leaver.email, "password": PASSWORD})
    assert again.status_code == 201


def test_the_last_admin_cannot_leave_the_team_without_one(client: TestClient, admin: Account) -> None:
    invite_and_join(client, admin, "user")
    r = client.delete("/data-request", headers=admin.headers)
    assert r.status_code == 409 and "last admin" in r.json()["error"]["message"]
    assert client.get("/me", headers=admin.headers).status_code == 200


def test_gdpr_requests_need_a_login(client: TestClient) -> None:
    assert client.get("/data-request").status_code == 401
    assert client.delete("/data-request").status_code == 401
