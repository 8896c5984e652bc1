// CRM intake settings (mailboxes, stores): copy buttons and confirmed forms, without inline scripts.
(function () {
  "use strict";

  function copyText(button) {
    var target = document.getElementById(button.dataset.copy);
    if (!target) {
      return;
    }
    var text = target.value !== undefined ? target.value : target.textContent;
    var done = function () {
      var label = button.querySelector("[data-copy-label]");
      if (label) {
        var before = label.textContent;
        label.textContent = button.dataset.copied || before;
        window.setTimeout(function () { label.textContent = before; }, 2000);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else if (target.select) {
      target.select();
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      event.preventDefault();
      copyText(button);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
