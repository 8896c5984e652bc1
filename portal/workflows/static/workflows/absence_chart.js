/* The absence chart. The Content-Security-Policy refuses style attributes, so colours are set from script:
   - bars carry their type's class (wf-t<id>); the chart's data-colors ("<id>:#rrggbb ...") becomes one CSS rule
     per type (dark or light text by the colour's brightness), not a style per bar;
   - swatches (legend, details) take their colour from data-color.
   A click on a bar opens its details in a modal (htmx brings them into #wf-absence-detail; a modifier-click
   still opens the absence's page, as a link does); the chart scrolls so that today is in view. */
(function () {
  "use strict";

  var HEX = /^#[0-9a-fA-F]{6}$/;
  var KEY = /^\d+$/;
  var painted = {};
  var sheet = null;

  function isLight(hex) {
    var r = parseInt(hex.substr(1, 2), 16), g = parseInt(hex.substr(3, 2), 16), b = parseInt(hex.substr(5, 2), 16);
    return (r * 299 + g * 587 + b * 114) / 1000 > 160;
  }

  function rules() {
    if (sheet) { return sheet; }
    // The chart's own stylesheet takes the rules (CSSOM is allowed where style attributes are not).
    var link = document.querySelector('link[rel="stylesheet"][href*="workflows/absence_chart"]');
    try {
      sheet = link && link.sheet ? link.sheet : null;
      if (sheet) { sheet.cssRules; }  // throws when the sheet is not readable
    } catch (error) {
      sheet = null;
    }
    if (!sheet && "adoptedStyleSheets" in document && window.CSSStyleSheet) {
      sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    }
    return sheet;
  }

  function paintTypes(root) {
    var charts = root.matches && root.matches("[data-colors]") ? [root] : [];
    if (root.querySelectorAll) { charts = charts.concat(Array.prototype.slice.call(root.querySelectorAll("[data-colors]"))); }
    charts.forEach(function (chart) {
      (chart.getAttribute("data-colors") || "").split(" ").forEach(function (pair) {
        var parts = pair.split(":"), key = parts[0], color = parts[1];
        if (!KEY.test(key || "") || !HEX.test(color || "") || painted[key] === color) { return; }
        var target = rules();
        if (target) {
          var text = isLight(color) ? "#212529" : "#fff";
          target.insertRule(".wf-bar.wf-t" + key + " { --wf-color: " + color + "; color: " + text + "; }",
            target.cssRules.length);
          painted[key] = color;
        } else {
          chart.querySelectorAll(".wf-bar.wf-t" + key).forEach(function (bar) {
            bar.style.setProperty("--wf-color", color);
            bar.classList.toggle("wf-light", isLight(color));
          });
        }
      });
    });
  }

  function paintSwatches(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("[data-color]").forEach(function (el) {
      var color = el.getAttribute("data-color");
      if (HEX.test(color)) { el.style.setProperty("--wf-color", color); }
    });
  }

  function showToday(root) {
    var scroller = root.querySelector(".wf-chart-scroll");
    if (!scroller) { return; }
    var today = scroller.querySelector(".wf-head .wf-today");
    var name = scroller.querySelector(".wf-head .wf-name");
    if (!today || scroller.scrollWidth <= scroller.clientWidth) { return; }
    // Only when today is out of view: the start of the period is what one reads first.
    if (today.offsetLeft + today.offsetWidth <= scroller.scrollLeft + scroller.clientWidth) { return; }
    var named = name ? name.offsetWidth : 0;
    scroller.scrollLeft = Math.max(0, today.offsetLeft - named - (scroller.clientWidth - named) / 4);
  }

  function modal() {
    var el = document.getElementById("wf-absence-modal");
    return el && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(el) : null;
  }

  function init(root) {
    paintTypes(root);
    paintSwatches(root);
    if (root === document.body || root.id === "wf-chart" || (root.querySelector && root.querySelector("#wf-chart"))) {
      showToday(root.id === "wf-chart" ? root.parentNode : root);
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "wf-absence-detail") {
      var box = modal();
      if (box) { box.show(); }
    }
  });

  // A bar is a link to the absence's page: a plain click fills the modal instead (one fetch of the details).
  document.addEventListener("click", function (event) {
    var bar = event.target.closest ? event.target.closest("a.wf-bar") : null;
    if (!bar || event.defaultPrevented || event.button !== 0) { return; }
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    if (!window.htmx || !document.getElementById("wf-absence-detail")) { return; }
    event.preventDefault();
    window.htmx.ajax("GET", bar.getAttribute("href"), { target: "#wf-absence-detail", swap: "innerHTML" });
  });

  if (window.htmx) {
    window.htmx.onLoad(function (el) { init(el); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document.body); });
  }
})();
