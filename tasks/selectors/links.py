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


def task_links(*, user, task: Task) -> dict[str, list[TaskLink]]:
    """Links into and out of `task`, to tasks the user may see."""
    visible = Task.objects.visible_to(user)
    # One query for both directions: the link's other end must be visible.
    links = list(
        TaskLink.objects.filter(
            Q(successor=task, predecessor__in=visible) | Q(predecessor=task, successor__in=visible)
        )
        .select_related("predecessor", "successor")
        .order_by("id")
    )
    before = [link for link in links if link.successor_id == task.pk]
    after = [link for link in links if link.predecessor_id == task.pk]
    return {"before": before, "after": after}


def link_list(*, user) -> QuerySet[TaskLink]:
    return TaskLink.objects.visible_to(user).select_related("predecessor", "successor")


def link_get(*, user, pk) -> TaskLink:
    return get_visible(link_list(user=user), pk=pk)
