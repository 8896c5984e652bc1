"""The extra task pages: my tags (create, rename, merge, delete), the efficiency report and the time report.

Thin views: reads through `selectors_extras`, writes through the services (via the forms). A tag the user may
not see answers 404, a visible one they may not change 403; a department outside the viewer's sub-tree 404.
An htmx request gets the page's swappable part; anything else the whole page (after a write: a redirect).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, selectors_extras, services
from .forms_extras import (
    EfficiencyForm,
    TagCreateForm,
    TagMergeForm,
    TagRenameForm,
    TimeReportForm,
    tag_label,
)

CHART_ROWS = 20  # the charts draw the first rows (the tables list them all)
TIME_ROWS = 500  # a time report lists at most this many rows (its totals count them all)


def _htmx_partial(request: HttpRequest) -> bool:
    """An htmx swap of a part of the page (not a boosted navigation, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- tags --------------------------------------------------------------------------------------------


def _tag_sections(tags) -> list[dict]:
    """My personal tags first, then each group's shared tags (the selector's order)."""
    sections: list[dict] = [{"group": None, "tags": []}]
    for tag in tags:
        if tag.group_id is None:
            sections[0]["tags"].append(tag)
            continue
        if sections[-1]["group"] is None or sections[-1]["group"].pk != tag.group_id:
            sections.append({"group": tag.group, "tags": []})
        sections[-1]["tags"].append(tag)
    return sections


def _tags_context(
    request: HttpRequest, *, create_form=None, merge_form=None, rename_form=None, done=""
) -> dict:
    user = request.user
    tags = list(selectors_extras.tag_overview(user=user))
    managed = [tag for tag in tags if tag.can_manage]
    merge_form = merge_form or TagMergeForm(user=user)
    # The merge choices are the tags already in hand: no second query for the same rows.
    for name in ("source", "target"):
        merge_form.fields[name].choices = [("", "—"), *((t.pk, tag_label(t)) for t in managed)]
    return {
        "nav_area": "tasks",
        "sections": _tag_sections(tags),
        "tags_total": len(tags),
        "managed_count": len(managed),
        "create_form": create_form or TagCreateForm(user=user),
        "merge_form": merge_form,
        "rename_form": rename_form,
        "done": done,
        "list_url": reverse("tasks:home"),
    }


def _tags_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    template = "tasks/partials/extras_tags.html" if _htmx_partial(request) else "tasks/tags.html"
    return render(request, template, _tags_context(request, **forms), status=status)


def _after_tag_write(request: HttpRequest, done: str | None, **forms) -> HttpResponse:
    """Success: htmx redraws the page's part with a note, a plain form goes back to the page. Failure: the
    part (htmx) or the page (status 400) again, the errors at their fields."""
    if done is not None:
        if _htmx_partial(request):
            return _tags_page(request, done=done)
        messages.success(request, done)
        return redirect("tasks:tags")
    return _tags_page(request, status=200 if _htmx_partial(request) else 400, **forms)


@login_required
@require_GET
def tags(request: HttpRequest) -> HttpResponse:
    """My personal tags and my groups' shared tags, with their numbers of tasks."""
    return _tags_page(request)


@login_required
@require_POST
def tag_create(request: HttpRequest) -> HttpResponse:
    form = TagCreateForm(request.POST, user=request.user)
    tag = form.save(actor=request.user) if form.is_valid() else None
    done = _("Tag “%(name)s” created.") % {"name": tag.name} if tag is not None else None
    return _after_tag_write(request, done, create_form=form)


@login_required
@require_POST
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get(user=request.user, pk=pk)
    old = tag.name
    form = TagRenameForm(request.POST, tag=tag)
    renamed = form.save(actor=request.user) if form.is_valid() else None
    done = _("Tag “%(old)s” renamed to “%(new)s”.") % {"old": old, "new": renamed.name} if renamed else None
    return _after_tag_write(request, done, rename_form=form)


@login_required
@require_POST
def tag_merge(request: HttpRequest) -> HttpResponse:
    form = TagMergeForm(request.POST, user=request.user)
    target = form.save(actor=request.user) if form.is_valid() else None
    done = None
    if target is not None:
        done = _("Tag “%(source)s” merged into “%(target)s”.") % {
            "source": form.cleaned_data["source"].name,
            "target": target.name,
        }
    return _after_tag_write(request, done, merge_form=form)


@login_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get(user=request.user, pk=pk)
    services.tag_delete(actor=request.user, tag=tag)
    return _after_tag_write(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})


# --- efficiency --------------------------------------------------------------------------------------


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
        rows = selectors_extras.efficiency_report(
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
    template = "tasks/partials/extras_efficiency.html" if _htmx_partial(request) else "tasks/efficiency.html"
    return render(request, template, context)


# --- time ----------------------------------------------------------------------------------------------


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
        report = selectors_extras.time_report(user=request.user, **query)
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
    template = "tasks/partials/extras_time.html" if _htmx_partial(request) else "tasks/time_report.html"
    return render(request, template, context)
