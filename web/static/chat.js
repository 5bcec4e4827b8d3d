/* GPUBroker chat page: streams the assistant's answer. Everything here is an extra: without it the
   form posts to /chat and the server renders the same answer when the run has finished.

   With it, a request goes to POST /ai/chat/stream (fetch, the body read as a stream of server-sent
   events; the event names are documented in api/chat.py): `token` pieces are written into the
   answer as they arrive, `tool_start`/`tool_end` become short status lines, `result` becomes the
   offer cards, the forecast (figures, an inline SVG chart and a table), the Terraform with a Copy
   button and the marketplace link, and `error` an error message. The thread id of the first answer
   travels with the next request, so follow-ups continue the conversation.

   The API wants a bearer token: POST /chat/token hands one out to this page when the site's
   sign-in cookies (set by /login) are valid; the refresh token stays in an HttpOnly cookie. The markup built here mirrors the macros of templates/chat.html. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var TOOL_LABELS = {
    search_offers: "Searching offers…",
    get_offer: "Reading the offer…",
    compare_offers: "Comparing offers…",
    estimate_requirements: "Sizing the workload…",
    forecast_cost: "Pricing…",
    generate_terraform: "Writing Terraform…",
    book_offer: "Booking…",
    list_bookings: "Reading your bookings…",
    cancel_booking: "Changing the booking…",
    spending_report: "Reading your spending…"
  };
  var TOOL_DONE = {
    search_offers: "Searched offers",
    get_offer: "Read the offer",
    compare_offers: "Compared offers",
    estimate_requirements: "Sized the workload",
    forecast_cost: "Priced",
    generate_terraform: "Wrote Terraform",
    book_offer: "Booking done",
    list_bookings: "Read your bookings",
    cancel_booking: "Changed the booking",
    spending_report: "Read your spending"
  };
  var WAITING = "Nothing happens until you answer below.";
  var TOKENS_PER_FRAME = 2;
  // Geometry of the forecast chart: the same numbers as web/chart.py's forecast_chart.
  var CHART = { width: 640, height: 220, left: 56, right: 16, top: 14, bottom: 34 };

  // --- small helpers ----------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
  }

  function append(node, children) {
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
  }

  // Prices as web/routes.py writes them: cents, or tenths of a cent below a dollar when they matter.
  function money(value) {
    if (value === null || value === undefined) return "—";
    var v = Number(value);
    var tenths = v < 1 && Math.round(v * 100) / 100 !== Math.round(v * 1000) / 1000;
    return "$" + (tenths ? v.toFixed(3) : v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  }

  function number(value) {
    var v = Number(value);
    return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  function niceStep(span, target) {
    if (span <= 0) return 1;
    var raw = span / (target || 5);
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (raw <= steps[i] * magnitude) return steps[i] * magnitude;
    }
    return 10 * magnitude;
  }

  function path(points) {
    return points.map(function (p, i) {
      return (i === 0 ? "M" : "L") + p[0].toFixed(1) + "," + p[1].toFixed(1);
    }).join(" ");
  }

  function nextFrame(fn) {
    // Hidden tabs get no animation frames; the text must still arrive.
    if (document.hidden || !window.requestAnimationFrame) window.setTimeout(fn, 0);
    else window.requestAnimationFrame(fn);
  }

  // --- the result, as the server renders it -------------------------------------------------------

  function offerCard(r) {
    return el("li", { "class": "rec-card", "data-offer-id": r.offer_id }, [
      el("p", { "class": "rec-title" }, [
        el("a", { "class": "rec-name", href: "/offers/" + encodeURIComponent(r.offer_id), text: r.name }),
        " ",
        el("span", { "class": "rec-provider", text: r.provider_id })
      ]),
      el("dl", { "class": "rec-facts" }, [
        fact("GPUs", r.gpu_count + "× " + r.gpu_family),
        fact("Region", r.region || "not listed"),
        fact("$/h", money(r.price_per_hour), "rec-price"),
        fact("$/GPU-h", money(r.price_per_gpu_hour))
      ]),
      el("p", { "class": "rec-reason", text: r.reason })
    ]);
  }

  var LIVE_STATES = { draft: true, pending_provision: true, active: true };
  var STATE_TEXT = {
    draft: "draft", pending_provision: "provisioning", active: "active",
    completed: "completed", failed: "failed", cancelled: "cancelled"
  };

  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + " h " : "") + m + " min";
  }

  // The live part of a booking card: state, and once active, how to connect, time left and cost so far.
  function bookingLive(b) {
    var facts = [];
    if (b.connection) {
      facts.push(el("div", { "class": "booking-ssh" }, [
        el("dt", { text: "SSH" }), el("dd", {}, [el("code", { "data-ssh-command": "", text: b.connection.ssh_command })])
      ]));
      facts.push(fact("IP", b.connection.public_ip));
    }
    if (b.time_left_s !== null && b.time_left_s !== undefined) facts.push(fact("Time left", duration(b.time_left_s)));
    if (b.cost_so_far !== null && b.cost_so_far !== undefined) facts.push(fact("Cost so far", money(b.cost_so_far)));
    if (b.state === "failed" && b.failure_reason) facts.push(fact("Why", b.failure_reason));
    return el("dl", { "class": "rec-facts booking-live", "data-booking-live": "" }, facts);
  }

  function bookingCard(b) {
    var market = b.spot ? "spot (interruptible)" : "on-demand";
    var card = el("li", { "class": "rec-card booking-card", "data-booking-id": b.id, "data-state": b.state }, [
      el("p", { "class": "rec-title" }, [
        el("a", { "class": "rec-name", href: b.url, text: b.offer_name }),
        " ",
        el("span", { "class": "badge badge-state-" + b.state, "data-booking-state": "", text: STATE_TEXT[b.state] || b.state })
      ]),
      el("dl", { "class": "rec-facts" }, [
        fact("Provider", b.provider + (b.provisioner === "sandbox" ? " (sandbox)" : "")),
        fact("GPUs", b.gpu_count + "× " + b.gpu_type),
        fact("$/h", money(b.hourly_price), "rec-price"),
        fact("Hours", number(b.hours)),
        fact("Market", market)
      ]),
      bookingLive(b)
    ]);
    if (LIVE_STATES[b.state]) BookingWatch.watch(card, b.id);
    return card;
  }

  // Booking cards follow their booking: GET /bookings/{id} every few seconds (with the page's API token)
  // until it reaches a final state or the card leaves the page. The chat's answer was written when the
  // booking was still provisioning; this is what keeps the card from saying so after it is active.
  var BookingWatch = {
    token: null,
    every: 3000,
    watch: function (card, id) {
      var self = this, seen = false;
      async function tick() {
        if (card.isConnected) seen = true;
        else if (seen) return; // the card left the page
        try {
          var token = self.token ? await self.token(false) : null;
          if (token) {
            var r = await fetch("/bookings/" + encodeURIComponent(id), {
              credentials: "same-origin", headers: { Accept: "application/json", Authorization: "Bearer " + token }
            });
            if (r.status === 401 && self.token) await self.token(true); // expired: a fresh one next time
            if (r.ok) self.update(card, await r.json());
          }
        } catch (e) { /* offline for a moment: the next tick tries again */ }
        if (LIVE_STATES[card.dataset.state]) setTimeout(tick, self.every);
      }
      setTimeout(tick, self.every);
    },
    update: function (card, b) {
      card.dataset.state = b.state;
      var badge = card.querySelector("[data-booking-state]");
      if (badge) {
        badge.className = "badge badge-state-" + b.state;
        badge.textContent = STATE_TEXT[b.state] || b.state;
      }
      var live = card.querySelector("[data-booking-live]");
      if (live) live.replaceWith(bookingLive(b));
    }
  };

  // The question a paused run asks; its buttons answer it (see init: data-resume).
  function approvalCard(a) {
    var booking = a.action === "book_offer";
    return el("section", { "class": "chat-block chat-approval", "aria-label": "Approval needed", "data-approval": a.id }, [
      el("h3", { text: booking ? "Approve this booking?" : "Confirm" }),
      el("p", { "class": "approval-question", text: a.question }),
      a.spot !== undefined ? el("p", { "class": "badge " + (a.spot ? "badge-spot" : "badge-up"), "data-market": a.spot ? "spot" : "on-demand", text: a.spot ? "Spot: can be interrupted" : "On-demand" }) : null,
      a.estimated_total !== undefined ? el("dl", { "class": "forecast-figures" }, [
        fact("Per hour", money(a.hourly_price)),
        fact("Hours", number(a.hours)),
        figure("About", money(a.estimated_total), "estimate")
      ]) : null,
      el("div", { "class": "approval-actions" }, [
        el("button", { type: "button", "class": "button button-primary", "data-resume": "approve", text: booking ? "Book it" : "Yes" }),
        " ",
        el("button", { type: "button", "class": "button", "data-resume": "decline", text: booking ? "Don't book" : "No" })
      ])
    ]);
  }

  function fact(term, value, cls) {
    return el("div", {}, [el("dt", { text: term }), el("dd", { "class": cls, text: value })]);
  }

  function figure(term, value, key) {
    return el("div", {}, [el("dt", { text: term }), el("dd", { "data-figure": key, text: value })]);
  }

  // "Forecast of the past: market data end Jun 18, 2026", as web/chart.py's stale_note.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function staleNote(f) {
    var stale = (f.warnings || []).some(function (w) { return w.indexOf("of the past") >= 0; });
    if (!stale) return "";
    var end = (f.trend && f.trend.history_end) || f.history_end;
    if (!end) return "Forecast of the past";
    var d = end.slice(0, 10).split("-");
    return "Forecast of the past: market data end " + MONTHS[Number(d[1]) - 1] + " " + Number(d[2]) + ", " + d[0];
  }

  function signed(v) { return (v >= 0 ? "+" : "") + Number(v).toFixed(1) + "%"; }

  // The market index's trend line, as _forecast_chart.html's trend_line.
  function trendLine(t) {
    var text = " " + signed(t.change_pct_30d) + " over the next " + (t.days || 30) + " days (80%: " +
      signed(t.low80_pct) + " to " + signed(t.high80_pct) + ")";
    if (t.past_change_pct_30d !== null && t.past_change_pct_30d !== undefined) {
      text += "; moved " + signed(t.past_change_pct_30d) + " in the 30 days to " + t.history_end;
    }
    return el("p", { "class": "forecast-trend", "data-trend": t.direction }, [
      el("span", { "class": "trend-badge trend-" + t.direction, text: "market index " + t.direction }),
      text + "."
    ]);
  }

  // Where the history ends and the warnings, as _forecast_chart.html's forecast_notes.
  function forecastNotes(f) {
    var out = [];
    if (f.history_end) {
      var text = "Price history ends " + f.history_end;
      if (f.trend && f.trend.history_end && f.trend.history_end !== f.history_end) {
        text += "; market index history ends " + f.trend.history_end;
      }
      out.push(el("p", { "class": "muted forecast-basis forecast-history-end", "data-history-end": f.history_end, text: text + "." }));
    }
    if ((f.warnings || []).length) {
      out.push(el("ul", { "class": "forecast-warnings" }, f.warnings.map(function (w) { return el("li", { text: w }); })));
    }
    return out;
  }

  function forecastChart(series, model, note) {
    var n = series.length;
    var top = Math.max.apply(null, series.map(function (p) { return Number(p.high); })) || 1;
    var step = niceStep(top);
    var yMax = step * Math.ceil(top * 1.05 / step);
    var left = CHART.left, right = CHART.width - CHART.right;
    var plotTop = CHART.top, bottom = CHART.height - CHART.bottom;
    function x(i) { return left + (right - left) * (n > 1 ? i / (n - 1) : 0.5); }
    function y(v) { return bottom - (bottom - plotTop) * Number(v) / yMax; }

    var upper = series.map(function (p, i) { return [x(i), y(p.high)]; });
    var lower = series.map(function (p, i) { return [x(i), y(p.low)]; });
    var line = series.map(function (p, i) { return [x(i), y(p.value)]; });
    if (n === 1) {
      upper = [[upper[0][0] - 3, upper[0][1]], [upper[0][0] + 3, upper[0][1]]];
      lower = [[lower[0][0] - 3, lower[0][1]], [lower[0][0] + 3, lower[0][1]]];
      line = [[line[0][0] - 3, line[0][1]], [line[0][0] + 3, line[0][1]]];
    }

    var grid = svg("g", { "class": "chart-grid" });
    var yAxis = svg("g", { "class": "chart-axis chart-axis-y" });
    for (var v = 0; v <= yMax + step / 2; v += step) {
      var ty = y(v).toFixed(1);
      grid.appendChild(svg("line", { x1: left, x2: right, y1: ty, y2: ty }));
      yAxis.appendChild(svg("text", { x: left - 8, y: (y(v) + 4).toFixed(1), "text-anchor": "end", text: money(v) }));
    }
    var xAxis = svg("g", { "class": "chart-axis chart-axis-x" }, [
      svg("line", { x1: left, x2: right, y1: bottom, y2: bottom })
    ]);
    // Every week (or day or two) and the last day, as web/chart.py's _day_ticks.
    var every = n > 14 ? 7 : n <= 7 ? 1 : 2;
    var ticks = [];
    for (var i = 0; i < n; i += every) ticks.push(i);
    if (n > 1 && ticks[ticks.length - 1] !== n - 1) {
      if (n - 1 - ticks[ticks.length - 1] < every / 2 && ticks.length > 1) ticks.pop();
      ticks.push(n - 1);
    }
    ticks.forEach(function (t) {
      var tx = x(t);
      var anchor = tx - left < 24 ? "start" : right - tx < 24 ? "end" : "middle";
      xAxis.appendChild(svg("line", { x1: tx.toFixed(1), x2: tx.toFixed(1), y1: bottom, y2: bottom + 5 }));
      xAxis.appendChild(svg("text", { x: tx.toFixed(1), y: bottom + 20, "text-anchor": anchor, text: "day " + (t + 1) }));
    });

    var first = series[0], last = series[n - 1];
    var label = "Expected $/h over the next " + n + " days with its 80% band. Expected " + money(first.value) +
      "/h on day 1 and " + money(last.value) + "/h on day " + n + "; 80% band on day " + n + ": " +
      money(last.low) + " to " + money(last.high) + "/h." + (note ? " " + note + "." : "");
    var chart = svg("svg", {
      "class": "price-chart forecast-chart",
      viewBox: "0 0 " + CHART.width + " " + CHART.height,
      role: "img",
      "aria-label": label,
      "data-chart": "forecast"
    }, [
      grid, yAxis, xAxis,
      svg("path", { "class": "chart-forecast-band", d: path(upper.concat(lower.slice().reverse())) + " Z" }),
      svg("path", { "class": "chart-forecast-line", d: path(line) }),
      note ? svg("text", { "class": "chart-stale-label", x: left + 8, y: plotTop + 14, "data-chart-part": "stale", text: note }) : null
    ]);
    return el("figure", { "class": "chart forecast-figure" }, [
      el("div", { "class": "chat-scroll-x" }, [chart]),
      el("figcaption", { "class": "legend" }, [
        el("span", {}, [el("i", { "class": "swatch swatch-forecast", "aria-hidden": "true" }), "expected $/h (" + model + ", 80% band)"])
      ])
    ]);
  }

  function forecastTable(series) {
    var rows = series.map(function (p, i) {
      return el("tr", {}, [
        el("td", { text: "day " + (i + 1) }),
        el("td", { "class": "num", text: money(p.value) }),
        el("td", { "class": "num", text: money(p.low) }),
        el("td", { "class": "num", text: money(p.high) })
      ]);
    });
    return el("details", { "class": "chart-data" }, [
      el("summary", { text: "Forecast as a table" }),
      el("div", { "class": "data-scroll", role: "region", "aria-label": "Forecast by day", tabindex: "0" }, [
        el("table", { "class": "data-table" }, [
          el("thead", {}, [el("tr", {}, [
            el("th", { scope: "col", text: "Day" }),
            el("th", { scope: "col", "class": "num", text: "Expected $/h" }),
            el("th", { scope: "col", "class": "num", text: "80% low" }),
            el("th", { scope: "col", "class": "num", text: "80% high" })
          ])]),
          el("tbody", {}, rows)
        ])
      ])
    ]);
  }

  function renderResult(result, fieldLabels) {
    var blocks = [];
    if (result.booking) {
      blocks.push(el("section", { "class": "chat-block", "aria-label": "Booking" }, [
        el("h3", { text: "Booking" }), el("ul", { "class": "rec-list" }, [bookingCard(result.booking)])
      ]));
    }
    if ((result.bookings || []).length) {
      blocks.push(el("section", { "class": "chat-block", "aria-label": "Bookings" }, [
        el("h3", { text: "Bookings" }),
        el("ul", { "class": "rec-list" }, result.bookings.map(bookingCard)),
        el("p", {}, [el("a", { href: "/account/bookings", text: "All bookings" })])
      ]));
    }
    if (result.spending) {
      var invoices = result.spending.invoices || [];
      blocks.push(el("section", { "class": "chat-block", "aria-label": "Spending" }, [
        el("h3", { text: "Spending" }),
        el("p", { text: result.spending.summary || "" }),
        invoices.length ? el("ul", {}, invoices.map(function (inv) {
          return el("li", {}, [el("a", { href: inv.url, text: inv.number }), " (" + inv.day + "): " + inv.total + " " + inv.currency]);
        })) : null
      ]));
    }
    var recs = result.recommendations || [];
    if (recs.length) {
      blocks.push(el("section", { "class": "chat-block", "aria-label": "Recommended offers" }, [
        el("h3", { text: "Recommended offers" }),
        el("ul", { "class": "rec-list" }, recs.map(offerCard))
      ]));
    } else if ((result.nearest || []).length || (result.relax || []).length) {
      var parts = [el("h3", { text: "No offer matched every filter" })];
      if ((result.relax || []).length) {
        var advice = ["Try relaxing: "];
        result.relax.forEach(function (f, i) {
          advice.push(el("strong", { text: fieldLabels[f] || f }));
          if (i < result.relax.length - 1) advice.push(", ");
        });
        advice.push(".");
        parts.push(el("p", {}, advice));
      }
      if ((result.nearest || []).length) {
        parts.push(el("h4", { text: "Closest offers" }));
        parts.push(el("ul", { "class": "rec-list" }, result.nearest.map(offerCard)));
      }
      blocks.push(el("section", { "class": "chat-block chat-nomatch", "aria-label": "No offer matched" }, parts));
    }

    var f = result.forecast;
    if (f) {
      var series = f.series || [];
      blocks.push(el("section", { "class": "chat-block chat-forecast", "aria-label": "Cost forecast", "data-forecast": "chat" }, [
        el("h3", { text: "Cost forecast" }),
        el("dl", { "class": "forecast-figures" }, [
          figure("Per hour", money(f.hourly), "hourly"),
          figure("Per day", money(f.daily), "daily"),
          figure("Total for " + number(f.hours) + " h", money(f.total), "total"),
          figure("80% range per hour", money(f.ci_low) + "–" + money(f.ci_high), "range"),
          figure("Model", f.model, "model")
        ]),
        f.trend ? trendLine(f.trend) : null,
        series.length ? forecastChart(series, f.model, staleNote(f)) : null,
        series.length ? forecastTable(series) : null,
        el("p", { "class": "muted forecast-basis", text: "Basis: " + f.basis + "." })
      ].concat(forecastNotes(f))));
    }

    if (result.iac) {
      var notes = result.iac.notes || [];
      blocks.push(el("section", { "class": "chat-block chat-iac", "aria-label": "Terraform" }, [
        el("div", { "class": "iac-head" }, [
          el("h3", {}, ["Terraform ", el("span", { "class": "muted", text: "(" + result.iac.template + ")" })]),
          el("button", { type: "button", "class": "button", "data-copy": true, text: "Copy" })
        ]),
        el("pre", { "class": "iac-code", tabindex: "0" }, [el("code", { text: result.iac.terraform })]),
        notes.length ? el("ul", { "class": "iac-notes" }, notes.map(function (n) { return el("li", { text: n }); })) : null
      ]));
    }

    if (result.marketplace_url) {
      blocks.push(el("p", { "class": "chat-marketplace" }, [
        el("a", { href: result.marketplace_url, text: "Open these filters in the marketplace" })
      ]));
    }
    return el("div", { "class": "chat-result", "data-chat-result": true }, blocks);
  }

  // --- server-sent events -------------------------------------------------------------------------

  function parseEvent(block) {
    var event = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      line = line.replace(/\r$/, "");
      if (!line || line.charAt(0) === ":") return;
      var i = line.indexOf(":");
      var field = i < 0 ? line : line.slice(0, i);
      var value = i < 0 ? "" : line.slice(i + 1);
      if (value.charAt(0) === " ") value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    });
    var payload = null;
    try {
      payload = data.length ? JSON.parse(data.join("\n")) : {};
    } catch (e) {
      payload = { text: data.join("\n") };
    }
    return { event: event, data: payload };
  }

  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (block.trim()) await onEvent(parseEvent(block));
      }
    }
    buffer += decoder.decode();
    if (buffer.trim()) await onEvent(parseEvent(buffer));
  }

  // --- one turn of the conversation ---------------------------------------------------------------

  function Turn(log, prompt, fieldLabels) {
    this.fieldLabels = fieldLabels;
    this.tools = el("ul", { "class": "chat-tools", "aria-label": "What the assistant is doing", "aria-live": "polite" });
    this.answer = el("p", { "class": "chat-text chat-answer", "data-answer": true, "data-tokens": "0", "aria-live": "polite" });
    this.node = el("li", { "class": "chat-msg chat-msg-assistant", "aria-busy": "true" }, [
      el("p", { "class": "chat-who", text: "Assistant" }), this.tools, this.answer
    ]);
    log.appendChild(el("li", { "class": "chat-msg chat-msg-user" }, [
      el("p", { "class": "chat-who", text: "You" }), el("p", { "class": "chat-text", text: prompt })
    ]));
    log.appendChild(this.node);
    this.queue = [];
    this.scheduled = false;
    this.waiters = [];
    this.toolLines = {};
  }

  // Token pieces are written on animation frames, at most TOKENS_PER_FRAME a frame. A model that
  // writes slower than that shows each piece as it comes; a burst (the offline planner sends its whole
  // answer within a millisecond once its tools are done: bench/bench_chat_stream.py) reads as typing
  // instead of appearing at once. A hidden tab gets everything at once.
  Turn.prototype.token = function (text) {
    this.queue.push(text);
    this.schedule();
  };

  Turn.prototype.schedule = function () {
    if (this.scheduled) return;
    this.scheduled = true;
    var self = this;
    nextFrame(function () { self.flush(); });
  };

  Turn.prototype.flush = function () {
    this.scheduled = false;
    var n = document.hidden ? this.queue.length : Math.min(this.queue.length, TOKENS_PER_FRAME);
    var pieces = this.queue.splice(0, n);
    this.answer.appendChild(document.createTextNode(pieces.join("")));
    this.answer.setAttribute("data-tokens", String(Number(this.answer.getAttribute("data-tokens")) + pieces.length));
    if (this.queue.length) {
      this.schedule();
    } else {
      this.waiters.splice(0).forEach(function (resolve) { resolve(); });
    }
  };

  Turn.prototype.written = function () {
    var self = this;
    return this.queue.length ? new Promise(function (resolve) { self.waiters.push(resolve); }) : Promise.resolve();
  };

  Turn.prototype.toolStart = function (data) {
    var label = TOOL_LABELS[data.name] || "Running " + data.name + "…";
    var line = el("li", { "class": "tool-line", "data-state": "running", "data-tool": data.name, text: label });
    this.toolLines[data.id] = { line: line, name: data.name };
    this.tools.appendChild(line);
  };

  Turn.prototype.toolEnd = function (data) {
    var entry = this.toolLines[data.id];
    if (!entry) return;
    entry.line.setAttribute("data-state", data.ok ? "done" : "failed");
    if (data.ok) {
      entry.line.textContent = TOOL_DONE[entry.name] || entry.name + " done";
    } else {
      var running = (TOOL_LABELS[entry.name] || entry.name).replace(/…$/, "");
      entry.line.textContent = running + " failed" + (data.error ? ": " + data.error : "");
    }
  };

  Turn.prototype.result = function (result) {
    if (!this.answer.textContent.trim()) this.answer.textContent = result.summary || "";
    this.node.appendChild(renderResult(result, this.fieldLabels));
  };

  Turn.prototype.approval = function (a) {
    var self = this;
    // The tool that asked is paused, not running: say what it waits for.
    Object.keys(this.toolLines).forEach(function (id) {
      var entry = self.toolLines[id];
      if (entry.line.getAttribute("data-state") === "running") {
        entry.line.setAttribute("data-state", "waiting");
        entry.line.textContent = "Waiting for your approval";
      }
    });
    if (!this.answer.textContent.trim()) this.answer.textContent = WAITING;
    this.node.appendChild(el("div", { "class": "chat-result", "data-chat-result": true }, [approvalCard(a)]));
  };

  Turn.prototype.fail = function (message, link) {
    this.node.appendChild(el("p", { "class": "notice notice-error chat-turn-error", role: "alert" }, [
      message,
      link ? " " : null,
      link ? el("a", { href: link.href, text: link.text }) : null
    ]));
  };

  Turn.prototype.done = function () {
    this.node.removeAttribute("aria-busy");
  };

  // --- the page -----------------------------------------------------------------------------------

  function init() {
    var form = document.querySelector("[data-chat-form]");
    if (!form) return;
    var log = document.querySelector("[data-chat-log]");
    var textarea = form.querySelector("textarea[name=prompt]");
    var send = form.querySelector("[data-send]");
    var examples = Array.prototype.slice.call(form.querySelectorAll("[data-example]"));
    var threadInput = form.querySelector("[data-thread-id]");
    var newChat = form.querySelector("[data-new-chat]");
    var errorBox = document.querySelector("[data-chat-error]");
    var empty = document.querySelector("[data-chat-empty]");
    var maxChars = Number(textarea.getAttribute("data-max-chars")) || 8000;
    var fieldLabels = {};
    try {
      fieldLabels = JSON.parse(form.getAttribute("data-field-labels") || "{}");
    } catch (e) {
      fieldLabels = {};
    }
    var token = null;
    BookingWatch.token = async function (fresh) {
      if (fresh) token = null;
      token = token || await fetchToken();
      return token;
    };
    var busy = false;

    Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (node) {
      node.hidden = false;
    });

    function showError(message) {
      errorBox.textContent = "";
      if (message) errorBox.appendChild(el("p", { "class": "notice notice-error", role: "alert", text: message }));
    }

    function setBusy(on) {
      busy = on;
      send.disabled = on;
      examples.forEach(function (b) { b.disabled = on; });
      form.setAttribute("aria-busy", on ? "true" : "false");
    }

    async function fetchToken() {
      var r = await fetch("/chat/token", { method: "POST", credentials: "same-origin", headers: window.csrfHeaders({ Accept: "application/json" }) });
      if (!r.ok) return null;
      var body = await r.json();
      return body.access_token || null;
    }

    function post(payload) {
      var body = Object.assign({}, payload);
      if (threadInput.value) body.thread_id = threadInput.value;
      return fetch("/ai/chat/stream", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream", Authorization: "Bearer " + token },
        body: JSON.stringify(body)
      });
    }

    async function errorMessage(response) {
      try {
        var body = await response.json();
        if (body && body.error && body.error.message) return body.error.message;
      } catch (e) { /* not JSON */ }
      return "The request failed (HTTP " + response.status + ").";
    }

    async function ask(prompt) {
      if (busy) return;
      if (!prompt.trim()) {
        showError("Write a request first: the prompt is empty.");
        textarea.focus();
        return;
      }
      if (prompt.length > maxChars) {
        showError("The prompt is " + prompt.length.toLocaleString("en-US") + " characters long; the limit is " +
          maxChars.toLocaleString("en-US") + ". Shorten it.");
        textarea.focus();
        return;
      }
      textarea.value = "";
      await run({ prompt: prompt }, prompt);
    }

    // Answers the approval a paused run asked for; the card's buttons stop working once used.
    async function resume(approved, card) {
      if (busy) return;
      Array.prototype.forEach.call(card.querySelectorAll("[data-resume]"), function (b) { b.disabled = true; });
      card.setAttribute("data-answered", approved ? "approve" : "decline");
      await run({ resume: { approved: approved } }, approved ? "Book it" : "Don't book");
    }

    // A conversation the page did not list yet (its first answer is streaming) goes to the top of the
    // list, titled by its first request as the server titles it; it is the current one.
    function listConversation(threadId, prompt) {
      var list = document.querySelector("[data-thread-list]");
      if (!list) return;
      var links = Array.prototype.slice.call(list.querySelectorAll("a[data-thread]"));
      links.forEach(function (a) {
        if (a.getAttribute("data-thread") === threadId) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      });
      if (links.some(function (a) { return a.getAttribute("data-thread") === threadId; }) || !prompt) return;
      var title = prompt.split(/\s+/).join(" ").trim();
      if (title.length > 80) title = title.slice(0, 79).trim() + "…";
      list.insertBefore(el("li", {}, [
        el("a", { href: "/chat?thread=" + encodeURIComponent(threadId), "data-thread": threadId, "aria-current": "page", text: title })
      ]), list.firstChild);
      var none = document.querySelector("[data-threads-empty]");
      if (none) none.hidden = true;
    }

    async function run(payload, label) {
      showError("");
      if (empty) empty.hidden = true;
      setBusy(true);
      var turn = new Turn(log, label, fieldLabels);
      var ended = false;
      var prompt = payload.prompt || "";
      try {
        token = token || await fetchToken();
        var response = token ? await post(payload) : null;
        if (response && response.status === 401) {
          token = await fetchToken();
          response = token ? await post(payload) : null;
        }
        if (!response) {
          turn.fail("Your sign-in has ended.", { href: "/login?next=/chat", text: "Sign in again" });
          return;
        }
        if (!response.ok) {
          turn.fail(await errorMessage(response));
          if (response.status === 404) threadInput.value = "";
          return;
        }
        await readEvents(response, async function (ev) {
          var d = ev.data || {};
          if (ev.event === "metadata" && d.thread_id) {
            threadInput.value = d.thread_id;
            listConversation(d.thread_id, prompt);
          } else if (ev.event === "token") {
            turn.token(d.text || "");
          } else if (ev.event === "tool_start") {
            turn.toolStart(d);
          } else if (ev.event === "tool_end") {
            turn.toolEnd(d);
          } else if (ev.event === "approval_required") {
            await turn.written();
            turn.approval(d);
          } else if (ev.event === "result") {
            await turn.written();
            if (d.thread_id) threadInput.value = d.thread_id;
            turn.result(d);
          } else if (ev.event === "error") {
            await turn.written();
            turn.fail(d.message || "The assistant failed.");
          } else if (ev.event === "end") {
            ended = true;
          }
        });
        await turn.written();
        if (!ended) turn.fail("The answer stopped before it was complete. Try again.");
      } catch (err) {
        turn.fail("Could not reach the assistant: " + (err && err.message ? err.message : err));
      } finally {
        turn.done();
        setBusy(false);
        if (newChat && threadInput.value) newChat.hidden = false;
        if (prompt && !textarea.value && !turn.node.querySelector("[data-chat-result]")) {
          // Nothing came back: give the prompt back so it need not be typed again.
          textarea.value = prompt;
        }
      }
    }

    log.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-resume]");
      if (!button) return;
      event.preventDefault();
      var card = button.closest("[data-approval]");
      if (card) resume(button.getAttribute("data-resume") === "approve", card);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var example = event.submitter && event.submitter.hasAttribute("data-example") ? event.submitter.value : null;
      ask(example || textarea.value);
    });

    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
        event.preventDefault();
        ask(textarea.value);
      }
    });
  }

  // --- Copy buttons (streamed answers and server-rendered ones) -----------------------------------

  function announce(message) {
    var region = document.querySelector("[data-chat-announce]");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick, so the same message is announced again on a second copy.
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function copyWithSelection(text) {
    var area = el("textarea", { readonly: true, "class": "visually-hidden" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  async function copy(button) {
    var block = button.closest(".chat-iac");
    var code = block && block.querySelector("pre code");
    if (!code) return;
    var text = code.textContent;
    var ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch (e) {
        ok = false;
      }
    }
    if (!ok) ok = copyWithSelection(text);
    button.focus();
    if (ok) {
      button.textContent = "Copied";
      announce("Copied");
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    } else {
      announce("Copy failed: select the code and press Ctrl+C");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (button) copy(button);
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy][hidden]"), function (b) {
      b.hidden = false;
    });
    init();
  });
})();
