// esatis: small progressive enhancements. Pages work without JavaScript; this adds:
// - the CSRF token on every htmx request (the session cookie alone is not enough for a write);
// - the footer's server clock, read from /api/v1/time so nothing depends on the visitor's clock.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  document.addEventListener("htmx:configRequest", function (evt) {
    if (csrf) { evt.detail.headers["X-CSRF-Token"] = csrf; }
  });
  // Show 4xx answers (our error fragments) instead of silently ignoring them.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status >= 400 && status < 500) { evt.detail.shouldSwap = true; evt.detail.isError = false; }
  });

  var clock = document.querySelector("[data-server-clock]");
  if (!clock || !window.fetch) { return; }
  var offsetMs = 0;
  function sync() {
    var sent = Date.now();
    fetch("/api/v1/time", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var received = Date.now();
        // Assume the answer was produced half-way through the round trip.
        offsetMs = Date.parse(body.now) - (sent + received) / 2;
        window.esatisServerOffsetMs = offsetMs;
      })
      .catch(function () { /* keep the previous offset */ });
  }
  function render() {
    var now = new Date(Date.now() + offsetMs);
    clock.textContent = now.toLocaleTimeString("tr-TR", { timeZone: "Europe/Istanbul" });
    clock.setAttribute("datetime", now.toISOString());
  }
  sync();
  setInterval(sync, 60000);
  setInterval(render, 1000);
  render();
})();
