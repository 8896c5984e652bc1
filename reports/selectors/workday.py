"""Reports: the working day. Schedules (whose rules apply to whom), days, their events and corrections.

Everything a user reads goes through `WorkDay.objects.visible_to(user)` / `DayCorrection.objects.visible_to`
(own rows, the sub-tree a supervisor heads, HR and admins all). The selectors other parts call for many
people at once (`schedules_for`, `workday_states`, `worked_seconds`, `corrections_waiting_counts`) take ids
and cost a constant number of queries whatever their number.

Time: a day belongs to the person's LOCAL date in their own time zone; every comparison of instants is made
in UTC (two aware datetimes sharing one tzinfo would otherwise be compared and subtracted as wall times,
which is wrong on daylight-saving change days).
"""

from __future__ import annotations

import calendar
import contextlib
import contextvars
import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.permissions import get_visible
from portal.core.workdays import calendar_days

from ..choices import CorrectionStatus, DayState
from ..models import DayCorrection, WorkDay, WorkDayEvent, WorkSchedule, headed_path, sees_all
from .people_ids import as_ids, ids_lookup

__all__ = [
    "DEFAULT_ALLOWED_LATENESS",
    "DEFAULT_BREAK_MINUTES",
    "DEFAULT_WORKING_DAYS",
    "ScheduleSpec",
    "WorkCalendar",
    "calendar_scope",
    "can_decide_corrections",
    "can_manage_schedules",
    "correction_get",
    "correction_list",
    "corrections_waiting_counts",
    "day_events",
    "day_running_seconds",
    "schedule_departments",
    "schedule_for",
    "schedule_get",
    "schedule_list",
    "schedule_manages",
    "schedule_people",
    "schedules_for",
    "schedules_of_people",
    "work_calendar",
    "workday_calendar",
    "workday_get",
    "workday_list",
    "workday_live_state",
    "workday_local_date",
    "workday_person_get",
    "workday_states",
    "workday_today",
    "worked_seconds",
]

DEFAULT_WORKING_DAYS = (0, 1, 2, 3, 4)
DEFAULT_ALLOWED_LATENESS = 10
DEFAULT_BREAK_MINUTES = 60
_UTC = datetime.UTC


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(_UTC)


def _now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime.")
    return now


# --- the company calendar ----------------------------------------------------------------------------------


class WorkCalendar:
    """The company calendar's exceptions to the working week (public holidays off, moved working days on:
    `portal.core.workdays.calendar_days`), read lazily: the first date asked about loads a window around it
    (one query per calendar source), later dates inside it cost nothing. Every schedule of a page or a job
    shares one (`work_calendar`), so a page asks the calendar once, not once per person or per day."""

    WINDOW = datetime.timedelta(days=400)

    def __init__(self) -> None:
        self._days: dict[datetime.date, tuple[bool, str]] = {}
        self._ranges: list[tuple[datetime.date, datetime.date]] = []

    def get(self, date: datetime.date) -> tuple[bool, str] | None:
        """(working, name) when the calendar names `date`, else None (the schedule's weekdays decide)."""
        if not any(start <= date <= end for start, end in self._ranges):
            start, end = date - self.WINDOW, date + self.WINDOW
            self._days.update(calendar_days(start, end))
            self._ranges.append((start, end))
        return self._days.get(date)

    def holiday(self, date: datetime.date) -> str:
        """The name of the public holiday on `date` ("" on any other day)."""
        found = self.get(date)
        if found is None or found[0]:
            return ""
        return found[1] or _("Holiday")


_CALENDAR: contextvars.ContextVar[WorkCalendar | None] = contextvars.ContextVar(
    "reports_work_calendar", default=None
)


def work_calendar() -> WorkCalendar:
    """The calendar of the current page or job (inside `calendar_scope`), else a new one."""
    return _CALENDAR.get() or WorkCalendar()


@contextlib.contextmanager
def calendar_scope() -> Iterator[WorkCalendar]:
    """Within the block every schedule read shares one calendar (the dashboard, a digest sweep): one read of
    the calendar for all of them. Nested scopes share the outer one."""
    current = _CALENDAR.get()
    if current is not None:
        yield current
        return
    token = _CALENDAR.set(WorkCalendar())
    try:
        yield _CALENDAR.get()
    finally:
        _CALENDAR.reset(token)


# --- schedules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSpec:
    """The schedule rules that apply to one person, in their own time zone.

    `source` says where they come from: the person's own WorkSchedule ("person"), the nearest department's
    up the tree ("department"), or the company default ("default": Monday to Friday, the person's own
    work_start / work_end, 10 minutes of allowed lateness, a one-hour break).
    """

    working_days: tuple[int, ...]
    start: datetime.time
    end: datetime.time
    allowed_lateness: int
    break_minutes: int
    time_zone: str
    source: str
    schedule_id: int | None = None
    name: str = ""
    # The company calendar (holidays, moved working days) the schedule's days are corrected by; None: the
    # weekdays alone. Not part of the spec's identity: specs sharing a schedule are equal whatever it is.
    calendar: WorkCalendar | None = field(default=None, compare=False, repr=False)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return _zone(self.time_zone)

    def is_working_day(self, date: datetime.date) -> bool:
        """A working day of the schedule: a public holiday is not one, a moved working day is (the company
        calendar's word first), else the schedule's weekdays."""
        if self.calendar is not None:
            found = self.calendar.get(date)
            if found is not None:
                return found[0]
        return date.weekday() in self.working_days

    def holiday(self, date: datetime.date) -> str:
        """The name of the public holiday on `date`, "" on any other day."""
        return self.calendar.holiday(date) if self.calendar is not None else ""

    def start_at(self, date: datetime.date) -> datetime.datetime:
        """The scheduled start on `date`, as an aware instant (local wall time in the person's zone)."""
        return datetime.datetime.combine(date, self.start, tzinfo=self.tzinfo)

    def end_at(self, date: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(date, self.end, tzinfo=self.tzinfo)

    def late_after(self, date: datetime.date) -> datetime.datetime:
        """A start later than this instant is late."""
        return _utc(self.start_at(date)) + datetime.timedelta(minutes=self.allowed_lateness)

    def scheduled_seconds(self, date: datetime.date) -> int:
        """Real seconds from the scheduled start to the scheduled end on `date` (one hour less or more on a
        daylight-saving change day whose change falls inside the working hours)."""
        return max(0, int((_utc(self.end_at(date)) - _utc(self.start_at(date))).total_seconds()))

    def required_seconds(self, date: datetime.date) -> int:
        """A day with less worked time than this is too short: scheduled − break − allowed lateness."""
        slack = (self.break_minutes + self.allowed_lateness) * 60
        return max(0, self.scheduled_seconds(date) - slack)

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(self.tzinfo).date()

    @property
    def working_day_names(self) -> list[str]:
        return [str(WEEKDAYS_ABBR[d]) for d in sorted(self.working_days)]


def _pk(value) -> int:
    return int(getattr(value, "pk", value))


def _ancestor_paths(path: str) -> list[str]:
    from portal.people.models import Department

    step = Department.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def schedules_for(users) -> dict[int, ScheduleSpec]:
    """{user_id: ScheduleSpec} for many people (users or ids) in two queries, whatever their number:
    the people with their departments' paths, then every schedule that may apply to them (a caller that
    has the people's rows already, as the dashboard, calls `schedules_of_people`)."""
    from portal.people.models import User

    ids = sorted({_pk(u) for u in users if u is not None})
    if not ids:
        return {}
    people = list(
        User.objects.filter(pk__in=ids).values_list(
            "pk", "time_zone", "work_start", "work_end", "department__path"
        )
    )
    return schedules_of_people(people, ids)


def schedules_of_people(people, ids) -> dict[int, ScheduleSpec]:
    """{user_id: ScheduleSpec} of people already read as (pk, time_zone, work_start, work_end, department
    path) tuples, in one query. `ids` filters the personal schedules (a list, or a `PeopleIds` whose query
    the database runs instead of an IN list). People sharing a schedule and a time zone share one spec."""
    if not people:
        return {}
    paths: set[str] = set()
    seen: set[str] = set()
    for person in people:
        path = person[4]
        if path and path not in seen:
            seen.add(path)
            paths.update(_ancestor_paths(path))
    fields = ("pk", "name", "user_id", "working_days", "start", "end", "allowed_lateness", "break_minutes")
    company_calendar = work_calendar()
    schedules = WorkSchedule.objects.filter(
        Q(user_id__in=ids_lookup(ids)) | Q(department__path__in=sorted(paths))
    )
    own: dict[int, dict] = {}
    by_path: dict[str, dict] = {}
    for row in schedules.values(*fields, "department__path"):
        if row["user_id"]:
            own[row["user_id"]] = row
        elif row["department__path"]:
            by_path[row["department__path"]] = row
    nearest: dict[str, dict | None] = {}  # department path -> the nearest department schedule up the tree
    shared: dict[tuple, ScheduleSpec] = {}
    result: dict[int, ScheduleSpec] = {}
    for pk, time_zone, work_start, work_end, path in people:
        row, source = own.get(pk), "person"
        if row is None and path:
            if path not in nearest:
                nearest[path] = next(
                    (by_path[p] for p in reversed(_ancestor_paths(path)) if p in by_path),  # nearest first
                    None,
                )
            row, source = nearest[path], "department"
        if row is None:
            key = ("default", work_start, work_end, time_zone)
            spec = shared.get(key)
            if spec is None:
                spec = shared[key] = ScheduleSpec(
                    working_days=DEFAULT_WORKING_DAYS,
                    start=work_start,
                    end=work_end,
                    allowed_lateness=DEFAULT_ALLOWED_LATENESS,
                    break_minutes=DEFAULT_BREAK_MINUTES,
                    time_zone=time_zone,
                    source="default",
                    calendar=company_calendar,
                )
        else:
            key = (source, row["pk"], time_zone)
            spec = shared.get(key)
            if spec is None:
                spec = shared[key] = ScheduleSpec(
                    working_days=tuple(sorted(int(d) for d in row["working_days"] or [])),
                    start=row["start"],
                    end=row["end"],
                    allowed_lateness=row["allowed_lateness"],
                    break_minutes=row["break_minutes"],
                    time_zone=time_zone,
                    source=source,
                    schedule_id=row["pk"],
                    name=row["name"],
                    calendar=company_calendar,
                )
        result[pk] = spec
    return result


def schedule_for(user) -> ScheduleSpec:
    """The schedule rules of one person (their own schedule, else their department's, else the default)."""
    spec = schedules_for([user]).get(_pk(user))
    if spec is None:
        raise NotFound(_("No person matches the given query."))
    return spec


def can_manage_schedules(user) -> bool:
    """Admins and HR manage every schedule; the head of a department those of their sub-tree."""
    return _active(user) and (sees_all(user) or headed_path(user) is not None)


def schedule_manages(user, *, department=None, person=None) -> bool:
    """Whether `user` may set the schedule of this department or person (never their own as a person)."""
    if not _active(user):
        return False
    if person is not None and _pk(person) == user.pk and not sees_all(user):
        return False
    if sees_all(user):
        return True
    path = headed_path(user)
    if not path:
        return False
    if department is not None:
        return bool(department.path.startswith(path))
    if person is not None:
        dept = getattr(person, "department", None)
        return bool(dept is not None and dept.path.startswith(path))
    return False


def schedule_list(*, user) -> QuerySet[WorkSchedule]:
    """The schedules `user` manages (admins and HR: all; a head: their sub-tree's, not their own)."""
    qs = WorkSchedule.objects.select_related("department", "user", "user__department").order_by(
        F("department__path").asc(nulls_last=True), "name", "id"
    )
    if not _active(user):
        return qs.none()
    if sees_all(user):
        return qs
    path = headed_path(user)
    if not path:
        return qs.none()
    return qs.filter(
        Q(department__path__startswith=path) | Q(user__department__path__startswith=path)
    ).exclude(user=user)


def schedule_get(*, user, pk) -> WorkSchedule:
    """One schedule `user` manages; any other answers 404."""
    return get_visible(schedule_list(user=user), pk=pk)


def schedule_departments(*, user):
    """Departments `user` may give a schedule to, in tree order."""
    from portal.people.models import Department

    if not _active(user):
        return Department.objects.none()
    if sees_all(user):
        return Department.objects.all().order_by("path")
    path = headed_path(user)
    if not path:
        return Department.objects.none()
    return Department.objects.filter(path__startswith=path).order_by("path")


def schedule_people(*, user):
    """Active people `user` may give a personal schedule to."""
    from portal.people.models import User

    qs = (
        User.objects.filter(is_active=True)
        .select_related("department")
        .order_by("last_name", "first_name", "id")
    )
    if not _active(user):
        return qs.none()
    if sees_all(user):
        return qs
    path = headed_path(user)
    if not path:
        return qs.none()
    return qs.filter(department__path__startswith=path).exclude(pk=user.pk)


# --- days --------------------------------------------------------------------------------------------------


def workday_local_date(user, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the person's own time zone."""
    return _now(now).astimezone(_zone(getattr(user, "time_zone", None))).date()


def day_running_seconds(day: WorkDay, now: datetime.datetime | None = None) -> int:
    """Worked seconds of a day: stored when it is closed, else from its start until now minus its breaks."""
    if day.state == DayState.CLOSED:
        return day.worked_seconds
    now = _now(now)
    paused = day.paused_seconds
    if day.state == DayState.PAUSED and day.pause_started_at:
        paused += max(0, int((_utc(now) - _utc(day.pause_started_at)).total_seconds()))
    return max(0, int((_utc(now) - _utc(day.started_at)).total_seconds()) - paused)


def workday_today(*, user, now: datetime.datetime | None = None) -> WorkDay | None:
    """The person's day of their local today, or None when they have not started it. One query."""
    if not _active(user):
        return None
    return WorkDay.objects.filter(user_id=user.pk, date=workday_local_date(user, now)).first()


def workday_live_state(day: WorkDay | None, now: datetime.datetime | None = None) -> dict:
    """What the widget and the API show of a day: plain JSON values."""
    if day is None:
        return {"state": "none", "day": None}
    return {
        "state": day.state,
        "day": day.pk,
        "date": day.date.isoformat(),
        "started_at": day.started_at.isoformat(),
        "ended_at": day.ended_at.isoformat() if day.ended_at else None,
        "pause_started_at": day.pause_started_at.isoformat() if day.pause_started_at else None,
        "paused_seconds": day.paused_seconds,
        "worked_seconds": day_running_seconds(day, now),
        "is_late": day.is_late,
        "needs_confirmation": day.needs_confirmation,
    }


def workday_states(*, user_ids, date: datetime.date) -> dict[int, WorkDay]:
    """{user_id: WorkDay} of these people on `date` (people without a day are missing). One query; the
    caller (the dashboard, the digests) has already chosen people the viewer may see."""
    ids = as_ids(user_ids)
    if not ids:
        return {}
    return {day.user_id: day for day in WorkDay.objects.filter(user_id__in=ids_lookup(ids), date=date)}


def worked_seconds(
    *, user_ids, start_date: datetime.date, end_date: datetime.date, now: datetime.datetime | None = None
) -> dict[int, int]:
    """{user_id: seconds worked} from start_date to end_date (inclusive): closed days summed in the
    database, a day still open counted until now. Two queries whatever the number of people."""
    ids = as_ids(user_ids)
    result = dict.fromkeys(ids, 0)
    if not ids:
        return result
    days = WorkDay.objects.filter(user_id__in=ids_lookup(ids), date__gte=start_date, date__lte=end_date)
    closed = days.filter(state=DayState.CLOSED).order_by().values("user_id").annotate(s=Sum("worked_seconds"))
    for row in closed:
        result[row["user_id"]] += int(row["s"] or 0)
    now = _now(now)
    for day in days.exclude(state=DayState.CLOSED).only(
        "user_id", "state", "started_at", "paused_seconds", "pause_started_at", "worked_seconds"
    ):
        result[day.user_id] += day_running_seconds(day, now)
    return result


def _pending_exists():
    return Exists(DayCorrection.objects.filter(day=OuterRef("pk"), status=CorrectionStatus.PENDING))


def workday_list(*, user, filters=None) -> QuerySet[WorkDay]:
    """The days `user` may see (own, their sub-tree's, all for HR/admins), filtered by the one FilterSet of
    the page and the API (person, period, late, short, auto-closed...)."""
    from ..filters.workday import WorkDayFilterSet

    qs = WorkDay.objects.visible_to(user)
    if filters is not None:
        filterset = WorkDayFilterSet(filters, queryset=qs, user=user)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return (
        qs.select_related("user", "user__department")
        .annotate(has_pending_correction=_pending_exists())
        .order_by("-date", "user__last_name", "user__first_name", "user_id")
    )


def workday_get(*, user, pk) -> WorkDay:
    """One day `user` may see; hidden and missing alike answer 404."""
    qs = (
        WorkDay.objects.visible_to(user)
        .select_related("user", "user__department")
        .annotate(has_pending_correction=_pending_exists())
    )
    return get_visible(qs, pk=pk)


def day_events(*, day: WorkDay) -> QuerySet[WorkDayEvent]:
    """The clicks of a day (and its automatic close, its corrections), in order."""
    return WorkDayEvent.objects.filter(day=day).select_related("actor").order_by("at", "id")


def workday_person_get(*, user, pk):
    """A person whose days `user` may see (themselves, their sub-tree, anyone for HR/admins), else 404."""
    from portal.people.models import User

    qs = User.objects.select_related("department")
    if not _active(user):
        raise NotFound(_("No person matches the given query."))
    if not sees_all(user):
        condition = Q(pk=user.pk)
        path = headed_path(user)
        if path:
            condition |= Q(department__path__startswith=path)
        qs = qs.filter(condition)
    return get_visible(qs, pk=pk)


def workday_calendar(*, user, person, month: datetime.date, now: datetime.datetime | None = None) -> dict:
    """A person's month: one row per calendar date (working day or not, the day if any) and the totals.

    `person` must be one `user` may see (see `workday_person_get`). Three queries: the schedule (two), the
    days of the month with their pending corrections (one).
    """
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    spec = schedule_for(person)
    days = {
        d.date: d for d in workday_list(user=user).filter(user_id=person.pk, date__gte=first, date__lte=last)
    }
    now = _now(now)
    today = workday_local_date(person, now)
    joined = person.date_joined.astimezone(spec.tzinfo).date() if person.date_joined else first
    rows = []
    totals = {"worked": 0, "days": 0, "late": 0, "short": 0, "early": 0, "to_confirm": 0, "working_days": 0}
    for n in range(1, last.day + 1):
        date = first.replace(day=n)
        day = days.get(date)
        working = spec.is_working_day(date)
        totals["working_days"] += int(working)
        worked = day_running_seconds(day, now) if day else 0
        if day:
            totals["days"] += 1
            totals["worked"] += worked
            totals["late"] += int(day.is_late)
            totals["short"] += int(day.is_short)
            totals["early"] += int(day.is_early_end)
            totals["to_confirm"] += int(day.needs_confirmation)
        rows.append(
            {
                "date": date,
                "is_working_day": working,
                "holiday": spec.holiday(date),
                "is_today": date == today,
                "is_future": date > today,
                "missing": working and day is None and joined <= date < today,
                "day": day,
                "worked": worked,
            }
        )
    return {"spec": spec, "rows": rows, "totals": totals, "first": first, "last": last}


# --- corrections -----------------------------------------------------------------------------------------


def can_decide_corrections(user) -> bool:
    """Heads (for their sub-tree), HR and admins confirm or reject corrections."""
    return _active(user) and (sees_all(user) or headed_path(user) is not None)


def correction_list(
    *, user, pending_only: bool = False, to_decide: bool = False, person_id: int | None = None
) -> QuerySet[DayCorrection]:
    """Corrections `user` may see: their own and their sub-tree's (HR and admins: all). `to_decide` leaves
    out the user's own (the list of a supervisor's page); `pending_only` keeps those still waiting;
    `person_id` keeps one person's."""
    qs = DayCorrection.objects.visible_to(user).select_related(
        "day", "day__user", "day__user__department", "requested_by", "decided_by"
    )
    if person_id is not None:
        qs = qs.filter(day__user_id=person_id)
    if pending_only:
        qs = qs.filter(status=CorrectionStatus.PENDING)
    if to_decide and _active(user):
        qs = qs.exclude(day__user_id=user.pk)
    return qs.order_by("-created_at", "-id")


def correction_get(*, user, pk) -> DayCorrection:
    """One correction `user` may see; hidden and missing alike answer 404."""
    return get_visible(correction_list(user=user), pk=pk)


def corrections_waiting_counts(user_ids) -> dict[int, int]:
    """The counter "reports.corrections_waiting": for each person who heads a department, the pending
    corrections of the people of the sub-tree they head (themselves excluded). One query."""
    from portal.people.models import Department

    ids = [int(i) for i in user_ids]
    if not ids:
        return {}
    pending = (
        DayCorrection.objects.filter(
            status=CorrectionStatus.PENDING, day__user__department__path__startswith=OuterRef("path")
        )
        .exclude(day__user_id=OuterRef("head_id"))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Department.objects.filter(head_id__in=ids)
        .annotate(n=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)))
        .values_list("head_id", "n")
    )
    return {head_id: n for head_id, n in rows if n}
