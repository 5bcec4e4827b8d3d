/* "Add a passkey" on the security page (/account/security): the creation options from
   POST /account/security/passkeys/options go to navigator.credentials.create() (the authenticator
   checks its PIN or biometric and makes a key for this site), and its attestation, with the name typed,
   to POST /account/security/passkeys. Both calls are signed by the page's cookies and carry its CSRF
   header (app.js csrfHeaders). A first second factor comes back with recovery codes, shown here once;
   otherwise the page reloads with its notice. Without WebAuthn in the browser the form stays hidden. */
(function () {
  "use strict";

  var codec = window.webauthnCodec;
  var toBuffer = codec.toBuffer;
  var toText = codec.toText;
  var messageOf = codec.messageOf;

  function post(url, body) {
    var headers = window.csrfHeaders({ "Content-Type": "application/json", Accept: "application/json" });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? "{}" : JSON.stringify(body)
    });
  }

  function creationOptions(o) {
    return {
      challenge: toBuffer(o.challenge),
      rp: o.rp,
      user: { id: toBuffer(o.user.id), name: o.user.name, displayName: o.user.displayName },
      pubKeyCredParams: o.pubKeyCredParams,
      timeout: o.timeout,
      excludeCredentials: (o.excludeCredentials || []).map(function (c) {
        return { type: c.type, id: toBuffer(c.id), transports: c.transports };
      }),
      authenticatorSelection: o.authenticatorSelection,
      attestation: o.attestation
    };
  }

  function showCodes(codes) {
    var section = document.querySelector("[data-passkey-codes]");
    var list = document.querySelector("[data-passkey-code-list]");
    list.textContent = "";
    codes.forEach(function (code) {
      var item = document.createElement("li");
      var text = document.createElement("code");
      text.textContent = code;
      item.appendChild(text);
      list.appendChild(item);
    });
    // The codes stand alone until "I have saved them" reloads the page with the new passkey listed.
    document.querySelectorAll(".security-page > .card, .security-page > .notice").forEach(function (card) {
      card.hidden = card !== section;
    });
    section.hidden = false;
    section.scrollIntoView();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-passkey-register]");
    var status = document.querySelector("[data-passkey-status]");
    var unsupported = document.querySelector("[data-passkey-unsupported]");
    if (!form || !window.PublicKeyCredential || !navigator.credentials) return;
    form.hidden = false;
    if (unsupported) unsupported.hidden = true;
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      status.textContent = "";
      button.disabled = true;
      try {
        var start = await post("/account/security/passkeys/options");
        if (!start.ok) throw new Error(await messageOf(start, "could not start (HTTP " + start.status + ")"));
        var body = await start.json();
        var credential = await navigator.credentials.create({ publicKey: creationOptions(body.options) });
        var r = credential.response;
        var answer = await post("/account/security/passkeys", {
          flow_id: body.flow_id,
          name: form.elements.name.value,
          credential: {
            id: credential.id,
            rawId: toText(credential.rawId),
            type: credential.type,
            response: {
              clientDataJSON: toText(r.clientDataJSON),
              attestationObject: toText(r.attestationObject),
              transports: typeof r.getTransports === "function" ? r.getTransports() : []
            },
            clientExtensionResults: {}
          }
        });
        if (!answer.ok) throw new Error(await messageOf(answer, "the passkey was not saved (HTTP " + answer.status + ")"));
        var done = await answer.json();
        if (done.recovery_codes && done.recovery_codes.length) {
          showCodes(done.recovery_codes);
        } else {
          window.location.assign(done.next);
        }
      } catch (err) {
        var text = err && err.name === "NotAllowedError" ? "the browser or the authenticator cancelled it" : (err && err.message ? err.message : String(err));
        status.textContent = "Adding the passkey failed: " + text;
        button.disabled = false;
      }
    });
  });
})();
