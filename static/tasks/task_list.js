// The task list: "select all" for the bulk actions, the count of selected rows, and only the value field
// of the chosen bulk action shown. Event delegation: the results are swapped in by htmx.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-row]"));
  }

  function refreshCount() {
    var counter = document.getElementById("bulk-selected");
    if (counter) {
      counter.textContent = String(rows().filter(function (box) { return box.checked; }).length);
    }
    var all = document.getElementById("bulk-all");
    if (all) {
      var boxes = rows();
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  function showBulkField() {
    var action = document.getElementById("bulk-action");
    if (!action) { return; }
    document.querySelectorAll("[data-bulk-field]").forEach(function (field) {
      field.classList.toggle("d-none", field.getAttribute("data-bulk-field") !== action.value);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "bulk-all") {
      rows().forEach(function (box) { box.checked = target.checked; });
      refreshCount();
    } else if (target.hasAttribute && target.hasAttribute("data-bulk-row")) {
      refreshCount();
    } else if (target.id === "bulk-action") {
      showBulkField();
    } else if (target.name === "status" && target.closest("#filter-status")) {
      showStatuses(target.closest("#filter-status"));
    }
  });

  // The status filter's button names the chosen statuses ("Any" when none).
  function showStatuses(dropdown) {
    var button = dropdown.querySelector("button");
    var chosen = Array.prototype.slice.call(dropdown.querySelectorAll("input:checked")).map(function (box) {
      return dropdown.querySelector("label[for='" + box.id + "']").textContent.trim();
    });
    button.textContent = chosen.length ? chosen.join(", ") : dropdown.getAttribute("data-any");
  }

  document.addEventListener("submit", function (event) {
    if (event.target.id === "bulk-form" && !rows().some(function (box) { return box.checked; })) {
      event.preventDefault();
      var counter = document.getElementById("bulk-selected");
      if (counter) { counter.parentElement.classList.add("text-danger"); }
    }
  });

  function init() {
    showBulkField();
    refreshCount();
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
