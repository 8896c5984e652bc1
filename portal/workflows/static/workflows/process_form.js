// The process form (templates/workflows/processes/form.html): expense lines are added and removed in place
// (a Django formset: new rows from its empty form, the management form's count kept right), and their total is
// shown under them and copied into the request's computed amount. No inline code: the page runs under a strict CSP.
(function () {
  "use strict";

  function number(value) {
    var n = parseFloat(String(value || "").replace(",", "."));
    return isNaN(n) ? 0 : n;
  }

  function setup(box) {
    var key = box.getAttribute("data-lines");
    var rows = box.querySelector("[data-lines-rows]");
    var template = box.querySelector("template[data-line-template]");
    var total = box.querySelector("input[name='" + key + "-TOTAL_FORMS']");
    var sum = box.querySelector("[data-lines-sum]");
    var amount = document.querySelector("input[data-lines-total='" + key + "']");
    var currency = document.querySelector("select[data-lines-currency='" + key + "']");

    function recount() {
      var value = 0;
      var code = "";
      var lines = rows.querySelectorAll("[data-line]");
      for (var i = 0; i < lines.length; i++) {
        var line = lines[i];
        if (line.classList.contains("wf-line-removed")) { continue; }
        var input = line.querySelector("input.wf-line-amount");
        var select = line.querySelector("select.wf-line-currency");
        value += number(input && input.value);
        if (!code && select && input && input.value) { code = select.value; }
      }
      var text = value.toFixed(2);
      if (sum) { sum.textContent = code ? text + " " + code : text; }
      if (amount) { amount.value = value ? text : ""; }
      if (currency && code) { currency.value = code; }
    }

    function bindRemove(line) {
      var box = line.querySelector("input[type=checkbox][name$='-DELETE']");
      if (!box) { return; }
      box.addEventListener("change", function () {
        line.classList.toggle("wf-line-removed", box.checked);
        recount();
      });
    }

    var existing = rows.querySelectorAll("[data-line]");
    for (var i = 0; i < existing.length; i++) { bindRemove(existing[i]); }

    var add = box.querySelector("[data-add-line]");
    if (add && template && total) {
      add.addEventListener("click", function () {
        var index = parseInt(total.value, 10) || 0;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var line = holder.firstElementChild;
        rows.appendChild(line);
        total.value = String(index + 1);
        bindRemove(line);
        var first = line.querySelector("input:not([type=hidden])");
        if (first) { first.focus(); }
      });
    }
    box.addEventListener("input", recount);
    box.addEventListener("change", recount);
    recount();
  }

  var boxes = document.querySelectorAll("[data-lines]");
  for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
})();
