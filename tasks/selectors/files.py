"""Tasks: reads of a task's files."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    Task,
    TaskFile,
)


def file_list(*, task: Task) -> QuerySet[TaskFile]:
    return TaskFile.objects.filter(task=task).select_related("uploaded_by")


def file_get(*, user, pk) -> TaskFile:
    return get_visible(TaskFile.objects.visible_to(user).select_related("task"), pk=pk)
