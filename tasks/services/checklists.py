"""Tasks: the checklist of a task (add, edit, tick, remove, reorder items)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import NotFound

from .. import selectors
from ..models import ChecklistItem, Task
from .effects import _bump
from .validation import UNSET, _clean_text, _require, _require_visible

__all__ = [
    "checklist_item_add",
    "checklist_item_update",
    "checklist_item_toggle",
    "checklist_item_delete",
    "checklist_reorder",
]

CHECKLIST_TEXT_MAX = ChecklistItem._meta.get_field("text").max_length


def _can_manage_checklist(user, task: Task) -> bool:
    """Add, change, remove and reorder checklist lines: the creator, the responsible person and admins."""
    return selectors.can_edit(user, task) or task.responsible_id == user.pk


# --- checklist ---------------------------------------------------------------------------------------


def _clean_assignee(assignee):
    if assignee is None:
        return None
    if not getattr(assignee, "is_active", False):
        raise ValidationError({"assignee": [_("Only an active colleague can be assigned a checklist item.")]})
    return assignee


@transaction.atomic
def checklist_item_add(*, actor, task: Task, text: str, assignee=None) -> ChecklistItem:
    """Add a line at the end of the task's checklist (the creator, the responsible person, admins)."""
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    text = _clean_text(text, field="text", max_length=CHECKLIST_TEXT_MAX, empty=_("Write the item first."))
    assignee = _clean_assignee(assignee)
    # The task row is the lock that keeps two concurrent additions from taking the same position.
    Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True).first()
    last = ChecklistItem.objects.filter(task=task).aggregate(last=Max("position"))["last"]
    item = ChecklistItem.objects.create(
        task=task, text=text, assignee=assignee, position=0 if last is None else last + 1
    )
    _bump(task, checklist_count=1)
    audit_record(
        actor=actor,
        action="task.checklist_add",
        target=task,
        changes={"item": text, "assignee": assignee},
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, actor, item: ChecklistItem, text: str | object = UNSET, assignee: object = UNSET
) -> ChecklistItem:
    """Change a line's text or assignee (None clears it). Same rights as adding; left-out arguments stay."""
    task = item.task
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    changes: dict[str, list] = {}
    if text is not UNSET:
        text = _clean_text(
            text, field="text", max_length=CHECKLIST_TEXT_MAX, empty=_("Write the item first.")
        )
        if text != item.text:
            changes["text"] = [item.text, text]
            item.text = text
    if assignee is not UNSET:
        assignee = _clean_assignee(assignee)
        new_id = assignee.pk if assignee is not None else None
        if new_id != item.assignee_id:
            changes["assignee"] = [item.assignee, assignee]
            item.assignee = assignee
    if changes:
        item.save(update_fields=[*changes.keys()])
        audit_record(
            actor=actor,
            action="task.checklist_update",
            target=task,
            changes={"item": item.text, **changes},
        )
    return item


@transaction.atomic
def checklist_item_toggle(*, actor, item: ChecklistItem, done: bool | None = None) -> ChecklistItem:
    """Tick or untick a line (`done=None` flips it): the task's participants and the item's assignee."""
    task = item.task
    _require_visible(actor, task)
    _require(
        selectors.can_participate(actor, task) or item.assignee_id == actor.pk,
        _("Only the task's participants tick its checklist."),
    )
    current = (
        ChecklistItem.objects.select_for_update().filter(pk=item.pk).values_list("is_done", flat=True).first()
    )
    if current is None:
        raise NotFound(_("No checklist item matches the given query."))
    target = (not current) if done is None else bool(done)
    if target == current:
        item.is_done = current
        return item
    now = timezone.now() if target else None
    by = actor if target else None
    # Only the request that really flips the row moves the task's number.
    flipped = ChecklistItem.objects.filter(pk=item.pk, is_done=current).update(
        is_done=target, done_by=by, done_at=now
    )
    item.is_done, item.done_by, item.done_at = target, by, now
    if flipped:
        _bump(task, checklist_done=1 if target else -1)
        audit_record(
            actor=actor,
            action="task.checklist_toggle",
            target=task,
            changes={"item": item.text, "is_done": [current, target]},
        )
    return item


@transaction.atomic
def checklist_item_delete(*, actor, item: ChecklistItem) -> None:
    """Remove a line (the creator, the responsible person, admins); the task's numbers follow."""
    task = item.task
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    row = ChecklistItem.objects.select_for_update().filter(pk=item.pk).values("is_done", "text").first()
    if row is None:
        return
    ChecklistItem.objects.filter(pk=item.pk).delete()
    _bump(task, checklist_count=-1, **({"checklist_done": -1} if row["is_done"] else {}))
    audit_record(actor=actor, action="task.checklist_delete", target=task, changes={"item": row["text"]})


@transaction.atomic
def checklist_reorder(*, actor, task: Task, item_ids: list[int]) -> None:
    """Put the checklist in the given order. `item_ids` must name every item of the task exactly once."""
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    try:
        ids = [int(i) for i in item_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"item_ids": [_("The order names items that do not exist.")]}) from exc
    items = {item.pk: item for item in ChecklistItem.objects.select_for_update().filter(task=task)}
    if len(ids) != len(set(ids)) or set(ids) != set(items):
        raise ValidationError(
            {"item_ids": [_("The order must list every item of this checklist exactly once.")]}
        )
    old_order = [item.pk for item in sorted(items.values(), key=lambda i: (i.position, i.pk))]
    changed = []
    for position, pk in enumerate(ids):
        item = items[pk]
        if item.position != position:
            item.position = position
            changed.append(item)
    if not changed:
        return
    ChecklistItem.objects.bulk_update(changed, ["position"])
    audit_record(
        actor=actor,
        action="task.checklist_reorder",
        target=task,
        changes={"order": [", ".join(map(str, old_order)), ", ".join(map(str, ids))]},
    )
