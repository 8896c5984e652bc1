// The stream's page behaviours: composer panels, the people pickers, replies. htmx does the requests.
(function () {
  "use strict";

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || textarea.value.length;
    var end = textarea.selectionEnd || start;
    var before = textarea.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + spacer + text + " " + textarea.value.slice(end);
    var caret = (before + spacer + text + " ").length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
  }

  function syncComposer(form) {
    if (!form) { return; }
    var everyone = form.querySelector("input[name=everyone]");
    var details = form.querySelector("[data-audience-details]");
    if (everyone && details) { details.classList.toggle("d-none", everyone.checked); }
    var chosen = form.querySelector("input[name=attach]:checked");
    var value = chosen ? chosen.value : "";
    form.querySelectorAll("[data-attach-panel]").forEach(function (panel) {
      panel.classList.toggle("d-none", panel.getAttribute("data-attach-panel") !== value);
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("#composer-form");
    if (form) { syncComposer(form); }
  });

  document.addEventListener("click", function (event) {
    var mention = event.target.closest("[data-mention-insert]");
    if (mention) {
      var scope = mention.closest("form") || document;
      var textarea = scope.querySelector("[data-mention-target]");
      if (textarea) { insertAtCursor(textarea, mention.getAttribute("data-mention-insert")); }
      var picker = mention.closest("[data-mention-picker]");
      if (picker) {
        picker.querySelector("input[type=search]").value = "";
        mention.closest(".stream-picker-results").innerHTML = "";
      }
      return;
    }
    var add = event.target.closest("[data-audience-add]");
    if (add) {
      var id = add.getAttribute("data-audience-add");
      var box = document.getElementById("audience-people");
      if (box && !box.querySelector('[data-user="' + id + '"]')) {
        var chip = document.createElement("span");
        chip.className = "badge text-bg-light border stream-chip";
        chip.setAttribute("data-user", id);
        chip.textContent = add.getAttribute("data-name") + " ";
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "btn-close btn-close-sm"; remove.setAttribute("data-chip-remove", "");
        remove.setAttribute("aria-label", "Remove");
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "users"; input.value = id;
        chip.appendChild(remove); chip.appendChild(input);
        box.appendChild(chip);
      }
      var results = document.getElementById("audience-people-results");
      if (results) { results.innerHTML = ""; }
      var q = document.getElementById("audience-people-q");
      if (q) { q.value = ""; q.focus(); }
      return;
    }
    var removeChip = event.target.closest("[data-chip-remove]");
    if (removeChip) { removeChip.closest(".stream-chip").remove(); return; }
    var reply = event.target.closest("[data-reply-to]");
    if (reply) {
      var container = reply.closest("[data-comments-full]") || reply.closest(".card-footer");
      var form = container && container.querySelector("[data-comment-form]");
      if (!form) { return; }
      form.querySelector("[data-parent-input]").value = reply.getAttribute("data-reply-to");
      form.querySelector("[data-reply-who]").textContent = reply.getAttribute("data-reply-name");
      form.querySelector("[data-reply-note]").classList.remove("d-none");
      form.querySelector("textarea").focus();
      return;
    }
    var cancel = event.target.closest("[data-reply-cancel]");
    if (cancel) {
      var f = cancel.closest("[data-comment-form]");
      f.querySelector("[data-parent-input]").value = "";
      f.querySelector("[data-reply-note]").classList.add("d-none");
    }
  });

  // Enter in the audience search must not submit the composer.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("#composer-form input[type=search]")) { event.preventDefault(); }
  });

  syncComposer(document.getElementById("composer-form"));
})();
