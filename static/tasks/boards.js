// Task boards: the Kanban by status and "my plan". SortableJS moves the cards; every drop is sent to the
// server (with the CSRF token) and the server decides: on an error the card goes back and a toast says why.
(function () {
  "use strict";

  var texts = {};
  try { texts = JSON.parse(document.getElementById("board-texts").textContent) || {}; } catch (e) { texts = {}; }

  function t(key, fallback) { return texts[key] || fallback || key; }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  // POST form fields; resolves with {ok, status, body} (body is the parsed JSON, or null).
  function post(url, fields) {
    var data = new URLSearchParams();
    Object.keys(fields).forEach(function (key) {
      var value = fields[key];
      if (Array.isArray(value)) { value.forEach(function (v) { data.append(key, v); }); }
      else if (value !== undefined && value !== null) { data.append(key, value); }
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" },
      body: data
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return { ok: response.ok, status: response.status, body: body };
      });
    }, function () { return { ok: false, status: 0, body: null }; });
  }

  function errorText(result) {
    var error = result.body && result.body.error;
    if (error && error.message) { return error.message; }
    if (result.status === 403) { return t("forbidden", "You may not change this task."); }
    if (result.status === 404) { return t("not_found", "This task is no longer there."); }
    if (result.status === 0) { return t("network", "No connection: the change was not saved."); }
    return t("error", "The change was not saved.");
  }

  function toast(message, kind) {
    var box = document.getElementById("lumen-toasts");
    if (!box) { window.alert(message); return; }
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (kind || "danger");
    el.setAttribute("role", kind === "success" ? "status" : "alert");
    el.setAttribute("data-board-toast", kind || "danger");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", t("close", "Close"));
    row.appendChild(body); row.appendChild(close); el.appendChild(row);
    box.appendChild(el);
    if (window.bootstrap && window.bootstrap.Toast) {
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      new window.bootstrap.Toast(el, { delay: kind === "success" ? 2500 : 7000 }).show();
    } else {
      el.classList.add("show");
      setTimeout(function () { el.remove(); }, 7000);
    }
  }

  // Put a dragged element back where it came from.
  function revert(evt) {
    var from = evt.from;
    var ref = from.children[evt.oldIndex] || null;
    if (ref === evt.item) { return; }
    from.insertBefore(evt.item, ref);
  }

  // The modal that asks what a drop needs to go through: "complete" or "keep" the open subtasks, or a
  // comment. Resolves with {open_subtasks} / {comment}, or null when the person cancels.
  function ask(message, mode) {
    var modalEl = document.getElementById("board-ask");
    if (!modalEl || !window.bootstrap) {
      if (mode === "comment") {
        var text = window.prompt(message);
        return Promise.resolve(text ? { comment: text } : null);
      }
      return Promise.resolve(window.confirm(message) ? { open_subtasks: "complete" } : null);
    }
    return new Promise(function (resolve) {
      var answered = null;
      var comment = modalEl.querySelector("#board-ask-comment");
      modalEl.querySelector("#board-ask-message").textContent = message;
      comment.value = "";
      comment.classList.toggle("d-none", mode !== "comment");
      modalEl.querySelectorAll("[data-answer]").forEach(function (button) {
        var answer = button.getAttribute("data-answer");
        var shown = mode === "comment" ? answer === "comment" : answer !== "comment";
        button.classList.toggle("d-none", !shown);
        button.onclick = function () {
          if (answer === "comment") {
            if (!comment.value.trim()) { comment.classList.add("is-invalid"); comment.focus(); return; }
            answered = { comment: comment.value.trim() };
          } else {
            answered = { open_subtasks: answer };
          }
          modal.hide();
        };
      });
      comment.classList.remove("is-invalid");
      var modal = window.bootstrap.Modal.getOrCreateInstance(modalEl);
      modalEl.addEventListener("hidden.bs.modal", function done() {
        modalEl.removeEventListener("hidden.bs.modal", done);
        resolve(answered);
      });
      modalEl.addEventListener("shown.bs.modal", function focus() {
        modalEl.removeEventListener("shown.bs.modal", focus);
        if (mode === "comment") { comment.focus(); }
      });
      modal.show();
    });
  }

  // --- Kanban ------------------------------------------------------------------------------------------

  function updateCounts(board) {
    board.querySelectorAll(".board-column").forEach(function (column) {
      var badge = column.querySelector(".board-count");
      var cards = column.querySelector(".board-cards");
      if (!badge || !cards) { return; }
      var total = parseInt(badge.getAttribute("data-total"), 10);
      var shown = parseInt(badge.getAttribute("data-shown"), 10);
      var now = cards.querySelectorAll(".board-card").length;
      if (isNaN(shown)) { shown = now; }
      if (!isNaN(total)) {
        total = total + (now - shown);
        badge.setAttribute("data-total", String(total));
        badge.textContent = String(total);
      }
      badge.setAttribute("data-shown", String(now));
    });
  }

  function sendStatus(evt, extra) {
    var card = evt.item;
    var target = evt.to.getAttribute("data-status");
    var fields = Object.assign({ status: target }, extra || {});
    card.classList.add("board-card-saving");
    return post(card.getAttribute("data-move-url"), fields).then(function (result) {
      card.classList.remove("board-card-saving");
      if (result.ok && result.body) {
        var board = document.getElementById("kanban-board");
        var html = result.body.html;
        if (!html) { card.remove(); updateCounts(board); return; }
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        // In swimlanes a card stays in its person's row: the column is looked up in the same row.
        var lane = evt.to.getAttribute("data-lane");
        var column = board.querySelector('.board-cards[data-status="' + result.body.status + '"]' +
          (lane ? '[data-lane="' + lane + '"]' : ""));
        if (column && column !== card.parentNode) {
          column.insertBefore(fresh, column.firstChild);
          card.remove();
        } else {
          card.replaceWith(fresh);
        }
        updateCounts(board);
        return;
      }
      var error = (result.body && result.body.error) || {};
      var fieldsErr = error.fields || {};
      if (result.status === 400 && (error.code === "open_subtasks" || fieldsErr.open_subtasks) && !fields.open_subtasks) {
        return ask(errorText(result) || t("open_subtasks"), "subtasks").then(function (answer) {
          if (!answer) { revert(evt); return; }
          return sendStatus(evt, Object.assign({}, extra || {}, answer));
        });
      }
      if (result.status === 400 && error.code === "open_checklist" && !fields.confirm_checklist) {
        // Open checklist items: the person confirms completing anyway, or the card goes back.
        if (!window.confirm(errorText(result))) { revert(evt); return; }
        return sendStatus(evt, Object.assign({}, extra || {}, { confirm_checklist: "1" }));
      }
      if (result.status === 400 && fieldsErr.comment && !fields.comment) {
        return ask(errorText(result), "comment").then(function (answer) {
          if (!answer) { revert(evt); return; }
          return sendStatus(evt, Object.assign({}, extra || {}, answer));
        });
      }
      revert(evt);
      toast(errorText(result));
    });
  }

  function initKanban(board) {
    if (typeof window.Sortable !== "function") { return; }
    board.querySelectorAll(".board-cards").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = window.Sortable.create(list, {
        // Swimlanes: a card moves between the columns of its row only (a drop changes the status, not the person).
        group: "kanban" + (list.getAttribute("data-lane") ? "-" + list.getAttribute("data-lane") : ""),
        sort: false,
        draggable: '.board-card[data-movable="1"]',
        animation: 150,
        ghostClass: "board-card-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to) { return; }
          sendStatus(evt);
        }
      });
    });
    updateCounts(board);
  }

  // Cards loaded by a column's "more" button are not a change of its total: they count as shown.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail && event.detail.target;
    if (!list || !list.classList || !list.classList.contains("board-cards")) { return; }
    var column = list.closest(".board-column");
    var badge = column && column.querySelector(".board-count");
    if (badge) { badge.setAttribute("data-shown", String(list.querySelectorAll(".board-card").length)); }
  });

  // --- My plan -----------------------------------------------------------------------------------------

  function refreshPlan() {
    var board = document.getElementById("plan-board");
    if (board && window.htmx) {
      window.htmx.ajax("GET", board.getAttribute("data-refresh-url"), { target: "#plan-board", swap: "outerHTML" });
    }
  }

  function planCounts(board) {
    board.querySelectorAll(".plan-column").forEach(function (column) {
      var badge = column.querySelector(".board-count");
      if (badge) { badge.textContent = String(column.querySelectorAll(".board-card").length); }
    });
  }

  function initPlan(board) {
    if (typeof window.Sortable !== "function") { return; }
    var columns = board.querySelector("#plan-columns");
    if (columns && !columns._sortable) {
      columns._sortable = window.Sortable.create(columns, {
        draggable: ".plan-column",
        handle: ".plan-column-handle",
        animation: 150,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) { return; }
          var ids = Array.prototype.map.call(columns.querySelectorAll(".plan-column"), function (c) {
            return c.getAttribute("data-column");
          });
          post(board.getAttribute("data-reorder-url"), { column: ids }).then(function (result) {
            if (!result.ok) { toast(errorText(result)); refreshPlan(); }
          });
        }
      });
    }
    board.querySelectorAll(".plan-cards").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = window.Sortable.create(list, {
        group: "plan",
        draggable: ".board-card",
        animation: 150,
        ghostClass: "board-card-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
          var card = evt.item;
          // The position among the placed cards: tasks not placed yet wait at the end of the first column.
          var position = 0;
          for (var node = card.previousElementSibling; node; node = node.previousElementSibling) {
            if (node.getAttribute("data-placed") === "1") { position += 1; }
          }
          post(card.getAttribute("data-move-url"), {
            column: evt.to.getAttribute("data-column"), position: position
          }).then(function (result) {
            if (result.ok) {
              card.setAttribute("data-placed", "1");
              planCounts(board);
            } else {
              revert(evt);
              toast(errorText(result));
              refreshPlan();
            }
          });
        }
      });
    });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var kanban = scope.id === "kanban-board" ? scope : scope.querySelector("#kanban-board");
    if (kanban) { initKanban(kanban); }
    var plan = scope.id === "plan-board" ? scope : scope.querySelector("#plan-board");
    if (plan) { initPlan(plan); }
  }

  if (window.htmx && typeof window.htmx.onLoad === "function") {
    window.htmx.onLoad(init);  // the first page load and every board htmx swaps in
  } else {
    init(document);
  }
})();
