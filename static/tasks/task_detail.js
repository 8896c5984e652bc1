// The task page's small behaviours. htmx does the requests; every form also works without this file.
// (The people block's pickers are core's chip pickers: static/lumen/chip_picker.js.)
// - checklist: drag and drop (SortableJS) posts the new order; the arrow buttons do the same without it.
(function () {
  "use strict";

  // Enter in the mention search box must not submit the form around it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    if (event.target.matches("[data-mention-picker] input")) { event.preventDefault(); }
  });

  function initSortable(root) {
    if (typeof window.Sortable !== "function") { return; }
    var lists = (root || document).querySelectorAll("[data-checklist-sortable]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list._taskSortable) { return; }
      list._taskSortable = window.Sortable.create(list, {
        handle: ".task-drag-handle",
        draggable: "[data-item]",
        animation: 150,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) { return; }
          var ids = Array.prototype.map.call(list.querySelectorAll("[data-item]"), function (li) {
            return li.getAttribute("data-item");
          });
          var token = list.closest("section").querySelector("[name=csrfmiddlewaretoken]");
          window.htmx.ajax("POST", list.getAttribute("data-reorder-url"), {
            target: "#task-checklist",
            swap: "outerHTML",
            values: { order: ids.join(","), csrfmiddlewaretoken: token ? token.value : "" },
          });
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initSortable(document); });
  document.addEventListener("htmx:load", function (event) { initSortable(event.target); });
  if (document.readyState !== "loading") { initSortable(document); }
})();
