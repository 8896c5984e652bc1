/* The CRM reports' charts, drawn with Chart.js.
 *
 * Each <canvas data-chart="ID"> takes its data from the json_script tag #ID:
 *   {type: "funnel"|"bar"|"doughnut", horizontal: bool, stacked: bool, unit: "",
 *    labels: [...], datasets: [{label, values: [...], colors: [...]?, tone: "success"|...?}]}
 * A funnel is a horizontal bar chart whose bars are centred (a floating bar from -v/2 to v/2), widest first.
 * Charts are (re)drawn on load and after every htmx swap; [data-color] dots (stage colours) get their colour here,
 * since the page's policy allows no inline styles.
 */
(function () {
  "use strict";

  var styles = getComputedStyle(document.documentElement);
  function cssColor(name, fallback) {
    return (styles.getPropertyValue(name) || "").trim() || fallback;
  }
  var TONES = {
    primary: ["--bs-primary", "#0d6efd"],
    success: ["--bs-success", "#198754"],
    danger: ["--bs-danger", "#dc3545"],
    warning: ["--bs-warning", "#ffc107"],
    info: ["--bs-info", "#0dcaf0"],
    secondary: ["--bs-secondary", "#6c757d"]
  };
  var PALETTE = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#198754", "#0dcaf0", "#6c757d"];

  function tone(name) {
    var pair = TONES[name] || TONES.primary;
    return cssColor(pair[0], pair[1]);
  }

  function datasetColors(set, count, type) {
    if (set.colors) {
      return set.colors;
    }
    if (type === "doughnut") {
      var colors = [];
      for (var i = 0; i < count; i += 1) {
        colors.push(PALETTE[i % PALETTE.length]);
      }
      return colors;
    }
    return tone(set.tone);
  }

  function funnelConfig(data) {
    var set = data.datasets[0];
    var widest = Math.max.apply(null, set.values.concat([1]));
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: set.label,
            data: set.values.map(function (value) {
              return [-value / 2, value / 2];
            }),
            backgroundColor: datasetColors(set, set.values.length, "bar"),
            borderRadius: 3,
            barPercentage: 0.9,
            categoryPercentage: 1
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
                return set.label + ": " + set.values[context.dataIndex];
              }
            }
          }
        },
        scales: {
          x: { display: false, min: -widest / 2, max: widest / 2 },
          y: { grid: { display: false }, ticks: { autoSkip: false } }
        }
      }
    };
  }

  function chartConfig(data) {
    if (data.type === "funnel") {
      return funnelConfig(data);
    }
    var unit = data.unit ? " " + data.unit : "";
    var doughnut = data.type === "doughnut";
    var config = {
      type: doughnut ? "doughnut" : "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          return {
            label: set.label,
            data: set.values,
            backgroundColor: datasetColors(set, set.values.length, data.type),
            borderRadius: doughnut ? 0 : 3,
            maxBarThickness: 28
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: doughnut || data.datasets.length > 1, position: doughnut ? "right" : "top" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return (context.dataset.label ? context.dataset.label + ": " : "") + context.raw + unit;
              }
            }
          }
        }
      }
    };
    if (!doughnut) {
      var value = {
        beginAtZero: true,
        stacked: Boolean(data.stacked),
        ticks: { precision: data.unit ? undefined : 0 },
        title: { display: Boolean(data.unit), text: data.unit || "" }
      };
      var category = { stacked: Boolean(data.stacked), ticks: { autoSkip: false } };
      config.options.indexAxis = data.horizontal ? "y" : "x";
      config.options.scales = data.horizontal ? { x: value, y: category } : { x: category, y: value };
    }
    return config;
  }

  function elements(scope, selector) {
    var found = [];
    if (scope.matches && scope.matches(selector)) {
      found.push(scope);
    }
    scope.querySelectorAll(selector).forEach(function (element) {
      found.push(element);
    });
    return found;
  }

  function draw(root) {
    var scope = root && root.querySelectorAll ? root : document;
    elements(scope, "[data-color]").forEach(function (dot) {
      dot.style.backgroundColor = dot.dataset.color;
    });
    if (typeof Chart === "undefined") {
      return;
    }
    elements(scope, "canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) {
        return;
      }
      var existing = Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      new Chart(canvas, chartConfig(JSON.parse(source.textContent)));
    });
  }

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
