"""Reads of tasks and everything around them; all already permission-filtered.

Every read starts from `Task.objects.visible_to(user)`. The permission predicates (`can_*`) live here too:
templates, views, the API and the services ask the same questions in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from portal.core.permissions import get_visible_or_404, is_portal_admin

from .choices import CLOSED_STATUSES, MemberRole, TaskStatus
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
    return task_list_decorate(qs) if decorate else qs


def task_list_decorate(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What a list row shows: people, group and tags, in a constant number of queries."""
    return qs.select_related("responsible", "creator", "group").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name", "owner_id", "group_id"))
    )


def task_get(*, user, pk) -> Task:
    """One task the user may see (404 for hidden and missing alike), with its people and group."""
    qs = (
        Task.objects.visible_to(user)
        .select_related("responsible", "creator", "group", "parent", "source_type")
        .prefetch_related(Prefetch("members", queryset=TaskMember.objects.select_related("user")))
    )
    return get_visible_or_404(qs, pk=pk)


def task_get_plain(*, user, pk) -> Task:
    """One visible task without related rows (for writes)."""
    return get_visible_or_404(Task.objects.visible_to(user), pk=pk)


def subtask_list(*, user, task: Task) -> QuerySet[Task]:
    """Direct subtasks of `task` the user may see."""
    return task_list_decorate(Task.objects.visible_to(user).filter(parent=task).order_by("created_at", "id"))


def task_ancestors(task: Task) -> list[Task]:
    """The chain of parents from the root down to `task`'s parent (one query per level, bounded)."""
    chain: list[Task] = []
    seen = {task.pk}
    current = task.parent_id
    while current and current not in seen and len(chain) < 50:
        seen.add(current)
        parent = Task.objects.only("id", "title", "parent_id").filter(pk=current).first()
        if parent is None:
            break
        chain.append(parent)
        current = parent.parent_id
    return list(reversed(chain))


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


def task_history(*, task: Task, limit: int = 200):
    """The change history of a task: its audit rows, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from portal.core.models import AuditLog

    return (
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


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


def open_statuses() -> list[str]:
    return [s for s in TaskStatus.values if s not in CLOSED_STATUSES]
