"""Reports: reads of work reports and their settings. The pre-fill is in `report_prefills`, the numbers other
parts use (dashboard, digest, counters) in `report_numbers`.

Every list a viewer sees starts from `WorkReport.objects.visible_to(user)` (own reports, the sub-tree a
supervisor heads, HR/admin all).

Periods: a department (and its sub-tree, unless a sub-department says otherwise) reports daily or weekly
(Monday to Sunday) by a due time in each person's own time zone; without any settings up the tree a person
reports daily by 19:00. A report "covers" the days from its `period_start` to its `period_end`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.core.permissions import get_visible

from ..choices import ReportPeriod, ReportStatus
from ..models import ReportSettings, WorkReport, WorkReportRevision, headed_path, sees_all

__all__ = [
    "SENT_STATES",
    "ReportRule",
    "ReportSpan",
    "can_edit_report",
    "can_manage_report_settings",
    "can_rate_any",
    "can_rate_report",
    "local_today",
    "report_get",
    "report_is_overdue",
    "report_list",
    "report_of_period",
    "report_period_for",
    "report_person_get",
    "report_revisions",
    "report_settings_for",
    "report_settings_list",
    "reports_to_rate",
    "reports_to_rate_of",
    "waiting_for_q",
]

# A report the supervisor has received (rated or still waiting); a returned one is back with its author.
SENT_STATES = (ReportStatus.SENT, ReportStatus.RATED)
WEEKDAYS = frozenset(range(5))  # Monday to Friday, when no schedule says otherwise


# --- periods and settings ----------------------------------------------------------------------------


class ReportRule(NamedTuple):
    """How a person reports: (period, due_time, due_weekday). Unpacks like the tuple it is."""

    period: str = ReportPeriod.DAY
    due_time: datetime.time = datetime.time(19, 0)
    due_weekday: int = 4

    def bounds(self, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The first and last day of the period that contains `day` (a week runs Monday to Sunday)."""
        if self.period == ReportPeriod.WEEK:
            start = day - datetime.timedelta(days=day.weekday())
            return start, start + datetime.timedelta(days=6)
        return day, day

    def due_at(self, start: datetime.date, zone: ZoneInfo) -> datetime.datetime:
        """When the report of the period starting on `start` is due (aware, in the person's zone)."""
        due_day = start
        if self.period == ReportPeriod.WEEK:
            due_day = start + datetime.timedelta(days=min(max(self.due_weekday, 0), 6))
        return datetime.datetime.combine(due_day, self.due_time, tzinfo=zone)


DEFAULT_RULE = ReportRule()


class ReportSpan(NamedTuple):
    """A person's report period around a date: (period, start, end, due_at)."""

    period: str
    start: datetime.date
    end: datetime.date
    due_at: datetime.datetime


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _utc(moment: datetime.datetime | None) -> datetime.datetime:
    """Instants are compared in UTC: two datetimes sharing one tzinfo compare as wall times (wrong on DST days)."""
    return (moment or timezone.now()).astimezone(datetime.UTC)


def zone_of(user) -> ZoneInfo:
    """The person's time zone (the site's when theirs is unknown)."""
    return _zone(getattr(user, "time_zone", None))


def local_today(user, now: datetime.datetime | None = None) -> datetime.date:
    """The person's current local date."""
    return timezone.localtime(now or timezone.now(), zone_of(user)).date()


def local_bounds(
    user, start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[local midnight of `start`, local midnight after `end`) as aware datetimes."""
    zone = zone_of(user)
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def _rules_by_path() -> dict[str, ReportRule]:
    """Every department's own settings by tree path (one query; there is at most one row per department)."""
    rows = ReportSettings.objects.values_list("department__path", "period", "due_time", "due_weekday")
    return {path: ReportRule(period, due_time, due_weekday) for path, period, due_time, due_weekday in rows}


def _rule_for_path(path: str | None, rules: dict[str, ReportRule]) -> ReportRule:
    """The nearest settings up the tree from the department at `path`, else the default."""
    from portal.people.models import Department

    step = Department.steplen
    while path:
        if path in rules:
            return rules[path]
        path = path[:-step]
    return DEFAULT_RULE


def _department_path(user) -> str | None:
    if not getattr(user, "department_id", None):
        return None
    if "department" in user._state.fields_cache:  # already loaded (select_related or an earlier access)
        return user.department.path
    from portal.people.models import Department

    return Department.objects.filter(pk=user.department_id).values_list("path", flat=True).first()


def report_settings_for(user) -> ReportRule:
    """(period, due_time, due_weekday) of the nearest ReportSettings up the person's department tree;
    daily by 19:00 when there are none."""
    path = _department_path(user)
    if not path:
        return DEFAULT_RULE
    return _rule_for_path(path, _rules_by_path())


def report_period_for(user, date: datetime.date, *, rule: ReportRule | None = None) -> ReportSpan:
    """(period, start, end, due_at) of the person's report period containing `date`; due_at is aware,
    in the person's time zone."""
    rule = rule or report_settings_for(user)
    start, end = rule.bounds(date)
    return ReportSpan(rule.period, start, end, rule.due_at(start, zone_of(user)))


def can_manage_report_settings(user, department) -> bool:
    """HR and admins for every department; a head for the departments of the sub-tree they head."""
    if sees_all(user):
        return True
    path = headed_path(user)
    return bool(path and department is not None and department.path.startswith(path))


@dataclass
class DepartmentReportSettings:
    """One row of the settings page: a department, its own settings (or None) and what applies to it."""

    department: Any
    own: ReportSettings | None
    effective: ReportRule
    inherited: bool


def report_settings_list(*, user) -> list[DepartmentReportSettings]:
    """The departments the user may set up (all for HR/admin, the sub-tree they head), in tree order,
    with their own and their effective settings. Two queries."""
    from portal.people.models import Department

    if sees_all(user):
        departments = Department.objects.all()
    else:
        path = headed_path(user)
        if not path:
            return []
        departments = Department.objects.filter(path__startswith=path)
    own = {s.department_id: s for s in ReportSettings.objects.all()}
    departments = list(departments.order_by("path"))
    rules = _rules_by_path_from(own.values(), departments)
    rows = []
    for department in departments:
        settings_row = own.get(department.pk)
        rows.append(
            DepartmentReportSettings(
                department=department,
                own=settings_row,
                effective=_rule_for_path(department.path, rules),
                inherited=settings_row is None,
            )
        )
    return rows


def _rules_by_path_from(settings_rows: Iterable[ReportSettings], departments) -> dict[str, ReportRule]:
    """Like _rules_by_path, without a query: settings rows matched to departments already in hand.

    Ancestors of the listed departments that are not listed themselves (a head sees only their sub-tree)
    still pass their settings down, so their paths are looked up too.
    """
    from portal.people.models import Department

    by_id = {d.pk: d.path for d in departments}
    missing = [s.department_id for s in settings_rows if s.department_id not in by_id]
    if missing:
        by_id.update(dict(Department.objects.filter(pk__in=missing).values_list("pk", "path")))
    return {
        by_id[s.department_id]: ReportRule(s.period, s.due_time, s.due_weekday)
        for s in settings_rows
        if s.department_id in by_id
    }


# --- reports -----------------------------------------------------------------------------------------


def _base(user) -> QuerySet[WorkReport]:
    return WorkReport.objects.visible_to(user).select_related(
        "author", "author__department", "supervisor", "rated_by"
    )


def report_list(*, user, filters=None) -> QuerySet[WorkReport]:
    """Reports the user may see (their own and those of the people they supervise; HR/admin all),
    filtered by the one FilterSet of the page and the API, newest period first."""
    from ..filters.reports import WorkReportFilterSet

    qs = _base(user)
    if filters is not None:
        filterset = WorkReportFilterSet(filters, queryset=qs, user=user)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return qs.order_by("-period_start", "-id")


def report_get(*, user, pk) -> WorkReport:
    """One report; hidden and missing alike answer 404."""
    return get_visible(_base(user), pk=pk)


def report_person_get(*, user, pk):
    """A person whose reports the user may see (themselves, the sub-tree they head; HR/admin anyone
    active); 404 otherwise."""
    from portal.people.models import User

    qs = User.objects.filter(is_active=True)
    if not (user and user.is_authenticated and user.is_active):
        qs = qs.none()
    elif not sees_all(user):
        path = headed_path(user)
        visible = Q(pk=user.pk)
        if path:
            visible |= Q(department__path__startswith=path)
        qs = qs.filter(visible)
    return get_visible(qs, pk=pk)


def report_of_period(*, user, period_start: datetime.date, period: str) -> WorkReport | None:
    """The user's own report of a period, if written."""
    return (
        WorkReport.objects.filter(author=user, period=period, period_start=period_start)
        .select_related("supervisor", "rated_by")
        .first()
    )


def report_revisions(*, user, report: WorkReport) -> QuerySet[WorkReportRevision]:
    """The history of a report the user may see, newest first."""
    get_visible(WorkReport.objects.visible_to(user), pk=report.pk)
    return WorkReportRevision.objects.filter(report=report).select_related("changed_by")


def can_rate_any(user) -> bool:
    """Whether the user has an inbox of reports to rate: heads of departments, HR and admins."""
    return bool(user and user.is_authenticated and (headed_path(user) is not None or sees_all(user)))


def waiting_for_q(user, *, direct_only: bool) -> Q:
    """Sent reports `user` should rate: sent to them by someone of the sub-tree they head (direct), or of
    anyone in that sub-tree (HR and admins: of anyone)."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    sent = Q(status=ReportStatus.SENT) & ~Q(author=user)
    if not direct_only and sees_all(user):
        return sent
    path = headed_path(user)
    if not path:
        return Q(pk__in=[])
    in_subtree = sent & Q(author__department__path__startswith=path)
    if direct_only:
        return Q(supervisor=user) & in_subtree
    return in_subtree


def reports_to_rate(*, user, direct_only: bool = False) -> QuerySet[WorkReport]:
    """Sent reports waiting for the viewer's rating: of the people they supervise (the sub-tree they head;
    HR and admins: everyone's); `direct_only` keeps those sent to them as the direct supervisor (what the
    "reports.to_rate" badge counts). Oldest first, so nothing waits forever."""
    return _base(user).filter(waiting_for_q(user, direct_only=direct_only)).order_by("sent_at", "id")


def reports_to_rate_of(*, user, direct_only: bool = False, author=None) -> QuerySet[WorkReport]:
    """The inbox (`reports_to_rate`), of one author only when `author` (a person or an id) is given."""
    reports = reports_to_rate(user=user, direct_only=direct_only)
    if author is not None:
        reports = reports.filter(author_id=getattr(author, "pk", author))
    return reports


def report_is_overdue(*, report: WorkReport | None, span: ReportSpan, now=None) -> bool:
    """Whether the report of `span` (None: not written) is past its due time without having been sent."""
    sent = report is not None and report.status in SENT_STATES
    return not sent and _utc(now) > span.due_at


def can_edit_report(user, report: WorkReport) -> bool:
    """Only the author edits, and only until the report is rated."""
    return bool(user and user.is_authenticated and report.author_id == user.pk and not report.is_locked)


def can_rate_report(user, report: WorkReport) -> bool:
    """The right to rate or return: the report's supervisor, anyone who supervises the author, HR/admin;
    never the author. (Whether the report is in a state to be rated is the service's question.)"""
    if not (user and user.is_authenticated and user.is_active) or report.author_id == user.pk:
        return False
    if report.supervisor_id == user.pk or sees_all(user):
        return True
    path = headed_path(user)
    author_department = report.author.department if report.author.department_id else None
    return bool(path and author_department is not None and author_department.path.startswith(path))
