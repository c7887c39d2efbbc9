// esatis lot page: live price, bid list and countdown on the SERVER's clock; the bid form's quick raises
// and its confirmation dialog. The page works without this file (full-page forms); with it nothing
// reloads while bidding.
//
// Live protocol (docs/api-contract.md "Live updates"): WS /ws/lots/{id}?after_seq=N sends a snapshot with
// `server_time`, then every event with seq > N, then live events, each exactly once, in seq order. We keep
// the last applied seq; a gap means we missed something: reconnect with after_seq = last applied. If the
// WebSocket cannot be opened at all (a proxy that blocks it) we fall back to polling the same event log
// over HTTP (GET /api/v1/lots/{id}/events?after_seq=N) and keep retrying the WebSocket.
//
// Accessibility: the countdown element is role="timer" (not announced on every tick). A separate polite
// live region announces only meaningful moments: 1 hour / 10 minutes / 1 minute left, an extension, a new
// bid (at most one announcement every few seconds), being outbid, the close.
(function () {
  "use strict";

  var root = document.querySelector("[data-live]");
  if (!root) { return; }

  var texts = {};
  try { texts = JSON.parse((document.getElementById("i18n-js") || {}).textContent || "{}"); } catch (e) { texts = {}; }
  function t(key, params) {
    var s = texts[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(params[k])); });
    return s;
  }

  var lang = document.documentElement.getAttribute("lang") || "tr";
  var moneyFmt = new Intl.NumberFormat("tr-TR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var timeFmt = new Intl.DateTimeFormat("tr-TR", { timeZone: "Europe/Istanbul", hour: "2-digit", minute: "2-digit",
                                                   second: "2-digit", hour12: false });
  var dateFmt = new Intl.DateTimeFormat("tr-TR", { timeZone: "Europe/Istanbul", day: "2-digit", month: "2-digit",
                                                   year: "numeric" });

  function money(amount) { return moneyFmt.format(Number(amount)) + " TL"; }
  function moneyInput(kurus) { return moneyFmt.format(kurus / 100); }
  function toKurus(text) {
    // "1.186.750,00", "1186750.00", "1 186 750" → integer kuruş (never floats for the arithmetic).
    var s = String(text || "").replace(/[\s\u00a0]|TL|₺/g, "");
    if (!s) { return null; }
    if (s.indexOf(",") >= 0 || (s.match(/\./g) || []).length > 1 || /^\d{1,3}\.\d{3}$/.test(s)) {
      s = s.replace(/\./g, "").replace(",", ".");
    }
    if (!/^\d+(\.\d{1,2})?$/.test(s)) { return null; }
    var parts = s.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }
  function localDateTime(ms) { var d = new Date(ms); return dateFmt.format(d) + " " + timeFmt.format(d); }

  // --- Server clock -----------------------------------------------------------------------------------
  // Offset = server − local. First from the page (rendered a moment ago), then from the WebSocket
  // snapshot, best from app.js (/api/v1/time with the round trip halved).
  var offset = 0;
  var pageNow = Date.parse(root.getAttribute("data-server-now") || "");
  if (!isNaN(pageNow)) { offset = pageNow - Date.now(); }
  function serverNow() {
    if (typeof window.esatisServerOffsetMs === "number") { offset = window.esatisServerOffsetMs; }
    return Date.now() + offset;
  }

  // --- State ------------------------------------------------------------------------------------------
  var state = {};
  function readState() {
    root = document.querySelector("[data-live]");
    state.lotId = root.getAttribute("data-lot-id");
    state.lastSeq = Math.max(state.lastSeq || 0, parseInt(root.getAttribute("data-seq") || "0", 10));
    state.phase = root.getAttribute("data-phase");
    state.myAlias = root.getAttribute("data-my-alias") || state.myAlias || "";
    state.leaderAlias = root.getAttribute("data-leader-alias") || "";
    state.increment = toKurus(root.getAttribute("data-increment"));
    state.selfOutbid = root.getAttribute("data-self-outbid") === "true";
    state.windowS = parseInt(root.getAttribute("data-window-s") || "0", 10);
    state.scheduledEnd = Date.parse(root.getAttribute("data-scheduled-end") || "");
    var cd = q("countdown");
    state.endsAt = cd ? Date.parse(cd.getAttribute("data-ends-at") || "") : NaN;
    state.prevLeft = null;
    state.extended = 0;
    var note = root.querySelector("[data-extended-note]");
    if (note && !note.hidden) { state.extended = 1; }
  }
  function q(testid) { return document.querySelector('[data-testid="' + testid + '"]'); }

  // --- Announcements ----------------------------------------------------------------------------------
  var lastBidAnnounce = 0;
  var pendingBidText = null;
  var bidAnnounceTimer = null;
  function announce(text) {
    var region = root.querySelector("[data-announcer]");
    if (!region) { return; }
    region.textContent = "";
    // A changed text node is what screen readers announce; clearing first lets the same words repeat.
    setTimeout(function () { region.textContent = text; }, 60);
  }
  function announceBid(text) {
    var now = Date.now();
    pendingBidText = text;
    if (now - lastBidAnnounce >= 4000) {
      lastBidAnnounce = now;
      announce(pendingBidText);
      pendingBidText = null;
    } else if (!bidAnnounceTimer) {
      bidAnnounceTimer = setTimeout(function () {
        bidAnnounceTimer = null;
        if (pendingBidText) { lastBidAnnounce = Date.now(); announce(pendingBidText); pendingBidText = null; }
      }, 4000 - (now - lastBidAnnounce));
    }
  }

  // --- Countdown ----------------------------------------------------------------------------------------
  function countdownText(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (d) { return t("cd.dhm", { d: d, h: h, m: m }); }
    if (h) { return t("cd.hms", { h: h, m: pad(m), s: pad(s) }); }
    return t("cd.ms", { m: m, s: pad(s) });
  }
  var MILESTONES = [[3600, "js.left_60"], [600, "js.left_10"], [60, "js.left_1"]];
  var startFallback = null;
  function tick() {
    var cd = q("countdown");
    if (!cd || isNaN(state.endsAt)) { return; }
    var now = serverNow();
    var left = state.endsAt - now;
    var text;
    if (left > 0) { text = countdownText(left); }
    else { text = state.phase === "open" ? t("cd.ended") : t("cd.starting"); }
    if (cd.textContent !== text) { cd.textContent = text; }
    var box = cd.closest(".countdown-box");
    if (box && state.phase === "open") {
      var inWindow = state.windowS && !isNaN(state.scheduledEnd) && now >= state.scheduledEnd - state.windowS * 1000;
      box.classList.toggle("in-window", Boolean(inWindow) && left > 0);
      box.classList.toggle("is-ended", left <= 0);
    }
    if (state.phase === "open" && state.prevLeft !== null) {
      MILESTONES.forEach(function (m) {
        if (state.prevLeft > m[0] * 1000 && left <= m[0] * 1000 && left > 0) { announce(t(m[1])); }
      });
    }
    if (state.phase === "upcoming" && left <= 0 && !startFallback) {
      // The round_opened event normally reloads the panel; if it is late, look ourselves.
      startFallback = setTimeout(reloadPanel, 3000);
    }
    state.prevLeft = left;
  }

  function setEndsAt(iso, announceIt) {
    // Returns true when the close moved later (an extension).
    var ms = Date.parse(iso || "");
    if (isNaN(ms) || ms === state.endsAt) { return false; }
    var moved = !isNaN(state.endsAt) && ms > state.endsAt;
    state.endsAt = ms;
    var cd = q("countdown");
    if (cd) { cd.setAttribute("data-ends-at", iso); }
    var when = root.querySelector("[data-ends-local]");
    if (when) { when.textContent = localDateTime(ms); when.setAttribute("datetime", iso); }
    if (moved) {
      state.extended += 1;
      var note = root.querySelector("[data-extended-note]");
      if (note) {
        note.hidden = false;
        var span = note.querySelector("[data-extended-text]");
        if (span) { span.textContent = t("js.extended", { time: timeFmt.format(new Date(ms)) }); }
        note.classList.remove("flash"); void note.offsetWidth; note.classList.add("flash");
      }
      if (announceIt) { announce(t("js.extended", { time: timeFmt.format(new Date(ms)) })); }
    }
    return moved;
  }

  // --- Applying events ----------------------------------------------------------------------------------
  function setAmount(testid, amount) {
    var el = q(testid);
    if (!el) { return; }
    el.setAttribute("data-amount", amount);
    el.textContent = money(amount);
    el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  }

  function setLeader(alias) {
    var wasMine = Boolean(state.myAlias) && state.leaderAlias === state.myAlias;
    state.leaderAlias = alias;
    var mine = Boolean(state.myAlias) && alias === state.myAlias;
    var open = state.phase === "open";
    var leader = root.querySelector("[data-leader-state]");
    var outbid = root.querySelector("[data-outbid-state]");
    if (leader) { leader.hidden = !(mine && open); }
    root.classList.toggle("is-leader", mine && open);
    if (outbid && mine) { outbid.hidden = true; }
    if (outbid && wasMine && !mine) { outbid.hidden = false; }
    var submit = q("bid-submit");
    var note = root.querySelector("[data-leader-note]");
    if (submit && !state.selfOutbid) {
      submit.disabled = mine;
      if (mine) { submit.setAttribute("aria-describedby", "leader-note"); } else { submit.removeAttribute("aria-describedby"); }
    }
    if (note) { note.hidden = !(mine && !state.selfOutbid); }
    return wasMine && !mine;  // outbid
  }

  function markMine() {
    if (!state.myAlias) { return; }
    var rows = document.querySelectorAll("[data-bid-rows] tr");
    Array.prototype.forEach.call(rows, function (tr) {
      var cell = tr.firstElementChild;
      if (cell && cell.getAttribute("data-alias") === state.myAlias && !tr.classList.contains("mine")) {
        tr.classList.add("mine");
        var you = document.createElement("strong");
        you.className = "you";
        you.textContent = " (" + t("bids.you") + ")";
        cell.appendChild(you);
      }
    });
  }

  function addRow(ev) {
    var body = document.querySelector("[data-bid-rows]");
    if (!body || body.querySelector('tr[data-seq="' + ev.seq + '"]')) { return; }
    var tr = document.createElement("tr");
    tr.setAttribute("data-seq", ev.seq);
    tr.className = "is-new";
    var who = document.createElement("td");
    who.setAttribute("data-alias", ev.bidder);
    who.textContent = ev.bidder;
    var amount = document.createElement("td");
    amount.className = "num";
    amount.textContent = money(ev.amount);
    var when = document.createElement("td");
    var time = document.createElement("time");
    time.setAttribute("datetime", ev.at);
    time.textContent = localDateTime(Date.parse(ev.at));
    when.appendChild(time);
    tr.appendChild(who); tr.appendChild(amount); tr.appendChild(when);
    body.insertBefore(tr, body.firstChild);
    var empty = document.querySelector("[data-bids-empty]");
    if (empty) { empty.hidden = true; }
    markMine();
  }

  function onBid(ev) {
    setAmount("current-price", ev.amount);
    if (ev.min_next_bid) {
      setAmount("min-next-bid", ev.min_next_bid);
      // The hint under the amount field names the minimum too: a stale one would mislead the next bid.
      var hint = root.querySelector("[data-bid-hint]");
      if (hint) { hint.textContent = t("js.bid_hint", { min: money(ev.min_next_bid), inc: hint.getAttribute("data-increment") }); }
    }
    var count = root.querySelector("[data-bid-count]");
    if (count) { count.textContent = String(parseInt(count.textContent || "0", 10) + 1); }
    addRow(ev);
    var moved = setEndsAt(ev.ends_at, false);
    var mine = state.myAlias && ev.bidder === state.myAlias;
    var outbid = setLeader(ev.bidder);
    var extended = moved ? t("js.extended", { time: timeFmt.format(new Date(state.endsAt)) }) : "";
    if (!mine) {
      var text = (outbid ? t("js.outbid") + " " : "") + t("js.new_bid", { amount: money(ev.amount) });
      // Being outbid and an extension are always worth saying at once; a plain new bid waits its turn.
      if (moved || outbid) {
        lastBidAnnounce = Date.now();
        announce(text + (moved ? " " + extended : ""));
      } else { announceBid(text); }
    } else if (moved) {
      announce(extended);
    }
    // Keep the amount field at least at the new minimum (a stale amount would only be refused).
    var input = q("bid-amount");
    var min = toKurus(ev.min_next_bid);
    if (input && min !== null) {
      var cur = toKurus(input.value);
      if (cur === null || cur < min) { input.value = moneyInput(min); }
    }
    // An open confirmation for an amount that is no longer enough: say so and block its button.
    var dialog = document.querySelector("[data-confirm-dialog]");
    if (dialog && min !== null) {
      var confirmAmount = dialog.querySelector('[data-testid="confirm-amount"]');
      var stale = dialog.querySelector("[data-confirm-stale]");
      var button = dialog.querySelector('[data-testid="bid-confirm"]');
      if (confirmAmount && toKurus(confirmAmount.getAttribute("data-amount")) < min) {
        if (stale) { stale.hidden = false; }
        if (button) { button.disabled = true; }
      }
    }
  }

  function apply(ev) {
    if (ev.type === "bid") { onBid(ev); }
    else if (ev.type === "extended") { setEndsAt(ev.ends_at, true); }
    else if (ev.type === "closed") { announce(t("js.closed")); state.phase = "closed"; reloadPanel(); }
    else if (ev.type === "round_opened") { announce(t("js.opened")); reloadPanel(); }
  }

  function receive(ev) {
    if (!ev || typeof ev.seq !== "number") { return true; }
    if (ev.seq <= state.lastSeq) { return true; }           // already applied (replay overlap)
    if (ev.seq > state.lastSeq + 1) { return false; }       // a gap: the caller resyncs
    state.lastSeq = ev.seq;
    root.setAttribute("data-seq", String(ev.seq));
    apply(ev);
    return true;
  }

  // --- Reloading the panel when the round changes shape ---------------------------------------------------
  var reloading = false;
  function reloadPanel() {
    if (reloading) { return; }
    reloading = true;
    var url = root.getAttribute("data-panel-url");
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["live", "bids"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) {
            var node = document.importNode(fresh, true);
            old.parentNode.replaceChild(node, old);
            if (window.htmx) { window.htmx.process(node); }
          }
        });
        readState();
        setTransport(state.transport || "connecting");
        bindForm();
        startFallback = null;
      })
      .catch(function () { /* next event or the fallback will try again */ })
      .then(function () { reloading = false; });
  }

  // --- Transport: WebSocket, else polling ---------------------------------------------------------------------
  var ws = null;
  var failures = 0;
  var retryTimer = null;
  var pollTimer = null;
  function setTransport(kind) {
    state.transport = kind;
    root.setAttribute("data-live-transport", kind);
    var el = root.querySelector("[data-connection]");
    if (!el) { return; }
    if (kind === "ws") { el.hidden = true; el.classList.remove("is-problem"); }
    else if (kind === "poll") { el.hidden = false; el.textContent = t("js.polling"); el.classList.add("is-problem"); }
    else if (kind === "reconnecting") { el.hidden = false; el.textContent = t("js.reconnecting"); el.classList.add("is-problem"); }
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!window.WebSocket) { startPolling(); return; }
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var url = proto + location.host + "/ws/lots/" + state.lotId + "?after_seq=" + state.lastSeq;
    var opened = false;
    var sock;
    try { sock = new WebSocket(url); } catch (e) { scheduleReconnect(false); return; }
    ws = sock;
    sock.onopen = function () { opened = true; failures = 0; stopPolling(); setTransport("ws"); };
    sock.onmessage = function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (ev.type === "snapshot") {
        var st = Date.parse(ev.server_time || "");
        if (!isNaN(st) && typeof window.esatisServerOffsetMs !== "number") { offset = st - Date.now(); }
        return;
      }
      if (!receive(ev)) { sock.close(4000, "gap"); }
    };
    sock.onclose = function () {
      if (ws === sock) { ws = null; }
      scheduleReconnect(opened);
    };
    sock.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect(wasOpen) {
    if (!wasOpen) { failures += 1; }
    if (failures >= 3) { startPolling(); }
    else { setTransport("reconnecting"); }
    var delay = wasOpen ? 300 : Math.min(15000, 500 * Math.pow(2, failures)) + Math.random() * 300;
    retryTimer = setTimeout(connect, delay);
  }

  function poll() {
    fetch("/api/v1/lots/" + state.lotId + "/events?after_seq=" + state.lastSeq, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (events) { events.forEach(receive); })
      .catch(function () { /* try again on the next tick */ });
  }
  function startPolling() {
    setTransport("poll");
    if (!pollTimer) { poll(); pollTimer = setInterval(poll, 2000); }
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  // --- Bid form: quick raises, confirmation dialog, result ------------------------------------------------
  function bindForm() {
    var form = document.querySelector("[data-bid-form]");
    if (!form || form.getAttribute("data-bound")) { return; }
    form.setAttribute("data-bound", "1");
    form.addEventListener("click", function (e) {
      var btn = e.target.closest("[data-raise]");
      if (!btn) { return; }
      var input = q("bid-amount");
      var n = parseInt(btn.getAttribute("data-raise"), 10);
      var min = toKurus((q("min-next-bid") || {}).getAttribute ? q("min-next-bid").getAttribute("data-amount") : "");
      var base = toKurus(input.value);
      if (base === null || (min !== null && base < min)) { base = min || 0; }
      input.value = moneyInput(base + n * (state.increment || 0));
      input.focus();
    });
  }

  function openDialog() {
    var dialog = document.querySelector("[data-confirm-dialog]");
    if (!dialog || dialog.open) { return; }
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var cancel = dialog.querySelector("[data-confirm-cancel]");
    if (cancel) { cancel.focus(); }
    dialog.addEventListener("close", function () {
      var area = document.querySelector("[data-confirm-area]");
      if (area) { area.innerHTML = ""; }
      var input = q("bid-amount");
      if (input) { input.focus(); }
    });
  }
  function closeDialog() {
    var dialog = document.querySelector("[data-confirm-dialog]");
    if (!dialog) { return; }
    if (dialog.open && typeof dialog.close === "function") { dialog.close(); }
    else { var area = document.querySelector("[data-confirm-area]"); if (area) { area.innerHTML = ""; } }
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-confirm-cancel]")) { e.preventDefault(); closeDialog(); }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target) { return; }
    if (target.id === "bid-confirm-area") { openDialog(); }
    if (target.id === "bid-result") {
      closeDialog();
      var ok = target.querySelector("[data-bid-accepted]");
      if (ok) {
        state.myAlias = ok.getAttribute("data-alias") || state.myAlias;
        root.setAttribute("data-my-alias", state.myAlias);
        markMine();
        // Our own bid may have arrived over the WebSocket before this answer: re-evaluate who leads.
        var top = document.querySelector("[data-bid-rows] tr td");
        if (top && top.getAttribute("data-alias")) { setLeader(top.getAttribute("data-alias")); }
        else { setLeader(state.myAlias); }
      }
    }
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    // A second click on the confirm button while the first request is out does nothing (htmx also
    // disables it; the Idempotency-Key makes a replay harmless anyway).
    var el = e.detail && e.detail.elt;
    if (el && el.matches && el.matches("[data-confirm-form]") && el.getAttribute("data-sent")) { e.preventDefault(); }
    if (el && el.matches && el.matches("[data-confirm-form]")) { el.setAttribute("data-sent", "1"); }
  });

  // --- Start --------------------------------------------------------------------------------------------------
  readState();
  bindForm();
  tick();
  setInterval(tick, 250);
  if (state.lotId && state.phase !== "none") { setTransport("connecting"); connect(); }
  window.esatisLive = state;
})();
