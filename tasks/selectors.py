"""Reads of tasks and everything around them; all already permission-filtered.

Every read starts from `Task.objects.visible_to(user)`. The permission predicates (`can_*`) live here too:
templates, views, the API and the services ask the same questions in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from portal.core.permissions import get_visible_or_404, is_portal_admin

from .choices import CLOSED_STATUSES, HANDED_IN_STATUSES, MemberRole, TaskStatus
from .filters import DEFAULT_SORT, SORTS, TaskFilterSet
from .models import (
    ChecklistItem,
    SavedFilter,
    Tag,
    Task,
    TaskComment,
    TaskFile,
    TaskLink,
    TaskMember,
    TaskTemplate,
    TimeEntry,
)

# --- who may do what ---------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def member_role(user, task: Task) -> str | None:
    """`participant`, `observer` or None. Uses the prefetched `members` when present."""
    if not _active(user):
        return None
    cache = getattr(task, "_prefetched_objects_cache", {})
    if "members" in cache:
        return next((m.role for m in cache["members"] if m.user_id == user.pk), None)
    return TaskMember.objects.filter(task=task, user=user).values_list("role", flat=True).first()


def can_see(user, task: Task) -> bool:
    """Mirrors `Task.objects.visible_to` for one task in hand (one query at most)."""
    if not _active(user):
        return False
    if is_portal_admin(user) or user.pk in (task.creator_id, task.responsible_id):
        return True
    return Task.objects.visible_to(user).filter(pk=task.pk).exists()


def can_edit(user, task: Task) -> bool:
    """Edit everything (title, people, dates, rules, delete): the creator and admins."""
    return _active(user) and (is_portal_admin(user) or task.creator_id == user.pk)


def can_change_status(user, task: Task) -> bool:
    """Start, pause, complete, defer, decline: the responsible person (and whoever edits everything)."""
    return _active(user) and (task.responsible_id == user.pk or can_edit(user, task))


def can_change_deadline(user, task: Task) -> bool:
    return can_edit(user, task) or (
        _active(user) and task.responsible_id == user.pk and task.allow_change_deadline
    )


def can_participate(user, task: Task) -> bool:
    """Comment, tick checklist items, attach files, log time: creator, responsible, participants, admins."""
    if not _active(user):
        return False
    if is_portal_admin(user) or user.pk in (task.creator_id, task.responsible_id):
        return True
    return member_role(user, task) == MemberRole.PARTICIPANT


def can_comment(user, task: Task) -> bool:
    """Everyone involved comments, observers too; supervisors and group members who only see it too."""
    return can_see(user, task)


def can_control(user, task: Task) -> bool:
    """Accept or return a task awaiting control: its creator (and admins)."""
    return task.status == TaskStatus.AWAITING_CONTROL and can_edit(user, task)


# Status actions only the creator (and admins) take; every other action is the responsible person's too.
CONTROL_ACTIONS = ("approve", "return")


def can_do_action(user, task: Task, action: str) -> bool:
    """Whether `user` has the right to take the status `action` (whatever the task's status now)."""
    if action in CONTROL_ACTIONS:
        return can_edit(user, task)
    return can_change_status(user, task)


def available_actions(user, task: Task) -> list[str]:
    """The status actions `user` may take on `task` now, in the order of `services.TRANSITIONS`."""
    from .services.core import TRANSITIONS

    return [
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if task.status in sources and can_do_action(user, task, action)
    ]


@dataclass(frozen=True)
class TaskPermissions:
    see: bool
    edit: bool
    change_status: bool
    change_deadline: bool
    participate: bool
    comment: bool
    control: bool


def task_permissions(*, user, task: Task) -> TaskPermissions:
    return TaskPermissions(
        see=True,
        edit=can_edit(user, task),
        change_status=can_change_status(user, task),
        change_deadline=can_change_deadline(user, task),
        participate=can_participate(user, task),
        comment=True,
        control=can_control(user, task),
    )


# --- tasks -------------------------------------------------------------------------------------------


def task_list(*, user, filters=None, decorate: bool = True) -> QuerySet[Task]:
    """Tasks `user` may see, narrowed by the task FilterSet (`filters` is a QueryDict or dict), sorted."""
    qs = Task.objects.visible_to(user)
    data = filters if filters is not None else {}
    filterset = TaskFilterSet(data or None, queryset=qs, user=user)
    if data and filterset.is_valid():
        qs = filterset.qs
    if not (data and data.get("sort") in SORTS):
        qs = qs.order_by(*SORTS[DEFAULT_SORT])
    return task_list_decorate(qs, user=user) if decorate else qs


def visible_tags_prefetch(user, lookup: str = "tags") -> Prefetch:
    """The tags of tasks as `user` may see them, under the default name (`task.tags.all` in templates):
    their own and their groups' shared tags, never another person's personal tags (as the API shows)."""
    return Prefetch(lookup, queryset=Tag.objects.visible_to(user).only("id", "name", "owner_id", "group_id"))


def task_list_decorate(qs: QuerySet[Task], *, user) -> QuerySet[Task]:
    """What a list row shows: people, group and the tags `user` may see, in a constant number of queries."""
    return qs.select_related("responsible", "creator", "group").prefetch_related(visible_tags_prefetch(user))


def task_get(*, user, pk) -> Task:
    """One task the user may see (404 for hidden and missing alike), with its people and group, and
    `parent_visible`: whether the user sees its parent (a hidden parent is not named)."""
    visible_parent = Task.objects.visible_to(user).filter(pk=OuterRef("parent_id"))
    qs = (
        Task.objects.visible_to(user)
        .annotate(parent_visible=Exists(visible_parent))
        .select_related("responsible", "creator", "group", "parent", "source_type")
        .prefetch_related(Prefetch("members", queryset=TaskMember.objects.select_related("user")))
    )
    return get_visible_or_404(qs, pk=pk)


def task_get_plain(*, user, pk) -> Task:
    """One visible task without related rows (for writes)."""
    return get_visible_or_404(Task.objects.visible_to(user), pk=pk)


def subtask_list(*, user, task: Task) -> QuerySet[Task]:
    """Direct subtasks of `task` the user may see."""
    return task_list_decorate(
        Task.objects.visible_to(user).filter(parent=task).order_by("created_at", "id"), user=user
    )


ANCESTORS_MAX = 50


def task_ancestors(task: Task, *, user=None) -> list[Task]:
    """The chain of parents from the root down to `task`'s parent, as `user` sees it (one query per level,
    bounded). Each ancestor carries `visible`; one the user may not see keeps only its id (its title is
    blanked: a participant of a subtask does not learn the title of a parent hidden from them).

    Without a viewer nothing can be shown: the answer is empty (and costs nothing).
    """
    if user is None or not _active(user):
        return []
    visible = Task.objects.visible_to(user)
    chain: list[Task] = []
    seen = {task.pk}
    current = task.parent_id
    while current and current not in seen and len(chain) < ANCESTORS_MAX:
        seen.add(current)
        parent = (
            Task.objects.only("id", "title", "parent_id")
            .filter(pk=current)
            .annotate(visible=Exists(visible.filter(pk=OuterRef("pk"))))
            .first()
        )
        if parent is None:
            break
        if not parent.visible:
            parent.title = ""
        chain.append(parent)
        current = parent.parent_id
    return list(reversed(chain))


def task_refs(*, user, tasks) -> list[dict]:
    """`{"id", "title", "visible"}` for each of `tasks` (tasks or ids), in order: the title only of those the
    user may see (one query), so that naming related tasks never leaks a hidden one's title."""
    ids = list(dict.fromkeys(int(getattr(t, "pk", t)) for t in tasks))
    if not ids:
        return []
    titles = dict(Task.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "title"))
    return [{"id": pk, "title": titles.get(pk), "visible": pk in titles} for pk in ids]


def task_links(*, user, task: Task) -> dict[str, list[TaskLink]]:
    """Links into and out of `task`, to tasks the user may see."""
    visible = Task.objects.visible_to(user)
    before = list(
        TaskLink.objects.filter(successor=task, predecessor__in=visible)
        .select_related("predecessor")
        .order_by("id")
    )
    after = list(
        TaskLink.objects.filter(predecessor=task, successor__in=visible)
        .select_related("successor")
        .order_by("id")
    )
    return {"before": before, "after": after}


def link_list(*, user) -> QuerySet[TaskLink]:
    return TaskLink.objects.visible_to(user).select_related("predecessor", "successor")


def link_get(*, user, pk) -> TaskLink:
    return get_visible_or_404(link_list(user=user), pk=pk)


def checklist_items(*, task: Task) -> QuerySet[ChecklistItem]:
    """The checklist of a task already checked as visible."""
    return (
        ChecklistItem.objects.filter(task=task)
        .select_related("assignee", "done_by")
        .order_by("position", "id")
    )


def checklist_item_get(*, user, pk) -> ChecklistItem:
    return get_visible_or_404(ChecklistItem.objects.visible_to(user).select_related("task"), pk=pk)


def comment_list(*, task: Task) -> QuerySet[TaskComment]:
    return TaskComment.objects.filter(task=task).select_related("author").order_by("created_at", "id")


def comment_get(*, user, pk) -> TaskComment:
    return get_visible_or_404(TaskComment.objects.visible_to(user).select_related("task", "author"), pk=pk)


def file_list(*, task: Task) -> QuerySet[TaskFile]:
    return TaskFile.objects.filter(task=task).select_related("uploaded_by")


def file_get(*, user, pk) -> TaskFile:
    return get_visible_or_404(TaskFile.objects.visible_to(user).select_related("task"), pk=pk)


def task_history(*, task: Task, user=None, limit: int = 200):
    """The change history of a task: its audit rows, newest first. With `user`, as that person may read it
    (see `history_redact`): pages and the API pass the viewer."""
    from django.contrib.contenttypes.models import ContentType

    from portal.core.models import AuditLog

    rows = (
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    return rows if user is None else history_redact(rows, user=user, task=task)


# Keys of history rows whose values name another task ({"id", "repr"}), and the key that names tags.
HISTORY_TASK_KEYS = frozenset({"parent", "predecessor", "successor", "after"})
HISTORY_TAG_KEY = "tags"


def history_tag_ref(tag: Tag) -> dict:
    """How a history row names a tag: with its owner or group, so that readers are shown only the tags they
    may see (`history_redact`)."""
    return {"id": tag.pk, "repr": tag.name, "owner": tag.owner_id, "group": tag.group_id}


def _each_value(value):
    """The values of one change: an [old, new] pair gives both, anything else itself."""
    return value if isinstance(value, list) else [value]


def _tag_values(action: str, value) -> list:
    """The recorded tag values of a row: a creation records one list, a change an [old, new] pair."""
    if value is None:
        return []
    if action == "task.create" or not isinstance(value, list):
        return [value]
    return value


def _tag_items(value) -> list:
    """The tag names or refs of one recorded value: a list (refs or names) or, in older rows, a text of
    comma-separated names."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value) if isinstance(value, list) else []


class _HistoryReader:
    """What one person may read of history rows; answers from at most three queries made up front."""

    def __init__(self, rows: list, *, user, task: Task | None) -> None:
        from portal.groups.models import Membership

        self.everything = is_portal_admin(user)
        self.user_id = user.pk
        self.own_task = task.pk if task is not None else None
        task_ids, group_ids, names = set(), set(), set()
        for row in rows:
            changes = row.changes if isinstance(row.changes, dict) else {}
            for key in HISTORY_TASK_KEYS & set(changes):
                for value in _each_value(changes[key]):
                    if isinstance(value, dict) and isinstance(value.get("id"), int):
                        task_ids.add(value["id"])
            for value in _tag_values(row.action, changes.get(HISTORY_TAG_KEY)):
                for item in _tag_items(value):
                    if isinstance(item, dict) and item.get("group"):
                        group_ids.add(item["group"])
                    elif isinstance(item, str):
                        names.add(item)
        task_ids.discard(self.own_task)
        self.tasks: set[int] = set()
        # The page's task comes from `task_get`, which already knows whether its parent is visible.
        parent_visible = getattr(task, "parent_visible", None)
        if task is not None and task.parent_id in task_ids and parent_visible is not None:
            task_ids.discard(task.parent_id)
            if parent_visible:
                self.tasks.add(task.parent_id)
        self.groups: set[int] = set()
        self.names: set[str] = set()
        if self.everything:
            return
        if task_ids:
            visible = Task.objects.visible_to(user).filter(pk__in=task_ids)
            self.tasks |= set(visible.values_list("pk", flat=True))
        if group_ids:
            member = Membership.objects.filter(user=user, group_id__in=group_ids)
            self.groups = set(member.values_list("group_id", flat=True))
        if names:
            # Older rows name tags without their owner: only names of tags the reader has themselves show.
            visible_tags = Tag.objects.visible_to(user).filter(name__in=names)
            self.names = set(visible_tags.values_list("name", flat=True))

    def task_ref(self, value):
        if not (isinstance(value, dict) and isinstance(value.get("id"), int)):
            return value
        if self.everything or value["id"] == self.own_task or value["id"] in self.tasks:
            return value
        return {"id": value["id"], "visible": False}

    def tag_allowed(self, item) -> bool:
        if self.everything:
            return True
        if isinstance(item, dict):
            return item.get("owner") == self.user_id or item.get("group") in self.groups
        return item in self.names

    def tags(self, value):
        kept = [item for item in _tag_items(value) if self.tag_allowed(item)]
        return ", ".join(kept) if isinstance(value, str) else kept


def history_redact(rows, *, user, task: Task | None = None) -> list:
    """History rows as `user` may read them (a list; the rows' `changes` are replaced in memory only).

    Another task the reader may not see is named only by its id, as `{"id": .., "visible": false}` (a link,
    a parent, the task whose move shifted this one); tags the reader may not see (someone else's personal
    tags, a group's they are not in) are left out, and a row with nothing left to show goes. At most three
    queries, none when no row names another task or a tag. `task` is the task the rows are about; loaded by
    `task_get` for the same `user`, its `parent_visible` mark spares the query about its parent.
    """
    rows = list(rows)
    if not _active(user):
        return []
    reader = _HistoryReader(rows, user=user, task=task)
    out = []
    for row in rows:
        changes = row.changes if isinstance(row.changes, dict) else {}
        redacted = {}
        for key, value in changes.items():
            if key in HISTORY_TASK_KEYS:
                value = (
                    [reader.task_ref(v) for v in value] if isinstance(value, list) else reader.task_ref(value)
                )
            elif key == HISTORY_TAG_KEY and value is not None:
                if row.action == "task.create" or not isinstance(value, list):
                    value = reader.tags(value)
                else:
                    value = [reader.tags(v) for v in value]
                    if len(value) == 2 and value[0] == value[1]:
                        continue  # only tags the reader may not see changed
            redacted[key] = value
        if changes and not redacted:
            continue
        row.changes = redacted
        out.append(row)
    return out


def tag_list(*, user) -> QuerySet[Tag]:
    """Tags the user may use: their own and their groups' shared ones."""
    return Tag.objects.visible_to(user).select_related("group").order_by("name", "id")


def tag_get(*, user, pk) -> Tag:
    return get_visible_or_404(Tag.objects.visible_to(user), pk=pk)


def time_entry_list(*, user, task: Task | None = None) -> QuerySet[TimeEntry]:
    qs = TimeEntry.objects.visible_to(user).select_related("user", "task")
    if task is not None:
        qs = qs.filter(task=task)
    return qs.order_by("-started_at", "-id")


def time_entry_get(*, user, pk) -> TimeEntry:
    return get_visible_or_404(TimeEntry.objects.visible_to(user).select_related("task", "user"), pk=pk)


def running_timer(*, user) -> TimeEntry | None:
    if not _active(user):
        return None
    return TimeEntry.objects.running().filter(user=user).select_related("task").first()


def template_list(*, user) -> QuerySet[TaskTemplate]:
    return (
        TaskTemplate.objects.visible_to(user)
        .filter(parent__isnull=True)
        .select_related("responsible", "group")
    )


def template_get(*, user, pk) -> TaskTemplate:
    return get_visible_or_404(TaskTemplate.objects.visible_to(user), pk=pk)


def saved_filter_list(*, user) -> QuerySet[SavedFilter]:
    if not _active(user):
        return SavedFilter.objects.none()
    return SavedFilter.objects.filter(user=user).order_by("name", "id")


def saved_filter_get(*, user, pk) -> SavedFilter:
    return get_visible_or_404(saved_filter_list(user=user), pk=pk)


ROLE_COUNT_CAP = 1000


def task_role_counts(*, user) -> dict[str, int]:
    """Open tasks per role list ("do", "help", "set", "observe", "all") of `user`, in one query.

    Each role count is its own scalar subquery on an index (being in a role already means the task is
    visible), so the cost follows the person's own tasks, not the company's. "All I can see" is capped at
    ROLE_COUNT_CAP + 1 (the page shows "1000+" beyond the cap): counting every visible task of a large company exactly would
    cost a scan of them on each page load.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Count, IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    from .choices import TaskRole

    if not _active(user):
        return dict.fromkeys(TaskRole.values, 0)

    def counted(qs) -> Coalesce:
        # No ordering: the model's default order would join the GROUP BY (and force a sort).
        qs = qs.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(qs, output_field=IntegerField()), 0)

    open_tasks = Task.objects.open()
    mine = TaskMember.objects.filter(user=user, task__in=open_tasks)
    capped = Task.objects.visible_to(user).open().order_by().values("pk")[: ROLE_COUNT_CAP + 1]
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            do=counted(open_tasks.filter(responsible=user)),
            help=counted(mine.filter(role=MemberRole.PARTICIPANT)),
            set=counted(open_tasks.filter(creator=user).exclude(responsible=user)),
            observe=counted(mine.filter(role=MemberRole.OBSERVER)),
            all=counted(Task.objects.filter(pk__in=capped)),
        )
        .values(*TaskRole.values)
        .get()
    )
    return {key: counts[key] or 0 for key in TaskRole.values}


def tasks_from_sources(*, user, model, ids) -> QuerySet[Task]:
    """Visible tasks made from the given objects of `model` (chat messages, stream posts...)."""
    from django.contrib.contenttypes.models import ContentType

    keys = [str(i) for i in ids]
    if not keys or not _active(user):
        return Task.objects.none()
    source_type = ContentType.objects.get_for_model(model)
    return (
        Task.objects.visible_to(user)
        .filter(source_type=source_type, source_id__in=keys)
        .only("id", "title", "source_id", "status")
        .order_by("created_at", "id")
    )


def open_statuses() -> list[str]:
    return [s for s in TaskStatus.values if s not in CLOSED_STATUSES]


# --- time and efficiency (reports) -------------------------------------------------------------------

TIME_GROUPS = ("task", "person", "project")


def _report_moment(value, *, field: str, end: bool = False):
    """A period bound: an aware datetime as is; a date (or "YYYY-MM-DD") as the start of that day in the
    current time zone (for an end bound: of the next day, so the day itself is included)."""
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value) or value
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        day = value + datetime.timedelta(days=1) if end else value
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    raise ValidationError({field: [_("Give a date or a date and time.")]})


def _report_id(value, *, field: str) -> int | None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return None
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: [_("Give a number.")]}) from exc


def time_spent_by(*, user, group_by: str, filters=None) -> list[dict]:
    """Time logged on tasks the user may see, summed by "task", "person" or "project" (largest first).

    `filters` (a dict or QueryDict, all optional): task, person, group (project), start and end (dates or
    datetimes; on when the entry started; an end date includes its day). One query.
    Rows: task: task_id, title, time_estimate, seconds, entries; person: user_id, name, seconds, entries;
    project: group_id, name (None without a project), seconds, entries.
    """
    from django.db.models import Count, Sum

    if group_by not in TIME_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(TIME_GROUPS)}")
    data = filters or {}
    qs = TimeEntry.objects.visible_to(user)
    task_id = _report_id(data.get("task"), field="task")
    person_id = _report_id(data.get("person"), field="person")
    group_id = _report_id(data.get("group"), field="group")
    start = _report_moment(data.get("start"), field="start")
    end = _report_moment(data.get("end"), field="end", end=True)
    if task_id is not None:
        qs = qs.filter(task_id=task_id)
    if person_id is not None:
        qs = qs.filter(user_id=person_id)
    if group_id is not None:
        qs = qs.filter(task__group_id=group_id)
    if start is not None:
        qs = qs.filter(started_at__gte=start)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    columns = {
        "task": ("task_id", "task__title", "task__time_estimate"),
        "person": ("user_id", "user__first_name", "user__last_name", "user__email"),
        "project": ("task__group_id", "task__group__name"),
    }[group_by]
    rows = (
        qs.order_by()
        .values(*columns)
        .annotate(seconds=Sum("seconds"), entries=Count("id"))
        .order_by("-seconds", columns[0])
    )
    out = []
    for row in rows:
        totals = {"seconds": row["seconds"] or 0, "entries": row["entries"]}
        if group_by == "task":
            out.append(
                {
                    "task_id": row["task_id"],
                    "title": row["task__title"],
                    "time_estimate": row["task__time_estimate"],
                    **totals,
                }
            )
        elif group_by == "person":
            name = f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"]
            out.append({"user_id": row["user_id"], "name": name, **totals})
        else:
            out.append({"group_id": row["task__group_id"], "name": row["task__group__name"], **totals})
    return out


def efficiency_people(*, user):
    """The people whose efficiency `user` may see: themselves; the people of the sub-tree they head when
    supervisor; everyone active when admin."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from .models import headed_path

    people = get_user_model().objects.filter(is_active=True)
    if not _active(user):
        return people.none()
    if is_portal_admin(user):
        return people
    path = headed_path(user)
    if path:
        return people.filter(Q(pk=user.pk) | Q(department__path__startswith=path))
    return people.filter(pk=user.pk)


def _share(on_time: int, closed: int, overdue: int) -> int | None:
    """Percent of the tasks that counted in the period (closed, or still open past their deadline) that
    were closed on time; None when none counted."""
    total = closed + overdue
    return round(100 * on_time / total) if total else None


def efficiency(*, user, person_ids=None, department=None, start, end) -> list[dict]:
    """Per person (as responsible), in the period [start, end): `closed` (completed in it, by when the person
    completed it, also while it awaits the creator's control), `on_time` (of those, never overdue: completed
    by the deadline), `overdue` (still running, deadline passed in the period), and `share` = on_time / (closed + overdue) in percent (None when nothing counted).

    Only people the viewer may see tasks of (`efficiency_people`), narrowed to `person_ids` and/or the
    sub-tree of `department` (a Department or its id); with `department`, a last row with `is_total`
    sums them up. Dates as in `time_spent_by`. Three queries whatever the number of people.
    """
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from portal.people.models import Department

    start_at = _report_moment(start, field="start")
    end_at = _report_moment(end, field="end", end=True)
    if start_at is None or end_at is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"start": [_("A period needs a start and an end.")]})
    people = efficiency_people(user=user)
    if person_ids is not None:
        people = people.filter(pk__in=[int(getattr(p, "pk", p)) for p in person_ids])
    dept = None
    if department is not None:
        dept = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(pk=_report_id(department, field="department")).first()
        )
        if dept is None:
            people = people.none()
        else:
            people = people.filter(department__path__startswith=dept.path)
    people = list(
        people.order_by("last_name", "first_name", "id").only("id", "first_name", "last_name", "email")
    )
    ids = [p.pk for p in people]
    now = timezone.now()
    stats = {}
    if ids:
        # Completed by the responsible person in the period, accepted or still awaiting the creator's control:
        # `completed_at` is when they completed it, so a slow control does not make them late.
        closed_in_period = Q(
            status__in=(TaskStatus.COMPLETED, TaskStatus.AWAITING_CONTROL),
            completed_at__gte=start_at,
            completed_at__lt=end_at,
        )
        late = Q(became_overdue=True) | Q(deadline__isnull=False, completed_at__gt=F("deadline"))
        overdue_now = ~Q(status__in=HANDED_IN_STATUSES) & Q(
            deadline__gte=start_at, deadline__lt=min(end_at, now)
        )
        stats = {
            row["responsible_id"]: row
            for row in Task.objects.filter(responsible_id__in=ids)
            .filter(closed_in_period | overdue_now)
            .order_by()
            .values("responsible_id")
            .annotate(
                closed=Count("id", filter=closed_in_period),
                on_time=Count("id", filter=closed_in_period & ~late),
                overdue=Count("id", filter=overdue_now),
            )
        }
    rows = []
    for person in people:
        row = stats.get(person.pk, {})
        closed, on_time, overdue = row.get("closed", 0), row.get("on_time", 0), row.get("overdue", 0)
        rows.append(
            {
                "user_id": person.pk,
                "name": person.full_name or person.email,
                "closed": closed,
                "on_time": on_time,
                "overdue": overdue,
                "share": _share(on_time, closed, overdue),
                "is_total": False,
            }
        )
    if dept is not None:
        closed = sum(r["closed"] for r in rows)
        on_time = sum(r["on_time"] for r in rows)
        overdue = sum(r["overdue"] for r in rows)
        rows.append(
            {
                "user_id": None,
                "department_id": dept.pk,
                "name": dept.name,
                "closed": closed,
                "on_time": on_time,
                "overdue": overdue,
                "share": _share(on_time, closed, overdue),
                "is_total": True,
            }
        )
    return rows
