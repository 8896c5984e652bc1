"""What tasks adds to the pages of other apps through core's registry (STYLE rule 13): the control
dashboard's task columns and its "a closed task" touch kind, the time on tasks the timesheets count, the
"make a task of this line" links of a work report, the tasks part of its pre-fill (with the reader's check of
who sees them) and the task sections of the control digests. Registered from `TasksConfig.ready()`; the app that
shows them names no task."""

from __future__ import annotations

import datetime

from django.core.signals import setting_changed
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.registry import (
    HOME_CARD_ROWS,
    HOME_DAY,
    AutomationAction,
    AutomationTrigger,
    ControlTouchKind,
    DashboardCount,
    DashboardCounter,
    DigestSource,
    HomeCard,
    HomeRow,
    PrefillSource,
    ReportTaskSource,
    TaskFacts,
    TimesheetSource,
    registry,
)

from . import digests, metrics
from .choices import RUNNING_STATUSES, TaskPriority, TaskStatus

TASK_OVERDUE = "tasks.overdue"
TASK_AWAITING_CONTROL = "tasks.awaiting_control"
TASK_NO_DEADLINE = "tasks.no_deadline"


_TASK_LINKS: dict[tuple, tuple[str, str]] = {}


def _tasks_url(field: str, user_id: int, rest: dict, *, role: str = "all") -> str:
    # role=all: the tasks list shows "I do" by default, the viewer wants the person's tasks. The list's URL
    # and the rest of the query are built once (a control dashboard links hundreds of cells).
    key = (role, field, tuple(rest.items()), get_script_prefix(), get_urlconf())
    prefix = _TASK_LINKS.get(key)
    if prefix is None:
        prefix = _TASK_LINKS[key] = (f"{reverse('tasks:home')}?role={role}&{field}=", f"&{urlencode(rest)}")
    return f"{prefix[0]}{int(user_id)}{prefix[1]}"


def _forget_task_links(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":  # tests that swap the URLconf
        _TASK_LINKS.clear()


setting_changed.connect(_forget_task_links, dispatch_uid="tasks.registrations.forget_task_links")


def _overdue_url(user_id: int) -> str:
    return _tasks_url("responsible", user_id, {"overdue": "true"})


def _awaiting_control_url(user_id: int) -> str:
    return _tasks_url("creator", user_id, {"status": "awaiting_control", "open": "true"})


def _no_deadline_url(user_id: int) -> str:
    return _tasks_url("responsible", user_id, {"no_deadline": "true"})


def _my_control_url(user_id: int) -> str:
    # "I set": the viewer's own tasks of that person, waiting for the viewer's control.
    return _tasks_url("responsible", user_id, {"status": "awaiting_control"}, role="set")


def _my_control_count(among, *, viewer, today=None):
    from .selectors.control import tasks_my_control_count

    return tasks_my_control_count(among, viewer=viewer, today=today)


# The fragments a dashboard cell opens in place (tasks/views/control.py): the cause and what to do about it.
def _awaiting_detail(user_id: int) -> str:
    return url_for_pk("tasks:control_awaiting", user_id)


def _overdue_detail(user_id: int) -> str:
    return url_for_pk("tasks:control_overdue", user_id)


def _no_deadline_detail(user_id: int) -> str:
    return url_for_pk("tasks:control_no_deadline", user_id)


# The task columns of the control dashboard: stored counters (read with the dashboard's other counters in one
# query), kept out of the digests' counter list: the digests have task sections of their own. The stored
# "awaiting control" counter stays (navigation, home page) but is no column: the supervisor cannot act on the
# tasks a person waits to accept; "Waiting for my control" below counts what they can.
DASHBOARD_COUNTERS = (
    DashboardCounter(
        TASK_OVERDUE,
        gettext_lazy("Overdue tasks"),
        amber_at=1,
        red_at=1,
        url=_overdue_url,
        order=50,
        column="tasks_overdue",
        help_text=gettext_lazy("Open tasks of the person whose deadline has passed"),
        in_digest=False,
        detail=_overdue_detail,
    ),
    DashboardCounter(
        TASK_NO_DEADLINE,
        gettext_lazy("No deadline"),
        amber_at=1,
        url=_no_deadline_url,
        order=70,
        column="tasks_no_deadline",
        help_text=gettext_lazy("Open tasks of the person without a deadline"),
        in_digest=False,
        detail=_no_deadline_detail,
    ),
)

# What the viewer can act on: the person's tasks waiting for the viewer's own control (the viewer set them).
DASHBOARD_COUNTS = (
    DashboardCount(
        "tasks_my_control",
        gettext_lazy("Waiting for my control"),
        _my_control_count,
        amber_at=1,
        url=_my_control_url,
        detail=_awaiting_detail,
        order=60,
        help_text=gettext_lazy("Tasks of the person that wait for you to accept or return them"),
    ),
)


def _task_model():
    from .models import Task

    return Task


def _task_recent(since: datetime.datetime) -> Q:
    # Handed in counts from the moment the responsible person completed it, approved or still under control.
    return Q(status__in=(TaskStatus.COMPLETED, TaskStatus.AWAITING_CONTROL), completed_at__gte=since)


def _describe_task(task) -> tuple[str, str]:
    return _("Task: %(title)s") % {"title": task.title}, task.get_absolute_url()


TOUCH_KIND = ControlTouchKind(
    "task",
    gettext_lazy("A closed task"),
    _task_model,
    "responsible_id",
    _task_recent,
    _describe_task,
    order=10,
)


def _time_entry_model():
    from .models import TimeEntry

    return TimeEntry


TIMESHEET_SOURCE = TimesheetSource("tasks.time", _time_entry_model, order=10)
REPORT_TASK_SOURCE = ReportTaskSource(
    "tasks.from_report_line", "tasks/tasks/partials/work_report_lines.html", order=10
)


def _report_prefill(user, start_at: datetime.datetime, end_at: datetime.datetime) -> dict:
    """The tasks part of a work report's pre-fill: the tasks `user` handed in within [start_at, end_at)
    (completed or awaiting control: `completed_at` is when they handed it in), the time they logged per
    task and its total. Two queries."""
    from django.db.models import Sum

    from .models import Task, TimeEntry

    closed = (
        Task.objects.filter(
            responsible=user,
            status__in=(TaskStatus.COMPLETED, TaskStatus.AWAITING_CONTROL),
            completed_at__gte=start_at,
            completed_at__lt=end_at,
        )
        .order_by("completed_at", "id")
        .values("id", "title", "completed_at")
    )
    time_rows = (
        TimeEntry.objects.filter(user=user, started_at__gte=start_at, started_at__lt=end_at)
        .order_by()
        .values("task_id", "task__title")
        .annotate(total=Sum("seconds"))
        .order_by("-total", "task_id")
    )
    time_by_task = [
        {"task_id": r["task_id"], "title": r["task__title"], "seconds": int(r["total"] or 0)}
        for r in time_rows
    ]
    return {
        "closed_tasks": [
            {"id": t["id"], "title": t["title"], "completed_at": t["completed_at"].isoformat()}
            for t in closed
        ],
        "time_by_task": time_by_task,
        "time_seconds": sum(r["seconds"] for r in time_by_task),
    }


def _visible_tasks(reader, ids) -> list[int]:
    """The ids among `ids` of the tasks `reader` may see. One query."""
    from .models import Task

    return list(Task.objects.visible_to(reader).filter(pk__in=ids).values_list("pk", flat=True))


def _task_url(pk) -> str:
    return reverse("tasks:detail", args=[pk])


REPORT_PREFILL = PrefillSource(
    "tasks",
    gettext_lazy("Tasks"),
    _report_prefill,
    visible=_visible_tasks,
    merge=True,
    order=10,
    parts=(("closed_tasks", "id"), ("time_by_task", "task_id")),
    url=_task_url,
)


# The task sections of the control digests, stored under these keys (after the reports' own sections).
DIGEST_SOURCES = (
    DigestSource(
        "overdue_tasks",
        digests.overdue_compute,
        digests.overdue_present,
        kinds=("supervisor", "personal"),
        order=10,
    ),
    DigestSource("awaiting_control", digests.awaiting_compute, digests.awaiting_present, order=20),
)


# The start page ("my day"): my tasks due today or overdue, and the tasks waiting for my control.


def _when(moment: datetime.datetime | None, today: datetime.date) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == today:
        return _("today %(time)s") % {"time": formats.time_format(local, "TIME_FORMAT")}
    return formats.date_format(local, "MONTH_DAY_FORMAT")


def _home_due(request) -> dict:
    from .selectors.home import tasks_due_today

    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    tasks, total = tasks_due_today(user=user, limit=HOME_CARD_ROWS, now=now)
    rows = []
    late = False
    for task in tasks:
        overdue = task["deadline"] < now
        late = late or overdue
        when = _when(task["deadline"], today)
        rows.append(
            HomeRow(
                task["title"],
                url_for_pk("tasks:detail", task["id"]),
                meta=_("overdue, %(when)s") % {"when": when} if overdue else when,
                tone="danger" if overdue else ("warning" if task["priority"] == TaskPriority.HIGH else ""),
            )
        )
    query = [("role", "do"), *(("status", s) for s in RUNNING_STATUSES)]
    query += [("deadline_before", today.isoformat()), ("sort", "deadline")]
    return {
        "count": total,
        "rows": rows,
        "level": "danger" if late else "warning",
        "url": f"{reverse('tasks:home')}?{urlencode(query)}",
    }


def _home_awaiting_control(request) -> dict:
    from .selectors.home import tasks_awaiting_my_control

    user = request.user
    today = timezone.localdate()
    tasks, total = tasks_awaiting_my_control(user=user, limit=HOME_CARD_ROWS)
    rows = []
    for task in tasks:
        who = " ".join(p for p in (task["responsible__first_name"], task["responsible__last_name"]) if p)
        when = _when(task["completed_at"], today)
        rows.append(
            HomeRow(
                task["title"],
                url_for_pk("tasks:detail", task["id"]),
                meta=" · ".join(p for p in (who, when) if p),
            )
        )
    return {"count": total, "rows": rows, "url": _awaiting_control_url(user.pk)}


HOME_CARDS = (
    HomeCard(
        "tasks.due_today",
        "",
        _home_due,
        order=20,
        section=HOME_DAY,
        title=gettext_lazy("My tasks due today and overdue"),
        icon="bi-alarm",
        empty=gettext_lazy("No task of yours is due today."),
    ),
    HomeCard(
        "tasks.awaiting_control",
        "",
        _home_awaiting_control,
        order=30,
        section=HOME_DAY,
        title=gettext_lazy("Waiting for my control"),
        icon="bi-clipboard-check",
        empty=gettext_lazy("No completed task waits for your control."),
    ),
)


# Automation rules (the workflows app runs them): the trigger "a task's status changed", set per workgroup or
# project by its owners (and admins), and the actions "create a task from a template" (any rule) and "change
# a task's field" (rules of this trigger). Actions run with the rights of the rule's author.
STATUS_CHANGED = "tasks.status_changed"


def _group_scopes(*, user, scope: str | None = None) -> list[tuple[str, str]]:
    """The workgroups and projects whose rules `user` may set: the ones they own (admins: all)."""
    from portal.core.permissions import is_portal_admin
    from portal.groups.choices import MemberRole
    from portal.groups.models import Workgroup

    if not (user and user.is_authenticated and user.is_active):
        return []
    groups = Workgroup.objects.order_by("name", "id")
    if not is_portal_admin(user):
        groups = groups.filter(memberships__user=user, memberships__role=MemberRole.OWNER)
    if scope is not None:
        kind, _sep, ident = scope.partition(":")
        if kind != "group" or not ident.isdigit():
            return []
        groups = groups.filter(pk=int(ident))
    return [(f"group:{pk}", name) for pk, name in groups.values_list("pk", "name")]


def _task_get(object_id):
    from .models import Task

    try:
        return Task.objects.filter(pk=int(object_id)).first()
    except (TypeError, ValueError):
        return None


def _status_choices(field: str) -> list[tuple[str, str]]:
    return list(TaskStatus.choices) if field in ("status", "old_status") else []


def _rule_author(rule):
    """The person whose rights the rule's actions use: its author, while active."""
    from portal.core.errors import NotAllowed

    author = rule.created_by if rule.created_by_id else None
    if author is None or not author.is_active:
        raise NotAllowed(_("The rule's author is no longer active."))
    return author


def _template_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    from .models import TaskTemplate

    if field != "template" or user is None:
        return []
    templates = TaskTemplate.objects.visible_to(user).filter(parent__isnull=True).order_by("title", "id")
    return [(str(pk), title) for pk, title in templates.values_list("pk", "title")]


def _create_from_template(*, rule, obj, event, params) -> str:
    from portal.core.errors import NotFound

    from .models import TaskTemplate
    from .services.templates import task_from_template

    author = _rule_author(rule)
    template = (
        TaskTemplate.objects.visible_to(author).filter(pk=params.get("template"), parent__isnull=True).first()
    )
    if template is None:
        raise NotFound(_("The task template is gone or not the rule author's any more."))
    task = task_from_template(actor=author, template=template)
    return _("Task #%(id)d created: %(title)s") % {"id": task.pk, "title": task.title}


CHANGE_FIELDS = (
    ("status", gettext_lazy("Status")),
    ("priority", gettext_lazy("Priority")),
    ("deadline", gettext_lazy("Deadline (move by days)")),
    ("responsible", gettext_lazy("Responsible person")),
)


def _change_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    if field == "field":
        return [(key, str(label)) for key, label in CHANGE_FIELDS]
    if field == "status":
        return list(TaskStatus.choices)
    if field == "priority":
        return list(TaskPriority.choices)
    return []


def _change_field(*, rule, obj, event, params) -> str:
    from django.contrib.auth import get_user_model

    from portal.core.errors import NotFound

    from .services.tasks import task_update
    from .services.transitions import task_set_status

    author = _rule_author(rule)
    field = params.get("field")
    if field == "status":
        task_set_status(actor=author, task=obj, status=params["status"])
        return _("Status: %(value)s") % {"value": TaskStatus(params["status"]).label}
    if field == "priority":
        task_update(actor=author, task=obj, priority=params["priority"])
        return _("Priority: %(value)s") % {"value": TaskPriority(params["priority"]).label}
    if field == "deadline":
        base = obj.deadline or timezone.now()
        deadline = base + datetime.timedelta(days=int(params["days"]))
        task_update(actor=author, task=obj, deadline=deadline)
        return _("Deadline: %(value)s") % {"value": formats.date_format(timezone.localtime(deadline))}
    if field == "responsible":
        person = get_user_model().objects.filter(pk=params.get("person"), is_active=True).first()
        if person is None:
            raise NotFound(_("The person is no longer with the company."))
        task_update(actor=author, task=obj, responsible=person)
        return _("Responsible person: %(name)s") % {"name": person.full_name or person.email}
    raise ValueError(_("Unknown field to change."))


AUTOMATION_TRIGGER = AutomationTrigger(
    key=STATUS_CHANGED,
    label=gettext_lazy("A task's status changed"),
    scope_kind="group",
    scope_choices=_group_scopes,
    get=_task_get,
    describe=_describe_task,
    conditions=(
        ("status", gettext_lazy("New status"), "choice"),
        ("old_status", gettext_lazy("Previous status"), "choice"),
        ("title", gettext_lazy("Title"), "text"),
    ),
    choices=_status_choices,
    order=10,
)
AUTOMATION_ACTIONS = (
    AutomationAction(
        key="tasks.create_from_template",
        label=gettext_lazy("Create a task from a template"),
        run=_create_from_template,
        fields=(("template", gettext_lazy("Task template"), "template", {"required": True}),),
        choices=_template_choices,
        order=30,
    ),
    AutomationAction(
        key="tasks.change_field",
        label=gettext_lazy("Change a field of the task"),
        run=_change_field,
        fields=(
            ("field", gettext_lazy("Field"), "choice", {"required": True}),
            ("status", gettext_lazy("New status"), "choice", {"when": ("field", "status")}),
            ("priority", gettext_lazy("New priority"), "choice", {"when": ("field", "priority")}),
            (
                "days",
                gettext_lazy("Days (negative: earlier)"),
                "number",
                {"when": ("field", "deadline"), "min": -3650, "max": 3650},
            ),
            ("person", gettext_lazy("New responsible person"), "person", {"when": ("field", "responsible")}),
        ),
        choices=_change_choices,
        triggers=(STATUS_CHANGED,),
        order=40,
    ),
)


def register() -> None:
    from portal.notifications.services import register_notification_kind

    from .services.control import REMINDER_KIND

    # A supervisor's "Remind" on an overdue task (the control dashboard), at most once a day per task.
    register_notification_kind(
        REMINDER_KIND, gettext_lazy("Tasks: a supervisor's reminder of an overdue task"), email_default=True
    )
    for card in HOME_CARDS:
        registry.home_cards.register(card)
    for counter in DASHBOARD_COUNTERS:
        registry.dashboard_counters.register(counter)
    for count in DASHBOARD_COUNTS:
        registry.dashboard_counts.register(count)
    registry.control_touch_kinds.register(TOUCH_KIND)
    registry.timesheet_sources.register(TIMESHEET_SOURCE)
    registry.report_task_sources.register(REPORT_TASK_SOURCE)
    registry.report_prefill.register(REPORT_PREFILL)
    metrics.register()
    for source in DIGEST_SOURCES:
        registry.digest_sources.register(source)
    registry.automation_triggers.register(AUTOMATION_TRIGGER)
    for action in AUTOMATION_ACTIONS:
        registry.automation_actions.register(action)
    # What other apps (the strategy) ask about many tasks at once: lineage, counts, people's work.
    from . import facts

    registry.task_facts.register(
        TaskFacts(
            "tasks",
            lineage=facts.lineage,
            stats=facts.stats,
            group_stats=facts.group_stats,
            work=facts.work,
            untraced=facts.untraced,
            describe=facts.describe,
            responsible_ids=facts.responsible_ids,
        )
    )
