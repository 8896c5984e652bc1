/* The indicator page's chart, drawn with Chart.js: actual values against the target, over the red, amber and
 * green bands of the thresholds.
 *
 * <canvas data-chart="ID"> takes its data from the json_script tag #ID:
 *   {labels: [...], actual: [...], target: [...], green: [...], amber: [...], lower: bool, unit: "",
 *    texts: {actual, target, green, amber, red}}
 * `green` and `amber` are, per period, the values at which the achievement reaches the thresholds; for a
 * "lower is better" indicator the good side is below them. The bands are filled areas between those lines and
 * the chart's edges ("start", "end"), so nothing but Chart.js's own filler is needed (no inline styles).
 */
(function () {
  "use strict";

  var styles = getComputedStyle(document.documentElement);
  function cssColor(name, fallback) {
    return (styles.getPropertyValue(name) || "").trim() || fallback;
  }
  function alpha(hex, a) {
    var h = hex.replace("#", "");
    if (h.length === 3) {
      h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    }
    var n = parseInt(h, 16);
    if (isNaN(n)) {
      return hex;
    }
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function band(label, data, color, fill) {
    return {
      label: label,
      data: data,
      borderWidth: 0,
      pointRadius: 0,
      pointHitRadius: 0,
      backgroundColor: alpha(color, 0.13),
      fill: fill,
      spanGaps: true,
      stepped: "middle",
      order: 3
    };
  }

  function config(data) {
    var texts = data.texts || {};
    var green = cssColor("--bs-success", "#198754");
    var amber = cssColor("--bs-warning", "#ffc107");
    var red = cssColor("--bs-danger", "#dc3545");
    var primary = cssColor("--bs-primary", "#0d6efd");
    var muted = cssColor("--bs-secondary", "#6c757d");
    var unit = data.unit ? " " + data.unit : "";
    var datasets = [
      {
        label: texts.actual || "Actual",
        data: data.actual,
        borderColor: primary,
        backgroundColor: primary,
        borderWidth: 2,
        pointRadius: 3,
        spanGaps: false,
        tension: 0.2,
        order: 1
      },
      {
        label: texts.target || "Target",
        data: data.target,
        borderColor: muted,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        stepped: "middle",
        spanGaps: true,
        order: 2
      }
    ];
    var hasBands = data.green.some(function (v) { return v !== null; });
    if (hasBands) {
      // Good side of the green line, bad side of the amber line, and between them amber.
      datasets.push(band(texts.green || "Green", data.green, green, data.lower ? "start" : "end"));
      datasets.push(band(texts.red || "Red", data.amber, red, data.lower ? "end" : "start"));
      datasets.push(band(texts.amber || "Amber", data.amber, amber, 2)); // up to the green line
    }
    return {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            labels: {
              filter: function (item) {
                return item.datasetIndex < 2;
              }
            }
          },
          tooltip: {
            filter: function (item) {
              return item.datasetIndex < 2 && item.raw !== null;
            },
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + context.formattedValue + unit;
              }
            }
          }
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: false, grace: "10%" }
        }
      }
    };
  }

  function draw(root) {
    if (typeof Chart === "undefined") {
      return;
    }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var existing = Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      new Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    draw(event.target);
  });
})();
