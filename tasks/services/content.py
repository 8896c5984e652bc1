"""Tasks: checklist, comments, files and tags.

CONTRACT (stubs): filled by the content-services work. Signatures are fixed; other modules call them.
"""

from __future__ import annotations

from .core import UNSET

__all__ = [
    "checklist_item_add",
    "checklist_item_update",
    "checklist_item_toggle",
    "checklist_item_delete",
    "checklist_reorder",
    "comment_add",
    "comment_edit",
    "comment_delete",
    "file_attach",
    "file_delete",
    "tag_create",
    "tag_rename",
    "tag_merge",
    "tag_delete",
    "tags_resolve",
    "task_set_tags",
]


def checklist_item_add(*, actor, task, text: str, assignee=None):
    raise NotImplementedError


def checklist_item_update(*, actor, item, text=UNSET, assignee=UNSET):
    raise NotImplementedError


def checklist_item_toggle(*, actor, item, done: bool | None = None):
    raise NotImplementedError


def checklist_item_delete(*, actor, item) -> None:
    raise NotImplementedError


def checklist_reorder(*, actor, task, item_ids: list[int]) -> None:
    raise NotImplementedError


def comment_add(*, actor, task, body: str):
    raise NotImplementedError


def comment_edit(*, actor, comment, body: str):
    raise NotImplementedError


def comment_delete(*, actor, comment) -> None:
    raise NotImplementedError


def file_attach(*, actor, task, upload):
    raise NotImplementedError


def file_delete(*, actor, file) -> None:
    raise NotImplementedError


def tag_create(*, actor, name: str, group=None):
    raise NotImplementedError


def tag_rename(*, actor, tag, name: str):
    raise NotImplementedError


def tag_merge(*, actor, source, target):
    raise NotImplementedError


def tag_delete(*, actor, tag) -> None:
    raise NotImplementedError


def tags_resolve(*, actor, names, group=None) -> list:
    raise NotImplementedError


def task_set_tags(*, actor, task, tags) -> None:
    raise NotImplementedError
