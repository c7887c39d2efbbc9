// esatis: the signed-in bidder's notifications live (WS /ws/me, docs/live.md): the unread count next to
// "Hesabım" and a short notice for each new one ("Teklifiniz geçildi", "İzlediğiniz malda süre uzadı",
// "Aramanıza uyan yeni mal" …). The list itself is /hesabim/bildirimler. Notices stay until closed (no
// timing out under a screen reader); at most three are shown.
(function () {
  "use strict";
  if (!document.body.hasAttribute("data-me-live") || !window.WebSocket) { return; }
  var box = document.querySelector("[data-toasts]");
  var badge = document.querySelector("[data-unread]");
  var texts = {};
  try { texts = JSON.parse((document.getElementById("i18n-js") || {}).textContent || "{}"); } catch (e) { texts = {}; }
  var unread = 0;
  var lastSeq = null;
  var failures = 0;
  // On a lot page the live panel already says these about its own lot: no second notice for them.
  var livePanel = document.querySelector("[data-live]");
  var thisLot = livePanel ? parseInt(livePanel.getAttribute("data-lot-id"), 10) : null;
  var SAID_BY_PANEL = { outbid: 1, watch_extended: 1, watch_round_opened: 1, watch_closed: 1 };

  function setUnread(n) {
    unread = Math.max(0, n);
    if (!badge) { return; }
    badge.hidden = unread === 0;
    badge.textContent = "";
    if (unread) {
      badge.appendChild(document.createTextNode(String(unread)));
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + (texts["js.unread"] || "");
      badge.appendChild(hidden);
    }
  }

  function link(n) {
    var d = n.data || {};
    if ((n.kind === "sale_won" || n.kind === "payment_due") && d.sale_id) { return "/hesabim/kazandiklarim/" + d.sale_id; }
    if ((n.kind === "deposit_confirmed" || n.kind === "deposit_refunded") && n.lot_id) { return "/lots/" + n.lot_id + "/teminat"; }
    return n.lot_id ? "/lots/" + n.lot_id : "/hesabim/bildirimler";
  }

  function toast(n) {
    if (!box || (thisLot && n.lot_id === thisLot && SAID_BY_PANEL[n.kind])) { return; }
    var item = document.createElement("div");
    item.className = "toast";
    var p = document.createElement("p");
    var a = document.createElement("a");
    a.href = link(n);
    a.textContent = n.title;
    p.appendChild(a);
    p.appendChild(document.createTextNode(" " + n.message));
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", texts["js.notif_close"] || "×");
    close.textContent = "×";
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(p);
    item.appendChild(close);
    box.appendChild(item);
    while (box.children.length > 3) { box.removeChild(box.firstChild); }
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/me" +
      (lastSeq !== null ? "?after_seq=" + lastSeq : "");
    var opened = false;
    var ws;
    try { ws = new WebSocket(url); } catch (e) { return; }
    ws.onopen = function () { opened = true; failures = 0; };
    ws.onmessage = function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (ev.type === "snapshot") {
        setUnread(ev.unread || 0);
        if (lastSeq === null) { lastSeq = ev.seq || 0; }
        return;
      }
      if (ev.type !== "notification" || typeof ev.seq !== "number" || ev.seq <= lastSeq) { return; }
      lastSeq = ev.seq;
      if (!ev.read_at) { setUnread(unread + 1); }
      toast(ev);
    };
    ws.onclose = function (e) {
      if (e.code === 4401 || e.code === 4403) { return; }  // signed out or refused: nothing to retry
      if (!opened) { failures += 1; }
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, failures)) + Math.random() * 500);
    };
  }
  connect();
})();
