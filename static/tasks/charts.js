/* Charts of the task reports (efficiency, time spent), drawn with Chart.js.
 *
 * Each <canvas data-chart="ID"> takes its data from the json_script tag #ID:
 *   {kind: "share"|"hours", label, labels: [...], values: [...], highlight: [bool...], max: number|null,
 *    unit: "%"|"h"}
 * Charts are (re)drawn on page load and after every htmx swap. Choosing a date in a period picker
 * switches its period to "custom" before the form is sent.
 */
(function () {
  "use strict";

  var styles = getComputedStyle(document.documentElement);
  function color(name, fallback) {
    return (styles.getPropertyValue(name) || "").trim() || fallback;
  }

  function draw(root) {
    if (typeof Chart === "undefined") {
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var canvases = [];
    if (scope.matches && scope.matches("canvas[data-chart]")) {
      canvases.push(scope);
    }
    scope.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      canvases.push(canvas);
    });
    canvases.forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      var existing = Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      var main = color("--bs-primary", "#0d6efd");
      var good = color("--bs-success", "#198754");
      var fair = color("--bs-warning", "#ffc107");
      var poor = color("--bs-danger", "#dc3545");
      var strong = color("--bs-emphasis-color", "#000");
      var unit = data.unit || "";
      // Shares take the colours of the table's bars (80 % and more good, 50 % fair, below poor).
      function fill(value) {
        if (data.kind !== "share" || value === null) {
          return main;
        }
        return value >= 80 ? good : value >= 50 ? fair : poor;
      }
      var highlighted = function (i) {
        return Boolean(data.highlight && data.highlight[i]);
      };
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            {
              label: data.label,
              data: data.values,
              backgroundColor: data.values.map(fill),
              // A total (a department's) stands out with an outline.
              borderColor: data.values.map(function (_value, i) {
                return highlighted(i) ? strong : "transparent";
              }),
              borderWidth: data.values.map(function (_value, i) {
                return highlighted(i) ? 2 : 0;
              }),
              borderRadius: 3,
              maxBarThickness: 22
            }
          ]
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: function (context) {
                  return context.raw === null ? "—" : context.raw + " " + unit;
                }
              }
            }
          },
          scales: {
            x: {
              beginAtZero: true,
              max: data.max || undefined,
              ticks: {
                callback: function (value) {
                  return value + (unit === "%" ? "%" : "");
                }
              }
            },
            y: { ticks: { autoSkip: false } }
          }
        }
      });
    });
  }

  // A date typed into a period picker means "these dates": say so before htmx sends the form (capture
  // phase, so that this runs before the form's own change handler).
  document.addEventListener(
    "change",
    function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("[data-period-date]")) {
        return;
      }
      var form = input.closest("[data-period-form]");
      var select = form && form.querySelector("[data-period-select]");
      if (select) {
        select.value = "custom";
      }
    },
    true
  );

  if (window.htmx) {
    window.htmx.onLoad(draw);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      draw(document);
    });
  } else {
    draw(document);
  }
})();
