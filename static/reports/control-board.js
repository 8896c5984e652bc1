// The control dashboard (reports): a cell with a signal opens its cause in place. Clicking a cell that has a
// detail (data-detail-url) inserts a row under the person's row and loads the fragment there with htmx; the
// actions inside it (rate, remind, accept, confirm...) answer with the fragment again and the
// "controlChanged" event, on which the dashboard's counts, rows and buttons are refreshed without closing
// what is open. A modifier key or a middle click still follows the link (the list behind the cell).
(function () {
  "use strict";
  if (window.lumenControlBoard) { return; }
  window.lumenControlBoard = true;

  function table() { return document.getElementById("control-table"); }

  function closeRow(detailRow) {
    var link = detailRow.previousElementSibling && detailRow.previousElementSibling.querySelector(
      "a.control-detail-link[aria-expanded='true']");
    if (link) { link.setAttribute("aria-expanded", "false"); }
    detailRow.remove();
  }

  function open(link) {
    var row = link.closest("tr");
    var board = table();
    if (!row || !board || !window.htmx) { return false; }
    var url = link.getAttribute("data-detail-url");
    var next = row.nextElementSibling;
    if (next && next.classList.contains("control-detail-row")) {
      var same = next.getAttribute("data-detail-url") === url;
      closeRow(next);
      if (same) { link.focus(); return true; }
    }
    var detailRow = document.createElement("tr");
    detailRow.className = "control-detail-row";
    detailRow.setAttribute("data-detail-url", url);
    detailRow.setAttribute("data-for", row.getAttribute("data-person") || "");
    var cell = document.createElement("td");
    cell.colSpan = parseInt(board.getAttribute("data-columns"), 10) || 1;
    var slot = document.createElement("div");
    slot.className = "control-detail-slot";
    slot.setAttribute("tabindex", "-1");
    slot.setAttribute("aria-live", "polite");
    slot.textContent = board.getAttribute("data-loading") || "…";
    cell.appendChild(slot);
    detailRow.appendChild(cell);
    row.after(detailRow);
    link.setAttribute("aria-expanded", "true");
    // The slot is the request's source: without one htmx issues it from <body>, whose one request lock every
    // source-less htmx.ajax shares, so a click while another such request was in flight was queued behind it.
    window.htmx.ajax("GET", url, { source: slot, target: slot, swap: "innerHTML" }).then(function () {
      slot.focus({ preventScroll: true });
    }, function () {
      slot.textContent = board.getAttribute("data-failed") || "!";
    });
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.control-detail-link");
    if (!link || !link.closest("#control-table")) { return; }
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    if (open(link)) { event.preventDefault(); }
  });

  // Escape closes the detail the focus is in and returns to its cell.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var detailRow = event.target.closest && event.target.closest("tr.control-detail-row");
    if (!detailRow) { return; }
    var link = detailRow.previousElementSibling &&
      detailRow.previousElementSibling.querySelector("a.control-detail-link[aria-expanded='true']");
    closeRow(detailRow);
    if (link) { link.focus(); }
  });

  // Something was done in a detail: take the fresh counts, rows and buttons of the page, in place.
  var refreshing = null;
  function refresh() {
    if (refreshing) { return; }
    refreshing = fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) { return; }
        var doc = new DOMParser().parseFromString(text, "text/html");
        ["control-summary", "control-corrections", "control-time", "control-pager"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current) { current.replaceWith(fresh); }
        });
        var board = document.getElementById("control-dashboard");
        var freshBoard = doc.getElementById("control-dashboard");
        if (board && freshBoard) {
          board.setAttribute("data-signals", freshBoard.getAttribute("data-signals") || "0");
        }
        doc.querySelectorAll("#control-table tbody tr[data-person]").forEach(function (fresh) {
          var current = document.querySelector(
            "#control-table tbody tr[data-person='" + fresh.getAttribute("data-person") + "']");
          if (!current) { return; }
          var openUrl = current.nextElementSibling && current.nextElementSibling.classList.contains("control-detail-row")
            ? current.nextElementSibling.getAttribute("data-detail-url") : null;
          current.innerHTML = fresh.innerHTML;
          ["data-red", "data-amber"].forEach(function (name) {
            current.setAttribute(name, fresh.getAttribute(name) || "0");
          });
          if (openUrl) {
            current.querySelectorAll("a.control-detail-link").forEach(function (link) {
              if (link.getAttribute("data-detail-url") === openUrl) { link.setAttribute("aria-expanded", "true"); }
            });
          }
        });
        if (window.htmx) { window.htmx.process(document.getElementById("control-dashboard") || document.body); }
      })
      .catch(function () { /* the next action refreshes again */ })
      .then(function () { refreshing = null; });
  }
  document.addEventListener("controlChanged", refresh);
})();
