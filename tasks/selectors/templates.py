"""Tasks: reads of task templates."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    TaskTemplate,
)


def template_list(*, user) -> QuerySet[TaskTemplate]:
    return (
        TaskTemplate.objects.visible_to(user)
        .filter(parent__isnull=True)
        .select_related("responsible", "group")
    )


def template_get(*, user, pk) -> TaskTemplate:
    return get_visible(TaskTemplate.objects.visible_to(user), pk=pk)
