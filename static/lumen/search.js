// The top bar's search: suggestions as one types (core.views.search_suggest), and the compact bar's toggles.
// - typing waits 250 ms, then asks the server for a small HTML list grouped by kind (stale answers are dropped);
// - Down/Up move through the options (the box keeps the focus: aria-activedescendant), Enter opens the active
//   option, Enter with none submits the form to the full search page, Esc closes the list;
// - on small screens the search and menu icons open the full controls ([data-lumen-toggle]).
(function () {
  "use strict";
  var DELAY = 250;

  function setup(form) {
    var input = form.querySelector("input[type=search]");
    var box = form.querySelector("[data-suggest-box]");
    var url = form.getAttribute("data-suggest-url");
    var status = form.querySelector("[data-suggest-status]");
    if (!input || !box || !url) { return; }
    var timer = null;
    var sequence = 0;
    var lastQuery = null;

    function options() { return Array.prototype.slice.call(box.querySelectorAll("[role=option]")); }
    function active() { return box.querySelector("[role=option][aria-selected=true]"); }

    function open() {
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      options().forEach(function (o) { o.setAttribute("aria-selected", "false"); o.classList.remove("active"); });
    }

    function select(option) {
      options().forEach(function (o) {
        var on = o === option;
        o.setAttribute("aria-selected", on ? "true" : "false");
        o.classList.toggle("active", on);
      });
      if (option) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query.length < 2) { lastQuery = null; box.innerHTML = ""; close(); return; }
      if (query === lastQuery && box.innerHTML) { open(); return; }
      var mine = ++sequence;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "text/html" }
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (mine !== sequence || html === null) { return; }  // a newer request went out: this answer is stale
        lastQuery = query;
        box.innerHTML = html;
        // A screen reader hears how many suggestions came, not the whole list (the list is the combobox's popup).
        var list = box.querySelector("[data-status]");
        if (status) { status.textContent = list ? list.getAttribute("data-status") : ""; }
        if (document.activeElement === input) { open(); }
      }, function () { /* offline: the form still submits to the search page */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });

    input.addEventListener("focus", function () {
      if (box.innerHTML && input.value.trim().length >= 2) { fetchSuggestions(); }
    });

    input.addEventListener("keydown", function (event) {
      var list = options();
      var current = active();
      var index = current ? list.indexOf(current) : -1;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (box.hidden) {
          if (!list.length) { return; }
          open();
        }
        event.preventDefault();
        if (!list.length) { return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = index + step;
        if (next < 0) { next = list.length - 1; }
        if (next >= list.length) { next = 0; }
        select(list[next]);
      } else if (event.key === "Enter") {
        if (!box.hidden && current) {
          event.preventDefault();
          window.location.assign(current.href);
        }
        // No option chosen: the form goes to the full search page as before.
      } else if (event.key === "Escape") {
        if (!box.hidden) {
          event.preventDefault();
          close();
        }
      }
    });

    box.addEventListener("mousemove", function (event) {
      var option = event.target.closest && event.target.closest("[role=option]");
      if (option && option !== active()) { select(option); }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) { close(); }
    });
    form.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !form.contains(event.relatedTarget)) { close(); }
    });
  }

  document.querySelectorAll("form[data-suggest-url]").forEach(setup);

  // The compact top bar: an icon button shows or hides the control it names (the search box on a phone), and
  // moves the focus into it when it opens.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-lumen-toggle]");
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute("aria-controls") || "");
    var bar = button.closest(".lumen-topbar");
    if (!target || !bar) { return; }
    var opening = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", opening ? "true" : "false");
    bar.classList.toggle(button.getAttribute("data-lumen-toggle"), opening);
    if (opening) {
      var field = target.querySelector("input, select, textarea, button, a[href]");
      if (field) { field.focus(); }
    }
  });
})();
