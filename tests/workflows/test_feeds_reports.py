"""Holidays and absences in the reports app: schedules, timesheets, late starts, the control dashboard (its
"Today" and "This week" cells, in the SQL ranking and in Python alike), its workday fragment and the
digests. A fake company calendar and a fake absence provider are registered through core's registry; the
end-to-end test with real Holiday and Absence rows is in test_feeds_e2e.py.

Time: Wednesday 18 November 2026, 11:00 UTC (see tests/reports/control_support.py); everybody works Monday
to Friday, 9:00 to 18:00 UTC.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from portal.core.registry import AbsenceProvider, CalendarSource, registry
from reports import selectors, services
from reports.choices import Signal
from tests.reports.control_support import MONDAY, NOW, SATURDAY, TUESDAY, WEDNESDAY, at, staff, workday
from tests.utils import client_as

pytestmark = pytest.mark.django_db

__all__ = ["staff"]  # the fixture, imported

THURSDAY = WEDNESDAY + datetime.timedelta(days=1)
FRIDAY = WEDNESDAY + datetime.timedelta(days=2)
NOVEMBER = datetime.date(2026, 11, 1)


class Calendar:
    """A fake company calendar: {date: (working, name)}; counts its reads."""

    def __init__(self, days: dict):
        self.days = days
        self.reads = 0

    def __call__(self, *, start, end):
        self.reads += 1
        return {d: v for d, v in self.days.items() if start <= d <= end}

    def installed(self):
        return registry.calendar_sources.override(CalendarSource("feeds.fake", self), clear=True)


class Away:
    """A fake absence provider over {user_id: (start, end, label)}."""

    def __init__(self, table: dict):
        self.table = table

    def __call__(self, *, user_ids, start, end):
        answer = {}
        for user_id in user_ids:
            if user_id not in self.table:
                continue
            first, last, label = self.table[user_id]
            day = max(first, start)
            while day <= min(last, end):
                answer.setdefault(user_id, {})[day] = label
                day += datetime.timedelta(days=1)
        return answer

    def installed(self):
        return registry.absence_providers.override(AbsenceProvider("feeds.fake", self), clear=True)


def no_absences():
    return registry.absence_providers.override(clear=True)


def cell(board, person, key):
    index = [column.key for column in board.columns].index(key)
    row = next(row for row in board.rows if row.person.pk == person.pk)
    return row.cells[index]


# --- schedules ------------------------------------------------------------------------------------------


def test_a_holiday_is_no_working_day_and_a_moved_working_day_is_one_in_one_read(staff):
    calendar = Calendar({WEDNESDAY: (False, "Founders' day"), SATURDAY: (True, "Moved working day")})
    with calendar.installed():
        specs = selectors.schedules_for([staff.sales_rep, staff.east_rep, staff.developer])
        spec = specs[staff.sales_rep.pk]
        assert not spec.is_working_day(WEDNESDAY) and spec.holiday(WEDNESDAY) == "Founders' day"
        assert spec.is_working_day(SATURDAY) and spec.holiday(SATURDAY) == ""
        assert spec.is_working_day(TUESDAY) and not spec.is_working_day(SATURDAY + datetime.timedelta(days=1))
        for other in specs.values():
            assert not other.is_working_day(WEDNESDAY)
            other.is_working_day(datetime.date(2026, 12, 24))
    assert calendar.reads == 1  # every person and every day of the page: one read of the calendar


def test_a_start_on_a_holiday_is_not_late(staff):
    with Calendar({WEDNESDAY: (False, "Founders' day")}).installed():
        day = services.workday_start(actor=staff.sales_rep, now=at(WEDNESDAY, 11))
    assert not day.is_late
    with Calendar({}).installed():
        day = services.workday_start(actor=staff.east_rep, now=at(WEDNESDAY, 11))
    assert day.is_late


# --- timesheets ------------------------------------------------------------------------------------------


def test_the_timesheet_counts_holidays_out_and_moved_working_days_in(staff):
    person, viewer = staff.sales_rep, staff.sales_head
    with no_absences(), Calendar({}).installed():
        plain = selectors.timesheet_person(user=viewer, person=person, month=NOVEMBER, now=NOW)
    calendar = Calendar({MONDAY: (False, "Founders' day"), datetime.date(2026, 11, 14): (True, "Moved")})
    with no_absences(), calendar.installed():
        sheet = selectors.timesheet_person(user=viewer, person=person, month=NOVEMBER, now=NOW)
        department = selectors.timesheet_department(
            user=viewer, department=staff.sales.pk, month=NOVEMBER, now=NOW
        )
    assert calendar.reads == 2  # one read per page
    assert sheet.totals.working_days == plain.totals.working_days  # one day off, one day on
    monday = next(row for row in sheet.days if row.date == MONDAY)
    assert monday.holiday == "Founders' day" and not monday.is_working_day and not monday.missing
    saturday = next(row for row in sheet.days if row.date == datetime.date(2026, 11, 14))
    assert saturday.is_working_day and saturday.missing  # a working Saturday nobody worked
    assert sheet.totals.missing == plain.totals.missing  # Monday no longer missing, the Saturday is
    row = next(row for row in department if row.person.pk == person.pk)
    assert row.totals.working_days == sheet.totals.working_days


def test_the_timesheet_page_marks_the_holiday(staff):
    with Calendar({MONDAY: (False, "Founders' day")}).installed():
        html = client_as(staff.sales_head).get(
            reverse("reports:timesheet"), {"person": staff.sales_rep.pk, "month": "2026-11"}
        )
    assert html.status_code == 200
    page = html.content.decode()
    assert page.count('data-mark="holiday"') == 1 and "Founders&#x27; day" in page


# --- the control dashboard ---------------------------------------------------------------------------


@pytest.mark.parametrize("subtree", [False, True], ids=["python", "sql-ranking"])
def test_on_a_holiday_nobody_misses_the_day(staff, subtree):
    with no_absences(), Calendar({}).installed():
        board = selectors.dashboard(user=staff.sales_head, subtree=subtree, now=NOW)
    assert cell(board, staff.sales_rep, "workday").signal == Signal.RED  # not started, late by now
    calendar = Calendar({WEDNESDAY: (False, "Founders' day")})
    with no_absences(), calendar.installed():
        board = selectors.dashboard(user=staff.sales_head, subtree=subtree, now=NOW)
    today = cell(board, staff.sales_rep, "workday")
    assert (today.signal, today.value) == (Signal.GREEN, "off")
    assert calendar.reads == 1  # every column and schedule of the page
    for row in board.rows:
        assert row.red == sum(1 for c in row.cells if c.signal == Signal.RED)
        assert row.amber == sum(1 for c in row.cells if c.signal == Signal.AMBER)


@pytest.mark.parametrize("subtree", [False, True], ids=["python", "sql-ranking"])
def test_a_person_away_today_shows_absent_until_instead_of_a_missing_day(staff, subtree):
    rep = staff.sales_rep
    workday(staff.east_head, TUESDAY, (9, 0), (18, 0))
    workday(staff.east_head, WEDNESDAY, (9, 0))
    # sales_rep: away from Tuesday to Friday (worked nothing this week); east_head: away only on Monday.
    away = Away({rep.pk: (TUESDAY, FRIDAY, "Vacation"), staff.east_head.pk: (MONDAY, MONDAY, "Day off")})
    with translation.override("en"), Calendar({}).installed():
        with away.installed():
            board = selectors.dashboard(user=staff.sales_head, subtree=subtree, now=NOW)
        with no_absences():
            before = selectors.dashboard(user=staff.sales_head, subtree=subtree, now=NOW)
    today = cell(board, rep, "workday")
    assert (today.signal, today.value, today.text) == (
        Signal.GREEN,
        "absent",
        "Absent (Vacation) until 20 Nov",
    )
    assert cell(before, rep, "workday").signal == Signal.RED
    # This week asks of sales_rep what Monday asks (7 h 50 min; the days away ask nothing): amber as before.
    week = cell(board, rep, "week_hours")
    assert (week.signal, week.text) == (Signal.AMBER, "0.0 / 7.8 h")
    assert cell(before, rep, "week_hours").text == "0.0 / 17.4 h"  # Monday, Tuesday, Wednesday pro rata
    # east_head worked Tuesday and Wednesday: Monday away asks nothing, the week is not below the schedule.
    assert cell(board, staff.east_head, "week_hours").signal == Signal.GREEN
    assert cell(before, staff.east_head, "week_hours").signal == Signal.AMBER
    for row in board.rows:  # the ranking's counts are the cells' (SQL and Python agree)
        assert row.red == sum(1 for c in row.cells if c.signal == Signal.RED)
        assert row.amber == sum(1 for c in row.cells if c.signal == Signal.AMBER)
    if subtree:  # the SQL ranking did rank them (no column fell back to Python)
        from reports.selectors.control import _memo, control_people, dashboard_columns
        from reports.selectors.control_signals import signal_ranking

        people = control_people(user=staff.sales_head, subtree=True)
        with away.installed():
            ranking = signal_ranking(dashboard_columns(), people, today=WEDNESDAY, now=NOW, memo=_memo)
        assert ranking is not None


def test_the_workday_fragment_says_until_when_the_person_is_away(staff):
    away = Away({staff.sales_rep.pk: (TUESDAY, FRIDAY, "Vacation")})
    calendar = Calendar({MONDAY: (False, "Founders' day")})
    with away.installed(), calendar.installed():
        import time_machine

        with time_machine.travel(NOW, tick=False):
            html = (
                client_as(staff.sales_head)
                .get(reverse("reports:control_workday", args=[staff.sales_rep.pk]), HTTP_HX_REQUEST="true")
                .content.decode()
            )
    assert "Absent (Vacation) until 20 Nov" in html and "data-away" in html
    assert "Remind to start the day" not in html
    assert "data-holiday" in html and "Founders&#x27; day" in html


def test_the_workday_facts_ask_nothing_of_the_days_away(staff):
    with Away({staff.sales_rep.pk: (MONDAY, TUESDAY, "Sick leave")}).installed(), Calendar({}).installed():
        facts = selectors.control_workday(person=staff.sales_rep, now=NOW)
    assert facts.away is None and not facts.absent_today and facts.late  # back today, not started
    with no_absences(), Calendar({}).installed():
        full = selectors.control_workday(person=staff.sales_rep, now=NOW)
    required = 9 * 3600 - 70 * 60  # a day of the default schedule: 9 h less the break and the lateness
    assert full.expected_seconds - facts.expected_seconds == 2 * required  # Monday and Tuesday ask nothing


# --- the digests -----------------------------------------------------------------------------------------


def test_the_digest_skips_the_holiday_and_lists_who_is_away_until_when(staff):
    from reports.selectors import digest_display
    from tests.reports.factories import DigestFactory

    head, rep, east_rep = staff.sales_head, staff.sales_rep, staff.east_rep
    calendar = Calendar({TUESDAY: (False, "Founders' day")})  # yesterday: the previous working day is Monday
    away = Away({rep.pk: (MONDAY, THURSDAY, "Vacation"), east_rep.pk: (WEDNESDAY, FRIDAY, "Sick leave")})
    with away.installed(), calendar.installed():
        data = selectors.digest_supervisor_data(recipient=head, date=WEDNESDAY, now=NOW)
    assert calendar.reads == 1
    assert data["previous_day"] == MONDAY.isoformat()
    missing_reports = {item["person"]["id"] for item in data["missing_reports"]["items"]}
    missing_starts = {(item["person"]["id"], item["date"]) for item in data["missing_starts"]["items"]}
    assert rep.pk not in missing_reports  # away on Monday: owes no report for it
    assert staff.east_head.pk in missing_reports
    assert rep.pk not in {pk for pk, _date in missing_starts}
    assert (east_rep.pk, MONDAY.isoformat()) in missing_starts  # away from Wednesday only
    assert (east_rep.pk, WEDNESDAY.isoformat()) not in missing_starts
    assert (staff.east_head.pk, WEDNESDAY.isoformat()) in missing_starts
    assert data["away"] == {
        "total": 2,
        "items": [
            {"person": {"id": rep.pk, "name": rep.full_name}, "label": "Vacation", "until": "2026-11-19"},
            {"person": {"id": east_rep.pk, "name": east_rep.full_name}, "label": "Sick leave", "until": "2026-11-20"},
        ],
    }  # fmt: skip
    signals = data["signals"]
    digest = DigestFactory(recipient=head, date=WEDNESDAY, data=data, signals=signals)
    with translation.override("en"):
        section = next(s for s in digest_display.digest_sections(digest) if s.key == "away")
        assert section.info and section.level == "info" and section.total == 2
        assert [[c["text"] for c in row] for row in section.rows][0] == [
            rep.full_name,
            "Vacation",
            "Thu 19 Nov",
        ]
        html = client_as(head).get(reverse("reports:digest_detail", args=[digest.pk])).content.decode()
    assert "Away today" in html and "text-bg-info" in html
    with no_absences(), calendar.installed():
        assert selectors.digest_supervisor_data(recipient=head, date=WEDNESDAY, now=NOW)["signals"] > signals
