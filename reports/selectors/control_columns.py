"""Reports: the dashboard's built-in columns (today's working day, the week's hours, the last report, the
reports waiting for a rating) and the column of a stored counter. Each computes the cells of all the people
at once, in a constant number of queries; the registry and the dashboard itself are in `control`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.registry import DashboardColumn, DashboardCounter

from ..choices import DayState, Rating, ReportPeriod, ReportStatus, Signal
from ..models import WorkReport
from .control import _RUN, Cell, _schedules, _stored_counters, dashboard_now
from .report_numbers import last_reports, missing_reports, waiting_counts
from .workday import workday_states, worked_seconds

__all__: list[str] = []

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
