"""Tasks on the supervisor's control dashboard: who controls whom (for the task fragments the dashboard opens in
place), the "waiting for my control" count of a column, and the task lists behind the fragments (what waits
for the viewer's control, what is overdue, what has no deadline). Each read is one query."""

from __future__ import annotations

import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.permissions import is_portal_admin
from portal.core.visibility import by_role

from ..choices import TaskStatus
from ..models import Task, TaskComment

__all__ = [
    "CONTROL_ROWS",
    "control_person_get",
    "controls_person",
    "tasks_awaiting_control_of",
    "tasks_my_control_count",
    "tasks_overdue_of",
    "tasks_without_deadline_of",
]

# The most tasks a fragment lists; the rest are behind the cell's link to the task list.
CONTROL_ROWS = 50
# The role that sees every person on the control pages (HR), besides admins. The permission is the control
# pages' own; tasks only asks it by name, as the visibility builders do.
SEES_EVERYONE = "reports.view_all"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def controls_person(viewer, person) -> bool:
    """Whether `viewer` controls `person` on the control pages: the person is in the sub-tree the viewer heads;
    HR and admins control every active person but themselves. A constant number of queries."""
    from portal.people.selectors import supervises

    if not _active(viewer) or person is None or person.pk == viewer.pk:
        return False
    if is_portal_admin(viewer):
        return bool(person.is_active)
    # The head's own sub-tree first: most viewers are heads, and their rights need no permission query.
    return supervises(viewer, person) or (by_role(viewer, SEES_EVERYONE) and bool(person.is_active))


def control_person_get(*, viewer, person_id: int):
    """The person `viewer` controls with this id; NotFound for a missing person and one they do not control
    alike (the fragments answer 404 for both)."""
    from portal.people.models import User

    person = User.objects.filter(pk=person_id).first() if _active(viewer) else None
    if person is None or not controls_person(viewer, person):
        raise NotFound(_("No person matches the given query."))
    return person


def _awaiting_viewer(viewer) -> QuerySet[Task]:
    # Only the creator accepts or returns (admins may, but the tasks others set are not theirs to clear).
    return Task.objects.filter(creator_id=viewer.pk, status=TaskStatus.AWAITING_CONTROL)


def tasks_my_control_count(among, *, viewer, today: datetime.date | None = None) -> QuerySet:
    """The dashboard column "Waiting for my control": per person of `among` (ids or a subquery of them), how
    many tasks they are responsible for wait for `viewer` (their creator) to accept or return them. One query
    of (person id, n) rows."""
    # Without a viewer the same query counts nothing (`none()` would not compile into the dashboard's SQL).
    creator_id = viewer.pk if _active(viewer) else None
    return (
        Task.objects.filter(
            creator_id=creator_id, status=TaskStatus.AWAITING_CONTROL, responsible_id__in=among
        )
        .order_by()
        .values("responsible_id")
        .annotate(n=Count("pk"))
        .values_list("responsible_id", "n")
    )


def tasks_awaiting_control_of(*, viewer, person) -> list[Task]:
    """The tasks of `person` (responsible) that wait for `viewer`'s control, the longest waiting first, with
    `last_comment`: the text of the task's latest comment (the result, usually). Up to CONTROL_ROWS + 1 (the
    extra one says there are more). One query."""
    if not _active(viewer):
        return []
    last_comment = (
        TaskComment.objects.filter(task_id=OuterRef("pk")).order_by("-created_at", "-id").values("body")[:1]
    )
    qs = (
        _awaiting_viewer(viewer)
        .filter(responsible_id=person.pk)
        .annotate(last_comment=Subquery(last_comment))
        .only(
            "id",
            "title",
            "status",
            "deadline",
            "completed_at",
            "creator_id",
            "responsible_id",
            "checklist_required",
            "checklist_count",
            "checklist_done",
            "comments_count",
        )
        .order_by("completed_at", "id")
    )
    return list(qs[: CONTROL_ROWS + 1])


_ROW_FIELDS = (
    "id",
    "title",
    "status",
    "deadline",
    "creator_id",
    "responsible_id",
    "allow_change_deadline",
    "priority",
)


def tasks_overdue_of(*, viewer, person, now: datetime.datetime | None = None) -> list[Task]:
    """The open tasks of `person` (responsible) whose deadline has passed, that `viewer` may see, the most
    overdue first. Up to CONTROL_ROWS + 1. One query."""
    if not _active(viewer):
        return []
    qs = (
        Task.objects.visible_to(viewer)
        .filter(responsible_id=person.pk)
        .overdue(now or timezone.now())
        .only(*_ROW_FIELDS)
        .order_by("deadline", "id")
    )
    return list(qs[: CONTROL_ROWS + 1])


def tasks_without_deadline_of(*, viewer, person) -> list[Task]:
    """The running tasks of `person` (responsible) without a deadline that `viewer` may see, the oldest first.
    Up to CONTROL_ROWS + 1. One query."""
    if not _active(viewer):
        return []
    qs = (
        Task.objects.visible_to(viewer)
        .filter(responsible_id=person.pk, deadline__isnull=True)
        .running()
        .only(*_ROW_FIELDS, "created_at")
        .order_by("created_at", "id")
    )
    return list(qs[: CONTROL_ROWS + 1])
