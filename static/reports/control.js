// Control time (reports): a real measurement of the time a supervisor spends on control pages. Every page
// that includes reports/control/partials/beat.html loads this script. It posts a heartbeat to the server:
// - when the page opens (and when it becomes visible again, or the person comes back after being idle): the
//   start of a stretch, or its continuation when the previous beat (another page a moment ago) was recent;
// - every `interval` seconds while the tab is visible AND the person used mouse, keyboard, scroll or touch
//   within the last `idle` seconds;
// - when the page is left or hidden (`visibilitychange`, `pagehide`): the end of the stretch, sent with
//   navigator.sendBeacon (the CSRF token as a form field) or, without it, a fetch with `keepalive`.
// The server adds the time since the previous beat of ANY tab (at most 30 s), so several open tabs never
// count twice.
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
  var lastActivity = Date.now();  // opening the page is an action
  var stopped = false;
  var inFlight = false;
  var away = false;  // left, hidden or idle since the last beat: the next activity opens a stretch

  function isRecent() { return Date.now() - lastActivity <= idle; }

  function isActive() {
    return document.visibilityState === "visible" && isRecent();
  }

  // "2 min 15 s", "45 s", "12 min", in the words the panel carries (translated).
  function duration(seconds, panel) {
    seconds = Math.max(0, Math.floor(seconds));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var name = !minutes ? "data-unit-seconds" : (rest ? "data-unit-both" : "data-unit-minutes");
    var fallback = !minutes ? "{seconds} s" : (rest ? "{minutes} min {seconds} s" : "{minutes} min");
    return (panel.getAttribute(name) || fallback)
      .replace("{minutes}", String(minutes))
      .replace("{seconds}", String(rest));
  }

  // Fill in "Control today: {time} of {budget} budget: {share}%" on the dashboard, if shown.
  function show(seconds) {
    var panel = document.querySelector("[data-control-time]");
    if (!panel) { return; }
    var budget = parseInt(panel.getAttribute("data-budget-seconds"), 10) || 0;
    var hasBudget = panel.getAttribute("data-has-budget") === "1";
    var template = panel.getAttribute("data-template") || "";
    var share = budget > 0 ? Math.round(seconds * 100 / budget) : 0;
    var over = hasBudget && seconds > budget;
    var text = panel.querySelector("[data-control-time-text]");
    if (text && template) {
      text.textContent = template
        .replace("{time}", duration(seconds, panel))
        .replace("{budget}", duration(budget, panel))
        .replace("{share}", String(share));
    }
    var bar = panel.querySelector("[data-control-time-bar]");
    if (bar) {
      var width = budget > 0 ? Math.min(100, Math.round(seconds * 100 / budget)) : (seconds > 0 ? 100 : 0);
      bar.setAttribute("data-width", String(width));  // what static/lumen/lumen.js applies after a swap
      bar.style.width = width + "%";
      // No budget (a day off): a neutral bar, never red.
      bar.classList.toggle("bg-secondary", !hasBudget);
      bar.classList.toggle("bg-danger", over);
      bar.classList.toggle("bg-success", hasBudget && !over);
      var progress = bar.parentElement;
      if (progress && hasBudget) { progress.setAttribute("aria-valuenow", String(width)); }
    }
    var icon = panel.querySelector("[data-control-time-icon]");
    if (icon) { icon.classList.toggle("text-danger", over); }
    panel.setAttribute("data-seconds", String(seconds));
  }

  function beat() {
    if (stopped || inFlight || !isActive()) { return; }
    inFlight = true;
    away = false;
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

  // The last beat of a stretch: the page is being left or hidden. It must get out even as the page goes,
  // so no answer is waited for.
  function leave() {
    if (stopped || away || !isRecent()) { away = true; return; }
    away = true;
    var sent = false;
    if (navigator.sendBeacon && window.FormData) {
      var form = new FormData();
      form.append("csrfmiddlewaretoken", csrf);
      try { sent = navigator.sendBeacon(url, form); } catch (e) { sent = false; }
    }
    if (!sent) {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest" }
      }).catch(function () { /* gone */ });
    }
  }

  function markActive() {
    var wasIdle = !isRecent();
    lastActivity = Date.now();
    if ((wasIdle || away) && document.visibilityState === "visible") { beat(); }  // back: a stretch opens
  }
  ["mousemove", "mousedown", "keydown", "wheel", "scroll", "touchstart", "pointerdown"].forEach(function (name) {
    window.addEventListener(name, markActive, { passive: true, capture: true });
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      leave();
    } else {
      lastActivity = Date.now();  // coming back to the tab is an action
      beat();
    }
  });
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.visibilityState === "visible") {  // back from the browser's cache
      lastActivity = Date.now();
      beat();
    }
  });

  beat();  // the page opens
  window.setInterval(beat, interval);
})();
