"""Tasks: time tracking: the one running timer per person, manual time entries (add, edit, delete), the
time zone helpers, and the notice when a task's spent time passes its estimate.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import NotFound
from portal.core.permissions import is_portal_admin

from .. import selectors
from ..choices import CLOSED_STATUSES, TimeSource
from ..models import Task, TimeEntry
from .validation import UNSET, _require, _require_actor, _require_visible

__all__ = [
    "timer_start",
    "timer_stop",
    "time_entry_add",
    "time_entry_update",
    "time_entry_delete",
]

log = logging.getLogger(__name__)

# A manual entry (or a corrected one) lasts at least a second and at most a week.
MAX_ENTRY_SECONDS = 7 * 24 * 3600
# Clocks of browsers and servers disagree a little; an entry ending this close to "now" is not "future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=1)


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
        title=i18n.message(gettext_lazy("Time spent on “%(title)s” is over the estimate"), title=task.title),
        body=i18n.message(
            gettext_lazy("%(spent)s spent of %(estimate)s estimated."),
            spent=i18n.deferred(_duration, task.time_spent),
            estimate=i18n.deferred(_duration, task.time_estimate),
        ),
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
        raise NotFound(_("No time entry matches the given query."))
    _require_visible(actor, task)
    _require(
        entry.user_id == actor.pk or is_portal_admin(actor),
        _("Only the person who logged this time (or an admin) may change it."),
    )


def _lock_entry(entry: TimeEntry) -> None:
    if not list(TimeEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk", flat=True)):
        raise NotFound(_("No time entry matches the given query."))
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
