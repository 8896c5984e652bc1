"""Reports: the dashboard's signals in SQL. A company's dashboard ranks and counts thousands of people by
their red and amber cells but shows fifty of them; computing every cell of everybody in Python cost more
than everything else of the page. Here each built-in column and each stored-counter column says, as an SQL
expression over a person's row, whether its cell is red or amber, so one query ranks everybody (red cells,
amber cells, then the name) and the cells themselves are computed for the page's rows only.

What depends on a person's schedule, time zone and department (whether a day not started is late by now,
the hours the week asks for, whether the report of the last working day is due) is the same for everyone
sharing them: it is worked out in Python once per such group ("class": own schedule, department, time zone,
working hours, active) and handed to the query as conditions on those fields. The date a person joined,
which may shorten their week, is read in SQL in their own time zone. The meaning is that of the columns in
`control_columns` (tests compare both ways on the same data).

`signal_ranking` answers None when it cannot (a column registered by another app with only a `compute`,
or a database other than PostgreSQL): the dashboard then computes every cell as before. A column whose
`compute` says `never_signals = True` (its cells are never red or amber: the strategy's orphan work) adds
nothing to the ranking and does not stop it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import BoolOr
from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest

from ..choices import DayState, Rating, ReportStatus
from ..models import WorkDay, WorkReport, WorkSchedule
from .reports import SENT_STATES, _rule_for_path, _rules_by_path
from .reports import _zone as _report_zone
from .workday import (
    DEFAULT_ALLOWED_LATENESS,
    DEFAULT_BREAK_MINUTES,
    DEFAULT_WORKING_DAYS,
    ScheduleSpec,
    _ancestor_paths,
    work_calendar,
)
from .workday import _zone as _schedule_zone

__all__: list[str] = []

_ZERO = Value(0)
_ONE = Value(1)


class _Epoch(Func):
    """Seconds of an interval (a float)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class _Trunc(Func):
    """Towards zero, as Python's int() of a float."""

    function = "TRUNC"
    output_field = IntegerField()


class _LocalDate(Func):
    """The local date of an instant in a named time zone."""

    arg_joiner = " AT TIME ZONE "
    template = "((%(expressions)s))::date"
    output_field = DateField()


@dataclass(frozen=True)
class _Class:
    """People who share everything the signals depend on but the date they joined."""

    own: int | None
    department_id: int | None
    path: str | None
    time_zone: str
    work_start: Any
    work_end: Any
    is_active: bool


class _Sql:
    """A piece of SQL and its parameters, combined with & | ~ and + (the outer query of the ranking reads
    the facts of the inner one by name: Django would repeat each subquery wherever it is used)."""

    __slots__ = ("params", "text")

    def __init__(self, text: str, *params):
        self.text = text
        self.params = list(params)

    def __add__(self, other: _Sql) -> _Sql:
        return _Sql(self.text + other.text, *self.params, *other.params)

    def __and__(self, other: _Sql) -> _Sql:
        return _Sql(f"({self.text}) AND ({other.text})", *self.params, *other.params)

    def __or__(self, other: _Sql) -> _Sql:
        return _Sql(f"({self.text}) OR ({other.text})", *self.params, *other.params)

    def __invert__(self) -> _Sql:
        return _Sql(f"NOT COALESCE(({self.text}), FALSE)", *self.params)


def _class_table(classes: list[_Class], params: dict[str, dict[_Class, Any]]) -> _Sql:
    """The join of each person to their class's parameters: a VALUES list of the classes, each naming its
    set of parameters, and one of the (few) distinct sets. The conditions read a column instead of naming
    the class's departments, schedules and zones each time."""
    names = list(params)
    sets: dict[tuple, int] = {}
    rows = []
    values: list = []
    for c in classes:
        key = tuple(params[name].get(c, -1) for name in names)  # -1: no date of a report due
        index = sets.setdefault(key, len(sets))
        rows.append("(%s, %s, %s, %s, %s, %s, %s)")
        values += [
            c.own or 0,
            c.department_id or 0,
            c.time_zone,
            c.work_start,
            c.work_end,
            c.is_active,
            index,
        ]
    set_rows = []
    set_values: list = []
    for key, index in sets.items():
        set_rows.append("(" + ", ".join(["%s"] * (1 + len(names))) + ")")
        set_values += [index, *key]
    columns = ", ".join(["c_set", *names])
    return _Sql(
        f" LEFT JOIN (VALUES {', '.join(rows)})"
        " AS cls (c_own, c_department, c_zone, c_start, c_end, c_active, c_index)"
        " ON cls.c_own = COALESCE(p.sig_own, 0) AND cls.c_department = COALESCE(p.department_id, 0)"
        " AND cls.c_zone = p.time_zone AND cls.c_start = p.work_start AND cls.c_end = p.work_end"
        " AND cls.c_active = p.is_active",
        *values,
    ) + _Sql(
        f" LEFT JOIN (VALUES {', '.join(set_rows)}) AS prm ({columns}) ON prm.c_set = cls.c_index",
        *set_values,
    )


def _count_of(flags: list[_Sql]) -> _Sql:
    """How many of the conditions hold (a NULL one does not)."""
    total = _Sql("0")
    for flag in flags:
        total = total + _Sql(" + (CASE WHEN (") + flag + _Sql(") THEN 1 ELSE 0 END)")
    return total


def _specs(classes: list[_Class]) -> dict[_Class, ScheduleSpec]:
    """The schedule of each class, as `schedules_of_people` builds it (one query)."""
    paths: set[str] = set()
    for c in classes:
        if c.path:
            paths.update(_ancestor_paths(c.path))
    own_ids = sorted({c.own for c in classes if c.own is not None})
    fields = ("pk", "name", "working_days", "start", "end", "allowed_lateness", "break_minutes")
    rows = WorkSchedule.objects.filter(Q(pk__in=own_ids) | Q(department__path__in=sorted(paths)))
    by_pk: dict[int, dict] = {}
    by_path: dict[str, dict] = {}
    for row in rows.values(*fields, "department__path", "user_id"):
        by_pk[row["pk"]] = row
        if row["department__path"] and not row["user_id"]:
            by_path[row["department__path"]] = row
    shared: dict[tuple, ScheduleSpec] = {}
    result = {}
    company_calendar = work_calendar()  # holidays and moved working days, read once for every class
    for c in classes:
        row, source = (by_pk.get(c.own), "person") if c.own is not None else (None, "person")
        if row is None and c.path:
            row = next((by_path[p] for p in reversed(_ancestor_paths(c.path)) if p in by_path), None)
            source = "department"
        if row is None:
            key = ("default", c.work_start, c.work_end, c.time_zone)
            if key not in shared:
                shared[key] = ScheduleSpec(
                    working_days=DEFAULT_WORKING_DAYS,
                    start=c.work_start,
                    end=c.work_end,
                    allowed_lateness=DEFAULT_ALLOWED_LATENESS,
                    break_minutes=DEFAULT_BREAK_MINUTES,
                    time_zone=c.time_zone,
                    source="default",
                    calendar=company_calendar,
                )
        else:
            key = (source, row["pk"], c.time_zone)
            if key not in shared:
                shared[key] = ScheduleSpec(
                    working_days=tuple(sorted(int(d) for d in row["working_days"] or [])),
                    start=row["start"],
                    end=row["end"],
                    allowed_lateness=row["allowed_lateness"],
                    break_minutes=row["break_minutes"],
                    time_zone=c.time_zone,
                    source=source,
                    schedule_id=row["pk"],
                    name=row["name"],
                    calendar=company_calendar,
                )
        result[c] = shared[key]
    return result


def _joined_in(zones: dict[str, str]) -> Case:
    """The local date each person joined, in the zone `zones[their time_zone]` names."""
    whens = [
        When(time_zone=name, then=_LocalDate(F("date_joined"), Value(key))) for name, key in zones.items()
    ]
    return Case(*whens, default=Value(None), output_field=DateField())


def _running_seconds(now: datetime.datetime):
    """`day_running_seconds` of a WorkDay row, in SQL."""
    since_start = _Trunc(
        _Epoch(ExpressionWrapper(Value(now) - F("started_at"), output_field=DurationField()))
    )
    since_pause = _Trunc(
        _Epoch(ExpressionWrapper(Value(now) - F("pause_started_at"), output_field=DurationField()))
    )
    paused = F("paused_seconds") + Case(
        When(state=DayState.PAUSED, pause_started_at__isnull=False, then=Greatest(_ZERO, since_pause)),
        default=_ZERO,
        output_field=IntegerField(),
    )
    running = Greatest(_ZERO, since_start - paused)
    return Case(
        When(state=DayState.CLOSED, then=F("worked_seconds")), default=running, output_field=IntegerField()
    )


@dataclass
class SignalRanking:
    """Everybody's (pk, red, amber), signals first then by name; the schedules of each person's class."""

    entries: list[tuple[int, int, int]]
    owns: dict[int, int | None]
    specs: dict[_Class, ScheduleSpec]


def signal_ranking(columns, people_query, *, today: datetime.date, now: datetime.datetime, memo, viewer=None):
    """Everybody's red and amber cells in one query (plus the classes, their schedules and the report rules:
    constant queries). None when a column cannot say its signal in SQL. `memo(name, key, load)` shares the
    report rules with the columns of the page."""
    from portal.core.absences import absence_days, absence_until

    from .control_columns import _BUILTIN, _expected_seconds, _last_working_day

    if connections[people_query.db].vendor != "postgresql":
        return None
    builtin = set()
    counters = []
    counts = []
    for column in columns:
        if _BUILTIN.get(column.key) is column:
            builtin.add(column.key)
        elif getattr(column.compute, "counter_spec", None) is not None:
            counters.append(column.compute.counter_spec)
        elif getattr(column.compute, "count_spec", None) is not None:
            counts.append(column.compute.count_spec)
        elif getattr(column.compute, "never_signals", False):
            continue  # an informative column (its cells are never red or amber): nothing to rank by
        else:
            return None

    people = people_query.order_by().annotate(sig_own=F("work_schedule__pk"))
    everybody = people_query.order_by().values_list("pk", flat=True)  # for the absence providers
    week_start = today - datetime.timedelta(days=today.weekday())

    def away_this_week() -> dict:
        """Everybody's absences from Monday to today (core's; one read shared with the page's cells)."""
        return memo(
            "away_week_all",
            (week_start, today),
            lambda: absence_days(user_ids=everybody, start=week_start, end=today),
        )

    classes = [
        _Class(*row)
        for row in people.values_list(
            "sig_own", "department_id", "department__path", "time_zone", "work_start", "work_end", "is_active"
        )
        .annotate(n=Count("pk"))
        .values_list(
            "sig_own", "department_id", "department__path", "time_zone", "work_start", "work_end", "is_active"
        )
    ]
    if not classes:
        return SignalRanking(entries=[], owns={}, specs={})
    specs = _specs(classes)
    rules = memo("rules", None, _rules_by_path)
    zones = {c.time_zone: _schedule_zone(c.time_zone).key for c in classes}
    report_zones = {c.time_zone: _report_zone(c.time_zone).key for c in classes}
    facts: dict[str, Any] = {}  # per person, computed on their row
    joins: list[tuple[str, str, Any]] = []  # (the facts it gives, SQL over the join `d`, a per-person table)
    red: list[_Sql] = []
    amber: list[_Sql] = []
    among = RawSQL("SELECT id FROM p", ())  # the people, read once (the CTE `p`)
    params: dict[str, dict[_Class, Any]] = {}  # per class: what its schedule, zone and rules make of today

    if "workday" in builtin:
        day = (
            WorkDay.objects.filter(user_id__in=among, date=today)
            .values("user_id")
            .annotate(v=BoolOr("is_late"))
        )
        joins.append(("d.v AS sig_day_late", day.values_list("user_id", "v")))
        late: dict[ScheduleSpec, bool] = {}  # classes share a handful of schedules
        for spec in specs.values():
            if spec not in late:
                late[spec] = spec.is_working_day(today) and now > spec.late_after(today)
        params["c_late"] = {c: late[spec] for c, spec in specs.items()}
        not_started = _Sql("t.c_late AND t.sig_day_late IS NULL")
        # People away today (core's absences: the few the providers name, asked about everybody at once) have
        # no missing day; the page's cells read the same answer.
        week = away_this_week()
        away = memo("away_all", today, lambda: absence_until(user_ids=list(week), day=today, days=week))
        if away:
            not_started = not_started & _Sql(f"t.id NOT IN ({', '.join(['%s'] * len(away))})", *sorted(away))
        red.append(not_started)
        amber.append(_Sql("t.sig_day_late IS TRUE"))

    if "week_hours" in builtin:
        monday = today - datetime.timedelta(days=today.weekday())
        week = (
            WorkDay.objects.filter(user_id__in=among, date__gte=monday, date__lte=today)
            .values("user_id")
            .annotate(v=Sum(_running_seconds(now)))
        )
        joins.append(("COALESCE(d.v, 0) AS sig_week", week.values_list("user_id", "v")))
        facts["sig_joined"] = _joined_in(zones)
        days = [monday + datetime.timedelta(days=n) for n in range((today - monday).days + 1)]
        of_spec: dict[ScheduleSpec, tuple] = {}  # classes share a handful of schedules
        for spec in specs.values():
            if spec not in of_spec:
                of_spec[spec] = tuple(_expected_seconds(spec, first, today, now) for first in days)
        for n in range(len(days)):
            params[f"c_e{n}"] = {c: of_spec[spec][n] for c, spec in specs.items()}
        # As `_week_hours_cells`: the week from the day they joined when that was this week.
        # People away some day of this week: what their week asks for without those days, one by one (few).
        away_week = away_this_week()
        whens = _Sql("CASE")
        for pk, seconds in _expected_when_away(people, specs, away_week, monday, today, now):
            whens += _Sql(" WHEN t.id = %s THEN %s", pk, seconds)
        whens += _Sql(" WHEN t.sig_joined > %s THEN 0", today)
        for n, first in enumerate(days[1:], start=1):
            whens += _Sql(f" WHEN t.sig_joined = %s THEN t.c_e{n}", first)
        whens += _Sql(" ELSE t.c_e0 END")
        amber.append(_Sql("t.sig_week < (") + whens + _Sql(")"))

    if "last_report" in builtin:
        latest = (
            WorkReport.objects.filter(author_id__in=among, status__in=SENT_STATES)
            .order_by("author_id", "-period_start", "-sent_at", "-id")
            .distinct("author_id")
        )
        joins.append(("d.v AS sig_last_rating", latest.values_list("author_id", "rating")))
        facts["sig_joined_here"] = _joined_in(report_zones)
        by_date: dict[datetime.date, list[_Class]] = defaultdict(list)
        last_day: dict[ScheduleSpec, datetime.date | None] = {}
        due: dict[tuple, bool] = {}  # (rule, time zone, date): classes share a handful of them
        for c, spec in specs.items():
            if not c.is_active:
                continue
            if spec not in last_day:
                last_day[spec] = _last_working_day(spec, today)
            date = last_day[spec]
            if date is None or not spec.is_working_day(date):
                continue
            rule = _rule_for_path(c.path, rules)
            key = (rule, c.time_zone, date)
            if key not in due:
                start, _end = rule.bounds(date)
                due[key] = rule.due_at(start, _report_zone(c.time_zone)) <= now
            if due[key]:
                by_date[date].append(c)
        dates = sorted(by_date)
        params["c_report"] = {c: dates.index(d) for d, members in by_date.items() for c in members}
        condition = _Sql("t.sig_last_rating = %s", str(Rating.NEGATIVE))
        for n, date in enumerate(dates):
            name = f"sig_covered_{n}"
            covered = (
                WorkReport.objects.filter(
                    author_id__in=among,
                    status__in=SENT_STATES,
                    # a period is a day or a week: one covering `date` starts at most six days before it
                    period_start__gte=date - datetime.timedelta(days=6),
                    period_start__lte=date,
                    period_end__gte=date,
                )
                .values("author_id")
                .annotate(v=Count("pk"))
            )
            joins.append((f"d.v IS NOT NULL AS {name}", covered.values_list("author_id", "v")))
            joined = _Sql("(t.sig_joined_here <= %s OR t.sig_joined_here IS NULL)", date)
            condition = condition | (_Sql("t.c_report = %s", n) & joined & _Sql(f"NOT t.{name}"))
        red.append(condition)

    if "reports_waiting" in builtin:
        waiting = (
            WorkReport.objects.filter(author_id__in=among, status=ReportStatus.SENT)
            .values("author_id")
            .annotate(v=Count("pk"))
        )
        joins.append(("COALESCE(d.v, 0) AS sig_waiting", waiting.values_list("author_id", "v")))
        red.append(_Sql("t.sig_waiting > 2"))
        amber.append(_Sql("t.sig_waiting > 0 AND t.sig_waiting <= 2"))

    if counters:
        from portal.notifications.models import UserCounter

        keys = sorted({spec.key for spec in counters})
        values = {
            f"c{n}": Max(Case(When(key=key, then=F("value")), output_field=IntegerField()))
            for n, key in enumerate(keys)
        }
        table = (
            UserCounter.objects.filter(user_id__in=among, key__in=keys)
            .values("user_id")
            .annotate(**values)
            .values_list("user_id", *values)
        )
        joins.append((", ".join(f"COALESCE(d.c{n}, 0) AS sig_counter_{n}" for n in range(len(keys))), table))
        for spec in counters:
            name = f"sig_counter_{keys.index(spec.key)}"
            at_amber = _Sql(f"t.{name} >= %s", spec.amber_at)
            if spec.red_at is not None:
                at_red = _Sql(f"t.{name} >= %s", spec.red_at)
                red.append(at_red)
                amber.append(at_amber & ~at_red)
            else:
                amber.append(at_amber)

    for n, spec in enumerate(counts):
        # A viewer's count (`DashboardCount`): its one (person id, n) query joined like the tables above.
        name = f"sig_count_{n}"
        joins.append((f"COALESCE(d.v, 0) AS {name}", spec.count(among, viewer=viewer, today=today)))
        at_amber = _Sql(f"t.{name} >= %s", spec.amber_at)
        if spec.red_at is not None:
            at_red = _Sql(f"t.{name} >= %s", spec.red_at)
            red.append(at_red)
            amber.append(at_amber & ~at_red)
        else:
            amber.append(at_amber)

    fields = [
        "id",
        "last_name",
        "first_name",
        "sig_own",
        "department_id",
        "time_zone",
        "work_start",
        "work_end",
    ]
    inner = people.annotate(**facts).values(*fields, "is_active", *facts)
    inner_sql, inner_params = inner.query.sql_with_params()
    # Each fact is read once, for everybody at once (a join per table, not a subquery per person), and the
    # CTEs are MATERIALIZED: PostgreSQL would otherwise fold them in and compute a fact once per use.
    query = (
        _Sql("WITH p AS MATERIALIZED (")
        + _Sql(inner_sql, *inner_params)
        + _Sql("), t AS MATERIALIZED (SELECT p.*")
    )
    tables = _Sql("")
    for n, (columns_sql, table) in enumerate(joins):
        table_sql, table_params = table.query.sql_with_params()
        alias = f"d{n}"
        query += _Sql(", " + columns_sql.replace("d.", f"{alias}."))
        width = len(table.query.values_select) + len(table.query.annotation_select)
        names = "k, v" if width == 2 else ", ".join(["k"] + [f"c{i}" for i in range(width - 1)])
        tables += _Sql(f" LEFT JOIN ({table_sql}) AS {alias} ({names}) ON {alias}.k = p.id", *table_params)
    query += _Sql(", prm.*" if params else "") + _Sql(" FROM p") + tables
    if params:
        query += _class_table(classes, params)
    query += _Sql(") SELECT t.id, ")
    query += _count_of(red) + _Sql(" AS sig_red, ") + _count_of(amber)
    query += _Sql(
        ' AS sig_amber, t.sig_own FROM t ORDER BY sig_red DESC, sig_amber DESC, LOWER(t.last_name) COLLATE "C",'
        ' LOWER(t.first_name) COLLATE "C", t.id'
    )
    # (The planner's estimate of a company's ranking passes the JIT threshold: Lumen's connections run with
    # jit off, see DATABASES in the settings.)
    with connections[people_query.db].cursor() as cursor:
        cursor.execute(query.text, query.params)
        rows = cursor.fetchall()
    entries = []
    owns = {}
    for pk, row_red, row_amber, own_schedule in rows:
        entries.append((pk, row_red, row_amber))
        if own_schedule is not None:
            owns[pk] = own_schedule
    return SignalRanking(entries=entries, owns=owns, specs=specs)


def _expected_when_away(people, specs, away_week, monday, today, now) -> list[tuple[int, int]]:
    """(pk, seconds) the week asks of each person away some day of it (`_week_hours_cells`'s number: from
    the day they joined when that was this week, the absent days asking for nothing). One query, for those
    people only; none when nobody is away."""
    from .control_columns import _expected_seconds

    if not away_week:
        return []
    rows = people.filter(pk__in=sorted(away_week)).values_list(
        "pk",
        "sig_own",
        "department_id",
        "department__path",
        "time_zone",
        "work_start",
        "work_end",
        "is_active",
        "date_joined",
    )
    result = []
    for pk, *fields, joined_at in rows:
        spec = specs.get(_Class(*fields))
        if spec is None:
            continue
        first = monday
        if joined_at is not None:
            first = max(monday, joined_at.astimezone(spec.tzinfo).date())
        skip = frozenset(away_week.get(pk, ()))
        result.append((pk, _expected_seconds(spec, first, today, now, skip)))
    return result


def class_of(person, own: int | None) -> _Class:
    """The class of a person read by the dashboard (a `_Person`)."""
    return _Class(
        own,
        person.department_id,
        person.department.path if person.department is not None else None,
        person.time_zone,
        person.work_start,
        person.work_end,
        person.is_active,
    )
