"""What the control dashboard opens in place under a person's row about their work reports: the reports
waiting for the supervisor's rating (rated there, one click each), the facts of a day whose report is missing
with a "Remind" button, the last rated report, and links to the lists behind them.

The fragment is loaded by htmx; the same URL without htmx answers a small page around it, so that it works
without JavaScript. Actions answer the fragment again with a one-line outcome and `HX-Trigger:
controlChanged` (the dashboard refreshes its counts); without htmx a flash message and back to the dashboard.
People the viewer does not control answer 404, as missing ones do.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from .. import selectors, services
from ..choices import Rating
from ..forms.reports import ReportRateForm

FRAGMENT = "reports/control/details/reports.html"
PAGE = "reports/control/details/reports_page.html"
TRIGGER = "controlChanged"


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _context(request: HttpRequest, person, date: datetime.date | None, **extra) -> dict:
    data = selectors.person_reports_for_control(viewer=request.user, person=person, date=date)
    return {
        "data": data,
        "person": person,
        "person_name": person.full_name or person.email,
        "date": date,
        "rate_form": ReportRateForm(),
        "kind": "reports",
        **extra,
    }


def _answer(
    request: HttpRequest, person, date, *, done: str = "", error: str = "", rated=None, changed: bool = False
) -> HttpResponse:
    """After an action: the fragment again (htmx), or the message and back to the dashboard."""
    return partial_or_redirect(
        request,
        "reports:home",
        partial=FRAGMENT,
        context=lambda: _context(request, person, date, done=done, error=error, rated=rated),
        success=done,
        errors=[error] if error else [],
        trigger=TRIGGER if changed else None,
    )


@login_required
@require_GET
def control_reports(request: HttpRequest, person_id: int) -> HttpResponse:
    """The reports of a person the viewer controls (?date=YYYY-MM-DD: the day whose report is missing)."""
    person = selectors.control_person_get(viewer=request.user, pk=person_id)
    date = _parse_date(request.GET.get("date"))
    return render_htmx(request, PAGE, _context(request, person, date), partial=FRAGMENT)


@login_required
@require_POST
def control_report_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate one waiting report positive or negative (optional comment) from the fragment."""
    report = selectors.report_get(user=request.user, pk=pk)
    person = selectors.control_person_get(viewer=request.user, pk=report.author_id)
    date = _parse_date(request.POST.get("date"))
    form = ReportRateForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            return _answer(request, person, date, error=" ".join(form.errors["comment"]))
        return _answer(request, person, date, error=_("Choose positive or negative."))
    try:
        services.report_rate(actor=request.user, report=report, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _answer(request, person, date, error=" ".join(_messages(exc)))
    done = _("Rated positive.") if report.rating == Rating.POSITIVE else _("Rated negative.")
    return _answer(request, person, date, done=done, rated=report, changed=True)


@login_required
@require_POST
def control_report_remind(request: HttpRequest, person_id: int) -> HttpResponse:
    """Remind the person that their report for the posted `date` is missing (once a day)."""
    person = selectors.control_person_get(viewer=request.user, pk=person_id)
    date = _parse_date(request.POST.get("date"))
    if date is None:
        return _answer(request, person, None, error=_("Give the date of the missing report."))
    try:
        sent = services.report_remind(actor=request.user, person=person, date=date)
    except ValidationError as exc:
        return _answer(request, person, date, error=" ".join(_messages(exc)))
    if not sent:
        return _answer(request, person, date, done=_("Already reminded today."))
    done = _("Reminder sent to %(name)s.") % {"name": person.full_name or person.email}
    return _answer(request, person, date, done=done, changed=True)


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(message) for message in exc.messages]
    return [str(exc) or _("You are not allowed to do this.")]
