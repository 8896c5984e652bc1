"""Working-day pages: the top-bar widget and its clicks, my days of the month, the days list, one day with
its events and corrections, the supervisor's corrections to confirm, and the work schedules.

Thin views: they read through selectors and write through services. Days and people the user may not see
answer 404; a visible thing without the right (correcting someone else's day, managing schedules as a
plain employee) answers 403. htmx requests get the partial of the part of the page they changed.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx
from portal.core.http import client_ip

from .. import selectors, services
from ..choices import CorrectionStatus
from ..filters.workday import WorkDayFilterSet
from ..forms.workday import CorrectionDecideForm, DayCorrectionForm, WorkdayActionForm, WorkScheduleForm

PAGE_SIZE = 50
ACTIONS = ("start", "pause", "resume", "end")
DONE = {
    "start": gettext_lazy("Your working day has started."),
    "pause": gettext_lazy("You are on a break."),
    "resume": gettext_lazy("Welcome back."),
    "end": gettext_lazy("Your working day is finished."),
}


def _next_url(request: HttpRequest, default: str) -> str:
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default


def _month_of(value: str | None, fallback: datetime.date) -> datetime.date:
    if value:
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a month, no time
        except ValueError:
            pass
    return fallback.replace(day=1)


def _page(request: HttpRequest, tab: str, **context) -> dict:
    """What every working-day page shares: the navigation area and which tabs the user has."""
    return {
        "nav_area": "reports",
        "workday_tab": tab,
        "can_decide_corrections": selectors.can_decide_corrections(request.user),
        "can_manage_schedules": selectors.can_manage_schedules(request.user),
        **context,
    }


FLAG_FILTERS = [
    ("late", gettext_lazy("Late start")),
    ("short", gettext_lazy("Too short")),
    ("early_end", gettext_lazy("Early end")),
    ("auto_closed", gettext_lazy("Closed automatically")),
    ("needs_confirmation", gettext_lazy("To confirm")),
]


# --- the widget -------------------------------------------------------------------------------------------


def _render_widget(request: HttpRequest, day=None, *, error: str = "", fetch: bool = True) -> HttpResponse:
    if fetch:
        day = selectors.workday_today(user=request.user)
    context = {
        "workday": day,
        "workday_state": day.state if day else "none",
        "workday_worked": selectors.day_running_seconds(day) if day else 0,
        "workday_error": error,
        "comment_form": WorkdayActionForm(),
        "csrf_token": get_token(request),
    }
    # Loaded on every page: rendered without the page shell's context processors (and their queries).
    return HttpResponse(render_to_string("reports/workday/partials/widget.html", context))


@login_required
@require_GET
def workday_widget(request: HttpRequest) -> HttpResponse:
    """The top-bar widget, loaded by htmx after the page (and again on each live "workday" event)."""
    return _render_widget(request)


@login_required
@require_POST
def workday_action(request: HttpRequest, action: str) -> HttpResponse:
    """One click of the widget: start, pause, resume or end the day, with an optional comment."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    service = getattr(services, f"workday_{action}")
    form = WorkdayActionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    back = _next_url(request, reverse("reports:my_days"))
    try:
        day = service(actor=request.user, ip=client_ip(request), comment=comment)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        return partial_or_redirect(
            request, back, response=lambda: _render_widget(request, error=error), errors=[error]
        )
    return partial_or_redirect(
        request, back, response=lambda: _render_widget(request, day, fetch=False), success=DONE[action]
    )


# --- days -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_days(request: HttpRequest) -> HttpResponse:
    """A person's days of one month (mine, or ?person= one I supervise): times, worked hours, the late /
    short / early marks, the days waiting for confirmation and the corrections asked for."""
    user = request.user
    person = user
    if request.GET.get("person"):
        person = selectors.workday_person_get(user=user, pk=request.GET["person"])
    today = selectors.workday_local_date(person)
    month = _month_of(request.GET.get("month"), today)
    cal = selectors.workday_calendar(user=user, person=person, month=month)
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    corrections = list(
        selectors.correction_list(user=user).filter(
            day__user_id=person.pk, day__date__gte=cal["first"], day__date__lte=cal["last"]
        )
    )
    context = _page(
        request,
        "my_days" if person.pk == user.pk else "days",
        person=person,
        is_own=person.pk == user.pk,
        month=month,
        previous_month=previous,
        next_month=following,
        calendar=cal,
        corrections=corrections,
    )
    return render(request, "reports/workday/my_days.html", context)


@login_required
@require_GET
def day_list(request: HttpRequest) -> HttpResponse:
    """Every day the user may see (own, their sub-tree's, all for HR/admins), with the days' filters."""
    filterset = WorkDayFilterSet(request.GET or None, user=request.user)
    days = selectors.workday_list(user=request.user, filters=request.GET)
    page = Paginator(days, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav_area": "reports",
        "filter_form": filterset.form,
        "page_obj": page,
        "days": page.object_list,
    }
    active = [name for name, _label in FLAG_FILTERS if request.GET.get(name) == "true"]
    return render_htmx(
        request,
        "reports/workday/days.html",
        context,
        partial="reports/workday/partials/day_results.html",
        page_context=lambda: _page(
            request, "days", flag_filters=FLAG_FILTERS, active_flags=active, **context
        ),
    )


def _day_context(request: HttpRequest, day, **extra) -> dict:
    user = request.user
    corrections = list(selectors.correction_list(user=user).filter(day=day))
    pending = next((c for c in corrections if c.status == CorrectionStatus.PENDING), None)
    is_own = day.user_id == user.pk
    context = {
        "nav_area": "reports",
        "day": day,
        "is_own": is_own,
        "events": selectors.day_events(day=day),
        "corrections": corrections,
        "pending": pending,
        "correction_form": DayCorrectionForm(day=day) if is_own and pending is None else None,
        "can_decide": pending is not None and not is_own and selectors.can_decide_corrections(user),
        "decide_form": CorrectionDecideForm(),
        "worked": selectors.day_running_seconds(day),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.workday_get(user=request.user, pk=pk)
    return render(request, "reports/workday/day_detail.html", _day_context(request, day))


def _own_day(request: HttpRequest, pk: int):
    day = selectors.workday_get(user=request.user, pk=pk)
    if day.user_id != request.user.pk:
        raise PermissionDenied(_("Only the person themselves may correct or confirm their day."))
    return day


@login_required
@require_POST
def day_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the supervisor to correct my day's times (with a reason)."""
    day = _own_day(request, pk)
    form = DayCorrectionForm(request.POST, day=day)
    if form.is_valid() and form.save(actor=request.user) is not None:
        messages.success(request, _("Your correction is sent to your supervisor."))
        return redirect("reports:day_detail", pk=day.pk)
    context = _day_context(request, day, correction_form=form)
    return render(request, "reports/workday/day_detail.html", context, status=400)


@login_required
@require_POST
def day_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a day closed automatically as it is."""
    day = _own_day(request, pk)
    try:
        services.workday_confirm(actor=request.user, day=day, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The day is confirmed."))
    return redirect(_next_url(request, reverse("reports:day_detail", args=[day.pk])))


# --- corrections ------------------------------------------------------------------------------------------


@login_required
@require_GET
def corrections(request: HttpRequest) -> HttpResponse:
    """Corrections of my people waiting for my confirmation (and, on ?status=decided, those decided);
    ?person=<id> keeps one person's (the list behind a cell of the control dashboard)."""
    if not selectors.can_decide_corrections(request.user):
        raise PermissionDenied(_("Only heads, HR and admins confirm corrections."))
    decided = request.GET.get("status") == "decided"
    person = request.GET.get("person", "")
    person_id = int(person) if person.isdigit() else None
    qs = selectors.correction_list(user=request.user, to_decide=True, person_id=person_id)
    qs = (
        qs.exclude(status=CorrectionStatus.PENDING) if decided else qs.filter(status=CorrectionStatus.PENDING)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _page(
        request,
        "corrections",
        decided=decided,
        person_id=person_id,
        page_obj=page,
        corrections=page.object_list,
    )
    return render(request, "reports/workday/corrections.html", context)


@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    correction = selectors.correction_get(user=request.user, pk=pk)
    form = CorrectionDecideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif form.save(actor=request.user, correction=correction) is not None:
        if form.cleaned_data["decision"] == "approve":
            messages.success(request, _("The correction is confirmed."))
        else:
            messages.success(request, _("The correction is rejected."))
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect(_next_url(request, reverse("reports:corrections")))


# --- schedules --------------------------------------------------------------------------------------------


def _require_schedules(request: HttpRequest) -> None:
    if not selectors.can_manage_schedules(request.user):
        raise PermissionDenied(_("Only heads, HR and admins manage work schedules."))


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest) -> HttpResponse:
    """The schedules I manage, and the form for a new one (a department's or one person's)."""
    _require_schedules(request)
    form = WorkScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user) is not None:
        messages.success(request, _("The schedule is saved."))
        return redirect("reports:schedules")
    context = _page(request, "schedules", schedules=selectors.schedule_list(user=request.user), form=form)
    return render(request, "reports/workday/schedules.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_schedules(request)
    schedule = selectors.schedule_get(user=request.user, pk=pk)
    form = WorkScheduleForm(request.POST or None, user=request.user, instance=schedule)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user) is not None:
        messages.success(request, _("The schedule is saved."))
        return redirect("reports:schedules")
    context = {"nav_area": "reports", "form": form, "schedule": schedule}
    return render(request, "reports/workday/schedule_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_schedules(request)
    schedule = selectors.schedule_get(user=request.user, pk=pk)
    services.schedule_delete(actor=request.user, schedule=schedule)
    messages.success(request, _("The schedule is removed."))
    return redirect("reports:schedules")
