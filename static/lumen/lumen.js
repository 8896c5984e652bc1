// Lumen's own scripts. htmx does most of the work; this file only wires small page behaviours.
(function () {
  "use strict";
  // Show a readable message when an htmx request fails instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible position-fixed bottom-0 end-0 m-3";
    box.setAttribute("role", "alert");
    var text = "Request failed (" + xhr.status + ").";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) { text = body.error.message; }
    } catch (e) { /* not JSON: keep the status line */ }
    box.textContent = text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "alert");
    box.appendChild(close);
    document.body.appendChild(box);
  });
})();

// Live updates (portal/notifications): one websocket per signed-in page at /ws/live/.
// Counter badges carry the keys they sum (data-counter-keys); every event is re-dispatched on `document`
// as CustomEvent("lumen:live", {detail: payload}) so pages (chat...) can listen without a socket of their own.
(function () {
  "use strict";
  var liveUrl = document.body && document.body.getAttribute("data-live-url");
  if (!liveUrl || typeof window.WebSocket !== "function") { return; }

  var counters = {};
  var delay = 1000;
  var maxDelay = 30000;
  var socket = null;
  var pingTimer = null;

  function renderBadges() {
    var badges = document.querySelectorAll("[data-counter-keys]");
    for (var i = 0; i < badges.length; i++) {
      var badge = badges[i];
      var keys = (badge.getAttribute("data-counter-keys") || "").split(/\s+/).filter(Boolean);
      if (!keys.length) { continue; }
      var total = 0;
      var known = false;
      for (var k = 0; k < keys.length; k++) {
        if (Object.prototype.hasOwnProperty.call(counters, keys[k])) { total += counters[keys[k]]; known = true; }
      }
      if (!known) { continue; }  // nothing heard about these keys yet: keep what the server rendered
      badge.textContent = total > 99 ? "99+" : (total > 0 ? String(total) : "");
      badge.classList.toggle("d-none", total <= 0);
    }
  }

  function bumpBell() {
    var badge = document.getElementById("bell-badge");
    if (!badge) { return; }
    var current = parseInt(badge.textContent, 10) || 0;
    badge.textContent = String(current + 1);
    badge.classList.remove("d-none");
    badge.classList.remove("lumen-bump");
    void badge.offsetWidth;  // restart the animation
    badge.classList.add("lumen-bump");
  }

  function showToast(notification) {
    var box = document.getElementById("lumen-toasts");
    if (!box || !notification) { return; }
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    var header = document.createElement("div");
    header.className = "toast-header";
    var icon = document.createElement("i");
    icon.className = "bi bi-bell me-2 text-primary";
    var strong = document.createElement("strong");
    strong.className = "me-auto text-truncate";
    strong.textContent = notification.actor ? notification.actor.name : "Lumen";
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    header.appendChild(icon); header.appendChild(strong); header.appendChild(close);
    var body = document.createElement("div");
    body.className = "toast-body";
    var link = document.createElement(notification.id ? "a" : "span");
    if (notification.id) {
      link.href = "/notifications/" + encodeURIComponent(notification.id) + "/open/";
      link.className = "stretched-link text-reset text-decoration-none";
    }
    link.textContent = notification.title || "";
    body.appendChild(link);
    toast.appendChild(header); toast.appendChild(body);
    box.appendChild(toast);
    if (window.bootstrap && window.bootstrap.Toast) {
      toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
      new window.bootstrap.Toast(toast, { delay: 6000 }).show();
    } else {
      toast.classList.add("show");
      setTimeout(function () { toast.remove(); }, 6000);
    }
  }

  function handle(payload) {
    if (!payload || typeof payload !== "object") { return; }
    if (payload.event === "counters" && payload.counters) {
      for (var key in payload.counters) {
        if (Object.prototype.hasOwnProperty.call(payload.counters, key)) { counters[key] = payload.counters[key] | 0; }
      }
      renderBadges();
    } else if (payload.event === "notification") {
      bumpBell();
      showToast(payload.notification);
    }
    try {
      document.dispatchEvent(new CustomEvent("lumen:live", { detail: payload }));
    } catch (e) { /* a listener's error must not stop the socket */ }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + liveUrl);
    } catch (e) {
      socket = null;
      return retry();
    }
    socket.onopen = function () {
      delay = 1000;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket && socket.readyState === 1) { socket.send(JSON.stringify({ event: "ping" })); }
      }, 45000);
    };
    socket.onmessage = function (message) {
      var payload = null;
      try { payload = JSON.parse(message.data); } catch (e) { return; }
      handle(payload);
    };
    socket.onclose = function () {
      clearInterval(pingTimer);
      socket = null;
      retry();
    };
    socket.onerror = function () { /* onclose follows and schedules the retry */ };
  }

  function retry() {
    var wait = delay + Math.floor(Math.random() * 500);
    delay = Math.min(delay * 2, maxDelay);
    setTimeout(connect, wait);
  }

  window.lumenLive = { counters: counters, handle: handle };
  connect();
  // Org charts wider than the screen open centred on the top of the tree.
  document.querySelectorAll(".orgchart").forEach(function (chart) {
    chart.scrollLeft = Math.max(0, (chart.scrollWidth - chart.clientWidth) / 2);
  });
})();
