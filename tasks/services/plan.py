"""Tasks: the personal "my plan" board (columns the person makes, cards they drag).

A board belongs to one person: nobody else reads or changes it, so another person's column answers 404.
Column changes (create, rename, delete) leave an audit row; card moves and column reordering are the
person's own arrangement of their desk and, like marking a notification read, leave none.
Positions are kept dense (0..n-1 per column) by renumbering after each change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import NotAllowed, NotFound

from ..models import PlanCard, PlanColumn, Task

__all__ = [
    "plan_column_create",
    "plan_column_rename",
    "plan_column_delete",
    "plan_columns_reorder",
    "plan_card_move",
    "plan_ensure_columns",
]

# At most this many columns on one board: a board wider than that is no plan any more.
PLAN_COLUMNS_MAX = 20


def plan_default_column_names() -> list[str]:
    """The columns a board starts with (translated into the person's language at creation)."""
    return [_("To do"), _("This week"), _("Today"), _("Done")]


# --- guards ------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _lock_board(actor) -> None:
    """Serialise changes to one person's board (two tabs dragging at once must not interleave)."""
    from django.contrib.auth import get_user_model

    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))


def _require_own_column(actor, column: PlanColumn) -> None:
    if column is None or column.user_id != actor.pk:
        raise NotFound(_("No plan column matches the given query."))
    if not PlanColumn.objects.filter(pk=column.pk, user=actor).exists():
        raise NotFound(_("No plan column matches the given query."))


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the column a name.")]})
    limit = PlanColumn._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError(
            {"name": [_("The name is too long (%(n)d characters at most).") % {"n": limit}]}
        )
    return name


def _columns(actor) -> list[PlanColumn]:
    return list(PlanColumn.objects.filter(user=actor).order_by("position", "id"))


def _renumber_columns(columns: list[PlanColumn]) -> None:
    changed = []
    for index, column in enumerate(columns):
        if column.position != index:
            column.position = index
            changed.append(column)
    if changed:
        PlanColumn.objects.bulk_update(changed, ["position"])


def _renumber_cards(cards: list[PlanCard]) -> None:
    changed = []
    for index, card in enumerate(cards):
        if card.position != index:
            card.position = index
            changed.append(card)
    if changed:
        PlanCard.objects.bulk_update(changed, ["position"])


# --- columns -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_ensure_columns(*, actor) -> list[PlanColumn]:
    """The person's columns in order; on the first visit the board gets "To do", "This week", "Today",
    "Done"."""
    _require_actor(actor)
    columns = _columns(actor)
    if columns:
        return columns
    _lock_board(actor)
    columns = _columns(actor)  # another request may have made them while we waited for the lock
    if columns:
        return columns
    PlanColumn.objects.bulk_create(
        [
            PlanColumn(user=actor, name=name, position=index)
            for index, name in enumerate(plan_default_column_names())
        ]
    )
    return _columns(actor)


@transaction.atomic
def plan_column_create(*, actor, name: str) -> PlanColumn:
    """Add a column at the right end of the person's board."""
    _require_actor(actor)
    name = _clean_name(name)
    _lock_board(actor)
    existing = PlanColumn.objects.filter(user=actor)
    if existing.count() >= PLAN_COLUMNS_MAX:
        raise ValidationError({"name": [_("A board holds %(n)d columns at most.") % {"n": PLAN_COLUMNS_MAX}]})
    last = existing.aggregate(last=Max("position"))["last"]
    column = PlanColumn.objects.create(user=actor, name=name, position=0 if last is None else last + 1)
    audit_record(actor=actor, action="plan.column_create", target=column, changes={"name": name})
    return column


@transaction.atomic
def plan_column_rename(*, actor, column: PlanColumn, name: str) -> PlanColumn:
    """Rename one of the person's columns."""
    _require_actor(actor)
    _require_own_column(actor, column)
    name = _clean_name(name)
    old = column.name
    if old != name:
        column.name = name
        column.save(update_fields=["name"])
        audit_record(actor=actor, action="plan.column_rename", target=column, changes={"name": [old, name]})
    return column


@transaction.atomic
def plan_column_delete(*, actor, column: PlanColumn) -> None:
    """Delete a column; its cards move to the end of the first remaining column. The last column stays."""
    _require_actor(actor)
    _require_own_column(actor, column)
    _lock_board(actor)
    columns = _columns(actor)
    others = [c for c in columns if c.pk != column.pk]
    if not others:
        raise ValidationError({"column": [_("The last column of the board cannot be deleted.")]})
    target = others[0]
    target_cards = list(PlanCard.objects.filter(column=target).order_by("position", "id"))
    moving = list(PlanCard.objects.filter(column=column).order_by("position", "id"))
    for card in moving:
        card.column = target
    if moving:
        PlanCard.objects.bulk_update(moving, ["column"])
    _renumber_cards(target_cards + moving)
    audit_record(
        actor=actor,
        action="plan.column_delete",
        target=column,
        changes={"name": column.name, "cards_moved_to": target, "cards": len(moving)},
    )
    column.delete()
    _renumber_columns(others)


@transaction.atomic
def plan_columns_reorder(*, actor, column_ids: list[int]) -> None:
    """Put the person's columns in the given order (every one of their columns, each once)."""
    _require_actor(actor)
    _lock_board(actor)
    columns = {c.pk: c for c in _columns(actor)}
    try:
        wanted = [int(pk) for pk in column_ids]
    except (TypeError, ValueError):
        wanted = []
    if len(wanted) != len(set(wanted)) or set(wanted) != set(columns):
        raise ValidationError({"column_ids": [_("Send every column of your board once, in the new order.")]})
    _renumber_columns([columns[pk] for pk in wanted])


# --- cards -------------------------------------------------------------------------------------------


@transaction.atomic
def plan_card_move(*, actor, task: Task, column: PlanColumn, position: int) -> PlanCard:
    """Place `task` in `column` at `position` (0 = top; beyond the end = last) on the actor's own board.

    A task the actor may not see and another person's column both answer 404. The positions of the
    source and target columns are renumbered 0..n-1.
    """
    _require_actor(actor)
    _require_own_column(actor, column)
    if task is None or not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound(_("No task matches the given query."))
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise ValidationError({"position": [_("The position must be a whole number.")]}) from None
    if position < 0:
        raise ValidationError({"position": [_("The position cannot be negative.")]})
    _lock_board(actor)

    card = PlanCard.objects.filter(user=actor, task=task).first()
    source_id = card.column_id if card else None
    target_cards = [
        c
        for c in PlanCard.objects.filter(column=column).order_by("position", "id")
        if card is None or c != card
    ]
    position = min(position, len(target_cards))
    if card is None:
        card = PlanCard.objects.create(user=actor, task=task, column=column, position=position)
    elif card.column_id != column.pk:
        card.column = column
        card.save(update_fields=["column"])
    target_cards.insert(position, card)
    _renumber_cards(target_cards)
    if source_id and source_id != column.pk:
        _renumber_cards(list(PlanCard.objects.filter(column_id=source_id).order_by("position", "id")))
    return card
