"""Tasks: the task's life cycle, people, rules, hierarchy, links and rescheduling, bulk changes.

CONTRACT (stubs): filled by the core-services work. Signatures are fixed; other modules call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..choices import DependantsPolicy, LinkKind, TaskPriority

UNSET: object = object()

__all__ = [
    "UNSET",
    "BulkResult",
    "TRANSITIONS",
    "task_create",
    "task_update",
    "task_set_members",
    "task_delete",
    "task_transition",
    "task_set_status",
    "task_move",
    "task_reschedule",
    "link_create",
    "link_delete",
    "tasks_bulk_update",
    "task_mark_seen",
    "task_search_text_refresh",
]

# action -> (statuses it may start from, status it leads to); "complete" leads to awaiting_control when the
# task requires control. Filled by the core work.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {}


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # task id -> why


def task_create(
    *,
    actor,
    title: str,
    responsible,
    description: str = "",
    participants=(),
    observers=(),
    deadline=None,
    planned_start=None,
    planned_end=None,
    priority: str = TaskPriority.NORMAL,
    group=None,
    parent=None,
    tags=(),
    checklist=(),
    allow_change_deadline: bool = False,
    requires_control: bool = False,
    deadline_in_work_hours: bool = False,
    time_estimate: int | None = None,
    source=None,
    template=None,
):
    raise NotImplementedError


def task_update(*, actor, task, dependants: str = DependantsPolicy.SHIFT, **fields):
    raise NotImplementedError


def task_set_members(*, actor, task, participants=None, observers=None):
    raise NotImplementedError


def task_delete(*, actor, task) -> None:
    raise NotImplementedError


def task_transition(*, actor, task, action: str, comment: str = "", open_subtasks: str | None = None):
    raise NotImplementedError


def task_set_status(*, actor, task, status: str, comment: str = "", open_subtasks: str | None = None):
    raise NotImplementedError


def task_move(*, actor, task, parent):
    raise NotImplementedError


def task_reschedule(
    *,
    actor,
    task,
    planned_start=UNSET,
    planned_end=UNSET,
    deadline=UNSET,
    dependants: str = DependantsPolicy.SHIFT,
):
    raise NotImplementedError


def link_create(*, actor, predecessor, successor, kind: str = LinkKind.FINISH_TO_START):
    raise NotImplementedError


def link_delete(*, actor, link) -> None:
    raise NotImplementedError


def tasks_bulk_update(
    *, actor, tasks, responsible=UNSET, deadline=UNSET, status=UNSET, add_tags=(), remove_tags=()
) -> BulkResult:
    raise NotImplementedError


def task_mark_seen(*, user, task) -> None:
    raise NotImplementedError


def task_search_text_refresh(*, task_ids) -> None:
    raise NotImplementedError
