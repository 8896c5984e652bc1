// The CRM lists: choosing rows for the bulk actions ("all on this page", the count), showing only the fields
// of the chosen bulk action, the stage colours, the saved filter taking the current query, and the columns
// chooser's up/down buttons. Event delegation: the results are swapped in by htmx.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-row]"));
  }

  function refreshCount() {
    var boxes = rows();
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    var counter = document.getElementById("bulk-selected");
    if (counter) { counter.textContent = String(checked); }
    var all = document.getElementById("bulk-all");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  function needsReason() {
    var action = document.getElementById("bulk-action");
    if (!action) { return false; }
    if (action.value === "status") {
      var status = document.getElementById("bulk-status");
      return !!status && status.value === "junk";
    }
    if (action.value === "stage") {
      var stage = document.getElementById("bulk-stage");
      var option = stage && stage.options[stage.selectedIndex];
      return !!option && option.getAttribute("data-kind") === "lost";
    }
    return false;
  }

  function showBulkFields() {
    var action = document.getElementById("bulk-action");
    if (!action) { return; }
    var reason = needsReason();
    document.querySelectorAll("[data-bulk-field]").forEach(function (field) {
      var name = field.getAttribute("data-bulk-field");
      field.classList.toggle("d-none", name === "reason" ? !reason : name !== action.value);
    });
  }

  function paintStages(root) {
    (root || document).querySelectorAll("[data-color]").forEach(function (mark) {
      mark.style.color = mark.getAttribute("data-color");
    });
  }

  function syncQuery() {
    var results = document.getElementById("list-results");
    var field = document.querySelector("[data-list-query]");
    if (results && field) { field.value = results.getAttribute("data-query") || ""; }
  }

  function columnsOrder() {
    var list = document.getElementById("columns-list");
    var order = document.querySelector("[data-columns-order]");
    if (!list || !order) { return; }
    order.value = Array.prototype.map.call(list.querySelectorAll("[data-column]"), function (item) {
      return item.getAttribute("data-column");
    }).join(",");
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "bulk-all") {
      rows().forEach(function (box) { box.checked = target.checked; });
      refreshCount();
    } else if (target.hasAttribute && target.hasAttribute("data-bulk-row")) {
      refreshCount();
    } else if (target.id === "bulk-action" || target.id === "bulk-status" || target.id === "bulk-stage") {
      showBulkFields();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-move]") : null;
    if (!button) { return; }
    var item = button.closest("[data-column]");
    if (button.getAttribute("data-move") === "up" && item.previousElementSibling) {
      item.parentNode.insertBefore(item, item.previousElementSibling);
    } else if (button.getAttribute("data-move") === "down" && item.nextElementSibling) {
      item.parentNode.insertBefore(item.nextElementSibling, item);
    }
    columnsOrder();
    button.focus();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "columns-form") {
      columnsOrder();
      return;
    }
    if (form.id !== "bulk-form") { return; }
    if (!rows().some(function (box) { return box.checked; })) {
      event.preventDefault();
      var counter = document.getElementById("bulk-selected");
      if (counter) { counter.parentElement.classList.add("text-danger"); }
      return;
    }
    var action = document.getElementById("bulk-action");
    var submit = document.getElementById("bulk-submit");
    if (action && action.value === "delete" && submit && !window.confirm(submit.getAttribute("data-confirm-delete"))) {
      event.preventDefault();
    }
  });

  function init() {
    showBulkFields();
    refreshCount();
    paintStages();
    syncQuery();
    columnsOrder();
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
