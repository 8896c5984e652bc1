"""Tasks: the task itself: create, change, people, hierarchy (move, delete with subtasks), bulk changes, seen marks.

Every service here checks who may act (a task the actor may not see answers 404, a visible task without the
right answers 403), validates its input (ValidationError with a field dict; nothing is written), writes the
task's change history (an audit row with the task as target), keeps the parents' stored subtask numbers
right with F(), publishes stream entries, notifies people and schedules counter recounts after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import NotFound

from .. import selectors
from ..choices import (
    DependantsPolicy,
    MemberRole,
    TaskPriority,
)
from ..models import Tag, Task, TaskComment, TaskFile, TaskLink, TaskMember, TaskTag, TaskTemplate, TaskView
from .effects import (
    DATE_FIELDS,
    _bump_parent,
    _descendant_ids,
    _forget_prefetched_members,
    _is_closed,
    _name,
    _notify,
    _people_ids,
    _people_of_tasks,
    _publish,
    _recount,
    _stream_forget,
    log,
    task_search_text_refresh,
    work_hours_deadline,
)
from .links import _incoming_links_hold, _walk_dependants
from .transitions import task_set_status
from .validation import (
    UNSET,
    _check_planned_order,
    _Checks,
    _clean_checklist,
    _clean_description,
    _clean_estimate,
    _clean_group,
    _clean_members,
    _clean_moment,
    _clean_parent,
    _clean_person,
    _clean_priority,
    _clean_tags,
    _clean_title,
    _require,
    _require_actor,
    _require_visible,
)

__all__ = [
    "BulkResult",
    "task_create",
    "task_update",
    "task_set_members",
    "task_delete",
    "task_move",
    "tasks_bulk_update",
    "task_mark_seen",
]
UPDATE_FIELDS = frozenset(
    {
        "title",
        "description",
        "responsible",
        "priority",
        "group",
        "deadline",
        "planned_start",
        "planned_end",
        "allow_change_deadline",
        "requires_control",
        "checklist_required",
        "deadline_in_work_hours",
        "time_estimate",
    }
)
_FLAG_FIELDS = ("allow_change_deadline", "requires_control", "checklist_required", "deadline_in_work_hours")
# What the change history shows of a task.
HISTORY_FIELDS = [
    "title",
    "description",
    "responsible",
    "priority",
    "status",
    "group",
    "parent",
    "deadline",
    "planned_start",
    "planned_end",
    "allow_change_deadline",
    "requires_control",
    "checklist_required",
    "deadline_in_work_hours",
    "time_estimate",
]


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # task id -> why


# --- creating and changing tasks -----------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor,
    title: str,
    responsible,
    description: str = "",
    participants=(),
    observers=(),
    deadline=None,
    planned_start=None,
    planned_end=None,
    priority: str = TaskPriority.NORMAL,
    group=None,
    parent=None,
    tags=(),
    checklist=(),
    allow_change_deadline: bool = False,
    requires_control: bool = False,
    checklist_required: bool = False,
    deadline_in_work_hours: bool = False,
    time_estimate: int | None = None,
    source=None,
    template=None,
) -> Task:
    """Create a task: its people, tags and checklist, under a parent and in a group when given.

    The deadline follows the responsible person's working hours when `deadline_in_work_hours` is set.
    Notifies the people of the task, publishes the "task.created" stream entry and recounts counters.
    """
    _require_actor(actor)
    checks = _Checks()
    title = checks.run(_clean_title, title)
    description = checks.run(_clean_description, description)
    responsible = checks.run(_clean_person, responsible, "responsible")
    priority = checks.run(_clean_priority, priority)
    time_estimate = checks.run(_clean_estimate, time_estimate)
    deadline = checks.run(_clean_moment, deadline, "deadline")
    planned_start = checks.run(_clean_moment, planned_start, "planned_start")
    planned_end = checks.run(_clean_moment, planned_end, "planned_end")
    checks.run(_check_planned_order, planned_start, planned_end)
    group = checks.run(_clean_group, actor, group)
    parent = checks.run(_clean_parent, actor, parent)
    exclude = {actor.pk} | ({responsible.pk} if responsible else set())
    members = checks.run(_clean_members, participants, observers, exclude_ids=exclude) or ([], [])
    tags = checks.run(_clean_tags, actor, tags) or []
    checklist = checks.run(_clean_checklist, checklist) or []
    if template is not None and not isinstance(template, TaskTemplate):
        checks.errors.setdefault("template", []).append(_("Choose a task template."))
    if source is not None and not (isinstance(source, Model) and source.pk is not None):
        checks.errors.setdefault("source", []).append(_("The task's source must be a saved record."))
    checks.done()

    if deadline_in_work_hours:
        deadline = work_hours_deadline(deadline, responsible)
    task = Task.objects.create(
        title=title,
        description=description,
        creator=actor,
        responsible=responsible,
        priority=priority,
        deadline=deadline,
        planned_start=planned_start,
        planned_end=planned_end,
        group=group,
        parent=parent,
        allow_change_deadline=bool(allow_change_deadline),
        requires_control=bool(requires_control),
        checklist_required=bool(checklist_required),
        deadline_in_work_hours=bool(deadline_in_work_hours),
        time_estimate=time_estimate,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=str(source.pk) if source is not None else "",
        template=template,
        checklist_count=len(checklist),
    )
    participants, observers = members
    TaskMember.objects.bulk_create(
        [TaskMember(task=task, user=p, role=MemberRole.PARTICIPANT) for p in participants]
        + [TaskMember(task=task, user=p, role=MemberRole.OBSERVER) for p in observers]
    )
    TaskTag.objects.bulk_create([TaskTag(task=task, tag=tag) for tag in tags])
    if checklist:
        from ..models import ChecklistItem

        ChecklistItem.objects.bulk_create(
            [ChecklistItem(task=task, text=text, position=i) for i, text in enumerate(checklist)]
        )
    _bump_parent(task.parent_id, count=1)
    task_search_text_refresh(task_ids=[task.pk])
    task.refresh_from_db(fields=["search_text"])
    if source is not None:
        _origin_made(source, task)

    audit_record(
        actor=actor,
        action="task.create",
        target=task,
        changes={
            **snapshot(task, HISTORY_FIELDS),
            "participants": [_name(p) for p in participants],
            "observers": [_name(p) for p in observers],
            "tags": [selectors.history_tag_ref(t) for t in tags],
            "checklist": len(checklist),
        },
    )
    _publish(actor=actor, task=task, verb="task.created")
    _notify(
        recipients=[responsible],
        title=i18n.message(
            gettext_lazy("%(name)s gave you a task: %(title)s"), name=_name(actor), title=title
        ),
        actor=actor,
        task=task,
        body=description[:300],
    )
    _notify(
        recipients=[*participants, *observers],
        title=i18n.message(
            gettext_lazy("%(name)s added you to a task: %(title)s"), name=_name(actor), title=title
        ),
        actor=actor,
        task=task,
        body=description[:300],
    )
    _recount({actor.pk, responsible.pk, *(p.pk for p in participants), *(p.pk for p in observers)})
    return task


def _origin_made(source, task) -> None:
    """Tell a registered origin (`registry.task_origins`, with a `made` callback) the task made from it."""
    from portal.core.registry import registry

    for origin in registry.task_origins:
        if origin.made is not None and isinstance(source, origin.model()):
            origin.made(source, task.pk)


def _same(old, new) -> bool:
    if isinstance(old, Model) or isinstance(new, Model):
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    return old == new


@transaction.atomic
def task_update(*, actor, task, dependants: str = DependantsPolicy.SHIFT, **fields) -> Task:
    """Change a task's fields. The creator (and admins) change everything; the responsible person only the
    deadline, when the creator allows it. Fields left out stay as they are; values equal to the current ones
    need no right. Changing dates reschedules the dependent tasks by `dependants` (see task_reschedule);
    those the actor may not reschedule are only flagged and listed in `task.dependants_flagged`.
    """
    unknown = sorted(set(fields) - UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"task_update() got unexpected fields: {', '.join(unknown)}")
    _require_visible(actor, task)
    if dependants not in DependantsPolicy.values:
        raise ValidationError({"dependants": [_("Choose to shift the dependent tasks or to flag them.")]})

    checks = _Checks()
    cleaners = {
        "title": lambda v: _clean_title(v),
        "description": lambda v: _clean_description(v),
        "responsible": lambda v: _clean_person(v, "responsible"),
        "priority": lambda v: _clean_priority(v),
        "group": lambda v: _clean_group(actor, v),
        "time_estimate": lambda v: _clean_estimate(v),
        "deadline": lambda v: _clean_moment(v, "deadline"),
        "planned_start": lambda v: _clean_moment(v, "planned_start"),
        "planned_end": lambda v: _clean_moment(v, "planned_end"),
        **{name: bool for name in _FLAG_FIELDS},
    }
    # Which fields change decides the right needed: an unchanged form sent back needs no right.
    changed = {}
    for name, value in fields.items():
        current = getattr(task, name)
        if _same(current, value):
            continue
        try:
            if _same(current, cleaners[name](value)):
                continue
        except ValidationError:
            pass  # a bad value is a change; the right is checked first, then the value
        changed[name] = value
    if not changed:
        return task
    if set(changed) - {"deadline"}:
        _require(selectors.can_edit(actor, task), _("Only the task's creator may change it."))
    else:
        _require(
            selectors.can_change_deadline(actor, task),
            _("The creator of this task does not allow changing its deadline.")
            if task.responsible_id == actor.pk
            else _("Only the task's creator may change it."),
        )

    values = {name: checks.run(cleaners[name], value) for name, value in changed.items()}
    final = {name: values.get(name, getattr(task, name)) for name in DATE_FIELDS}
    checks.run(_check_planned_order, final["planned_start"], final["planned_end"])
    checks.done()

    before = snapshot(task, HISTORY_FIELDS + ["schedule_conflict"])
    old_responsible = task.responsible
    old_group_id = task.group_id
    old_people = _people_ids(task)
    for name, value in values.items():
        setattr(task, name, value)
    responsible_changed = "responsible" in values
    # The deadline follows the working schedule of the (possibly new) responsible person.
    if (
        task.deadline_in_work_hours
        and task.deadline
        and ({"deadline", "responsible", "deadline_in_work_hours"} & set(values))
    ):
        task.deadline = work_hours_deadline(task.deadline, task.responsible)
    dates_changed = any(before[name] != snapshot(task, [name])[name] for name in DATE_FIELDS)
    removed_member = None
    if responsible_changed:
        # A person holds one role: the new responsible person stops being a participant or observer.
        removed_member = TaskMember.objects.filter(task=task, user=task.responsible).first()
        if removed_member is not None:
            removed_member.delete()
            _forget_prefetched_members(task)
    if dates_changed:
        task.schedule_conflict = not _incoming_links_hold(task, {})
    after = snapshot(task, HISTORY_FIELDS + ["schedule_conflict"])
    changes = diff(before, after)
    if not changes and removed_member is None:
        return task
    update_fields = [name for name in HISTORY_FIELDS + ["schedule_conflict"] if name in changes]
    task.save(update_fields=[*(f for f in update_fields), "updated_at"])
    if removed_member is not None:
        changes[removed_member.role + "s"] = {"removed": _name(task.responsible)}
    audit_record(actor=actor, action="task.update", target=task, changes=changes)
    if responsible_changed or "group" in changes:
        _stream_forget(
            task, people=[old_responsible] if responsible_changed else [], group_ids=[old_group_id]
        )

    affected = old_people | _people_ids(task)
    # The dependants left in place for want of the right (see `Rescheduled.flagged`), for the caller to tell.
    task.dependants_flagged = []
    if dates_changed:
        walked = _walk_dependants(actor=actor, root=task, policy=dependants)
        for other in walked:
            affected |= _people_ids(other)
        task.dependants_flagged = walked.flagged
    if {"title", "description"} & set(changes):
        task_search_text_refresh(task_ids=[task.pk])
    if responsible_changed:
        _notify(
            recipients=[task.responsible],
            title=i18n.message(
                gettext_lazy("%(name)s made you responsible for a task: %(title)s"),
                name=_name(actor),
                title=task.title,
            ),
            actor=actor,
            task=task,
        )
        _notify(
            recipients=[old_responsible],
            title=i18n.message(
                gettext_lazy("%(name)s handed your task over to %(other)s: %(title)s"),
                name=_name(actor),
                other=_name(task.responsible),
                title=task.title,
            ),
            actor=actor,
            task=task,
        )
    _recount(affected)
    return task


@transaction.atomic
def task_set_members(*, actor, task, participants=None, observers=None) -> Task:
    """Set the participants and/or observers (None leaves that list as it is). The creator and admins may.

    A person holds one role: someone named in one list leaves the other; the creator and the responsible
    person are never members. Newly added people are notified.
    """
    _require_visible(actor, task)
    _require(selectors.can_edit(actor, task), _("Only the task's creator may change its people."))
    if participants is None and observers is None:
        return task
    rows = {m.user_id: m for m in TaskMember.objects.filter(task=task).select_related("user")}
    current = {
        role: [m.user for m in rows.values() if m.role == role]
        for role in (MemberRole.PARTICIPANT, MemberRole.OBSERVER)
    }
    given_p = None if participants is None else list(participants)
    given_o = None if observers is None else list(observers)
    if given_p is not None and given_o is None:
        ids = {getattr(p, "pk", None) for p in given_p}
        given_o = [p for p in current[MemberRole.OBSERVER] if p.pk not in ids]
    if given_o is not None and given_p is None:
        ids = {getattr(p, "pk", None) for p in given_o}
        given_p = [p for p in current[MemberRole.PARTICIPANT] if p.pk not in ids]
    # People already on the task may stay even if they have left the company; new ones must be active.
    new_p, new_o = _clean_members(
        given_p, given_o, exclude_ids={task.creator_id, task.responsible_id}, keep_ids=set(rows)
    )
    wanted = {p.pk: MemberRole.PARTICIPANT for p in new_p} | {p.pk: MemberRole.OBSERVER for p in new_o}
    removed = [m for uid, m in rows.items() if uid not in wanted]
    changed_role = [m for uid, m in rows.items() if uid in wanted and m.role != wanted[uid]]
    added = [p for p in [*new_p, *new_o] if p.pk not in rows]
    if not (removed or changed_role or added):
        return task
    TaskMember.objects.filter(pk__in=[m.pk for m in removed]).delete()
    for member in changed_role:
        member.role = wanted[member.user_id]
        member.save(update_fields=["role"])
    TaskMember.objects.bulk_create([TaskMember(task=task, user=p, role=wanted[p.pk]) for p in added])
    _forget_prefetched_members(task)
    _stream_forget(task, people=[m.user for m in removed])
    audit_record(
        actor=actor,
        action="task.members",
        target=task,
        changes={
            "participants": [
                sorted(_name(p) for p in current[MemberRole.PARTICIPANT]),
                sorted(_name(p) for p in new_p),
            ],
            "observers": [
                sorted(_name(p) for p in current[MemberRole.OBSERVER]),
                sorted(_name(p) for p in new_o),
            ],
        },
    )
    for role, title in (
        (MemberRole.PARTICIPANT, gettext_lazy("%(name)s made you a participant of a task: %(title)s")),
        (MemberRole.OBSERVER, gettext_lazy("%(name)s made you an observer of a task: %(title)s")),
    ):
        _notify(
            recipients=[p for p in added if wanted[p.pk] == role],
            title=i18n.message(title, name=_name(actor), title=task.title),
            actor=actor,
            task=task,
        )
    _recount([*(m.user_id for m in removed), *(m.user_id for m in changed_role), *(p.pk for p in added)])
    return task


@transaction.atomic
def task_delete(*, actor, task) -> None:
    """Delete a task with all its subtasks (the creator and admins). The parent's numbers follow, the files
    leave storage after commit, the task's stream entries go, dependent tasks are re-judged."""
    _require_visible(actor, task)
    _require(selectors.can_edit(actor, task), _("Only the task's creator may delete it."))
    fresh = Task.objects.select_for_update().filter(pk=task.pk).values("parent_id", "status").first()
    if fresh is None:
        raise NotFound(_("No task matches the given query."))
    subtree = [task.pk, *(pk for level in _descendant_ids(task.pk) for pk in level)]
    people = _people_of_tasks(subtree)
    successors = set(
        TaskLink.objects.filter(predecessor_id__in=subtree)
        .exclude(successor_id__in=subtree)
        .values_list("successor_id", flat=True)
    )
    # Files and their thumbnails (core attachments) go with the rows.
    stored_files = [
        name
        for pair in TaskFile.objects.filter(task_id__in=subtree).values_list("file", "thumbnail")
        for name in pair
    ]
    audit_record(
        actor=actor,
        action="task.delete",
        target=task,
        changes={**snapshot(task, HISTORY_FIELDS), "subtasks_deleted": len(subtree) - 1},
    )
    _stream_entries_delete(subtree)
    Task.objects.filter(pk__in=subtree).delete()
    _bump_parent(fresh["parent_id"], count=-1, done=-1 if _is_closed(fresh["status"]) else 0)
    for successor in Task.objects.filter(pk__in=successors, schedule_conflict=True):
        if _incoming_links_hold(successor, {}):
            successor.schedule_conflict = False
            successor.save(update_fields=["schedule_conflict", "updated_at"])
            audit_record(
                actor=actor,
                action="task.reschedule",
                target=successor,
                changes={"schedule_conflict": [True, False]},
            )
    if stored_files:
        storage = TaskFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in stored_files if name])
    _recount(people)


def _stream_entries_delete(task_ids: list[int]) -> None:
    """The stream entries about deleted tasks would lead nowhere: they go with them."""
    from portal.stream.models import Entry

    Entry.objects.filter(
        target_type=ContentType.objects.get_for_model(Task), target_id__in=[str(pk) for pk in task_ids]
    ).delete()


@transaction.atomic
def task_move(*, actor, task, parent) -> Task:
    """Put a task under another parent (None: top level). The creator and admins may; the new parent must
    be visible and may not be the task or one of its subtasks. Both parents' numbers follow."""
    _require_visible(actor, task)
    _require(selectors.can_edit(actor, task), _("Only the task's creator may move it."))
    new_parent_id = getattr(parent, "pk", None)
    if new_parent_id == task.parent_id:
        return task
    parent = _clean_parent(actor, parent, task=task)
    fresh = Task.objects.select_for_update().filter(pk=task.pk).values("parent_id", "status").first()
    old_parent_id = fresh["parent_id"]
    before = snapshot(task, ["parent"])
    task.parent = parent
    task.save(update_fields=["parent", "updated_at"])
    done = 1 if _is_closed(fresh["status"]) else 0
    _bump_parent(old_parent_id, count=-1, done=-done)
    _bump_parent(new_parent_id, count=1, done=done)
    audit_record(
        actor=actor, action="task.move", target=task, changes=diff(before, snapshot(task, ["parent"]))
    )
    return task


# --- bulk changes, seen marks, search text -----------------------------------------------------------


def _bulk_tags(*, actor, task: Task, add: list[Tag], remove: list[Tag]) -> None:
    from .tags import task_set_tags

    mine = list(Tag.objects.visible_to(actor).filter(task_tags__task=task).values_list("pk", flat=True))
    remove_ids = {t.pk for t in remove}
    wanted = [pk for pk in mine if pk not in remove_ids] + [t.pk for t in add if t.pk not in mine]
    if set(wanted) != set(mine):
        task_set_tags(actor=actor, task=task, tags=wanted)


def _skip_reason(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return _("Not found.")
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not change this task.")


@transaction.atomic
def tasks_bulk_update(
    *, actor, tasks, responsible=UNSET, deadline=UNSET, status=UNSET, add_tags=(), remove_tags=()
) -> BulkResult:
    """Apply the same changes to many tasks through the single-task services. Each task changes whole or
    not at all (a savepoint each); those skipped come back with the reason (no right, invalid move...)."""
    _require_actor(actor)
    add_tags = _clean_tags(actor, add_tags)
    remove_tags = [t for t in dict.fromkeys(remove_tags or ()) if isinstance(t, Tag)]
    ids = list(dict.fromkeys(int(getattr(t, "pk", t)) for t in tasks))
    found = Task.objects.filter(pk__in=ids).in_bulk()
    fields = {}
    if responsible is not UNSET:
        fields["responsible"] = responsible
    if deadline is not UNSET:
        fields["deadline"] = deadline
    result = BulkResult()
    for pk in ids:
        task = found.get(pk)
        if task is None:
            result.skipped[pk] = _("Not found.")
            continue
        try:
            with transaction.atomic():
                if fields:
                    task_update(actor=actor, task=task, **fields)
                if status is not UNSET:
                    task_set_status(actor=actor, task=task, status=status)
                if add_tags or remove_tags:
                    _bulk_tags(actor=actor, task=task, add=add_tags, remove=remove_tags)
        except (NotFound, PermissionDenied, ValidationError) as exc:
            result.skipped[pk] = _skip_reason(exc)
        else:
            result.done.append(pk)
    return result


def task_mark_seen(*, user, task) -> None:
    """Remember that `user` has seen the task's comments up to now; their unseen-comments counter follows.

    Only when there is something new: with no comment the person has not seen (none newer than their last
    look), nothing is written and no recount is scheduled, so opening a task again costs at most one read
    (none for a task read through `task_get` for the same person, which answered both questions already:
    that they see it and whether a comment is new to them)."""
    if getattr(task, "read_for", None) != user.pk:
        _require_visible(user, task)
    if _has_unseen_comments(user=user, task=task):
        _task_view_move(user=user, task=task)


def _has_unseen_comments(*, user, task) -> bool:
    """Whether the task has a comment written after `user` last looked at it (any, when they never did)."""
    if getattr(task, "read_for", None) == user.pk:
        return task.comments_unseen  # `task_get` read it for this person with the task
    seen = TaskView.objects.filter(task=task, user=user, seen_at__gte=OuterRef("created_at"))
    return TaskComment.objects.filter(task=task).filter(~Exists(seen)).exists()


def _task_view_move(*, user, task) -> None:
    # One statement (an upsert on the unique person and task), so no transaction of its own is needed.
    TaskView.objects.bulk_create(
        [TaskView(task=task, user=user, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "task"],
        update_fields=["seen_at"],
    )
    from portal.notifications.counters import counters_recount

    try:
        counters_recount([user.pk], ["tasks.unseen_comments"])
    except ValueError:
        log.warning("counter tasks.unseen_comments is not registered")
