"""Work-report pages: the list (mine and my people's), writing my report with what the portal knows, one
report with its rating block and history, the supervisor's inbox of reports to rate (one click each, htmx,
without leaving the page), and the report settings of departments.

Thin views: they read through selectors and write through services. Reports the user may not see answer
404; a visible report without the right (rating one's own, editing someone else's) answers 403.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx
from portal.core.registry import registry

from .. import selectors, services
from ..choices import Rating, ReportStatus
from ..filters.reports import WorkReportFilterSet
from ..forms.reports import (
    ReportRateForm,
    ReportReturnForm,
    ReportSettingsForm,
    WorkReportForm,
    apply_errors,
)
from ..models import headed_path, sees_all

PAGE_SIZE = 30
INBOX_SIZE = 50
NAV = "reports"


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _is_supervisor(user) -> bool:
    return headed_path(user) is not None


def _nav_context(request: HttpRequest, active: str) -> dict:
    user = request.user
    return {
        "nav_area": NAV,
        "report_tab": active,
        "report_has_inbox": selectors.can_rate_any(user),
        "report_may_set_up": sees_all(user) or _is_supervisor(user),
    }


# --- the list ----------------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """My reports and those of the people I supervise, with filters and pagination."""
    from portal.people.selectors import subordinates_of

    user = request.user
    filterset = WorkReportFilterSet(request.GET or None, user=user)
    reports = selectors.report_list(user=user, filters=request.GET)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    people = []
    if _is_supervisor(user):
        people = [user, *subordinates_of(user, recursive=True).order_by("last_name", "first_name", "id")]
    context = {
        **_nav_context(request, "list"),
        "filter_form": filterset.form,
        "page_obj": page,
        "reports": page.object_list,
        "people": people,
        "statuses": ReportStatus.choices,
        "ratings": Rating.choices,
    }
    return render_htmx(
        request, "reports/reports/list.html", context, partial="reports/reports/partials/list_results.html"
    )


# --- writing -----------------------------------------------------------------------------------------


def _initial_facts(prefill: dict) -> str:
    return "\n".join(f"- {task['title']}" for task in prefill.get("closed_tasks", []))


@login_required
@require_http_methods(["GET", "POST"])
def report_write(request: HttpRequest) -> HttpResponse:
    """The form of my report for the current period (or the one containing ?date=), with the pre-fill."""
    user = request.user
    today = selectors.local_today(user)
    day = _parse_date(request.GET.get("date") or request.POST.get("date")) or today
    if day > today:
        messages.warning(request, _("That period has not begun yet; here is the current one."))
        day = today
    span = selectors.report_period_for(user, day)
    report = selectors.report_of_period(user=user, period_start=span.start, period=span.period)
    if report is not None and report.is_locked:
        messages.info(request, _("This report is rated; it can no longer be changed."))
        return redirect("reports:report_detail", pk=report.pk)
    prefill = selectors.report_prefill(user=user, period_start=span.start, period_end=span.end)
    if request.method == "POST":
        form = WorkReportForm(request.POST)
        if form.is_valid():
            send = "send" in request.POST
            try:
                saved = services.report_save(
                    actor=user,
                    period_start=span.start,
                    report=report,
                    send=send,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if send:
                    messages.success(request, _("Your report is sent."))
                    return redirect("reports:report_detail", pk=saved.pk)
                messages.success(request, _("Saved."))
                return redirect(reverse("reports:report_write") + f"?date={span.start.isoformat()}")
    elif report is not None:
        form = WorkReportForm(initial={f: getattr(report, f) for f in services.TEXT_FIELDS})
    else:
        form = WorkReportForm(initial={"facts": _initial_facts(prefill)})
    context = {
        **_nav_context(request, "write"),
        "form": form,
        "report": report,
        "span": span,
        "prefill": selectors.prefill_links(prefill),
        "is_overdue": selectors.report_is_overdue(report=report, span=span),
        "previous_day": span.start - datetime.timedelta(days=1),
        "next_day": span.end + datetime.timedelta(days=1) if span.end < today else None,
    }
    return render(request, "reports/reports/write.html", context)


# --- one report --------------------------------------------------------------------------------------


def _rating_context(request: HttpRequest, report, **extra) -> dict:
    user = request.user
    may_rate = selectors.can_rate_report(user, report)
    return {
        "report": report,
        "may_rate": may_rate,
        "can_rate_now": may_rate and report.status == ReportStatus.SENT,
        "can_edit": selectors.can_edit_report(user, report),
        "rate_form": ReportRateForm(),
        "return_form": ReportReturnForm(),
        **extra,
    }


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: the text, what the portal knew, the rating block, the history of changes."""
    report = selectors.report_get(user=request.user, pk=pk)
    context = {
        **_nav_context(request, "list"),
        **_rating_context(request, report),
        "revisions": selectors.report_revisions(user=request.user, report=report),
        # What the portal knew, without the titles of tasks this reader may not see.
        "prefill": selectors.prefill_links(
            selectors.report_prefills_shown(user=request.user, reports=[report])[report.pk]
        ),
        "is_control_page": report.author_id != request.user.pk,
        # The lines of facts and plans, for those who rate: the first registered way to make a task of one.
        "line_source": next(iter(registry.report_task_sources), None),
    }
    return render(request, "reports/reports/detail.html", context)


def _after_decision(request: HttpRequest, report, *, error: str = "", done: str = "") -> HttpResponse:
    """htmx: the inbox row or the rating block, redrawn; otherwise back to where the button was."""
    partial = (
        "reports/reports/partials/inbox_row.html"
        if request.POST.get("from") == "inbox"
        else "reports/reports/partials/rating.html"
    )
    return partial_or_redirect(
        request,
        _next_url(request, reverse("reports:report_detail", args=[report.pk])),
        partial=partial,
        context=lambda: _rating_context(request, report, error=error, done=done),
        success=done,
        errors=[error] if error else [],
    )


@login_required
@require_POST
def report_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate a sent report positive or negative, with an optional comment (one click from the inbox)."""
    report = selectors.report_get(user=request.user, pk=pk)
    if not selectors.can_rate_report(request.user, report):
        raise PermissionDenied(_("Only the author's supervisor rates a report."))
    form = ReportRateForm(request.POST)
    if not form.is_valid():
        return _after_decision(request, report, error=_("Choose positive or negative."))
    try:
        services.report_rate(actor=request.user, report=report, **form.cleaned_data)
    except ValidationError as exc:
        return _after_decision(request, report, error=" ".join(exc.messages))
    done = _("Rated positive.") if report.rating == Rating.POSITIVE else _("Rated negative.")
    return _after_decision(request, report, done=done)


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a sent report to its author with a comment saying what to change."""
    report = selectors.report_get(user=request.user, pk=pk)
    if not selectors.can_rate_report(request.user, report):
        raise PermissionDenied(_("Only the author's supervisor returns a report."))
    form = ReportReturnForm(request.POST)
    if not form.is_valid():
        return _after_decision(request, report, error=_("Say what should change."))
    try:
        services.report_return(actor=request.user, report=report, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        return _after_decision(request, report, error=" ".join(exc.messages))
    return _after_decision(request, report, done=_("Returned to the author."))


# --- the supervisor's inbox --------------------------------------------------------------------------


def _inbox_author(request: HttpRequest):
    """The person of `?author=` whose reports the inbox is limited to (one the viewer may see, else 404);
    None without it (or when it is not a number)."""
    try:
        pk = int(request.GET.get("author") or "")
    except ValueError:
        return None
    return selectors.report_person_get(user=request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def to_rate(request: HttpRequest) -> HttpResponse:
    """Reports waiting for my rating: those sent to me, or (?all=1) of my whole sub-tree, or (?author=) of one
    person; oldest first. POST rates the reports shown (`report` ids) positive, with one optional comment."""
    user = request.user
    if not selectors.can_rate_any(user):
        raise PermissionDenied(_("Only supervisors, HR and admins rate reports."))
    author = _inbox_author(request)
    if request.method == "POST":
        return _rate_shown_positive(request)
    # One person's reports: all that wait for me, not only those sent to me directly.
    direct_only = request.GET.get("all") != "1" and author is None
    reports = selectors.reports_to_rate_of(user=user, direct_only=direct_only, author=author)
    page = Paginator(reports, INBOX_SIZE).get_page(request.GET.get("page"))
    context = {
        **_nav_context(request, "to_rate"),
        "page_obj": page,
        "reports": page.object_list,
        "direct_only": direct_only,
        "author": author,
        "bulk_action": request.get_full_path(),
        "rate_form": ReportRateForm(),
        "return_form": ReportReturnForm(),
        "is_control_page": True,
    }
    return render(request, "reports/reports/to_rate.html", context)


def _rate_shown_positive(request: HttpRequest) -> HttpResponse:
    """The inbox's "Rate all shown as positive": the posted ids, those still waiting and mine to rate."""
    back = request.get_full_path()
    try:
        rated = services.reports_rate_positive(
            actor=request.user,
            reports=request.POST.getlist("report"),
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    if rated:
        messages.success(
            request,
            ngettext("Rated %(n)s report positive.", "Rated %(n)s reports positive.", rated) % {"n": rated},
        )
    else:
        messages.info(request, _("Nothing was rated: those reports no longer wait for your rating."))
    return redirect(back)


# --- settings ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_settings(request: HttpRequest) -> HttpResponse:
    """How each department I may set up reports (daily or weekly, and by when)."""
    user = request.user
    if not (sees_all(user) or _is_supervisor(user)):
        raise PermissionDenied(_("Only heads of departments, HR and admins set up reports."))
    rows = selectors.report_settings_list(user=user)
    departments_qs = _departments_qs(rows)
    failed = None
    if request.method == "POST":
        form = ReportSettingsForm(
            request.POST,
            departments=departments_qs,
            form_id=f"settings-form-{request.POST.get('department')}",
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "reset" in request.POST:
                    services.report_settings_reset(actor=user, department=data["department"])
                else:
                    services.report_settings_save(
                        actor=user,
                        department=data["department"],
                        period=data["period"],
                        due_time=data["due_time"],
                        due_weekday=data["due_weekday"],
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Saved for %(name)s.") % {"name": data["department"].name})
                return redirect("reports:report_settings")
        failed = form
    top = min((row.department.depth for row in rows), default=1)
    for row in rows:
        row.indent = range(row.department.depth - top)
        if failed is not None and str(failed.data.get("department")) == str(row.department.pk):
            row.form = failed
        else:
            row.form = ReportSettingsForm(
                departments=departments_qs,
                form_id=f"settings-form-{row.department.pk}",
                initial={
                    "department": row.department.pk,
                    "period": row.effective.period,
                    "due_time": row.effective.due_time,
                    "due_weekday": row.effective.due_weekday,
                },
            )
    context = {**_nav_context(request, "settings"), "rows": rows, "failed": failed}
    return render(request, "reports/reports/settings.html", context)


def _departments_qs(rows):
    from portal.people.models import Department

    return Department.objects.filter(pk__in=[row.department.pk for row in rows])
