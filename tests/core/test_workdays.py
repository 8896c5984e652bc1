"""Working days with the company calendar (portal.core.workdays), on a calendar source registered here."""

from __future__ import annotations

import datetime

from portal.core import workdays
from portal.core.registry import CalendarSource, registry

D = datetime.date
NEW_YEAR = {
    D(2027, 1, 1): (False, "New Year"),
    D(2027, 1, 4): (False, "Holiday"),
    D(2027, 1, 9): (True, "Moved"),
}


def _source(*, start, end):
    return {day: value for day, value in NEW_YEAR.items() if start <= day <= end}


def _calendar():
    return registry.calendar_sources.override(CalendarSource(key="test", func=_source), clear=True)


def test_without_a_calendar_the_week_is_monday_to_friday():
    with registry.calendar_sources.override(clear=True):
        assert workdays.is_working_day(D(2027, 1, 1))  # a Friday
        assert not workdays.is_working_day(D(2027, 1, 2))  # a Saturday
        assert workdays.add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)


def test_holidays_are_skipped_and_moved_working_days_count():
    with _calendar():
        assert not workdays.is_working_day(D(2027, 1, 1))
        assert workdays.is_working_day(D(2027, 1, 9))  # a Saturday worked
        # Thu 31 Dec + 1 working day: Fri 1 Jan is a holiday, the weekend, Mon 4 Jan a holiday -> Tue 5 Jan.
        assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 5)
        days = workdays.working_days_between(D(2027, 1, 1), D(2027, 1, 10))
        assert days == [D(2027, 1, 5), D(2027, 1, 6), D(2027, 1, 7), D(2027, 1, 8), D(2027, 1, 9)]
        assert workdays.holidays_between(D(2026, 12, 1), D(2027, 1, 31)) == {
            D(2027, 1, 1): "New Year",
            D(2027, 1, 4): "Holiday",
        }


def test_datetimes_keep_their_time_and_zero_is_no_move():
    moment = datetime.datetime(2026, 12, 31, 15, 30, tzinfo=datetime.UTC)
    with _calendar():
        assert workdays.add_working_days(moment, 1) == datetime.datetime(
            2027, 1, 5, 15, 30, tzinfo=datetime.UTC
        )
        assert workdays.add_working_days(moment, 0) == moment


def test_a_schedule_with_other_weekdays():
    with registry.calendar_sources.override(clear=True):
        # Working Saturday and Sunday only.
        assert workdays.add_working_days(D(2027, 1, 4), 1, weekdays=(5, 6)) == D(2027, 1, 9)
