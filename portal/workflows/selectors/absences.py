"""Reads of absences: who may enter them and see what they say, leave balances, who is away on a day, and the
absence chart (a row per person, a bar per absence, holidays marked) in a constant number of queries.

Every employee sees when colleagues are away (`Absence.objects.visible_to`), but what an absence says beyond
its dates is for the person, their supervisors (up the tree), HR and admins: to the others a private type
(sick leave) shows as "Absent" and no comment shows. Filtering by a private type could tell who is ill, so
such a filter only finds the absences whose details the reader may see (`private_types_q`).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import workdays
from portal.core.links import url_for_pk
from portal.core.permissions import get_visible, is_portal_admin
from portal.core.visibility import is_active_person
from portal.people.models import Department, User, headed_path

from ..models import Absence, AbsenceType, LeaveAllowance, ProcessRole

HR_ROLE = "hr"
MANAGE_PERMISSION = "workflows.manage_absences"
# What a private absence shows to those who may not see its type, and its neutral colour.
HIDDEN_COLOR = "#adb5bd"
# The longest range the chart draws (a quarter and then some), and the people on one page of it.
CHART_MAX_DAYS = 186
CHART_PAGE_SIZE = 300


def hidden_label() -> str:
    return _("Absent")


# --- who may do what ------------------------------------------------------------------------------------


def may_manage_absences(user) -> bool:
    """Portal admins, holders of the process role "hr" and of the permission `workflows.manage_absences`
    enter, change and delete everyone's absences and set allowances. Memoised on the user object (a request
    pays for it once)."""
    if not is_active_person(user):
        return False
    cached = getattr(user, "_workflows_manage_absences", None)
    if cached is None:
        cached = bool(
            is_portal_admin(user)
            or user.has_perm(MANAGE_PERMISSION)
            or ProcessRole.objects.filter(key=HR_ROLE, members=user.pk).exists()
        )
        user._workflows_manage_absences = cached
    return cached


def _department_path(person) -> str:
    department = getattr(person, "department", None) if getattr(person, "department_id", None) else None
    return department.path if department is not None else ""


def details_visible(viewer, person) -> bool:
    """Whether `viewer` may see the type and comment of `person`'s absences: the person, a supervisor of
    theirs (the department they head or one under it), HR and admins. Needs `person.department` loaded."""
    if not is_active_person(viewer) or person is None:
        return False
    if viewer.pk == person.pk or may_manage_absences(viewer):
        return True
    path = headed_path(viewer)
    own = _department_path(person)
    return bool(path and own and own.startswith(path))


def private_types_q(viewer) -> Q:
    """The absences a filter by type may find for `viewer`: those of a non-private type, and those whose
    details the viewer may see anyway."""
    if may_manage_absences(viewer):
        return Q()
    rule = Q(type__private=False) | Q(user_id=viewer.pk)
    path = headed_path(viewer)
    if path:
        rule |= Q(user__department__path__startswith=path)
    return rule


@dataclass(frozen=True)
class AbsenceView:
    """An absence as one reader sees it: its label and colour (the type's, or "Absent" in grey for a private
    type the reader may not see), and the comment when the reader may see it."""

    absence: Absence
    label: str
    color: str
    details: bool
    comment: str

    @property
    def type(self) -> AbsenceType | None:
        """The type, unless it is private and the reader may not see it."""
        return self.absence.type if self.details or not self.absence.type.private else None

    @property
    def type_id(self) -> int | None:
        kind = self.type
        return kind.pk if kind is not None else None

    @property
    def process_id(self) -> int | None:
        return self.absence.process_id if self.details else None


def absence_view(
    viewer, absence: Absence, *, details: bool | None = None, hidden_as: str | None = None
) -> AbsenceView:
    """What `viewer` sees of `absence` (`details`: the answer of `details_visible`, when known; `hidden_as`:
    `hidden_label()`, when the caller has translated it already)."""
    if details is None:
        details = details_visible(viewer, absence.user)
    kind = absence.type
    hidden = kind.private and not details
    return AbsenceView(
        absence=absence,
        label=(hidden_as or hidden_label()) if hidden else kind.name,
        color=HIDDEN_COLOR if hidden else kind.color,
        details=details,
        comment=absence.comment if details else "",
    )


# --- lists --------------------------------------------------------------------------------------------------


def absence_list(*, user, filters: dict | None = None) -> QuerySet[Absence]:
    """The absences `user` may see, filtered by the absences' FilterSet (person, department with its
    sub-departments, type, date range), newest first."""
    from ..filters.absences import AbsenceFilterSet

    qs = (
        Absence.objects.visible_to(user)
        .select_related("type", "user__department", "process")
        .order_by("-start", "user__last_name", "id")
    )
    if filters is not None:
        qs = AbsenceFilterSet(filters, queryset=qs).qs
        if filters.get("type"):
            qs = qs.filter(private_types_q(user))
    return qs


def absence_get(*, user, pk) -> Absence:
    """One absence `user` may see (404 for hidden and missing alike)."""
    return get_visible(
        Absence.objects.visible_to(user).select_related("type", "user__department", "created_by", "process"),
        pk=pk,
    )


def absence_type_list(*, user, active: bool | None = True) -> QuerySet[AbsenceType]:
    """The absence types (for pickers: the active ones; admins edit all)."""
    if not is_active_person(user):
        return AbsenceType.objects.none()
    qs = AbsenceType.objects.all()
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def absence_type_get(*, user, pk) -> AbsenceType:
    return get_visible(absence_type_list(user=user, active=None), pk=pk)


def absences_on(*, user_ids, day: datetime.date) -> dict[int, Absence]:
    """{user_id: the absence covering `day`} of the people away that day (one query)."""
    ids = [int(pk) for pk in user_ids]
    if not ids:
        return {}
    rows = (
        Absence.objects.filter(user_id__in=ids, start__lte=day, end__gte=day)
        .select_related("type")
        .order_by("user_id", "start", "id")
    )
    return {absence.user_id: absence for absence in rows}


def absence_labels(
    *, user_ids, start: datetime.date, end: datetime.date
) -> dict[int, dict[datetime.date, str]]:
    """{user_id: {date: label}} of the people's absences from `start` to `end` (one query): core's absence
    provider, read by the timesheets, the directory, the profile and chat. Colleagues read some of those, so a
    private type is "Absent" here too. `user_ids`: a list of ids or a queryset of them (used as a subquery)."""
    result: dict[int, dict[datetime.date, str]] = {}
    if end < start:
        return result
    ids = user_ids if isinstance(user_ids, QuerySet) else [int(pk) for pk in user_ids]
    if not isinstance(ids, QuerySet) and not ids:
        return result
    rows = (
        Absence.objects.filter(user_id__in=ids)
        .overlapping(start, end)
        .values_list("user_id", "start", "end", "type__name", "type__private")
    )
    hidden = hidden_label()
    for user_id, first, last, name, private in rows:
        day, last = max(first, start), min(last, end)
        mine = result.setdefault(user_id, {})
        while day <= last:
            mine[day] = hidden if private else name
            day += datetime.timedelta(days=1)
    return result


# --- leave balances -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveBalance:
    """A person's vacation days in a year: the allowance and the days carried over from the year before,
    the working days of vacation taken (up to today) and planned (after today), and what is left."""

    year: int
    allowance: Decimal
    carried_over: Decimal
    used: Decimal
    planned: Decimal
    left: Decimal
    has_allowance: bool = True

    @property
    def total(self) -> Decimal:
        return self.allowance + self.carried_over


def default_allowance() -> Decimal:
    """The vacation days of a year for a person without an allowance row (settings)."""
    return Decimal(str(getattr(settings, "LUMEN_LEAVE_DEFAULT_DAYS", 28)))


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def spent_days(*, user_ids, year: int, today: datetime.date | None = None) -> dict[int, tuple[int, int]]:
    """{user_id: (used, planned)}: the working days (holidays and weekends excluded, through
    portal.core.workdays) of the people's absences of a type that counts against the allowance in `year`,
    up to `today` and after it. Two queries (the absences, the calendar), whatever the number of people."""
    ids = [int(pk) for pk in user_ids]
    if not ids:
        return {}
    today = today or timezone.localdate()
    first, last = _year_bounds(year)
    rows = list(
        Absence.objects.filter(user_id__in=ids, type__counts_allowance=True)
        .overlapping(first, last)
        .values_list("user_id", "start", "end")
    )
    result = {pk: (0, 0) for pk in ids}
    if not rows:
        return result
    working = set(workdays.working_days_between(first, last))
    for user_id, start, end in rows:
        used, planned = result[user_id]
        day, stop = max(start, first), min(end, last)
        while day <= stop:
            if day in working:
                if day <= today:
                    used += 1
                else:
                    planned += 1
            day += datetime.timedelta(days=1)
        result[user_id] = (used, planned)
    return result


def leave_balances(*, user_ids, year: int, today: datetime.date | None = None) -> dict[int, LeaveBalance]:
    """{user_id: LeaveBalance} for many people at once (three queries: allowances, absences, calendar)."""
    ids = [int(pk) for pk in user_ids]
    allowances = {row.user_id: row for row in LeaveAllowance.objects.filter(user_id__in=ids, year=year)}
    spent = spent_days(user_ids=ids, year=year, today=today)
    default = default_allowance()
    result = {}
    for pk in ids:
        row = allowances.get(pk)
        days = row.days if row else default
        carried = row.carried_over if row else Decimal(0)
        used, planned = spent.get(pk, (0, 0))
        result[pk] = LeaveBalance(
            year=year,
            allowance=Decimal(days),
            carried_over=Decimal(carried),
            used=Decimal(used),
            planned=Decimal(planned),
            left=Decimal(days) + Decimal(carried) - used - planned,
            has_allowance=row is not None,
        )
    return result


def leave_balance(*, user, year: int, today: datetime.date | None = None) -> LeaveBalance:
    """`user`'s vacation balance in `year`: allowance + carried over − used − planned = left (working days of
    the absences of a type that counts against the allowance; holidays and weekends are not spent)."""
    return leave_balances(user_ids=[user.pk], year=year, today=today)[user.pk]


def allowance_list(*, user, year: int, department: Department | None = None) -> QuerySet[User]:
    """The active people whose allowances `user` may see (HR and admins: everyone; others: nobody), of a
    department with its sub-departments, by name; the page adds their balances (`leave_balances`)."""
    if not may_manage_absences(user):
        return User.objects.none()
    qs = User.objects.filter(is_active=True).select_related("department")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs.order_by("last_name", "first_name", "id")


# --- the chart --------------------------------------------------------------------------------------------


@dataclass
class ChartDay:
    """A column of the chart."""

    date: datetime.date
    weekend: bool
    holiday: str = ""  # the name of a public holiday (a day off)
    workday: str = ""  # the name of a moved working day (a weekend day worked)
    today: bool = False

    @property
    def off(self) -> bool:
        return bool(self.holiday) or (self.weekend and not self.workday)

    @property
    def month_start(self) -> bool:
        return self.date.day == 1


@dataclass(frozen=True, slots=True)
class ChartDepartment:
    """A chart row's department: its name (shown by the API) and tree path (for who may see the details)."""

    id: int
    name: str
    path: str


@dataclass(slots=True)
class ChartPerson:
    """A chart row's person, read as plain values: a User instance (and a Department one) per row was most of a
    300-person chart's time. What the rows, the chart's API and `details_visible` read of a person."""

    id: int
    first_name: str
    last_name: str
    email: str
    photo: str  # the stored file's name, "" without a photo
    department: ChartDepartment | None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def department_id(self) -> int | None:
        return self.department.id if self.department is not None else None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper() or "?"

    @property
    def photo_url(self) -> str:
        return url_for_pk("people:photo", self.id)


@dataclass(slots=True)
class ChartAbsence:
    """An absence on the chart, read as plain values (with its type from the types' one query)."""

    id: int
    user_id: int
    type: AbsenceType
    start: datetime.date
    end: datetime.date
    comment: str
    process_id: int | None
    user: ChartPerson | None = None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def type_id(self) -> int:
        return self.type.pk


@dataclass
class ChartBar:
    """One absence on one row, clipped to the chart's range: `offset` days from the first column, `span` days
    long; `cut_before`/`cut_after` say it goes on beyond the range."""

    view: AbsenceView
    start: datetime.date
    end: datetime.date
    offset: int
    span: int
    cut_before: bool
    cut_after: bool

    @property
    def absence(self) -> ChartAbsence:
        return self.view.absence


@dataclass
class ChartRow:
    person: ChartPerson
    bars: list[ChartBar] = field(default_factory=list)


@dataclass
class AbsenceChart:
    start: datetime.date
    end: datetime.date
    days: list[ChartDay]
    rows: list[ChartRow]
    types: list[AbsenceType]
    total_people: int
    page: int
    pages: int

    @property
    def has_private(self) -> bool:
        return any(kind.private for kind in self.types)

    @property
    def holidays(self) -> list[ChartDay]:
        return [day for day in self.days if day.holiday or day.workday]


def month_range(month: datetime.date, months: int = 1) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `months` months from the month of `month`."""
    first = month.replace(day=1)
    year, index = divmod(first.month - 1 + months - 1, 12)
    last_year, last_month = first.year + year, index + 1
    return first, datetime.date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])


def chart_days(
    start: datetime.date, end: datetime.date, *, today: datetime.date | None = None
) -> list[ChartDay]:
    """The chart's columns with weekends, holidays and moved working days (one query per calendar source)."""
    today = today or timezone.localdate()
    exceptions = workdays.calendar_days(start, end)
    days = []
    day = start
    while day <= end:
        working, name = exceptions.get(day, (None, ""))
        days.append(
            ChartDay(
                date=day,
                weekend=day.weekday() not in workdays.WORK_WEEK,
                holiday=(name or _("Holiday")) if working is False else "",
                workday=(name or _("Working day")) if working is True else "",
                today=day == today,
            )
        )
        day += datetime.timedelta(days=1)
    return days


# What a chart row reads of a person (the name, the avatar, the department for the API and for who may see the
# details) and of an absence (the type comes from the types' one query).
CHART_PERSON_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "photo",
    "department_id",
    "department__name",
    "department__path",
)
CHART_ABSENCE_FIELDS = ("id", "user_id", "type_id", "start", "end", "comment", "process_id")


def _chart_people(user, department, with_subdepartments: bool, absent: Q | None) -> QuerySet[User]:
    qs = User.objects.visible_to(user).filter(is_active=True)
    if department is not None:
        if with_subdepartments:
            qs = qs.filter(department__path__startswith=department.path)
        else:
            qs = qs.filter(department=department)
    if absent is not None:
        qs = qs.filter(Exists(Absence.objects.filter(absent, user_id=OuterRef("pk"))))
    return qs.order_by("last_name", "first_name", "id")


def _chart_person(values: tuple, departments: dict[int, ChartDepartment]) -> ChartPerson:
    pk, first_name, last_name, email, photo, department_id, department_name, department_path = values
    department = None
    if department_id is not None:
        department = departments.get(department_id)
        if department is None:
            department = departments[department_id] = ChartDepartment(
                department_id, department_name, department_path
            )
    return ChartPerson(pk, first_name, last_name, email, photo or "", department)


def absence_chart(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    department: Department | None = None,
    with_subdepartments: bool = True,
    types=None,
    absent_only: bool = False,
    page: int = 1,
    page_size: int = CHART_PAGE_SIZE,
    today: datetime.date | None = None,
    absence_types: list[AbsenceType] | None = None,
) -> AbsenceChart:
    """The absence chart from `start` to `end` (at most CHART_MAX_DAYS days): a row per active person `user`
    may see (of `department`, its sub-departments included unless `with_subdepartments` is False; with
    `absent_only`, only those away in the range), a page of `page_size` people by name; each row has its
    absences clipped to the range as bars (`types`: only those types), as `user` may see them.
    `absence_types`: every absence type (active or not), when the caller has read them already.

    A constant number of queries, whatever the number of people and absences: the people (and their count
    when there is more than one page), their absences, the types, the calendar. People and
    absences are read as values (ChartPerson, ChartAbsence), not model instances."""
    if end < start:
        start, end = end, start
    end = min(end, start + datetime.timedelta(days=CHART_MAX_DAYS - 1))
    type_ids = sorted({int(getattr(t, "pk", t)) for t in types or ()})
    in_range = Q(start__lte=end, end__gte=start)
    if type_ids:
        in_range &= Q(type_id__in=type_ids) & private_types_q(user)
    people = _chart_people(user, department, with_subdepartments, in_range if absent_only else None)
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    rows_of_page = people.values_list(*CHART_PERSON_FIELDS)
    departments: dict[int, ChartDepartment] = {}
    chosen: list[ChartPerson] = []
    if page == 1:
        # The first page (a department's chart, nearly always) needs no count unless there is a second one.
        chosen = [_chart_person(values, departments) for values in rows_of_page[: page_size + 1]]
        total = len(chosen)
        if total > page_size:
            del chosen[page_size:]
            total = people.count()
    else:
        total = people.count()
        page = min(page, max(1, -(-total // page_size)))
        if total:
            window = rows_of_page[(page - 1) * page_size : page * page_size]
            chosen = [_chart_person(values, departments) for values in window]
    pages = max(1, -(-total // page_size))
    kinds = {
        kind.pk: kind for kind in (AbsenceType.objects.all() if absence_types is None else absence_types)
    }
    by_person: dict[int, list[ChartAbsence]] = {}
    if chosen:
        # The page's people as a subquery: the same window, without sending hundreds of ids back.
        window = people.values("pk")[(page - 1) * page_size : page * page_size]
        absences = (
            Absence.objects.filter(in_range, user_id__in=window)
            .order_by("user_id", "start", "id")
            .values_list(*CHART_ABSENCE_FIELDS)
        )
        for pk, user_id, type_id, first, last, comment, process_id in absences:
            kind = kinds.get(type_id)
            if kind is None:  # a type added since the caller read them
                kind = kinds[type_id] = AbsenceType.objects.get(pk=type_id)
            by_person.setdefault(user_id, []).append(
                ChartAbsence(pk, user_id, kind, first, last, comment, process_id)
            )
    # Whether the reader sees the details depends on the person's department only (and on being the person).
    details_by_department: dict[int | None, bool] = {}
    hidden = hidden_label()
    rows = []
    for person in chosen:
        row = ChartRow(person=person)
        rows.append(row)
        mine = by_person.get(person.id)
        if not mine:
            continue
        if person.id == user.pk:
            details = details_visible(user, person)
        else:
            details = details_by_department.get(person.department_id)
            if details is None:
                details = details_by_department[person.department_id] = details_visible(user, person)
        next_free = start
        for absence in mine:
            absence.user = person
            first, last = max(absence.start, start, next_free), min(absence.end, end)
            if last < first:
                continue  # overlapping data from before the rule: the earlier bar keeps the days
            row.bars.append(
                ChartBar(
                    view=absence_view(user, absence, details=details, hidden_as=hidden),
                    start=first,
                    end=last,
                    offset=(first - start).days,
                    span=(last - first).days + 1,
                    cut_before=absence.start < start,
                    cut_after=absence.end > end,
                )
            )
            next_free = last + datetime.timedelta(days=1)
    return AbsenceChart(
        start=start,
        end=end,
        days=chart_days(start, end, today=today),
        rows=rows,
        types=[kind for kind in kinds.values() if kind.is_active],
        total_people=total,
        page=page,
        pages=pages,
    )
