// A provisioning or active booking's page follows its booking live: every few seconds it reads
// GET /bookings/{id} (with the page's API token from POST /chat/token) and updates the state, how to
// connect, the cost so far; the time left counts down every second. A change of state that needs other
// buttons (active -> completed) reloads the page. Without JavaScript the page reloads itself instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-booking]");
  if (!root) return;
  var id = root.getAttribute("data-booking");
  var state = root.getAttribute("data-state");
  var token = null;
  var LIVE = { pending_provision: true, active: true };

  function $(sel) { return root.querySelector(sel); }

  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h + " h " + m + " min " + (h ? "" : r + " s");
  }

  async function fetchToken() {
    var r = await fetch("/chat/token", { method: "POST", credentials: "same-origin", headers: window.csrfHeaders({ Accept: "application/json" }) });
    if (!r.ok) return null;
    return (await r.json()).access_token || null;
  }

  function show(b) {
    if (b.state !== state) { window.location.reload(); return; }
    var card = $("[data-connection]");
    if (b.connection && card) {
      card.hidden = false;
      $("[data-ssh-command]").textContent = b.connection.ssh_command;
      $("[data-public-ip]").textContent = b.connection.public_ip;
      $("[data-ports]").textContent = b.connection.ports.map(function (p) {
        return p.port + "/" + p.protocol + " → " + p.public_port;
      }).join(", ");
      var copy = $("[data-copy]");
      if (copy && navigator.clipboard) copy.hidden = false;
    }
    var left = $("[data-time-left]");
    if (left && b.time_left_s !== null && b.time_left_s !== undefined) left.setAttribute("data-seconds", String(b.time_left_s));
    var cost = $("[data-cost]");
    if (cost && b.cost_so_far !== null && b.cost_so_far !== undefined) {
      cost.textContent = new Intl.NumberFormat(undefined, { style: "currency", currency: b.currency || "USD" }).format(b.cost_so_far);
    }
  }

  async function poll() {
    try {
      token = token || await fetchToken();
      if (token) {
        var r = await fetch("/bookings/" + encodeURIComponent(id), {
          credentials: "same-origin", headers: { Accept: "application/json", Authorization: "Bearer " + token }
        });
        if (r.status === 401) token = null;
        if (r.ok) show(await r.json());
      }
    } catch (e) { /* a moment offline: try again next time */ }
    if (LIVE[state]) setTimeout(poll, 3000);
  }

  function countdown() {
    var left = $("[data-time-left]");
    var raw = left && left.getAttribute("data-seconds");
    if (raw) {
      var s = Math.max(0, Number(raw) - 1);
      left.setAttribute("data-seconds", String(s));
      left.textContent = duration(s);
    }
  }

  var copy = $("[data-copy]");
  if (copy && navigator.clipboard && $("[data-ssh-command]").textContent) copy.hidden = false;
  if (copy) copy.addEventListener("click", function () {
    navigator.clipboard.writeText($("[data-ssh-command]").textContent).then(function () { copy.textContent = "Copied"; });
  });
  var how = document.querySelector("[data-refresh-how]");
  if (how) how.textContent = "this page updates as soon as it does";
  setInterval(countdown, 1000);
  setTimeout(poll, 1500);
})();
