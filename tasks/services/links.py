"""Tasks: links between tasks (finish-to-start and the other kinds) and rescheduling along them: moving a
task's dates shifts or flags its dependants by the chosen policy.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import NotFound

from .. import selectors
from ..choices import (
    DependantsPolicy,
    LinkKind,
)
from ..models import Task, TaskLink
from .effects import DATE_FIELDS, WALK_LIMIT, _people_of_tasks, _recount, work_hours_deadline
from .validation import (
    UNSET,
    _check_planned_order,
    _Checks,
    _clean_moment,
    _require,
    _require_actor,
    _require_visible,
)

__all__ = [
    "Rescheduled",
    "task_reschedule",
    "link_create",
    "link_delete",
]
_SCHEDULE_FIELDS = [*DATE_FIELDS, "schedule_conflict"]


# --- links and rescheduling --------------------------------------------------------------------------


def _end(task: Task):
    return task.planned_end or task.deadline


def _required_shift(kind: str, pred: Task, succ: Task) -> datetime.timedelta | None:
    """How far `succ` must move later for the link to hold; None when it holds or cannot be judged.

    Dates are the planned ones, the deadline standing in for a missing planned end. A successor without a
    planned start is judged by its end (a start never comes after the end, so this bound must hold anyway);
    a predecessor's missing date leaves the link unjudged.
    """
    pred_start, pred_end = pred.planned_start, _end(pred)
    succ_end = _end(succ)
    succ_start = succ.planned_start or succ_end
    bound, value = {
        LinkKind.FINISH_TO_START: (pred_end, succ_start),
        LinkKind.START_TO_START: (pred_start, succ_start),
        LinkKind.FINISH_TO_FINISH: (pred_end, succ_end),
        LinkKind.START_TO_FINISH: (pred_start, succ_end),
    }.get(kind, (None, None))
    if bound is None or value is None or value >= bound:
        return None
    return bound - value


def _incoming_links_hold(task: Task, cache: dict[int, Task]) -> bool:
    """Whether every link into `task` holds (`cache`: predecessors already changed in memory)."""
    for link in TaskLink.objects.filter(successor_id=task.pk).select_related("predecessor"):
        if _required_shift(link.kind, cache.get(link.predecessor_id, link.predecessor), task):
            return False
    return True


def _may_reschedule(actor, task: Task) -> bool:
    """Whether `actor` may move all of `task`'s dates, by the rules of a direct `task_reschedule`: they see
    it, may plan it when it has planned dates, and may change its deadline when it has one."""
    if not selectors.can_see(actor, task):
        return False
    if (task.planned_start or task.planned_end) and not selectors.can_change_status(actor, task):
        return False
    return not task.deadline or selectors.can_change_deadline(actor, task)


class Rescheduled(list):
    """What a reschedule did: the tasks it changed (this is a list of them) and, in `flagged`, the
    dependent tasks it left in place because the actor may not reschedule them (a task they cannot see, a
    deadline its creator does not let them change): those are only flagged as in conflict, as the "flag"
    policy does. `flagged` may name tasks the actor cannot see: show those without their titles."""

    def __init__(self, changed: Iterable[Task] = (), flagged: Iterable[Task] = ()) -> None:
        super().__init__(changed)
        self.flagged: list[Task] = list(flagged)


def _walk_dependants(*, actor, root: Task, policy: str) -> Rescheduled:
    """After `root`'s dates changed: walk the successors breadth-first. A broken link shifts the successor
    (keeping its duration, its deadline moving by as much) and the walk goes on from it ("shift"), or only
    flags it ("flag"). A successor the actor may not reschedule (`_may_reschedule`) is only flagged, even
    under "shift". Every successor reached gets its conflict flag re-judged. Returns the tasks changed, and
    in `flagged` those left in place for want of the right."""
    cache: dict[int, Task] = {root.pk: root}
    before: dict[int, dict] = {}
    allowed: dict[int, bool] = {}
    queue = deque([root.pk])
    steps = 0
    while queue and steps < WALK_LIMIT:
        steps += 1
        pred = cache[queue.popleft()]
        for link in (
            TaskLink.objects.filter(predecessor_id=pred.pk).select_related("successor").order_by("id")
        ):
            succ = cache.setdefault(link.successor_id, link.successor)
            if succ.pk == root.pk:
                continue
            before.setdefault(succ.pk, snapshot(succ, _SCHEDULE_FIELDS))
            delta = _required_shift(link.kind, pred, succ)
            if delta is None or policy != DependantsPolicy.SHIFT:
                continue
            if succ.pk not in allowed:
                allowed[succ.pk] = _may_reschedule(actor, succ)
            if not allowed[succ.pk]:
                continue
            for name in DATE_FIELDS:
                value = getattr(succ, name)
                if value is not None:
                    setattr(succ, name, value + delta)
            queue.append(succ.pk)
    changed = []
    for pk, old in before.items():
        succ = cache[pk]
        succ.schedule_conflict = not _incoming_links_hold(succ, cache)
        changes = diff(old, snapshot(succ, _SCHEDULE_FIELDS))
        if not changes:
            continue
        succ.save(update_fields=[*changes.keys(), "updated_at"])
        audit_record(
            actor=actor,
            action="task.reschedule",
            target=succ,
            changes={**changes, "after": {"id": root.pk, "repr": root.title}},
        )
        changed.append(succ)
    # Refused and still breaking a link (a later shift of another predecessor may have mended it).
    flagged = [cache[pk] for pk, ok in allowed.items() if not ok and cache[pk].schedule_conflict]
    return Rescheduled(changed, flagged)


@transaction.atomic
def task_reschedule(
    *,
    actor,
    task,
    planned_start=UNSET,
    planned_end=UNSET,
    deadline=UNSET,
    dependants: str = DependantsPolicy.SHIFT,
) -> Rescheduled:
    """Change a task's dates (the Gantt drag) and follow its links: dependent tasks shift ("shift") or are
    flagged as in conflict ("flag"). The deadline needs the deadline right; planned dates the creator, an
    admin or the responsible person; a dependent task shifts only when the actor may reschedule it by the
    same rules, else it is flagged. Returns the tasks changed (the task first when it changed), with the
    dependants only flagged for want of the right in `flagged` (see `Rescheduled`)."""
    _require_visible(actor, task)
    if dependants not in DependantsPolicy.values:
        raise ValidationError({"dependants": [_("Choose to shift the dependent tasks or to flag them.")]})
    given = {
        name: value
        for name, value in (
            ("planned_start", planned_start),
            ("planned_end", planned_end),
            ("deadline", deadline),
        )
        if value is not UNSET
    }
    checks = _Checks()
    cleaned = {name: checks.run(_clean_moment, value, name) for name, value in given.items()}
    checks.done()
    changed = {name: value for name, value in cleaned.items() if getattr(task, name) != value}
    if not changed:
        return Rescheduled()
    if "deadline" in changed:
        _require(
            selectors.can_change_deadline(actor, task),
            _("The creator of this task does not allow changing its deadline."),
        )
    if {"planned_start", "planned_end"} & set(changed):
        _require(
            selectors.can_change_status(actor, task),
            _("Only the task's creator and responsible person plan it."),
        )
    if "deadline" in changed and task.deadline_in_work_hours:
        changed["deadline"] = work_hours_deadline(changed["deadline"], task.responsible)
    final = {name: changed.get(name, getattr(task, name)) for name in DATE_FIELDS}
    _check_planned_order(final["planned_start"], final["planned_end"])

    before = snapshot(task, _SCHEDULE_FIELDS)
    for name, value in changed.items():
        setattr(task, name, value)
    task.schedule_conflict = not _incoming_links_hold(task, {})
    changes = diff(before, snapshot(task, _SCHEDULE_FIELDS))
    result = Rescheduled()
    if changes:
        task.save(update_fields=[*changes.keys(), "updated_at"])
        audit_record(actor=actor, action="task.reschedule", target=task, changes=changes)
        result.append(task)
    walked = _walk_dependants(actor=actor, root=task, policy=dependants)
    result += walked
    result.flagged = walked.flagged
    _recount(_people_of_tasks([t.pk for t in result]))
    return result


def _reaches(start_id: int, goal_id: int) -> bool:
    """Whether `goal_id` can be reached from `start_id` following links forward (one query per level)."""
    seen = {start_id}
    frontier = [start_id]
    while frontier and len(seen) < WALK_LIMIT:
        nxt = set(TaskLink.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True))
        if goal_id in nxt:
            return True
        frontier = list(nxt - seen)
        seen.update(frontier)
    return False


@transaction.atomic
def link_create(*, actor, predecessor, successor, kind: str = LinkKind.FINISH_TO_START) -> TaskLink:
    """Link two tasks (across projects too): `successor` depends on `predecessor` by `kind`. The actor sees
    both and plans the successor (its creator, responsible person or an admin). Self-links, repeats and
    cycles over the links are refused. A link the dates already break flags the successor."""
    _require_visible(actor, predecessor)
    _require_visible(actor, successor)
    _require(
        selectors.can_change_status(actor, successor),
        _("Only the creator or the responsible person of the dependent task may link it."),
    )
    if kind not in LinkKind.values:
        raise ValidationError({"kind": [_("Choose a kind of link.")]})
    if predecessor.pk == successor.pk:
        raise ValidationError({"predecessor": [_("A task cannot depend on itself.")]})
    duplicate = ValidationError({"predecessor": [_("These tasks are linked already.")]})
    if TaskLink.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise duplicate
    if _reaches(successor.pk, predecessor.pk):
        raise ValidationError({"predecessor": [_("This link would close a circle of dependent tasks.")]})
    try:
        with transaction.atomic():
            link = TaskLink.objects.create(
                predecessor=predecessor, successor=successor, kind=kind, created_by=actor
            )
    except IntegrityError as exc:  # a concurrent request linked them first
        raise duplicate from exc
    changes = {"predecessor": predecessor, "successor": successor, "kind": kind}
    audit_record(actor=actor, action="task.link_add", target=predecessor, changes=changes)
    if _required_shift(kind, predecessor, successor) and not successor.schedule_conflict:
        successor.schedule_conflict = True
        successor.save(update_fields=["schedule_conflict", "updated_at"])
        changes["schedule_conflict"] = [False, True]
    audit_record(actor=actor, action="task.link_add", target=successor, changes=changes)
    return link


@transaction.atomic
def link_delete(*, actor, link) -> None:
    """Remove a link (whoever may create it). The successor's conflict flag is re-judged."""
    _require_actor(actor)
    predecessor, successor = link.predecessor, link.successor
    if not (selectors.can_see(actor, predecessor) and selectors.can_see(actor, successor)):
        raise NotFound(_("No task link matches the given query."))
    _require(
        selectors.can_change_status(actor, successor),
        _("Only the creator or the responsible person of the dependent task may unlink it."),
    )
    changes = {"predecessor": predecessor, "successor": successor, "kind": link.kind}
    link.delete()
    audit_record(actor=actor, action="task.link_remove", target=predecessor, changes=changes)
    if successor.schedule_conflict and _incoming_links_hold(successor, {}):
        successor.schedule_conflict = False
        successor.save(update_fields=["schedule_conflict", "updated_at"])
        changes["schedule_conflict"] = [True, False]
    audit_record(actor=actor, action="task.link_remove", target=successor, changes=changes)
