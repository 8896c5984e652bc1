// The process template editor (portal/workflows/views/templates.py): the form's fields and the route's steps
// are two Django formsets with numbered prefixes. This script adds a row from the formset's empty form (its
// <template>), hides a removed row and marks its DELETE input, moves rows up and down and renumbers their
// ORDER inputs (the server keeps that order), shows the parameter of the chosen approver rule, the options of
// a list field and the actions of an approval step, and keeps the condition selects in step with the fields.
// Event delegation on the document; no inline handlers (the page runs under a strict CSP).
(function () {
  "use strict";

  function editor() { return document.querySelector("[data-wf-editor]"); }
  function rowsOf(kind) { return document.querySelector('[data-wf-rows="' + kind + '"]'); }
  function liveRows(kind) {
    var list = rowsOf(kind);
    if (!list) { return []; }
    return Array.prototype.filter.call(list.children, function (row) {
      return row.hasAttribute("data-wf-row") && !row.hasAttribute("data-wf-removed");
    });
  }
  function input(row, name) { return row.querySelector('[name$="-' + name + '"]'); }

  function renumber(kind) {
    var rows = liveRows(kind);
    rows.forEach(function (row, index) {
      var order = row.querySelector("[data-wf-order]");
      if (order) { order.value = String(index + 1); }
      var number = row.querySelector("[data-wf-number]");
      if (number) { number.textContent = String(index + 1); }
      var up = row.querySelector('[data-wf-move="up"]');
      var down = row.querySelector('[data-wf-move="down"]');
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === rows.length - 1; }
    });
    var empty = document.querySelector('[data-wf-empty="' + kind + '"]');
    if (empty) { empty.classList.toggle("d-none", rows.length > 0); }
  }

  // --- the fields the conditions may test -----------------------------------------------------------------

  function fieldChoices() {
    return liveRows("fields").map(function (row) {
      var key = (input(row, "key") || {}).value || "";
      var label = (input(row, "label") || {}).value || "";
      return { key: key.trim(), label: (label.trim() || key.trim()) };
    }).filter(function (choice) { return choice.key; });
  }

  function refreshConditions() {
    var choices = fieldChoices();
    document.querySelectorAll('[data-wf-row="steps"] select[name$="-condition_field"], #wf-steps-empty').forEach(function (node) {
      var selects = node.tagName === "TEMPLATE" ? node.content.querySelectorAll('select[name$="-condition_field"]') : [node];
      Array.prototype.forEach.call(selects, function (select) {
        var current = select.value;
        var always = select.options.length ? select.options[0].textContent : "";
        select.innerHTML = "";
        select.appendChild(new Option(always, ""));
        var found = current === "";
        choices.forEach(function (choice) {
          select.appendChild(new Option(choice.label + " (" + choice.key + ")", choice.key));
          if (choice.key === current) { found = true; }
        });
        if (!found) { select.appendChild(new Option(current, current)); }
        select.value = current;
      });
    });
  }

  // --- what shows in a row --------------------------------------------------------------------------------

  function syncStep(row) {
    var rule = input(row, "rule");
    var kind = input(row, "kind");
    if (rule) {
      row.querySelectorAll("[data-wf-param]").forEach(function (box) {
        var rules = box.getAttribute("data-wf-param").split(" ");
        box.classList.toggle("d-none", rules.indexOf(rule.value) === -1);
      });
    }
    var actions = row.querySelector("[data-wf-approval-only]");
    if (actions && kind) { actions.classList.toggle("d-none", kind.value === "info"); }
  }

  function syncField(row) {
    var type = input(row, "type");
    var choices = row.querySelector("[data-wf-choices]");
    if (type && choices) { choices.classList.toggle("d-none", type.value !== "choice"); }
  }

  function syncTitle(row) {
    var title = row.querySelector("[data-wf-title]");
    var source = input(row, row.getAttribute("data-wf-row") === "steps" ? "name" : "label");
    if (title && source) {
      title.textContent = source.value.trim() || title.getAttribute("data-wf-untitled") || "";
    }
  }

  // --- add, remove, move ----------------------------------------------------------------------------------

  function add(kind) {
    var list = rowsOf(kind);
    var template = document.getElementById("wf-" + kind + "-empty");
    var total = document.getElementById("id_" + kind + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + kind + "-MAX_NUM_FORMS");
    if (!list || !template || !total) { return; }
    if (max && liveRows(kind).length >= parseInt(max.value, 10)) { return; }
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("[data-wf-row]");
    list.appendChild(row);
    total.value = String(index + 1);
    renumber(kind);
    if (kind === "steps") { syncStep(row); refreshConditions(); } else { syncField(row); refreshConditions(); }
    var first = row.querySelector('input:not([type="hidden"]), select, textarea');
    if (first) { first.focus(); }
  }

  function remove(row) {
    var kind = row.getAttribute("data-wf-row");
    var gone = row.querySelector("[data-wf-delete]");
    if (gone) { gone.value = "on"; }
    row.setAttribute("data-wf-removed", "");
    row.classList.add("d-none");
    renumber(kind);
    if (kind === "fields") { refreshConditions(); }
    var next = liveRows(kind)[0];
    var focus = next ? next.querySelector("[data-wf-remove]") : document.querySelector('[data-wf-add="' + kind + '"]');
    if (focus) { focus.focus(); }
  }

  function move(row, direction) {
    var kind = row.getAttribute("data-wf-row");
    var rows = liveRows(kind);
    var index = rows.indexOf(row);
    var other = rows[direction === "up" ? index - 1 : index + 1];
    if (!other) { return; }
    if (direction === "up") { other.before(row); } else { other.after(row); }
    renumber(kind);
    if (kind === "fields") { refreshConditions(); }
    var button = row.querySelector('[data-wf-move="' + direction + '"]');
    if (button && !button.disabled) { button.focus(); }
  }

  document.addEventListener("click", function (event) {
    if (!editor()) { return; }
    var adder = event.target.closest("[data-wf-add]");
    if (adder) { add(adder.getAttribute("data-wf-add")); return; }
    var row = event.target.closest("[data-wf-row]");
    if (!row) { return; }
    if (event.target.closest("[data-wf-remove]")) { remove(row); return; }
    var mover = event.target.closest("[data-wf-move]");
    if (mover) { move(row, mover.getAttribute("data-wf-move")); }
  });

  document.addEventListener("change", function (event) {
    var row = event.target.closest ? event.target.closest("[data-wf-row]") : null;
    if (event.target.matches && event.target.matches('[data-wf-editor] select[name="icon"]')) {
      var preview = document.querySelector("[data-wf-icon-preview]");
      if (preview) { preview.className = "bi " + event.target.value; }
    }
    if (!row) { return; }
    if (row.getAttribute("data-wf-row") === "steps") { syncStep(row); } else { syncField(row); }
  });

  document.addEventListener("input", function (event) {
    var row = event.target.closest ? event.target.closest("[data-wf-row]") : null;
    if (!row) { return; }
    syncTitle(row);
    if (row.getAttribute("data-wf-row") === "fields" && /-(key|label)$/.test(event.target.name || "")) {
      refreshConditions();
    }
  });

  function start() {
    if (!editor()) { return; }
    ["fields", "steps"].forEach(renumber);
    document.querySelectorAll('[data-wf-row="steps"]').forEach(syncStep);
    document.querySelectorAll('[data-wf-row="fields"]').forEach(syncField);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
