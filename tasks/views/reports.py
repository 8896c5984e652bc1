"""Tasks: the efficiency report and the time report pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.core.htmx import render_htmx

from .. import selectors
from ..forms.reports import EfficiencyForm, TimeReportForm

CHART_ROWS = 20  # the charts draw the first rows (the tables list them all)


TIME_ROWS = 500  # a time report lists at most this many rows (its totals count them all)


def _efficiency_chart(people: list[dict], total: dict | None) -> dict:
    """The share per person (the first CHART_ROWS people), and the department's total as the last bar."""
    shown = [*people[: CHART_ROWS - 1], total] if total else people[:CHART_ROWS]
    return {
        "kind": "share",
        "label": _("Closed on time, %"),
        "labels": [
            _("%(name)s, in all") % {"name": row["name"]} if row["is_total"] else row["name"] for row in shown
        ],
        "values": [row["share"] for row in shown],
        "highlight": [row["is_total"] for row in shown],
        "max": 100,
        "unit": "%",
    }


def _efficiency_links(rows: list[dict], start, end) -> None:
    """Each person's closed tasks of the period and open overdue tasks, in the task list."""
    base = reverse("tasks:home")
    for row in rows:
        if row["is_total"]:
            continue
        who = f"{base}?role=all&responsible={row['user_id']}"
        row["closed_url"] = f"{who}&open=false&closed_after={start:%Y-%m-%d}&closed_before={end:%Y-%m-%d}"
        row["overdue_url"] = f"{who}&overdue=true"


@login_required
@require_GET
def efficiency(request: HttpRequest) -> HttpResponse:
    """The share of tasks closed on time in a period: mine; for a supervisor their people or a department."""
    user = request.user
    form = EfficiencyForm(request.GET, user=user)
    bounds = form.bounds()
    scope, department = form.selection()
    rows: list[dict] | None = None
    if bounds is not None and (scope or department):
        rows = selectors.efficiency_report(
            user=user, start=bounds[0], end=bounds[1], scope=scope, department=department
        )
        _efficiency_links(rows, *bounds)
    people_rows = [row for row in rows or [] if not row["is_total"]]
    total = rows[-1] if rows and rows[-1]["is_total"] else None
    context = {
        "nav_area": "tasks",
        "form": form,
        "shown": form.shown(),
        "scope": scope,
        "department": department,
        "rows": people_rows,
        "total": total,
        "has_rows": rows is not None,
        "chart": _efficiency_chart(people_rows, total) if people_rows else None,
        "bounds": bounds,
    }
    return render_htmx(
        request,
        "tasks/reports/efficiency.html",
        context,
        partial="tasks/reports/partials/efficiency_report.html",
    )


def _time_links(rows: list[dict], group_by: str) -> None:
    names = {"task": "tasks:detail", "person": "people:profile", "project": "groups:detail"}
    for row in rows:
        row["url"] = reverse(names[group_by], args=[row["id"]]) if row["id"] is not None else ""


def _time_chart(rows: list[dict]) -> dict:
    shown = rows[:CHART_ROWS]
    return {
        "kind": "hours",
        "label": _("Hours"),
        "labels": [row["name"] or _("No project") for row in shown],
        "values": [round(row["seconds"] / 3600, 2) for row in shown],
        "highlight": [False for _row in shown],
        "max": None,
        "unit": _("h"),
    }


@login_required
@require_GET
def time_report(request: HttpRequest) -> HttpResponse:
    """Time logged on the tasks I may see in a period, by task, person or project, with totals."""
    form = TimeReportForm(request.GET, user=request.user)
    query = form.query()
    report = None
    if query is not None:
        report = selectors.time_report(user=request.user, **query)
        _time_links(report["rows"], query["group_by"])
    rows = report["rows"] if report else []
    context = {
        "nav_area": "tasks",
        "form": form,
        "shown": form.shown(),
        "group_by": query["group_by"] if query else "task",
        "report": report,
        "rows": rows[:TIME_ROWS],
        "rows_more": max(0, len(rows) - TIME_ROWS),
        "chart": _time_chart(rows) if rows else None,
    }
    return render_htmx(
        request, "tasks/reports/time.html", context, partial="tasks/reports/partials/time_report.html"
    )
