"""Tasks: status transitions (accept, start, pause, complete, approve, return, defer, decline, renew). The
table of who may take which action from which status lives in `tasks.permissions`; these services apply it,
close subtrees, write the history and notify.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.automation import automation_event_send
from portal.core.errors import NotFound
from portal.core.registry import registry

from .. import selectors
from ..choices import (
    CLOSED_STATUSES,
    OpenSubtasksPolicy,
    TaskStatus,
)
from ..models import ChecklistItem, Task, TaskComment, TaskView
from ..permissions import TRANSITIONS
from .effects import (
    _bump_parent,
    _descendant_ids,
    _is_closed,
    _is_handed_in,
    _name,
    _notify,
    _people_ids,
    _people_of_tasks,
    _publish,
    _recount,
    task_search_text_refresh,
)
from .validation import _clean_comment, _require, _require_visible

__all__ = [
    "TRANSITIONS",
    "task_transition",
    "task_set_status",
]

S = TaskStatus

# Actions that need a comment (stored as a task comment): the creator's reason to return, the reason to decline.
COMMENT_REQUIRED = ("return", "decline")


# --- status ------------------------------------------------------------------------------------------


def _lock_status(task: Task) -> None:
    """Re-read the status fields under a row lock: two people acting at once cannot both count."""
    fresh = (
        Task.objects.select_for_update()
        .filter(pk=task.pk)
        .values("status", "started_at", "completed_at", "became_overdue", "parent_id")
        .first()
    )
    if fresh is None:
        raise NotFound(_("No task matches the given query."))
    for name, value in fresh.items():
        setattr(task, name, value)


def _apply_status(*, actor, task: Task, action: str, status: str, now, comment: str = "") -> str:
    """Write a new status with what goes with it (dates, the overdue mark, the parent's numbers, the
    history row). Returns the old status."""
    old = task.status
    task.status = status
    update = ["status"]
    if status == S.IN_PROGRESS and task.started_at is None:
        task.started_at = now
        update.append("started_at")
    # `completed_at` is when the responsible person's part ended: set on completing (also into control),
    # kept when the creator accepts, cleared when the task is returned or renewed.
    if _is_handed_in(status) and (not _is_handed_in(old) or task.completed_at is None):
        task.completed_at = now
        update.append("completed_at")
    elif not _is_handed_in(status) and task.completed_at is not None:
        task.completed_at = None
        update.append("completed_at")
    # Late only when the responsible person's part ends after the deadline (closing a subtask already
    # awaiting control with its parent is not a late completion).
    late = action == "complete" and not _is_handed_in(old) and task.deadline and now > task.deadline
    if late and not task.became_overdue:
        task.became_overdue = True
        update.append("became_overdue")
    task.save(update_fields=[*update, "updated_at"])
    if _is_closed(old) != _is_closed(status):
        _bump_parent(task.parent_id, done=1 if _is_closed(status) else -1)
        for extension in registry.task_extensions:  # other apps' reactions (the strategy's goal progress)
            if extension.status_changed is not None:
                extension.status_changed(task_ids=[task.pk])
    changes: dict = {"status": [old, status], "action": action}
    if comment:
        changes["comment"] = comment[:300]
    entry = audit_record(actor=actor, action="task.status", target=task, changes=changes)
    if task.group_id:
        # Automation rules of the task's workgroup (run after commit, never holding this change up).
        automation_event_send(
            trigger="tasks.status_changed",
            object_id=task.pk,
            event_id=f"{task.pk}:{status}:{entry.pk}",
            scopes=[f"group:{task.group_id}"],
            data={"status": status, "old_status": old, "title": task.title},
            actor_id=getattr(actor, "pk", None),
        )
    return old


def _add_comment(*, actor, task: Task, body: str, now) -> TaskComment:
    """The comment that goes with a status action (a return's or a decline's reason)."""
    comment = TaskComment.objects.create(task=task, author=actor, body=body, created_at=now)
    Task.objects.filter(pk=task.pk).update(comments_count=F("comments_count") + 1, last_comment_at=now)
    task.refresh_from_db(fields=["comments_count", "last_comment_at"])
    # The author has seen their own comment.
    TaskView.objects.update_or_create(task=task, user=actor, defaults={"seen_at": now})
    task_search_text_refresh(task_ids=[task.pk])
    return comment


def _open_subtasks_error(count: int) -> ValidationError:
    message = ngettext(
        "This task has %(count)d open subtask: complete it too, or leave it open?",
        "This task has %(count)d open subtasks: complete them too, or leave them open?",
        count,
    ) % {"count": count}
    error = ValidationError({"open_subtasks": [ValidationError(message, code="open_subtasks")]})
    error.code = "open_subtasks"  # what the page asks about, also on the error itself
    return error


def _open_checklist_error(count: int) -> ValidationError:
    """Open checklist items on completing: the page (or the API client) asks, then sends the confirmation."""
    message = ngettext(
        "%(count)d checklist item is open: complete the task anyway?",
        "%(count)d checklist items are open: complete the task anyway?",
        count,
    ) % {"count": count}
    error = ValidationError({"open_checklist": [ValidationError(message, code="open_checklist")]})
    error.code = "open_checklist"
    return error


def _checklist_required_error(count: int) -> ValidationError:
    """The task's rule: no completion while checklist items are open (no confirmation lifts it)."""
    message = ngettext(
        "The task's creator requires a complete checklist: %(count)d item is still open.",
        "The task's creator requires a complete checklist: %(count)d items are still open.",
        count,
    ) % {"count": count}
    error = ValidationError({"checklist": [ValidationError(message, code="checklist_required")]})
    error.code = "checklist_required"
    return error


def _check_checklist(task: Task, action: str, confirmed: bool) -> None:
    """Completing (or accepting) with open checklist items: refused when the task requires a complete
    checklist, else completing needs the person's confirmation."""
    if action not in ("complete", "approve"):
        return
    open_items = ChecklistItem.objects.filter(task_id=task.pk, is_done=False).count()
    if not open_items:
        return
    if task.checklist_required:
        raise _checklist_required_error(open_items)
    if action == "complete" and not confirmed:
        raise _open_checklist_error(open_items)


def _close_subtree(*, actor, levels: list[list[int]], now) -> list[Task]:
    """Complete every open task of a subtree, deepest first (no control step: the parent's closing decides)."""
    ids = [pk for level in levels for pk in level]
    tasks = Task.objects.select_for_update().filter(pk__in=ids).exclude(status__in=CLOSED_STATUSES).in_bulk()
    closed = []
    for level in reversed(levels):
        for pk in level:
            sub = tasks.get(pk)
            if sub is None:
                continue
            _apply_status(actor=actor, task=sub, action="complete", status=S.COMPLETED, now=now)
            closed.append(sub)
    return closed


def _denied_message(action: str) -> str:
    if action == "approve":
        return _("Only the task's creator accepts the work.")
    if action == "return":
        return _("Only the task's creator returns it for rework.")
    return _("Only the responsible person and the creator change the status.")


@transaction.atomic
def task_transition(
    *,
    actor,
    task,
    action: str,
    comment: str = "",
    open_subtasks: str | None = None,
    confirm_checklist: bool = False,
) -> Task:
    """Take a status action (see TRANSITIONS). The responsible person (and the creator, and admins) accept,
    start, pause, complete, defer, decline and renew; the creator (and admins) approve and return.

    Completing a task with open subtasks needs `open_subtasks`: "complete" closes them too, "keep" leaves
    them; without it a ValidationError with code "open_subtasks" lets the page ask. Completing with open
    checklist items needs `confirm_checklist` (else a ValidationError with code "open_checklist"), and is
    refused (code "checklist_required", also on accepting) when the task requires a complete checklist. A
    task that requires
    control goes to awaiting_control when someone other than its creator completes it. Returning needs a
    comment, declining a reason; a given comment is kept as a task comment.
    """
    _require_visible(actor, task)
    if action not in TRANSITIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    _require(
        selectors.can_do_action(actor, task, action),
        _denied_message(action),
    )
    if open_subtasks not in (None, *OpenSubtasksPolicy.values):
        raise ValidationError(
            {"open_subtasks": [_("Choose to complete the subtasks or to leave them open.")]}
        )
    _lock_status(task)
    sources, status = TRANSITIONS[action]
    if task.status not in sources:
        raise ValidationError(
            {
                "status": [
                    _("This cannot be done to a task that is “%(status)s”.")
                    % {"status": task.get_status_display()}
                ]
            },
            code="invalid_transition",
        )
    comment = _clean_comment(
        comment,
        required=action in COMMENT_REQUIRED,
        message=_("Say what is to be redone.") if action == "return" else _("Give a reason."),
    )
    _check_checklist(task, action, bool(confirm_checklist))
    now = timezone.now()
    affected = _people_ids(task)
    closed_subtasks: list[Task] = []
    if action == "complete":
        levels = _descendant_ids(task.pk)
        all_ids = [pk for level in levels for pk in level]
        open_count = Task.objects.filter(pk__in=all_ids).open().count() if all_ids else 0
        if open_count and open_subtasks is None:
            raise _open_subtasks_error(open_count)
        if open_count and open_subtasks == OpenSubtasksPolicy.COMPLETE:
            closed_subtasks = _close_subtree(actor=actor, levels=levels, now=now)
        if task.requires_control and actor.pk != task.creator_id:
            status = S.AWAITING_CONTROL
    if comment:
        _add_comment(actor=actor, task=task, body=comment, now=now)
    _apply_status(actor=actor, task=task, action=action, status=status, now=now, comment=comment)

    names = {"name": _name(actor), "title": task.title}
    if status == S.COMPLETED:
        _publish(actor=actor, task=task, verb="task.completed")
    elif action == "return":
        _publish(actor=actor, task=task, verb="task.returned", comment=comment)
    if status == S.AWAITING_CONTROL:
        _notify(
            recipients=[task.creator_id],
            title=i18n.message(
                gettext_lazy("%(name)s completed a task that awaits your control: %(title)s"), **names
            ),
            actor=actor,
            task=task,
            body=comment,
        )
    elif status == S.COMPLETED:
        title = (
            gettext_lazy("%(name)s accepted the work on the task: %(title)s")
            if action == "approve"
            else gettext_lazy("%(name)s completed the task: %(title)s")
        )
        _notify(
            recipients=sorted(affected),
            title=i18n.message(title, **names),
            actor=actor,
            task=task,
            body=comment,
        )
    elif action == "return":
        _notify(
            recipients=sorted(affected - {task.creator_id}),
            title=i18n.message(gettext_lazy("%(name)s returned the task for rework: %(title)s"), **names),
            actor=actor,
            task=task,
            body=comment,
        )
    elif action == "decline":
        _notify(
            recipients=[task.creator_id],
            title=i18n.message(gettext_lazy("%(name)s declined the task: %(title)s"), **names),
            actor=actor,
            task=task,
            body=comment,
        )
    else:
        _notify(
            recipients=[task.creator_id, task.responsible_id],
            title=i18n.message(
                gettext_lazy("%(name)s changed the status of the task “%(title)s” to %(status)s"),
                **names,
                status=i18n.deferred(task.get_status_display),
            ),
            actor=actor,
            task=task,
            body=comment,
        )
    for sub in closed_subtasks:
        _notify(
            recipients=[sub.creator_id, sub.responsible_id],
            title=i18n.message(
                gettext_lazy("%(name)s completed the task “%(title)s” together with its parent task"),
                name=_name(actor),
                title=sub.title,
            ),
            actor=actor,
            task=sub,
        )
    if closed_subtasks:
        affected |= _people_of_tasks([sub.pk for sub in closed_subtasks])
    _recount(affected)
    return task


def _actions_to(task: Task, status: str) -> list[str]:
    """The action (or the two: renew, then one more) that takes `task` to `status`."""
    if status == S.AWAITING_CONTROL:
        return ["complete"] if task.requires_control and task.status in TRANSITIONS["complete"][0] else []
    direct = [a for a, (sources, to) in TRANSITIONS.items() if task.status in sources and to == status]
    if direct:
        return direct[:1]
    renew_sources, renewed = TRANSITIONS["renew"]
    if task.status in renew_sources:
        then = [a for a, (sources, to) in TRANSITIONS.items() if renewed in sources and to == status]
        if then:
            return ["renew", then[0]]
    return []


@transaction.atomic
def task_set_status(
    *,
    actor,
    task,
    status: str,
    comment: str = "",
    open_subtasks: str | None = None,
    confirm_checklist: bool = False,
) -> Task:
    """Move a task to `status` by the matching action (a Kanban drag): e.g. in_progress -> pending is a
    pause, awaiting_control -> completed an approval, completed -> in_progress a renewal and a start."""
    _require_visible(actor, task)
    if status not in S.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    _lock_status(task)
    if task.status == status:
        return task
    actions = _actions_to(task, status)
    if not actions:
        raise ValidationError(
            {
                "status": [
                    _("A task cannot go from “%(old)s” to “%(new)s”.")
                    % {"old": task.get_status_display(), "new": S(status).label}
                ]
            },
            code="invalid_transition",
        )
    for i, action in enumerate(actions):
        last = i == len(actions) - 1
        task_transition(
            actor=actor,
            task=task,
            action=action,
            comment=comment if last else "",
            open_subtasks=open_subtasks,
            confirm_checklist=confirm_checklist,
        )
    return task
