"""Tasks: reads of a task's comments."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    Task,
    TaskComment,
)


def comment_list(*, task: Task) -> QuerySet[TaskComment]:
    return TaskComment.objects.filter(task=task).select_related("author").order_by("created_at", "id")


def comment_get(*, user, pk) -> TaskComment:
    return get_visible(TaskComment.objects.visible_to(user).select_related("task", "author"), pk=pk)
