// The chip picker (portal/core/widgets.py ChipPicker) and the quick dates (QuickDateTimeInput).
// A picker holds chips (each with a hidden input named after the form field its source posts to) and a
// combobox; typing asks the lookup endpoint (portal/core/pickers.py) for matches, grouped by kind.
// Keyboard: ArrowDown/ArrowUp move through the matches, Enter picks the active one (or, where new values are
// allowed, adds what is typed), Escape closes the list, Backspace in an empty box removes the last chip.
// Event delegation on document: pickers also arrive in htmx swaps. Loaded once even if included twice.
(function () {
  "use strict";
  if (window.lumenChipPicker) { return; }
  window.lumenChipPicker = true;

  var DELAY = 200;
  var timers = new WeakMap();
  var requests = new WeakMap();

  function pickerOf(el) { return el && el.closest ? el.closest("[data-chip-picker]") : null; }
  function part(picker, name) { return picker.querySelector("[data-chip-" + name + "]"); }
  function options(picker) { return Array.prototype.slice.call(part(picker, "listbox").querySelectorAll("[role=option]")); }

  function announce(picker, text) {
    var status = part(picker, "status");
    if (status) { status.textContent = text; }
  }

  function close(picker) {
    var listbox = part(picker, "listbox");
    var input = part(picker, "input");
    listbox.innerHTML = "";
    listbox.classList.add("d-none");
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function chosen(picker) {
    var taken = {};
    picker.querySelectorAll("[data-chip]").forEach(function (chip) {
      taken[chip.getAttribute("data-source") + ":" + chip.getAttribute("data-value").toLowerCase()] = true;
    });
    return taken;
  }

  function setActive(picker, index) {
    var all = options(picker);
    var input = part(picker, "input");
    all.forEach(function (option, i) {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(picker) {
    var all = options(picker);
    for (var i = 0; i < all.length; i++) { if (all[i].classList.contains("active")) { return i; } }
    return -1;
  }

  function makeChip(picker, item) {
    var names = JSON.parse(picker.getAttribute("data-names") || "{}");
    var li = document.createElement("li");
    li.className = "chip-picker-chip";
    li.setAttribute("data-chip", "");
    li.setAttribute("data-source", item.source);
    li.setAttribute("data-value", item.value);
    if (item.hint) { li.title = item.hint; }
    var icon = document.createElement("i");
    icon.className = "bi " + (item.icon || "bi-tag");
    icon.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.setAttribute("data-chip-label", "");
    label.textContent = item.label;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = names[item.source] || names[Object.keys(names)[0]];
    hidden.value = item.value;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close chip-picker-remove";
    remove.setAttribute("data-chip-unpick", "");
    remove.setAttribute("aria-label", picker.getAttribute("data-remove-label") + " " + item.label);
    li.append(icon, " ", label, hidden, remove);
    return li;
  }

  function changed(picker) {
    var input = part(picker, "input");
    input.dispatchEvent(new CustomEvent("chip-picker:change", { bubbles: true }));
    // A pick or a removal changes the form's value: forms that reload on "change" (the task list's and the
    // time report's filters) see it. Sent from the picker, not the box, whose own change events are held back.
    picker.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function pick(picker, item) {
    var list = part(picker, "list");
    var input = part(picker, "input");
    if (picker.getAttribute("data-multiple") !== "1") {
      list.innerHTML = "";
    }
    if (!chosen(picker)[item.source + ":" + String(item.value).toLowerCase()]) {
      list.appendChild(makeChip(picker, item));
    }
    input.value = "";
    close(picker);
    announce(picker, picker.getAttribute("data-added-label") + ": " + item.label);
    input.focus();
    changed(picker);
  }

  function removeChip(picker, chip) {
    var label = chip.querySelector("[data-chip-label]").textContent;
    chip.remove();
    announce(picker, picker.getAttribute("data-removed-label") + ": " + label);
    part(picker, "input").focus();
    changed(picker);
  }

  function render(picker, groups, query) {
    var listbox = part(picker, "listbox");
    var input = part(picker, "input");
    var taken = chosen(picker);
    var count = 0;
    listbox.innerHTML = "";
    groups.forEach(function (group) {
      var items = group.items.filter(function (item) {
        return !taken[item.source + ":" + String(item.value).toLowerCase()];
      });
      if (!items.length) { return; }
      var heading = document.createElement("li");
      heading.className = "chip-picker-group";
      heading.setAttribute("role", "presentation");
      heading.textContent = group.label;
      listbox.appendChild(heading);
      items.forEach(function (item) {
        item.icon = group.icon;
        listbox.appendChild(option(picker, item, count++));
      });
    });
    var typed = query.trim();
    if (picker.getAttribute("data-create") === "1" && typed && !taken[(picker.getAttribute("data-sources").split(",")[0]) + ":" + typed.toLowerCase()]) {
      var exact = options(picker).some(function (el) { return el.getAttribute("data-value").toLowerCase() === typed.toLowerCase(); });
      if (!exact) {
        var source = picker.getAttribute("data-sources").split(",")[0];
        var created = option(picker, { source: source, value: typed, label: typed, hint: "", icon: "bi-plus-lg" }, count++);
        created.setAttribute("data-icon", "bi-tag");
        created.querySelector("[data-option-label]").textContent = picker.getAttribute("data-create-label") + ": " + typed;
        created.setAttribute("data-label", typed);
        listbox.appendChild(created);
      }
    }
    if (!count) {
      if (!typed) { close(picker); return; }
      var empty = document.createElement("li");
      empty.className = "chip-picker-empty";
      empty.setAttribute("role", "presentation");
      empty.textContent = picker.getAttribute("data-empty-label");
      listbox.appendChild(empty);
    }
    listbox.classList.remove("d-none");
    input.setAttribute("aria-expanded", "true");
    setActive(picker, count ? 0 : -1);
    announce(picker, count ? count + " " + picker.getAttribute("data-count-label") : picker.getAttribute("data-empty-label"));
  }

  function option(picker, item, index) {
    var li = document.createElement("li");
    li.id = part(picker, "listbox").id + "-" + index;
    li.className = "chip-picker-option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.setAttribute("data-source", item.source);
    li.setAttribute("data-value", item.value);
    li.setAttribute("data-label", item.label);
    li.setAttribute("data-hint", item.hint || "");
    li.setAttribute("data-icon", item.icon || "");
    var icon = document.createElement("i");
    icon.className = "bi " + (item.icon || "bi-search") + " me-1";
    icon.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.setAttribute("data-option-label", "");
    label.textContent = item.label;
    li.append(icon, label);
    if (item.hint) {
      var hint = document.createElement("small");
      hint.className = "text-body-secondary ms-2";
      hint.textContent = item.hint;
      li.appendChild(hint);
    }
    return li;
  }

  function itemOf(option) {
    return {
      source: option.getAttribute("data-source"),
      value: option.getAttribute("data-value"),
      label: option.getAttribute("data-label"),
      hint: option.getAttribute("data-hint"),
      icon: option.getAttribute("data-icon"),
    };
  }

  function search(picker) {
    var input = part(picker, "input");
    var query = input.value;
    var previous = requests.get(picker);
    if (previous) { previous.abort(); }
    var controller = new AbortController();
    requests.set(picker, controller);
    var url = picker.getAttribute("data-lookup-url") + "?sources=" + encodeURIComponent(picker.getAttribute("data-sources")) +
      "&q=" + encodeURIComponent(query.trim());
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (document.activeElement !== input && !query.trim()) { return; }
        if (input.value !== query) { return; }  // typed on since: a newer answer is coming
        render(picker, data.results || [], query);
      })
      .catch(function () { /* aborted or offline: the next keystroke asks again */ });
  }

  function schedule(picker) {
    clearTimeout(timers.get(picker));
    timers.set(picker, setTimeout(function () { search(picker); }, DELAY));
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-chip-input]")) { schedule(pickerOf(event.target)); }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-chip-input]")) { schedule(pickerOf(event.target)); }
  });

  // The box's own change event is not a choice: keep it from forms that react to "change".
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-chip-input]")) { event.stopPropagation(); }
  }, true);

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-chip-input]")) { return; }
    var picker = pickerOf(input);
    var open = !part(picker, "listbox").classList.contains("d-none");
    var count = options(picker).length;
    var index = activeIndex(picker);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { search(picker); return; }
      setActive(picker, count ? (index + 1) % count : -1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (open && count) { setActive(picker, index <= 0 ? count - 1 : index - 1); }
    } else if (event.key === "Enter") {
      if (open || input.value.trim()) { event.preventDefault(); }  // never submit the form from the box
      if (open && index >= 0) {
        pick(picker, itemOf(options(picker)[index]));
      } else if (picker.getAttribute("data-create") === "1" && input.value.trim()) {
        var source = picker.getAttribute("data-sources").split(",")[0];
        pick(picker, { source: source, value: input.value.trim(), label: input.value.trim(), hint: "", icon: "bi-tag" });
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(picker); }
    } else if (event.key === "Backspace" && !input.value) {
      var chips = picker.querySelectorAll("[data-chip]");
      if (chips.length) { event.preventDefault(); removeChip(picker, chips[chips.length - 1]); }
    } else if (event.key === "Tab") {
      close(picker);
    }
  });

  // mousedown, not click: the box keeps its focus while a match is chosen.
  document.addEventListener("mousedown", function (event) {
    var target = event.target;
    var option = target.closest && target.closest("[data-chip-listbox] [role=option]");
    if (option) {
      event.preventDefault();
      pick(pickerOf(option), itemOf(option));
      return;
    }
    document.querySelectorAll("[data-chip-picker]").forEach(function (picker) {
      if (!picker.contains(target)) { close(picker); }
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    var remove = target.closest("[data-chip-unpick]");
    if (remove) {
      removeChip(pickerOf(remove), remove.closest("[data-chip]"));
      return;
    }
    var field = target.closest(".chip-picker-field");
    if (field && !target.closest("[data-chip]")) { part(pickerOf(field), "input").focus(); }
    var quick = target.closest("[data-quick-date]");
    if (quick) {
      var input = document.getElementById(quick.getAttribute("aria-controls"));
      if (input) {
        input.value = quick.getAttribute("data-quick-date");
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
        quick.closest("[data-quick-dates]").querySelectorAll("[data-quick-date]").forEach(function (button) {
          button.classList.toggle("active", button === quick);
          button.setAttribute("aria-pressed", button === quick ? "true" : "false");
        });
      }
    }
  });
})();
