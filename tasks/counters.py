"""Tasks: the compute functions of the task counters (see TASK_COUNTERS in apps.py).

Each is `compute(user_ids) -> {user_id: value}` from live data in a constant number of queries.
CONTRACT (stubs): filled by the time/counters work.
"""

from __future__ import annotations


def overdue(user_ids: list[int]) -> dict[int, int]:
    return {}


def awaiting_control(user_ids: list[int]) -> dict[int, int]:
    return {}


def unseen_comments(user_ids: list[int]) -> dict[int, int]:
    return {}


def no_deadline(user_ids: list[int]) -> dict[int, int]:
    return {}


def due_soon(user_ids: list[int]) -> dict[int, int]:
    return {}


COMPUTE = {
    "tasks.overdue": overdue,
    "tasks.awaiting_control": awaiting_control,
    "tasks.unseen_comments": unseen_comments,
    "tasks.no_deadline": no_deadline,
    "tasks.due_soon": due_soon,
}
