// Lumen's own scripts. htmx does most of the work; this file only wires small page behaviours.

// The word for "Close" in the page's language (base.html puts it on the toasts' box), for buttons built here.
function closeLabel() {
  "use strict";
  var box = document.getElementById("lumen-toasts");
  return (box && box.getAttribute("data-close-label")) || "Close";
}
(function () {
  "use strict";
  // Show a readable message when an htmx request fails instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible position-fixed bottom-0 end-0 m-3";
    box.setAttribute("role", "alert");
    var toasts = document.getElementById("lumen-toasts");
    var failed = (toasts && toasts.getAttribute("data-failed-label")) || "Request failed ({status}).";
    var text = failed.replace("{status}", String(xhr.status));
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) { text = body.error.message; }
    } catch (e) { /* not JSON: keep the status line */ }
    box.textContent = text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", closeLabel());
    box.appendChild(close);
    document.body.appendChild(box);
  });
})();

// Behaviours declared in the markup. The pages run under a strict Content-Security-Policy (no inline scripts, no
// on*= handlers, no style="" attributes: portal/settings/base.py), so markup asks for them with data attributes and
// these few listeners on `document` serve the page as loaded and everything htmx swaps in later alike:
// - data-confirm="Question?" on a form asks before it is submitted, on a button or link before it acts; Cancel
//   stops it. Elements that make htmx requests use htmx's own hx-confirm instead.
// - data-autosubmit on a field submits its form when the field changes; on a form, a change of any of its fields
//   does (typing in a search box of such a form submits after a pause).
// - data-width="42" (a percentage: progress bars) and data-height="12rem" (a CSS length) size an element through
//   the CSSOM, which the policy allows, instead of a style attribute, which it refuses.
(function () {
  "use strict";

  function asks(element) {
    var question = element.getAttribute("data-confirm");
    return !question || window.confirm(question);
  }

  // Capture phase: the question comes before any other listener acts on the submit or the click.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !asks(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("a[data-confirm], button[data-confirm], input[data-confirm]");
    if (trigger && !asks(trigger)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function submit(form) {
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  function autosubmitForm(field) {
    var form = field && field.form;
    if (!form) { return null; }
    return field.hasAttribute("data-autosubmit") || form.hasAttribute("data-autosubmit") ? form : null;
  }

  var typingTimer = null;
  document.addEventListener("change", function (event) {
    var form = autosubmitForm(event.target);
    if (form) { clearTimeout(typingTimer); submit(form); }
  });

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!/^(search|text)$/.test(field.type || "")) { return; }
    var form = autosubmitForm(field);
    if (!form) { return; }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { submit(form); }, 600);
  });

  function applySizes(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var items = Array.prototype.slice.call(scope.querySelectorAll("[data-width], [data-height]"));
    if (scope.matches && scope.matches("[data-width], [data-height]")) { items.push(scope); }
    items.forEach(function (el) {
      var width = el.getAttribute("data-width");
      if (width !== null && width !== "") {
        var percent = Math.max(0, Math.min(100, parseFloat(width) || 0));
        el.style.width = percent + "%";
      }
      var height = el.getAttribute("data-height");
      if (height) { el.style.height = height; }
    });
  }

  window.lumenApplySizes = applySizes;
  applySizes(document);
  // htmx:load fires for every element htmx adds (and once for the body when it starts).
  document.addEventListener("htmx:load", function (event) { applySizes(event.target); });

  // htmx keeps a copy of the page's markup for the back button (its history cache) and parses it again on the way
  // back: the style attributes that scripts set through the CSSOM (these sizes, Bootstrap's menu positions) would
  // come back as markup, which the policy refuses. The copy leaves them out (in serialised markup a tag is all
  // between "<" and ">" and an attribute value holds no raw quote); htmx:load puts the sizes back.
  document.addEventListener("htmx:historyItemCreated", function (event) {
    var item = event.detail && event.detail.item;
    if (item && typeof item.content === "string") {
      item.content = item.content.replace(/<[a-zA-Z][^>]*>/g, function (tag) {
        return tag.replace(/\sstyle="[^"]*"/g, "");
      });
    }
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
    icon.setAttribute("aria-hidden", "true");
    var strong = document.createElement("strong");
    strong.className = "me-auto text-truncate";
    strong.textContent = notification.actor ? notification.actor.name : "Lumen";
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", closeLabel());
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
