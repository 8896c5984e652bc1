"""Tasks: a task's change history (its audit rows), with the values the reader may not see redacted."""

from __future__ import annotations

from portal.core.permissions import is_portal_admin

from ..models import (
    Tag,
    Task,
)
from ..permissions import _active


def task_history(*, task: Task, user=None, limit: int = 200):
    """The change history of a task: its audit rows, newest first. With `user`, as that person may read it
    (see `history_redact`): pages and the API pass the viewer."""
    from django.contrib.contenttypes.models import ContentType

    from portal.core.models import AuditLog

    rows = (
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    return rows if user is None else history_redact(rows, user=user, task=task)


# Keys of history rows whose values name another task ({"id", "repr"}), and the key that names tags.
HISTORY_TASK_KEYS = frozenset({"parent", "predecessor", "successor", "after"})


HISTORY_TAG_KEY = "tags"


def history_tag_ref(tag: Tag) -> dict:
    """How a history row names a tag: with its owner or group, so that readers are shown only the tags they
    may see (`history_redact`)."""
    return {"id": tag.pk, "repr": tag.name, "owner": tag.owner_id, "group": tag.group_id}


def _each_value(value):
    """The values of one change: an [old, new] pair gives both, anything else itself."""
    return value if isinstance(value, list) else [value]


def _tag_values(action: str, value) -> list:
    """The recorded tag values of a row: a creation records one list, a change an [old, new] pair."""
    if value is None:
        return []
    if action == "task.create" or not isinstance(value, list):
        return [value]
    return value


def _tag_items(value) -> list:
    """The tag names or refs of one recorded value: a list (refs or names) or, in older rows, a text of
    comma-separated names."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value) if isinstance(value, list) else []


class _HistoryReader:
    """What one person may read of history rows; answers from at most three queries made up front."""

    def __init__(self, rows: list, *, user, task: Task | None) -> None:
        from portal.groups.models import Membership

        self.everything = is_portal_admin(user)
        self.user_id = user.pk
        self.own_task = task.pk if task is not None else None
        task_ids, group_ids, names = set(), set(), set()
        for row in rows:
            changes = row.changes if isinstance(row.changes, dict) else {}
            for key in HISTORY_TASK_KEYS & set(changes):
                for value in _each_value(changes[key]):
                    if isinstance(value, dict) and isinstance(value.get("id"), int):
                        task_ids.add(value["id"])
            for value in _tag_values(row.action, changes.get(HISTORY_TAG_KEY)):
                for item in _tag_items(value):
                    if isinstance(item, dict) and item.get("group"):
                        group_ids.add(item["group"])
                    elif isinstance(item, str):
                        names.add(item)
        task_ids.discard(self.own_task)
        self.tasks: set[int] = set()
        # The page's task comes from `task_get`, which already knows whether its parent is visible.
        parent_visible = getattr(task, "parent_visible", None)
        if task is not None and task.parent_id in task_ids and parent_visible is not None:
            task_ids.discard(task.parent_id)
            if parent_visible:
                self.tasks.add(task.parent_id)
        self.groups: set[int] = set()
        self.names: set[str] = set()
        if self.everything:
            return
        if task_ids:
            visible = Task.objects.visible_to(user).filter(pk__in=task_ids)
            self.tasks |= set(visible.values_list("pk", flat=True))
        if group_ids:
            member = Membership.objects.filter(user=user, group_id__in=group_ids)
            self.groups = set(member.values_list("group_id", flat=True))
        if names:
            # Older rows name tags without their owner: only names of tags the reader has themselves show.
            visible_tags = Tag.objects.visible_to(user).filter(name__in=names)
            self.names = set(visible_tags.values_list("name", flat=True))

    def task_ref(self, value):
        if not (isinstance(value, dict) and isinstance(value.get("id"), int)):
            return value
        if self.everything or value["id"] == self.own_task or value["id"] in self.tasks:
            return value
        return {"id": value["id"], "visible": False}

    def tag_allowed(self, item) -> bool:
        if self.everything:
            return True
        if isinstance(item, dict):
            return item.get("owner") == self.user_id or item.get("group") in self.groups
        return item in self.names

    def tags(self, value):
        kept = [item for item in _tag_items(value) if self.tag_allowed(item)]
        return ", ".join(kept) if isinstance(value, str) else kept


def history_redact(rows, *, user, task: Task | None = None) -> list:
    """History rows as `user` may read them (a list; the rows' `changes` are replaced in memory only).

    Another task the reader may not see is named only by its id, as `{"id": .., "visible": false}` (a link,
    a parent, the task whose move shifted this one); tags the reader may not see (someone else's personal
    tags, a group's they are not in) are left out, and a row with nothing left to show goes. At most three
    queries, none when no row names another task or a tag. `task` is the task the rows are about; loaded by
    `task_get` for the same `user`, its `parent_visible` mark spares the query about its parent.
    """
    rows = list(rows)
    if not _active(user):
        return []
    reader = _HistoryReader(rows, user=user, task=task)
    out = []
    for row in rows:
        changes = row.changes if isinstance(row.changes, dict) else {}
        redacted = {}
        for key, value in changes.items():
            if key in HISTORY_TASK_KEYS:
                value = (
                    [reader.task_ref(v) for v in value] if isinstance(value, list) else reader.task_ref(value)
                )
            elif key == HISTORY_TAG_KEY and value is not None:
                if row.action == "task.create" or not isinstance(value, list):
                    value = reader.tags(value)
                else:
                    value = [reader.tags(v) for v in value]
                    if len(value) == 2 and value[0] == value[1]:
                        continue  # only tags the reader may not see changed
            redacted[key] = value
        if changes and not redacted:
            continue
        row.changes = redacted
        out.append(row)
    return out
