// The stream's page behaviours: composer panels, the mention picker, replies. htmx does the requests.
// The post's audience is core's chip picker (static/lumen/chip_picker.js).
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

  // Enter in the mention search must not submit the composer.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("#composer-form input[type=search]")) { event.preventDefault(); }
  });

  syncComposer(document.getElementById("composer-form"));
})();
