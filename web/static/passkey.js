/* "Sign in with a passkey" on the login page: the challenge from POST /auth/passkey/options goes to
   navigator.credentials.get() (no email: the authenticator offers the passkeys it holds for this site,
   after checking its PIN or biometric), the assertion to POST /login/passkey, which sets the site's
   sign-in cookies like the password form. Without WebAuthn in the browser the button stays hidden. */
(function () {
  "use strict";

  var codec = window.webauthnCodec;
  var toBuffer = codec.toBuffer;
  var toText = codec.toText;
  var messageOf = codec.messageOf;

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-passkey]");
    var status = document.querySelector("[data-passkey-status]");
    if (!button || !window.PublicKeyCredential || !navigator.credentials) return;
    button.hidden = false;
    button.addEventListener("click", async function () {
      status.textContent = "";
      button.disabled = true;
      try {
        var start = await fetch("/auth/passkey/options", { method: "POST", headers: { Accept: "application/json" } });
        if (!start.ok) throw new Error(await messageOf(start, "could not start (HTTP " + start.status + ")"));
        var body = await start.json();
        var o = body.options;
        var credential = await navigator.credentials.get({
          publicKey: {
            challenge: toBuffer(o.challenge),
            rpId: o.rpId,
            timeout: o.timeout,
            userVerification: o.userVerification,
            allowCredentials: []
          }
        });
        var r = credential.response;
        var headers = window.csrfHeaders({ "Content-Type": "application/json", Accept: "application/json" });
        var answer = await fetch("/login/passkey", {
          method: "POST",
          credentials: "same-origin",
          headers: headers,
          body: JSON.stringify({
            flow_id: body.flow_id,
            next: button.getAttribute("data-next") || "/",
            credential: {
              id: credential.id,
              rawId: toText(credential.rawId),
              type: credential.type,
              response: {
                clientDataJSON: toText(r.clientDataJSON),
                authenticatorData: toText(r.authenticatorData),
                signature: toText(r.signature),
                userHandle: r.userHandle ? toText(r.userHandle) : null
              },
              clientExtensionResults: {}
            }
          })
        });
        if (!answer.ok) throw new Error(await messageOf(answer, "sign-in failed (HTTP " + answer.status + ")"));
        var done = await answer.json();
        window.location.assign(done.next || "/");
      } catch (err) {
        status.textContent = "Passkey sign-in failed: " + (err && err.message ? err.message : err);
        button.disabled = false;
      }
    });
  });
})();
