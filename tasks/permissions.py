"""Tasks: who may do what with a task. The `can_*` rules (see, edit, change status or deadline, take part,
comment, control, manage a tag, reschedule), the status actions a person may take now, and the bundle of
them the task page and the API show. Services, selectors, views and the API all ask these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Q,
)

from portal.core.permissions import is_portal_admin

from .choices import MemberRole, TaskStatus
from .models import (
    Tag,
    Task,
    TaskMember,
)


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
# action -> (statuses it may start from, status it leads to); "complete" leads to awaiting_control when the
# task requires control and the person completing it is not its creator.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((TaskStatus.NEW,), TaskStatus.PENDING),
    "start": ((TaskStatus.NEW, TaskStatus.PENDING, TaskStatus.DEFERRED), TaskStatus.IN_PROGRESS),
    "pause": ((TaskStatus.IN_PROGRESS,), TaskStatus.PENDING),
    "complete": (
        (TaskStatus.NEW, TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.DEFERRED),
        TaskStatus.COMPLETED,
    ),
    "approve": ((TaskStatus.AWAITING_CONTROL,), TaskStatus.COMPLETED),
    "return": ((TaskStatus.AWAITING_CONTROL,), TaskStatus.IN_PROGRESS),
    "defer": ((TaskStatus.NEW, TaskStatus.PENDING, TaskStatus.IN_PROGRESS), TaskStatus.DEFERRED),
    "decline": ((TaskStatus.NEW, TaskStatus.PENDING), TaskStatus.DECLINED),
    "renew": ((TaskStatus.COMPLETED, TaskStatus.DECLINED, TaskStatus.DEFERRED), TaskStatus.PENDING),
}

CONTROL_ACTIONS = ("approve", "return")


def can_do_action(user, task: Task, action: str) -> bool:
    """Whether `user` has the right to take the status `action` (whatever the task's status now)."""
    if action in CONTROL_ACTIONS:
        return can_edit(user, task)
    return can_change_status(user, task)


def available_actions(user, task: Task) -> list[str]:
    """The status actions `user` may take on `task` now, in the order of `services.TRANSITIONS`."""

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


def _manageable_q(user) -> Q:
    """Mirrors the services' rule for renaming, merging and deleting a tag: the owner of a personal tag,
    owners and moderators of a group's shared tag (admins: every tag; see `tag_list_managed`)."""
    from portal.groups.models import Membership
    from portal.groups.selectors import MODERATING_ROLES

    moderates = Membership.objects.filter(group=OuterRef("group_id"), user=user, role__in=MODERATING_ROLES)
    return Q(group__isnull=True, owner=user) | Q(Exists(moderates), group__isnull=False)


def can_manage_tag(user, tag: Tag) -> bool:
    """Whether the viewer may rename, merge or delete `tag` (the `can_manage` annotation when present)."""
    if not _active(user):
        return False
    annotated = getattr(tag, "can_manage", None)
    if annotated is not None:
        return bool(annotated)
    if is_portal_admin(user):
        return True
    return Tag.objects.filter(_manageable_q(user), pk=tag.pk).exists()


def can_reschedule(user, task: Task) -> bool:
    """Move planned dates (drag a Gantt bar): the creator (and admins) and the responsible person."""
    return can_edit(user, task) or bool(
        user and user.is_authenticated and user.is_active and task.responsible_id == user.pk
    )
