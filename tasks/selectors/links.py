"""Tasks: reads of the links between tasks (a task's predecessors and successors), visible ones only."""

from __future__ import annotations

from django.db.models import (
    Q,
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    Task,
    TaskLink,
)
from ..permissions import _active

# What the task page shows of a link and of the task at its other end (not, say, that task's search text).
LINK_FIELDS = (
    "id",
    "kind",
    "predecessor_id",
    "successor_id",
    *(
        f"{end}__{field}"
        for end in ("predecessor", "successor")
        for field in ("id", "title", "status", "schedule_conflict", "creator_id", "responsible_id")
    ),
)


def task_links(*, user, task: Task) -> dict[str, list[TaskLink]]:
    """Links into and out of `task` (a task `user` sees), to tasks the user may see.

    The links are read by the task's own id (cheap, and most tasks have none); the visibility of their
    other ends is asked only when some are left to judge: ends the user created or is responsible for are
    theirs to see, the rest are checked in one query. (An `IN (visible tasks)` filter on the links themselves
    makes PostgreSQL plan, and JIT-compile, a scan of every task for each page.)
    """
    if not _active(user):
        return {"before": [], "after": []}
    links = list(
        TaskLink.objects.filter(Q(successor=task) | Q(predecessor=task))
        .select_related("predecessor", "successor")
        .only(*LINK_FIELDS)
        .order_by("id")
    )
    if not links:
        return {"before": [], "after": []}
    others = {link.predecessor if link.successor_id == task.pk else link.successor for link in links}
    unsure = {other.pk for other in others if user.pk not in (other.creator_id, other.responsible_id)}
    visible = {other.pk for other in others} - unsure
    if unsure:
        visible |= set(Task.objects.visible_to(user).filter(pk__in=unsure).values_list("pk", flat=True))
    before = [link for link in links if link.successor_id == task.pk and link.predecessor_id in visible]
    after = [link for link in links if link.predecessor_id == task.pk and link.successor_id in visible]
    return {"before": before, "after": after}


def link_list(*, user) -> QuerySet[TaskLink]:
    return TaskLink.objects.visible_to(user).select_related("predecessor", "successor")


def link_get(*, user, pk) -> TaskLink:
    return get_visible(link_list(user=user), pk=pk)
