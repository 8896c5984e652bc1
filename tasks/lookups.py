"""The picker's lookup sources of tasks (portal/core/pickers.py): tasks by title or number (the parent and
the links of a task) and tag names (the task form's tags).

Both start from `visible_to(user)`: a task or a tag the user may not see never appears, and each answer is
one query. Titles match as one types (every word a case-insensitive substring, or `#123` / `123` for a
number), open tasks first, then the newest.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext

from portal.core.pickers import LookupItem, int_values

from .choices import CLOSED_STATUSES
from .models import Tag, Task

MAX_WORDS = 6


def _task_item(task) -> LookupItem:
    hint = f"#{task.pk} · {task.get_status_display()}"
    return LookupItem("tasks", str(task.pk), task.title, hint)


def tasks_search(*, user, query: str, limit: int) -> list[LookupItem]:
    query = (query or "").strip()
    if not query:
        return []
    words = query.split()[:MAX_WORDS]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word)
    number = int_values([query]) if len(words) == 1 else []
    if number:
        condition |= Q(pk=number[0])
    qs = (
        Task.objects.visible_to(user)
        .filter(condition)
        .annotate(
            closed=Case(
                When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("closed", "-created_at", "-id")
        .only("id", "title", "status", "created_at")
    )
    return [_task_item(task) for task in qs[:limit]]


def tasks_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {t.pk: t for t in Task.objects.visible_to(user).filter(pk__in=ids).only("id", "title", "status")}
    return [_task_item(found[pk]) for pk in ids if pk in found]


def _tag_item(name: str, shared: bool) -> LookupItem:
    return LookupItem("tags", name, name, gettext("shared in a group") if shared else "")


def tags_search(*, user, query: str, limit: int) -> list[LookupItem]:
    """Names of the tags the user may use, matching `query` (all of them, by name, with no words)."""
    query = (query or "").strip()
    qs = Tag.objects.visible_to(user)
    if query:
        qs = qs.filter(name__icontains=query)
    items: dict[str, LookupItem] = {}
    for name, group_id in qs.order_by("name", "id").values_list("name", "group_id")[: limit * 2]:
        items.setdefault(name.casefold(), _tag_item(name, bool(group_id)))
    return list(items.values())[:limit]


def tags_resolve(*, user, values) -> list[LookupItem]:
    """Tag names are what the form takes: a name chosen is shown as it is (a new one becomes a tag)."""
    return [_tag_item(str(value), False) for value in values]
