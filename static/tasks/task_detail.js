// The task page's small behaviours. htmx does the requests; every form also works without this file.
// - people picker: a ticked search result moves into the chosen list, so a new search does not lose it;
// - checklist: drag and drop (SortableJS) posts the new order; the arrow buttons do the same without it.
(function () {
  "use strict";

  function field(el, selector) {
    var fieldset = el.closest("[data-people-field]");
    return fieldset ? fieldset.querySelector(selector) : null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-pick]");
    if (!input || !input.checked) { return; }
    var picked = field(input, "[data-picked]");
    var label = input.closest("label");
    if (!picked || !label) { return; }
    if (input.type === "radio") { picked.innerHTML = ""; }
    var duplicate = picked.querySelector('input[value="' + input.value + '"]');
    if (duplicate) { duplicate.checked = true; label.remove(); } else { picked.appendChild(label); }
    input.removeAttribute("data-pick");
    var search = field(input, "[data-picker-search]");
    if (search) { search.value = ""; search.focus(); }
  });

  // Enter in a search box must not submit the form around it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    if (event.target.matches("[data-picker-search], [data-mention-picker] input")) { event.preventDefault(); }
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
