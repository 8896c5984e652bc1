"""Tasks: the personal "my plan" board (columns the person makes, cards they drag).

CONTRACT (stubs): filled by the boards work. Signatures are fixed.
"""

from __future__ import annotations

__all__ = [
    "plan_column_create",
    "plan_column_rename",
    "plan_column_delete",
    "plan_columns_reorder",
    "plan_card_move",
    "plan_ensure_columns",
]


def plan_ensure_columns(*, actor) -> list:
    raise NotImplementedError


def plan_column_create(*, actor, name: str):
    raise NotImplementedError


def plan_column_rename(*, actor, column, name: str):
    raise NotImplementedError


def plan_column_delete(*, actor, column) -> None:
    raise NotImplementedError


def plan_columns_reorder(*, actor, column_ids: list[int]) -> None:
    raise NotImplementedError


def plan_card_move(*, actor, task, column, position: int):
    raise NotImplementedError
