// Person pickers (portal/people/widgets.py). The chosen people are checked radios or checkboxes carrying the
// form field's name; a search box without a name asks the server (htmx) for matches, shown below it.
// - a ticked match moves into the chosen list (for one person it replaces the chosen one), and the search
//   box and the matches are cleared;
// - a chosen person unticked (or "nobody" chosen instead, the cross after one person) leaves the list;
// - Enter in the search box does not submit the form, Escape closes the matches; Tab goes into them, and
//   Enter (or Space) on a match picks it;
// - the search box's own change event is kept from the form, so filter forms that reload on "change" only
//   react to a pick.
// Event delegation on document: pickers also come in htmx swaps.
(function () {
  "use strict";

  function pickerOf(el) {
    return el && el.closest ? el.closest("[data-person-picker]") : null;
  }

  function part(picker, name) {
    return picker.querySelector("[data-person-" + name + "]");
  }

  function closeResults(picker) {
    var results = part(picker, "results");
    if (!results) { return; }
    results.innerHTML = "";
    results.classList.add("d-none");
  }

  // A picker that may be left empty has a "nobody" radio: a row of its own while nobody is chosen, a small
  // cross after the chosen person otherwise.
  function showBlank(picker, alone) {
    var blank = part(picker, "blank");
    if (!blank) { return; }
    blank.classList.toggle("order-last", !alone);
    blank.classList.toggle("ps-0", !alone);
    blank.querySelector("input").classList.toggle("visually-hidden", !alone);
    blank.querySelector("[data-person-blank-label]").classList.toggle("visually-hidden", !alone);
    blank.querySelector("[data-person-blank-cross]").classList.toggle("d-none", alone);
  }

  function pick(input) {
    var picker = pickerOf(input);
    var chosen = part(picker, "chosen");
    var row = input.closest("[data-person]");
    if (!chosen || !row) { return; }
    input.removeAttribute("data-person-pick");
    var same = chosen.querySelector('[data-person="' + row.getAttribute("data-person") + '"]');
    if (input.type === "radio") {
      chosen.querySelectorAll("[data-person]").forEach(function (other) { other.remove(); });
      chosen.appendChild(row);
      showBlank(picker, false);
    } else if (same) {
      same.querySelector("input").checked = true;
    } else {
      chosen.appendChild(row);
    }
    var search = part(picker, "search");
    if (search) { search.value = ""; }
    closeResults(picker);
    if (search) { search.focus(); }
  }

  // The search box's change (on blur) is not a choice: keep it from forms that reload on "change".
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-person-search]")) { event.stopPropagation(); }
  }, true);

  document.addEventListener("change", function (event) {
    var input = event.target;
    var picker = pickerOf(input);
    if (!picker || input.matches("[data-person-search]")) { return; }
    if (input.hasAttribute("data-person-pick")) {
      if (input.checked) { pick(input); }
      return;
    }
    var chosen = input.closest("[data-person-chosen]");
    if (!chosen) { return; }
    if (input.type === "checkbox" && !input.checked) {
      input.closest("[data-person]").remove();
    } else if (input.type === "radio" && input.checked && input.closest("[data-person-blank]")) {
      chosen.querySelectorAll("[data-person]").forEach(function (other) { other.remove(); });
      showBlank(picker, true);
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches) { return; }
    if (target.matches("[data-person-pick]") && event.key === "Enter") {
      event.preventDefault();  // Enter on a match picks it, as Space does, instead of submitting the form
      target.click();
      return;
    }
    if (!target.matches("[data-person-search]")) { return; }
    if (event.key === "Enter") {
      event.preventDefault();
    } else if (event.key === "Escape") {
      closeResults(pickerOf(target));
    }
  });

  // The search box has no name (it is never submitted): its words go along as ?q= here.
  document.addEventListener("htmx:configRequest", function (event) {
    var search = event.detail.elt;
    if (search.matches && search.matches("[data-person-search]")) {
      event.detail.parameters.q = search.value;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    if (!results || !results.matches || !results.matches("[data-person-results]")) { return; }
    var search = part(pickerOf(results), "search");
    // An answer that comes back after the box was cleared (a pick, Escape) is not wanted any more.
    if (search && !search.value.trim()) {
      closeResults(pickerOf(results));
    } else {
      results.classList.toggle("d-none", !results.children.length);
    }
  });

  // A click elsewhere closes the open matches.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("[data-person-results]:not(.d-none)").forEach(function (results) {
      var picker = pickerOf(results);
      if (picker && !picker.contains(event.target)) { closeResults(picker); }
    });
  });
})();
