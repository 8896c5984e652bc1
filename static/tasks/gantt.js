// The Gantt chart of tasks (frappe-gantt). The bars come from the JSON data endpoint; dragging or resizing a
// bar posts the new planned dates, and the server answers the tasks it changed (the dependants it shifted or
// flagged), which the chart redraws. A refused change puts the bar back and says why.
(function () {
  "use strict";

  var frame = document.getElementById("gantt-frame");
  if (!frame || typeof window.Gantt !== "function") { return; }

  var texts = {};
  try { texts = JSON.parse(document.getElementById("board-texts").textContent) || {}; } catch (e) { texts = {}; }
  function t(key, fallback) { return texts[key] || fallback || key; }

  var BAR_HEIGHT = 22;
  var PADDING = 12;
  var ROW = BAR_HEIGHT + PADDING;
  var UPPER = 38;
  var LOWER = 26;
  var HEADER = UPPER + LOWER + 10;  // frappe-gantt's header height for these options
  var MODES = ["Day", "Week", "Month"];
  var MODE_KEY = "lumen.gantt.mode";

  // frappe-gantt 1.2 draws two things through style="" attributes, which the Content-Security-Policy refuses
  // (style-src 'self', portal/settings/base.py): the weekend columns (setAttribute("style", "fill: ...")) and the
  // hatch pattern of "ignored" dates (innerHTML). Lumen ignores no dates, so its grid highlights are the weekend
  // columns, drawn here with a class (fill in static/tasks/boards.css), and the library's own today line (sized
  // through the CSSOM, which the policy allows).
  window.Gantt.prototype.make_grid_highlights = function () {
    this.config.ignored_positions = [];
    shadeWeekends(this);
    this.highlight_current();
  };

  // frappe-gantt starts the chart a padding before the earliest bar, on whatever weekday that is, so the week
  // columns moved with the data. Weeks start on the active language's first day (Django's FIRST_DAY_OF_WEEK,
  // sent by the page): the start goes back to that day, which keeps the columns the same whatever the bars.
  var FIRST_DAY = parseInt(frame.getAttribute("data-first-day"), 10);
  if (isNaN(FIRST_DAY) || FIRST_DAY < 0 || FIRST_DAY > 6) { FIRST_DAY = 1; }
  var setupDates = window.Gantt.prototype.setup_gantt_dates;
  window.Gantt.prototype.setup_gantt_dates = function (refresh) {
    setupDates.call(this, refresh);
    if (this.config.unit === "day" && this.config.step === 7 && this.gantt_start) {
      var back = (this.gantt_start.getDay() - FIRST_DAY + 7) % 7;
      var start = new Date(this.gantt_start.getTime());
      start.setDate(start.getDate() - back);
      start.setHours(0, 0, 0, 0);
      this.gantt_start = start;
    }
  };

  // Columns from the chart's start to `date`, as frappe-gantt counts them (its date_utils.diff, in the unit of
  // the view mode, divided by the mode's step).
  function columnsFrom(chart, date) {
    var start = chart.gantt_start;
    var unit = chart.config.unit;
    var units;
    if (unit === "month" || unit === "year") {
      units = (date.getFullYear() - start.getFullYear()) * 12 + date.getMonth() - start.getMonth() + date.getDate() / 31;
      if (date.getDate() < start.getDate()) { units -= 1; }
      if (unit === "year") { units /= 12; }
    } else {
      var ms = date - start + (start.getTimezoneOffset() - date.getTimezoneOffset()) * 60000;
      units = ms / (unit === "hour" ? 3600000 : 86400000);
    }
    return units / chart.config.step;
  }

  function shadeWeekends(chart) {
    var daysPerCol = { hour: 1 / 24, day: 1, month: 30, year: 365 }[chart.config.unit] || 1;
    var width = chart.config.column_width / (daysPerCol * chart.config.step);
    var top = chart.config.header_height;
    var height = chart.grid_height - top;
    for (var d = new Date(chart.gantt_start); d <= chart.gantt_end; d.setDate(d.getDate() + 1)) {
      if (d.getDay() !== 0 && d.getDay() !== 6) { continue; }
      var rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("class", "holiday-highlight gantt-weekend");
      rect.setAttribute("x", String(Math.round(columnsFrom(chart, d) * chart.config.column_width)));
      rect.setAttribute("y", String(top));
      rect.setAttribute("width", String(width));
      rect.setAttribute("height", String(height));
      chart.layers.grid.appendChild(rect);
    }
  }

  var chartEl = document.getElementById("gantt-chart");
  var namesEl = document.getElementById("gantt-names");
  var rows = [];      // the bars, depth-first, as the server sent them (with their dates as Date objects)
  var byId = {};
  var gantt = null;
  var mode = MODES.indexOf(localStorage.getItem(MODE_KEY)) >= 0 ? localStorage.getItem(MODE_KEY) : "Week";

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function toast(message, kind) {
    var box = document.getElementById("lumen-toasts");
    if (!box) { return; }
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (kind || "danger");
    el.setAttribute("role", kind === "success" ? "status" : "alert");
    el.setAttribute("data-board-toast", kind || "danger");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", t("close", "Close"));
    row.appendChild(body); row.appendChild(close); el.appendChild(row);
    box.appendChild(el);
    if (window.bootstrap && window.bootstrap.Toast) {
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      new window.bootstrap.Toast(el, { delay: kind === "success" ? 3000 : 7000 }).show();
    } else {
      el.classList.add("show");
      setTimeout(function () { el.remove(); }, 7000);
    }
  }

  function formatDate(value) {
    if (!value) { return ""; }
    var date = value instanceof Date ? value : new Date(value);
    return date.toLocaleString(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  // Keep the server's row and turn its ISO dates into Date objects (frappe-gantt takes Dates as they are).
  function absorb(row) {
    row._startDate = new Date(row.start);
    row._endDate = new Date(row.end);
    if (!(row._endDate > row._startDate)) { row._endDate = new Date(row._startDate.getTime() + 3600 * 1000); }
    return row;
  }

  // frappe-gantt mutates what it is given and renders `name` as HTML: give it fresh, escaped copies.
  function barsForChart() {
    return rows.map(function (row) {
      return {
        id: row.id,
        name: escapeHtml(row.name),
        start: new Date(row._startDate.getTime()),
        end: new Date(row._endDate.getTime()),
        progress: row.progress,
        dependencies: row.dependencies.slice(),
        custom_class: row.custom_class
      };
    });
  }

  function popup(ctx) {
    var row = byId[ctx.task.id];
    if (!row) { return false; }
    var lines = [
      "<div class='small'>" + escapeHtml(t("status", "Status")) + ": <b>" + escapeHtml(row.status_label) + "</b></div>",
      "<div class='small'>" + escapeHtml(t("responsible", "Responsible")) + ": " + escapeHtml(row.responsible) + "</div>",
      "<div class='small'>" + escapeHtml(formatDate(row._startDate)) + " – " + escapeHtml(formatDate(row._endDate)) + "</div>"
    ];
    if (row.deadline) {
      lines.push("<div class='small" + (row.overdue ? " text-danger fw-semibold" : "") + "'>" +
        escapeHtml(t("deadline", "Deadline")) + ": " + escapeHtml(formatDate(row.deadline)) + "</div>");
    }
    if (row.fallback) { lines.push("<div class='small text-body-secondary'>" + escapeHtml(t("fallback")) + "</div>"); }
    if (row.summary) { lines.push("<div class='small text-body-secondary'>" + escapeHtml(t("summary")) + "</div>"); }
    if (row.conflict) { lines.push("<div class='small text-warning-emphasis'>" + escapeHtml(t("conflict")) + "</div>"); }
    if (row.past_deadline) { lines.push("<div class='small text-danger'>" + escapeHtml(t("past_deadline")) + "</div>"); }
    if (!row.editable) { lines.push("<div class='small text-body-secondary'><i class='bi bi-lock'></i> " + escapeHtml(t("locked")) + "</div>"); }
    ctx.set_title("<a href='" + escapeHtml(row.url) + "'>" + escapeHtml(row.name) + "</a>");
    ctx.set_subtitle("");
    ctx.set_details(lines.join(""));
  }

  function renderNames() {
    namesEl.innerHTML = "";
    var head = document.createElement("div");
    head.className = "gantt-names-head";
    head.style.height = HEADER + "px";
    head.textContent = t("tasks", "Tasks");
    namesEl.appendChild(head);
    var list = document.createElement("div");
    list.className = "gantt-names-rows";
    rows.forEach(function (row) {
      var line = document.createElement("div");
      line.className = "gantt-name" + (row.closed ? " gantt-name-closed" : "") + (row.overdue ? " gantt-name-overdue" : "");
      line.style.height = ROW + "px";
      line.style.paddingLeft = (0.5 + row.depth * 1.1) + "rem";
      line.setAttribute("data-id", row.id);
      line.setAttribute("data-depth", String(row.depth));
      if (row.depth) {
        var mark = document.createElement("i");
        mark.className = "bi bi-arrow-return-right text-body-tertiary me-1";
        line.appendChild(mark);
      }
      var link = document.createElement("a");
      link.href = row.url;
      link.textContent = row.name;
      link.title = row.name;
      line.appendChild(link);
      list.appendChild(line);
    });
    namesEl.appendChild(list);
  }

  function renderUnscheduled(items) {
    var list = document.getElementById("gantt-unscheduled");
    var count = document.getElementById("gantt-unscheduled-count");
    if (!list) { return; }
    list.innerHTML = "";
    count.textContent = String(items.length);
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "text-body-secondary";
      none.textContent = t("none", "None");
      list.appendChild(none);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "mb-1";
      li.setAttribute("data-id", item.id);
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.name;
      var meta = document.createElement("div");
      meta.className = "text-body-secondary";
      meta.textContent = item.status_label + " · " + item.responsible;
      li.appendChild(link); li.appendChild(meta);
      list.appendChild(li);
    });
  }

  function containerHeight() {
    var content = HEADER + PADDING + ROW * rows.length - 10;
    var top = frame.getBoundingClientRect().top + window.scrollY;
    var room = Math.max(360, window.innerHeight - Math.min(top, 260) - 40);
    return content <= room ? "auto" : Math.round(room);
  }

  function syncNames() {
    var container = chartEl.querySelector(".gantt-container");
    if (!container) { return; }
    var height = container.getBoundingClientRect().height;
    namesEl.style.height = height + "px";
    var list = namesEl.querySelector(".gantt-names-rows");
    if (list) { list.style.transform = "translateY(" + (-container.scrollTop) + "px)"; }
    if (container._lumenNames) { return; }
    container._lumenNames = true;
    container.addEventListener("scroll", function () {
      var current = namesEl.querySelector(".gantt-names-rows");
      if (current) { current.style.transform = "translateY(" + (-container.scrollTop) + "px)"; }
    });
  }

  function draw(keepScroll) {
    var container = chartEl.querySelector(".gantt-container");
    var left = keepScroll && container ? container.scrollLeft : null;
    var top = keepScroll && container ? container.scrollTop : null;
    chartEl.innerHTML = "";
    renderNames();
    if (!rows.length) {
      var empty = document.createElement("div");
      empty.className = "p-4 text-body-secondary";
      empty.id = "gantt-empty";
      empty.textContent = t("empty", "No tasks with dates match the filter.");
      chartEl.appendChild(empty);
      return;
    }
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    chartEl.appendChild(svg);
    gantt = new window.Gantt(svg, barsForChart(), {
      view_modes: MODES,
      view_mode: mode,
      bar_height: BAR_HEIGHT,
      padding: PADDING,
      upper_header_height: UPPER,
      lower_header_height: LOWER,
      container_height: containerHeight(),
      readonly_progress: true,
      move_dependencies: false,
      today_button: false,
      infinite_padding: false,
      scroll_to: keepScroll ? null : "today",
      language: (document.documentElement.lang || "en").slice(0, 2),
      popup: popup,
      on_date_change: onDateChange
    });
    if (mode !== MODES[0]) { gantt.change_view_mode(mode, false); }
    container = chartEl.querySelector(".gantt-container");
    if (container && keepScroll) {
      container.scrollLeft = left;
      container.scrollTop = top;
    }
    syncNames();
    markModes();
    markStart();
  }

  // The first day the chart shows (local calendar date), for people's tools and the browser tests.
  function markStart() {
    if (!gantt || !gantt.gantt_start) { return; }
    var d = gantt.gantt_start;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    frame.setAttribute("data-chart-start", d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()));
  }

  function markModes() {
    document.querySelectorAll("#gantt-modes [data-mode]").forEach(function (button) {
      var active = button.getAttribute("data-mode") === mode;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", active ? "true" : "false");
    });
  }

  function merge(changed) {
    var moved = 0;
    changed.forEach(function (fresh) {
      var row = byId[fresh.id];
      if (!row) { return; }
      ["start", "end", "custom_class", "progress", "status", "status_label", "deadline", "planned_start",
        "planned_end", "overdue", "closed", "conflict", "past_deadline", "editable", "fallback", "summary"].forEach(function (key) {
        row[key] = fresh[key];
      });
      absorb(row);
      moved += 1;
    });
    return moved;
  }

  // frappe-gantt reports a date change on every step of a drag and rounds dates down to whole units. We
  // wait for the mouse button to go up, then read how far the bar moved on the grid (frappe-gantt keeps
  // the bar's position from before the drag as $bar.ox / $bar.owidth) and move the task's own dates by as
  // many whole days, so that the time of day stays as it was.
  var pendingId = null;

  function onDateChange(task) {
    pendingId = task.id;
  }

  document.addEventListener("mouseup", function () {
    if (pendingId === null) { return; }
    var id = pendingId;
    pendingId = null;
    setTimeout(function () { commit(id); }, 0);
  });

  // A bar the viewer may not reschedule does not start a drag (its popup still opens on click).
  chartEl.addEventListener("mousedown", function (event) {
    var wrapper = event.target.closest && event.target.closest(".bar-wrapper");
    if (wrapper && /-locked\b/.test(wrapper.getAttribute("class") || "")) { event.stopPropagation(); }
  }, true);

  function daysPerColumn() {
    var unit = gantt.config.unit;
    var step = gantt.config.step;
    if (unit === "hour") { return step / 24; }
    if (unit === "month") { return step * 30; }
    if (unit === "year") { return step * 365; }
    return step;
  }

  function shifted(date, days) {
    var moved = new Date(date.getTime());
    moved.setDate(moved.getDate() + days);  // local calendar days: the wall-clock time stays
    return moved;
  }

  function showDeadlineWarning(message) {
    var box = document.getElementById("gantt-deadline-warning");
    if (!box) { return; }
    box.textContent = message;
    box.classList.toggle("d-none", !message);
  }

  function commit(id) {
    var row = byId[id];
    var bar = gantt && gantt.get_bar(id);
    if (!row || !bar) { return; }
    var $bar = bar.$bar;
    var column = gantt.config.column_width;
    var perColumn = daysPerColumn();
    var startDays = Math.round((($bar.getX() - $bar.ox) / column) * perColumn);
    var endDays = Math.round((($bar.getX() + $bar.getWidth() - $bar.ox - $bar.owidth) / column) * perColumn);
    if (!startDays && !endDays) { draw(true); return; }
    if (!row.editable) {
      draw(true);
      toast(t("locked", "You may not reschedule this task."));
      return;
    }
    var start = shifted(row._startDate, startDays);
    var end = shifted(row._endDate, endDays);
    if (!(end > start)) { draw(true); return; }
    var policy = document.querySelector("input[name=dependants]:checked");
    var data = new URLSearchParams();
    data.append("planned_start", start.toISOString());
    data.append("planned_end", end.toISOString());
    data.append("dependants", policy ? policy.value : "shift");
    var url = frame.getAttribute("data-reschedule-url").replace(/\/0\/reschedule\/$/, "/" + encodeURIComponent(id) + "/reschedule/");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" },
      body: data
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return { ok: response.ok, status: response.status, body: body };
      });
    }, function () { return { ok: false, status: 0, body: null }; }).then(function (result) {
      if (result.ok && result.body) {
        var changed = merge(result.body.changed || []);
        draw(true);
        frame.setAttribute("data-saved", String(parseInt(frame.getAttribute("data-saved") || "0", 10) + 1));
        if (changed > 1) {
          toast(t("dependants_changed", "Linked tasks were updated too: {n}.").replace("{n}", String(changed - 1)), "info");
        }
        if (result.body.notice) {
          // Dependent tasks the person may not reschedule stay in place, flagged as in conflict.
          toast(result.body.notice, "warning");
        }
        // Saved, but the plan now ends after the deadline: say so where it stays visible, naming the deadline.
        showDeadlineWarning(result.body.deadline_warning || "");
        return;
      }
      var error = result.body && result.body.error;
      var message = error && error.message;
      if (!message) {
        message = result.status === 403 ? t("forbidden", "You may not change this task.")
          : result.status === 404 ? t("not_found", "This task is no longer there.")
          : result.status === 0 ? t("network", "No connection: the change was not saved.")
          : t("error", "The change was not saved.");
      }
      draw(true);  // the bar goes back to the dates we still hold
      toast(message);
    });
  }

  function load() {
    fetch(frame.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        rows = (data.tasks || []).map(absorb);
        byId = {};
        rows.forEach(function (row) { byId[row.id] = row; });
        var notice = document.getElementById("gantt-notice");
        if (notice) {
          notice.textContent = data.notice || "";
          notice.classList.toggle("d-none", !data.notice);
        }
        renderUnscheduled(data.unscheduled || []);
        draw(false);
        frame.setAttribute("data-loaded", "1");
      })
      .catch(function () {
        chartEl.textContent = t("load_error", "The chart could not be loaded.");
      });
  }

  document.querySelectorAll("#gantt-modes [data-mode]").forEach(function (button) {
    button.addEventListener("click", function () {
      mode = button.getAttribute("data-mode");
      try { localStorage.setItem(MODE_KEY, mode); } catch (e) { /* private mode: not remembered */ }
      if (gantt) { gantt.change_view_mode(mode, false); syncNames(); }
      markModes();
      markStart();
    });
  });
  var today = document.getElementById("gantt-today");
  if (today) { today.addEventListener("click", function () { if (gantt) { gantt.scroll_current(); } }); }

  // The filter form has no htmx here: it carries data-autosubmit, so static/lumen/lumen.js submits it on a change
  // and reloads the page with the new query string.

  load();
})();
