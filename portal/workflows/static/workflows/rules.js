// The automation rule editor (portal/workflows/templates/workflows/rules/partials/editor.html): an action's
// settings that apply to one choice of another setting (e-mail "to the people chosen", "change the status")
// show as that choice is made. The server draws the same on every refresh, so without this nothing is lost:
// the "show the choices" button asks it.
(function () {
  "use strict";

  function sync(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-when-field]").forEach(function (box) {
      var control = document.getElementsByName(box.getAttribute("data-when-field"))[0];
      if (!control) { return; }
      var wanted = (box.getAttribute("data-when-values") || "").split(",");
      box.classList.toggle("d-none", wanted.indexOf(control.value) === -1);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-rule-controls")) {
      sync(target.closest("[data-action-row]") || document);
    }
  });
  document.addEventListener("htmx:load", function (event) { sync(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { sync(document); });
  } else {
    sync(document);
  }
})();
