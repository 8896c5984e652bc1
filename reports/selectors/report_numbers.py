"""Reports: the numbers other parts use (dashboard, digest, counters). The helpers take a list of people
(`last_reports`, `waiting_counts`, `missing_reports`, `negative_reports`, `credited_share`) whose ids the
caller has already limited to people the viewer may see; each costs a constant number of queries whatever
the number of ids. The counters ("reports.to_rate", "reports.my_unsent") and the sweep that finds whose
"my unsent" may have changed by the clock alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from ..choices import Rating, ReportStatus
from ..models import WorkReport
from .people_ids import PeopleIds, as_ids, ids_lookup
from .reports import (
    SENT_STATES,
    WEEKDAYS,
    ReportRule,
    _rule_for_path,
    _rules_by_path,
    _utc,
    _zone,
    zone_of,
)

__all__ = [
    "count_my_unsent",
    "count_to_rate",
    "credited_share",
    "last_report_states",
    "last_reports",
    "missing_reports",
    "negative_reports",
    "reports_unsent_boundary_passed",
    "waiting_counts",
]

# --- people helpers (constant queries for many ids) --------------------------------------------------


def _people(user_ids: Iterable[int]) -> list:
    """Active people with their departments, one query."""
    from portal.people.models import User

    ids = {int(i) for i in user_ids}
    if not ids:
        return []
    return list(User.objects.filter(pk__in=ids, is_active=True).select_related("department").order_by("pk"))


def _working_days(people: list, specs: dict | None = None) -> dict[int, frozenset[int]]:
    """Weekdays (0 = Monday) each person works: their schedule (`specs` when the caller has read them)
    when the workday part provides `schedules_for`, else Monday to Friday."""
    from . import workday

    schedules_for: Callable | None = getattr(workday, "schedules_for", None)
    if specs is None and (schedules_for is None or not people):
        return {p.pk: WEEKDAYS for p in people}
    if specs is None:
        specs = schedules_for(people) or {}
    result = {}
    sets: dict[tuple, frozenset[int]] = {}  # people share a handful of schedules
    for person in people:
        days = getattr(specs.get(person.pk), "working_days", None)
        if days is None:
            result[person.pk] = WEEKDAYS
            continue
        days = tuple(days)
        if days not in sets:
            sets[days] = frozenset(int(d) for d in days)
        result[person.pk] = sets[days]
    return result


def _works_on(date: datetime.date, weekdays: frozenset[int], calendar) -> bool:
    """Whether `date` is a working day of a person working on `weekdays`: the company calendar's word first
    (a public holiday is off, a moved working day on)."""
    found = calendar.get(date)
    return found[0] if found is not None else date.weekday() in weekdays


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


class ReportState(NamedTuple):
    """What the dashboard shows of a person's last report."""

    period: str
    period_start: datetime.date
    status: str
    rating: str


def last_report_states(*, user_ids: Iterable[int]) -> dict[int, ReportState]:
    """`last_reports` as light tuples (no model instances, no authors): {author_id: ReportState}. One
    query."""
    ids = as_ids(user_ids)
    if not ids:
        return {}
    latest = (
        WorkReport.objects.filter(author_id=OuterRef("author_id"), status__in=SENT_STATES)
        .order_by("-period_start", "-sent_at", "-id")
        .values("pk")[:1]
    )
    rows = (
        WorkReport.objects.filter(author_id__in=ids_lookup(ids), status__in=SENT_STATES)
        .filter(pk=Subquery(latest))
        .values_list("author_id", "period", "period_start", "status", "rating")
    )
    return {author_id: ReportState(*rest) for author_id, *rest in rows}


def waiting_counts(*, author_ids: Iterable[int]) -> dict[int, int]:
    """Sent reports not rated yet, per author (authors with none are left out). One query."""
    ids = as_ids(author_ids)
    if not ids:
        return {}
    rows = (
        WorkReport.objects.filter(author_id__in=ids_lookup(ids), status=ReportStatus.SENT)
        .order_by()
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", "n")
    )
    return dict(rows)


def missing_reports(
    *,
    user_ids: Iterable[int],
    date: datetime.date,
    now=None,
    people=None,
    schedules: dict | None = None,
    among: PeopleIds | None = None,
    rules: dict | None = None,
) -> set[int]:
    """People with no sent (or rated) report covering `date`, counting only those for whom `date` was a
    working day, who had joined by then, and whose report for it is already due (a weekly report is not
    missing on Tuesday). Constant queries. A caller that has read the people (with their departments) or
    their schedules already passes them (`people`, `schedules`: {user_id: ScheduleSpec}); one that drew
    `user_ids` from a larger `PeopleIds` passes it as `among` (the reports are then read for all of those,
    filtered by their query instead of a list of ids); `rules`, the report rules by department path when it
    has read them (`_rules_by_path`)."""
    if people is None:
        people = _people(user_ids)
    else:
        ids = {int(i) for i in user_ids}
        people = sorted((p for p in people if p.pk in ids and p.is_active), key=lambda p: p.pk)
    if not people:
        return set()
    now = _utc(now)
    if rules is None:
        rules = _rules_by_path()
    from .workday import work_calendar

    working = _working_days(people, schedules)
    calendar = work_calendar()
    # Whoever joined two days before `date` (in UTC) had joined by `date` in any time zone: no conversion.
    joined_long_ago = datetime.datetime.combine(
        date - datetime.timedelta(days=2), datetime.time.min, datetime.UTC
    )
    rule_of: dict[str | None, ReportRule] = {}
    due_of: dict[tuple, bool] = {}  # (rule, time zone) -> whether the report of `date` is due by now
    due = set()
    for person in people:
        if not _works_on(date, working[person.pk], calendar):
            continue
        if person.date_joined >= joined_long_ago and date < _joined_on(person):
            continue
        path = person.department.path if person.department_id else None
        rule = rule_of.get(path)
        if rule is None:
            rule = rule_of[path] = _rule_for_path(path, rules)
        key = (rule, getattr(person, "time_zone", None))
        if key not in due_of:
            start, _end = rule.bounds(date)
            due_of[key] = rule.due_at(start, zone_of(person)) <= now
        if due_of[key]:
            due.add(person.pk)
    if not due:
        return set()
    authors = ids_lookup(among) if among is not None else due
    covered = set(
        WorkReport.objects.filter(
            author_id__in=authors, status__in=SENT_STATES, period_start__lte=date, period_end__gte=date
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
    from .workday import work_calendar

    working = _working_days(people)
    calendar = work_calendar()
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
            if _works_on(first_day + datetime.timedelta(days=i), working[person.pk], calendar)
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


def _required_periods(person, rule: ReportRule, working: frozenset[int], now, calendar=None) -> list[tuple]:
    """The periods whose report the person owes by `now`: the current one once its due time has passed,
    and the latest earlier period that had a working day. Periods before they joined owe nothing."""
    zone = zone_of(person)
    today = timezone.localtime(now, zone).date()
    joined = _joined_on(person)

    if calendar is None:
        from .workday import work_calendar

        calendar = work_calendar()

    def owes(start: datetime.date, end: datetime.date) -> bool:
        return any(
            _works_on(start + datetime.timedelta(days=i), working, calendar)
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
    from .workday import work_calendar

    rules = _rules_by_path()
    working = _working_days(people)
    calendar = work_calendar()
    supervised = _supervised_people(people)
    required: dict[int, list[tuple]] = {}
    for person in people:
        if person.pk not in supervised:
            continue
        rule = _rule_for_path(person.department.path if person.department_id else None, rules)
        periods = _required_periods(person, rule, working[person.pk], now, calendar)
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
