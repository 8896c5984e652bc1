"""Tasks: reads for the Kanban board (columns by status) and the Gantt chart. Every read starts from the
visible tasks (`task_list`, which applies the one FilterSet of the list pages).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    F,
    QuerySet,
    Window,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber
from django.utils import timezone

from portal.core.permissions import is_portal_admin

from ..choices import TaskRole, TaskStatus
from ..filters import DEFAULT_SORT, SORTS
from ..models import (
    Task,
    TaskLink,
)
from ..permissions import _active, can_change_status, can_reschedule
from .tasks import task_list, task_list_decorate

# Kanban: the columns in their order, how many cards each shows, how long completed tasks stay.
KANBAN_STATUSES: tuple[str, ...] = (
    TaskStatus.NEW,
    TaskStatus.PENDING,
    TaskStatus.IN_PROGRESS,
    TaskStatus.AWAITING_CONTROL,
    TaskStatus.COMPLETED,
    TaskStatus.DEFERRED,
    TaskStatus.DECLINED,
)


KANBAN_COLUMN_CAP = 100


KANBAN_COMPLETED_DAYS = 30


# Gantt: at most this many tasks in one chart (the page says so and asks for a narrower filter).
GANTT_LIMIT = 500


# A bar whose dates come from a single point in time (start only) lasts this long.
GANTT_POINT_SPAN = datetime.timedelta(days=1)


def board_filters(params, *, default_role: str = TaskRole.DO):
    """The filter query of a board: the list page's query string, with the role tab defaulting to "I do".

    `params` is a QueryDict (request.GET) or a dict; a mutable copy is returned (without `page`).
    """
    data = params.copy() if hasattr(params, "copy") else dict(params)
    if not data.get("role"):
        data["role"] = default_role
    data.pop("page", None)
    return data


def _ordering(qs: QuerySet) -> list:
    """The queryset's ordering as expressions (for window functions and re-ordering)."""
    names = list(qs.query.order_by) or list(SORTS[DEFAULT_SORT])
    exprs = []
    for name in names:
        if isinstance(name, str):
            exprs.append(OrderBy(F(name[1:]), descending=True) if name.startswith("-") else OrderBy(F(name)))
        else:
            exprs.append(name)
    return exprs


@dataclass
class KanbanColumn:
    status: str
    label: str
    tasks: list[Task] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.tasks))


def kanban_columns(*, user, filters, cap: int | None = None) -> list[KanbanColumn]:
    """The Kanban columns by status: the filtered visible tasks, at most `cap` cards per column (three
    queries: the cards, their tags, the totals). Completed tasks show for KANBAN_COMPLETED_DAYS days.
    Each task carries `board_movable` (the user may change its status)."""
    cap = cap or KANBAN_COLUMN_CAP
    qs = task_list(user=user, filters=filters, decorate=False)
    cutoff = timezone.now() - datetime.timedelta(days=KANBAN_COMPLETED_DAYS)
    qs = qs.exclude(status=TaskStatus.COMPLETED, completed_at__lt=cutoff)
    order = _ordering(qs)
    totals = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    ranked = qs.annotate(board_rank=Window(RowNumber(), partition_by=[F("status")], order_by=order)).filter(
        board_rank__lte=cap
    )
    columns = {
        status: KanbanColumn(status=status, label=TaskStatus(status).label, total=totals.get(status, 0))
        for status in KANBAN_STATUSES
    }
    for task in task_list_decorate(ranked.order_by(*order), user=user):
        task.board_movable = can_change_status(user, task)
        columns[task.status].tasks.append(task)
    return list(columns.values())


@dataclass
class GanttData:
    rows: list[Task]  # depth-first: each parent followed by its subtasks
    unscheduled: list[Task]
    links: list[TaskLink]
    truncated: bool
    limit: int


def _span(task: Task) -> tuple[datetime.datetime, datetime.datetime, bool] | None:
    """(start, end, from_fallback): planned dates; else creation and deadline; None without any date."""
    start, end = task.planned_start, task.planned_end
    if start and end:
        return start, end, False
    if start:
        deadline = task.deadline if task.deadline and task.deadline > start else None
        return start, deadline or start + GANTT_POINT_SPAN, bool(deadline)
    end = end or task.deadline
    if end:
        begin = task.created_at if task.created_at and task.created_at < end else end - GANTT_POINT_SPAN
        return begin, end, True
    return None


def gantt_progress(task: Task) -> int:
    """Percent done: 100 when completed, else the subtasks' share, else the checklist's."""
    if task.status == TaskStatus.COMPLETED:
        return 100
    if task.subtasks_count:
        return task.subtasks_progress
    if task.checklist_count:
        return round(100 * task.checklist_done / task.checklist_count)
    return 0


# What a bar shows (`views.boards.gantt_task_json`): never the description or the search text (large), and of
# the responsible person only what names them.
GANTT_ONLY = (
    "id", "title", "status", "creator_id", "responsible_id", "parent_id", "deadline", "planned_start",
    "planned_end", "created_at", "schedule_conflict", "subtasks_count", "subtasks_done", "checklist_count",
    "checklist_done", "responsible__id", "responsible__first_name", "responsible__last_name",
    "responsible__email",
)  # fmt: skip


def _rescheduler(user):
    """`can_reschedule(user, task)` for many tasks: whether the user is active and an admin is asked once."""
    if not _active(user):
        return lambda task: False
    if is_portal_admin(user):
        return lambda task: True
    uid = user.pk
    return lambda task: task.creator_id == uid or task.responsible_id == uid


def gantt_data(*, user, filters, limit: int | None = None) -> GanttData:
    """The Gantt chart of the filtered visible tasks (at most `limit`): two queries, tasks and links.

    Each row carries `gantt_start`, `gantt_end`, `gantt_fallback` (dates from creation/deadline),
    `gantt_summary` (a parent without dates spans its subtasks), `gantt_depth`, `gantt_dependencies`
    (ids of the predecessors in the chart) and `gantt_editable`.
    """
    limit = limit or GANTT_LIMIT
    qs = task_list(user=user, filters=filters, decorate=False).select_related("responsible").only(*GANTT_ONLY)
    if not (filters and filters.get("sort") in SORTS):
        qs = qs.order_by(
            F("planned_start").asc(nulls_last=True), F("deadline").asc(nulls_last=True), "created_at", "id"
        )
    tasks = list(qs[: limit + 1])
    truncated = len(tasks) > limit
    tasks = tasks[:limit]
    by_id = {task.pk: task for task in tasks}
    links = [
        link
        for link in TaskLink.objects.filter(successor_id__in=list(by_id)).order_by("id")
        if link.predecessor_id in by_id
    ]

    children: dict[int | None, list[Task]] = {}
    editable = _rescheduler(user)
    for task in tasks:
        parent = task.parent_id if task.parent_id in by_id else None
        children.setdefault(parent, []).append(task)
        task.gantt_dependencies = []
        task.gantt_editable = editable(task)
        span = _span(task)
        task.gantt_summary = False
        if span:
            task.gantt_start, task.gantt_end, task.gantt_fallback = span
        else:
            task.gantt_start = task.gantt_end = None
            task.gantt_fallback = False
    for link in links:
        by_id[link.successor_id].gantt_dependencies.append(link.predecessor_id)

    # A parent without dates spans its scheduled subtasks (post-order over the tree in the chart).
    def summarise(task: Task, seen: set[int]) -> None:
        for child in children.get(task.pk, []):
            if child.pk not in seen:
                seen.add(child.pk)
                summarise(child, seen)
        if task.gantt_start is None:
            spans = [(c.gantt_start, c.gantt_end) for c in children.get(task.pk, []) if c.gantt_start]
            if spans:
                task.gantt_start = min(s for s, _ in spans)
                task.gantt_end = max(e for _, e in spans)
                task.gantt_summary = True

    seen: set[int] = set()
    for root in children.get(None, []):
        seen.add(root.pk)
        summarise(root, seen)

    def sort_key(task: Task):
        return (task.gantt_start is None, task.gantt_start or task.created_at, task.pk)

    rows: list[Task] = []
    unscheduled: list[Task] = []
    stack = [(task, 0) for task in sorted(children.get(None, []), key=sort_key, reverse=True)]
    placed: set[int] = set()
    while stack:
        task, depth = stack.pop()
        if task.pk in placed:
            continue
        placed.add(task.pk)
        task.gantt_depth = depth
        (rows if task.gantt_start is not None else unscheduled).append(task)
        for child in sorted(children.get(task.pk, []), key=sort_key, reverse=True):
            stack.append((child, depth + 1))
    # Dependencies may only point at bars that are drawn.
    drawn = {task.pk for task in rows}
    for task in rows:
        task.gantt_dependencies = [pk for pk in task.gantt_dependencies if pk in drawn]
    return GanttData(
        rows=rows,
        unscheduled=unscheduled,
        links=[link for link in links if link.predecessor_id in drawn and link.successor_id in drawn],
        truncated=truncated,
        limit=limit,
    )


def gantt_tasks(*, user, ids) -> list[Task]:
    """Tasks by id that the user may see, ready to be sent to the chart (one query)."""
    qs = Task.objects.visible_to(user).filter(pk__in=list(ids)).select_related("responsible").order_by("id")
    tasks = list(qs)
    for task in tasks:
        task.gantt_editable = can_reschedule(user, task)
        task.gantt_summary = False
        span = _span(task)
        task.gantt_start, task.gantt_end, task.gantt_fallback = span if span else (None, None, False)
    return tasks
