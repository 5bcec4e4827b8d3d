"""The security page (/account/security) as a user sees it: passkeys added from the page, renamed and
removed (never the last way in), the authenticator app and recovery codes, and the sessions signed in,
one or all of which the page signs out for real (the cookies and refresh tokens of a signed-out session
stop working). TestClient on both backends; then Chromium with a virtual authenticator (DevTools
protocol) adds a passkey from the page, signs in with it, and signs another browser out. Screenshots
land in var/screenshots/account-security*.png for a person to look at."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import AuditEntry, AuthSession, RecoveryCode, User
from tests.accounts.authenticator import SoftAuthenticator
from tests.support import browser_sign_in, use_page_token, virtual_authenticator
from tests.web.dom import Element, parse

PASSWORD = "correct horse battery staple"
PAGE = "/account/security"
# The relying party of the default settings (the TestClient's requests do not have an origin).
RP_ID = "localhost"
ORIGIN = "http://localhost:8000"


def new_account(client: TestClient) -> str:
    email = f"sec-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    # Signing up through the API signed that client in; only the page's own sign-ins are wanted here.
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.post("/auth/logout", headers=bearer).status_code == 204
    return email


def sign_in(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    use_page_token(client)


def page(client: TestClient, status: int = 200) -> Element:
    r = client.get(PAGE)
    assert r.status_code == status, r.text[:500]
    return parse(r.text)


def error_of(r: httpx.Response) -> str:
    return parse(r.text).find("p", cls="notice-error").text()


def add_passkey(client: TestClient, name: str = "YubiKey") -> tuple[SoftAuthenticator, dict[str, Any]]:
    key = SoftAuthenticator(RP_ID, ORIGIN)
    options = client.post(f"{PAGE}/passkeys/options")
    assert options.status_code == 200, options.text
    body = options.json()
    r = client.post(
        f"{PAGE}/passkeys",
        json={"flow_id": body["flow_id"], "credential": key.create(body["options"]), "name": name},
    )
    assert r.status_code == 201, r.text
    return key, r.json()


def passkey_rows(doc: Element) -> list[str]:
    return [tr.get("data-passkey") or "" for tr in doc.find_all("tr", data_passkey=True)]


def audit_events(db: Session, email: str) -> list[str]:
    user = db.execute(select(User).where(User.email == email)).scalar_one()
    rows = db.execute(select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id))
    return [e.event_type for e in rows.scalars()]


@pytest.fixture
def second_client(app: Any) -> Iterator[TestClient]:
    """Another browser of the same person: its own cookies, the same app and database."""
    with TestClient(app) as c:
        yield c


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={PAGE}"
    assert client.post(f"{PAGE}/passkeys/options").status_code == 401


def test_a_new_account_sees_its_empty_states_and_its_one_session(client: TestClient) -> None:
    sign_in(client, new_account(client))
    doc = page(client)
    assert doc.find("h1").text() == "Security"
    assert doc.find("div", data_passkeys_empty=True).find("h3").text() == "No passkeys yet"
    assert doc.find("span", data_totp_status=True).text() == "off"
    assert "You get them when you add" in doc.find("p", data_codes_left=True).text()
    rows = doc.find("table", data_sessions=True).find_all("tr", data_session=True)
    assert len(rows) == 1 and rows[0].get("data-current") is not None
    assert "this session" in rows[0].text() and "Test client" in rows[0].text()
    assert "with password" in rows[0].text()
    # The navigation's Security link and the TOTP page both lead here.
    assert doc.find("nav", cls="site-nav").find("a", href=PAGE).get("aria-current") == "page"
    assert parse(client.get("/account/mfa").text).find_all("a", href=PAGE)


def test_add_rename_and_remove_passkeys(client: TestClient, db: Session) -> None:
    email = new_account(client)
    sign_in(client, email)
    _, first = add_passkey(client, "YubiKey")
    # The first second factor comes with its recovery codes; the page's script shows them.
    assert len(first["recovery_codes"]) == 10 and first["next"] == f"{PAGE}?done=passkey_added"
    _, second = add_passkey(client, "Phone")
    assert second["recovery_codes"] is None
    doc = parse(client.get(first["next"]).text)
    assert "Passkey added" in doc.find("p", data_notice=True).text()
    assert passkey_rows(doc) == ["YubiKey", "Phone"]
    assert "10 unused recovery codes left" in doc.find("p", data_codes_left=True).text()

    rename = doc.find("tr", data_passkey="Phone").find("form", action=True)
    r = client.post(rename.get("action") or "", data={"name": "  Work phone "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?done=passkey_renamed"
    bad = client.post(rename.get("action") or "", data={"name": "x" * 101})
    assert bad.status_code == 422 and "at most 100" in error_of(bad)

    doc = page(client)
    assert passkey_rows(doc) == ["YubiKey", "Work phone"]
    remove = doc.find("tr", data_passkey="YubiKey").find_all("form")[1].get("action") or ""
    assert remove.endswith("/remove")
    r = client.post(remove, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?done=passkey_removed"
    assert passkey_rows(page(client)) == ["Work phone"]
    missing = client.post(remove)  # already gone
    assert missing.status_code == 404 and error_of(missing) == "no such passkey on your account"
    assert {"mfa.webauthn.registered", "mfa.webauthn.renamed", "mfa.webauthn.removed"} <= set(
        audit_events(db, email)
    )

    # The last passkey of an account with a password may go (the password still signs in) and takes
    # the recovery codes with it: they have no second factor left to stand in for.
    last = page(client).find("tr", data_passkey="Work phone").find_all("form")[1].get("action") or ""
    assert client.post(last, follow_redirects=False).status_code == 303
    doc = page(client)
    assert doc.find("div", data_passkeys_empty=True)
    assert "You get them when you add" in doc.find("p", data_codes_left=True).text()


def test_the_only_way_in_cannot_be_removed(client: TestClient, db: Session) -> None:
    email = new_account(client)
    sign_in(client, email)
    add_passkey(client, "Only key")
    user = db.execute(select(User).where(User.email == email)).scalar_one()
    user.password_hash = None  # as for an account that signs in with its passkey alone
    db.commit()
    action = page(client).find("tr", data_passkey="Only key").find_all("form")[1].get("action") or ""
    r = client.post(action)
    assert r.status_code == 409
    assert "is the only way to sign in to this account" in error_of(r)
    assert passkey_rows(parse(r.text)) == ["Only key"]


def test_someone_elses_passkey_or_session_is_not_found(client: TestClient, second_client: TestClient) -> None:
    sign_in(second_client, new_account(second_client))
    add_passkey(second_client, "Theirs")
    theirs = page(second_client).find("tr", data_passkey="Theirs").find_all("form")[1].get("action") or ""
    their_session = page(second_client).find("tr", data_session=True).get("data-session")

    sign_in(client, new_account(client))
    assert client.post(theirs).status_code == 404
    assert client.post(f"{PAGE}/passkeys/nope/rename", data={"name": "Mine"}).status_code == 404
    r = client.post(f"{PAGE}/sessions/{their_session}/end")
    assert r.status_code == 404 and error_of(r) == "no such session on your account"
    assert passkey_rows(page(second_client)) == ["Theirs"]
    assert len(page(second_client).find_all("tr", data_session=True)) == 1


def test_authenticator_app_and_recovery_codes(client: TestClient, db: Session) -> None:
    email = new_account(client)
    sign_in(client, email)
    regen = client.post(f"{PAGE}/recovery-codes")
    assert regen.status_code == 409 and "second factor" in error_of(regen)

    # Turned on through the TOTP set-up of /account/mfa, which the page's button posts to.
    form = page(client).find("form", action="/account/mfa/totp")
    secret = parse(client.post(form.get("action") or "").text).find("code", cls="secret").text()
    assert (
        client.post("/account/mfa/totp/confirm", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    )
    doc = page(client)
    assert doc.find("span", data_totp_status=True).text() == "on"
    assert "10 unused recovery codes left" in doc.find("p", data_codes_left=True).text()

    user = db.execute(select(User).where(User.email == email)).scalar_one()
    used = db.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).scalars().first()
    assert used is not None
    used.used_at = user.created_at
    db.commit()
    assert "9 unused recovery codes left" in page(client).find("p", data_codes_left=True).text()

    regen = client.post(f"{PAGE}/recovery-codes")
    assert regen.status_code == 200
    shown = [li.text() for li in parse(regen.text).find("section", data_recovery_codes=True).find_all("li")]
    assert len(shown) == 10 and len(set(shown)) == 10
    assert "10 unused recovery codes left" in page(client).find("p", data_codes_left=True).text()
    # Shown once: the page does not show them again.
    assert not page(client).find_all("section", data_recovery_codes=True)

    wrong = client.post(f"{PAGE}/totp/disable", data={"code": "000000"})
    assert wrong.status_code == 401 and error_of(wrong) == "the code does not match"
    malformed = client.post(f"{PAGE}/totp/disable", data={"code": "abc"})
    assert malformed.status_code == 422
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the confirmation used this one
    off = client.post(f"{PAGE}/totp/disable", data={"code": code}, follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == f"{PAGE}?done=totp_disabled"
    doc = page(client)
    assert doc.find("span", data_totp_status=True).text() == "off"
    assert "You get them when you add" in doc.find("p", data_codes_left=True).text()
    events = audit_events(db, email)
    assert {"mfa.totp.enabled", "mfa.recovery_codes.regenerated", "mfa.totp.disabled"} <= set(events)


def test_a_session_signed_out_from_the_page_stops_working(
    client: TestClient, second_client: TestClient, app: Any, db: Session
) -> None:
    email = new_account(client)
    sign_in(client, email)
    sign_in(second_client, email)
    refresh = second_client.cookies.get("gpubroker_refresh")
    assert refresh
    rows = page(client).find_all("tr", data_session=True)
    assert len(rows) == 2 and [r.get("data-current") is not None for r in rows] == [True, False]
    other = rows[1].get("data-session") or ""
    stored = db.get(AuthSession, other)
    assert stored is not None and stored.user_agent == "testclient" and stored.source_ip
    assert stored.last_seen_at is not None

    mine = rows[0].get("data-session") or ""
    refused = client.post(f"{PAGE}/sessions/{mine}/end")
    assert refused.status_code == 422 and "Logout" in error_of(refused)

    r = client.post(f"{PAGE}/sessions/{other}/end", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?done=session_ended"
    assert len(page(client).find_all("tr", data_session=True)) == 1
    # Its cookies no longer sign in, neither the access token nor the refresh token behind it.
    gone = second_client.get(PAGE, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == f"/login?next={PAGE}"
    again = second_client.post("/auth/refresh", json={"refresh_token": refresh})
    assert again.status_code == 401 and again.json()["error"]["code"] == "invalid_token"
    assert "session.ended" in audit_events(db, email)


def test_sign_out_every_other_session(client: TestClient, app: Any, db: Session) -> None:
    email = new_account(client)
    sign_in(client, email)
    none = client.post(f"{PAGE}/sessions/others/end", follow_redirects=False)
    assert none.headers["location"] == f"{PAGE}?done=no_others"
    others = [TestClient(app) for _ in range(2)]
    try:
        for other in others:
            sign_in(other, email)
        doc = page(client)
        assert len(doc.find_all("tr", data_session=True)) == 3
        button = doc.find("form", action=f"{PAGE}/sessions/others/end").find("button")
        assert button.text() == "Sign out all other sessions (2)"
        r = client.post(f"{PAGE}/sessions/others/end", follow_redirects=False)
        assert r.headers["location"] == f"{PAGE}?done=others_ended"
        for other in others:
            assert other.get(PAGE, follow_redirects=False).status_code == 303
        doc = page(client)
        assert len(doc.find_all("tr", data_session=True)) == 1
        assert not doc.find_all("form", action=f"{PAGE}/sessions/others/end")
    finally:
        for other in others:
            other.close()
    assert "session.ended_others" in audit_events(db, email)


def test_passkey_json_routes_refuse_bad_input(client: TestClient) -> None:
    sign_in(client, new_account(client))
    bad = client.post(f"{PAGE}/passkeys", content=b"nope", headers={"content-type": "application/json"})
    assert bad.status_code == 422
    assert client.post(f"{PAGE}/passkeys", json={"flow_id": "x"}).status_code == 422
    long_name = client.post(
        f"{PAGE}/passkeys", json={"flow_id": "x" * 20, "credential": {}, "name": "n" * 101}
    )
    assert long_name.status_code == 422 and long_name.json()["error"]["details"] == [{"field": "name"}]
    stale = client.post(f"{PAGE}/passkeys", json={"flow_id": "x" * 20, "credential": {"id": "x"}})
    assert stale.status_code == 400 and stale.json()["error"]["code"] == "webauthn_failed"


# --- in Chromium --------------------------------------------------------------------------------------


def test_in_chromium_add_a_passkey_sign_in_with_it_and_sign_another_browser_out(
    browser: Any, localhost_server: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    base = localhost_server
    email = f"sec-browser-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=base) as http:
        signed_up = http.post("/auth/register", json={"email": email, "password": PASSWORD})
        assert signed_up.status_code == 201
        bearer = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
        assert http.post("/auth/logout", headers=bearer).status_code == 204

    # Another browser signs in with the password first (once a passkey exists, a password needs it too).
    other = browser.new_context()
    other_page = other.new_page()
    browser_sign_in(other_page, base, email, PASSWORD, PAGE)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    me = context.new_page()
    virtual_authenticator(context, me)
    browser_sign_in(me, base, email, PASSWORD, PAGE)
    expect(me.get_by_role("heading", name="No passkeys yet")).to_be_visible()
    expect(me.locator("[data-passkey-unsupported]")).to_be_hidden()
    me.screenshot(path=str(screenshots / "account-security-empty.png"), full_page=True)

    me.get_by_label("Name of the new passkey").fill("Laptop")
    me.get_by_role("button", name="Add a passkey").click()
    codes = me.locator("[data-passkey-codes]")
    expect(codes).to_be_visible()
    expect(codes.locator("li")).to_have_count(10)
    expect(me.get_by_role("heading", name="No passkeys yet")).to_be_hidden()  # the codes stand alone
    me.screenshot(path=str(screenshots / "account-security-codes.png"), full_page=True)
    me.get_by_role("link", name="I have saved them").click()
    expect(me.locator("[data-notice]")).to_contain_text("Passkey added")
    expect(me.locator("tr[data-passkey='Laptop']")).to_be_visible()

    # Signed out, the passkey alone signs back in, and the page shows when it was used.
    me.get_by_role("button", name="Logout").click()
    me.goto(f"{base}/login?next={PAGE}")
    me.get_by_role("button", name="Sign in with a passkey").click()
    me.wait_for_url(f"{base}{PAGE}")
    expect(me.locator("tr[data-passkey='Laptop'] td").nth(1)).not_to_have_text("never")
    rows = me.locator("tr[data-session]")
    expect(rows).to_have_count(2)
    expect(me.locator("tr[data-current]")).to_contain_text("with passkey")
    me.get_by_text("Remove", exact=True).click()  # opens the confirmation
    expect(me.get_by_role("button", name="Remove passkey")).to_be_visible()
    me.screenshot(path=str(screenshots / "account-security.png"), full_page=True)
    me.get_by_text("Remove", exact=True).click()  # and closes it again

    # Sign the other browser out from here: its next page load asks it to sign in.
    me.locator("tr[data-session]:not([data-current])").get_by_role("button", name="Sign out").click()
    expect(me.locator("[data-notice]")).to_contain_text("That session is signed out")
    expect(rows).to_have_count(1)
    other_page.reload()
    expect(other_page).to_have_url(f"{base}/login?next={PAGE}")
    me.screenshot(path=str(screenshots / "account-security-signed-out.png"), full_page=True)

    # A narrow screen: the tables scroll inside their cards, the page itself does not.
    me.set_viewport_size({"width": 390, "height": 844})
    me.reload()
    me.screenshot(path=str(screenshots / "account-security-narrow.png"), full_page=True)
    assert me.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
    other.close()
