"""Tasks: reads for the Kanban board (columns by status) and the Gantt chart. Every read starts from the
visible tasks (`task_list`, which applies the one FilterSet of the list pages).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber
from django.utils import timezone

from portal.core.permissions import is_portal_admin
from portal.people.models import headed_path

from ..choices import CLOSED_STATUSES, TaskRole, TaskStatus
from ..filters import DEFAULT_SORT, SORTS, TaskFilterSet
from ..models import (
    Task,
    TaskLink,
)
from ..permissions import _active, can_change_status
from .tasks import task_list, visible_tags_prefetch

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


# Cards a column shows at first; "more" loads the next as many (`kanban_page`).
KANBAN_COLUMN_CAP = 30


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


# What a card shows (`views.boards.kanban_card_html`): never the description or the search text (large), and
# of the responsible person only what names them and draws the avatar.
KANBAN_ONLY = (
    "id", "title", "status", "priority", "deadline", "creator_id", "responsible_id", "subtasks_count",
    "subtasks_done", "responsible__id", "responsible__first_name", "responsible__last_name",
    "responsible__email", "responsible__photo",
)  # fmt: skip


@dataclass
class KanbanColumn:
    status: str
    label: str
    tasks: list[Task] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.tasks))


def kanban_base(*, user, filters, team: bool = False) -> QuerySet[Task]:
    """The tasks of a Kanban board: the filtered visible tasks (`task_list`), without completed tasks older than
    KANBAN_COMPLETED_DAYS days. `team`: only tasks whose responsible person works in the department `user` heads
    or one under it (nothing for someone who heads no department), the viewer's own tasks left out; the role
    filter is then "all", so what a head sees of their people is exactly what `Task.objects.visible_to` allows."""
    if team:
        filters = filters.copy() if hasattr(filters, "copy") else dict(filters or {})
        filters["role"] = TaskRole.ALL
    qs = task_list(user=user, filters=filters, decorate=False)
    if team:
        path = headed_path(user)
        if not path:
            return qs.none()
        qs = qs.filter(responsible__department__path__startswith=path).exclude(responsible=user)
    cutoff = timezone.now() - datetime.timedelta(days=KANBAN_COMPLETED_DAYS)
    return qs.exclude(status=TaskStatus.COMPLETED, completed_at__lt=cutoff)


def _kanban_cards(qs: QuerySet[Task], user, order) -> QuerySet[Task]:
    """What a card reads: its responsible person and the tags the viewer may see (two queries)."""
    return (
        qs.order_by(*order)
        .select_related("responsible")
        .only(*KANBAN_ONLY)
        .prefetch_related(visible_tags_prefetch(user))
    )


def kanban_columns(*, user, filters, cap: int | None = None, team: bool = False) -> list[KanbanColumn]:
    """The Kanban columns by status: the board's tasks (`kanban_base`), at most `cap` cards per column (three
    queries: the cards, their tags, the totals); the others load on demand (`kanban_page`). Each task carries
    `board_movable` (the user may change its status)."""
    cap = cap or KANBAN_COLUMN_CAP
    qs = kanban_base(user=user, filters=filters, team=team)
    order = _ordering(qs)
    totals = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    ranked = qs.annotate(board_rank=Window(RowNumber(), partition_by=[F("status")], order_by=order)).filter(
        board_rank__lte=cap
    )
    columns = {
        status: KanbanColumn(status=status, label=TaskStatus(status).label, total=totals.get(status, 0))
        for status in KANBAN_STATUSES
    }
    for task in _kanban_cards(ranked, user, order):
        task.board_movable = can_change_status(user, task)
        columns[task.status].tasks.append(task)
    return list(columns.values())


@dataclass
class KanbanLane:
    """One swimlane of a project board: the tasks of one responsible person, in columns by status."""

    person: object
    columns: list[KanbanColumn]

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)


def kanban_lanes(*, user, filters, cap: int | None = None, team: bool = False) -> list[KanbanLane]:
    """The Kanban in swimlanes by responsible person (a project board: `?group=<id>&swimlanes=responsible`):
    at most `cap` cards per person and status, people by name (three queries, whatever the number of lanes)."""
    cap = cap or KANBAN_COLUMN_CAP
    qs = kanban_base(user=user, filters=filters, team=team)
    order = _ordering(qs)
    totals: dict[tuple[int, str], int] = {
        (person, status): n
        for person, status, n in qs.order_by().values_list("responsible_id", "status").annotate(n=Count("id"))
    }
    ranked = qs.annotate(
        board_rank=Window(RowNumber(), partition_by=[F("responsible_id"), F("status")], order_by=order)
    ).filter(board_rank__lte=cap)
    lanes: dict[int, KanbanLane] = {}
    for task in _kanban_cards(ranked, user, order):
        task.board_movable = can_change_status(user, task)
        lane = lanes.get(task.responsible_id)
        if lane is None:
            lane = lanes[task.responsible_id] = KanbanLane(
                person=task.responsible,
                columns=[
                    KanbanColumn(
                        status=status,
                        label=TaskStatus(status).label,
                        total=totals.get((task.responsible_id, status), 0),
                    )
                    for status in KANBAN_STATUSES
                ],
            )
        lane.columns[KANBAN_STATUSES.index(task.status)].tasks.append(task)
    return sorted(lanes.values(), key=lambda lane: (str(lane.person).casefold(), lane.person.pk))


def kanban_page(
    *, user, filters, status: str, offset: int, limit: int | None = None, team: bool = False, person=None
) -> tuple[list[Task], int]:
    """The next cards of one column (or one swimlane's cell when `person` is given) after the first `offset`,
    in the board's order, and how many are left after them (three queries)."""
    limit = limit or KANBAN_COLUMN_CAP
    qs = kanban_base(user=user, filters=filters, team=team).filter(status=status)
    if person is not None:
        qs = qs.filter(responsible_id=person)
    order = _ordering(qs)
    total = qs.order_by().count()
    tasks = list(_kanban_cards(qs, user, order)[offset : offset + limit])
    for task in tasks:
        task.board_movable = can_change_status(user, task)
    return tasks, max(0, total - offset - len(tasks))


@dataclass
class GanttData:
    rows: list[dict]  # depth-first: each parent followed by its subtasks
    unscheduled: list[dict]
    links: list[dict]  # {"predecessor_id", "successor_id", "kind"}
    truncated: bool
    limit: int


def _span(task: dict) -> tuple[datetime.datetime, datetime.datetime, bool] | None:
    """(start, end, from_fallback): planned dates; else creation and deadline; None without any date."""
    start, end, deadline = task["planned_start"], task["planned_end"], task["deadline"]
    if start and end:
        return start, end, False
    if start:
        deadline = deadline if deadline and deadline > start else None
        return start, deadline or start + GANTT_POINT_SPAN, bool(deadline)
    end = end or deadline
    if end:
        created = task["created_at"]
        begin = created if created and created < end else end - GANTT_POINT_SPAN
        return begin, end, True
    return None


def gantt_progress(task: dict) -> int:
    """Percent done: 100 when completed, else the subtasks' share, else the checklist's."""
    if task["status"] == TaskStatus.COMPLETED:
        return 100
    if task["subtasks_count"]:
        return round(100 * task["subtasks_done"] / task["subtasks_count"])
    if task["checklist_count"]:
        return round(100 * task["checklist_done"] / task["checklist_count"])
    return 0


# What a bar shows (`views.boards.gantt_task_json`), as plain values: never the description or the search text
# (large), and of the responsible person only what names them.
GANTT_FIELDS = (
    "id", "title", "status", "creator_id", "responsible_id", "parent_id", "deadline", "planned_start",
    "planned_end", "created_at", "schedule_conflict", "subtasks_count", "subtasks_done", "checklist_count",
    "checklist_done", "responsible__first_name", "responsible__last_name", "responsible__email",
)  # fmt: skip


def _rescheduler(user):
    """`can_reschedule(user, task)` for many rows: whether the user is active and an admin is asked once
    (the same rule: the creator, the responsible person and admins)."""
    if not _active(user):
        return lambda task: False
    if is_portal_admin(user):
        return lambda task: True
    uid = user.pk
    return lambda task: task["creator_id"] == uid or task["responsible_id"] == uid


def _place(task: dict, editable) -> None:
    """The bar's own part: dates (or none), whether it may be moved, no dependencies yet."""
    task["gantt_dependencies"] = []
    task["gantt_editable"] = editable(task)
    task["gantt_summary"] = False
    task["gantt_depth"] = 0
    span = _span(task)
    task["gantt_start"], task["gantt_end"], task["gantt_fallback"] = span if span else (None, None, False)


def group_shows_all_tasks(group, user) -> bool:
    """Whether `user` sees every task of `group` (a workgroup from `group_get`, annotated with `my_role`): its
    members do, and everyone when it is open (the group terms of `Task.objects.visible_to`)."""
    from portal.groups.choices import GroupVisibility

    if group is None or not _active(user):
        return False
    return group.visibility == GroupVisibility.OPEN or bool(getattr(group, "my_role", None))


def gantt_data(*, user, filters, limit: int | None = None, group=None) -> GanttData:
    """The Gantt chart of the filtered visible tasks (at most `limit`): two queries, tasks and links, as
    plain values. `group` is the project of a project chart (from `group_get`), if any.

    Each row is a dict of GANTT_FIELDS with `gantt_start`, `gantt_end`, `gantt_fallback` (dates from
    creation/deadline), `gantt_summary` (a parent without dates spans its subtasks), `gantt_depth`,
    `gantt_dependencies` (ids of the predecessors in the chart) and `gantt_editable`.
    """
    limit = limit or GANTT_LIMIT
    if group_shows_all_tasks(group, user) and str(filters.get("group")) == str(group.pk):
        # A project's chart for a member (or an open project): the project's tasks are all visible, so the
        # visibility rule stays out of the query; the FilterSet still narrows them (to the project too).
        filterset = TaskFilterSet(filters, queryset=Task.objects.filter(group_id=group.pk), user=user)
        qs = filterset.qs if filterset.is_valid() else task_list(user=user, filters=filters, decorate=False)
    else:
        qs = task_list(user=user, filters=filters, decorate=False)
    # Closed tasks (shown only with the "closed tasks too" switch) come after the open ones, so that the
    # limit drops them first and the chart opens on what is still to do.
    closed_last = Case(
        When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    if not (filters and filters.get("sort") in SORTS):
        qs = qs.order_by(
            closed_last,
            F("planned_start").asc(nulls_last=True),
            F("deadline").asc(nulls_last=True),
            "created_at",
            "id",
        )
    else:
        qs = qs.order_by(closed_last, *qs.query.order_by)
    tasks = list(qs.values(*GANTT_FIELDS)[: limit + 1])
    truncated = len(tasks) > limit
    tasks = tasks[:limit]
    by_id = {task["id"]: task for task in tasks}
    links = [
        link
        for link in TaskLink.objects.filter(successor_id__in=list(by_id))
        .order_by("id")
        .values("predecessor_id", "successor_id", "kind")
        if link["predecessor_id"] in by_id
    ]

    children: dict[int | None, list[dict]] = {}
    editable = _rescheduler(user)
    for task in tasks:
        parent = task["parent_id"] if task["parent_id"] in by_id else None
        children.setdefault(parent, []).append(task)
        _place(task, editable)
    for link in links:
        by_id[link["successor_id"]]["gantt_dependencies"].append(link["predecessor_id"])

    # A parent without dates spans its scheduled subtasks (post-order over the tree in the chart).
    def summarise(task: dict, seen: set[int]) -> None:
        for child in children.get(task["id"], []):
            if child["id"] not in seen:
                seen.add(child["id"])
                summarise(child, seen)
        if task["gantt_start"] is None:
            spans = [
                (c["gantt_start"], c["gantt_end"]) for c in children.get(task["id"], []) if c["gantt_start"]
            ]
            if spans:
                task["gantt_start"] = min(s for s, _ in spans)
                task["gantt_end"] = max(e for _, e in spans)
                task["gantt_summary"] = True

    seen: set[int] = set()
    for root in children.get(None, []):
        seen.add(root["id"])
        summarise(root, seen)

    def sort_key(task: dict):
        return (
            task["status"] in CLOSED_STATUSES,
            task["gantt_start"] is None,
            task["gantt_start"] or task["created_at"],
            task["id"],
        )

    rows: list[dict] = []
    unscheduled: list[dict] = []
    stack = [(task, 0) for task in sorted(children.get(None, []), key=sort_key, reverse=True)]
    placed: set[int] = set()
    while stack:
        task, depth = stack.pop()
        if task["id"] in placed:
            continue
        placed.add(task["id"])
        task["gantt_depth"] = depth
        (rows if task["gantt_start"] is not None else unscheduled).append(task)
        for child in sorted(children.get(task["id"], []), key=sort_key, reverse=True):
            stack.append((child, depth + 1))
    # Dependencies may only point at bars that are drawn.
    drawn = {task["id"] for task in rows}
    for task in rows:
        task["gantt_dependencies"] = [pk for pk in task["gantt_dependencies"] if pk in drawn]
    return GanttData(
        rows=rows,
        unscheduled=unscheduled,
        links=[link for link in links if link["predecessor_id"] in drawn and link["successor_id"] in drawn],
        truncated=truncated,
        limit=limit,
    )


def gantt_tasks(*, user, ids) -> list[dict]:
    """Tasks by id that the user may see, as rows ready to be sent to the chart (one query)."""
    qs = Task.objects.visible_to(user).filter(pk__in=list(ids)).order_by("id").values(*GANTT_FIELDS)
    tasks = list(qs)
    editable = _rescheduler(user)
    for task in tasks:
        _place(task, editable)
    return tasks
