"""Reports: the dashboard's built-in columns (today's working day, the week's hours, the last report, the
reports waiting for a rating) and the column of a stored counter. Each computes the cells of all the people
at once, in a constant number of queries; the registry and the dashboard itself are in `control`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import replace
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.absences import Away, absence_days, absence_until
from portal.core.links import url_for_pk
from portal.core.registry import DashboardColumn, DashboardCount, DashboardCounter

from ..choices import DayState, Rating, ReportPeriod, ReportStatus, Signal
from ..models import WorkReport
from .control import _RUN, Cell, _memo, _schedules, _stored_counters, dashboard_now, dashboard_viewer
from .people_ids import PeopleIds, ids_lookup
from .report_numbers import last_report_states, missing_reports, waiting_counts
from .reports import _rules_by_path
from .workday import workday_states, worked_seconds

__all__: list[str] = []

# --- the built-in columns --------------------------------------------------------------------------------


def _prefix(url: str, **params) -> str:
    """`url?key=value&...&` : one encoded prefix per column, the person's id appended per cell (no
    `reverse()` or `urlencode()` per cell: thousands of them on a company's dashboard)."""
    return f"{url}?{urlencode(params)}&" if params else f"{url}?"


def _deferred(key: str, url_of) -> bool:
    """Inside a dashboard, leave the links of column `key`'s cells to be built for the rows of the page
    (`url_of(user_id)`); the cells can then be shared by everybody with the same content."""
    run = _RUN.get()
    if run is None or "deferred_urls" not in run:
        return False
    run["deferred_urls"][key] = url_of
    return True


def _deferred_detail(key: str, detail_of) -> bool:
    """Inside a dashboard, leave the detail links of column `key`'s cells to be built for the rows of the page
    (`detail_of(user_id, cell) -> url or ""`). Outside one (the API's single person), False: build them now."""
    run = _RUN.get()
    if run is None or "deferred_details" not in run:
        return False
    run["deferred_details"][key] = detail_of
    return True


def _reports_detail(user_id: int, date: datetime.date | None = None) -> str:
    """The fragment of a person's reports: those waiting for a rating, and the day whose report is missing."""
    url = url_for_pk("reports:control_reports", user_id)
    return f"{url}?date={date.isoformat()}" if date else url


def _workday_detail(user_id: int) -> str:
    """The fragment of a person's day and week against the schedule (with "Remind" on a day not started)."""
    return url_for_pk("reports:control_workday", user_id)


def _signal_detail(url_of):
    """`detail_of(user_id, cell)`: the fragment for the cells with a signal only."""
    return lambda user_id, cell: url_of(user_id) if cell.signal != Signal.GREEN else ""


def _with_details(cells: dict[int, Cell], url_of) -> dict[int, Cell]:
    """Outside a dashboard (nothing deferred): the detail of each cell with a signal, built now."""
    return {
        user_id: replace(cell, detail=url_of(user_id)) if cell.signal != Signal.GREEN else cell
        for user_id, cell in cells.items()
    }


def _cell_maker(shared: bool):
    """`make(value, signal, url, text, hint) -> Cell`; with `shared` (no links in the cells), one frozen
    Cell for each content: a company's dashboard builds thousands and most of them look alike."""
    if not shared:
        return Cell
    made: dict[tuple, Cell] = {}

    def make(value, signal, url="", text="", hint="") -> Cell:
        key = (value, signal, text, hint)
        cell = made.get(key)
        if cell is None:
            cell = made[key] = Cell(value, signal, url, text, hint)
        return cell

    return make


def _asked(user_ids):
    """The people to ask the absence providers about: a dashboard's `PeopleIds` as a query of their ids (the
    providers filter by it in the database instead of an IN list of thousands)."""
    if isinstance(user_ids, PeopleIds):
        from portal.people.models import User

        return User.objects.filter(pk__in=user_ids.query).values_list("pk", flat=True)
    return user_ids


def _away_today(user_ids, today: datetime.date) -> dict[int, Away]:
    """{user_id: Away} of the people away today (core's absences, read from the week's: one call shared by
    a dashboard's columns, or the one the SQL ranking made for everybody)."""
    run = _RUN.get()
    everybody = run.get("away_all", {}).get(today) if run else None
    if everybody is not None:
        return everybody
    week = _away_week(user_ids, today - datetime.timedelta(days=today.weekday()), today)
    return _memo(
        "away", (tuple(user_ids), today), lambda: absence_until(user_ids=list(week), day=today, days=week)
    )


def _away_week(user_ids, first: datetime.date, today: datetime.date) -> dict[int, dict[datetime.date, str]]:
    """{user_id: {date: label}} of the people's absences from `first` (Monday) to today (shared like
    `_away_today`)."""
    run = _RUN.get()
    everybody = run.get("away_week_all", {}).get((first, today)) if run else None
    if everybody is not None:
        return everybody
    return _memo(
        "away_week",
        (tuple(user_ids), first, today),
        lambda: absence_days(user_ids=_asked(user_ids), start=first, end=today),
    )


def absent_text(away: Away) -> str:
    """What the "Today" cell of a person away says: "Absent (Vacation) until 12 Jan"."""
    if away.label == _("Absent"):  # a private type, or a provider that does not say: no "Absent (Absent)"
        return _("Absent until %(date)s") % {"date": away.until}
    return _("Absent (%(label)s) until %(date)s") % {"label": away.label, "date": away.until}


def _hours(seconds: int) -> str:
    """Hours with one decimal in the reader's number format ("7.5" in English, "7,5" in Russian)."""
    return number_format(round(seconds / 3600, 1), decimal_pos=1)


def _local_time(moment: datetime.datetime, spec) -> str:
    zone = spec.tzinfo if spec is not None else timezone.get_current_timezone()
    return moment.astimezone(zone).strftime("%H:%M")


def _workday_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Today's working day: state and start; red when not started after schedule start + allowed lateness
    on a working day, amber when started late."""
    now = dashboard_now()
    days = workday_states(user_ids=user_ids, date=today)
    specs = _schedules(user_ids)
    away = _away_today(user_ids, today)
    month = f"&{urlencode({'month': today.strftime('%Y-%m')})}"
    base = _prefix(reverse("reports:my_days"))
    defer = _deferred("workday", lambda user_id: f"{base}person={user_id}{month}")
    defer = _deferred_detail("workday", _signal_detail(_workday_detail)) and defer
    make = _cell_maker(defer)
    # Translated once per dashboard, not per cell; people share a handful of schedules.
    started_late = _("Started late")
    labels = {state: str(state.label) for state in DayState}
    zones: dict[Any, Any] = {}
    not_started: dict[Any, tuple] = {}  # spec -> (value, signal, text, hint) of a day not started

    def not_started_cell(spec) -> tuple:
        if spec is None or not spec.is_working_day(today):
            return ("off", Signal.GREEN, _("Day off"), "")
        if now > spec.late_after(today):
            hint = _("Not started; the day begins at %(time)s") % {"time": spec.start.strftime("%H:%M")}
            return ("none", Signal.RED, _("Not started"), hint)
        if now < spec.start_at(today):
            text = _("Starts at %(time)s") % {"time": spec.start.strftime("%H:%M")}
            return ("none", Signal.GREEN, text, "")
        return ("none", Signal.GREEN, _("Not started yet"), _("Within the allowed lateness"))

    cells = {}
    for user_id in user_ids:
        spec = specs.get(user_id)
        day = days.get(user_id)
        url = "" if defer else f"{base}person={user_id}{month}"
        if day is not None:
            if spec not in zones:
                zones[spec] = spec.tzinfo if spec is not None else timezone.get_current_timezone()
            started = day.started_at.astimezone(zones[spec]).strftime("%H:%M")
            text = f"{started} · {labels.get(day.state) or DayState(day.state).label}"
            if day.is_late:
                cells[user_id] = make(day.state, Signal.AMBER, url, text, started_late)
            else:
                cells[user_id] = make(day.state, Signal.GREEN, url, text)
            continue
        if user_id in away:  # away today (vacation, sick leave...): not a missing day
            cells[user_id] = make("absent", Signal.GREEN, url, absent_text(away[user_id]))
            continue
        shape = not_started.get(spec)
        if shape is None:
            shape = not_started[spec] = not_started_cell(spec)
        value, signal, text, hint = shape
        cells[user_id] = make(value, signal, url, text, hint)
    return cells if defer else _with_details(cells, _workday_detail)


def _expected_seconds(
    spec, first: datetime.date, today: datetime.date, now: datetime.datetime, skip=frozenset()
) -> int:
    """The time a person's schedule asks for from `first` (Monday, or the day they joined) until now (a
    working day counts what is required for it not to be too short; today pro rata of its scheduled hours
    gone by). The dates in `skip` (the person's absences) ask for nothing."""
    if first > today:
        return 0
    expected = 0
    date = first
    while date < today:
        if spec.is_working_day(date) and date not in skip:
            expected += spec.required_seconds(date)
        date += datetime.timedelta(days=1)
    if spec.is_working_day(today) and today not in skip:
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


def _joined_dates(user_ids: list[int], specs: dict, since: datetime.date) -> dict[int, datetime.date]:
    """The local date each person joined, for those who may have joined after `since` (inside a dashboard,
    from the people it has read: no query)."""
    run = _RUN.get()
    loaded = run.get("people") if run else None
    if loaded is not None:
        # Whoever joined two days before `since` (in UTC) had joined by then in any time zone.
        long_ago = datetime.datetime.combine(
            since - datetime.timedelta(days=2), datetime.time.min, datetime.UTC
        )
        joined = {
            pk: loaded[pk].date_joined
            for pk in user_ids
            if pk in loaded and loaded[pk].date_joined is not None and loaded[pk].date_joined >= long_ago
        }
    else:
        from portal.people.models import User

        joined = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "date_joined"))
    zones: dict[Any, Any] = {}
    result = {}
    for pk, moment in joined.items():
        spec = specs.get(pk)
        if moment is None or spec is None:
            continue
        if spec not in zones:
            zones[spec] = spec.tzinfo
        result[pk] = moment.astimezone(zones[spec]).date()
    return result


def _week_hours_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Hours worked this week (Monday to today); amber when below what the schedule asks for by now (days
    before the person joined ask for nothing)."""
    now = dashboard_now()
    monday = today - datetime.timedelta(days=today.weekday())
    worked = worked_seconds(user_ids=user_ids, start_date=monday, end_date=today, now=now)
    specs = _schedules(user_ids)
    joined = _joined_dates(user_ids, specs, monday)
    away = _away_week(user_ids, monday, today)
    month = f"&{urlencode({'month': today.strftime('%Y-%m')})}"
    base = _prefix(reverse("reports:my_days"))
    defer = _deferred("week_hours", lambda user_id: f"{base}person={user_id}{month}")
    defer = _deferred_detail("week_hours", _signal_detail(_workday_detail)) and defer
    make = _cell_maker(defer)
    below = _("Below the schedule: %(expected)s h expected by now")
    # (spec, first day, absent days) -> seconds: people share a handful of schedules
    expected_of: dict[tuple, int] = {}
    hints: dict[int, str] = {}
    cells = {}
    for user_id in user_ids:
        seconds = int(worked.get(user_id, 0))
        spec = specs.get(user_id)
        expected = 0
        if spec is not None:
            first = max(monday, joined.get(user_id, monday))
            skip = frozenset(away.get(user_id, ()))
            key = (spec, first, skip)
            expected = expected_of.get(key)
            if expected is None:
                expected = expected_of[key] = _expected_seconds(spec, first, today, now, skip)
        url = "" if defer else f"{base}person={user_id}{month}"
        text = (
            _("%(hours)s / %(expected)s h") % {"hours": _hours(seconds), "expected": _hours(expected)}
            if expected
            else _("%(hours)s h") % {"hours": _hours(seconds)}
        )
        if seconds < expected:
            hint = hints.get(expected)
            if hint is None:
                hint = hints[expected] = below % {"expected": _hours(expected)}
            cells[user_id] = make(seconds, Signal.AMBER, url, text, hint)
        else:
            cells[user_id] = make(seconds, Signal.GREEN, url, text)
    return cells if defer else _with_details(cells, _workday_detail)


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
    last = last_report_states(user_ids=user_ids)
    specs = _schedules(user_ids)
    last_day: dict[Any, datetime.date | None] = {}  # people share a handful of schedules
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for user_id in user_ids:
        spec = specs.get(user_id)
        if spec is None:
            continue
        if spec not in last_day:
            last_day[spec] = _last_working_day(spec, today)
        date = last_day[spec]
        if date is not None:
            by_date[date].append(user_id)
    missing: dict[int, datetime.date] = {}
    run = _RUN.get()
    loaded = run.get("people") if run else None
    among = user_ids if isinstance(user_ids, PeopleIds) else None
    for date, ids in sorted(by_date.items()):  # one date for everyone sharing a schedule
        people = [loaded[pk] for pk in ids if pk in loaded] if loaded is not None else None
        found = missing_reports(
            user_ids=ids,
            date=date,
            now=now,
            people=people,
            schedules=specs,
            among=among,
            rules=_memo("rules", None, _rules_by_path),
        )
        for user_id in found:
            missing[user_id] = date
    base = _prefix(reverse("reports:report_list"))
    defer = _deferred("last_report", lambda user_id: f"{base}author={user_id}")

    def detail_of(user_id: int, cell) -> str:
        if cell.value == "missing":
            return _reports_detail(user_id, missing.get(user_id))
        return _reports_detail(user_id) if cell.signal != Signal.GREEN else ""

    defer = _deferred_detail("last_report", detail_of) and defer
    make = _cell_maker(defer)
    # Translated and formatted once per dashboard, not per cell.
    missing_for = _("Missing for %(date)s")
    missing_hint = _("No report for the last working day")
    negative_hint = _("The last report is rated negative")
    week_of = _("week of %(date)s")
    not_rated = _("not rated")
    ratings = {rating: str(rating.label) for rating in Rating}
    short_dates: dict[datetime.date, str] = {}

    def short(date: datetime.date) -> str:
        if date not in short_dates:
            short_dates[date] = _short_date(date)
        return short_dates[date]

    periods: dict[tuple, str] = {}

    def period_text(report) -> str:
        key = (report.period, report.period_start)
        if key not in periods:
            if report.period == ReportPeriod.WEEK:
                periods[key] = week_of % {"date": short(report.period_start)}
            else:
                periods[key] = short(report.period_start)
        return periods[key]

    missing_texts: dict[datetime.date, str] = {}
    cells = {}
    for user_id in user_ids:
        report = last.get(user_id)
        url = "" if defer else f"{base}author={user_id}"
        if user_id in missing:
            date = missing[user_id]
            text = missing_texts.get(date)
            if text is None:
                text = missing_texts[date] = missing_for % {"date": short(date)}
            cells[user_id] = make("missing", Signal.RED, url, text, missing_hint)
            if not defer:
                cells[user_id] = replace(cells[user_id], detail=_reports_detail(user_id, date))
        elif report is None:
            cells[user_id] = make(None, Signal.GREEN, url)
        elif report.status == ReportStatus.RATED:
            label = ratings.get(report.rating) or Rating(report.rating).label
            text = f"{period_text(report)} · {label}"
            if report.rating == Rating.NEGATIVE:
                cells[user_id] = make(report.rating, Signal.RED, url, text, negative_hint)
                if not defer:
                    cells[user_id] = replace(cells[user_id], detail=_reports_detail(user_id))
            else:
                cells[user_id] = make(report.rating, Signal.GREEN, url, text)
        else:
            cells[user_id] = make("sent", Signal.GREEN, url, f"{period_text(report)} · {not_rated}")
    return cells


def _waiting_cells(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
    """Reports sent and not yet rated: amber above 0, red above 2."""
    counts = waiting_counts(author_ids=user_ids)
    base = _prefix(reverse("reports:report_list"))
    status = f"&{urlencode({'status': ReportStatus.SENT})}"
    defer = _deferred("reports_waiting", lambda user_id: f"{base}author={user_id}{status}")
    defer = (
        _deferred_detail(
            "reports_waiting", lambda user_id, cell: _reports_detail(user_id) if cell.value else ""
        )
        and defer
    )
    make = _cell_maker(defer)
    cells = {}
    for user_id in user_ids:
        n = int(counts.get(user_id, 0))
        signal = Signal.RED if n > 2 else Signal.AMBER if n > 0 else Signal.GREEN
        cells[user_id] = make(n, signal, "" if defer else f"{base}author={user_id}{status}")
        if n and not defer:
            cells[user_id] = replace(cells[user_id], detail=_reports_detail(user_id))
    return cells


def _counter_url(spec: DashboardCounter, user_id: int) -> str:
    if callable(spec.url):
        return spec.url(user_id)
    return spec.url.format(user_id=user_id) if spec.url else ""


def _counter_column(spec: DashboardCounter) -> DashboardColumn:
    key = spec.column or f"counter:{spec.key}"

    def compute(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
        values = _stored_counters(user_ids, spec.key)
        run = _RUN.get()
        # Inside a dashboard the links are built for the rows of the page only (an app's url() may reverse).
        deferred = run is not None and "deferred_urls" in run and spec.url
        if deferred:
            run["deferred_urls"][key] = lambda user_id: _counter_url(spec, user_id)
        detail = getattr(spec, "detail", None)
        if detail is not None and not _deferred_detail(
            key, lambda user_id, cell: detail(user_id) if cell.value else ""
        ):
            deferred = False  # outside a dashboard: every cell is built in full
        shared = bool(deferred or not spec.url) and (detail is None or deferred)
        make = _cell_maker(shared)
        cells = {}
        for user_id in user_ids:
            n = int(values.get(user_id, 0))
            if spec.red_at is not None and n >= spec.red_at:
                signal = Signal.RED
            elif n >= spec.amber_at:
                signal = Signal.AMBER
            else:
                signal = Signal.GREEN
            cells[user_id] = make(n, signal, "" if shared else _counter_url(spec, user_id))
            if n and detail is not None and not shared:
                cells[user_id] = replace(cells[user_id], detail=detail(user_id))
        return cells

    compute.counter_spec = spec  # the SQL signals (`control_signals`) read a counter column's thresholds
    label = spec.label
    if label is None:
        from portal.notifications.counters import counter_definitions

        label = next((d.label for d in counter_definitions() if d.key == spec.key), spec.key)
    return DashboardColumn(
        key=key,
        label=label,
        compute=compute,
        order=spec.order,
        help_text=spec.help_text,
    )


def _count_column(spec: DashboardCount) -> DashboardColumn:
    """The column of a `DashboardCount`: its one query for the people asked, amber/red by its thresholds, the
    list and the detail fragment of each cell that counts something."""

    def compute(user_ids: list[int], today: datetime.date) -> dict[int, Cell]:
        viewer = dashboard_viewer()
        values = dict(spec.count(ids_lookup(user_ids), viewer=viewer, today=today)) if user_ids else {}
        run = _RUN.get()
        deferred = run is not None and "deferred_urls" in run
        if deferred:
            if spec.url is not None:
                run["deferred_urls"][spec.key] = spec.url
            if spec.detail is not None:
                run["deferred_details"][spec.key] = lambda user_id, cell: (
                    spec.detail(user_id) if cell.value else ""
                )
        make = _cell_maker(deferred)
        cells = {}
        for user_id in user_ids:
            n = int(values.get(user_id, 0) or 0)
            if spec.red_at is not None and n >= spec.red_at:
                signal = Signal.RED
            elif n >= spec.amber_at:
                signal = Signal.AMBER
            else:
                signal = Signal.GREEN
            if deferred:
                cells[user_id] = make(n, signal)
            else:
                cells[user_id] = Cell(
                    n,
                    signal,
                    spec.url(user_id) if spec.url is not None else "",
                    detail=spec.detail(user_id) if spec.detail is not None and n else "",
                )
        return cells

    compute.count_spec = spec  # the SQL signals (`control_signals`) join the count into the ranking
    return DashboardColumn(
        key=spec.key, label=spec.label, compute=compute, order=spec.order, help_text=spec.help_text
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
