/* Live prices on the marketplace and offer pages (issue 10): one WebSocket to /ws/prices subscribed
   with the page's own filters; a changed row's price, age and badge are updated and briefly
   highlighted. The connection comes back after a drop, waiting 1, 2, 4 ... seconds, at most 30 s,
   and resumes from the last sequence number it saw, so nothing in between is missed. */
(function () {
  "use strict";

  var MAX_BACKOFF_MS = 30000;

  function money(v) {
    var n = Number(v);
    var text = n < 1 && Math.round(n * 100) !== Math.round(n * 1000) / 10 ? n.toFixed(3) : n.toFixed(2);
    return "$" + text.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /* The same words as the server's "age" filter (web/routes.py). */
  function age(iso) {
    var seconds = (Date.now() - Date.parse(iso)) / 1000;
    if (!(seconds >= 60)) { return "just now"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min ago"; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + " h ago"; }
    var days = Math.floor(seconds / 86400);
    if (days < 60) { return days + (days === 1 ? " day old" : " days old"); }
    return Math.floor(days / 30) + " months old";
  }

  function start() {
    var table = document.querySelector("[data-live-table]");
    var single = document.querySelector("[data-live-offer]");
    if (!table && !single) {
      return;
    }
    var status = document.querySelector("[data-live-status]");
    var filters = {};
    if (table) {
      try {
        filters = JSON.parse(table.getAttribute("data-stream-filters") || "{}");
      } catch (e) {
        filters = {};
      }
      ["sort", "page", "page_size"].forEach(function (k) { delete filters[k]; });
      if (filters.include_gpu_only) { filters.include_gpu_only = filters.include_gpu_only === "true"; }
      if (filters.spot) { filters.spot = filters.spot === "true"; }
    } else {
      filters = { include_gpu_only: true };
    }
    var lastSeq = null;
    var attempt = 0;
    var updates = 0;
    function backoff(n) {
      return Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, n));
    }
    window.gpubrokerLive = { updates: 0, connected: false, reconnects: 0, backoff: backoff };

    function say(text) {
      if (status) {
        status.hidden = false;
        status.textContent = text;
      }
    }

    function apply(msg) {
      var rows = single
        ? [single]
        : Array.prototype.slice.call(document.querySelectorAll('tr[data-offer-id="' + msg.offer_id + '"]'));
      if (single && single.getAttribute("data-live-offer") !== msg.offer_id) {
        return;
      }
      rows.forEach(function (row) {
        var priceCell = single ? single : row.querySelector("td.price");
        if (priceCell) {
          priceCell.setAttribute("data-price", String(msg.new_price));
          var first = priceCell.firstChild;
          if (first && first.nodeType === 3) {
            first.nodeValue = money(msg.new_price);
          }
        }
        var perGpu = single ? null : row.querySelector("[data-price-per-gpu]");
        var gpus = Number(row.getAttribute("data-gpus") || 0);
        if (perGpu && gpus > 0) {
          perGpu.setAttribute("data-price-per-gpu", String(msg.new_price / gpus));
          perGpu.textContent = money(msg.new_price / gpus);
        }
        var scope = single ? document : row;
        /* The badge (live, snapshot, stale) stays the server's: the source of a price does not change. */
        if (msg.price_as_of) {
          Array.prototype.forEach.call(scope.querySelectorAll("[data-price-as-of], .price-age"), function (when) {
            if (when.hasAttribute("datetime")) {
              when.setAttribute("datetime", msg.price_as_of);
            }
            when.textContent = age(msg.price_as_of);
          });
        }
        row.setAttribute("data-availability", msg.availability);
        row.classList.remove("live-changed");
        void row.offsetWidth; /* restart the highlight */
        row.classList.add("live-changed");
      });
      updates += 1;
      window.gpubrokerLive.updates = updates;
      say("Live: " + updates + (updates === 1 ? " price changed" : " prices changed") + " since you opened this page.");
    }

    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(scheme + location.host + "/ws/prices");
      ws.onopen = function () {
        attempt = 0;
        var sub = { type: "subscribe", filters: filters };
        if (lastSeq !== null) {
          sub.last_seq = lastSeq;
        }
        ws.send(JSON.stringify(sub));
      };
      ws.onmessage = function (event) {
        var msg;
        try {
          msg = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (msg.type === "subscribed") {
          if (lastSeq === null) {
            lastSeq = msg.last_seq;
          }
          window.gpubrokerLive.connected = true;
          say("Live: prices on this page update as providers change them.");
        } else if (msg.type === "price_update") {
          lastSeq = Math.max(lastSeq || 0, msg.seq);
          apply(msg);
        } else if (msg.type === "resync") {
          say("Live: some changes were missed; reload the page for current prices.");
        }
      };
      ws.onclose = function () {
        window.gpubrokerLive.connected = false;
        var wait = backoff(attempt);
        attempt += 1;
        window.gpubrokerLive.reconnects += 1;
        window.gpubrokerLive.nextRetryMs = wait;
        say("Live updates paused; reconnecting in " + Math.round(wait / 1000) + " s.");
        setTimeout(connect, wait);
      };
    }

    if ("WebSocket" in window) {
      connect();
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
