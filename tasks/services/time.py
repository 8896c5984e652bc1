"""Tasks: time tracking (timers, manual entries), templates, recurrence and the deadline sweep.

CONTRACT (stubs): filled by the time/templates work. Signatures are fixed; other modules call them.
"""

from __future__ import annotations

from .core import UNSET

__all__ = [
    "timer_start",
    "timer_stop",
    "time_entry_add",
    "time_entry_update",
    "time_entry_delete",
    "template_create",
    "template_update",
    "template_delete",
    "task_from_template",
    "templates_run_due",
    "deadlines_sweep",
    "task_numbers_rebuild",
]


def timer_start(*, actor, task):
    raise NotImplementedError


def timer_stop(*, actor):
    raise NotImplementedError


def time_entry_add(*, actor, task, seconds: int, started_at=None, comment: str = ""):
    raise NotImplementedError


def time_entry_update(*, actor, entry, seconds=UNSET, comment=UNSET):
    raise NotImplementedError


def time_entry_delete(*, actor, entry) -> None:
    raise NotImplementedError


def template_create(*, actor, title: str, **fields):
    raise NotImplementedError


def template_update(*, actor, template, **fields):
    raise NotImplementedError


def template_delete(*, actor, template) -> None:
    raise NotImplementedError


def task_from_template(*, actor, template, now=None):
    raise NotImplementedError


def templates_run_due(*, now=None) -> int:
    raise NotImplementedError


def deadlines_sweep(*, now=None) -> int:
    raise NotImplementedError


def task_numbers_rebuild(*, task_ids=None) -> int:
    raise NotImplementedError
