// Control time (reports): a real measurement of the time a supervisor spends on control pages. Every page
// that includes reports/control/partials/beat.html loads this script; it posts a heartbeat to the server every
// `interval` seconds, but only while the tab is visible AND the person used mouse, keyboard, scroll or touch
// within the last `idle` seconds. The server adds the time since the previous beat of ANY tab (at most 30 s),
// so several open tabs never count twice. The first beat waits `first-delay` seconds after the page opens.
(function () {
  "use strict";
  if (window.lumenControlBeat) { return; }
  window.lumenControlBeat = true;

  var config = document.getElementById("control-beat");
  if (!config || !window.fetch) { return; }
  var url = config.getAttribute("data-beat-url");
  var csrf = config.getAttribute("data-csrf") || "";
  var interval = (parseInt(config.getAttribute("data-interval"), 10) || 20) * 1000;
  var idle = (parseInt(config.getAttribute("data-idle"), 10) || 60) * 1000;
  var firstDelay = (parseInt(config.getAttribute("data-first-delay"), 10) || 5) * 1000;
  var lastActivity = Date.now();  // opening the page is an action
  var stopped = false;
  var inFlight = false;

  function markActive() { lastActivity = Date.now(); }
  ["mousemove", "mousedown", "keydown", "wheel", "scroll", "touchstart", "pointerdown"].forEach(function (name) {
    window.addEventListener(name, markActive, { passive: true, capture: true });
  });

  function isActive() {
    return document.visibilityState === "visible" && Date.now() - lastActivity <= idle;
  }

  // Fill in "Control today: {minutes} min of {budget} min budget ({share}%)" on the dashboard, if shown.
  function show(seconds) {
    var panel = document.querySelector("[data-control-time]");
    if (!panel) { return; }
    var controlled = parseInt(panel.getAttribute("data-controlled-seconds"), 10) || 0;
    var budget = parseInt(panel.getAttribute("data-budget-seconds"), 10) || 0;
    var template = panel.getAttribute("data-template") || "";
    var share = controlled ? Math.round(seconds * 1000 / controlled) / 10 : 0;
    var text = panel.querySelector("[data-control-time-text]");
    if (text && template) {
      text.textContent = template
        .replace("{minutes}", String(Math.round(seconds / 60)))
        .replace("{budget}", String(Math.round(budget / 60)))
        .replace("{share}", String(share));
    }
    var bar = panel.querySelector("[data-control-time-bar]");
    if (bar) {
      var width = budget > 0 ? Math.min(100, Math.round(seconds * 100 / budget)) : (seconds > 0 ? 100 : 0);
      bar.setAttribute("data-width", String(width));  // what static/lumen/lumen.js applies after a swap
      bar.style.width = width + "%";
      bar.classList.toggle("bg-danger", seconds > budget);
      bar.classList.toggle("bg-success", seconds <= budget);
    }
    panel.setAttribute("data-seconds", String(seconds));
  }

  function beat() {
    if (stopped || inFlight || !isActive()) { return; }
    inFlight = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { stopped = true; return null; }
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && typeof data.seconds === "number") { show(data.seconds); }
    }).catch(function () { /* offline: the next beat tries again */ })
      .then(function () { inFlight = false; });
  }

  window.setTimeout(function () {
    beat();
    window.setInterval(beat, interval);
  }, firstDelay);
})();
