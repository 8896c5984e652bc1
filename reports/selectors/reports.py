"""Reports: reads of work reports, their settings, the pre-fill and the numbers other parts use.

Every list a viewer sees starts from `WorkReport.objects.visible_to(user)` (own reports, the sub-tree a
supervisor heads, HR/admin all). The helpers other parts call with a list of people (`last_reports`,
`waiting_counts`, `missing_reports`, `negative_reports`, `credited_share`) take ids the caller has already
limited to people the viewer may see; each costs a constant number of queries whatever the number of ids.

Periods: a department (and its sub-tree, unless a sub-department says otherwise) reports daily or weekly
(Monday to Sunday) by a due time in each person's own time zone; without any settings up the tree a person
reports daily by 19:00. A report "covers" the days from its `period_start` to its `period_end`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from portal.core.permissions import get_visible
from portal.core.registry import PrefillSource, registry

from ..choices import Rating, ReportPeriod, ReportStatus
from ..models import ReportSettings, WorkReport, WorkReportRevision, headed_path, sees_all

__all__ = [
    "SENT_STATES",
    "ReportRule",
    "ReportSpan",
    "can_edit_report",
    "can_manage_report_settings",
    "can_rate_any",
    "can_rate_report",
    "count_my_unsent",
    "count_to_rate",
    "credited_share",
    "last_reports",
    "local_today",
    "missing_reports",
    "negative_reports",
    "prefill_links",
    "register_report_prefill",
    "report_get",
    "report_is_overdue",
    "report_list",
    "report_of_period",
    "report_period_for",
    "report_person_get",
    "report_prefill",
    "report_prefills_shown",
    "report_revisions",
    "report_settings_for",
    "report_settings_list",
    "reports_to_rate",
    "reports_unsent_boundary_passed",
    "waiting_for_q",
    "waiting_counts",
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


# --- people helpers (constant queries for many ids) --------------------------------------------------


def _people(user_ids: Iterable[int]) -> list:
    """Active people with their departments, one query."""
    from portal.people.models import User

    ids = {int(i) for i in user_ids}
    if not ids:
        return []
    return list(User.objects.filter(pk__in=ids, is_active=True).select_related("department").order_by("pk"))


def _working_days(people: list) -> dict[int, frozenset[int]]:
    """Weekdays (0 = Monday) each person works: their schedule when the workday part provides
    `schedules_for`, else Monday to Friday."""
    from . import workday

    schedules_for: Callable | None = getattr(workday, "schedules_for", None)
    if schedules_for is None or not people:
        return {p.pk: WEEKDAYS for p in people}
    specs = schedules_for(people) or {}
    result = {}
    for person in people:
        spec = specs.get(person.pk)
        days = getattr(spec, "working_days", None)
        result[person.pk] = frozenset(int(d) for d in days) if days is not None else WEEKDAYS
    return result


def _joined_on(person) -> datetime.date:
    return timezone.localtime(person.date_joined, zone_of(person)).date()


def _supervised_people(people: list) -> set[int]:
    """Ids of those among `people` who have a supervisor (some department up the tree has an active head
    other than themselves). One query over the departments with heads."""
    from portal.people.models import Department

    heads = dict(
        Department.objects.filter(head__isnull=False, head__is_active=True).values_list("path", "head_id")
    )
    step = Department.steplen
    result = set()
    for person in people:
        path = person.department.path if person.department_id else ""
        while path:
            head = heads.get(path)
            if head is not None and head != person.pk:
                result.add(person.pk)
                break
            path = path[:-step]
    return result


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


# --- the pre-fill ------------------------------------------------------------------------------------


def register_report_prefill(key: str, *, label, compute, visible=None) -> None:
    """Let another app (CRM, calendar...) add what it knows to the pre-fill of a report:
    `compute(user, start_at, end_at) -> [{"id": ..., "title": ..., "url": ...}, ...]` (JSON-ready, few
    queries). The pre-fill is stored with the report and read later by other people: `visible(reader, ids)
    -> the ids among them the reader may see` (one query) decides whose titles they read. Without it, or for
    an item without an id, only the author reads the item's title (see `report_prefills_shown`)."""
    if not callable(compute):
        raise TypeError(f"compute of report pre-fill {key!r} must be callable")
    if visible is not None and not callable(visible):
        raise TypeError(f"visible of report pre-fill {key!r} must be callable")
    registry.report_prefill.register(
        PrefillSource(key=key, label=label, compute=compute, visible=visible), replace=True
    )


def report_prefill(*, user, period_start: datetime.date, period_end: datetime.date) -> dict:
    """What the portal already knows about the person's period (their local days): workday hours and late
    starts, and what registered apps add (tasks: the tasks they completed and the time logged on tasks,
    merged into the pre-fill itself; others under "extra"). JSON-ready."""
    from ..models import WorkDay
    from . import workday

    start_at, end_at = local_bounds(user, period_start, period_end)
    days = list(
        WorkDay.objects.filter(user=user, date__gte=period_start, date__lte=period_end)
        .order_by("date")
        .values("date", "state", "started_at", "ended_at", "is_late", "is_short", "worked_seconds")
    )
    worked = workday.worked_seconds(user_ids=[user.pk], start_date=period_start, end_date=period_end)
    data = {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "worked_seconds": int(worked.get(user.pk, 0) or 0),
        "workdays": [
            {
                "date": d["date"].isoformat(),
                "state": d["state"],
                "started_at": d["started_at"].isoformat() if d["started_at"] else None,
                "ended_at": d["ended_at"].isoformat() if d["ended_at"] else None,
                "is_late": d["is_late"],
                "is_short": d["is_short"],
            }
            for d in days
        ],
        "late_starts": [d["date"].isoformat() for d in days if d["is_late"]],
        "extra": {},
    }
    for source in registry.report_prefill:
        if source.merge:
            data.update(source.compute(user, start_at, end_at))
            continue
        data["extra"][source.key] = {
            "label": str(source.label),
            "items": source.compute(user, start_at, end_at),
        }
    return data


def _merged_sources() -> list[PrefillSource]:
    """The registered sources whose lines are merged into the pre-fill itself (tasks)."""
    return [source for source in registry.report_prefill if source.merge and source.parts]


def _prefill_merged_ids(prefill: dict) -> dict[str, set]:
    """{source key: the ids its lines in the pre-fill name}."""
    ids: dict[str, set] = {}
    for source in _merged_sources():
        found = ids.setdefault(source.key, set())
        for part, id_key in source.parts:
            found |= {line.get(id_key) for line in prefill.get(part) or () if isinstance(line, dict)}
        found.discard(None)
    return ids


def _prefill_extra_ids(prefill: dict) -> dict[str, set]:
    ids: dict[str, set] = {}
    for key, block in (prefill.get("extra") or {}).items():
        items = (block.get("items") or ()) if isinstance(block, dict) else ()
        ids.setdefault(key, set()).update(
            item["id"] for item in items if isinstance(item, dict) and item.get("id") is not None
        )
    return ids


def _prefill_shown(prefill: dict, *, merged: dict[str, set] | None, extra: dict[str, set] | None) -> dict:
    """A copy of a stored pre-fill where each line says whether the reader may see what it names (`hidden`);
    a hidden line keeps its time but loses its id, title and link. `None` sets: the author, who sees all."""

    def merged_line(line: dict, id_key: str, visible: set | None) -> dict:
        if visible is None or line.get(id_key) in visible:
            return {**line, "hidden": False}
        return {**line, id_key: None, "title": "", "hidden": True}

    def extra_item(key: str, item: dict) -> dict:
        if extra is None or (item.get("id") is not None and item.get("id") in extra.get(key, ())):
            return {**item, "hidden": False}
        return {**{k: v for k, v in item.items() if k not in ("id", "title", "url")}, "hidden": True}

    shown = dict(prefill)
    for source in _merged_sources():
        visible = None if merged is None else merged.get(source.key, set())
        for part, id_key in source.parts:
            if part in prefill:
                shown[part] = [merged_line(line, id_key, visible) for line in prefill[part] or ()]
    if "extra" in prefill:
        shown["extra"] = {
            key: {**block, "items": [extra_item(key, item) for item in block.get("items") or ()]}
            for key, block in (prefill["extra"] or {}).items()
        }
    return shown


def report_prefills_shown(*, user, reports: Iterable[WorkReport]) -> dict[int, dict]:
    """The stored pre-fill of each report as `user` may read it, by report id.

    The pre-fill is computed for the author when the report is sent (tasks they closed or logged time on)
    and read later by their supervisors and HR, who may not see every such task. So it is filtered when
    read: the author reads their own lines in full; anyone else reads a line naming something the source
    says they may not see (`PrefillSource.visible`: a task outside the tasks they see) as "a task you cannot
    see" with its time. One query per registered source with lines to check (tasks: one for the tasks of all
    the reports), whatever their number of lines.
    """
    reports = list(reports)
    others = [r for r in reports if r.prefill and r.author_id != getattr(user, "pk", None)]
    merged_ids: dict[str, set] = {}
    extra_ids: dict[str, set] = {}
    for report in others:
        for key, ids in _prefill_merged_ids(report.prefill).items():
            merged_ids.setdefault(key, set()).update(ids)
        for key, ids in _prefill_extra_ids(report.prefill).items():
            extra_ids.setdefault(key, set()).update(ids)

    def visible(ids_by_key: dict[str, set]) -> dict[str, set]:
        found: dict[str, set] = {}
        for key, ids in ids_by_key.items():
            source = registry.report_prefill.get(key)
            found[key] = set(source.visible(user, ids)) if ids and source and source.visible else set()
        return found

    visible_merged, visible_extra = visible(merged_ids), visible(extra_ids)
    shown = {}
    for report in reports:
        if not report.prefill:
            shown[report.pk] = {}
        elif report.author_id == getattr(user, "pk", None):
            shown[report.pk] = _prefill_shown(report.prefill, merged=None, extra=None)
        else:
            shown[report.pk] = _prefill_shown(report.prefill, merged=visible_merged, extra=visible_extra)
    return shown


def prefill_links(prefill: dict) -> dict:
    """A copy of a pre-fill (as shown) whose merged lines link to what they name (`url`, from the source
    that added them; a hidden line gets none): for the pages, the links are never stored."""
    linked = dict(prefill)
    for source in _merged_sources():
        if source.url is None:
            continue
        for part, id_key in source.parts:
            if part in prefill:
                linked[part] = [
                    {
                        **line,
                        "url": source.url(line[id_key])
                        if line.get(id_key) and not line.get("hidden")
                        else "",
                    }
                    for line in prefill[part] or ()
                ]
    return linked


# --- numbers other parts use -------------------------------------------------------------------------


def last_reports(*, user_ids: Iterable[int]) -> dict[int, WorkReport]:
    """Each person's latest report the supervisor has received (sent or rated), by period. One query."""
    ids = list({int(i) for i in user_ids})
    if not ids:
        return {}
    latest = (
        WorkReport.objects.filter(author_id=OuterRef("author_id"), status__in=SENT_STATES)
        .order_by("-period_start", "-sent_at", "-id")
        .values("pk")[:1]
    )
    qs = (
        WorkReport.objects.filter(author_id__in=ids, status__in=SENT_STATES)
        .filter(pk=Subquery(latest))
        .select_related("author", "rated_by")
    )
    return {report.author_id: report for report in qs}


def waiting_counts(*, author_ids: Iterable[int]) -> dict[int, int]:
    """Sent reports not rated yet, per author (authors with none are left out). One query."""
    ids = list({int(i) for i in author_ids})
    if not ids:
        return {}
    rows = (
        WorkReport.objects.filter(author_id__in=ids, status=ReportStatus.SENT)
        .order_by()
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", "n")
    )
    return dict(rows)


def missing_reports(*, user_ids: Iterable[int], date: datetime.date, now=None) -> set[int]:
    """People with no sent (or rated) report covering `date`, counting only those for whom `date` was a
    working day, who had joined by then, and whose report for it is already due (a weekly report is not
    missing on Tuesday). Constant queries."""
    people = _people(user_ids)
    if not people:
        return set()
    now = _utc(now)
    rules = _rules_by_path()
    working = _working_days(people)
    due = set()
    for person in people:
        if date.weekday() not in working[person.pk] or date < _joined_on(person):
            continue
        rule = _rule_for_path(person.department.path if person.department_id else None, rules)
        start, _end = rule.bounds(date)
        if rule.due_at(start, zone_of(person)) <= now:
            due.add(person.pk)
    if not due:
        return set()
    covered = set(
        WorkReport.objects.filter(
            author_id__in=due, status__in=SENT_STATES, period_start__lte=date, period_end__gte=date
        ).values_list("author_id", flat=True)
    )
    return due - covered


def negative_reports(*, user_ids: Iterable[int], date: datetime.date) -> list[WorkReport]:
    """Reports rated negative that cover `date`, by author's name. One query."""
    ids = list({int(i) for i in user_ids})
    if not ids:
        return []
    return list(
        WorkReport.objects.filter(
            author_id__in=ids,
            status=ReportStatus.RATED,
            rating=Rating.NEGATIVE,
            period_start__lte=date,
            period_end__gte=date,
        )
        .select_related("author", "rated_by")
        .order_by("author__last_name", "author__first_name", "author_id", "period_start")
    )


def credited_share(*, user_ids: Iterable[int], start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """The share of credited days per person: their working days in [start, end] (from the day they joined)
    covered by a positively rated report, over those working days.

    {user_id: {"credited": n, "working_days": m, "share": percent (one decimal; 0.0 without working days)}}.
    Constant queries (the people, their schedules, the positive reports).
    """
    people = _people(user_ids)
    if not people or end < start:
        return {p.pk: {"credited": 0, "working_days": 0, "share": 0.0} for p in people}
    working = _working_days(people)
    covered: dict[int, set[datetime.date]] = {p.pk: set() for p in people}
    rows = WorkReport.objects.filter(
        author_id__in=[p.pk for p in people],
        status=ReportStatus.RATED,
        rating=Rating.POSITIVE,
        period_start__lte=end,
        period_end__gte=start,
    ).values_list("author_id", "period_start", "period_end")
    for author_id, first, last in rows:
        day = max(first, start)
        while day <= min(last, end):
            covered[author_id].add(day)
            day += datetime.timedelta(days=1)
    result = {}
    for person in people:
        first_day = max(start, _joined_on(person))
        days = [
            first_day + datetime.timedelta(days=i)
            for i in range((end - first_day).days + 1)
            if (first_day + datetime.timedelta(days=i)).weekday() in working[person.pk]
        ]
        credited = sum(1 for d in days if d in covered[person.pk])
        share = round(100.0 * credited / len(days), 1) if days else 0.0
        result[person.pk] = {"credited": credited, "working_days": len(days), "share": share}
    return result


# --- counters ----------------------------------------------------------------------------------------


def count_to_rate(user_ids: list[int]) -> dict[int, int]:
    """Counter "reports.to_rate": sent reports addressed to the person that wait for their rating
    (the same set as `reports_to_rate(user=..., direct_only=True)`). Two queries."""
    from portal.people.models import Department

    heads = dict(Department.objects.filter(head_id__in=list(user_ids)).values_list("head_id", "path"))
    if not heads:
        return {}
    rows = (
        WorkReport.objects.filter(status=ReportStatus.SENT, supervisor_id__in=list(heads))
        .exclude(author_id=F("supervisor_id"))
        .values_list("supervisor_id", "author__department__path")
    )
    counts: dict[int, int] = {}
    for supervisor_id, path in rows:
        if path and path.startswith(heads[supervisor_id]):
            counts[supervisor_id] = counts.get(supervisor_id, 0) + 1
    return counts


def _required_periods(person, rule: ReportRule, working: frozenset[int], now) -> list[tuple]:
    """The periods whose report the person owes by `now`: the current one once its due time has passed,
    and the latest earlier period that had a working day. Periods before they joined owe nothing."""
    zone = zone_of(person)
    today = timezone.localtime(now, zone).date()
    joined = _joined_on(person)

    def owes(start: datetime.date, end: datetime.date) -> bool:
        return any(
            (start + datetime.timedelta(days=i)).weekday() in working
            and start + datetime.timedelta(days=i) >= joined
            for i in range((end - start).days + 1)
        )

    required = []
    start, end = rule.bounds(today)
    if rule.due_at(start, zone) <= now and owes(start, end):
        required.append((start, end))
    day = start - datetime.timedelta(days=1)
    for _ in range(8):  # a week of days off at most, or two weeks of weekly periods
        if day < joined:
            break
        start, end = rule.bounds(day)
        if owes(start, end):
            required.append((start, end))
            break
        day = start - datetime.timedelta(days=1)
    return required


def count_my_unsent(user_ids: list[int], *, now=None) -> dict[int, int]:
    """Counter "reports.my_unsent": 1 when the person's report for the current period is not sent and its
    due time has passed, or the previous period's report is missing; 0 otherwise (and always 0 for people
    without a supervisor). Constant queries."""
    people = _people(user_ids)
    if not people:
        return {}
    now = _utc(now)
    rules = _rules_by_path()
    working = _working_days(people)
    supervised = _supervised_people(people)
    required: dict[int, list[tuple]] = {}
    for person in people:
        if person.pk not in supervised:
            continue
        rule = _rule_for_path(person.department.path if person.department_id else None, rules)
        periods = _required_periods(person, rule, working[person.pk], now)
        if periods:
            required[person.pk] = periods
    if not required:
        return {}
    first = min(s for periods in required.values() for s, _e in periods)
    last = max(e for periods in required.values() for _s, e in periods)
    sent: dict[int, list[tuple]] = {}
    rows = WorkReport.objects.filter(
        author_id__in=list(required), status__in=SENT_STATES, period_start__lte=last, period_end__gte=first
    ).values_list("author_id", "period_start", "period_end")
    for author_id, start, end in rows:
        sent.setdefault(author_id, []).append((start, end))
    result = {}
    for person_id, periods in required.items():
        have = sent.get(person_id, [])
        missing = any(not any(s <= start and e >= end for s, e in have) for start, end in periods)
        result[person_id] = 1 if missing else 0
    return result


def reports_unsent_boundary_passed(
    *, now=None, window: datetime.timedelta = datetime.timedelta(minutes=20)
) -> list[int]:
    """Active people for whom, within the last `window`, their report's due time passed or a new period
    began (so "reports.my_unsent" may have changed without anyone acting). Two queries."""
    from portal.people.models import User

    now = _utc(now)
    since = now - window
    rules = _rules_by_path()
    result = []
    people = User.objects.filter(is_active=True).values_list("pk", "time_zone", "department__path")
    for pk, zone_name, path in people.iterator(chunk_size=2000):
        zone = _zone(zone_name)
        rule = _rule_for_path(path, rules)
        today = timezone.localtime(now, zone).date()
        start, _end = rule.bounds(today)
        moments = (
            rule.due_at(start, zone),
            datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        )
        if any(since < moment <= now for moment in moments):
            result.append(pk)
    return result
