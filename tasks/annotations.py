"""Where a task came from, shown where it came from: "Task: <title>" under the chat message or stream post a
task was made from (registered in TasksConfig.ready with the chat and stream annotation registries)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors


def _notes(user, model, objects) -> dict[int, list[tuple[str, str]]]:
    """One query for the whole page: the visible tasks whose source is one of `objects`."""
    result: dict[int, list[tuple[str, str]]] = {}
    ids = [obj.pk for obj in objects]
    for task in selectors.tasks_from_sources(user=user, model=model, ids=ids):
        label = _("Task: %(title)s") % {"title": task.title}
        result.setdefault(int(task.source_id), []).append((label, task.get_absolute_url()))
    return result


def tasks_made_from_messages(user, messages) -> dict[int, list[tuple[str, str]]]:
    from portal.chat.models import Message

    return _notes(user, Message, messages)


def tasks_made_from_entries(user, entries) -> dict[int, list[tuple[str, str]]]:
    from portal.stream.models import Entry

    return _notes(user, Entry, entries)


def create_from_entry_url(entry) -> str:
    return reverse("tasks:create") + f"?from_entry={entry.pk}"


def entry_can_become_task(user, entry) -> bool:
    """Posts (not events other apps published) offer "Create a task"; the form checks visibility again."""
    return not entry.is_event
