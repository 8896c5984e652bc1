"""Tasks: reads of time entries and the running timer."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    Task,
    TimeEntry,
)
from ..permissions import _active


def time_entry_list(*, user, task: Task | None = None, task_visible: bool = False) -> QuerySet[TimeEntry]:
    """Time entries `user` may see (those of the tasks they see), of `task` when given. `task_visible`
    says the caller read `task` through `Task.objects.visible_to(user)` already (the task page): its
    entries are then all visible, and the visibility subquery is not built again."""
    if task is not None and task_visible:
        qs = TimeEntry.objects.filter(task=task).select_related("user", "task")
    else:
        qs = TimeEntry.objects.visible_to(user).select_related("user", "task")
        if task is not None:
            qs = qs.filter(task=task)
    return qs.order_by("-started_at", "-id")


def time_entry_get(*, user, pk) -> TimeEntry:
    return get_visible(TimeEntry.objects.visible_to(user).select_related("task", "user"), pk=pk)


def running_timer(*, user) -> TimeEntry | None:
    if not _active(user):
        return None
    return TimeEntry.objects.running().filter(user=user).select_related("task").first()
