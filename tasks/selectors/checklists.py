"""Tasks: reads of a task's checklist."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    ChecklistItem,
    Task,
)


def checklist_items(*, task: Task) -> QuerySet[ChecklistItem]:
    """The checklist of a task already checked as visible."""
    return (
        ChecklistItem.objects.filter(task=task)
        .select_related("assignee", "done_by")
        .order_by("position", "id")
    )


def checklist_item_get(*, user, pk) -> ChecklistItem:
    return get_visible(ChecklistItem.objects.visible_to(user).select_related("task"), pk=pk)
