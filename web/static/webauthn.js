/* What the passkey scripts share (passkey.js on the login page, account_security.js on the security
   page): WebAuthn's binary fields travel as base64url text in our JSON, and a refused request's message
   is read from the error envelope. */
(function () {
  "use strict";

  window.webauthnCodec = {
    toBuffer: function (text) {
      var s = text.replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) s += "=";
      var bin = atob(s);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return bytes.buffer;
    },
    toText: function (buffer) {
      var bytes = new Uint8Array(buffer);
      var s = "";
      for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
    messageOf: async function (response, fallback) {
      try {
        var body = await response.json();
        if (body && body.error && body.error.message) return body.error.message;
      } catch (e) { /* not JSON */ }
      return fallback;
    }
  };
})();
