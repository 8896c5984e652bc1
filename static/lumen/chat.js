// The chat page: a websocket to ws/chat/<id>/ appends, updates and strikes out messages as they happen,
// keeps "seen by" lists current and marks the chat read while the page is in view. Sending goes through
// the htmx composer (plain HTTP), so the page works, without live updates, when the socket is down.
(function () {
  "use strict";
  var room = document.getElementById("chat-room");
  if (!room) { return; }
  var me = String(room.dataset.userId);
  var list = document.getElementById("chat-messages");
  var scroller = document.getElementById("chat-scroll");
  var badge = document.getElementById("chat-connection");
  var socket = null;
  var retries = 0;
  var lastRead = 0;
  var stopped = false;

  function setStatus(online) {
    if (!badge) { return; }
    badge.classList.toggle("chat-online", online);
    badge.querySelector("span").textContent = online ? (badge.dataset.online || "live") : (badge.dataset.offline || "offline");
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollToBottom() { scroller.scrollTop = scroller.scrollHeight; }

  function latestId() {
    var items = list.querySelectorAll("[data-message-id]");
    var max = 0;
    items.forEach(function (el) { max = Math.max(max, parseInt(el.dataset.messageId, 10) || 0); });
    return max;
  }

  // The same message can arrive twice (the composer's response and the live event): keep the first.
  function dedupe() {
    var seen = {};
    list.querySelectorAll("[data-message-id]").forEach(function (el) {
      var id = el.dataset.messageId;
      if (seen[id]) { el.remove(); } else { seen[id] = true; }
    });
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = (html || "").trim();
    return template.content.firstElementChild;
  }

  function upsert(html) {
    var element = fromHtml(html);
    if (!element) { return null; }
    var existing = document.getElementById(element.id);
    if (existing) {
      if (existing.classList.contains("chat-edit-form")) { return existing; } // do not undo a local edit
      existing.replaceWith(element);
    } else {
      list.appendChild(element);
      var empty = document.getElementById("chat-empty");
      if (empty) { empty.remove(); }
    }
    if (window.htmx) { window.htmx.process(element); }
    return element;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function markRead(messageId) {
    if (!messageId || messageId <= lastRead || document.visibilityState !== "visible") { return; }
    lastRead = messageId;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "read", message_id: messageId }));
      return;
    }
    var body = new URLSearchParams({ message_id: String(messageId) });
    fetch(room.dataset.readUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
    }).catch(function () { lastRead = 0; });
  }

  function onRead(event) {
    if (String(event.user_id) === me) { return; }
    list.querySelectorAll(".chat-mine[data-message-id]").forEach(function (el) {
      if (parseInt(el.dataset.messageId, 10) > event.last_read_message_id) { return; }
      var seen = el.querySelector(".chat-seen");
      if (!seen) { return; }
      var ids = (seen.dataset.seen || "").split(",").filter(Boolean);
      if (ids.indexOf(String(event.user_id)) !== -1) { return; }
      ids.push(String(event.user_id));
      seen.dataset.seen = ids.join(",");
      var names = seen.querySelector(".chat-seen-names");
      var first = (event.user_name || "").split(" ")[0];
      names.textContent = names.textContent ? names.textContent + ", " + first : first;
      seen.classList.remove("d-none");
    });
  }

  function onMessage(event) {
    var follow = nearBottom() || (event.message && event.message.author && String(event.message.author.id) === me);
    upsert(event.html);
    dedupe();
    if (event.type === "message.new") {
      if (follow) { scrollToBottom(); }
      var author = event.message && event.message.author ? String(event.message.author.id) : "";
      if (author !== me) { markRead(event.message.id); }
    }
  }

  function handle(event) {
    switch (event.type) {
      case "message.new":
      case "message.edited":
      case "message.deleted":
        onMessage(event); break;
      case "read":
        onRead(event); break;
      case "member.removed":
        if (String(event.user_id) === me) { stopped = true; window.location.href = room.dataset.listUrl || "/chat/"; }
        break;
      case "error":
        window.alert(event.message); break;
      default:
        break;
    }
    document.dispatchEvent(new CustomEvent("lumen:chat", { detail: event }));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + room.dataset.wsPath);
    socket.addEventListener("open", function () {
      retries = 0;
      setStatus(true);
      room.dataset.live = "1";
      markRead(latestId());
    });
    socket.addEventListener("message", function (message) {
      var event = null;
      try { event = JSON.parse(message.data); } catch (e) { return; } // a malformed frame: ignore it
      handle(event);
    });
    socket.addEventListener("close", function (event) {
      setStatus(false);
      room.dataset.live = "0";
      if (stopped || event.code === 4403) { return; }
      retries += 1;
      window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, Math.min(retries, 5))));
    });
  }

  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.id === "chat-body" && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      var form = event.target.form;
      if (form && form.requestSubmit) { form.requestSubmit(); }
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "chat-attachment") {
      var file = event.target.files && event.target.files[0];
      var label = document.getElementById("chat-attachment-name");
      if (label) { label.textContent = file ? file.name : ""; }
    }
  });

  // Loading older messages keeps the reader's place; a sent message scrolls into view.
  var heightBefore = 0;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-older") { heightBefore = scroller.scrollHeight; }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-older") {
      scroller.scrollTop += scroller.scrollHeight - heightBefore;
    }
  });
  document.body.addEventListener("htmx:oobAfterSwap", function () {
    var empty = document.getElementById("chat-empty");
    if (empty) { empty.remove(); }
    dedupe();
    scrollToBottom();
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "chat-composer") {
      dedupe();
      var body = document.getElementById("chat-body");
      if (body) { body.focus(); }
    }
  });
  document.addEventListener("visibilitychange", function () { markRead(latestId()); });

  var target = window.location.hash ? document.querySelector(window.location.hash.replace(/[^#\w-]/g, "")) : null;
  if (target && list.contains(target)) { target.scrollIntoView({ block: "center" }); } else { scrollToBottom(); }
  lastRead = latestId(); // opening the page marked everything shown as read
  connect();
})();
