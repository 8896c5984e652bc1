"""Tasks: reads of tasks, already filtered to what the user may see: the lists (one FilterSet for pages and
API), one task (404 for hidden and missing alike), subtasks and ancestors, role counts of the list tabs.
"""

from __future__ import annotations

import functools

from django.db import connections
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
)
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.permissions import get_visible, is_portal_admin

from ..choices import CLOSED_STATUSES, MemberRole, TaskStatus
from ..filters import DEFAULT_SORT, SORTS, TaskFilterSet
from ..models import (
    Tag,
    Task,
    TaskComment,
    TaskMember,
    TaskView,
)
from ..permissions import _active


def task_list(*, user, filters=None, decorate: bool = True) -> QuerySet[Task]:
    """Tasks `user` may see, narrowed by the task FilterSet (`filters` is a QueryDict or dict), sorted."""
    data = filters if filters is not None else {}
    qs = None
    if data:
        # A role list holds only tasks the person is named on (always visible to them): the visibility rule
        # is left out of its query (`visible_in_role`), but only when the role filter is sure to apply.
        filterset = TaskFilterSet(
            data, queryset=Task.objects.visible_in_role(user, data.get("role")), user=user
        )
        if filterset.is_valid():
            qs = filterset.qs
    if qs is None:  # no filter, or one not understood: every visible task (never the role's bare base)
        qs = Task.objects.visible_to(user)
    if not (data and data.get("sort") in SORTS):
        qs = qs.order_by(*SORTS[DEFAULT_SORT])
    return task_list_decorate(qs, user=user) if decorate else qs


def task_list_sorted(filterset: TaskFilterSet) -> QuerySet[Task]:
    """The tasks of a bound, valid `filterset` built on `Task.objects.visible_to(user)` (the request's one
    FilterSet), in the chosen order or the default one; not decorated (see `task_list_decorate`)."""
    qs = filterset.qs
    if filterset.form.cleaned_data.get("sort") not in SORTS:
        qs = qs.order_by(*SORTS[DEFAULT_SORT])
    return qs


def visible_tags_prefetch(user, lookup: str = "tags") -> Prefetch:
    """The tags of tasks as `user` may see them, under the default name (`task.tags.all` in templates):
    their own and their groups' shared tags, never another person's personal tags (as the API shows)."""
    return Prefetch(lookup, queryset=Tag.objects.visible_to(user).only("id", "name", "owner_id", "group_id"))


def task_list_decorate(qs: QuerySet[Task], *, user) -> QuerySet[Task]:
    """What a list row shows: people, group and the tags `user` may see, in a constant number of queries."""
    return qs.select_related("responsible", "creator", "group").prefetch_related(visible_tags_prefetch(user))


def task_get(*, user, pk) -> Task:
    """One task the user may see (404 for hidden and missing alike), with its people and group,
    `parent_visible`: whether the user sees its parent (a hidden parent is not named), and
    `comments_unseen`: whether it has a comment the user has not seen (newer than their last look)."""
    if not _active(user):
        raise NotFound(_("No task matches the given query."))
    # Whether a comment is newer than the person's last look (`task_mark_seen` then writes nothing if not).
    seen = TaskView.objects.filter(
        task=OuterRef(OuterRef("pk")), user=user, seen_at__gte=OuterRef("created_at")
    )
    unseen = TaskComment.objects.filter(task=OuterRef("pk")).filter(~Exists(seen))
    qs = (
        Task.objects.select_related("responsible", "creator", "group", "parent")
        .defer("search_text", "parent__search_text", "parent__description")
        .annotate(comments_unseen=Exists(unseen))
        .prefetch_related(Prefetch("members", queryset=TaskMember.objects.select_related("user")))
    )
    task = get_visible(qs, pk=pk)
    # The task is read by its key and judged after: its own people see it (the rule's first terms, answered
    # by the row and its prefetched members), anything else is asked of `visible_to` in one query, together
    # with the parent. The rule built into the task's own query cost more to plan than the rest of the page.
    admin = is_portal_admin(user)
    mine = admin or user.pk in (task.creator_id, task.responsible_id)
    mine = mine or any(member.user_id == user.pk for member in task.members.all())
    parent = task.parent if task.parent_id else None
    parent_mine = parent is not None and (admin or user.pk in (parent.creator_id, parent.responsible_id))
    ask = [t for t, known in ((task.pk, mine), (task.parent_id, parent is None or parent_mine)) if not known]
    seen = (
        set(Task.objects.visible_to(user).filter(pk__in=ask).values_list("pk", flat=True)) if ask else set()
    )
    if not (mine or task.pk in seen):
        raise NotFound(_("No task matches the given query."))
    task.parent_visible = parent is not None and (parent_mine or parent.pk in seen)
    task.read_for = user.pk  # whom the visibility check and `comments_unseen` answered for
    return task


def task_get_plain(*, user, pk) -> Task:
    """One visible task without related rows (for writes)."""
    return get_visible(Task.objects.visible_to(user), pk=pk)


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
    if user is None or not _active(user) or not task.parent_id:
        return []
    visible = None
    chain: list[Task] = []
    seen = {task.pk}
    current = task.parent_id
    while current and current not in seen and len(chain) < ANCESTORS_MAX:
        seen.add(current)
        if not chain and Task.parent.is_cached(task) and getattr(task, "parent_visible", None) is not None:
            # `task_get` (for the same viewer) loaded the parent and whether the viewer sees it.
            parent = Task(pk=task.parent.pk, title=task.parent.title, parent_id=task.parent.parent_id)
            parent.visible = task.parent_visible
        else:
            if visible is None:
                visible = Task.objects.visible_to(user)
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


ROLE_COUNT_CAP = 1000


def _counted(qs):
    """`qs`'s row count as a scalar subquery (0 when empty)."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    # No ordering: the model's default order would join the GROUP BY (and force a sort).
    qs = qs.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(qs, output_field=IntegerField()), 0)


def _role_count_exprs(user_id: int) -> dict:
    """The four role counts of the person `user_id` as scalar subqueries, each on an index (being in a role
    already means the task is visible), so the cost follows the person's own tasks, not the company's."""
    open_tasks = Task.objects.open()
    # Joined to the person's own memberships (a few), not an IN over every open task of the company.
    mine = TaskMember.objects.filter(user_id=user_id).exclude(task__status__in=CLOSED_STATUSES)
    return {
        "do": _counted(open_tasks.filter(responsible_id=user_id)),
        "help": _counted(mine.filter(role=MemberRole.PARTICIPANT)),
        # The open statuses named (status IN, not NOT IN): the (creator, status) index then finds the person's
        # open tasks alone, rather than every task they ever set (thousands at scale, closed ones mostly).
        "set": _counted(
            Task.objects.filter(creator_id=user_id, status__in=open_statuses()).exclude(
                responsible_id=user_id
            )
        ),
        "observe": _counted(mine.filter(role=MemberRole.OBSERVER)),
    }


ROLE_KEYS = ("do", "help", "set", "observe")
# A person id no one has: where it lands among the parameters of the compiled role counts, the real id goes.
_ANY_PERSON = -7_000_000_001


@functools.cache
def _role_counts_sql(alias: str) -> tuple[str, tuple]:
    """The SQL of the four role counts, compiled once per process for a stand-in person (building and
    compiling the four subqueries cost more than running them); `_role_counts` puts the person in."""
    from django.contrib.auth import get_user_model

    qs = get_user_model().objects.filter(pk=_ANY_PERSON).annotate(**_role_count_exprs(_ANY_PERSON))
    return qs.values(*ROLE_KEYS).query.sql_with_params()


def _role_counts(user) -> dict[str, int]:
    """The four role counts of `user`, in one query from the SQL compiled once."""
    sql, params = _role_counts_sql(Task.objects.db)
    with connections[Task.objects.db].cursor() as cursor:
        cursor.execute(sql, [user.pk if param == _ANY_PERSON else param for param in params])
        row = cursor.fetchone()
    return dict(zip(ROLE_KEYS, (value or 0 for value in row), strict=True))


def task_role_counts(*, user, count_all: bool = True) -> dict[str, int]:
    """Open tasks per role list ("do", "help", "set", "observe", "all") of `user`, in one query.
    Without `count_all` the "all" count is left out (None): see `task_tab_counts`.

    "All I can see" is capped at ROLE_COUNT_CAP + 1 (the page shows "1000+" beyond the cap): counting every
    visible task of a large company exactly would cost a scan of them on each page load.
    """
    from django.contrib.auth import get_user_model

    from ..choices import TaskRole

    if not _active(user):
        return dict.fromkeys(TaskRole.values, 0)
    if not count_all:
        return {**_role_counts(user), "all": None}
    roles = _role_count_exprs(user.pk)
    capped = Task.objects.visible_to(user).open().order_by().values("pk")[: ROLE_COUNT_CAP + 1]
    roles["all"] = _counted(Task.objects.filter(pk__in=capped))
    counts = get_user_model().objects.filter(pk=user.pk).annotate(**roles).values(*roles).get()
    return {key: counts[key] or 0 for key in roles}


# How long the tabs reuse a person's capped "all" count (see `task_tab_counts`).
ALL_COUNT_TTL = 60


def task_tab_counts(*, user) -> dict[str, int]:
    """The role counts of the list tabs: the four role counts exact on every load (one query on indexes),
    the capped "all" count kept for ALL_COUNT_TTL seconds per person.

    The "all" count looks through the visible open tasks until it passes the cap: the costliest part of
    the list page (for someone who sees few tasks it scans every open task of the company). It is cached
    under the person's id, their account's creation time and their four role counts, so it is recounted at
    once when a task they do, help with, set or observe is opened, closed or handed over; other changes
    (a colleague's task in an open group, a new grant) show within ALL_COUNT_TTL seconds. Never shared
    between people.
    """
    from django.core.cache import cache

    counts = task_role_counts(user=user, count_all=False)
    if not _active(user):
        return {**counts, "all": 0}
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    roles = ":".join(str(counts[key]) for key in ("do", "help", "set", "observe"))
    key = f"tasks:all-count:{user.pk}:{joined}:{ROLE_COUNT_CAP}:{roles}"
    count = cache.get(key)
    if count is None:
        count = task_visible_open_count(user=user)
        cache.set(key, count, ALL_COUNT_TTL)
    return {**counts, "all": count}


def task_visible_open_count(*, user) -> int:
    """Open tasks `user` may see, counted up to ROLE_COUNT_CAP + 1 (one query)."""
    if not _active(user):
        return 0
    capped = Task.objects.visible_to(user).open().order_by().values("pk")[: ROLE_COUNT_CAP + 1]
    return Task.objects.filter(pk__in=capped).count()


def tasks_from_sources(*, user, model, ids) -> QuerySet[Task]:
    """Visible tasks made from the given objects of `model` (chat messages, stream posts...)."""
    from django.contrib.contenttypes.models import ContentType

    keys = [str(i) for i in ids]
    if not keys or not _active(user):
        return Task.objects.none()
    source_type = ContentType.objects.get_for_model(model)
    # Most posts and messages never become tasks: one indexed look-up first, and the visibility rule (the
    # costlier query to build and to run) only for the few that did.
    made = list(Task.objects.filter(source_type=source_type, source_id__in=keys).values_list("pk", flat=True))
    if not made:
        return Task.objects.none()
    return (
        Task.objects.visible_to(user)
        .filter(pk__in=made)
        .only("id", "title", "source_id", "status")
        .order_by("created_at", "id")
    )


def open_statuses() -> list[str]:
    return [s for s in TaskStatus.values if s not in CLOSED_STATUSES]


# --- the list API's rows: plain values, no model instances ----------------------------------------------

# The columns a row of the list API shows (`api.serializers.tasks.task_list_data` builds the JSON).
TASK_ROW_FIELDS = (
    "id", "title", "status", "priority", "creator_id", "responsible_id", "group_id", "group__name",
    "parent_id", "deadline", "planned_start", "planned_end", "schedule_conflict", "allow_change_deadline",
    "requires_control", "checklist_required", "deadline_in_work_hours", "started_at", "completed_at",
    "time_estimate", "time_spent", "subtasks_count", "subtasks_done", "checklist_count", "checklist_done",
    "comments_count", "files_count", "last_comment_at", "created_at", "updated_at",
)  # fmt: skip


def task_list_rows(*, user, filterset: TaskFilterSet | None = None, queryset=None) -> QuerySet:
    """The rows of the list API as dicts of TASK_ROW_FIELDS: the tasks of a bound, valid `filterset` built
    on `Task.objects.visible_to(user)` (the request's one FilterSet), or of a `queryset` of visible tasks.
    Neither people nor tags are joined: `task_row_people` and `task_row_tags` read them for one page."""
    if filterset is not None:
        queryset = filterset.qs
        if filterset.form.cleaned_data.get("sort") not in SORTS:
            queryset = queryset.order_by(*SORTS[DEFAULT_SORT])
    elif queryset is None:
        queryset = Task.objects.visible_to(user).order_by(*SORTS[DEFAULT_SORT])
    return queryset.select_related(None).prefetch_related(None).values(*TASK_ROW_FIELDS)


def task_row_people(rows) -> dict[int, dict]:
    """`{id: {"id", "full_name", "email"}}` of the creators and responsible people of `rows` (one query)."""
    from django.contrib.auth import get_user_model

    ids = {row["creator_id"] for row in rows} | {row["responsible_id"] for row in rows}
    if not ids:
        return {}
    people = get_user_model().objects.filter(pk__in=ids).values_list("id", "first_name", "last_name", "email")
    return {
        pk: {"id": pk, "full_name": f"{first} {last}".strip(), "email": email}
        for pk, first, last, email in people
    }


def task_row_tags(rows, *, user) -> dict[int, list[dict]]:
    """`{task id: [{"id", "name", "group"}]}`: the tags of `rows` that `user` may see (their own and their
    groups' shared tags, never another person's personal tags), by name then id (one query)."""
    ids = [row["id"] for row in rows]
    tags: dict[int, list[dict]] = {}
    if not ids:
        return tags
    found = (
        Tag.objects.visible_to(user)
        .filter(task_tags__task_id__in=ids)
        .order_by("name", "id")
        .values_list("task_tags__task_id", "id", "name", "group_id")
    )
    for task_id, pk, name, group_id in found:
        tags.setdefault(task_id, []).append({"id": pk, "name": name, "group": group_id})
    return tags


def responsible_away(*, user, responsible, deadline=None):
    """(person, Away) when the person chosen as responsible is away on the deadline's day (in their own time
    zone; today when there is no deadline or it has passed), else None: the task form's warning and the task
    page's responsible chip. `responsible` is a user or an id among the people `user` may see (anyone else
    answers None). Core's absences (`portal.core.absences`): a query for the person when given an id, one per
    absence provider, and one more for a person away."""
    import zoneinfo

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from portal.core.absences import absence_until

    if not _active(user) or responsible in (None, ""):
        return None
    person = responsible
    if not hasattr(person, "pk"):
        try:
            pk = int(person)
        except (TypeError, ValueError):
            return None
        person = (
            get_user_model()
            .objects.visible_to(user)
            .filter(pk=pk, is_active=True)
            .only("id", "first_name", "last_name", "email", "time_zone")
            .first()
        )
        if person is None:
            return None
    try:
        zone = zoneinfo.ZoneInfo(getattr(person, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    day = timezone.now().astimezone(zone).date()
    if deadline is not None:
        day = max(day, deadline.astimezone(zone).date())
    away = absence_until(user_ids=[person.pk], day=day).get(person.pk)
    return (person, away) if away is not None else None
