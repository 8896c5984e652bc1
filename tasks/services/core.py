"""Tasks: the task's life cycle, people, rules, hierarchy, links and rescheduling, bulk changes.

Every service here checks who may act (a task the actor may not see answers 404, a visible task without the
right answers 403), validates its input (ValidationError with a field dict; nothing is written), writes the
task's change history (an audit row with the task as target), keeps the parents' stored subtask numbers
right with F(), publishes stream entries, notifies people and schedules counter recounts after commit.
"""

from __future__ import annotations

import datetime
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot

from .. import selectors
from ..choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
    DependantsPolicy,
    LinkKind,
    MemberRole,
    OpenSubtasksPolicy,
    TaskPriority,
    TaskStatus,
)
from ..models import Tag, Task, TaskComment, TaskFile, TaskLink, TaskMember, TaskTag, TaskTemplate, TaskView

log = logging.getLogger(__name__)

UNSET: object = object()

__all__ = [
    "UNSET",
    "BulkResult",
    "Rescheduled",
    "TRANSITIONS",
    "task_create",
    "task_update",
    "task_set_members",
    "task_delete",
    "task_transition",
    "task_set_status",
    "task_move",
    "task_reschedule",
    "link_create",
    "link_delete",
    "tasks_bulk_update",
    "task_mark_seen",
    "task_search_text_refresh",
]

S = TaskStatus

# action -> (statuses it may start from, status it leads to); "complete" leads to awaiting_control when the
# task requires control and the person completing it is not its creator.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((S.NEW,), S.PENDING),
    "start": ((S.NEW, S.PENDING, S.DEFERRED), S.IN_PROGRESS),
    "pause": ((S.IN_PROGRESS,), S.PENDING),
    "complete": ((S.NEW, S.PENDING, S.IN_PROGRESS, S.DEFERRED), S.COMPLETED),
    "approve": ((S.AWAITING_CONTROL,), S.COMPLETED),
    "return": ((S.AWAITING_CONTROL,), S.IN_PROGRESS),
    "defer": ((S.NEW, S.PENDING, S.IN_PROGRESS), S.DEFERRED),
    "decline": ((S.NEW, S.PENDING), S.DECLINED),
    "renew": ((S.COMPLETED, S.DECLINED, S.DEFERRED), S.PENDING),
}
# Actions that need a comment (stored as a task comment): the creator's reason to return, the reason to decline.
COMMENT_REQUIRED = ("return", "decline")

TITLE_MAX = 250
DESCRIPTION_MAX = 100_000
CHECKLIST_TEXT_MAX = 500
COMMENT_MAX = 10_000
# The longest estimate (10,000 hours, as the task form allows), in seconds.
ESTIMATE_MAX = 10_000 * 3600
SEARCH_TEXT_MAX = 100_000
# Bounds of the walks over the hierarchy and the link graph (both acyclic by construction; a bound keeps a
# corrupted graph from looping forever).
WALK_LIMIT = 10_000

DATE_FIELDS = ("planned_start", "planned_end", "deadline")
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
        "deadline_in_work_hours",
        "time_estimate",
    }
)
_FLAG_FIELDS = ("allow_change_deadline", "requires_control", "deadline_in_work_hours")
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
    "deadline_in_work_hours",
    "time_estimate",
]
_SCHEDULE_FIELDS = [*DATE_FIELDS, "schedule_conflict"]


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # task id -> why


# --- guards and small helpers ------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in first."))


def _require_visible(actor, task: Task) -> None:
    _require_actor(actor)
    if task is None or task.pk is None or not selectors.can_see(actor, task):
        raise Http404("No task matches the given query.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _counter_keys() -> list[str]:
    from ..apps import TASK_COUNTERS

    return list(TASK_COUNTERS)


def _recount(user_ids: Iterable[int | None]) -> None:
    """Schedule a recount of the task counters of these people after commit."""
    ids = sorted({int(i) for i in user_ids if i})
    if not ids:
        return
    from portal.notifications.counters import counters_recount

    try:
        counters_recount(ids, _counter_keys())
    except ValueError:  # the counters are not registered (a test that clears the registry)
        log.warning("task counters are not registered; recount of %s skipped", ids)


def _notify(*, recipients, title: str, actor, task: Task, body: str = "") -> None:
    """A "task" notification (the notifications app skips the actor and inactive people)."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    from portal.notifications.services import notify

    notify(
        recipients=recipients,
        kind="task",
        title=title,
        actor=actor,
        body=body,
        url=task.get_absolute_url(),
        target=task,
    )


def _name(user) -> str:
    return (user.full_name or user.email) if user else ""


def _member_ids(task_ids: Iterable[int]) -> dict[int, list[int]]:
    """task id -> user ids of its participants and observers (one query)."""
    out: dict[int, list[int]] = {}
    for task_id, user_id in TaskMember.objects.filter(task_id__in=list(task_ids)).values_list(
        "task_id", "user_id"
    ):
        out.setdefault(task_id, []).append(user_id)
    return out


def _people_ids(task: Task) -> set[int]:
    """Everyone a change of `task` concerns: creator, responsible, participants and observers."""
    ids = {task.creator_id, task.responsible_id}
    ids.update(_member_ids([task.pk]).get(task.pk, []))
    return {i for i in ids if i}


def _people_of_tasks(task_ids: Iterable[int]) -> set[int]:
    ids_list = list(task_ids)
    people: set[int] = set()
    for creator_id, responsible_id in Task.objects.filter(pk__in=ids_list).values_list(
        "creator_id", "responsible_id"
    ):
        people.update((creator_id, responsible_id))
    for users in _member_ids(ids_list).values():
        people.update(users)
    return people


def _bump_parent(parent_id: int | None, *, count: int = 0, done: int = 0) -> None:
    if not parent_id or not (count or done):
        return
    Task.objects.filter(pk=parent_id).update(
        subtasks_count=F("subtasks_count") + count, subtasks_done=F("subtasks_done") + done
    )


def _forget_prefetched_members(task: Task) -> None:
    cache = getattr(task, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("members", None)


def _is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


def _is_handed_in(status: str) -> bool:
    return status in HANDED_IN_STATUSES


def _descendant_ids(task_id: int) -> list[list[int]]:
    """The subtree under a task as levels of ids (children first, then grandchildren...)."""
    levels: list[list[int]] = []
    seen = {task_id}
    frontier = [task_id]
    while frontier and len(seen) < WALK_LIMIT:
        children = [
            pk
            for pk in Task.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        if not children:
            break
        seen.update(children)
        levels.append(children)
        frontier = children
    return levels


# --- validation --------------------------------------------------------------------------------------


class _Checks:
    """Runs the field checks of one call and raises every field error at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def run(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.errors.setdefault(key, []).extend(messages)
            return None

    def done(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_title(title) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError({"title": [_("Give the task a title.")]})
    if len(title) > TITLE_MAX:
        raise ValidationError(
            {"title": [_("The title is too long (%(max)d characters at most).") % {"max": TITLE_MAX}]}
        )
    return title


def _clean_description(description) -> str:
    description = str(description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {
                "description": [
                    _("The description is too long (%(max)d characters at most).") % {"max": DESCRIPTION_MAX}
                ]
            }
        )
    return description


def _clean_person(person, field_name: str):
    if not isinstance(person, get_user_model()) or person.pk is None:
        raise ValidationError({field_name: [_("Choose a colleague.")]})
    if not person.is_active:
        raise ValidationError(
            {field_name: [_("%(name)s is no longer with the company.") % {"name": _name(person)}]}
        )
    return person


def _clean_priority(priority) -> str:
    if priority not in TaskPriority.values:
        raise ValidationError({"priority": [_("Choose normal or high priority.")]})
    return priority


def _clean_estimate(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({"time_estimate": [_("The estimate is a number of seconds, 0 or more.")]})
    if value > ESTIMATE_MAX:
        raise ValidationError({"time_estimate": [_("The estimate is at most 10,000 hours.")]})
    return value


def _clean_moment(value, field_name: str) -> datetime.datetime | None:
    """An aware datetime (a naive one is read in the current time zone)."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field_name: [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_planned_order(planned_start, planned_end) -> None:
    if planned_start and planned_end and planned_end < planned_start:
        raise ValidationError({"planned_end": [_("The planned end cannot be before the planned start.")]})


def _clean_group(actor, group):
    if group is None:
        return None
    from portal.groups import selectors as group_selectors
    from portal.groups.models import Workgroup

    if not isinstance(group, Workgroup) or not group_selectors.can_see(actor, group):
        raise ValidationError({"group": [_("Choose a workgroup or project you can see.")]})
    if group.is_archived:
        raise ValidationError({"group": [_("This group is archived; it takes no new tasks.")]})
    return group


def _clean_parent(actor, parent, *, task: Task | None = None):
    """A visible parent that is neither the task itself nor one of its subtasks (no cycles)."""
    if parent is None:
        return None
    if not isinstance(parent, Task) or parent.pk is None or not selectors.can_see(actor, parent):
        raise ValidationError({"parent": [_("Choose a parent task you can see.")]})
    if task is not None:
        if parent.pk == task.pk:
            raise ValidationError({"parent": [_("A task cannot be its own parent.")]})
        # Walk up from the new parent: meeting the task means the parent is one of its subtasks.
        current, steps = parent.parent_id, 0
        while current and steps < WALK_LIMIT:
            if current == task.pk:
                raise ValidationError(
                    {"parent": [_("A task cannot be moved under one of its own subtasks.")]}
                )
            current = Task.objects.filter(pk=current).values_list("parent_id", flat=True).first()
            steps += 1
    return parent


def _clean_people(people, field_name: str, *, keep_ids: set[int] = frozenset()) -> list:
    out, seen = [], set()
    for person in people or ():
        if not (isinstance(person, get_user_model()) and person.pk in keep_ids):
            _clean_person(person, field_name)
        if person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def _clean_members(
    participants, observers, *, exclude_ids: set[int], keep_ids: set[int] = frozenset()
) -> tuple[list, list]:
    """Participants and observers without repeats, without the creator and responsible person; a person
    holds one role at most. New people must be active (`keep_ids`: people already on the task)."""
    participants = [
        p for p in _clean_people(participants, "participants", keep_ids=keep_ids) if p.pk not in exclude_ids
    ]
    observers = [
        p for p in _clean_people(observers, "observers", keep_ids=keep_ids) if p.pk not in exclude_ids
    ]
    both = {p.pk for p in participants} & {p.pk for p in observers}
    if both:
        names = ", ".join(_name(p) for p in observers if p.pk in both)
        raise ValidationError(
            {
                "observers": [
                    _("A person is either a participant or an observer, not both: %(names)s.")
                    % {"names": names}
                ]
            }
        )
    return participants, observers


def _clean_tags(actor, tags) -> list[Tag]:
    tags = list(dict.fromkeys(tags or ()))
    if not tags:
        return []
    if not all(isinstance(t, Tag) and t.pk for t in tags):
        raise ValidationError({"tags": [_("Choose existing tags.")]})
    usable = set(
        Tag.objects.visible_to(actor).filter(pk__in=[t.pk for t in tags]).values_list("pk", flat=True)
    )
    if usable != {t.pk for t in tags}:
        raise ValidationError({"tags": [_("You may only use your own tags and those of your groups.")]})
    return tags


def _clean_checklist(lines) -> list[str]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    out = []
    for line in lines or ():
        text = " ".join(str(line or "").split())
        if not text:
            continue
        if len(text) > CHECKLIST_TEXT_MAX:
            raise ValidationError(
                {
                    "checklist": [
                        _("A checklist item is too long (%(max)d characters at most).")
                        % {"max": CHECKLIST_TEXT_MAX}
                    ]
                }
            )
        out.append(text)
    return out


def _clean_comment(comment, *, required: bool, message: str) -> str:
    comment = str(comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": [message]})
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": [_("The comment is too long (%(max)d characters at most).") % {"max": COMMENT_MAX}]}
        )
    return comment


# --- the working schedule ----------------------------------------------------------------------------


def _zone(person) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(person, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def work_hours_deadline(deadline: datetime.datetime | None, person) -> datetime.datetime | None:
    """Move a deadline outside `person`'s working hours back to the end of their last working period at or
    before it (working days are Monday to Friday, hours `work_start`-`work_end` in their time zone).

    Saturday 12:00 -> Friday at the end of work; 21:00 -> the same day's end of work; 07:00 -> the previous
    working day's end of work. A deadline inside working hours stays as it is.
    """
    if deadline is None or person is None:
        return deadline
    zone = _zone(person)
    local = deadline.astimezone(zone)
    start, end = person.work_start, person.work_end
    day = local.date()
    moment = local.time().replace(tzinfo=None)
    if day.weekday() < 5 and start <= moment <= end:
        return deadline
    if not (day.weekday() < 5 and moment > end):
        # Before work starts, or a weekend: the previous working day.
        day -= datetime.timedelta(days=1)
        while day.weekday() >= 5:
            day -= datetime.timedelta(days=1)
    moved = datetime.datetime.combine(day, end, tzinfo=zone)
    return moved.astimezone(datetime.UTC)


# --- stream entries ----------------------------------------------------------------------------------

STREAM_TEMPLATE = "tasks/stream/task_event.html"


def _publish(*, actor, task: Task, verb: str, comment: str = "") -> None:
    """A stream entry about `task` for its people (and its group when the actor belongs to it)."""
    from portal.groups.models import Membership
    from portal.stream.mentions import plain
    from portal.stream.services import Audience, entry_publish

    ids = _people_ids(task) | {actor.pk}
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    groups = []
    if (
        task.group_id
        and not task.group.is_archived
        and Membership.objects.filter(group_id=task.group_id, user=actor).exists()
    ):
        groups.append(task.group_id)
    deadline = task.deadline
    context = {
        "task_id": task.pk,
        "title": task.title,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "priority": task.priority,
        "responsible_name": _name(task.responsible),
        "responsible_url": task.responsible.get_absolute_url(),
        "deadline": deadline.isoformat() if deadline else "",
        "deadline_display": (
            formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT") if deadline else ""
        ),
        "group_name": task.group.name if task.group_id else "",
        "comment": plain(comment)[:300],
    }
    entry_publish(
        actor=actor,
        verb=verb,
        target=task,
        audience=Audience(users=users, groups=groups),
        template=STREAM_TEMPLATE,
        context=context,
    )


def _stream_forget(task: Task, *, people: Iterable = (), group_ids: Iterable[int | None] = ()) -> None:
    """After a change of the task's people or group: the stream entries about it stop reaching those who
    can no longer see it. `people` are the people who may have lost sight (a removed member, the previous
    responsible person): each who now fails the visibility rule leaves the entries' audience; `group_ids`
    are groups the task left. The audience is stored with each entry when it is written, so it follows here.
    """
    from portal.stream.services import entry_audience_remove

    lost = [person.pk for person in people if person is not None and not selectors.can_see(person, task)]
    groups = [pk for pk in group_ids if pk and pk != task.group_id]
    if lost or groups:
        entry_audience_remove(target=task, users=lost, groups=groups)


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
        title=_("%(name)s gave you a task: %(title)s") % {"name": _name(actor), "title": title},
        actor=actor,
        task=task,
        body=description[:300],
    )
    _notify(
        recipients=[*participants, *observers],
        title=_("%(name)s added you to a task: %(title)s") % {"name": _name(actor), "title": title},
        actor=actor,
        task=task,
        body=description[:300],
    )
    _recount({actor.pk, responsible.pk, *(p.pk for p in participants), *(p.pk for p in observers)})
    return task


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
            title=_("%(name)s made you responsible for a task: %(title)s")
            % {"name": _name(actor), "title": task.title},
            actor=actor,
            task=task,
        )
        _notify(
            recipients=[old_responsible],
            title=_("%(name)s handed your task over to %(other)s: %(title)s")
            % {"name": _name(actor), "other": _name(task.responsible), "title": task.title},
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
        (MemberRole.PARTICIPANT, _("%(name)s made you a participant of a task: %(title)s")),
        (MemberRole.OBSERVER, _("%(name)s made you an observer of a task: %(title)s")),
    ):
        _notify(
            recipients=[p for p in added if wanted[p.pk] == role],
            title=title % {"name": _name(actor), "title": task.title},
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
        raise Http404("No task matches the given query.")
    subtree = [task.pk, *(pk for level in _descendant_ids(task.pk) for pk in level)]
    people = _people_of_tasks(subtree)
    successors = set(
        TaskLink.objects.filter(predecessor_id__in=subtree)
        .exclude(successor_id__in=subtree)
        .values_list("successor_id", flat=True)
    )
    stored_files = list(TaskFile.objects.filter(task_id__in=subtree).values_list("file", flat=True))
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
        raise Http404("No task matches the given query.")
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
    changes: dict = {"status": [old, status], "action": action}
    if comment:
        changes["comment"] = comment[:300]
    audit_record(actor=actor, action="task.status", target=task, changes=changes)
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
    message = _("This task has %(count)d open subtask(s): complete them too, or leave them open?") % {
        "count": count
    }
    error = ValidationError({"open_subtasks": [ValidationError(message, code="open_subtasks")]})
    error.code = "open_subtasks"  # what the page asks about, also on the error itself
    return error


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
def task_transition(*, actor, task, action: str, comment: str = "", open_subtasks: str | None = None) -> Task:
    """Take a status action (see TRANSITIONS). The responsible person (and the creator, and admins) accept,
    start, pause, complete, defer, decline and renew; the creator (and admins) approve and return.

    Completing a task with open subtasks needs `open_subtasks`: "complete" closes them too, "keep" leaves
    them; without it a ValidationError with code "open_subtasks" lets the page ask. A task that requires
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
            title=_("%(name)s completed a task that awaits your control: %(title)s") % names,
            actor=actor,
            task=task,
            body=comment,
        )
    elif status == S.COMPLETED:
        title = (
            _("%(name)s accepted the work on the task: %(title)s")
            if action == "approve"
            else _("%(name)s completed the task: %(title)s")
        )
        _notify(recipients=sorted(affected), title=title % names, actor=actor, task=task, body=comment)
    elif action == "return":
        _notify(
            recipients=sorted(affected - {task.creator_id}),
            title=_("%(name)s returned the task for rework: %(title)s") % names,
            actor=actor,
            task=task,
            body=comment,
        )
    elif action == "decline":
        _notify(
            recipients=[task.creator_id],
            title=_("%(name)s declined the task: %(title)s") % names,
            actor=actor,
            task=task,
            body=comment,
        )
    else:
        _notify(
            recipients=[task.creator_id, task.responsible_id],
            title=_("%(name)s changed the status of the task “%(title)s” to %(status)s")
            % {**names, "status": task.get_status_display()},
            actor=actor,
            task=task,
            body=comment,
        )
    for sub in closed_subtasks:
        _notify(
            recipients=[sub.creator_id, sub.responsible_id],
            title=_("%(name)s completed the task “%(title)s” together with its parent task")
            % {"name": _name(actor), "title": sub.title},
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
def task_set_status(*, actor, task, status: str, comment: str = "", open_subtasks: str | None = None) -> Task:
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
        )
    return task


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
        raise Http404("No task link matches the given query.")
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


# --- bulk changes, seen marks, search text -----------------------------------------------------------


def _bulk_tags(*, actor, task: Task, add: list[Tag], remove: list[Tag]) -> None:
    from .content import task_set_tags

    mine = list(Tag.objects.visible_to(actor).filter(task_tags__task=task).values_list("pk", flat=True))
    remove_ids = {t.pk for t in remove}
    wanted = [pk for pk in mine if pk not in remove_ids] + [t.pk for t in add if t.pk not in mine]
    if set(wanted) != set(mine):
        task_set_tags(actor=actor, task=task, tags=wanted)


def _skip_reason(exc: Exception) -> str:
    if isinstance(exc, Http404):
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
        except (Http404, PermissionDenied, ValidationError) as exc:
            result.skipped[pk] = _skip_reason(exc)
        else:
            result.done.append(pk)
    return result


@transaction.atomic
def task_mark_seen(*, user, task) -> None:
    """Remember that `user` has seen the task's comments up to now; their unseen-comments counter follows."""
    _require_visible(user, task)
    TaskView.objects.update_or_create(task=task, user=user, defaults={"seen_at": timezone.now()})
    from portal.notifications.counters import counters_recount

    try:
        counters_recount([user.pk], ["tasks.unseen_comments"])
    except ValueError:
        log.warning("counter tasks.unseen_comments is not registered")


def task_search_text_refresh(*, task_ids) -> None:
    """Rebuild the plain search text (title, description, comments) of these tasks, capped in length."""
    from portal.stream.mentions import plain

    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        return
    parts: dict[int, list[str]] = {}
    for pk, title, description in Task.objects.filter(pk__in=ids).values_list("pk", "title", "description"):
        parts[pk] = [title, plain(description)]
    for task_id, body in (
        TaskComment.objects.filter(task_id__in=list(parts))
        .order_by("created_at", "id")
        .values_list("task_id", "body")
    ):
        parts[task_id].append(plain(body))
    rows = []
    for pk, texts in parts.items():
        text = "\n".join(t.strip() for t in texts if t and t.strip())[:SEARCH_TEXT_MAX]
        rows.append(Task(pk=pk, search_text=text))
    Task.objects.bulk_update(rows, ["search_text"], batch_size=200)
