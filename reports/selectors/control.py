"""Reports: control. The supervisor's dashboard (one row per person, one cell per column, red/amber/green),
the registry other apps extend it through, the "touch" checks and the measured control time.

Who controls whom: the head of a department controls the people of the sub-tree they head (directly: the
people whose supervisor they are, `portal.people.selectors.subordinates_of`; on the switch: the whole
sub-tree). HR (`reports.view_all`) and admins who head nothing see the company from the top: directly the
company's head and the people the head supervises directly, on the switch everyone.

Columns. `register_dashboard_column(key, label=..., compute=..., order=...)` adds a column; `compute(user_ids,
today) -> {user_id: Cell}` must cost a constant number of queries whatever the number of people. A column that
only shows a stored per-user counter (CRM, approvals...) needs no code: `register_dashboard_counter(key)` or the
setting `DASHBOARD_COUNTER_KEYS` (a list of counter keys) adds one. A dashboard is computed at one instant:
columns read it with `dashboard_now()` (so do tests that pin it).
"""

from __future__ import annotations

import contextvars
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.core.errors import NotAllowed
from portal.core.permissions import get_visible
from portal.core.registry import (
    ControlTouchKind,
    DashboardCell,
    DashboardColumn,
    DashboardCounter,
    registry,
)

from ..choices import DayState, Rating, ReportPeriod, ReportStatus, Signal
from ..models import ControlCheck, ControlTime, WorkDay, WorkReport, headed_path, sees_all
from .reports import SENT_STATES, last_reports, missing_reports, report_list, waiting_counts
from .workday import schedules_for, workday_local_date, workday_states, workday_today, worked_seconds

__all__ = [
    "CONTROL_BUDGET_SHARE",
    "TOUCH_WINDOW",
    "Cell",
    "Dashboard",
    "DashboardColumn",
    "DashboardCounter",
    "DashboardRow",
    "TouchKind",
    "can_control",
    "can_control_person",
    "control_people",
    "control_time_of",
    "control_time_summary",
    "dashboard",
    "dashboard_columns",
    "dashboard_counter_keys",
    "dashboard_now",
    "personal_overview",
    "register_dashboard_column",
    "register_dashboard_counter",
    "touch_candidates",
    "touch_kinds",
    "touch_get",
    "touch_item",
    "touch_list",
    "unregister_dashboard_column",
    "unregister_dashboard_counter",
]

# The share of the controlled people's working time a supervisor's control should cost at most.
CONTROL_BUDGET_SHARE = 0.05
# How far back "touch" control looks for an item to check.
TOUCH_WINDOW = datetime.timedelta(days=14)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _pk(value) -> int:
    return int(getattr(value, "pk", value))


# --- who controls whom -----------------------------------------------------------------------------------


def can_control(user) -> bool:
    """Heads of departments (for their sub-tree), HR and admins (for everyone) have the control pages."""
    return _active(user) and (headed_path(user) is not None or sees_all(user))


def can_control_person(user, person) -> bool:
    """Whether `user` controls `person`: the person is in the sub-tree `user` heads (HR and admins: anyone
    active but themselves)."""
    if not _active(user) or person is None or _pk(person) == user.pk:
        return False
    if sees_all(user):
        return bool(getattr(person, "is_active", True))
    from portal.people.selectors import supervises

    return supervises(user, person)


def control_people(*, user, subtree: bool = False):
    """The people on `user`'s dashboard (see the module docstring), as a User queryset (nobody for people
    who control nobody)."""
    from portal.people.models import Department, User
    from portal.people.selectors import subordinates_of

    if not _active(user):
        return User.objects.none()
    if headed_path(user) is not None:
        return subordinates_of(user, recursive=subtree)
    if not sees_all(user):
        return User.objects.none()
    everyone = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if subtree:
        return everyone
    root = Department.get_root_nodes().filter(head__is_active=True).select_related("head").first()
    if root is None:
        return everyone.filter(department__depth=1)
    direct = subordinates_of(root.head).values("pk")
    return everyone.filter(Q(pk=root.head_id) | Q(pk__in=direct))


# --- cells, columns and their registry -----------------------------------------------------------------


# The shapes live in core's registry (so an app registering a column needs nothing of reports).
Cell = DashboardCell
EMPTY_CELL = Cell()

ColumnCompute = Callable[[list[int], datetime.date], dict[int, Cell]]


def register_dashboard_column(
    key: str, *, label, compute: ColumnCompute, order: int = 100, help_text="", replace: bool = True
) -> DashboardColumn:
    """Add a column to every dashboard (`registry.dashboard_columns`). Registering a key again replaces it
    (ready() may run twice)."""
    if not key or not callable(compute):
        raise ValueError("A dashboard column needs a key and a callable compute(user_ids, today).")
    column = DashboardColumn(key=key, label=label, compute=compute, order=order, help_text=help_text)
    return registry.dashboard_columns.register(column, replace=replace)


def unregister_dashboard_column(key: str) -> None:
    registry.dashboard_columns.unregister(key)


def register_dashboard_counter(
    key: str,
    *,
    label=None,
    amber_at: int = 1,
    red_at: int | None = None,
    url: str | Callable[[int], str] | None = None,
    order: int = 200,
) -> DashboardCounter:
    """Show the stored counter `key` of each person as a column (amber from `amber_at`, red from `red_at`),
    in `registry.dashboard_counters`. The label defaults to the counter's own registered label."""
    if not key:
        raise ValueError("A dashboard counter needs its counter key.")
    spec = DashboardCounter(key=key, label=label, amber_at=amber_at, red_at=red_at, url=url, order=order)
    return registry.dashboard_counters.register(spec, replace=True)


def unregister_dashboard_counter(key: str) -> None:
    registry.dashboard_counters.unregister(key)


def _counter_specs() -> list[DashboardCounter]:
    """The registered counters, then those named only in the setting DASHBOARD_COUNTER_KEYS."""
    specs = {spec.key: spec for spec in registry.dashboard_counters}
    for index, key in enumerate(getattr(settings, "DASHBOARD_COUNTER_KEYS", ()) or ()):
        specs.setdefault(key, DashboardCounter(key=key, order=300 + index))
    return sorted(specs.values(), key=lambda s: (s.order, s.key))


def dashboard_counter_keys() -> list[str]:
    """The counter keys other apps put on the dashboard that the digests show too (not those an app
    registered with `in_digest=False`: it contributes a digest section of its own)."""
    return [spec.key for spec in _counter_specs() if spec.in_digest]


def dashboard_columns() -> list[DashboardColumn]:
    """Every column in display order: the built-in ones, registered ones and one per dashboard counter."""
    columns = dict(_BUILTIN)
    columns.update((column.key, column) for column in registry.dashboard_columns)
    for spec in _counter_specs():
        columns.setdefault(spec.column or f"counter:{spec.key}", _counter_column(spec))
    return sorted(columns.values(), key=lambda c: (c.order, c.key))


# --- the instant and the memo of one dashboard ---------------------------------------------------------

_RUN: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reports_dashboard_run", default=None)


def dashboard_now() -> datetime.datetime:
    """The instant the current dashboard is computed at (now, outside a dashboard)."""
    run = _RUN.get()
    return run["now"] if run else timezone.now()


def _memo(name: str, key, load: Callable[[], Any]):
    """Share a read between the columns of one dashboard (the schedules, the stored counters)."""
    run = _RUN.get()
    if run is None:
        return load()
    slot = run.setdefault(name, {})
    if key not in slot:
        slot[key] = load()
    return slot[key]


def _schedules(user_ids: list[int]) -> dict:
    return _memo("schedules", tuple(user_ids), lambda: schedules_for(user_ids))


def _stored_counters(user_ids: list[int], key: str) -> dict[int, int]:
    """{user_id: value} of one stored counter; inside a dashboard, every counter column's key is read in
    one query."""
    from portal.notifications.models import UserCounter

    def load(keys: list[str]) -> dict[str, dict[int, int]]:
        values: dict[str, dict[int, int]] = {k: {} for k in keys}
        rows = UserCounter.objects.filter(user_id__in=user_ids, key__in=keys).values_list(
            "user_id", "key", "value"
        )
        for user_id, k, value in rows:
            values[k][user_id] = value
        return values

    run = _RUN.get()
    if run is None or key not in run["counter_keys"]:
        return load([key])[key]
    return _memo("counters", tuple(user_ids), lambda: load(run["counter_keys"]))[key]


# --- the built-in columns --------------------------------------------------------------------------------


def _query(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f}"


def _local_time(moment: datetime.datetime, spec) -> str:
    zone = spec.tzinfo if spec is not None else timezone.get_current_timezone()
    return moment.astimezone(zone).strftime("%H:%M")


def _workday_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Today's working day: state and start; red when not started after schedule start + allowed lateness
    on a working day, amber when started late."""
    now = dashboard_now()
    days = workday_states(user_ids=user_ids, date=today)
    specs = _schedules(user_ids)
    base = reverse("reports:my_days")
    month = today.strftime("%Y-%m")
    cells = {}
    for user_id in user_ids:
        spec = specs.get(user_id)
        day = days.get(user_id)
        url = _query(base, person=user_id, month=month)
        if day is not None:
            text = f"{_local_time(day.started_at, spec)} · {DayState(day.state).label}"
            if day.is_late:
                cells[user_id] = Cell(day.state, Signal.AMBER, url, text, _("Started late"))
            else:
                cells[user_id] = Cell(day.state, Signal.GREEN, url, text)
            continue
        if spec is None or not spec.is_working_day(today):
            cells[user_id] = Cell("off", Signal.GREEN, url, _("Day off"))
        elif now > spec.late_after(today):
            hint = _("Not started; the day begins at %(time)s") % {"time": spec.start.strftime("%H:%M")}
            cells[user_id] = Cell("none", Signal.RED, url, _("Not started"), hint)
        elif now < spec.start_at(today):
            text = _("Starts at %(time)s") % {"time": spec.start.strftime("%H:%M")}
            cells[user_id] = Cell("none", Signal.GREEN, url, text)
        else:
            cells[user_id] = Cell(
                "none", Signal.GREEN, url, _("Not started yet"), _("Within the allowed lateness")
            )
    return cells


def _expected_seconds(spec, first: datetime.date, today: datetime.date, now: datetime.datetime) -> int:
    """The time a person's schedule asks for from `first` (Monday, or the day they joined) until now (a
    working day counts what is required for it not to be too short; today pro rata of its scheduled hours
    gone by)."""
    if first > today:
        return 0
    expected = 0
    date = first
    while date < today:
        if spec.is_working_day(date):
            expected += spec.required_seconds(date)
        date += datetime.timedelta(days=1)
    if spec.is_working_day(today):
        # Instants in UTC: two datetimes sharing a zone would subtract as wall times (wrong on DST days).
        start, end = (
            spec.start_at(today).astimezone(datetime.UTC),
            spec.end_at(today).astimezone(datetime.UTC),
        )
        span = (end - start).total_seconds()
        gone = min(max((now.astimezone(datetime.UTC) - start).total_seconds(), 0), span)
        if span > 0:
            expected += int(spec.required_seconds(today) * gone / span)
    return expected


def _joined_dates(user_ids: list[int], specs: dict) -> dict[int, datetime.date]:
    """The local date each person joined (inside a dashboard, from the people it has read: no query)."""
    run = _RUN.get()
    loaded = run.get("people") if run else None
    if loaded is not None:
        joined = {pk: loaded[pk].date_joined for pk in user_ids if pk in loaded}
    else:
        from portal.people.models import User

        joined = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "date_joined"))
    return {
        pk: moment.astimezone(specs[pk].tzinfo).date()
        for pk, moment in joined.items()
        if moment is not None and pk in specs
    }


def _week_hours_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Hours worked this week (Monday to today); amber when below what the schedule asks for by now (days
    before the person joined ask for nothing)."""
    now = dashboard_now()
    monday = today - datetime.timedelta(days=today.weekday())
    worked = worked_seconds(user_ids=user_ids, start_date=monday, end_date=today, now=now)
    specs = _schedules(user_ids)
    joined = _joined_dates(user_ids, specs)
    base = reverse("reports:my_days")
    month = today.strftime("%Y-%m")
    cells = {}
    for user_id in user_ids:
        seconds = int(worked.get(user_id, 0))
        spec = specs.get(user_id)
        first = max(monday, joined.get(user_id, monday))
        expected = _expected_seconds(spec, first, today, now) if spec is not None else 0
        url = _query(base, person=user_id, month=month)
        text = f"{_hours(seconds)} / {_hours(expected)} h" if expected else f"{_hours(seconds)} h"
        if seconds < expected:
            hint = _("Below the schedule: %(expected)s h expected by now") % {"expected": _hours(expected)}
            cells[user_id] = Cell(seconds, Signal.AMBER, url, text, hint)
        else:
            cells[user_id] = Cell(seconds, Signal.GREEN, url, text)
    return cells


def _last_working_day(spec, today: datetime.date) -> datetime.date | None:
    date = today - datetime.timedelta(days=1)
    for _step in range(7):
        if spec.is_working_day(date):
            return date
        date -= datetime.timedelta(days=1)
    return None


def _short_date(date: datetime.date) -> str:
    """A date as a dashboard cell shows it: "Fri 13 Nov" (localised)."""
    return date_format(date, "D j M")


def _period_text(report: WorkReport) -> str:
    if report.period == ReportPeriod.WEEK:
        return _("week of %(date)s") % {"date": _short_date(report.period_start)}
    return _short_date(report.period_start)


def _last_report_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """The last report received and its rating; red when the report of the last working day is missing
    (once it is due) or the last report is rated negative."""
    now = dashboard_now()
    last = last_reports(user_ids=user_ids)
    specs = _schedules(user_ids)
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for user_id in user_ids:
        spec = specs.get(user_id)
        date = _last_working_day(spec, today) if spec is not None else None
        if date is not None:
            by_date[date].append(user_id)
    missing: dict[int, datetime.date] = {}
    for date, ids in sorted(by_date.items()):  # one date for everyone sharing a schedule
        for user_id in missing_reports(user_ids=ids, date=date, now=now):
            missing[user_id] = date
    base = reverse("reports:report_list")
    cells = {}
    for user_id in user_ids:
        report = last.get(user_id)
        url = _query(base, author=user_id)
        if user_id in missing:
            text = _("Missing for %(date)s") % {"date": _short_date(missing[user_id])}
            cells[user_id] = Cell("missing", Signal.RED, url, text, _("No report for the last working day"))
        elif report is None:
            cells[user_id] = Cell(None, Signal.GREEN, url)
        elif report.status == ReportStatus.RATED and report.rating == Rating.NEGATIVE:
            text = f"{_period_text(report)} · {Rating(report.rating).label}"
            cells[user_id] = Cell(
                report.rating, Signal.RED, url, text, _("The last report is rated negative")
            )
        elif report.status == ReportStatus.RATED:
            text = f"{_period_text(report)} · {Rating(report.rating).label}"
            cells[user_id] = Cell(report.rating, Signal.GREEN, url, text)
        else:
            text = f"{_period_text(report)} · {_('not rated')}"
            cells[user_id] = Cell("sent", Signal.GREEN, url, text)
    return cells


def _waiting_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Reports sent and not yet rated: amber above 0, red above 2."""
    counts = waiting_counts(author_ids=user_ids)
    base = reverse("reports:report_list")
    cells = {}
    for user_id in user_ids:
        n = int(counts.get(user_id, 0))
        signal = Signal.RED if n > 2 else Signal.AMBER if n > 0 else Signal.GREEN
        cells[user_id] = Cell(n, signal, _query(base, author=user_id, status=ReportStatus.SENT))
    return cells


def _counter_url(spec: DashboardCounter, user_id: int) -> str:
    if callable(spec.url):
        return spec.url(user_id)
    return spec.url.format(user_id=user_id) if spec.url else ""


def _counter_column(spec: DashboardCounter) -> DashboardColumn:
    def compute(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
        values = _stored_counters(user_ids, spec.key)
        cells = {}
        for user_id in user_ids:
            n = int(values.get(user_id, 0))
            if spec.red_at is not None and n >= spec.red_at:
                signal = Signal.RED
            elif n >= spec.amber_at:
                signal = Signal.AMBER
            else:
                signal = Signal.GREEN
            cells[user_id] = Cell(n, signal, _counter_url(spec, user_id))
        return cells

    label = spec.label
    if label is None:
        from portal.notifications.counters import counter_definitions

        label = next((d.label for d in counter_definitions() if d.key == spec.key), spec.key)
    return DashboardColumn(
        key=spec.column or f"counter:{spec.key}",
        label=label,
        compute=compute,
        order=spec.order,
        help_text=spec.help_text,
    )


_BUILTIN: dict[str, DashboardColumn] = {
    column.key: column
    for column in (
        DashboardColumn(
            "workday",
            gettext_lazy("Today"),
            _workday_cells,
            10,
            gettext_lazy("Today's working day: when it started and its state"),
        ),
        DashboardColumn(
            "week_hours",
            gettext_lazy("This week"),
            _week_hours_cells,
            20,
            gettext_lazy("Hours worked since Monday / what the schedule asks for by now"),
        ),
        DashboardColumn(
            "last_report",
            gettext_lazy("Last report"),
            _last_report_cells,
            30,
            gettext_lazy("The last work report received and its rating"),
        ),
        DashboardColumn(
            "reports_waiting",
            gettext_lazy("To rate"),
            _waiting_cells,
            40,
            gettext_lazy("Reports sent and waiting for a rating"),
        ),
    )
}


# --- the dashboard ---------------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    person: Any
    cells: list[Cell]

    @property
    def red(self) -> int:
        return sum(1 for cell in self.cells if cell.signal == Signal.RED)

    @property
    def amber(self) -> int:
        return sum(1 for cell in self.cells if cell.signal == Signal.AMBER)

    @property
    def signals(self) -> int:
        return self.red + self.amber


@dataclass
class Dashboard:
    columns: list[DashboardColumn]
    rows: list[DashboardRow]
    today: datetime.date
    now: datetime.datetime
    subtree: bool = False
    people_count: int = 0
    red: int = 0
    amber: int = 0
    only_signals: bool = False

    @property
    def signals(self) -> int:
        return self.red + self.amber

    @property
    def is_fine(self) -> bool:
        return self.signals == 0

    @property
    def summary(self) -> str:
        if self.is_fine:
            return _("All is fine")
        return ngettext("%(n)d signal", "%(n)d signals", self.signals) % {"n": self.signals}


def _sort_name(person) -> tuple:
    return (person.last_name.lower(), person.first_name.lower(), person.pk)


def dashboard(
    *,
    user,
    subtree: bool = False,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    only_signals: bool = False,
) -> Dashboard:
    """The control dashboard of `user`: a row per person they control (directly, or the whole sub-tree),
    a cell per column, the red and amber counts and the summary. People with signals come first (red, then
    amber), then by name; `only_signals` leaves out the rows that are all green (the counts stay whole).

    A constant number of queries whatever the number of people: each column reads all of them at once.
    """
    if not can_control(user):
        raise NotAllowed(_("The dashboard is for those who supervise people."))
    now = now or timezone.now()
    today = today or workday_local_date(user, now)
    people = list(
        control_people(user=user, subtree=subtree)
        .select_related("department")
        .order_by("last_name", "first_name", "pk")
    )
    ids = [person.pk for person in people]
    columns = dashboard_columns()
    counter_keys = [spec.key for spec in _counter_specs()]
    token = _RUN.set(
        {
            "now": now,
            "counter_keys": list(dict.fromkeys(counter_keys)),
            "people": {person.pk: person for person in people},
        }
    )
    try:
        computed = [column.compute(ids, today) if ids else {} for column in columns]
    finally:
        _RUN.reset(token)
    rows = [
        DashboardRow(person=person, cells=[(values or {}).get(person.pk, EMPTY_CELL) for values in computed])
        for person in people
    ]
    red = sum(row.red for row in rows)
    amber = sum(row.amber for row in rows)
    rows.sort(key=lambda row: (-row.red, -row.amber, *_sort_name(row.person)))
    if only_signals:
        rows = [row for row in rows if row.signals]
    return Dashboard(
        columns=columns,
        rows=rows,
        today=today,
        now=now,
        subtree=subtree,
        people_count=len(people),
        red=red,
        amber=amber,
        only_signals=only_signals,
    )


# --- the personal overview -------------------------------------------------------------------------------


def personal_overview(*, user, now: datetime.datetime | None = None) -> dict:
    """What reports:home shows a person who controls nobody (and everyone on reports:overview): today's
    working day, their last reports and their own counters (those not zero). Three queries."""
    from portal.notifications.counters import counter_definitions, counters_get

    now = now or timezone.now()
    day = workday_today(user=user, now=now)
    reports = list(report_list(user=user).filter(author_id=user.pk).order_by("-period_start", "-id")[:5])
    values = counters_get(user)
    counters = [
        {"key": d.key, "label": d.label, "area": d.area, "value": values.get(d.key, 0)}
        for d in counter_definitions()
        if values.get(d.key, 0)
    ]
    return {
        "today": workday_local_date(user, now),
        "day": day,
        "reports": reports,
        "counters": counters,
    }


# --- touch control ---------------------------------------------------------------------------------------


def _describe_report(report: WorkReport) -> tuple[str, str]:
    text = _("Work report for %(period)s") % {"period": _period_text(report)}
    return text, reverse("reports:report_detail", args=[report.pk])


def _describe_day(day: WorkDay) -> tuple[str, str]:
    text = _("Working day of %(date)s") % {"date": _short_date(day.date)}
    return text, reverse("reports:day_detail", args=[day.pk])


TouchKind = ControlTouchKind

# Reports' own kinds; other apps add theirs to `registry.control_touch_kinds` (tasks: a closed task).
_OWN_TOUCH_KINDS = (
    ControlTouchKind(
        "report",
        gettext_lazy("A sent report"),
        lambda: WorkReport,
        "author_id",
        lambda since: Q(status__in=SENT_STATES, sent_at__gte=since),
        _describe_report,
        order=110,
    ),
    ControlTouchKind(
        "day",
        gettext_lazy("A working day"),
        lambda: WorkDay,
        "user_id",
        lambda since: Q(state=DayState.CLOSED, date__gte=since.date()),
        _describe_day,
        order=120,
    ),
)


def touch_kinds() -> dict[str, ControlTouchKind]:
    """{key: kind} of every kind "touch" control picks from, in order."""
    kinds = {kind.key: kind for kind in _OWN_TOUCH_KINDS}
    kinds.update((kind.key, kind) for kind in registry.control_touch_kinds)
    return dict(sorted(kinds.items(), key=lambda item: (item[1].order, item[0])))


def _touch_items(kind: TouchKind, *, supervisor, user_ids: Iterable[int], now: datetime.datetime) -> QuerySet:
    """Recent items of `kind` of these people that `supervisor` has not picked before."""
    from django.contrib.contenttypes.models import ContentType

    model = kind.model()
    picked = ControlCheck.objects.filter(
        supervisor_id=supervisor.pk,
        item_type=ContentType.objects.get_for_model(model),
        item_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        model._default_manager.filter(**{f"{kind.person_field}__in": list(user_ids)})
        .filter(kind.recent(now - TOUCH_WINDOW))
        .filter(~Exists(picked))
    )


def touch_candidates(*, supervisor, user_ids: Iterable[int], now=None) -> dict[str, set[int]]:
    """{kind: ids of the people who have an item of that kind to check}. One query per kind."""
    now = now or timezone.now()
    ids = [int(i) for i in user_ids]
    if not ids:
        return {key: set() for key in touch_kinds()}
    result = {}
    for key, kind in touch_kinds().items():
        qs = _touch_items(kind, supervisor=supervisor, user_ids=ids, now=now)
        result[key] = set(qs.order_by().values_list(kind.person_field, flat=True).distinct())
    return result


def touch_item(*, supervisor, kind: str, person_id: int, now=None):
    """A random item of `kind` of one person that `supervisor` has not checked yet (None if none)."""
    now = now or timezone.now()
    return (
        _touch_items(touch_kinds()[kind], supervisor=supervisor, user_ids=[int(person_id)], now=now)
        .order_by("?")
        .first()
    )


def touch_list(*, user) -> QuerySet[ControlCheck]:
    """The checks `user` may see (their own; HR and admins all), newest first."""
    return (
        ControlCheck.objects.visible_to(user)
        .select_related("supervisor", "subject", "subject__department", "item_type")
        .order_by("-picked_at", "-id")
    )


def touch_get(*, user, pk) -> ControlCheck:
    """One check `user` may see; hidden and missing alike answer 404."""
    return get_visible(touch_list(user=user), pk=pk)


# --- control time ----------------------------------------------------------------------------------------


def control_time_of(*, user, date: datetime.date) -> int:
    """Seconds `user` spent on control pages on `date` (their local date). One query."""
    if not _active(user):
        return 0
    seconds = ControlTime.objects.filter(supervisor_id=user.pk, date=date).values_list("seconds", flat=True)
    return int(seconds.first() or 0)


def control_time_summary(*, user, date: datetime.date | None = None, now=None) -> dict:
    """The control time of `user` on `date` against the budget: 5% of the working time of the people they
    control directly that day (the time worked so far; the scheduled time when nobody has worked yet).

    {"date", "seconds", "budget_seconds", "share" (control time in % of the controlled time),
    "budget_share" (5.0), "controlled_seconds", "basis" ("worked" | "scheduled"), "people",
    "over_budget", "minutes", "budget_minutes"}.
    """
    now = now or timezone.now()
    date = date or workday_local_date(user, now)
    seconds = control_time_of(user=user, date=date)
    ids = list(control_people(user=user).values_list("pk", flat=True)) if can_control(user) else []
    controlled = (
        sum(worked_seconds(user_ids=ids, start_date=date, end_date=date, now=now).values()) if ids else 0
    )
    basis = "worked"
    if not controlled and ids:
        basis = "scheduled"
        for spec in schedules_for(ids).values():
            if spec.is_working_day(date):
                controlled += max(0, spec.scheduled_seconds(date) - spec.break_minutes * 60)
    budget = round(controlled * CONTROL_BUDGET_SHARE)
    return {
        "date": date,
        "seconds": seconds,
        "budget_seconds": budget,
        "share": round(seconds * 100 / controlled, 1) if controlled else 0.0,
        "budget_share": round(CONTROL_BUDGET_SHARE * 100, 1),
        "controlled_seconds": controlled,
        "basis": basis,
        "people": len(ids),
        "over_budget": seconds > budget,
        "minutes": round(seconds / 60),
        "budget_minutes": round(budget / 60),
    }
