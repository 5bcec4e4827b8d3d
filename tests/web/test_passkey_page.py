"""Passkeys in a real browser: Chromium's virtual authenticator (over the DevTools protocol) registers a
key through navigator.credentials.create, then the login page's passkey button signs in with it, with no
email and no password. WebAuthn needs the site's own origin, so the app is served as http://localhost."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.support import virtual_authenticator

PASSWORD = "correct horse battery staple"

REGISTER_JS = """
async () => {
  const b64 = (t) => { let s = t.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
    return Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer; };
  const txt = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;  // as the pages' scripts send it
  const token = (await (await fetch('/chat/token', {method: 'POST', headers: {'X-CSRF-Token': csrf}})).json()).access_token;
  const auth = {Authorization: 'Bearer ' + token, 'Content-Type': 'application/json'};
  const start = await (await fetch('/auth/webauthn/register/options', {method: 'POST', headers: auth})).json();
  const o = start.options;
  const cred = await navigator.credentials.create({publicKey: {
    challenge: b64(o.challenge), rp: o.rp, pubKeyCredParams: o.pubKeyCredParams, timeout: o.timeout,
    user: {id: b64(o.user.id), name: o.user.name, displayName: o.user.displayName},
    authenticatorSelection: o.authenticatorSelection, attestation: o.attestation}});
  const r = await fetch('/auth/webauthn/register', {method: 'POST', headers: auth, body: JSON.stringify({
    flow_id: start.flow_id, name: 'Laptop', credential: {id: cred.id, rawId: txt(cred.rawId), type: cred.type,
      response: {clientDataJSON: txt(cred.response.clientDataJSON), attestationObject: txt(cred.response.attestationObject)},
      clientExtensionResults: {}}})});
  return r.status;
}
"""


def test_register_a_passkey_then_sign_in_with_it_alone(
    browser: Any, localhost_server: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    base = localhost_server
    email = f"passkey-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=base) as http:
        assert http.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    context = browser.new_context()
    page = context.new_page()
    virtual_authenticator(context, page)
    page.goto(f"{base}/login?next=/chat")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/chat")
    assert page.evaluate(REGISTER_JS) == 201

    # Signed out, the passkey alone signs back in.
    page.get_by_role("button", name="Logout").click()
    page.goto(f"{base}/login?next=/chat")
    button = page.get_by_role("button", name="Sign in with a passkey")
    expect(button).to_be_visible()
    page.screenshot(path=str(screenshots / "login-passkey.png"), full_page=True)
    button.click()
    page.wait_for_url(f"{base}/chat")
    expect(page.locator(".chat-user")).to_contain_text(email)
    context.close()


def test_the_passkey_endpoint_of_the_page_refuses_bad_input(client: Any) -> None:
    assert (
        client.post(
            "/login/passkey", content=b"not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    r = client.post("/login/passkey", json={"flow_id": "x" * 20, "credential": {"id": "nope"}})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
