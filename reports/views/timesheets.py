"""Timesheet pages: a person's month, a department's month, confirming, and the CSV / XLSX exports.

Thin views: they read through `selectors.timesheet_*` (a person or department the viewer may not see
answers 404) and write through `services.timesheet_confirm` / `timesheet_unconfirm` (403 without the
right). htmx requests (month navigation) get the page's body partial.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import render_htmx

from .. import exports, selectors, services


def _month(request: HttpRequest, value) -> tuple:
    """The month asked for, or the current one with an error message when it is not a month."""
    try:
        return selectors.timesheet_month(value, user=request.user), None
    except ValidationError as exc:
        return selectors.timesheet_month(None, user=request.user), exc.messages[0]


def _person_url(person_id, month) -> str:
    return reverse("reports:timesheet") + "?" + urlencode({"person": person_id, "month": f"{month:%Y-%m}"})


def _department_url(department_id, month, subtree: bool, page: int = 1) -> str:
    query = {"department": department_id, "month": f"{month:%Y-%m}"}
    if not subtree:
        query["subtree"] = "0"
    if page > 1:
        query["page"] = page
    return reverse("reports:timesheet_department") + "?" + urlencode(query)


def _subtree(request: HttpRequest) -> bool:
    return request.GET.get("subtree", "1") not in ("0", "false", "no")


# People a page of a department's timesheet shows (a division has hundreds); the totals cover them all.
DEPARTMENT_PAGE_SIZE = selectors.DEPARTMENT_PAGE_SIZE


@login_required
@require_GET
def timesheet(request: HttpRequest) -> HttpResponse:
    """A person's month (mine by default; ?person= for the people a supervisor, HR or an admin sees)."""
    month, error = _month(request, request.GET.get("month"))
    if error:
        messages.error(request, error)
    person_id = request.GET.get("person") or request.user.pk
    sheet = selectors.timesheet_person(user=request.user, person=person_id, month=month)
    supervises_anyone = selectors.timesheet_departments(user=request.user).exists()
    context = {
        "nav_area": "reports",
        "sheet": sheet,
        "show_department_tab": supervises_anyone,
        "people": selectors.timesheet_people(user=request.user) if supervises_anyone else None,
        "previous_url": _person_url(sheet.person.pk, sheet.previous_month),
        "next_url": _person_url(sheet.person.pk, sheet.next_month),
        "self_url": _person_url(sheet.person.pk, sheet.month),
        "export_query": urlencode({"person": sheet.person.pk, "month": sheet.month_param}),
    }
    return render_htmx(
        request,
        "reports/timesheets/person.html",
        context,
        partial="reports/timesheets/partials/person_body.html",
    )


@login_required
@require_GET
def timesheet_department(request: HttpRequest) -> HttpResponse:
    """A department's month, one line per person (the department I head by default)."""
    month, error = _month(request, request.GET.get("month"))
    if error:
        messages.error(request, error)
    department = selectors.timesheet_department_get(user=request.user, pk=request.GET.get("department"))
    subtree = _subtree(request)
    sheet = selectors.timesheet_department_page(
        user=request.user,
        department=department,
        month=month,
        subtree=subtree,
        page=request.GET.get("page") or 1,
        per_page=DEPARTMENT_PAGE_SIZE,
    )
    page, pages = sheet.page, sheet.pages
    context = {
        "nav_area": "reports",
        "department": department,
        "departments": selectors.timesheet_departments(user=request.user),
        "show_department_tab": True,
        "month": month,
        "month_param": f"{month:%Y-%m}",
        "subtree": subtree,
        "rows": sheet.rows,
        "row_count": sheet.count,
        "page": page,
        "pages": pages,
        "previous_page_url": _department_url(department.pk, month, subtree, page - 1) if page > 1 else "",
        "next_page_url": _department_url(department.pk, month, subtree, page + 1) if page < pages else "",
        "totals": sheet.totals,
        "previous_url": _department_url(department.pk, _shift(month, -1), subtree),
        "next_url": _department_url(department.pk, _shift(month, 1), subtree),
        "self_url": _department_url(department.pk, month, subtree, page),
        "export_query": urlencode(
            {"department": department.pk, "month": f"{month:%Y-%m}", "subtree": "1" if subtree else "0"}
        ),
    }
    return render_htmx(
        request,
        "reports/timesheets/department.html",
        context,
        partial="reports/timesheets/partials/department_body.html",
    )


def _shift(month, months: int):
    index = month.year * 12 + month.month - 1 + months
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


def _format(request: HttpRequest) -> str | None:
    fmt = (request.GET.get("format") or "").lower()
    return fmt if fmt in exports.FORMATS else None


@login_required
@require_GET
def timesheet_export(request: HttpRequest) -> HttpResponse:
    """A person's month as ?format=csv or xlsx (the same rules as the page)."""
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Choose the format: csv or xlsx."))
    try:
        month = selectors.timesheet_month(request.GET.get("month"), user=request.user)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    person_id = request.GET.get("person") or request.user.pk
    sheet = selectors.timesheet_person(user=request.user, person=person_id, month=month)
    return exports.timesheet_person_export(sheet, fmt).response()


@login_required
@require_GET
def timesheet_department_export(request: HttpRequest) -> HttpResponse:
    """A department's month as ?format=csv or xlsx (the same rules as the page)."""
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Choose the format: csv or xlsx."))
    try:
        month = selectors.timesheet_month(request.GET.get("month"), user=request.user)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    department = selectors.timesheet_department_get(user=request.user, pk=request.GET.get("department"))
    rows = selectors.timesheet_department(
        user=request.user, department=department, month=month, subtree=_subtree(request)
    )
    return exports.timesheet_department_export(
        department=department, month=month, rows=rows, fmt=fmt
    ).response()


def _back(request: HttpRequest, person_id, month) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(_person_url(person_id, month))


def _confirmation_action(request: HttpRequest, action, done: str) -> HttpResponse:
    person_id = request.POST.get("person", "")
    try:
        month = selectors.timesheet_month(request.POST.get("month"), user=request.user)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    person = selectors.timesheet_person_get(user=request.user, pk=person_id)
    try:
        action(actor=request.user, person=person, month=month)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"name": person.full_name or person.email})
    return _back(request, person.pk, month)


@login_required
@require_POST
def timesheet_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm a person's month (their supervisor, HR or an admin)."""
    return _confirmation_action(
        request, services.timesheet_confirm, _("The timesheet of %(name)s is confirmed.")
    )


@login_required
@require_POST
def timesheet_unconfirm(request: HttpRequest) -> HttpResponse:
    """Withdraw the confirmation of a person's month."""
    return _confirmation_action(
        request, services.timesheet_unconfirm, _("The confirmation of %(name)s's timesheet is withdrawn.")
    )
