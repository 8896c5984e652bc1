// The knowledge base's page tree: an editor drags a page onto another (it becomes its last sub-page) or onto the
// upper or lower edge of a row (it goes before or after that page). The move is posted to the page's move
// URL as a form; the page reloads to show the tree as the server keeps it. Without this script, the "Move"
// page does the same with a form.
(function () {
  "use strict";
  var tree = document.querySelector("[data-kb-tree]");
  if (!tree) return;
  var dragged = null;

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var headers = document.body.getAttribute("hx-headers");
    try { return headers ? JSON.parse(headers)["X-CSRFToken"] : ""; } catch (e) { return ""; }
  }

  function clear() {
    tree.querySelectorAll(".kb-drop-before, .kb-drop-after, .kb-drop-inside").forEach(function (el) {
      el.classList.remove("kb-drop-before", "kb-drop-after", "kb-drop-inside");
    });
  }

  function zone(row, event) {
    var box = row.getBoundingClientRect();
    var y = event.clientY - box.top;
    if (y < box.height * 0.3) return "before";
    if (y > box.height * 0.7) return "after";
    return "inside";
  }

  function siblingsOf(item) {
    return Array.prototype.filter.call(item.parentElement.children, function (el) {
      return el.classList.contains("kb-tree-item") && el !== dragged;
    });
  }

  tree.addEventListener("dragstart", function (event) {
    var item = event.target.closest(".kb-tree-item");
    if (!item) return;
    dragged = item;
    item.classList.add("kb-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.page);
    event.stopPropagation();
  });

  tree.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("kb-dragging");
    dragged = null;
    clear();
  });

  tree.addEventListener("dragover", function (event) {
    var row = event.target.closest(".kb-tree-row");
    if (!dragged || !row) return;
    var item = row.parentElement;
    if (item === dragged || dragged.contains(item)) return; // never under itself
    event.preventDefault();
    clear();
    item.classList.add("kb-drop-" + zone(row, event));
  });

  tree.addEventListener("drop", function (event) {
    var row = event.target.closest(".kb-tree-row");
    if (!dragged || !row) return;
    var item = row.parentElement;
    if (item === dragged || dragged.contains(item)) return;
    event.preventDefault();
    var where = zone(row, event);
    var parent, position;
    if (where === "inside") {
      parent = item.dataset.page;
      position = "";
    } else {
      parent = item.parentElement.dataset.parent || "";
      var index = siblingsOf(item).indexOf(item);
      position = String(where === "before" ? index : index + 1);
    }
    clear();
    var body = new URLSearchParams();
    body.set("parent", parent);
    body.set("position", position);
    var url = tree.dataset.moveUrl.replace("/0/", "/" + dragged.dataset.page + "/");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body,
    }).then(function (response) {
      if (response.ok) {
        window.location.reload();
      } else {
        response.json().then(function (data) {
          window.alert((data && data.detail) || tree.dataset.error);
        }, function () { window.alert(tree.dataset.error); });
      }
    });
  });
})();
