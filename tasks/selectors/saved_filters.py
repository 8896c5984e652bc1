"""Tasks: reads of a person's saved filters of the list pages."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from portal.core.permissions import get_visible

from ..models import (
    SavedFilter,
)
from ..permissions import _active


def saved_filter_list(*, user) -> QuerySet[SavedFilter]:
    if not _active(user):
        return SavedFilter.objects.none()
    return SavedFilter.objects.filter(user=user).order_by("name", "id")


def saved_filter_get(*, user, pk) -> SavedFilter:
    return get_visible(saved_filter_list(user=user), pk=pk)
