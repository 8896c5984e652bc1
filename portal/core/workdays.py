"""Working days: the week's working days (Monday to Friday unless a schedule says otherwise) corrected by the
company calendar (public holidays off, moved working days on), which an app registers in
`registry.calendar_sources` (the workflows app's holiday calendar).

Every count of working days goes through here: approval deadlines, task deadlines, timesheets and the
expected working days of a schedule. One query per source for any range; `calendar_days` is cached per
range for the request-free callers (jobs) by the caller, not here, so a change of the calendar shows at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from .registry import registry

WORK_WEEK = (0, 1, 2, 3, 4)  # Monday..Friday, as date.weekday() numbers them
MAX_SPAN_DAYS = 3660


def calendar_days(start: datetime.date, end: datetime.date) -> dict[datetime.date, tuple[bool, str]]:
    """{date: (working, name)} of the calendar's exceptions from `start` to `end` (inclusive). A later source
    in the registry's order wins a date two sources name."""
    result: dict[datetime.date, tuple[bool, str]] = {}
    if end < start:
        return result
    for source in registry.calendar_sources.items():
        for date, value in (source.func(start=start, end=end) or {}).items():
            if start <= date <= end:
                working, name = value
                result[date] = (bool(working), str(name or ""))
    return result


def is_working_day(
    date: datetime.date,
    *,
    weekdays: Iterable[int] = WORK_WEEK,
    calendar: dict[datetime.date, tuple[bool, str]] | None = None,
) -> bool:
    """Whether `date` is a working day for a schedule working on `weekdays`: the calendar's word first."""
    if calendar is None:
        calendar = calendar_days(date, date)
    if date in calendar:
        return calendar[date][0]
    return date.weekday() in set(weekdays)


def working_days_between(
    start: datetime.date, end: datetime.date, *, weekdays: Iterable[int] = WORK_WEEK
) -> list[datetime.date]:
    """The working days from `start` to `end` (inclusive), in order."""
    if end < start:
        return []
    calendar = calendar_days(start, end)
    days = set(weekdays)
    out = []
    day = start
    while day <= end:
        if is_working_day(day, weekdays=days, calendar=calendar):
            out.append(day)
        day += datetime.timedelta(days=1)
    return out


def add_working_days(
    moment: datetime.datetime | datetime.date, count: int, *, weekdays: Iterable[int] = WORK_WEEK
) -> datetime.datetime | datetime.date:
    """`moment` moved on by `count` working days (the time of day kept): the deadline "N working days after".
    A start on a day off counts from the next working day's same time. Zero returns `moment`."""
    if count <= 0:
        return moment
    is_datetime = isinstance(moment, datetime.datetime)
    day = moment.date() if is_datetime else moment
    # Enough room for long holidays: a working day at least every 3 calendar days, plus a margin.
    horizon = day + datetime.timedelta(days=min(count * 3 + 30, MAX_SPAN_DAYS))
    calendar = calendar_days(day, horizon)
    days = set(weekdays)
    left = count
    while left > 0:
        day += datetime.timedelta(days=1)
        if day > horizon:  # a calendar with almost no working days: extend once more
            horizon = day + datetime.timedelta(days=count * 3 + 30)
            calendar.update(calendar_days(day, horizon))
        if is_working_day(day, weekdays=days, calendar=calendar):
            left -= 1
    if is_datetime:
        return moment.replace(year=day.year, month=day.month, day=day.day)
    return day


def holidays_between(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """{date: name} of the public holidays (days off by the calendar) from `start` to `end`."""
    return {date: name for date, (working, name) in calendar_days(start, end).items() if not working}
