"""Tasks: reads of time entries and the running timer."""

from __future__ import annotations

from django.db.models import (
    Case,
    Q,
    QuerySet,
    Value,
    When,
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
    entries are then all visible, and the visibility subquery is not built again (nor their task joined:
    the caller has it)."""
    if task is not None and task_visible:
        qs = TimeEntry.objects.filter(task=task).select_related("user")  # the caller has the task
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


# What the task page shows of an entry, its person and (for the running timer) its task.
TIME_ENTRY_FIELDS = (
    *(f.name for f in TimeEntry._meta.concrete_fields),
    *(f"user__{name}" for name in ("id", "first_name", "last_name", "email")),
    "task__id",
    "task__title",
)


def task_time_entries(*, user, task: Task, limit: int) -> tuple[list[TimeEntry], TimeEntry | None]:
    """The latest `limit` time entries of `task` (a task `user` sees: all its entries are visible), newest
    first, and `user`'s running timer on any task (None without one), in one query: a person runs one timer
    at most, so it is sorted first and split off."""
    if not _active(user):
        return list(time_entry_list(user=user, task=task, task_visible=True)[:limit]), None
    mine = Q(user=user, ended_at__isnull=True)
    rows = list(
        TimeEntry.objects.filter(Q(task=task) | mine)
        .select_related("user", "task")
        .only(*TIME_ENTRY_FIELDS)
        .annotate(running_first=Case(When(mine, then=Value(0)), default=Value(1)))
        .order_by("running_first", "-started_at", "-id")[: limit + 1]
    )
    running = rows.pop(0) if rows and rows[0].running_first == 0 else None
    if running is not None and running.task_id == task.pk:
        rows.append(running)
        rows.sort(key=lambda entry: (entry.started_at, entry.pk), reverse=True)
    return rows[:limit], running
