// The strategy map's zoom: buttons (+, fit, −) and Ctrl + wheel scale the server-drawn SVG.
(function () {
  "use strict";
  var box = document.getElementById("strategy-map");
  if (!box) return;
  var svg = box.querySelector("svg");
  if (!svg) return;
  var width = Number(box.dataset.width), height = Number(box.dataset.height);
  var scale = 1;
  function apply() {
    svg.setAttribute("width", String(Math.round(width * scale)));
    svg.setAttribute("height", String(Math.round(height * scale)));
    box.dataset.scale = scale.toFixed(2);
  }
  function fit() {
    scale = Math.min(1, Math.max(0.5, (box.clientWidth - 4) / width));
    apply();
  }
  function zoom(factor) {
    scale = Math.min(3, Math.max(0.2, scale * factor));
    apply();
  }
  document.querySelectorAll("[data-map-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var how = button.getAttribute("data-map-zoom");
      if (how === "in") zoom(1.25);
      else if (how === "out") zoom(0.8);
      else fit();
    });
  });
  box.addEventListener("wheel", function (event) {
    if (!event.ctrlKey) return;
    event.preventDefault();
    zoom(event.deltaY < 0 ? 1.1 : 0.9);
  }, { passive: false });
  fit();
})();
