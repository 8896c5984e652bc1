"""Tasks: time tracking (timers, manual entries), templates with recurrence, the deadline sweep, the daily
reminder of what is due and the rebuild of the stored numbers.

Time spent is kept on `Task.time_spent` with F() by every service that adds, changes or removes time; the
stored numbers are rebuilt from the rows by `task_numbers_rebuild` (which finds nothing to fix after the
services did their work: tested). Recurring templates are run by a beat job through `templates_run_due`;
each run moves the template's `next_run_at` forward (in the creator's time zone), so a second run finds
nothing to do.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.permissions import is_portal_admin
from portal.notifications.counters import counters_recount

from .. import selectors
from ..choices import CLOSED_STATUSES, Repeat, TaskPriority, TimeSource
from ..models import ChecklistItem, Task, TaskComment, TaskFile, TaskTemplate, TimeEntry
from . import content, core
from .core import UNSET

log = logging.getLogger(__name__)

__all__ = [
    "timer_start",
    "timer_stop",
    "time_entry_add",
    "time_entry_update",
    "time_entry_delete",
    "template_create",
    "template_update",
    "template_delete",
    "task_from_template",
    "templates_run_due",
    "template_next_run",
    "deadlines_sweep",
    "due_reminders_send",
    "task_numbers_rebuild",
]

# A manual entry (or a corrected one) lasts at least a second and at most a week.
MAX_ENTRY_SECONDS = 7 * 24 * 3600
# Clocks of browsers and servers disagree a little; an entry ending this close to "now" is not "future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=1)

# The deadline sweep runs every SWEEP_INTERVAL; each run also looks SWEEP_MARGIN further back, so that a
# late or lost run never leaves a counter stale (recounting someone twice is harmless).
SWEEP_INTERVAL = datetime.timedelta(minutes=5)
SWEEP_MARGIN = datetime.timedelta(minutes=5)
SWEEP_LAST_KEY = "lumen:tasks:deadlines-sweep:last"
DUE_SOON = datetime.timedelta(hours=24)
SWEEP_COUNTERS = ["tasks.overdue", "tasks.due_soon"]

# The daily reminder goes out once a person's local time has passed this hour.
REMINDER_HOUR = 8
REMINDER_MAX_LINES = 20

REBUILD_BATCH_SIZE = 1000
RUN_DUE_BATCH_SIZE = 200
# How far ahead the next occurrence of a recurrence is looked for (a monthly "31st" needs at most 62 days).
NEXT_RUN_SEARCH_DAYS = 400

NUMBER_FIELDS = [
    "subtasks_count",
    "subtasks_done",
    "checklist_count",
    "checklist_done",
    "comments_count",
    "files_count",
    "last_comment_at",
    "time_spent",
]


# --- guards and small helpers ------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in first."))


def _require_visible(actor, task: Task) -> None:
    _require_actor(actor)
    if not selectors.can_see(actor, task):
        raise Http404("No task matches the given query.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def zone_named(name: str | None) -> datetime.tzinfo:
    """The time zone called `name` (the site's when the name is empty or unknown)."""
    for candidate in (name, settings.TIME_ZONE):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.UTC


def user_zone(user) -> datetime.tzinfo:
    """The person's time zone (the site's when theirs is unknown)."""
    return zone_named(getattr(user, "time_zone", None))


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes = rest // 60
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _task_url(task: Task) -> str:
    try:
        return task.get_absolute_url()
    except NoReverseMatch:
        return ""


# --- time --------------------------------------------------------------------------------------------


def _running_for_update(user_id: int) -> TimeEntry | None:
    """The person's running timer, locked (one per person: a DB constraint as well)."""
    return TimeEntry.objects.select_for_update().filter(user_id=user_id, ended_at__isnull=True).first()


def _notify_over_estimate(task: Task, actor) -> None:
    """Tell the creator and the responsible person once per estimate that the time spent went over it."""
    from django.contrib.contenttypes.models import ContentType

    from portal.core.models import AuditLog
    from portal.notifications.services import notify

    earlier = AuditLog.objects.filter(
        target_type=ContentType.objects.get_for_model(Task),
        target_id=str(task.pk),
        action="task.over_estimate",
    ).values_list("changes", flat=True)
    if any((c or {}).get("time_estimate") == task.time_estimate for c in earlier):
        return
    audit_record(
        actor=actor,
        action="task.over_estimate",
        target=task,
        changes={"time_estimate": task.time_estimate, "time_spent": task.time_spent},
    )
    # No actor on purpose: the person logging the time is one of the two and is warned as well.
    notify(
        recipients={task.creator_id, task.responsible_id},
        kind="task",
        title=_("Time spent on “%(title)s” is over the estimate") % {"title": task.title},
        body=_("%(spent)s spent of %(estimate)s estimated.")
        % {"spent": _duration(task.time_spent), "estimate": _duration(task.time_estimate)},
        url=_task_url(task),
        target=task,
    )


def _add_time(*, actor, task_id: int, delta: int) -> Task:
    """Add `delta` seconds to the task's stored time (never below 0); warn when it crosses the estimate.

    The UPDATE holds the task's row lock until commit, so reading the row back gives this transaction's
    exact before/after values even when several people log time at once.
    """
    if delta:
        Task.objects.filter(pk=task_id).update(time_spent=Greatest(F("time_spent") + delta, Value(0)))
    task = Task.objects.only(
        "id", "title", "time_spent", "time_estimate", "creator_id", "responsible_id"
    ).get(pk=task_id)
    if delta > 0 and task.time_estimate and task.time_spent - delta <= task.time_estimate < task.time_spent:
        _notify_over_estimate(task, actor)
    return task


def _stop_entry(*, actor, entry: TimeEntry, now: datetime.datetime) -> TimeEntry:
    entry.ended_at = max(now, entry.started_at)
    entry.seconds = int((entry.ended_at - entry.started_at).total_seconds())
    entry.save(update_fields=["ended_at", "seconds"])
    task = _add_time(actor=actor, task_id=entry.task_id, delta=entry.seconds)
    audit_record(
        actor=actor,
        action="task.timer_stop",
        target=task,
        changes={"time_entry": entry.pk, "seconds": entry.seconds},
    )
    return entry


@transaction.atomic
def timer_start(*, actor, task: Task) -> TimeEntry:
    """Start the actor's timer on a task (creator, responsible, participants, admins).

    The actor's other running timer stops first (one running timer per person). Starting the timer that
    already runs on this task changes nothing.
    """
    _require_visible(actor, task)
    _require(selectors.can_participate(actor, task), _("Only the task's people may track time on it."))
    if task.status in CLOSED_STATUSES:
        raise ValidationError({"task": [_("This task is closed; renew it to track time on it.")]})
    now = timezone.now()
    running = _running_for_update(actor.pk)
    if running is not None:
        if running.task_id == task.pk:
            return running
        _stop_entry(actor=actor, entry=running, now=now)
    try:
        with transaction.atomic():
            entry = TimeEntry.objects.create(task=task, user=actor, started_at=now, source=TimeSource.TIMER)
    except IntegrityError as exc:  # another request of the same person started one a moment ago
        raise ValidationError(
            {"task": [_("Another timer of yours has just started; stop it first.")]}
        ) from exc
    audit_record(actor=actor, action="task.timer_start", target=task, changes={"time_entry": entry.pk})
    return entry


@transaction.atomic
def timer_stop(*, actor) -> TimeEntry | None:
    """Stop the actor's running timer: the entry gets its seconds, the task its time. None if none ran."""
    _require_actor(actor)
    running = _running_for_update(actor.pk)
    if running is None:
        return None
    return _stop_entry(actor=actor, entry=running, now=timezone.now())


def _clean_seconds(value, errors: dict) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        seconds = int(value)
        if seconds != value and not isinstance(value, str):
            raise ValueError
    except (TypeError, ValueError):
        errors["seconds"] = [_("Give the time as a whole number of seconds.")]
        return 0
    if not 1 <= seconds <= MAX_ENTRY_SECONDS:
        errors["seconds"] = [_("An entry lasts from one second to seven days.")]
    return seconds


def _clean_comment(value, errors: dict) -> str:
    comment = " ".join(str(value or "").split())
    if len(comment) > TimeEntry._meta.get_field("comment").max_length:
        errors["comment"] = [_("The comment is too long (500 characters at most).")]
    return comment


def _check_not_future(
    *, started_at: datetime.datetime, seconds: int, now: datetime.datetime, errors: dict
) -> None:
    if started_at > now + FUTURE_TOLERANCE:
        errors["started_at"] = [_("Time cannot be logged in the future.")]
    elif started_at + datetime.timedelta(seconds=seconds) > now + FUTURE_TOLERANCE:
        errors.setdefault("seconds", []).append(_("This entry would end in the future."))


@transaction.atomic
def time_entry_add(
    *, actor, task: Task, seconds: int, started_at: datetime.datetime | None = None, comment: str = ""
) -> TimeEntry:
    """Log time by hand (creator, responsible, participants, admins): 1 second to 7 days, not in the future.

    Without `started_at` the entry ends now.
    """
    _require_visible(actor, task)
    _require(selectors.can_participate(actor, task), _("Only the task's people may log time on it."))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    seconds = _clean_seconds(seconds, errors)
    comment = _clean_comment(comment, errors)
    if started_at is None:
        if "seconds" not in errors:  # a refused duration may not even fit a timedelta
            started_at = now - datetime.timedelta(seconds=seconds)
    elif not isinstance(started_at, datetime.datetime) or timezone.is_naive(started_at):
        errors["started_at"] = [_("Give the start as a date and time with its time zone.")]
    if "seconds" not in errors and "started_at" not in errors:
        _check_not_future(started_at=started_at, seconds=seconds, now=now, errors=errors)
    if errors:
        raise ValidationError(errors)
    entry = TimeEntry.objects.create(
        task=task,
        user=actor,
        started_at=started_at,
        ended_at=started_at + datetime.timedelta(seconds=seconds),
        seconds=seconds,
        source=TimeSource.MANUAL,
        comment=comment,
    )
    target = _add_time(actor=actor, task_id=task.pk, delta=seconds)
    task.time_spent = target.time_spent
    audit_record(
        actor=actor,
        action="task.time_add",
        target=task,
        changes={"time_entry": entry.pk, "seconds": seconds, "comment": comment},
    )
    return entry


def _require_own_entry(actor, entry: TimeEntry) -> None:
    task = Task.objects.filter(pk=entry.task_id).first()
    if task is None:
        raise Http404("No time entry matches the given query.")
    _require_visible(actor, task)
    _require(
        entry.user_id == actor.pk or is_portal_admin(actor),
        _("Only the person who logged this time (or an admin) may change it."),
    )


def _lock_entry(entry: TimeEntry) -> None:
    if not list(TimeEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk", flat=True)):
        raise Http404("No time entry matches the given query.")
    entry.refresh_from_db()


@transaction.atomic
def time_entry_update(*, actor, entry: TimeEntry, seconds=UNSET, comment=UNSET) -> TimeEntry:
    """Correct one's own entry (admins: anyone's). The task's time follows by the difference.

    The entry keeps its start; one that would then end in the future ends now (and starts earlier).
    """
    _require_own_entry(actor, entry)
    _lock_entry(entry)
    errors: dict[str, list[str]] = {}
    new_seconds = entry.seconds
    if seconds is not UNSET:
        if entry.ended_at is None:
            errors["seconds"] = [_("This timer is still running; stop it first.")]
        else:
            new_seconds = _clean_seconds(seconds, errors)
    new_comment = entry.comment if comment is UNSET else _clean_comment(comment, errors)
    if errors:
        raise ValidationError(errors)
    before = snapshot(entry, ["seconds", "comment"])
    old_seconds = entry.seconds
    entry.seconds = new_seconds
    entry.comment = new_comment
    if entry.ended_at is not None and new_seconds != old_seconds:
        # Longer or shorter from the same start; an entry that would then end in the future ends now.
        now = timezone.now()
        entry.ended_at = entry.started_at + datetime.timedelta(seconds=new_seconds)
        if entry.ended_at > now:
            entry.ended_at = now
            entry.started_at = now - datetime.timedelta(seconds=new_seconds)
    changes = diff(before, snapshot(entry, ["seconds", "comment"]))
    if not changes:
        return entry
    entry.save(update_fields=["seconds", "comment", "started_at", "ended_at"])
    task = _add_time(actor=actor, task_id=entry.task_id, delta=new_seconds - old_seconds)
    audit_record(
        actor=actor, action="task.time_update", target=task, changes={"time_entry": entry.pk, **changes}
    )
    return entry


@transaction.atomic
def time_entry_delete(*, actor, entry: TimeEntry) -> None:
    """Remove one's own entry (admins: anyone's); the task's time drops by its seconds."""
    _require_own_entry(actor, entry)
    _lock_entry(entry)
    pk, seconds, task_id = entry.pk, entry.seconds, entry.task_id
    entry.delete()
    task = _add_time(actor=actor, task_id=task_id, delta=-seconds)
    audit_record(
        actor=actor, action="task.time_delete", target=task, changes={"time_entry": pk, "seconds": seconds}
    )


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
        raise Http404("No task template matches the given query.")


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
    tags = content.tags_resolve(actor=actor, names=list(template.tag_names)) if template.tag_names else []
    task = core.task_create(
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
        core.task_create(
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
        title=_("The recurring task “%(title)s” could not be created") % {"title": template.title},
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
            except (ValidationError, PermissionDenied, Http404) as exc:
                _run_failed(template, exc)
            template.last_run_at = now
            template.next_run_at = template_next_run(template, after=now)
            template.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
    return created


# --- deadlines, reminders ----------------------------------------------------------------------------


@transaction.atomic
def deadlines_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat's work: flag running tasks whose deadline passed (`became_overdue`), and recount the overdue and
    due-soon counters of the responsible people whose deadlines crossed "now" or "now + 24 h" since the last
    sweep (kept in the cache; without it, one interval plus a margin back). Returns how many people.

    A task completed and awaiting its creator's control is not swept: the responsible person's part ended
    when they completed it (see `HANDED_IN_STATUSES`)."""
    now = now or timezone.now()
    window = now - SWEEP_INTERVAL - SWEEP_MARGIN
    last = cache.get(SWEEP_LAST_KEY)
    since = min(last, window) if isinstance(last, datetime.datetime) and last <= now else window
    running = Task.objects.running()
    newly_overdue = running.filter(deadline__lt=now, became_overdue=False)
    people = set(newly_overdue.order_by().values_list("responsible_id", flat=True).distinct())
    if people:
        newly_overdue.update(became_overdue=True)
    crossed = running.filter(
        Q(deadline__gte=since, deadline__lt=now)
        | Q(deadline__gte=since + DUE_SOON, deadline__lt=now + DUE_SOON)
    )
    people |= set(crossed.order_by().values_list("responsible_id", flat=True).distinct())
    if people:
        counters_recount(people, SWEEP_COUNTERS)
    transaction.on_commit(lambda: cache.set(SWEEP_LAST_KEY, now, timeout=None))
    return len(people)


def _reminder_body(tasks: list[dict], zone: datetime.tzinfo, now: datetime.datetime) -> str:
    lines = []
    for row in tasks[:REMINDER_MAX_LINES]:
        local = row["deadline"].astimezone(zone)
        when = local.strftime("%Y-%m-%d %H:%M") if row["deadline"] < now else local.strftime("%H:%M")
        mark = _("overdue") if row["deadline"] < now else _("due")
        lines.append(f"• {row['title']} — {mark} {when}")
    if len(tasks) > REMINDER_MAX_LINES:
        lines.append(_("…and %(n)d more.") % {"n": len(tasks) - REMINDER_MAX_LINES})
    return "\n".join(lines)


def due_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind each person, once a day after REMINDER_HOUR of their own time zone, of their running tasks
    (not those awaiting control) that are overdue or due by the end of their day: one "task_due" notification listing them.

    Idempotent per person and local day: a person who already has today's reminder gets nothing more, so
    beat may run this hourly (and twice) safely. Returns how many people were reminded.
    """
    from portal.notifications.models import Notification
    from portal.notifications.services import notify

    now = now or timezone.now()
    people = list(
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "time_zone", "language")
    )
    zones: dict[str, datetime.tzinfo] = {}
    candidates: dict[int, tuple[datetime.tzinfo, str]] = {}
    for pk, zone_name, language in people:
        zone = zones.get(zone_name) or zones.setdefault(zone_name, zone_named(zone_name))
        if now.astimezone(zone).hour >= REMINDER_HOUR:
            candidates[pk] = (zone, language)
    if not candidates:
        return 0
    reminded_today = set()
    for recipient_id, created_at in Notification.objects.filter(
        kind="task_due", recipient_id__in=list(candidates), created_at__gte=now - datetime.timedelta(hours=48)
    ).values_list("recipient_id", "created_at"):
        zone = candidates[recipient_id][0]
        if created_at.astimezone(zone).date() == now.astimezone(zone).date():
            reminded_today.add(recipient_id)
    wanted = [pk for pk in candidates if pk not in reminded_today]
    # The end of the latest "today" on earth is at most 38 hours away (UTC+14, just after midnight).
    horizon = now + datetime.timedelta(hours=38)
    due: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = (
            Task.objects.running()
            .filter(responsible_id__in=chunk, deadline__lt=horizon)
            .order_by("deadline", "id")
            .values("id", "title", "deadline", "responsible_id")
        )
        for row in rows:
            due[row["responsible_id"]].append(row)
    try:
        url = reverse("tasks:home")
    except NoReverseMatch:
        url = ""
    sent = 0
    for pk, rows in due.items():
        zone, language = candidates[pk]
        local_now = now.astimezone(zone)
        end_of_day = datetime.datetime.combine(
            local_now.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        mine = [r for r in rows if r["deadline"] < end_of_day]
        if not mine:
            continue
        overdue = sum(1 for r in mine if r["deadline"] < now)
        with translation.override(language or settings.LANGUAGE_CODE):
            title = _("Your tasks today: %(due)d due, %(overdue)d overdue") % {
                "due": len(mine) - overdue,
                "overdue": overdue,
            }
            body = _reminder_body(mine, zone, now)
        notify(recipients=[pk], kind="task_due", title=title, body=body, url=url)
        sent += 1
    return sent


# --- stored numbers ----------------------------------------------------------------------------------


def _rebuild_batch(ids: list[int]) -> int:
    # Lock first: a service bumping a number with F() waits for us and then adds to the rebuilt value.
    tasks = list(
        Task.objects.select_for_update().filter(pk__in=ids).order_by("pk").only("id", *NUMBER_FIELDS)
    )
    subtasks = {
        row["parent_id"]: row
        for row in Task.objects.filter(parent_id__in=ids)
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status__in=CLOSED_STATUSES)))
    }
    checklist = {
        row["task_id"]: row
        for row in ChecklistItem.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(is_done=True)))
    }
    comments = {
        row["task_id"]: row
        for row in TaskComment.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    }
    files = dict(
        TaskFile.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"))
        .values_list("task_id", "n")
    )
    spent = dict(
        TimeEntry.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(s=Sum("seconds"))
        .values_list("task_id", "s")
    )
    changed = []
    for task in tasks:
        sub = subtasks.get(task.pk, {})
        items = checklist.get(task.pk, {})
        notes = comments.get(task.pk, {})
        fresh = {
            "subtasks_count": sub.get("n", 0),
            "subtasks_done": sub.get("done", 0),
            "checklist_count": items.get("n", 0),
            "checklist_done": items.get("done", 0),
            "comments_count": notes.get("n", 0),
            "files_count": files.get(task.pk, 0),
            "last_comment_at": notes.get("last"),
            "time_spent": spent.get(task.pk) or 0,
        }
        if any(getattr(task, name) != value for name, value in fresh.items()):
            for name, value in fresh.items():
                setattr(task, name, value)
            changed.append(task)
    if changed:
        Task.objects.bulk_update(changed, NUMBER_FIELDS, batch_size=500)
    return len(changed)


def task_numbers_rebuild(*, task_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored numbers of tasks (all, or `task_ids`) from their rows: subtasks (closed ones
    done), checklist, comments and the last comment's time, files and time spent. A constant number of
    queries per batch of REBUILD_BATCH_SIZE tasks. Returns how many tasks had wrong numbers."""
    base = Task.objects.all() if task_ids is None else Task.objects.filter(pk__in=list(task_ids))
    fixed = 0
    last_pk = 0
    while True:
        batch = list(
            base.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:REBUILD_BATCH_SIZE]
        )
        if not batch:
            break
        with transaction.atomic():
            fixed += _rebuild_batch(batch)
        last_pk = batch[-1]
    if fixed:
        log.info("task numbers fixed on %s tasks", fixed)
    return fixed
