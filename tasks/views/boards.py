"""Tasks: the Kanban board (columns by status) and the Gantt chart.

Thin views: they read through the board selectors (which start from the visible tasks and the one
FilterSet of the list pages) and write through the services.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import render_htmx
from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html
from portal.groups.models import Workgroup
from portal.groups.selectors import group_get, group_list_of_member
from portal.people.models import headed_path

from .. import selectors, services
from ..choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
    DependantsPolicy,
    OpenSubtasksPolicy,
    TaskPriority,
    TaskRole,
    TaskStatus,
)
from ..models import Task
from ..selectors import boards as board_selectors
from .task_page import _url_or_none

BOARD_ROLES = (TaskRole.DO, TaskRole.HELP, TaskRole.SET, TaskRole.OBSERVE, TaskRole.ALL)


def _json_error(
    status: int, message: str, *, code: str = "error", fields: dict | None = None
) -> JsonResponse:
    body = {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}
    return JsonResponse(body, status=status)


def _validation_error(exc: ValidationError) -> JsonResponse:
    """400 with the messages by field. The code says what the page may ask next ("open_subtasks":
    complete the open subtasks too or keep them; a missing "comment": ask for one)."""
    if hasattr(exc, "error_dict"):
        fields = exc.message_dict
        errors = [error for field_errors in exc.error_dict.values() for error in field_errors]
    else:
        fields = {"non_field_errors": exc.messages}
        errors = exc.error_list
    code = next((e.code for e in errors if e.code), None) or (
        "open_subtasks" if "open_subtasks" in fields else "invalid"
    )
    return _json_error(400, " ".join(exc.messages), code=code, fields=fields)


def _forbidden(exc: PermissionDenied) -> JsonResponse:
    return _json_error(403, str(exc) or _("You may not do this."), code="permission_denied")


def _query(filters: QueryDict, **replace) -> str:
    """The query string of `filters` with some parameters replaced (None or "": removed)."""
    data = filters.copy()
    for key, value in replace.items():
        if value in (None, ""):
            data.pop(key, None)
        else:
            data[key] = value
    return data.urlencode()


def _board_texts() -> dict[str, str]:
    """What the board scripts say, translated."""
    return {
        "error": _("The change was not saved."),
        "forbidden": _("You may not change this task."),
        "not_found": _("This task is no longer there."),
        "network": _("No connection: the change was not saved."),
        "open_subtasks": _("This task has open subtasks. What should happen to them?"),
        "close": _("Close"),
        "tasks": _("Tasks"),
        "status": _("Status"),
        "responsible": _("Responsible"),
        "deadline": _("Deadline"),
        "fallback": _("No planned dates: drawn from creation to the deadline."),
        "summary": _("No dates of its own: spans its subtasks."),
        "conflict": _("Breaks a link to a task before it: check the dates."),
        "past_deadline": _("Planned to end after its deadline."),
        "locked": _("You may not reschedule this task."),
        "dependants_changed": _("Linked tasks were updated too: {n}."),
        "empty": _("No tasks with dates match the filter."),
        "none": _("None"),
        "load_error": _("The chart could not be loaded."),
    }


def _board_context(request: HttpRequest, filters: QueryDict, *, view: str) -> dict:
    """What the header of every board shows: the view switch (keeping the filter) and the script's texts."""
    return {
        "nav_area": "tasks",
        "board_view": view,
        "filters": filters,
        "query": filters.urlencode(),
        "views": [
            {"key": key, "label": label, "icon": icon, "url": url}
            for key, label, icon, url in (
                ("list", _("List"), "bi-list-task", _url_or_none("tasks:home")),
                ("kanban", _("Kanban"), "bi-kanban", _url_or_none("tasks:kanban")),
                ("plan", _("My plan"), "bi-calendar-week", _url_or_none("tasks:plan")),
                ("gantt", _("Gantt"), "bi-bar-chart-steps", _url_or_none("tasks:gantt")),
            )
            if url
        ],
        "board_texts": _board_texts(),
    }


# Filters of the list page that the board's form shows; the others travel along as hidden fields.
_SHOWN_FILTERS = {"role", "q", "group", "tag", "priority", "overdue", "closed", "page", "swimlanes"}


def _filter_context(request: HttpRequest, filters: QueryDict) -> dict:
    """The board's filter form: role tabs, search, group, priority, tags, overdue (two queries)."""
    user = request.user
    group_id = str(filters.get("group") or "")
    groups = list(group_list_of_member(user=user).only("id", "name"))
    if group_id.isdecimal() and int(group_id) not in {g.pk for g in groups}:
        # A project the user sees without being a member (open group, admin): keep it selectable.
        groups += list(Workgroup.objects.visible_to(user).filter(pk=int(group_id)).only("id", "name"))
    return {
        "role": filters.get("role"),
        "role_tabs": [{"value": role.value, "label": role.label} for role in BOARD_ROLES],
        "groups": groups,
        "group_id": group_id,
        "tags": list(
            selectors.tag_list(user=user).only("id", "name", "owner_id", "group__id", "group__name")
        ),
        "tag_ids": {str(v) for v in filters.getlist("tag")},
        "priorities": TaskPriority.choices,
        "hidden_filters": [
            (key, value) for key in filters if key not in _SHOWN_FILTERS for value in filters.getlist(key)
        ],
    }


def kanban_card_html(task: Task, avatars: dict | None = None) -> str:
    """One Kanban card, built in Python (a template include per card was most of the board's time): the
    markup of the "kanban" branch of `tasks/boards/partials/card.html`. `task` carries `board_movable`, its
    responsible person and its visible tags (`kanban_columns`); `avatars` keeps each person's avatar and name
    for the other cards of the board (most cards of a board are one person's)."""
    movable = task.board_movable
    overdue = task.is_overdue
    classes = "card board-card"
    if task.is_closed:
        classes += " board-card-closed"
    if overdue:
        classes += " board-card-overdue"
    if not movable:
        classes += " board-card-locked"
    tags = task.tags.all()
    responsible = task.responsible
    deadline = ""
    if task.deadline:
        deadline = format_html(
            '<span class="ms-auto text-nowrap {}" title="{}"><i class="bi bi-clock" aria-hidden="true"></i> {}</span>',
            "text-danger fw-semibold board-overdue" if overdue else "text-body-secondary",
            _("Deadline"),
            formats.date_format(timezone.localtime(task.deadline), "j M, H:i"),
        )
    subtasks = ""
    if task.subtasks_count:
        label = _("Subtasks done")
        subtasks = format_html(
            '<div class="d-flex align-items-center gap-2 mt-2 small text-body-secondary" title="{}">'
            '<i class="bi bi-diagram-3" aria-hidden="true"></i><div class="progress flex-grow-1 lumen-progress-35" '
            'role="progressbar" aria-label="{}" aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100">'
            '<div class="progress-bar bg-success" data-width="{}"></div></div><span>{}/{}</span></div>',
            label,
            label,
            task.subtasks_progress,
            task.subtasks_progress,
            task.subtasks_done,
            task.subtasks_count,
        )
    return format_html(
        '<article class="{}" data-id="{}" data-status="{}" data-move-url="{}" data-movable="{}">'
        '<div class="card-body p-2"><div class="d-flex gap-1 align-items-start">{}'
        '<a class="board-card-title text-decoration-none text-body flex-grow-1" href="{}">{}</a>{}</div>{}{}'
        '<div class="d-flex align-items-center gap-1 mt-2 small min-w-0">{}'
        '<span class="text-truncate text-body-secondary">{}</span>{}</div></div></article>',
        classes,
        task.pk,
        task.status,
        url_for_pk("tasks:kanban_move", task.pk),
        "1" if movable else "0",
        _high_priority_mark() if task.priority == TaskPriority.HIGH else "",
        url_for_pk("tasks:detail", task.pk),
        task.title,
        ""
        if movable
        else format_html(
            '<i class="bi bi-lock text-body-tertiary small" role="img" title="{}" aria-label="{}"></i>',
            _("You may not change the status of this task"),
            _("You may not change the status of this task"),
        ),
        format_html(
            '<div class="mt-1 d-flex flex-wrap gap-1">{}</div>',
            format_html_join(
                "",
                '<span class="badge rounded-pill text-bg-light border fw-normal">#{}</span>',
                ((tag.name,) for tag in tags),
            ),
        )
        if tags
        else "",
        subtasks,
        *_person_parts(responsible, avatars),
        deadline,
    )


def _person_parts(person, avatars: dict | None) -> tuple[str, str]:
    """A card's avatar and name of `person`, computed once per board."""
    parts = avatars.get(person.pk) if avatars is not None else None
    if parts is None:
        parts = (avatar_html(person, 20, 10), str(person))
        if avatars is not None:
            avatars[person.pk] = parts
    return parts


def _high_priority_mark() -> str:
    label = _("High priority")
    return format_html(
        '<i class="bi bi-fire text-danger" role="img" title="{}" aria-label="{}"></i>', label, label
    )


# The Kanban's "My team" role tab (a head of department: their people's tasks) and its swimlanes switch.
KANBAN_TEAM = "team"
SWIMLANES_BY_RESPONSIBLE = "responsible"


def _kanban_filters(request: HttpRequest) -> tuple[QueryDict, bool, bool]:
    """The board's filters, whether it shows the head's team and whether it is drawn in swimlanes by
    responsible person (only on a project's board: `?group=<id>&swimlanes=responsible`, all the project's
    tasks the user sees unless a role is chosen)."""
    lanes = (
        request.GET.get("swimlanes") == SWIMLANES_BY_RESPONSIBLE
        and str(request.GET.get("group") or "").isdecimal()
    )
    filters = selectors.board_filters(request.GET, default_role=TaskRole.ALL if lanes else TaskRole.DO)
    if not lanes:
        filters.pop("swimlanes", None)
    return filters, filters.get("role") == KANBAN_TEAM, lanes


def _kanban_ids(status: str, lane=None) -> tuple[str, str]:
    """The ids of a column's (or a swimlane cell's) list of cards and of its "more" slot."""
    suffix = f"{lane}-{status}" if lane is not None else status
    return f"kanban-cards-{suffix}", f"kanban-more-{suffix}"


def _kanban_column_links(column, filters: QueryDict, *, shown: int, lane=None) -> None:
    """What a column's "more" slot needs: the next cards' URL, the list page's URL, the ids it updates."""
    column.cards_id, column.slot_id = _kanban_ids(column.status, lane)
    column.next_count = min(column.more, board_selectors.KANBAN_COLUMN_CAP)
    extra = {"status": column.status, "offset": shown}
    if lane is not None:
        extra["lane"] = lane
    column.load_url = f"{reverse('tasks:kanban_more')}?{_query(filters, **extra)}"
    list_url = _url_or_none("tasks:home")
    list_filters = {"status": column.status}
    if filters.get("role") == KANBAN_TEAM:  # the list has no "My team" tab: all it shows, as the board does
        list_filters["role"] = TaskRole.ALL
    if lane is not None:
        list_filters["responsible"] = lane
    column.more_url = f"{list_url}?{_query(filters, swimlanes=None, **list_filters)}" if list_url else None


@login_required
@require_GET
def kanban(request: HttpRequest) -> HttpResponse:
    """Kanban by status of the filtered visible tasks (role "I do" unless chosen; "My team" for a head of
    department); a project's board in swimlanes by responsible person; htmx gets the board. Each column shows
    its first cards and loads the next ones on demand (`kanban_more`)."""
    filters, team, lanes = _kanban_filters(request)
    avatars: dict = {}
    context = _board_context(request, filters, view="kanban")
    if team:  # the other views have no "My team": they open on all the tasks the user sees
        context["query"] = _query(filters, role=TaskRole.ALL)
    if lanes:
        swimlanes = board_selectors.kanban_lanes(user=request.user, filters=filters, team=team)
        heads = [
            board_selectors.KanbanColumn(status=status, label=TaskStatus(status).label)
            for status in board_selectors.KANBAN_STATUSES
        ]
        for lane in swimlanes:
            lane.avatar, lane.name = _person_parts(lane.person, avatars)
            for head, column in zip(heads, lane.columns, strict=True):
                head.total += column.total
                _kanban_column_links(column, filters, shown=len(column.tasks), lane=lane.person.pk)
                column.cards = mark_safe("".join(kanban_card_html(task, avatars) for task in column.tasks))
        context.update(lanes=swimlanes, columns=heads)
    else:
        columns = board_selectors.kanban_columns(user=request.user, filters=filters, team=team)
        for column in columns:
            _kanban_column_links(column, filters, shown=len(column.tasks))
            column.cards = mark_safe("".join(kanban_card_html(task, avatars) for task in column.tasks))
        context.update(columns=columns, lanes=None)
    context.update(cap=board_selectors.KANBAN_COLUMN_CAP, team=team, swimlanes=lanes)
    # htmx: the filter form stays as it is, only the board and the view links change.
    return render_htmx(
        request,
        "tasks/boards/kanban.html",
        context,
        partial="tasks/boards/partials/kanban_board.html",
        page_context=lambda: _kanban_filter_context(request, filters, lanes=lanes),
    )


def _kanban_filter_context(request: HttpRequest, filters: QueryDict, *, lanes: bool) -> dict:
    """The board's filter form, with the "My team" tab for a head of department and the swimlanes switch."""
    context = _filter_context(request, filters)
    if headed_path(request.user):
        context["role_tabs"] = [*context["role_tabs"], {"value": KANBAN_TEAM, "label": _("My team")}]
    context["swimlanes_switch"] = True
    context["swimlanes_on"] = lanes
    return context


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


@login_required
@require_GET
def kanban_more(request: HttpRequest) -> HttpResponse:
    """The next cards of one Kanban column (or swimlane cell), for htmx to append to it, and its "more" slot
    (out of band) for the cards after them. Same filters as the board; nothing the board would not show."""
    filters, team, _lanes = _kanban_filters(request)
    status = request.GET.get("status", "")
    offset = _int_param(request, "offset")
    lane = _int_param(request, "lane")
    if status not in board_selectors.KANBAN_STATUSES or offset is None:
        return HttpResponse(_("Choose a column."), status=400, content_type="text/plain; charset=utf-8")
    filters.pop("offset", None)
    filters.pop("lane", None)
    filters.pop("status", None)
    tasks, more = board_selectors.kanban_page(
        user=request.user, filters=filters, status=status, offset=offset, team=team, person=lane
    )
    column = board_selectors.KanbanColumn(status=status, label=TaskStatus(status).label)
    column.total = offset + len(tasks) + more
    column.tasks = [None] * (offset + len(tasks))  # only their number counts: `more` is what is left
    _kanban_column_links(column, filters, shown=offset + len(tasks), lane=lane)
    avatars: dict = {}
    context = {
        "cards": mark_safe("".join(kanban_card_html(task, avatars) for task in tasks)),
        "column": column,
        "oob": True,
    }
    return render(request, "tasks/boards/partials/kanban_more.html", context)


@login_required
@require_POST
def kanban_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A card dropped on another column: change the status through the service; JSON with the new card."""
    task = selectors.task_get_plain(user=request.user, pk=pk)
    status = request.POST.get("status", "")
    if status not in TaskStatus.values:
        return _json_error(
            400, _("Choose a status."), code="invalid", fields={"status": [_("Unknown status.")]}
        )
    open_subtasks = request.POST.get("open_subtasks") or None
    if open_subtasks is not None and open_subtasks not in OpenSubtasksPolicy.values:
        return _json_error(
            400,
            _("Choose what happens to the open subtasks."),
            code="invalid",
            fields={"open_subtasks": [_("Complete them too or leave them open.")]},
        )
    try:
        services.task_set_status(
            actor=request.user,
            task=task,
            status=status,
            comment=request.POST.get("comment", ""),
            open_subtasks=open_subtasks,
            confirm_checklist=request.POST.get("confirm_checklist") in ("1", "true", "on"),
        )
    except ValidationError as exc:
        return _validation_error(exc)
    except PermissionDenied as exc:
        return _forbidden(exc)
    task = (
        Task.objects.visible_to(request.user)
        .filter(pk=pk)
        .select_related("responsible")
        .only(*board_selectors.KANBAN_ONLY)
        .prefetch_related(selectors.visible_tags_prefetch(request.user))
        .first()
    )
    if task is None:  # the change took the task out of the user's sight
        return JsonResponse({"id": pk, "status": status, "html": ""})
    task.board_movable = selectors.can_change_status(request.user, task)
    html = kanban_card_html(task)
    return JsonResponse(
        {"id": task.pk, "status": task.status, "status_label": task.get_status_display(), "html": html}
    )


def _gantt_filters(request: HttpRequest):
    """A project's chart (?group=) shows all its tasks the user sees; otherwise the role defaults to "I do".
    Closed tasks stay off the chart (a plan is about what is still to do, and a project's history would bury
    it) unless the "closed tasks too" switch (`closed=1`) or an explicit `open=` filter asks for them."""
    default = TaskRole.ALL if request.GET.get("group") else TaskRole.DO
    filters = selectors.board_filters(request.GET, default_role=default)
    if filters.get("closed"):
        filters.pop("open", None)
    elif "open" not in filters:
        filters["open"] = "true"
    return filters


def _gantt_group(request: HttpRequest, filters):
    """The project of a project chart (?group=<id>); a group the user may not see answers 404."""
    value = str(filters.get("group") or "")
    return group_get(user=request.user, pk=int(value)) if value.isdecimal() else None


# The status names, looked up once rather than through `get_status_display()` on every bar.
STATUS_LABELS = dict(TaskStatus.choices)


_URL_ID = 987654321987


class GanttJson:
    """The chart's JSON from the plain rows of `board_selectors.gantt_data` / `gantt_tasks`: what every bar
    shares (the time zone, "now", the status names in the person's language, the task link) is looked up
    once per request, not per bar."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.labels = {value: str(label) for value, label in STATUS_LABELS.items()}
        # The task link around its id, looked up once (`url_for_pk` per bar asks the URL settings each time).
        self.url_head, _, self.url_tail = url_for_pk("tasks:detail", _URL_ID).partition(str(_URL_ID))

    def url(self, pk: int) -> str:
        return f"{self.url_head}{int(pk)}{self.url_tail}"

    def iso(self, value) -> str | None:
        """A moment in the user's time zone, ISO 8601 with the offset."""
        return value.astimezone(self.zone).isoformat() if value else None

    def label(self, status: str) -> str:
        return self.labels.get(status, status)

    @staticmethod
    def responsible(task: dict) -> str:
        """As `str(user)`: the full name, else the e-mail."""
        name = f"{task['responsible__first_name']} {task['responsible__last_name']}".strip()
        return name or task["responsible__email"]

    @staticmethod
    def past_deadline(task: dict, closed: bool) -> bool:
        """An open task planned to end after its deadline (a bar of its own dates, not a summary's)."""
        deadline, end = task["deadline"], task["gantt_end"]
        return bool(deadline and end and not closed and not task["gantt_summary"] and end > deadline)

    def bar_class(self, task: dict, closed: bool, overdue: bool, late: bool = False) -> str:
        """One CSS class per bar (frappe-gantt takes a single token): its state, and whether it is locked."""
        if closed:
            state = "done"
        elif overdue:
            state = "overdue"
        elif task["schedule_conflict"]:
            state = "conflict"
        elif late:
            state = "late"
        elif task["gantt_summary"]:
            state = "summary"
        else:
            state = "open"
        return f"lumen-bar-{state}" + ("" if task["gantt_editable"] else "-locked")

    def bar(self, task: dict) -> dict:
        """One bar of the chart."""
        status, deadline = task["status"], task["deadline"]
        closed = status in CLOSED_STATUSES
        overdue = bool(deadline and status not in HANDED_IN_STATUSES and deadline < self.now)
        late = self.past_deadline(task, closed)
        iso = self.iso
        return {
            "id": str(task["id"]),
            "name": task["title"],
            "start": iso(task["gantt_start"]),
            "end": iso(task["gantt_end"]),
            "progress": board_selectors.gantt_progress(task),
            "dependencies": [str(pk) for pk in task["gantt_dependencies"]],
            "custom_class": self.bar_class(task, closed, overdue, late),
            "depth": task["gantt_depth"],
            "parent": str(task["parent_id"]) if task["parent_id"] else None,
            "url": self.url(task["id"]),
            "status": status,
            "status_label": self.label(status),
            "responsible": self.responsible(task),
            "deadline": iso(deadline),
            "planned_start": iso(task["planned_start"]),
            "planned_end": iso(task["planned_end"]),
            "overdue": overdue,
            "closed": closed,
            "conflict": task["schedule_conflict"],
            "past_deadline": late,
            "editable": task["gantt_editable"],
            "fallback": task["gantt_fallback"],
            "summary": task["gantt_summary"],
        }

    def unscheduled(self, task: dict) -> dict:
        return {
            "id": str(task["id"]),
            "name": task["title"],
            "url": self.url(task["id"]),
            "status_label": self.label(task["status"]),
            "responsible": self.responsible(task),
            "depth": task["gantt_depth"],
        }


@login_required
@require_GET
def gantt(request: HttpRequest) -> HttpResponse:
    """The Gantt chart page; the bars come from `gantt_data` with the same query string."""
    filters = _gantt_filters(request)
    group = _gantt_group(request, filters)
    context = {**_board_context(request, filters, view="gantt"), **_filter_context(request, filters)}
    context.update(
        {
            "group": group,
            "data_url": f"{reverse('tasks:gantt_data')}?{filters.urlencode()}",
            "reschedule_url": reverse("tasks:gantt_reschedule", args=[0]),
            "dependants_policies": DependantsPolicy.choices,
            "limit": board_selectors.GANTT_LIMIT,
            # Weeks start on the active language's first day (0 Sunday ... 6 Saturday, as JavaScript counts).
            "first_day_of_week": int(formats.get_format("FIRST_DAY_OF_WEEK")) % 7,
        }
    )
    return render(request, "tasks/boards/gantt.html", context)


@login_required
@require_GET
def gantt_data(request: HttpRequest) -> JsonResponse:
    """The bars, the dependency arrows (as each bar's `dependencies`) and the tasks without dates."""
    filters = _gantt_filters(request)
    group = _gantt_group(request, filters)
    data = board_selectors.gantt_data(user=request.user, filters=filters, group=group)
    notice = ""
    if data.truncated:
        notice = _("Only the first %(n)d tasks are shown: narrow the filter to see the others.") % {
            "n": data.limit
        }
    json = GanttJson()
    return JsonResponse(
        {
            "tasks": [json.bar(task) for task in data.rows],
            "unscheduled": [json.unscheduled(task) for task in data.unscheduled],
            "links": [
                {
                    "predecessor": str(link["predecessor_id"]),
                    "successor": str(link["successor_id"]),
                    "kind": link["kind"],
                }
                for link in data.links
            ],
            "truncated": data.truncated,
            "limit": data.limit,
            "notice": notice,
        }
    )


def _parse_moment(value: str | None, field: str, errors: dict):
    if not value:
        errors[field] = [_("Give a date and time.")]
        return None
    moment = parse_datetime(value.strip())
    if moment is None:
        errors[field] = [_("Not a date and time.")]
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@login_required
@require_POST
def gantt_reschedule(request: HttpRequest, pk: int) -> JsonResponse:
    """A bar dragged or resized: new planned dates through the service, with the dependants policy.
    Answers the changed tasks the user may see, so the chart redraws them."""
    task = selectors.task_get_plain(user=request.user, pk=pk)
    errors: dict[str, list[str]] = {}
    planned_start = _parse_moment(request.POST.get("planned_start"), "planned_start", errors)
    planned_end = _parse_moment(request.POST.get("planned_end"), "planned_end", errors)
    dependants = request.POST.get("dependants") or DependantsPolicy.SHIFT
    if dependants not in DependantsPolicy.values:
        errors["dependants"] = [_("Choose to shift the dependent tasks or only to flag them.")]
    if errors:
        return _json_error(400, _("The new dates are not valid."), code="invalid", fields=errors)
    try:
        changed = services.task_reschedule(
            actor=request.user,
            task=task,
            planned_start=planned_start,
            planned_end=planned_end,
            dependants=dependants,
        )
    except ValidationError as exc:
        return _validation_error(exc)
    except PermissionDenied as exc:
        return _forbidden(exc)
    ids = {task.pk} | {getattr(t, "pk", t) for t in (changed or [])}
    tasks = board_selectors.gantt_tasks(user=request.user, ids=ids)
    json = GanttJson()
    flagged = selectors.task_refs(user=request.user, tasks=getattr(changed, "flagged", []))
    return JsonResponse(
        {
            "changed": [json.bar(t) for t in tasks],
            "flagged": [{**ref, "id": str(ref["id"])} for ref in flagged],
            "notice": flagged_notice(flagged),
            "deadline_warning": deadline_warning(task),
        }
    )


def deadline_warning(task) -> str:
    """What to tell the person whose new plan for `task` ends after its deadline (empty when it fits)."""
    end = task.planned_end or task.planned_start
    if not (task.deadline and end and end > task.deadline) or task.status in CLOSED_STATUSES:
        return ""
    return _(
        "The planned end is after the task's deadline (%(deadline)s). Move the bar back or ask for a later deadline."
    ) % {"deadline": formats.date_format(timezone.localtime(task.deadline), "SHORT_DATETIME_FORMAT")}


def flagged_notice(refs: list[dict]) -> str:
    """What to tell the person who moved a task about the dependent tasks left in place because they may
    not reschedule them (`selectors.task_refs`: a hidden task is counted, never named)."""
    if not refs:
        return ""
    names = [f"#{ref['id']} {ref['title']}" for ref in refs if ref["visible"]]
    hidden = sum(1 for ref in refs if not ref["visible"])
    if hidden:
        names.append(
            ngettext("%(n)d task you cannot see", "%(n)d tasks you cannot see", hidden) % {"n": hidden}
        )
    return _("Not moved, only flagged as in conflict (you may not reschedule them): %(tasks)s.") % {
        "tasks": ", ".join(names)
    }
