"""Shared pieces of the timesheet tests (tests/reports/test_timesheets_*.py): a hand-made March 2026 of a
person in Berlin (daylight saving starts on Sunday 29 March there) whose totals are worked out by hand.

March 2026 starts on a Sunday: its 22 working days (Monday to Friday) are the 2nd-6th, 9th-13th,
16th-20th, 23rd-27th, 30th and 31st.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from reports.choices import DayState
from reports.models import WorkDay
from reports.selectors import register_absence_provider, unregister_absence_provider
from tests.reports.factories import WorkDayFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory

UTC = datetime.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MARCH = datetime.date(2026, 3, 1)
# Well after March: every working day of the month is in the past.
AFTER_MARCH = datetime.datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


def at(tz, *args) -> datetime.datetime:
    """An aware instant given as local wall time in `tz`."""
    return datetime.datetime(*args, tzinfo=tz)


def set_zone(user, name: str):
    user.time_zone = name
    user.save(update_fields=["time_zone"])
    return user


def joined_long_ago(person):
    """Days before a person joined are never missing: the hand-made months are of people who joined in 2025."""
    person.date_joined = datetime.datetime(2025, 1, 1, tzinfo=UTC)
    person.save(update_fields=["date_joined"])
    return person


def lay_day(
    person,
    date: datetime.date,
    start: tuple[int, int],
    end: tuple[int, int, int] | tuple[int, int],
    *,
    tz=BERLIN,
    paused: int = 0,
    **flags,
) -> WorkDay:
    """A closed working day laid as data (the verdicts are given: the workday part computes them)."""
    started = datetime.datetime.combine(date, datetime.time(*start), tzinfo=tz)
    ended = datetime.datetime.combine(date, datetime.time(*end), tzinfo=tz)
    worked = int((ended.astimezone(UTC) - started.astimezone(UTC)).total_seconds()) - paused
    return WorkDayFactory(
        user=person,
        date=date,
        state=DayState.CLOSED,
        started_at=started,
        ended_at=ended,
        paused_seconds=paused,
        worked_seconds=worked,
        **flags,
    )


def log_time(person, start: datetime.datetime, end: datetime.datetime | None, *, task=None):
    """A task time entry of `person` (a running timer when `end` is None)."""
    task = task or TaskFactory(responsible=person, creator=person)
    # In UTC: two instants sharing one tzinfo subtract as wall times (wrong across a clock change).
    seconds = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()) if end else 0
    return TimeEntryFactory(task=task, user=person, started_at=start, ended_at=end, seconds=seconds)


# The hand-made month: {date: seconds worked}, and the expected totals.
BERLIN_DAYS_WORKED = {
    datetime.date(2026, 3, 2): 8 * 3600,  # 09:00-18:00, one hour of breaks
    datetime.date(2026, 3, 3): 8 * 3600,  # late: 09:30-18:30, one hour of breaks
    datetime.date(2026, 3, 4): 4 * 3600,  # short and early: 09:00-13:00
    datetime.date(2026, 3, 5): 15 * 3600 - 1,  # left open, closed automatically at 23:59:59
    datetime.date(2026, 3, 6): 7 * 3600,  # late: 10:00-18:00, one hour of breaks
    datetime.date(2026, 3, 7): 2 * 3600,  # Saturday: extra work
    datetime.date(2026, 3, 30): 8 * 3600 + 40 * 60,  # the first Monday of summer time: 09:20-18:00, late
}
BERLIN_TASK_SECONDS = {
    datetime.date(2026, 3, 1): 3600,  # the March hour of an entry from 28 Feb 23:00 to 1 Mar 01:00
    datetime.date(2026, 3, 2): 2 * 3600,
    datetime.date(2026, 3, 3): 3600,  # 23:00 to 01:00 local: one hour on each date (all of it the 3rd in UTC)
    datetime.date(2026, 3, 4): 3600,
    datetime.date(2026, 3, 29): 3 * 3600,  # 00:30 to 04:30 local on the night the clocks jump: 3 real hours
    datetime.date(2026, 3, 31): 30 * 60,  # the March half of 23:30 to 00:30 on the last night
}
BERLIN_TOTALS = {
    "working_days": 22,
    "days_worked": 7,
    "worked_seconds": sum(BERLIN_DAYS_WORKED.values()),
    "task_seconds": sum(BERLIN_TASK_SECONDS.values()),
    "late": 3,
    "early_end": 1,
    "short": 1,
    "auto_closed": 1,
    "to_confirm": 1,
    "absences": 2,  # the 9th and 10th; the 14th is a Saturday
    "missing": 22 - 6 - 2,  # working days neither worked nor absent
}


def lay_berlin_march(person):
    """Lay the hand-made March of `person` (set to Europe/Berlin). The day of the 30th goes through the
    workday services, so the late verdict of the first day of summer time is the real one."""
    from reports import services

    set_zone(person, "Europe/Berlin")
    joined_long_ago(person)
    d = datetime.date
    lay_day(person, d(2026, 3, 2), (9, 0), (18, 0), paused=3600)
    lay_day(person, d(2026, 3, 3), (9, 30), (18, 30), paused=3600, is_late=True)
    lay_day(person, d(2026, 3, 4), (9, 0), (13, 0), is_short=True, is_early_end=True)
    lay_day(person, d(2026, 3, 5), (9, 0), (23, 59, 59), auto_closed=True, needs_confirmation=True)
    lay_day(person, d(2026, 3, 6), (10, 0), (18, 0), paused=3600, is_late=True)
    lay_day(person, d(2026, 3, 7), (10, 0), (12, 0))
    services.workday_start(actor=person, now=at(BERLIN, 2026, 3, 30, 9, 20))
    services.workday_end(actor=person, now=at(BERLIN, 2026, 3, 30, 18, 0))

    task = TaskFactory(responsible=person, creator=person)
    log_time(person, at(BERLIN, 2026, 2, 28, 23, 0), at(BERLIN, 2026, 3, 1, 1, 0), task=task)
    log_time(person, at(BERLIN, 2026, 3, 2, 10, 0), at(BERLIN, 2026, 3, 2, 12, 0), task=task)
    log_time(person, at(BERLIN, 2026, 3, 3, 23, 0), at(BERLIN, 2026, 3, 4, 1, 0), task=task)
    log_time(person, at(BERLIN, 2026, 3, 29, 0, 30), at(BERLIN, 2026, 3, 29, 4, 30), task=task)
    log_time(person, at(BERLIN, 2026, 3, 31, 23, 30), at(BERLIN, 2026, 4, 1, 0, 30), task=task)
    # Outside the month: February and April.
    log_time(person, at(BERLIN, 2026, 2, 20, 10, 0), at(BERLIN, 2026, 2, 20, 12, 0), task=task)
    log_time(person, at(BERLIN, 2026, 4, 1, 9, 0), at(BERLIN, 2026, 4, 1, 11, 0), task=task)


def vacation_provider(*, user_ids, start, end):
    """An absence chart stand-in: everybody is on vacation on 9, 10 and 14 March 2026."""
    dates = [datetime.date(2026, 3, 9), datetime.date(2026, 3, 10), datetime.date(2026, 3, 14)]
    return {uid: {d: "Vacation" for d in dates if start <= d <= end} for uid in user_ids}


@pytest.fixture(name="vacations")
def vacations_fixture():
    """Import it into a test module to use the `vacations` fixture (an absence provider for March 2026)."""
    register_absence_provider(vacation_provider)
    yield vacation_provider
    unregister_absence_provider(vacation_provider)
