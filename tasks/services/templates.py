"""Tasks: task templates (create, edit, delete), their recurrence (daily, weekly, monthly) and the periodic
run that makes tasks from the templates that are due.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import NotFound

from ..choices import Repeat, TaskPriority
from ..models import ChecklistItem, Task, TaskTemplate
from .tags import tags_resolve
from .tasks import task_create
from .time import log, user_zone
from .validation import _require_actor

__all__ = [
    "template_create",
    "template_update",
    "template_delete",
    "task_from_template",
    "templates_run_due",
    "template_next_run",
]
RUN_DUE_BATCH_SIZE = 200
# How far ahead the next occurrence of a recurrence is looked for (a monthly "31st" needs at most 62 days).
NEXT_RUN_SEARCH_DAYS = 400


# --- templates ---------------------------------------------------------------------------------------

TEMPLATE_FIELDS = (
    "title",
    "description",
    "responsible",
    "participants",
    "observers",
    "group",
    "priority",
    "tag_names",
    "checklist",
    "deadline_days",
    "time_estimate",
    "allow_change_deadline",
    "requires_control",
    "repeat",
    "weekdays",
    "month_day",
    "repeat_time",
    "repeat_until",
    "subtasks",
    "is_active",
)
# Stored directly on the row (the rest are relations or child rows).
_SCALAR_FIELDS = [
    "title",
    "description",
    "responsible",
    "group",
    "priority",
    "tag_names",
    "checklist",
    "deadline_days",
    "time_estimate",
    "allow_change_deadline",
    "requires_control",
    "repeat",
    "weekdays",
    "month_day",
    "repeat_time",
    "repeat_until",
    "is_active",
]
_RECURRENCE_FIELDS = {"repeat", "weekdays", "month_day", "repeat_time", "repeat_until", "is_active"}
_SUBTASK_KEYS = {"title", "description", "responsible", "checklist"}
MAX_DEADLINE_DAYS = 3650
MAX_CHECKLIST_LINES = 100
MAX_SUBTASKS = 50


def _check_field_names(fields: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(TEMPLATE_FIELDS))
    if unknown:
        raise TypeError(f"Unknown template fields: {', '.join(unknown)}")


def _people(values, *, field: str, errors: dict) -> dict[int, Any]:
    """{id: user} for a list of users or ids; inactive or missing people are an error of `field`."""
    ids = []
    for value in values or ():
        try:
            ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            errors[field] = [_("Choose people from the list.")]
            return {}
    found = get_user_model().objects.filter(pk__in=ids, is_active=True).in_bulk()
    if len(found) != len(set(ids)):
        errors[field] = [_("Choose active people only.")]
    return {pk: found[pk] for pk in dict.fromkeys(ids) if pk in found}


def _person(value, *, field: str, errors: dict):
    if value in (None, ""):
        return None
    people = _people([value], field=field, errors=errors)
    return next(iter(people.values()), None)


def _clean_lines(value, *, field: str, max_length: int, max_lines: int, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        errors[field] = [_("Give a list of lines.")]
        return []
    lines = [" ".join(str(line or "").split()) for line in value]
    lines = [line for line in lines if line]
    if any(len(line) > max_length for line in lines):
        errors[field] = [_("A line is too long (%(n)d characters at most).") % {"n": max_length}]
    elif len(lines) > max_lines:
        errors[field] = [_("Too many lines (%(n)d at most).") % {"n": max_lines}]
    return lines


def _clean_tag_names(value, errors: dict) -> list[str]:
    names = _clean_lines(value, field="tag_names", max_length=60, max_lines=50, errors=errors)
    if any("," in name for name in names):
        errors["tag_names"] = [_("A tag name cannot contain a comma.")]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return list(unique.values())


def _clean_int(value, *, field: str, low: int, high: int, errors: dict, message: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = [message]
        return None
    if not low <= number <= high:
        errors[field] = [message]
    return number


def _clean_time(value, errors: dict) -> datetime.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None)
    try:
        parsed = parse_time(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, like 25:00
        parsed = None
    if parsed is None:
        errors["repeat_time"] = [_("Give the time of day as HH:MM.")]
    return parsed


def _clean_date(value, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        errors["repeat_until"] = [_("Give a date.")]
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, like 2025-02-30
        parsed = None
    if parsed is None:
        errors["repeat_until"] = [_("Give a date.")]
    return parsed


def _clean_subtasks(value, *, errors: dict) -> list[dict]:
    if value in (None, ""):
        return []
    if isinstance(value, str | dict) or not isinstance(value, Iterable):
        errors["subtasks"] = [_("Give a list of subtasks.")]
        return []
    clean: list[dict] = []
    problems: list[str] = []
    items = list(value)
    if len(items) > MAX_SUBTASKS:
        errors["subtasks"] = [_("Too many subtasks (%(n)d at most).") % {"n": MAX_SUBTASKS}]
        return []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) - _SUBTASK_KEYS:
            problems.append(
                _("Subtask %(n)d: give a title, a description, a responsible person and a checklist.")
                % {"n": number}
            )
            continue
        sub_errors: dict[str, list[str]] = {}
        title = " ".join(str(item.get("title") or "").split())
        if not title:
            sub_errors["title"] = [_("give it a title")]
        elif len(title) > TaskTemplate._meta.get_field("title").max_length:
            sub_errors["title"] = [_("the title is too long (250 characters at most)")]
        responsible = _person(item.get("responsible"), field="responsible", errors=sub_errors)
        checklist = _clean_lines(
            item.get("checklist"),
            field="checklist",
            max_length=ChecklistItem._meta.get_field("text").max_length,
            max_lines=MAX_CHECKLIST_LINES,
            errors=sub_errors,
        )
        for messages in sub_errors.values():
            problems.extend(_("Subtask %(n)d: %(problem)s") % {"n": number, "problem": m} for m in messages)
        clean.append(
            {
                "title": title,
                "description": str(item.get("description") or "").strip(),
                "responsible": responsible,
                "checklist": checklist,
            }
        )
    if problems:
        errors["subtasks"] = problems
    return clean


def _clean_template(*, actor, values: dict) -> dict:
    """Validate every field of a template at once; raise ValidationError with all problems."""
    from portal.groups import selectors as group_selectors
    from portal.groups.models import Workgroup

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        errors["title"] = [_("Give the template a title.")]
    elif len(title) > TaskTemplate._meta.get_field("title").max_length:
        errors["title"] = [_("The title is too long (250 characters at most).")]
    clean["title"] = title
    clean["description"] = str(values.get("description") or "").strip()
    clean["responsible"] = _person(values.get("responsible"), field="responsible", errors=errors)
    participants = _people(values.get("participants"), field="participants", errors=errors)
    observers = _people(values.get("observers"), field="observers", errors=errors)
    if set(participants) & set(observers):
        errors["observers"] = [_("A person is either a participant or an observer, not both.")]
    clean["participants"] = list(participants.values())
    clean["observers"] = list(observers.values())

    group = values.get("group")
    if group not in (None, ""):
        if not isinstance(group, Workgroup):
            group_id = str(getattr(group, "pk", group))
            group = Workgroup.objects.filter(pk=int(group_id)).first() if group_id.isdecimal() else None
        if group is None or not group_selectors.can_see(actor, group):
            errors["group"] = [_("Choose a workgroup or project you can see.")]
            group = None
    clean["group"] = group or None

    priority = values.get("priority") or TaskPriority.NORMAL
    if priority not in TaskPriority.values:
        errors["priority"] = [_("Choose normal or high priority.")]
    clean["priority"] = priority
    clean["tag_names"] = _clean_tag_names(values.get("tag_names"), errors)
    clean["checklist"] = _clean_lines(
        values.get("checklist"),
        field="checklist",
        max_length=ChecklistItem._meta.get_field("text").max_length,
        max_lines=MAX_CHECKLIST_LINES,
        errors=errors,
    )
    clean["deadline_days"] = _clean_int(
        values.get("deadline_days"),
        field="deadline_days",
        low=1,
        high=MAX_DEADLINE_DAYS,
        errors=errors,
        message=_("The deadline comes 1 to %(n)d days after the task is created.") % {"n": MAX_DEADLINE_DAYS},
    )
    clean["time_estimate"] = _clean_int(
        values.get("time_estimate"),
        field="time_estimate",
        low=0,
        high=2**31 - 1,
        errors=errors,
        message=_("Give the estimate as a whole number of seconds."),
    )
    clean["allow_change_deadline"] = bool(values.get("allow_change_deadline"))
    clean["requires_control"] = bool(values.get("requires_control"))
    clean["is_active"] = bool(values.get("is_active", True))

    repeat = values.get("repeat") or Repeat.NONE
    if repeat not in Repeat.values:
        errors["repeat"] = [_("Choose how the task repeats.")]
        repeat = Repeat.NONE
    clean["repeat"] = repeat
    weekdays: list[int] = []
    if repeat == Repeat.WEEKLY:
        raw = values.get("weekdays") or []
        try:
            if isinstance(raw, str) or any(isinstance(d, bool) for d in raw):
                raise TypeError
            weekdays = sorted({int(d) for d in raw})
        except (TypeError, ValueError):
            weekdays = []
            errors["weekdays"] = [_("Choose days of the week.")]
        else:
            if not weekdays:
                errors["weekdays"] = [_("Choose at least one day of the week.")]
            elif weekdays[0] < 0 or weekdays[-1] > 6:
                errors["weekdays"] = [_("Days of the week go from 0 (Monday) to 6 (Sunday).")]
    clean["weekdays"] = weekdays
    month_day = None
    if repeat == Repeat.MONTHLY:
        month_day = _clean_int(
            values.get("month_day"),
            field="month_day",
            low=1,
            high=31,
            errors=errors,
            message=_("Choose a day of the month from 1 to 31."),
        )
        if month_day is None and "month_day" not in errors:
            errors["month_day"] = [_("Choose a day of the month from 1 to 31.")]
    clean["month_day"] = month_day
    repeat_time = _clean_time(values.get("repeat_time"), errors)
    if repeat != Repeat.NONE and repeat_time is None and "repeat_time" not in errors:
        errors["repeat_time"] = [_("Choose the time of day the task is created.")]
    clean["repeat_time"] = repeat_time if repeat != Repeat.NONE else None
    clean["repeat_until"] = _clean_date(values.get("repeat_until"), errors) if repeat != Repeat.NONE else None
    clean["subtasks"] = _clean_subtasks(values.get("subtasks"), errors=errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _runs_on(*, repeat: str, weekdays, month_day, day: datetime.date) -> bool:
    if repeat == Repeat.DAILY:
        return True
    if repeat == Repeat.WEEKLY:
        return day.weekday() in (weekdays or [])
    if repeat == Repeat.MONTHLY and month_day:
        # The 31st of a 30-day month is its 30th (and the 28th or 29th of February).
        return day.day == min(month_day, calendar.monthrange(day.year, day.month)[1])
    return False


def template_next_run(template: TaskTemplate, *, after: datetime.datetime) -> datetime.datetime | None:
    """The first time the template runs strictly after `after`, at `repeat_time` on the wall clock of the
    creator's time zone (so 09:00 stays 09:00 across daylight-saving changes), or None when it does not
    repeat (any more)."""
    if template.repeat == Repeat.NONE or template.repeat_time is None or not template.is_active:
        return None
    zone = user_zone(template.creator)
    day = after.astimezone(zone).date()
    for _step in range(NEXT_RUN_SEARCH_DAYS):
        if template.repeat_until and day > template.repeat_until:
            return None
        if _runs_on(
            repeat=template.repeat, weekdays=template.weekdays, month_day=template.month_day, day=day
        ):
            # A wall time that does not exist (skipped by a clock change) lands just after the gap.
            at = datetime.datetime.combine(day, template.repeat_time, tzinfo=zone).astimezone(datetime.UTC)
            if at > after:
                return at
        day += datetime.timedelta(days=1)
    return None


def _require_template(actor, template: TaskTemplate) -> None:
    _require_actor(actor)
    if not TaskTemplate.objects.visible_to(actor).filter(pk=template.pk).exists():
        raise NotFound(_("No task template matches the given query."))


def _save_subtemplates(template: TaskTemplate, subtasks: list[dict]) -> None:
    TaskTemplate.objects.bulk_create(
        [
            TaskTemplate(
                creator_id=template.creator_id,
                parent=template,
                title=sub["title"],
                description=sub["description"],
                responsible=sub["responsible"],
                group=template.group,
                priority=template.priority,
                checklist=sub["checklist"],
                is_active=False,
            )
            for sub in subtasks
        ]
    )


def _names(people) -> str:
    return ", ".join(sorted(p.full_name or p.email for p in people))


def _template_snapshot(template: TaskTemplate) -> dict:
    """What the template's history shows: its fields, with lists as readable text."""
    data = snapshot(template, _SCALAR_FIELDS)
    for name in ("tag_names", "checklist", "weekdays"):
        data[name] = ", ".join(str(v) for v in getattr(template, name) or [])
    data["participants"] = _names(template.participants.all())
    data["observers"] = _names(template.observers.all())
    data["subtasks"] = ", ".join(template.subtemplates.order_by("id").values_list("title", flat=True))
    return data


@transaction.atomic
def template_create(*, actor, title: str, **fields) -> TaskTemplate:
    """Create a task template (any signed-in person; it is theirs), optionally repeating.

    Fields: description, responsible (default: whoever runs it), participants, observers, group, priority,
    tag_names, checklist (lines), deadline_days, time_estimate, allow_change_deadline, requires_control,
    repeat (none/daily/weekly/monthly), weekdays (0 = Monday), month_day (1..31, clamped to short months),
    repeat_time, repeat_until, is_active, subtasks (dicts of title/description/responsible/checklist).
    """
    _require_actor(actor)
    _check_field_names(fields)
    clean = _clean_template(actor=actor, values={**fields, "title": title})
    participants = clean.pop("participants")
    observers = clean.pop("observers")
    subtasks = clean.pop("subtasks")
    template = TaskTemplate(creator=actor, **clean)
    template.next_run_at = template_next_run(template, after=timezone.now())
    if template.repeat != Repeat.NONE and template.is_active and template.next_run_at is None:
        raise ValidationError({"repeat_until": [_("The repetition ends before it would run even once.")]})
    template.save()
    template.participants.set(participants)
    template.observers.set(observers)
    _save_subtemplates(template, subtasks)
    audit_record(actor=actor, action="template.create", target=template, changes=_template_snapshot(template))
    return template


@transaction.atomic
def template_update(*, actor, template: TaskTemplate, **fields) -> TaskTemplate:
    """Change a template (its creator or an admin). Fields left out stay; `subtasks` replaces them all.

    The next run is computed again when the recurrence changes.
    """
    _require_template(actor, template)
    _check_field_names(fields)
    if template.parent_id:
        raise ValidationError({"template": [_("Change a subtask through the template it belongs to.")]})
    before = _template_snapshot(template)
    current = {name: getattr(template, name) for name in _SCALAR_FIELDS}
    current["participants"] = list(template.participants.all())
    current["observers"] = list(template.observers.all())
    current["subtasks"] = [
        {
            "title": s.title,
            "description": s.description,
            "responsible": s.responsible,
            "checklist": s.checklist,
        }
        for s in template.subtemplates.select_related("responsible").order_by("id")
    ]
    clean = _clean_template(actor=actor, values={**current, **fields})
    participants = clean.pop("participants")
    observers = clean.pop("observers")
    subtasks = clean.pop("subtasks")
    recurrence_changed = any(getattr(template, name) != clean[name] for name in _RECURRENCE_FIELDS)
    for name, value in clean.items():
        setattr(template, name, value)
    if recurrence_changed:
        template.next_run_at = template_next_run(template, after=timezone.now())
        if template.repeat != Repeat.NONE and template.is_active and template.next_run_at is None:
            raise ValidationError({"repeat_until": [_("The repetition ends before it would run even once.")]})
    template.save(update_fields=[*_SCALAR_FIELDS, "next_run_at", "updated_at"])
    if "participants" in fields:
        template.participants.set(participants)
    if "observers" in fields:
        template.observers.set(observers)
    if "subtasks" in fields:
        template.subtemplates.all().delete()
        _save_subtemplates(template, subtasks)
    elif "group" in fields or "priority" in fields:
        template.subtemplates.update(group=template.group, priority=template.priority)
    changes = diff(before, _template_snapshot(template))
    if changes:
        audit_record(actor=actor, action="template.update", target=template, changes=changes)
    return template


@transaction.atomic
def template_delete(*, actor, template: TaskTemplate) -> None:
    """Delete a template and its subtask templates (its creator or an admin). Tasks made from it stay."""
    _require_template(actor, template)
    audit_record(actor=actor, action="template.delete", target=template, changes={"title": template.title})
    template.delete()


@transaction.atomic
def task_from_template(*, actor, template: TaskTemplate, now: datetime.datetime | None = None) -> Task:
    """Create a task (and its subtasks) from a template, through `task_create`: the same rules, audit,
    stream entry, notifications and counters as a task made by hand. Deadline: now + deadline_days."""
    _require_template(actor, template)
    if template.parent_id:
        raise ValidationError({"template": [_("Create the task from the template this subtask belongs to.")]})
    now = now or timezone.now()
    deadline = now + datetime.timedelta(days=template.deadline_days) if template.deadline_days else None
    tags = tags_resolve(actor=actor, names=list(template.tag_names)) if template.tag_names else []
    task = task_create(
        actor=actor,
        title=template.title,
        responsible=template.responsible or actor,
        description=template.description,
        participants=list(template.participants.all()),
        observers=list(template.observers.all()),
        deadline=deadline,
        priority=template.priority,
        group=template.group,
        tags=tags,
        checklist=list(template.checklist or []),
        allow_change_deadline=template.allow_change_deadline,
        requires_control=template.requires_control,
        time_estimate=template.time_estimate,
        template=template,
    )
    for sub in template.subtemplates.select_related("responsible").order_by("id"):
        task_create(
            actor=actor,
            title=sub.title,
            responsible=sub.responsible or task.responsible,
            description=sub.description,
            deadline=deadline,
            priority=template.priority,
            group=template.group,
            parent=task,
            checklist=list(sub.checklist or []),
            template=sub,
        )
    return task


def _due_templates(now: datetime.datetime):
    return TaskTemplate.objects.filter(
        is_active=True, parent__isnull=True, next_run_at__isnull=False, next_run_at__lte=now
    ).exclude(repeat=Repeat.NONE)


def _run_failed(template: TaskTemplate, error: Exception) -> None:
    from portal.notifications.services import notify

    if isinstance(error, ValidationError):
        reason = "; ".join(str(m) for m in error.messages)
    else:
        reason = str(error) or error.__class__.__name__
    log.warning("template %s: the recurring task was not created: %s", template.pk, reason)
    notify(
        recipients=[template.creator_id],
        kind="task",
        title=i18n.message(
            gettext_lazy("The recurring task “%(title)s” could not be created"), title=template.title
        ),
        body=reason,
        target=template,
    )


def templates_run_due(*, now: datetime.datetime | None = None) -> int:
    """Beat's work: create the task of every repeating template that is due, then move it to its next run.

    Each template runs in its own transaction on its row, locked with SKIP LOCKED where the database has
    it, and re-checked as due under the lock: two beats never both create the task, and running the job
    twice for the same moment creates nothing the second time. Missed runs (beat was down) make one task.
    Returns how many tasks were created.
    """
    now = now or timezone.now()
    created = 0
    ids = list(
        _due_templates(now).order_by("next_run_at", "id").values_list("pk", flat=True)[:RUN_DUE_BATCH_SIZE]
    )
    for pk in ids:
        with transaction.atomic():
            rows = _due_templates(now).filter(pk=pk).select_related("creator")
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            template = rows.first()
            if template is None:  # done meanwhile, or another beat holds it
                continue
            try:
                with transaction.atomic():
                    task_from_template(actor=template.creator, template=template, now=now)
                created += 1
            except (ValidationError, PermissionDenied, NotFound) as exc:
                _run_failed(template, exc)
            template.last_run_at = now
            template.next_run_at = template_next_run(template, after=now)
            template.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
    return created
