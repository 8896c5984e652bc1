"""Tasks: reads for "my plan", a person's own board of columns."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
)
from django.utils import timezone

from portal.core.permissions import get_visible

from ..choices import CLOSED_STATUSES, MemberRole
from ..models import (
    PlanCard,
    PlanColumn,
    Task,
    TaskMember,
)
from .tasks import visible_tags_prefetch

# My plan: closed tasks leave the board this long after closing; a board shows at most this many cards.
PLAN_CLOSED_SHOWN_DAYS = 14


PLAN_CARDS_MAX = 500


PLAN_UNPLACED_MAX = 200


@dataclass
class PlanBoardColumn:
    column: PlanColumn
    cards: list[Task] = field(default_factory=list)


def plan_column_get(*, user, pk) -> PlanColumn:
    """One column of the user's own board (another person's column answers 404 like a missing one)."""
    if not (user and user.is_authenticated):
        return get_visible(PlanColumn.objects.none(), pk=pk)
    return get_visible(PlanColumn.objects.filter(user=user), pk=pk)


def plan_board(*, user, columns: list[PlanColumn]) -> list[PlanBoardColumn]:
    """The user's "my plan" board: the placed cards of visible tasks in their columns and order, then,
    in the first column, the user's open tasks (responsible or participant) not placed yet.

    Each task carries `plan_placed` (it has a card). Closed tasks leave the board PLAN_CLOSED_SHOWN_DAYS
    days after closing. Four queries whatever the number of cards.
    """
    board = [PlanBoardColumn(column=column) for column in columns]
    if not board:
        return board
    by_column = {entry.column.pk: entry for entry in board}
    visible = Task.objects.visible_to(user)
    cutoff = timezone.now() - datetime.timedelta(days=PLAN_CLOSED_SHOWN_DAYS)
    closed_long_ago = Q(task__status__in=CLOSED_STATUSES) & (
        Q(task__completed_at__lt=cutoff) | Q(task__completed_at__isnull=True, task__updated_at__lt=cutoff)
    )
    cards = (
        PlanCard.objects.filter(user=user, column_id__in=list(by_column), task__in=visible)
        .exclude(closed_long_ago)
        .select_related("task", "task__responsible")
        .prefetch_related(visible_tags_prefetch(user, "task__tags"))
        .order_by("column_id", "position", "id")[:PLAN_CARDS_MAX]
    )
    for card in cards:
        card.task.plan_placed = True
        by_column[card.column_id].cards.append(card.task)

    participant = TaskMember.objects.filter(task=OuterRef("pk"), user=user, role=MemberRole.PARTICIPANT)
    placed = PlanCard.objects.filter(user=user, task=OuterRef("pk"))
    unplaced = (
        visible.open()
        .filter(Q(responsible=user) | Q(Exists(participant)))
        .exclude(Exists(placed))
        .select_related("responsible")
        .prefetch_related(visible_tags_prefetch(user))
        .order_by(F("deadline").asc(nulls_last=True), "-id")[:PLAN_UNPLACED_MAX]
    )
    for task in unplaced:
        task.plan_placed = False
        board[0].cards.append(task)
    return board
