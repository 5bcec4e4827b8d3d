/* GPUBroker page behaviour. Everything here is an extra: the pages work without JavaScript.
   1. Theme: a toggle that pins light or dark and remembers it in localStorage. This file is
      loaded in <head> so the saved theme is applied before the first paint (no flash).
   2. Filter form: empty fields are not sent, so shared URLs stay short (the server ignores
      them anyway).
   3. csrfHeaders(headers): adds the page's CSRF token (its <meta name="csrf-token">) to a script's
      cookie-signed request, as web/security.py requires. */
(function () {
  "use strict";

  window.csrfHeaders = function (headers) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) headers["X-CSRF-Token"] = meta.getAttribute("content");
    return headers;
  };

  var KEY = "gpubroker-theme";
  var root = document.documentElement;

  function saved() {
    try {
      var v = window.localStorage.getItem(KEY);
      return v === "light" || v === "dark" ? v : null;
    } catch (e) {
      return null; // storage can be blocked (private mode, policies)
    }
  }

  function systemTheme() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function current() {
    return root.getAttribute("data-theme") || systemTheme();
  }

  var pinned = saved();
  if (pinned) {
    root.setAttribute("data-theme", pinned);
  }

  function syncToggle(button) {
    var dark = current() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    var label = button.querySelector("[data-theme-label]");
    if (label) {
      label.textContent = dark ? "Light theme" : "Dark theme";
    }
    button.setAttribute("title", dark ? "Switch to the light theme" : "Switch to the dark theme");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (button) {
      button.hidden = false;
      syncToggle(button);
      button.addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try {
          window.localStorage.setItem(KEY, next);
        } catch (e) {
          /* the choice then lasts for this page only */
        }
        syncToggle(button);
      });
      if (window.matchMedia) {
        window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
          syncToggle(button);
        });
      }
    }

    var form = document.querySelector("[data-filter-form]");
    if (form) {
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name && !el.disabled && typeof el.value === "string" && el.value.trim() === "") {
            el.disabled = true; // disabled controls are left out of the submitted query
          }
        });
      });
    }
  });

  // Coming back through the history cache must not leave fields disabled by the submit above.
  window.addEventListener("pageshow", function () {
    var form = document.querySelector("[data-filter-form]");
    if (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        el.disabled = false;
      });
    }
  });
})();
