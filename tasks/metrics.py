"""The KPI metrics of tasks (portal.core.metrics), for the strategy app's formula indicators.

Each is counted for a person (the task's responsible person; for time, who logged it) or a department with its
sub-departments, over a period of dates (both inclusive, in the portal's time zone):

- `tasks.closed_count`: tasks completed (accepted, status "completed") whose responsible person handed them in
  within the period (`completed_at`);
- `tasks.closed_on_time_share`: the share of those that were on time: never overdue (`became_overdue`) and handed
  in by their deadline, or without one (a share from 0 to 1, unit "": `* 100` gives per cent; no value
  without a closed task);
- `tasks.overdue_count`: tasks whose deadline fell within the period and passed without the task handed in by
  then (still running, or handed in late);
- `tasks.hours_logged`: the hours of the stopped time entries started within the period (time tracking).

Each computes any number of subjects in at most three queries (`compute_by_subject`); a drill-down lists the
very tasks (or time entries) the value counted that the reader may see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.metrics import (
    SUBJECT_ARGS,
    compute_by_subject,
    hours,
    period_range,
    ratio,
    register_metric,
    subject_filter,
)

from .choices import TaskStatus

DRILL_DOWN_LIMIT = 500


def _tasks():
    from .models import Task

    return Task.objects


def _closed(start, end):
    lower, upper = period_range(start, end)
    return _tasks().filter(status=TaskStatus.COMPLETED, completed_at__gte=lower, completed_at__lt=upper)


_ON_TIME = Q(became_overdue=False) & (Q(deadline__isnull=True) | Q(completed_at__lte=F("deadline")))


def _overdue(start, end):
    lower, upper = period_range(start, end)
    now = timezone.now()
    return (
        _tasks()
        .filter(deadline__gte=lower, deadline__lt=min(upper, now))
        # not handed in (a task returned or renewed has no `completed_at` again), or handed in late
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gt=F("deadline")))
    )


def _time(start, end):
    from .models import TimeEntry

    lower, upper = period_range(start, end)
    return TimeEntry.objects.filter(ended_at__isnull=False, started_at__gte=lower, started_at__lt=upper)


def _count(parts) -> Decimal:
    return Decimal(parts["n"])


def closed_count(calls, start, end):
    return compute_by_subject(
        calls, _closed(start, end), person="responsible", parts={"n": Count("pk")}, value=_count
    )


def closed_on_time_share(calls, start, end):
    return compute_by_subject(
        calls,
        _closed(start, end),
        person="responsible",
        parts={"n": Count("pk"), "on_time": Count("pk", filter=_ON_TIME)},
        value=lambda parts: ratio(parts["on_time"], parts["n"]),
    )


def overdue_count(calls, start, end):
    return compute_by_subject(
        calls, _overdue(start, end), person="responsible", parts={"n": Count("pk")}, value=_count
    )


def hours_logged(calls, start, end):
    return compute_by_subject(
        calls,
        _time(start, end),
        person="user",
        parts={"seconds": Sum("seconds")},
        value=lambda parts: hours(parts["seconds"]),
    )


def _task_rows(queryset, args, user) -> list[tuple[str, str]]:
    from .models import Task

    tasks = (
        queryset.filter(subject_filter(args, person="responsible"))
        .filter(pk__in=Task.objects.visible_to(user).values("pk"))
        .order_by("-completed_at", "-deadline", "-pk")
        .values_list("pk", "title")[:DRILL_DOWN_LIMIT]
    )
    return [(title, url_for_pk("tasks:detail", pk)) for pk, title in tasks]


def closed_count_rows(args, start, end, user):
    return _task_rows(_closed(start, end), args, user)


def closed_on_time_rows(args, start, end, user):
    """The closed tasks (the share's base), each marked on time or late."""
    from .models import Task

    rows = (
        _closed(start, end)
        .filter(subject_filter(args, person="responsible"))
        .filter(pk__in=Task.objects.visible_to(user).values("pk"))
        .annotate(late=~Q(_ON_TIME))
        .order_by("-completed_at", "-pk")
        .values_list("pk", "title", "late")[:DRILL_DOWN_LIMIT]
    )
    return [
        (_("%(title)s (late)") % {"title": title} if late else title, url_for_pk("tasks:detail", pk))
        for pk, title, late in rows
    ]


def overdue_rows(args, start, end, user):
    return _task_rows(_overdue(start, end), args, user)


def hours_logged_rows(args, start, end, user):
    """The time entries counted, each with its hours and task."""
    from .models import TimeEntry

    entries = (
        _time(start, end)
        .filter(subject_filter(args, person="user"))
        .filter(pk__in=TimeEntry.objects.visible_to(user).values("pk"))
        .order_by("-started_at", "-pk")
        .values_list("task_id", "task__title", "seconds")[:DRILL_DOWN_LIMIT]
    )
    return [
        (
            _("%(title)s: %(hours)s h") % {"title": title, "hours": hours(seconds)},
            url_for_pk("tasks:detail", pk),
        )
        for pk, title, seconds in entries
    ]


def register() -> None:
    register_metric(
        "tasks.closed_count",
        closed_count,
        SUBJECT_ARGS,
        gettext_lazy("Tasks closed"),
        closed_count_rows,
        order=10,
    )
    register_metric(
        "tasks.closed_on_time_share",
        closed_on_time_share,
        SUBJECT_ARGS,
        gettext_lazy("Share of tasks closed on time"),
        closed_on_time_rows,
        order=11,
    )
    register_metric(
        "tasks.overdue_count",
        overdue_count,
        SUBJECT_ARGS,
        gettext_lazy("Tasks overdue"),
        overdue_rows,
        order=12,
    )
    register_metric(
        "tasks.hours_logged",
        hours_logged,
        SUBJECT_ARGS,
        gettext_lazy("Hours logged on tasks"),
        hours_logged_rows,
        unit="h",
        order=13,
    )
