"""Reports: monthly timesheets of a person and of a department, and their confirmations.

A timesheet is computed, never stored: one row per calendar date of the month (the person's LOCAL dates in
their own time zone) with the schedule's verdict (working day or not), the absence if an absence provider
knows one, the working day's times and verdicts (from WorkDay) and the time logged on tasks that local day
(tasks.TimeEntry, split at local midnights). Only a supervisor's confirmation stores the totals as they were
(TimesheetConfirmation), so a later change shows as "changed since confirmed".

Who sees what is the app's one rule (`people_visible_q`): a person their own timesheet, a supervisor those of
the sub-tree they head, HR (`reports.view_all`) and admins all; anything else answers 404. Both the person's
and the department's timesheet cost a constant number of queries whatever the number of days or people.

Absences come from the providers of `timesheet_absences`; the time logged on tasks is read in
`timesheet_task_time`.
"""

from __future__ import annotations

import calendar
import datetime
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.permissions import get_visible

from ..choices import DayState, Signal
from ..models import TimesheetConfirmation, WorkDay, headed_path, sees_all
from .control import _page_number
from .people_ids import PeopleIds, ids_lookup
from .timesheet_absences import absence_days
from .workday import ScheduleSpec, day_running_seconds, schedules_for, schedules_of_people

__all__ = [
    "DEPARTMENT_PAGE_SIZE",
    "DepartmentTimesheetPage",
    "DepartmentTimesheetRow",
    "Timesheet",
    "TimesheetDay",
    "TimesheetTotals",
    "timesheet_can_confirm",
    "timesheet_department",
    "timesheet_department_get",
    "timesheet_department_page",
    "timesheet_department_totals",
    "timesheet_departments",
    "timesheet_month",
    "timesheet_people",
    "timesheet_person",
    "timesheet_person_get",
]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


# --- months ------------------------------------------------------------------------------------------------


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local_today(person, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(_zone(getattr(person, "time_zone", None))).date()


def timesheet_month(value=None, *, user=None, now: datetime.datetime | None = None) -> datetime.date:
    """The first day of the month named by `value` ("YYYY-MM", a date, or empty for the current month of
    `user`'s local today). Anything else raises ValidationError({"month": [...]})."""
    if value is None or value == "":
        return _local_today(user, now).replace(day=1)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = _MONTH_RE.match(str(value).strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1900 <= year <= 9998 and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2025-03.")]})


def _month_last(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _shift_month(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- who may see and confirm -------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _pk(value):
    return getattr(value, "pk", value)


def _people_visible(user):
    """People whose timesheets `user` may see: themselves, their sub-tree, everyone for HR and admins."""
    from portal.people.models import User

    qs = User.objects.select_related("department")
    if not _active(user):
        return qs.none()
    if sees_all(user):
        return qs
    condition = Q(pk=user.pk)
    path = headed_path(user)
    if path:
        condition |= Q(department__path__startswith=path)
    return qs.filter(condition)


def timesheet_person_get(*, user, pk):
    """A person whose timesheet `user` may see; anyone else (and a missing id) answers 404."""
    if not _active(user):
        raise NotFound(_("No person matches the given query."))
    return get_visible(_people_visible(user), pk=pk)


def timesheet_people(*, user):
    """Active people whose timesheets `user` may open (for the person switch of the page)."""
    return _people_visible(user).filter(is_active=True).order_by("last_name", "first_name", "id")


def timesheet_can_confirm(user, person) -> bool:
    """The person's supervisor up the tree, HR and admins confirm a timesheet; nobody their own.

    `person` needs its department loaded (the selectors here load it); no query beyond the viewer's
    memoised headed department and permissions.
    """
    if not _active(user) or person is None or person.pk == user.pk:
        return False
    if sees_all(user):
        return True
    path = headed_path(user)
    department = getattr(person, "department", None) if person.department_id else None
    return bool(path and department is not None and department.path.startswith(path))


def timesheet_departments(*, user):
    """Departments whose timesheet `user` may open: the sub-tree they head (all for HR and admins)."""
    from portal.people.models import Department

    if not _active(user):
        return Department.objects.none()
    if sees_all(user):
        return Department.objects.all().order_by("path")
    path = headed_path(user)
    if not path:
        return Department.objects.none()
    return Department.objects.filter(path__startswith=path).order_by("path")


def timesheet_department_get(*, user, pk=None):
    """A department whose timesheet `user` may open (404 otherwise). Without `pk`: the one they head, or the
    company's root for HR and admins."""
    departments = timesheet_departments(user=user)
    if pk in (None, ""):
        if not _active(user):
            raise NotFound(_("No department matches the given query."))
        path = headed_path(user)
        if path:
            return get_visible(departments, path=path)
        root = departments.filter(depth=1).first()
        if root is None:
            raise NotFound(_("No department matches the given query."))
        return root
    return get_visible(departments, pk=pk)


# --- the timesheet -----------------------------------------------------------------------------------------


@dataclass
class TimesheetTotals:
    """The month's sums. `absences` counts working days marked absent; `missing` counts past working days
    since the person joined with neither a working day nor an absence."""

    working_days: int = 0
    days_worked: int = 0
    worked_seconds: int = 0
    task_seconds: int = 0
    late: int = 0
    early_end: int = 0
    short: int = 0
    auto_closed: int = 0
    to_confirm: int = 0
    absences: int = 0
    missing: int = 0

    @property
    def worked_hours(self) -> float:
        return round(self.worked_seconds / 3600, 2)

    @property
    def task_hours(self) -> float:
        return round(self.task_seconds / 3600, 2)

    @property
    def signal(self) -> str:
        if self.missing or self.short or self.to_confirm:
            return Signal.RED
        if self.late or self.early_end:
            return Signal.AMBER
        return Signal.GREEN

    def add(self, other: TimesheetTotals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        """Plain JSON values (what a confirmation stores and the API returns)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["worked_hours"] = self.worked_hours
        data["task_hours"] = self.task_hours
        return data


@dataclass
class TimesheetDay:
    """One calendar date of a person's month."""

    date: datetime.date
    is_working_day: bool
    is_today: bool
    is_future: bool
    absence: str = ""
    day: WorkDay | None = None
    worked_seconds: int = 0
    task_seconds: int = 0
    tzinfo: zoneinfo.ZoneInfo | None = None
    before_joining: bool = False
    holiday: str = ""  # the public holiday's name (the company calendar): not a working day

    @property
    def state(self) -> str:
        return self.day.state if self.day else ""

    @property
    def started_at(self) -> datetime.datetime | None:
        return self.day.started_at.astimezone(self.tzinfo) if self.day else None

    @property
    def ended_at(self) -> datetime.datetime | None:
        if self.day is None or self.day.ended_at is None:
            return None
        return self.day.ended_at.astimezone(self.tzinfo)

    @property
    def paused_seconds(self) -> int:
        return self.day.paused_seconds if self.day else 0

    @property
    def is_late(self) -> bool:
        return bool(self.day and self.day.is_late)

    @property
    def is_early_end(self) -> bool:
        return bool(self.day and self.day.is_early_end)

    @property
    def is_short(self) -> bool:
        return bool(self.day and self.day.is_short)

    @property
    def auto_closed(self) -> bool:
        return bool(self.day and self.day.auto_closed)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.day and self.day.needs_confirmation)

    @property
    def is_open(self) -> bool:
        return bool(self.day and self.day.state != DayState.CLOSED)

    @property
    def missing(self) -> bool:
        """A past working day (since the person joined) with neither a working day nor an absence."""
        past = not (self.is_future or self.is_today or self.before_joining)
        return past and self.is_working_day and self.day is None and not self.absence

    @property
    def worked_hours(self) -> float:
        return round(self.worked_seconds / 3600, 2)

    @property
    def task_hours(self) -> float:
        return round(self.task_seconds / 3600, 2)

    @property
    def signal(self) -> str:
        if self.missing or self.is_short or self.needs_confirmation:
            return Signal.RED
        if self.is_late or self.is_early_end or self.auto_closed:
            return Signal.AMBER
        return ""


@dataclass
class Timesheet:
    """A person's month: a row per date, the totals, and the confirmation if any."""

    person: object
    month: datetime.date
    last: datetime.date
    spec: ScheduleSpec
    days: list[TimesheetDay]
    totals: TimesheetTotals
    confirmation: TimesheetConfirmation | None = None
    can_confirm: bool = False

    @property
    def month_param(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def previous_month(self) -> datetime.date:
        return _shift_month(self.month, -1)

    @property
    def next_month(self) -> datetime.date:
        return _shift_month(self.month, 1)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmation is not None

    @property
    def confirmation_outdated(self) -> bool:
        """The confirmed totals differ from today's (a day was corrected or time logged since)."""
        return bool(self.confirmation and self.confirmation.totals != self.totals.as_dict())


@dataclass
class DepartmentTimesheetRow:
    """One person's line of a department's timesheet."""

    person: object
    totals: TimesheetTotals
    confirmation: TimesheetConfirmation | None = None
    can_confirm: bool = False
    spec: ScheduleSpec | None = None

    @property
    def confirmation_outdated(self) -> bool:
        return bool(self.confirmation and self.confirmation.totals != self.totals.as_dict())

    @property
    def signal(self) -> str:
        return self.totals.signal


def _days_of(
    people_ids, first: datetime.date, last: datetime.date
) -> dict[int, dict[datetime.date, WorkDay]]:
    result: dict[int, dict[datetime.date, WorkDay]] = defaultdict(dict)
    if not people_ids:
        return result
    days = (
        WorkDay.objects.filter(user_id__in=ids_lookup(people_ids), date__gte=first, date__lte=last)
        .order_by()
        .only(
            "user_id",
            "date",
            "state",
            "started_at",
            "ended_at",
            "pause_started_at",
            "paused_seconds",
            "worked_seconds",
            "is_late",
            "is_early_end",
            "is_short",
            "auto_closed",
            "needs_confirmation",
        )
    )
    for day in days:
        result[day.user_id][day.date] = day
    return result


def _confirmations(people_ids, first: datetime.date) -> dict[int, TimesheetConfirmation]:
    if not people_ids:
        return {}
    rows = TimesheetConfirmation.objects.filter(user_id__in=people_ids, month=first).select_related(
        "confirmed_by"
    )
    return {row.user_id: row for row in rows}


def _build_days(
    *,
    person,
    spec: ScheduleSpec,
    first: datetime.date,
    last: datetime.date,
    days: dict[datetime.date, WorkDay],
    absences: dict[datetime.date, str],
    task_seconds: dict[datetime.date, int],
    now: datetime.datetime,
) -> list[TimesheetDay]:
    zone = spec.tzinfo
    today = now.astimezone(zone).date()
    joined = person.date_joined.astimezone(zone).date() if person.date_joined else None
    rows = []
    for n in range(1, last.day + 1):
        date = first.replace(day=n)
        day = days.get(date)
        rows.append(
            TimesheetDay(
                date=date,
                is_working_day=spec.is_working_day(date),
                is_today=date == today,
                is_future=date > today,
                absence=absences.get(date, ""),
                day=day,
                worked_seconds=day_running_seconds(day, now) if day else 0,
                task_seconds=task_seconds.get(date, 0),
                tzinfo=zone,
                before_joining=joined is not None and date < joined,
                holiday=spec.holiday(date),
            )
        )
    return rows


def _totals_of(days: list[TimesheetDay]) -> TimesheetTotals:
    totals = TimesheetTotals()
    for row in days:
        totals.working_days += int(row.is_working_day)
        totals.absences += int(row.is_working_day and bool(row.absence))
        totals.missing += int(row.missing)
        totals.task_seconds += row.task_seconds
        if row.day is None:
            continue
        totals.days_worked += 1
        totals.worked_seconds += row.worked_seconds
        totals.late += int(row.is_late)
        totals.early_end += int(row.is_early_end)
        totals.short += int(row.is_short)
        totals.auto_closed += int(row.auto_closed)
        totals.to_confirm += int(row.needs_confirmation)
    return totals


def timesheet_person(*, user, person, month, now: datetime.datetime | None = None) -> Timesheet:
    """A person's monthly timesheet as `user` may see it (a person `user` may not see answers 404).

    `person` is a user or an id; `month` a date or "YYYY-MM". A constant number of queries: the person,
    their schedule (two), the days, the time entries, the confirmation, plus the viewer's memoised rights
    and whatever the registered absence providers cost.
    """
    from .timesheet_task_time import _task_seconds_by_day, _windows

    now = now or timezone.now()
    person = timesheet_person_get(user=user, pk=_pk(person))
    first = timesheet_month(month, user=person, now=now)
    last = _month_last(first)
    spec = schedules_for([person])[person.pk]
    windows = _windows([person], first, last)
    days = _days_of([person.pk], first, last)[person.pk]
    tasks = _task_seconds_by_day([person], windows, now).get(person.pk, {})
    absences = absence_days(user_ids=[person.pk], start=first, end=last).get(person.pk, {})
    rows = _build_days(
        person=person,
        spec=spec,
        first=first,
        last=last,
        days=days,
        absences=absences,
        task_seconds=tasks,
        now=now,
    )
    return Timesheet(
        person=person,
        month=first,
        last=last,
        spec=spec,
        days=rows,
        totals=_totals_of(rows),
        confirmation=_confirmations([person.pk], first).get(person.pk),
        can_confirm=timesheet_can_confirm(user, person),
    )


class _Member:
    """A person of a department's timesheet as its totals read them (thousands of User instances would cost
    more than the totals); the rows of the page shown get their full User afterwards."""

    __slots__ = ("pk", "time_zone", "date_joined", "department_id", "department")

    def __init__(self, pk, time_zone, date_joined, department_id, department):
        self.pk = pk
        self.time_zone = time_zone
        self.date_joined = date_joined
        self.department_id = department_id
        self.department = department


class _Path:
    __slots__ = ("path",)

    def __init__(self, path):
        self.path = path


def _fast_totals(
    *,
    member: _Member,
    spec: ScheduleSpec,
    working_dates: list[datetime.date],
    today: datetime.date,
    days: dict[datetime.date, WorkDay],
    absences: dict[datetime.date, str],
    now: datetime.datetime,
) -> TimesheetTotals:
    """`_totals_of(_build_days(...))` without a TimesheetDay per date (the same numbers): a department's
    month is hundreds of people times thirty dates."""
    totals = TimesheetTotals()
    joined = member.date_joined.astimezone(spec.tzinfo).date() if member.date_joined else None
    totals.working_days = len(working_dates)
    for date in working_dates:
        absent = bool(absences.get(date, ""))
        if absent:
            totals.absences += 1
        elif date < today and (joined is None or date >= joined) and date not in days:
            totals.missing += 1
    for day in days.values():
        totals.days_worked += 1
        totals.worked_seconds += day_running_seconds(day, now)
        totals.late += int(bool(day.is_late))
        totals.early_end += int(bool(day.is_early_end))
        totals.short += int(bool(day.is_short))
        totals.auto_closed += int(bool(day.auto_closed))
        totals.to_confirm += int(bool(day.needs_confirmation))
    return totals


@dataclass
class DepartmentTimesheetPage:
    """One page of a department's timesheet: its rows (people in tree then name order), the totals over
    everybody, the number of rows over all pages, this page's number and the number of pages."""

    rows: list[DepartmentTimesheetRow]
    totals: TimesheetTotals
    count: int
    page: int = 1
    pages: int = 1

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


# People a page of a department's timesheet shows (a division has hundreds); the totals cover them all.
DEPARTMENT_PAGE_SIZE = 50


def timesheet_department_page(
    *,
    user,
    department,
    month,
    subtree: bool = True,
    page=None,
    per_page: int = DEPARTMENT_PAGE_SIZE,
    now: datetime.datetime | None = None,
) -> DepartmentTimesheetPage:
    """A department's month (see `timesheet_department`) as one page of rows (`page` 1-based, clamped; None:
    every row) and the totals over everybody. The people are read as light rows and their totals computed
    without a row per date; only the rows of the page get their User and their confirmation. A constant
    number of queries whatever the number of people."""
    from portal.people.models import User

    from .timesheet_task_time import _task_seconds_totals, _windows

    now = now or timezone.now()
    department = timesheet_department_get(user=user, pk=_pk(department))
    first = timesheet_month(month, user=user, now=now)
    last = _month_last(first)
    worked_that_month = Exists(
        WorkDay.objects.filter(user_id=OuterRef("pk"), date__gte=first, date__lte=last)
    )
    where = Q(department__path__startswith=department.path) if subtree else Q(department=department)
    chosen = User.objects.filter(where).filter(Q(is_active=True) | worked_that_month)
    rows = chosen.order_by("department__path", "last_name", "first_name", "id").values_list(
        "pk", "time_zone", "date_joined", "work_start", "work_end", "department_id", "department__path"
    )
    paths: dict[str | None, _Path] = {}
    members: list[_Member] = []
    schedule_rows = []
    for pk, time_zone, date_joined, work_start, work_end, department_id, path in rows:
        shared = paths.get(path)
        if shared is None:
            shared = paths[path] = _Path(path)
        members.append(_Member(pk, time_zone, date_joined, department_id, shared))
        schedule_rows.append((pk, time_zone, work_start, work_end, path))
    # The people's rows are read by the query that chose them, not by hundreds of ids.
    ids = PeopleIds((m.pk for m in members), query=chosen.order_by().values("pk"))
    specs = schedules_of_people(schedule_rows, ids)
    windows = _windows(members, first, last, query=ids.query)
    days = _days_of(ids, first, last)
    task_totals = _task_seconds_totals(members, windows, now)
    absences = absence_days(user_ids=ids, start=first, end=last)
    dates = [first.replace(day=n) for n in range(1, last.day + 1)]
    working_of: dict[tuple, list[datetime.date]] = {}  # people share a handful of schedules
    today_of: dict[str, datetime.date] = {}
    totals_of: dict[int, TimesheetTotals] = {}
    everybody = TimesheetTotals()
    for member in members:
        spec = specs[member.pk]
        # (the specs of one page share the company calendar: the weekdays still tell their working dates apart)
        working = working_of.get(spec.working_days)
        if working is None:
            working = working_of[spec.working_days] = [d for d in dates if spec.is_working_day(d)]
        today = today_of.get(spec.time_zone)
        if today is None:
            today = today_of[spec.time_zone] = now.astimezone(spec.tzinfo).date()
        totals = _fast_totals(
            member=member,
            spec=spec,
            working_dates=working,
            today=today,
            days=days.get(member.pk, {}),
            absences=absences.get(member.pk, {}),
            now=now,
        )
        totals.task_seconds = task_totals.get(member.pk, 0)
        totals_of[member.pk] = totals
        everybody.add(totals)
    count = len(members)
    number, pages = 1, 1
    shown = members
    if page is not None and per_page > 0:
        pages = max(1, -(-count // per_page))
        number = _page_number(page, pages)
        shown = members[(number - 1) * per_page : number * per_page]
    shown_ids = [m.pk for m in shown]
    people = User.objects.select_related("department").in_bulk(shown_ids) if shown_ids else {}
    confirmations = _confirmations(shown_ids, first)
    # `timesheet_can_confirm` for each row, the viewer's rights read once.
    viewer_all = _active(user) and sees_all(user)
    viewer_path = headed_path(user) if _active(user) and not viewer_all else None
    result = []
    for member in shown:
        person = people[member.pk]
        if not _active(user) or person.pk == user.pk:
            can_confirm = False
        else:
            can_confirm = viewer_all or bool(
                viewer_path and member.department.path and member.department.path.startswith(viewer_path)
            )
        result.append(
            DepartmentTimesheetRow(
                person=person,
                totals=totals_of[member.pk],
                confirmation=confirmations.get(member.pk),
                can_confirm=can_confirm,
                spec=specs[member.pk],
            )
        )
    return DepartmentTimesheetPage(rows=result, totals=everybody, count=count, page=number, pages=pages)


def timesheet_department(
    *, user, department, month, subtree: bool = True, now: datetime.datetime | None = None
) -> list[DepartmentTimesheetRow]:
    """Per-person totals of a department's month (with its sub-departments unless `subtree` is False), in
    tree then name order. `department` is a Department or an id; one `user` may not open answers 404.

    The people are the department's active members plus anyone who left but has working days that month.
    A constant number of queries whatever the number of people: the department, the people, their
    schedules, their days, their task time (two), the people shown, the confirmations.
    """
    return timesheet_department_page(
        user=user, department=department, month=month, subtree=subtree, now=now
    ).rows


def timesheet_department_totals(rows: Iterable[DepartmentTimesheetRow]) -> TimesheetTotals:
    """The sum of a department timesheet's lines."""
    totals = TimesheetTotals()
    for row in rows:
        totals.add(row.totals)
    return totals
