// esatis page enhancements that are not live bidding: the photo gallery and the search results.
// Everything here is optional: without it the gallery shows its first photo and the search is a plain
// GET form with full page loads.
(function () {
  "use strict";

  // --- Gallery: thumbnails are buttons; the arrow keys move between them (one tab stop for the set) ----
  function galleryInit(gallery) {
    var main = gallery.querySelector("[data-gallery-main]");
    var caption = gallery.querySelector("[data-gallery-caption]");
    var thumbs = Array.prototype.slice.call(gallery.querySelectorAll("[data-gallery-thumb]"));
    if (!main || !thumbs.length) { return; }
    function show(i, focus) {
      thumbs.forEach(function (b, j) {
        b.setAttribute("aria-current", i === j ? "true" : "false");
        b.tabIndex = i === j ? 0 : -1;
      });
      var b = thumbs[i];
      main.src = b.getAttribute("data-src");
      main.alt = b.getAttribute("data-alt");
      if (caption) {
        caption.textContent = b.getAttribute("data-caption") + " ";
        var count = document.createElement("span");
        count.className = "muted";
        count.textContent = "(" + b.getAttribute("data-count") + ")";
        caption.appendChild(count);
      }
      if (focus) { b.focus(); }
    }
    thumbs.forEach(function (b, i) {
      b.tabIndex = i === 0 ? 0 : -1;
      b.addEventListener("click", function () { show(i, false); });
      b.addEventListener("keydown", function (e) {
        var next = null;
        if (e.key === "ArrowRight" || e.key === "ArrowDown") { next = (i + 1) % thumbs.length; }
        else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { next = (i - 1 + thumbs.length) % thumbs.length; }
        else if (e.key === "Home") { next = 0; }
        else if (e.key === "End") { next = thumbs.length - 1; }
        if (next !== null) { e.preventDefault(); show(next, true); }
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-gallery]"), galleryInit);

  // --- Search filters fold away on a phone so that the results come first ------------------------------
  if (window.matchMedia && window.matchMedia("(max-width: 59.99rem)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-collapse-narrow]"), function (d) {
      d.open = false;
    });
  }

  // --- Wide tables: a region that scrolls sideways must be reachable and named for keyboard users -------
  function tableWraps() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      var caption = wrap.querySelector("caption");
      if (scrolls) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (caption) { wrap.setAttribute("aria-label", caption.textContent.trim()); }
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  tableWraps();
  window.addEventListener("resize", tableWraps);
  document.addEventListener("htmx:afterSettle", tableWraps);

  // --- Search: after a page link, bring the results (not the form) into view and focus ---------------
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail && e.detail.target;
    var elt = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    if (!target || target.id !== "results") { return; }
    if (elt && elt.hasAttribute && elt.hasAttribute("data-page-link")) {
      target.focus();
      target.scrollIntoView({ block: "start" });
    }
  });
})();
