"""Email verification and password reset through the JSON API, with the mail delivered to a real SMTP
server in this process (aiosmtpd): links work once, expire, only the newest works, a reset ends every
session and tells no one whether an address has an account; each error is the envelope naming the field,
and the OpenAPI document lists them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from accounts.models import EmailToken, User
from accounts.service import now_utc
from tests.core.test_mail import Inbox, free_port

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different horse, twelve+"


@pytest.fixture
def inbox(app: Any) -> Iterator[Inbox]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.state.settings = app.state.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    )
    try:
        yield box
    finally:
        controller.stop()


def register(client: TestClient) -> dict[str, Any]:
    email = f"links-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"email": email, **r.json(), "headers": {"Authorization": f"Bearer {r.json()['access_token']}"}}


def link_token(inbox: Inbox, to: str, path: str) -> str:
    """The token of the newest link to ``path`` mailed to ``to``."""
    for _, rcpt, message in reversed(inbox.messages):
        if rcpt == [to]:
            body = message.get_payload(decode=True).decode()
            match = re.search(re.escape(path) + r"([A-Za-z0-9_\-]+)", body)
            if match:
                return match.group(1)
    raise AssertionError(f"no mail to {to} with a link to {path}")


def assert_error(r: Any, status: int, code: str, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert {"field": field} in error["details"] or field in [d.get("field") for d in error["details"]]


def test_verify_an_address_once(client: TestClient, inbox: Inbox, db: Session) -> None:
    account = register(client)
    sent = client.post("/auth/verify-email/send", headers=account["headers"])
    assert sent.status_code == 202 and account["email"] in sent.json()["message"]
    _, rcpt, message = inbox.messages[-1]
    assert rcpt == [account["email"]] and message["Subject"] == "Confirm your email address for GPUBroker"
    token = link_token(inbox, account["email"], "/verify-email/")
    assert "http://testserver/verify-email/" in message.get_payload(decode=True).decode()

    r = client.post("/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == account["email"] and r.json()["email_verified_at"]
    assert_error(client.post("/auth/verify-email", json={"token": token}), 400, "invalid_link", "token")
    assert (
        "already used" in client.post("/auth/verify-email", json={"token": token}).json()["error"]["message"]
    )
    # Verified: asking again is a conflict, not another mail.
    before = len(inbox.messages)
    assert_error(client.post("/auth/verify-email/send", headers=account["headers"]), 409, "already_verified")
    assert len(inbox.messages) == before


def test_only_the_newest_link_works_and_links_expire(client: TestClient, inbox: Inbox, db: Session) -> None:
    account = register(client)
    client.post("/auth/verify-email/send", headers=account["headers"])
    first = link_token(inbox, account["email"], "/verify-email/")
    client.post("/auth/verify-email/send", headers=account["headers"])
    second = link_token(inbox, account["email"], "/verify-email/")
    assert first != second
    assert_error(client.post("/auth/verify-email", json={"token": first}), 400, "invalid_link")

    db.execute(update(EmailToken).values(expires_at=now_utc() - timedelta(seconds=1)))
    db.flush()
    expired = client.post("/auth/verify-email", json={"token": second})
    assert_error(expired, 400, "invalid_link", "token")
    assert "expired" in expired.json()["error"]["message"]
    assert_error(client.post("/auth/verify-email", json={"token": "not-a-real-token"}), 400, "invalid_link")
    assert_error(
        client.post("/auth/verify-email", json={"token": "bad token!"}), 422, "validation_error", "token"
    )
    # The digest is stored, never the token.
    assert {t.token_hash for t in db.query(EmailToken).all()}.isdisjoint({first, second})


def test_reset_a_forgotten_password(client: TestClient, inbox: Inbox, db: Session) -> None:
    account = register(client)
    registered = len(inbox.messages)  # the link to confirm the address
    stranger = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    known = client.post("/auth/password/forgot", json={"email": account["email"]})
    unknown = client.post("/auth/password/forgot", json={"email": stranger})
    assert known.status_code == unknown.status_code == 202
    assert known.json()["message"].replace(account["email"], "X") == unknown.json()["message"].replace(
        stranger, "X"
    )
    assert [rcpt for _, rcpt, _ in inbox.messages[registered:]] == [[account["email"]]]
    token = link_token(inbox, account["email"], "/password/reset/")

    short = client.post("/auth/password/reset", json={"token": token, "password": "short"})
    assert_error(short, 422, "validation_error", "password")
    same = client.post("/auth/password/reset", json={"token": token, "password": account["email"]})
    assert_error(same, 422, "invalid_input", "password")

    r = client.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    # Every earlier session ended; the old password no longer signs in, the new one does.
    assert client.get("/me", headers=account["headers"]).status_code == 401
    old = client.post("/auth/login", json={"email": account["email"], "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/auth/login", json={"email": account["email"], "password": NEW_PASSWORD})
    assert new.status_code == 200 and new.json()["access_token"]
    # The link reached the mailbox: the address counts as verified. And it works once.
    user = db.query(User).filter(User.email == account["email"]).one()
    db.refresh(user)
    assert user.email_verified_at is not None
    again = client.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD + "!"})
    assert_error(again, 400, "invalid_link", "token")


def test_bad_input_names_the_field(client: TestClient, inbox: Inbox) -> None:
    assert_error(
        client.post("/auth/password/forgot", json={"email": "nope"}), 422, "validation_error", "email"
    )
    assert_error(client.post("/auth/password/forgot", json={}), 422, "validation_error", "email")
    assert_error(
        client.post("/auth/password/reset", json={"password": NEW_PASSWORD}), 422, "validation_error", "token"
    )
    assert_error(client.post("/auth/verify-email/send"), 401, "not_authenticated")
    assert inbox.messages == []


def test_the_openapi_document_lists_the_errors(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    expected = {
        "/auth/verify-email": {"200", "400", "422"},
        "/auth/verify-email/send": {"202", "401", "409"},
        "/auth/password/forgot": {"202", "422"},
        "/auth/password/reset": {"204", "400", "422"},
    }
    for path, statuses in expected.items():
        responses = paths[path]["post"]["responses"]
        assert statuses <= set(responses), path
        for status in statuses - {"200", "202", "204"}:
            assert responses[status]["content"]["application/json"]["schema"] == envelope


def test_registering_through_the_api_mails_the_link(client: TestClient, inbox: Inbox) -> None:
    account = register(client)
    assert [rcpt for _, rcpt, _ in inbox.messages] == [[account["email"]]]
    token = link_token(inbox, account["email"], "/verify-email/")
    r = client.post("/auth/verify-email", json={"token": token})
    assert r.status_code == 200 and r.json()["email"] == account["email"], r.text
    assert r.json()["email_verified_at"]


def test_a_refused_registration_mails_nothing(client: TestClient, inbox: Inbox) -> None:
    account = register(client)
    again = client.post("/auth/register", json={"email": account["email"], "password": PASSWORD})
    assert again.status_code == 409, again.text
    assert len(inbox.messages) == 1


def test_an_invitation_made_through_the_api_is_mailed(client: TestClient, inbox: Inbox) -> None:
    admin = register(client)
    invitee = f"invited-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(
        f"/tenants/{admin['tenant']['id']}/invitations",
        json={"email": invitee, "role": "user"},
        headers=admin["headers"],
    )
    assert r.status_code == 201, r.text
    _, rcpt, message = inbox.messages[-1]
    assert rcpt == [invitee] and message["Subject"].startswith("Join ")
    body = message.get_payload(decode=True).decode()
    assert admin["email"] in body and f"http://testserver/invite/{r.json()['token']}" in body

    joined = client.post(
        "/auth/register", json={"email": invitee, "password": PASSWORD, "invite_token": r.json()["token"]}
    )
    assert joined.status_code == 201 and joined.json()["tenant"]["id"] == admin["tenant"]["id"], joined.text
