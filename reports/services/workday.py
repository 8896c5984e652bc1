"""Reports: every write of the working day (corrections: `workday_corrections`, schedules: `work_schedules`).

The day is the person's LOCAL date in their own time zone; one WorkDay per person and date. Every click
records a WorkDayEvent (time, IP, comment) and an audit row, and pushes the new state to the person's other
open pages. The schedule's verdicts (late start, early end, too short) are stored on the day when it starts
and when it ends, and recomputed when a correction is confirmed. Days left open past the local midnight of
their date are closed by `workdays_close_open` (a beat job) and wait for the person's confirmation.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, snapshot
from portal.core.errors import NotAllowed
from portal.notifications.counters import counters_recount
from portal.notifications.realtime import push_to_users
from portal.notifications.services import notify

from .. import selectors
from ..choices import CorrectionStatus, DayEventKind, DayState
from ..models import DayCorrection, WorkDay, WorkDayEvent
from ..selectors.workday import ScheduleSpec, schedule_for

__all__ = [
    "CORRECTIONS_COUNTER",
    "NOTIFY_DAY_CONFIRM",
    "NOTIFY_DAY_CORRECTION",
    "NOTIFY_WORKDAY_REMINDER",
    "workday_confirm",
    "workday_end",
    "workday_pause",
    "workday_remind",
    "workday_resume",
    "workday_start",
    "workdays_close_open",
]

log = logging.getLogger(__name__)

CORRECTIONS_COUNTER = "reports.corrections_waiting"
NOTIFY_DAY_CONFIRM = "workday_confirm"
NOTIFY_DAY_CORRECTION = "workday_correction"
NOTIFY_WORKDAY_REMINDER = "workday_reminder"
LIVE_EVENT = "workday"
_UTC = datetime.UTC
_DAY_FIELDS = [
    "state",
    "started_at",
    "ended_at",
    "paused_seconds",
    "worked_seconds",
    "is_late",
    "is_early_end",
    "is_short",
    "auto_closed",
    "needs_confirmation",
]


# --- helpers ---------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime.")
    return now


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(_UTC)


def _seconds(later: datetime.datetime, earlier: datetime.datetime) -> int:
    return max(0, int((_utc(later) - _utc(earlier)).total_seconds()))


def _invalid(message: str, field: str = "state") -> ValidationError:
    return ValidationError({field: [message]})


def _apply_verdicts(day: WorkDay, spec: ScheduleSpec) -> None:
    """Set is_late, worked_seconds, is_early_end and is_short from the day's times and the schedule.

    A day on a non-working day of the schedule is never late, early or short: it is extra work.
    """
    working = spec.is_working_day(day.date)
    day.is_late = working and _utc(day.started_at) > spec.late_after(day.date)
    if day.state == DayState.CLOSED and day.ended_at is not None:
        day.worked_seconds = max(0, _seconds(day.ended_at, day.started_at) - day.paused_seconds)
        day.is_early_end = working and _utc(day.ended_at) < _utc(spec.end_at(day.date))
        day.is_short = working and day.worked_seconds < spec.required_seconds(day.date)
    else:
        day.worked_seconds = 0
        day.is_early_end = False
        day.is_short = False


def _event(day: WorkDay, kind: str, *, at, actor=None, ip=None, comment: str = "") -> WorkDayEvent:
    return WorkDayEvent.objects.create(
        day=day, kind=kind, at=at, ip=ip or None, comment=(comment or "").strip()[:500], actor=actor
    )


def _push_state(day: WorkDay | None, user_id: int) -> None:
    push_to_users([user_id], {"event": LIVE_EVENT, "state": selectors.workday_live_state(day)})


def _heads_above(person) -> list[int]:
    """Heads of the person's department and of every department above it (they see the person's
    corrections and count them on their badge), the person excluded. One query."""
    from portal.people.models import Department

    if not person.department_id:
        return []
    path = Department.objects.filter(pk=person.department_id).values_list("path", flat=True).first()
    if not path:
        return []
    step = Department.steplen
    paths = [path[:i] for i in range(step, len(path) + 1, step)]
    heads = Department.objects.filter(path__in=paths, head__isnull=False).values_list("head_id", flat=True)
    return sorted({h for h in heads if h != person.pk})


def _recount_supervisors(person) -> None:
    counters_recount(_heads_above(person), [CORRECTIONS_COUNTER])


def _day_url(day: WorkDay) -> str:
    return reverse("reports:day_detail", args=[day.pk])


def _date_label(date: datetime.date) -> str:
    return date_format(date, "DATE_FORMAT")


# --- the day: start, pause, resume, end ------------------------------------------------------------------


def _close_automatically(day: WorkDay, now: datetime.datetime) -> bool:
    """Close a day left open past the local midnight of its date (the caller holds the row lock).

    Closed at 23:59:59 local, or when its break began if it is paused; marked for the person's
    confirmation, with an AUTO_CLOSE event and a notification. Returns False when nothing was to do.
    """
    if day.state == DayState.CLOSED or selectors.workday_local_date(day.user, now) <= day.date:
        return False
    spec = schedule_for(day.user)
    before = snapshot(day, _DAY_FIELDS)
    if day.state == DayState.PAUSED and day.pause_started_at:
        ended = day.pause_started_at
    else:
        ended = datetime.datetime.combine(day.date, datetime.time(23, 59, 59), tzinfo=spec.tzinfo)
    if _utc(ended) < _utc(day.started_at):
        ended = day.started_at
    day.state = DayState.CLOSED
    day.ended_at = ended
    day.pause_started_at = None
    day.auto_closed = True
    day.needs_confirmation = True
    _apply_verdicts(day, spec)
    day.save(
        update_fields=[
            "state",
            "ended_at",
            "pause_started_at",
            "auto_closed",
            "needs_confirmation",
            "worked_seconds",
            "is_late",
            "is_early_end",
            "is_short",
        ]
    )
    _event(day, DayEventKind.AUTO_CLOSE, at=now)
    after = snapshot(day, _DAY_FIELDS)
    audit_record(
        actor=None,
        action="workday.auto_close",
        target=day,
        changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
    )
    notify(
        recipients=[day.user_id],
        kind=NOTIFY_DAY_CONFIRM,
        title=i18n.message(
            gettext_lazy("Confirm your working day of %(date)s: it was left open and closed automatically"),
            date=i18n.deferred(_date_label, day.date),
        ),
        body=gettext_lazy(
            "Confirm the times as they are, or correct them with a reason for your supervisor."
        ),
        url=_day_url(day),
        target=day,
    )
    _push_state(None, day.user_id)
    return True


def _close_stale(actor, now: datetime.datetime) -> None:
    """Before any click: close the actor's days of earlier dates still open (the beat may not have run)."""
    today = selectors.workday_local_date(actor, now)
    stale = (
        WorkDay.objects.select_for_update(of=("self",))
        .filter(user_id=actor.pk, state__in=[DayState.OPEN, DayState.PAUSED], date__lt=today)
        .select_related("user")
    )
    for day in stale:
        _close_automatically(day, now)


def _today_locked(actor, now: datetime.datetime) -> WorkDay | None:
    today = selectors.workday_local_date(actor, now)
    return WorkDay.objects.select_for_update().filter(user_id=actor.pk, date=today).first()


def _record(
    day: WorkDay, *, action: str, kind: str, actor, now, ip, comment: str, before: dict, fields: list[str]
) -> WorkDay:
    day.save(update_fields=fields)
    _event(day, kind, at=now, actor=actor, ip=ip, comment=comment)
    after = snapshot(day, _DAY_FIELDS)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if comment:
        changes["comment"] = comment.strip()[:500]
    audit_record(actor=actor, action=action, target=day, changes=changes)
    _push_state(day, day.user_id)
    return day


@transaction.atomic
def workday_start(
    *, actor, ip: str | None = None, comment: str = "", now: datetime.datetime | None = None
) -> WorkDay:
    """Start the actor's working day (their local today). Late when later than the schedule's start plus
    the allowed lateness on a working day."""
    _require_actor(actor)
    now = _now(now)
    _close_stale(actor, now)
    existing = _today_locked(actor, now)
    if existing is not None:
        if existing.state == DayState.CLOSED:
            raise _invalid(_("The day is already finished; resume it to keep working."))
        raise _invalid(_("The day is already started."))
    spec = schedule_for(actor)
    day = WorkDay(user=actor, date=spec.local_date(now), state=DayState.OPEN, started_at=now)
    _apply_verdicts(day, spec)
    try:
        with transaction.atomic():
            day.save(force_insert=True)
    except IntegrityError as exc:  # a second tab started the day at the same moment
        raise _invalid(_("The day is already started.")) from exc
    _event(day, DayEventKind.START, at=now, actor=actor, ip=ip, comment=comment)
    changes = snapshot(day, ["date", "started_at", "is_late"])
    if comment:
        changes["comment"] = comment.strip()[:500]
    audit_record(actor=actor, action="workday.start", target=day, changes=changes)
    _push_state(day, actor.pk)
    return day


@transaction.atomic
def workday_pause(
    *, actor, ip: str | None = None, comment: str = "", now: datetime.datetime | None = None
) -> WorkDay:
    """Take a break: the time until `workday_resume` (or the end) is not worked time."""
    _require_actor(actor)
    now = _now(now)
    _close_stale(actor, now)
    day = _today_locked(actor, now)
    if day is None:
        raise _invalid(_("The day is not started yet."))
    if day.state == DayState.PAUSED:
        raise _invalid(_("The day is already paused."))
    if day.state == DayState.CLOSED:
        raise _invalid(_("The day is already finished."))
    before = snapshot(day, _DAY_FIELDS)
    day.state = DayState.PAUSED
    day.pause_started_at = now
    return _record(
        day,
        action="workday.pause",
        kind=DayEventKind.PAUSE,
        actor=actor,
        now=now,
        ip=ip,
        comment=comment,
        before=before,
        fields=["state", "pause_started_at"],
    )


@transaction.atomic
def workday_resume(
    *, actor, ip: str | None = None, comment: str = "", now: datetime.datetime | None = None
) -> WorkDay:
    """Come back from a break; or continue a day ended by mistake (the time in between counts as a break).

    A day closed automatically, or one with a correction waiting, cannot be continued.
    """
    _require_actor(actor)
    now = _now(now)
    _close_stale(actor, now)
    day = _today_locked(actor, now)
    if day is None:
        raise _invalid(_("The day is not started yet."))
    if day.state == DayState.OPEN:
        raise _invalid(_("The day is not paused."))
    before = snapshot(day, _DAY_FIELDS)
    if day.state == DayState.PAUSED:
        day.paused_seconds += _seconds(now, day.pause_started_at or now)
        day.pause_started_at = None
    else:
        if day.auto_closed:
            raise _invalid(_("This day was closed automatically; confirm or correct it instead."))
        if DayCorrection.objects.filter(day=day, status=CorrectionStatus.PENDING).exists():
            raise _invalid(_("A correction of this day is waiting for confirmation."))
        day.paused_seconds += _seconds(now, day.ended_at or now)
        day.ended_at = None
    day.state = DayState.OPEN
    _apply_verdicts(day, schedule_for(actor))
    return _record(
        day,
        action="workday.resume",
        kind=DayEventKind.RESUME,
        actor=actor,
        now=now,
        ip=ip,
        comment=comment,
        before=before,
        fields=[
            "state",
            "pause_started_at",
            "paused_seconds",
            "ended_at",
            "worked_seconds",
            "is_late",
            "is_early_end",
            "is_short",
        ],
    )


@transaction.atomic
def workday_end(
    *, actor, ip: str | None = None, comment: str = "", now: datetime.datetime | None = None
) -> WorkDay:
    """End the day: worked = end − start − breaks; early when before the schedule's end, short when the
    worked time is under the scheduled hours less the break and the allowed lateness."""
    _require_actor(actor)
    now = _now(now)
    _close_stale(actor, now)
    day = _today_locked(actor, now)
    if day is None:
        raise _invalid(_("The day is not started yet."))
    if day.state == DayState.CLOSED:
        raise _invalid(_("The day is already finished."))
    before = snapshot(day, _DAY_FIELDS)
    if day.state == DayState.PAUSED:
        day.paused_seconds += _seconds(now, day.pause_started_at or now)
        day.pause_started_at = None
    day.state = DayState.CLOSED
    day.ended_at = now
    _apply_verdicts(day, schedule_for(actor))
    return _record(
        day,
        action="workday.end",
        kind=DayEventKind.END,
        actor=actor,
        now=now,
        ip=ip,
        comment=comment,
        before=before,
        fields=[
            "state",
            "ended_at",
            "pause_started_at",
            "paused_seconds",
            "worked_seconds",
            "is_late",
            "is_early_end",
            "is_short",
        ],
    )


@transaction.atomic
def workday_confirm(*, actor, day: WorkDay, comment: str = "") -> WorkDay:
    """The person confirms a day closed automatically as it is (it was right, e.g. closed at a break)."""
    _require_actor(actor)
    day = selectors.workday_get(user=actor, pk=day.pk)
    if day.user_id != actor.pk:
        raise NotAllowed(_("Only the person themselves confirms their day."))
    day = WorkDay.objects.select_for_update().get(pk=day.pk)
    if not day.needs_confirmation:
        raise _invalid(_("This day needs no confirmation."), "day")
    day.needs_confirmation = False
    day.save(update_fields=["needs_confirmation"])
    audit_record(
        actor=actor,
        action="workday.confirm",
        target=day,
        changes={"needs_confirmation": [True, False], "comment": (comment or "").strip()[:500]},
    )
    _push_state(day, actor.pk)
    return day


@transaction.atomic
def _close_one(day_id: int, now: datetime.datetime) -> bool:
    day = (
        WorkDay.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=day_id, state__in=[DayState.OPEN, DayState.PAUSED])
        .first()
    )
    if day is None:
        return False
    return _close_automatically(day, now)


def workdays_close_open(*, now: datetime.datetime | None = None) -> int:
    """Close every day still open or paused after the local midnight of its date (the beat job's body).

    Idempotent: a closed day is skipped, so running it twice closes nothing twice. Each day is closed in
    its own transaction, so one failing person does not keep everyone else's days open.
    """
    now = _now(now)
    # No zone is more than 14 hours ahead of UTC: a day dated after today in UTC cannot be stale yet.
    candidates = (
        WorkDay.objects.filter(state__in=[DayState.OPEN, DayState.PAUSED], date__lte=_utc(now).date())
        .select_related("user")
        .only("pk", "date", "user", "user__time_zone")
        .order_by("date", "pk")
    )
    closed = 0
    for day in candidates:
        if selectors.workday_local_date(day.user, now) <= day.date:
            continue
        try:
            closed += int(_close_one(day.pk, now))
        except Exception:  # noqa: BLE001 - one bad row must not stop the sweep; the next run retries it
            log.exception("closing working day %s failed", day.pk)
    return closed


@transaction.atomic
def workday_remind(*, actor, person, now: datetime.datetime | None = None) -> bool:
    """Remind `person` (whom the actor controls) to start today's working day: a notification linking to
    their days, at most once a day. Refuses when today is not a working day of theirs, they are away, or
    they have started it. A second reminder the same day sends nothing and answers False."""
    from portal.notifications.services import reminder_send

    from ..selectors.control import can_control_person
    from ..selectors.control_workday import WORKDAY_REMINDER_KEY, control_workday

    _require_actor(actor)
    if not can_control_person(actor, person):
        raise NotAllowed(_("Only the person's supervisor, HR or an admin remind them of their working day."))
    facts = control_workday(person=person, now=_now(now))
    if not facts.working_today or facts.absent_today:
        raise ValidationError(_("Today is not a working day for %(name)s.") % {"name": person.full_name})
    if facts.day is not None:
        raise ValidationError(_("%(name)s has started the working day already.") % {"name": person.full_name})
    if facts.reminded:
        return False
    sent = reminder_send(
        actor=actor,
        recipient=person,
        key=f"{WORKDAY_REMINDER_KEY}:{facts.today}",
        date=facts.today,
        kind=NOTIFY_WORKDAY_REMINDER,
        title=i18n.message(
            gettext_lazy("Your working day has not started: it begins at %(time)s"),
            time=facts.spec.start.strftime("%H:%M"),
        ),
        body=i18n.message(
            gettext_lazy("%(name)s asks you to start it (or to say why not)."),
            name=actor.full_name or actor.email,
        ),
        url=reverse("reports:my_days"),
    )
    if sent:
        audit_record(
            actor=actor, action="workday.remind", target=person, changes={"date": facts.today.isoformat()}
        )
    return sent
