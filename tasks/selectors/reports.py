"""Tasks: the efficiency report (tasks done on time per person) and the time report (time spent grouped by
person, task or day), limited to the people the viewer may look at.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    Count,
    F,
    Q,
)
from django.utils import timezone

from portal.core.permissions import get_visible, is_portal_admin

from ..choices import HANDED_IN_STATUSES, TaskStatus
from ..models import (
    Task,
    TimeEntry,
)
from ..permissions import _active

TIME_GROUPS = ("task", "person", "project")


def _report_moment(value, *, field: str, end: bool = False):
    """A period bound: an aware datetime as is; a date (or "YYYY-MM-DD") as the start of that day in the
    current time zone (for an end bound: of the next day, so the day itself is included)."""

    from django.core.exceptions import ValidationError
    from django.utils.dateparse import parse_date, parse_datetime
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value) or value
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        day = value + datetime.timedelta(days=1) if end else value
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    raise ValidationError({field: [_("Give a date or a date and time.")]})


def _report_id(value, *, field: str) -> int | None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return None
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: [_("Give a number.")]}) from exc


def time_spent_by(*, user, group_by: str, filters=None) -> list[dict]:
    """Time logged on tasks the user may see, summed by "task", "person" or "project" (largest first).

    `filters` (a dict or QueryDict, all optional): task, person, group (project), start and end (dates or
    datetimes; on when the entry started; an end date includes its day). One query.
    Rows: task: task_id, title, time_estimate, seconds, entries; person: user_id, name, seconds, entries;
    project: group_id, name (None without a project), seconds, entries.
    """
    from django.db.models import Sum

    if group_by not in TIME_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(TIME_GROUPS)}")
    data = filters or {}
    qs = TimeEntry.objects.visible_to(user)
    task_id = _report_id(data.get("task"), field="task")
    person_id = _report_id(data.get("person"), field="person")
    group_id = _report_id(data.get("group"), field="group")
    start = _report_moment(data.get("start"), field="start")
    end = _report_moment(data.get("end"), field="end", end=True)
    if task_id is not None:
        qs = qs.filter(task_id=task_id)
    if person_id is not None:
        qs = qs.filter(user_id=person_id)
    if group_id is not None:
        qs = qs.filter(task__group_id=group_id)
    if start is not None:
        qs = qs.filter(started_at__gte=start)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    columns = {
        "task": ("task_id", "task__title", "task__time_estimate"),
        "person": ("user_id", "user__first_name", "user__last_name", "user__email"),
        "project": ("task__group_id", "task__group__name"),
    }[group_by]
    rows = (
        qs.order_by()
        .values(*columns)
        .annotate(seconds=Sum("seconds"), entries=Count("id"))
        .order_by("-seconds", columns[0])
    )
    out = []
    for row in rows:
        totals = {"seconds": row["seconds"] or 0, "entries": row["entries"]}
        if group_by == "task":
            out.append(
                {
                    "task_id": row["task_id"],
                    "title": row["task__title"],
                    "time_estimate": row["task__time_estimate"],
                    **totals,
                }
            )
        elif group_by == "person":
            name = f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"]
            out.append({"user_id": row["user_id"], "name": name, **totals})
        else:
            out.append({"group_id": row["task__group_id"], "name": row["task__group__name"], **totals})
    return out


def efficiency_people(*, user):
    """The people whose efficiency `user` may see: themselves; the people of the sub-tree they head when
    supervisor; everyone active when admin."""
    from django.contrib.auth import get_user_model

    from ..models import headed_path

    people = get_user_model().objects.filter(is_active=True)
    if not _active(user):
        return people.none()
    if is_portal_admin(user):
        return people
    path = headed_path(user)
    if path:
        return people.filter(Q(pk=user.pk) | Q(department__path__startswith=path))
    return people.filter(pk=user.pk)


def _share(on_time: int, closed: int, overdue: int) -> int | None:
    """Percent of the tasks that counted in the period (closed, or still open past their deadline) that
    were closed on time; None when none counted."""
    total = closed + overdue
    return round(100 * on_time / total) if total else None


def efficiency(*, user, person_ids=None, department=None, start, end) -> list[dict]:
    """Per person (as responsible), in the period [start, end): `closed` (completed in it, by when the person
    completed it, also while it awaits the creator's control), `on_time` (of those, never overdue: completed
    by the deadline), `overdue` (still running, deadline passed in the period), and `share` = on_time / (closed + overdue) in percent (None when nothing counted).

    Only people the viewer may see tasks of (`efficiency_people`), narrowed to `person_ids` and/or the
    sub-tree of `department` (a Department or its id); with `department`, a last row with `is_total`
    sums them up. Dates as in `time_spent_by`. Three queries whatever the number of people.
    """

    from portal.people.models import Department

    start_at = _report_moment(start, field="start")
    end_at = _report_moment(end, field="end", end=True)
    if start_at is None or end_at is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"start": [_("A period needs a start and an end.")]})
    people = efficiency_people(user=user)
    if person_ids is not None:
        people = people.filter(pk__in=[int(getattr(p, "pk", p)) for p in person_ids])
    dept = None
    if department is not None:
        dept = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(pk=_report_id(department, field="department")).first()
        )
        if dept is None:
            people = people.none()
        else:
            people = people.filter(department__path__startswith=dept.path)
    people = list(
        people.order_by("last_name", "first_name", "id").only("id", "first_name", "last_name", "email")
    )
    ids = [p.pk for p in people]
    now = timezone.now()
    stats = {}
    if ids:
        # Completed by the responsible person in the period, accepted or still awaiting the creator's control:
        # `completed_at` is when they completed it, so a slow control does not make them late.
        closed_in_period = Q(
            status__in=(TaskStatus.COMPLETED, TaskStatus.AWAITING_CONTROL),
            completed_at__gte=start_at,
            completed_at__lt=end_at,
        )
        late = Q(became_overdue=True) | Q(deadline__isnull=False, completed_at__gt=F("deadline"))
        overdue_now = ~Q(status__in=HANDED_IN_STATUSES) & Q(
            deadline__gte=start_at, deadline__lt=min(end_at, now)
        )
        stats = {
            row["responsible_id"]: row
            for row in Task.objects.filter(responsible_id__in=ids)
            .filter(closed_in_period | overdue_now)
            .order_by()
            .values("responsible_id")
            .annotate(
                closed=Count("id", filter=closed_in_period),
                on_time=Count("id", filter=closed_in_period & ~late),
                overdue=Count("id", filter=overdue_now),
            )
        }
    rows = []
    for person in people:
        row = stats.get(person.pk, {})
        closed, on_time, overdue = row.get("closed", 0), row.get("on_time", 0), row.get("overdue", 0)
        rows.append(
            {
                "user_id": person.pk,
                "name": person.full_name or person.email,
                "closed": closed,
                "on_time": on_time,
                "overdue": overdue,
                "share": _share(on_time, closed, overdue),
                "is_total": False,
            }
        )
    if dept is not None:
        closed = sum(r["closed"] for r in rows)
        on_time = sum(r["on_time"] for r in rows)
        overdue = sum(r["overdue"] for r in rows)
        rows.append(
            {
                "user_id": None,
                "department_id": dept.pk,
                "name": dept.name,
                "closed": closed,
                "on_time": on_time,
                "overdue": overdue,
                "share": _share(on_time, closed, overdue),
                "is_total": True,
            }
        )
    return rows


def report_departments(*, user):
    """The departments whose efficiency the viewer may look at: their own sub-tree for a head, every
    department for admins, none for others."""
    from portal.people.selectors import departments_managed_by

    if not _active(user):
        from portal.people.models import Department

        return Department.objects.none()
    return departments_managed_by(user).order_by("path")


def report_department_get(*, user, pk):
    """One department of `report_departments`; any other (or a missing one) answers 404."""
    return get_visible(report_departments(user=user), pk=pk)


EFFICIENCY_SCOPES = ("me", "direct", "subtree")


def efficiency_scopes(*, user) -> list[str]:
    """The people switches the viewer has: "me" always; "direct" and "subtree" for the head of a
    department."""
    from portal.people.models import headed_path

    return list(EFFICIENCY_SCOPES) if headed_path(user) else ["me"]


def efficiency_report(
    *, user, start, end, scope: str | None = None, department=None, people=None
) -> list[dict]:
    """`selectors.efficiency` for one of the viewer's scopes.

    `scope`: "me", "direct" (the people the viewer supervises directly) or "subtree" (everyone below them);
    `department`: a department id of `report_departments` (404 for any other), with its total row;
    `people`: person ids; those the viewer may not look at are left out (as `selectors.efficiency` does).
    Nothing given: everyone the viewer may look at. A constant number of queries.
    """
    from portal.people.selectors import subordinates_of

    dept = report_department_get(user=user, pk=department) if department is not None else None
    person_ids: list[int] | None = None
    if scope == "me":
        person_ids = [user.pk]
    elif scope in ("direct", "subtree"):
        person_ids = list(subordinates_of(user, recursive=scope == "subtree").values_list("pk", flat=True))
    elif scope is not None:
        raise ValueError(f"scope must be one of {', '.join(EFFICIENCY_SCOPES)}")
    if people is not None:
        wanted = {int(p) for p in people}
        person_ids = sorted(wanted) if person_ids is None else [p for p in person_ids if p in wanted]
    return efficiency(user=user, person_ids=person_ids, department=dept, start=start, end=end)


TIME_ROW_KEYS = {"task": ("task_id", "title"), "person": ("user_id", "name"), "project": ("group_id", "name")}


def time_report(*, user, group_by: str, start=None, end=None, person=None, group=None) -> dict:
    """`selectors.time_spent_by` in one shape whatever the grouping, with its totals.

    Rows: `id` (of the task, person or project; None for time on tasks without a project), `name`, `seconds`,
    `entries` and `time_estimate` (seconds; tasks only). A person the viewer may not see in the directory or
    a group hidden from them answers 404 (only time on tasks the viewer may see counts anyway)."""
    from django.contrib.auth import get_user_model

    from portal.groups.models import Workgroup

    if group_by not in TIME_ROW_KEYS:
        raise ValueError(f"group_by must be one of {', '.join(TIME_ROW_KEYS)}")
    filters: dict = {"start": start, "end": end}
    if person is not None:
        filters["person"] = get_visible(get_user_model().objects.visible_to(user), pk=person).pk
    if group is not None:
        filters["group"] = get_visible(Workgroup.objects.visible_to(user), pk=group).pk
    key, name = TIME_ROW_KEYS[group_by]
    rows = [
        {
            "id": row[key],
            "name": row[name],
            "seconds": row["seconds"],
            "entries": row["entries"],
            "time_estimate": row.get("time_estimate"),
        }
        for row in time_spent_by(user=user, group_by=group_by, filters=filters)
    ]
    return {
        "rows": rows,
        "total_seconds": sum(row["seconds"] for row in rows),
        "total_entries": sum(row["entries"] for row in rows),
    }
