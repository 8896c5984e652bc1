// The web form builder: "Add a field" appends a row of the formset from its <template>, and "Copy" buttons
// copy the public address or an embed code. Without script the page still works (two empty rows are there).
(function () {
  "use strict";

  function addRow(button) {
    var rows = document.getElementById(button.dataset.crmAddRow);
    var template = document.getElementById(button.dataset.crmTemplate);
    var total = document.getElementById("id_" + button.dataset.crmPrefix + "-TOTAL_FORMS");
    if (!rows || !template || !total) return;
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  function copy(button) {
    var source = document.getElementById(button.dataset.crmCopy);
    if (!source) return;
    var text = source.value;
    var done = function () {
      button.classList.add("btn-success");
      window.setTimeout(function () { button.classList.remove("btn-success"); }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-crm-add-row]");
    if (add) { addRow(add); return; }
    var button = event.target.closest("[data-crm-copy]");
    if (button) copy(button);
  });
})();
