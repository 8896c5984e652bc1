"""Orphan work: the share of work not traceable to any goal, per person of a department, and the list of
orphan tasks behind it (one click)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.core.errors import NotFound

from ..selectors import orphans as selectors

NAV = {"nav_area": "strategy"}
PAGE_SIZE = 50


def _period(request) -> tuple[datetime.date, datetime.date]:
    return selectors.period_from(request.GET)


@login_required
@require_GET
def orphan_work(request: HttpRequest) -> HttpResponse:
    """Per person of a department (the one the viewer heads by default): tasks closed and time logged in the
    period, and the share of each not traceable to any goal; the people with the most orphan work first, 50 a
    page."""
    start, end = _period(request)
    department = selectors.orphan_department(user=request.user, department_id=request.GET.get("department"))
    rows, total = selectors.orphan_rows(user=request.user, department=department, start=start, end=end)
    # A page of people at a time (the selector puts the most orphan work first); the total is everyone's.
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **NAV,
        "rows": page.object_list,
        "page": page,
        "query": query.urlencode(),
        "total": selectors.OrphanRow(None, total),
        "department": department,
        "start": start,
        "end": end,
    }
    return render(request, "strategy/orphans/page.html", context)


@login_required
@require_GET
def orphan_tasks(request: HttpRequest) -> HttpResponse:
    """The orphan tasks behind a figure: of one person (?person=) or of the department, in the period."""
    start, end = _period(request)
    department = selectors.orphan_department(user=request.user, department_id=request.GET.get("department"))
    rows, _total = selectors.orphan_rows(user=request.user, department=department, start=start, end=end)
    people = [row.person.pk for row in rows]
    person = request.GET.get("person")
    if person:
        if not person.isdigit() or int(person) not in people:
            raise NotFound("No person matches the given query.")
        people = [int(person)]
    tasks = selectors.orphan_tasks(user=request.user, person_ids=people, start=start, end=end)
    context = {**NAV, "tasks": tasks, "department": department, "start": start, "end": end}
    return render(request, "strategy/orphans/tasks.html", context)
