"""The KPI metrics of reports (portal.core.metrics), for the strategy app's formula indicators.

Each is counted for a person or a department with its sub-departments, over a period of dates (both
inclusive):

- `reports.credited_days_share`: the share (0..1) of the working days credited by the supervisor: the days of
  the person's working schedule (from the day they joined, without the company's holidays) covered by a work
  report the supervisor rated positively, over those working days (the numbers of the control dashboard and of
  `GET /api/v1/reports/credited-share/`, `selectors.credited_share`). A department's share is its active people's
  credited days over their working days; no value without a working day;
- `reports.hours_worked`: the hours of the working days (workday tracking) in the period that have ended;
- `reports.late_days`: the working days in the period started late (after the schedule's start and its allowed
  lateness).

Each computes any number of subjects in a constant number of queries; a drill-down lists the reports or days
behind the value that the reader may see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.metrics import (
    SUBJECT_ARGS,
    compute_by_subject,
    hours,
    ratio,
    register_metric,
    subject_filter,
    subject_people,
)

from .choices import DayState, Rating, ReportStatus

DRILL_DOWN_LIMIT = 500


def _days(start, end):
    from .models import WorkDay

    return WorkDay.objects.filter(date__gte=start, date__lte=end)


def credited_days_share(calls, start, end):
    """Two queries for the subjects' people, then `credited_share` for all of them at once."""
    from .selectors.report_numbers import credited_share

    people = subject_people(calls)
    everyone = {pk for pks in people.values() for pk in pks}
    numbers = credited_share(user_ids=everyone, start=start, end=end) if everyone else {}
    result = {}
    for call, pks in people.items():
        credited = sum(numbers[pk]["credited"] for pk in pks if pk in numbers)
        working = sum(numbers[pk]["working_days"] for pk in pks if pk in numbers)
        result[call] = ratio(credited, working)
    return result


def hours_worked(calls, start, end):
    return compute_by_subject(
        calls,
        _days(start, end).filter(state=DayState.CLOSED),
        person="user",
        parts={"seconds": Sum("worked_seconds")},
        value=lambda parts: hours(parts["seconds"]),
    )


def late_days(calls, start, end):
    return compute_by_subject(
        calls,
        _days(start, end).filter(is_late=True),
        person="user",
        parts={"n": Count("pk")},
        value=lambda parts: Decimal(parts["n"]),
    )


def credited_reports_rows(args, start, end, user):
    """The positively rated reports covering the period: the credited days' reports."""
    from .models import WorkReport

    reports = (
        WorkReport.objects.visible_to(user)
        .filter(subject_filter(args, person="author"))
        .filter(
            status=ReportStatus.RATED, rating=Rating.POSITIVE, period_start__lte=end, period_end__gte=start
        )
        .order_by("period_start", "pk")
        .values_list("pk", "author__first_name", "author__last_name", "period_start", "period_end")[
            :DRILL_DOWN_LIMIT
        ]
    )
    rows = []
    for pk, first, last, first_day, last_day in reports:
        dates = formats.date_format(first_day, "SHORT_DATE_FORMAT")
        if last_day != first_day:
            dates = f"{dates} – {formats.date_format(last_day, 'SHORT_DATE_FORMAT')}"
        rows.append(
            (
                _("%(person)s: report of %(dates)s, rated positive")
                % {"person": f"{first} {last}".strip(), "dates": dates},
                url_for_pk("reports:report_detail", pk),
            )
        )
    return rows


def _day_rows(queryset, args, user, label):
    from .models import WorkDay

    days = (
        queryset.filter(subject_filter(args, person="user"))
        .filter(pk__in=WorkDay.objects.visible_to(user).values("pk"))
        .order_by("date", "user_id")
        .values_list("pk", "user__first_name", "user__last_name", "date", "worked_seconds")[:DRILL_DOWN_LIMIT]
    )
    return [
        (
            label
            % {
                "person": f"{first} {last}".strip(),
                "date": formats.date_format(date, "SHORT_DATE_FORMAT"),
                "hours": hours(seconds),
            },
            url_for_pk("reports:day_detail", pk),
        )
        for pk, first, last, date, seconds in days
    ]


def hours_worked_rows(args, start, end, user):
    return _day_rows(
        _days(start, end).filter(state=DayState.CLOSED), args, user, _("%(person)s, %(date)s: %(hours)s h")
    )


def late_days_rows(args, start, end, user):
    return _day_rows(
        _days(start, end).filter(is_late=True), args, user, _("%(person)s, %(date)s: started late")
    )


def register() -> None:
    register_metric(
        "reports.credited_days_share",
        credited_days_share,
        SUBJECT_ARGS,
        gettext_lazy("Share of working days credited by the supervisor"),
        credited_reports_rows,
        order=20,
    )
    register_metric(
        "reports.hours_worked",
        hours_worked,
        SUBJECT_ARGS,
        gettext_lazy("Hours worked (workday tracking)"),
        hours_worked_rows,
        unit="h",
        order=21,
    )
    register_metric(
        "reports.late_days",
        late_days,
        SUBJECT_ARGS,
        gettext_lazy("Days started late"),
        late_days_rows,
        order=22,
    )
