"""Tasks: the compute functions of the task counters (see TASK_COUNTERS in apps.py).

Each is `compute(user_ids) -> {user_id: value}` from live data, grouped by person in the database: a
constant number of queries whatever the number of ids (one each, three for unseen comments). Services
schedule recounts of the people a change concerns; `deadlines_sweep` recounts the people whose deadlines
crossed "now" or "now + 24 h"; the nightly rebuild runs these same functions.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils import timezone

from .choices import TaskStatus
from .models import Task, TaskComment, TaskView

DUE_SOON = datetime.timedelta(hours=24)


def _count_by(qs: QuerySet, field: str) -> dict[int, int]:
    return dict(qs.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))


def _responsible_open(user_ids: list[int]) -> QuerySet[Task]:
    """Tasks the person still has to act on as responsible: a task they completed that waits for its
    creator's control is no longer theirs to finish (it counts in the creator's `awaiting_control`)."""
    return Task.objects.running().filter(responsible_id__in=list(user_ids))


def overdue(user_ids: list[int]) -> dict[int, int]:
    """Running tasks the person is responsible for whose deadline has passed."""
    return _count_by(_responsible_open(user_ids).filter(deadline__lt=timezone.now()), "responsible_id")


def awaiting_control(user_ids: list[int]) -> dict[int, int]:
    """Tasks waiting for the person (their creator) to accept or return them."""
    qs = Task.objects.filter(creator_id__in=list(user_ids), status=TaskStatus.AWAITING_CONTROL)
    return _count_by(qs, "creator_id")


def no_deadline(user_ids: list[int]) -> dict[int, int]:
    """Running tasks the person is responsible for that have no deadline."""
    return _count_by(_responsible_open(user_ids).filter(deadline__isnull=True), "responsible_id")


def due_soon(user_ids: list[int]) -> dict[int, int]:
    """Running tasks the person is responsible for due within the next 24 hours (not yet overdue)."""
    now = timezone.now()
    qs = _responsible_open(user_ids).filter(deadline__gte=now, deadline__lt=now + DUE_SOON)
    return _count_by(qs, "responsible_id")


def _unseen(comments: QuerySet[TaskComment], person: str, user_ids: list[int]) -> dict[int, int]:
    """Comments of `comments` (annotated with the person as `person`) by others, not yet seen by them."""
    seen = TaskView.objects.filter(
        user_id=OuterRef(person), task_id=OuterRef("task_id"), seen_at__gte=OuterRef("created_at")
    )
    qs = (
        comments.filter(**{f"{person}__in": user_ids})
        .exclude(author_id=F(person))
        .filter(~Exists(seen))
        .order_by()
        .values(person)
        .annotate(n=Count("id"))
        .values_list(person, "n")
    )
    return dict(qs)


def unseen_comments(user_ids: list[int]) -> dict[int, int]:
    """Comments by others in the person's tasks (creator, responsible, participant or observer) written
    after the person last looked at the task (all of them when they never did).

    Three disjoint roles, so a person who is both creator and responsible counts a comment once: as
    creator; as responsible of a task they did not create; as member of a task they neither created nor
    are responsible for.
    """
    ids = list(user_ids)
    totals: dict[int, int] = {}
    as_creator = TaskComment.objects.annotate(person=F("task__creator_id"))
    as_responsible = TaskComment.objects.annotate(person=F("task__responsible_id")).exclude(
        task__creator_id=F("task__responsible_id")
    )
    # One row per (comment, member of its task): the join names the member as `person`.
    as_member = (
        TaskComment.objects.annotate(person=F("task__members__user_id"))
        .exclude(task__creator_id=F("person"))
        .exclude(task__responsible_id=F("person"))
    )
    for comments in (as_creator, as_responsible, as_member):
        for user_id, n in _unseen(comments, "person", ids).items():
            totals[user_id] = totals.get(user_id, 0) + n
    return totals


COMPUTE = {
    "tasks.overdue": overdue,
    "tasks.awaiting_control": awaiting_control,
    "tasks.unseen_comments": unseen_comments,
    "tasks.no_deadline": no_deadline,
    "tasks.due_soon": due_soon,
}
