"""Tasks: reads of tasks, already filtered to what the user may see: the lists (one FilterSet for pages and
API), one task (404 for hidden and missing alike), subtasks and ancestors, role counts of the list tabs.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
)

from portal.core.permissions import get_visible

from ..choices import CLOSED_STATUSES, MemberRole, TaskStatus
from ..filters import DEFAULT_SORT, SORTS, TaskFilterSet
from ..models import (
    Tag,
    Task,
    TaskMember,
)
from ..permissions import _active


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
    return get_visible(qs, pk=pk)


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


ROLE_COUNT_CAP = 1000


def task_role_counts(*, user) -> dict[str, int]:
    """Open tasks per role list ("do", "help", "set", "observe", "all") of `user`, in one query.

    Each role count is its own scalar subquery on an index (being in a role already means the task is
    visible), so the cost follows the person's own tasks, not the company's. "All I can see" is capped at
    ROLE_COUNT_CAP + 1 (the page shows "1000+" beyond the cap): counting every visible task of a large company exactly would
    cost a scan of them on each page load.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from ..choices import TaskRole

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
