// The deal Kanban, the stage colours of the deal pages and the drag-to-reorder list of a pipeline's stages.
// SortableJS moves the cards; every drop is sent to the server (with the CSRF token) and the server decides:
// a drop on a lost stage first asks for the reason; a refused move puts the card back and a toast says why.
(function () {
  "use strict";

  var texts = {};
  try { texts = JSON.parse((document.getElementById("crm-board-texts") || {}).textContent || "{}") || {}; } catch (e) { texts = {}; }
  function t(key, fallback) { return texts[key] || fallback || key; }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

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
    if (result.status === 403) { return t("forbidden"); }
    if (result.status === 404) { return t("not_found"); }
    if (result.status === 0) { return t("network"); }
    return t("error");
  }

  function toast(message) {
    var box = document.getElementById("lumen-toasts");
    if (!box) { window.alert(message); return; }
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-danger";
    el.setAttribute("role", "alert");
    el.setAttribute("data-crm-toast", "1");
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
      new window.bootstrap.Toast(el, { delay: 7000 }).show();
    } else {
      el.classList.add("show");
      setTimeout(function () { el.remove(); }, 7000);
    }
  }

  // Stage colours: data-color="#rrggbb" becomes the --crm-stage-color of the element (no inline styles allowed).
  function applyColors(scope) {
    scope.querySelectorAll("[data-color]").forEach(function (el) {
      var color = el.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{6}$/.test(color)) { el.style.setProperty("--crm-stage-color", color); }
    });
  }

  function revert(evt) {
    var from = evt.from;
    var ref = from.children[evt.oldIndex] || null;
    if (ref !== evt.item) { from.insertBefore(evt.item, ref); }
  }

  // The lost dialog: resolves with the reason, or null when the person cancels.
  function askReason() {
    var modalEl = document.getElementById("crm-lost");
    if (!modalEl || !window.bootstrap) {
      var text = window.prompt(t("lost", "Why was the deal lost?"));
      return Promise.resolve(text && text.trim() ? text.trim() : null);
    }
    return new Promise(function (resolve) {
      var form = modalEl.querySelector("#crm-lost-form");
      var input = modalEl.querySelector("#crm-lost-reason");
      var answer = null;
      input.value = "";
      input.classList.remove("is-invalid");
      var modal = window.bootstrap.Modal.getOrCreateInstance(modalEl);
      form.onsubmit = function (event) {
        event.preventDefault();
        if (!input.value.trim()) { input.classList.add("is-invalid"); input.focus(); return; }
        answer = input.value.trim();
        modal.hide();
      };
      modalEl.addEventListener("hidden.bs.modal", function done() {
        modalEl.removeEventListener("hidden.bs.modal", done);
        resolve(answer);
      });
      modalEl.addEventListener("shown.bs.modal", function focus() {
        modalEl.removeEventListener("shown.bs.modal", focus);
        input.focus();
      });
      modal.show();
    });
  }

  function setColumn(board, stageId, numbers) {
    var column = board.querySelector('.crm-column[data-stage="' + stageId + '"]');
    if (!column || !numbers) { return; }
    column.querySelector(".crm-count").textContent = String(numbers.count);
    column.querySelector(".crm-sum").textContent = numbers.sum;
  }

  function move(board, evt, reason) {
    var card = evt.item;
    var target = evt.to.getAttribute("data-stage");
    card.classList.add("crm-card-saving");
    return post(card.getAttribute("data-move-url"), {
      stage: target, lost_reason: reason || "", scope: board.getAttribute("data-scope") || "all"
    }).then(function (result) {
      card.classList.remove("crm-card-saving");
      if (result.ok && result.body) {
        var columns = result.body.columns || {};
        Object.keys(columns).forEach(function (id) { setColumn(board, id, columns[id]); });
        if (!result.body.html) { card.remove(); return; }
        var holder = document.createElement("div");
        holder.innerHTML = result.body.html.trim();
        card.replaceWith(holder.firstElementChild);
        return;
      }
      var error = (result.body && result.body.error) || {};
      if (result.status === 400 && error.code === "lost_reason" && !reason) {
        return askReason().then(function (answer) {
          if (!answer) { revert(evt); return; }
          return move(board, evt, answer);
        });
      }
      revert(evt);
      toast(errorText(result));
    });
  }

  function initKanban(board) {
    if (typeof window.Sortable !== "function") { return; }
    board.querySelectorAll(".crm-cards").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = window.Sortable.create(list, {
        group: "crm-deals",
        sort: false,
        draggable: '.crm-card[data-movable="1"]',
        animation: 150,
        ghostClass: "crm-card-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to) { return; }
          if (evt.to.getAttribute("data-kind") === "lost") {
            askReason().then(function (answer) {
              if (!answer) { revert(evt); return; }
              move(board, evt, answer);
            });
            return;
          }
          move(board, evt, "");
        }
      });
    });
  }

  // The stage editor of a pipeline: drag the rows (or use the arrows, which work without scripts).
  function initStages(list) {
    if (typeof window.Sortable !== "function" || list._sortable) { return; }
    list._sortable = window.Sortable.create(list, {
      handle: ".crm-drag",
      draggable: ".crm-stage-row",
      animation: 150,
      onEnd: function (evt) {
        if (evt.oldIndex === evt.newIndex) { return; }
        var ids = Array.prototype.map.call(list.querySelectorAll(".crm-stage-row"), function (row) {
          return row.getAttribute("data-stage");
        });
        post(list.getAttribute("data-reorder-url"), { stage: ids }).then(function (result) {
          if (!result.ok) { toast(errorText(result)); window.location.reload(); }
        });
      }
    });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    applyColors(scope);
    var board = scope.id === "crm-kanban" ? scope : scope.querySelector("#crm-kanban");
    if (board) { initKanban(board); }
    var stages = scope.id === "crm-stage-list" ? scope : scope.querySelector("#crm-stage-list");
    if (stages) { initStages(stages); }
  }

  if (window.htmx && typeof window.htmx.onLoad === "function") {
    window.htmx.onLoad(init);
  } else {
    init(document);
  }
})();
