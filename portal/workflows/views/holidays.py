"""Pages of the company calendar: the holidays and moved working days of a year (everyone reads them; admins
add, remove and import them from an .ics file)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.permissions import is_portal_admin

from ..forms.holidays import HolidayForm, HolidayImportForm
from ..selectors import absences as absence_selectors
from ..selectors import holidays as selectors
from ..services import holidays as services
from .absences import add_errors


def _context(request, **extra) -> dict:
    return {
        "nav_area": "absences",
        "absence_tab": "holidays",
        "may_manage": absence_selectors.may_manage_absences(request.user),
        "is_admin": is_portal_admin(request.user),
        **extra,
    }


def _year(request) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    if text.isdecimal() and services.FIRST_YEAR <= int(text) <= services.LAST_YEAR:
        return int(text)
    return timezone.localdate().year


def _list_url(year: int) -> str:
    return f"{reverse('workflows:holiday_list')}?year={year}"


@login_required
@require_http_methods(["GET", "POST"])
def holiday_list(request: HttpRequest) -> HttpResponse:
    """?year=YYYY: the calendar of a year; a POST (admins) adds or changes a date."""
    admin = is_portal_admin(request.user)
    if request.method == "POST" and not admin:
        raise Http404("Not an administrator.")
    year = _year(request)
    form = HolidayForm(request.POST or None) if admin else None
    if request.method == "POST" and form.is_valid():
        try:
            holiday = services.holiday_set(actor=request.user, **form.cleaned_data)
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(date)s is in the calendar.") % {"date": holiday.date})
            return redirect(_list_url(holiday.date.year))
    years = sorted({year - 1, year, year + 1, *selectors.holiday_years(user=request.user)}, reverse=True)
    context = _context(
        request,
        year=year,
        years=years,
        holidays=selectors.holiday_list(user=request.user, year=year),
        form=form,
    )
    return render(
        request, "workflows/holidays/list.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_portal_admin(request.user):
        raise Http404("Not an administrator.")
    holiday = selectors.holiday_get(user=request.user, pk=pk)
    services.holiday_delete(actor=request.user, holiday=holiday)
    messages.success(request, _("The date is out of the calendar."))
    return redirect(_list_url(holiday.date.year))


@login_required
@require_http_methods(["GET", "POST"])
def holiday_import(request: HttpRequest) -> HttpResponse:
    """Import an .ics file (admins) and show what it did."""
    if not is_portal_admin(request.user):
        raise Http404("Not an administrator.")
    form = HolidayImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = services.holidays_import_ics(
                    actor=request.user, data=form.cleaned_data["file"].read()
                )
            except Invalid as exc:
                add_errors(form, exc)
            else:
                status = 200
                form = HolidayImportForm()
    return render(
        request, "workflows/holidays/import.html", _context(request, form=form, report=report), status=status
    )


urls = [
    path("holidays/", holiday_list, name="holiday_list"),
    path("holidays/import/", holiday_import, name="holiday_import"),
    path("holidays/<int:pk>/delete/", holiday_delete, name="holiday_delete"),
]
