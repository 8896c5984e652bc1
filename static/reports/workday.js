// The working-day widget of the top bar (reports): when the day changes in another tab (or the midnight
// job closes it), the live socket (static/lumen/lumen.js) re-dispatches {event: "workday", state: {...}} as a
// "lumen:live" event; reload the widget from the server so every tab shows the same state.
(function () {
  "use strict";
  if (window.lumenWorkdayWidget) { return; }
  window.lumenWorkdayWidget = true;

  function refresh(state) {
    var widget = document.getElementById("workday-widget");
    if (!widget || !window.htmx) { return; }
    var same = state && widget.getAttribute("data-state") === state.state &&
      String(widget.getAttribute("data-day") || "") === String(state.day || "");
    if (same) { return; }  // this tab made the change and shows it already
    var url = widget.getAttribute("data-widget-url");
    // From the widget itself, not from <body> (htmx's default source): body's request lock is shared by every
    // source-less htmx.ajax, so this reload would hold back another page script's request, or wait for it.
    if (url) { window.htmx.ajax("GET", url, { source: widget, target: widget, swap: "outerHTML" }); }
  }

  document.addEventListener("lumen:live", function (event) {
    var payload = event.detail || {};
    if (payload.event === "workday") { refresh(payload.state); }
  });
})();
