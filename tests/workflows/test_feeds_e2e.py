"""End to end with the real workflows rows: Holiday and Absence reach the timesheet, the control dashboard, the
directory and the profile through core's calendar and absence registries (the workflows app's own
registrations); the directory's and the dashboard's queries do not grow with the people away.

Time: Wednesday 18 November 2026, 11:00 UTC (a public holiday on Monday 16).
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reports import selectors
from reports.choices import Signal
from tests.people.factories import UserFactory
from tests.reports.control_support import MONDAY, NOW, TUESDAY, WEDNESDAY, staff, workday
from tests.utils import assert_query_budget, client_as
from tests.workflows.factories import AbsenceFactory, AbsenceTypeFactory, HolidayFactory

pytestmark = pytest.mark.django_db

__all__ = ["staff"]  # the fixture, imported

FRIDAY = WEDNESDAY + datetime.timedelta(days=2)


@pytest.fixture
def calendar(staff):
    """Monday 16 November is a public holiday; Saturday 14 a moved working day."""
    HolidayFactory(date=MONDAY, name="Founders' day", kind="holiday")
    HolidayFactory(date=datetime.date(2026, 11, 14), name="Moved working day", kind="workday")
    return staff


def vacation():
    return AbsenceTypeFactory(key="vacation", name="Vacation", counts_allowance=True)


def sick():
    return AbsenceTypeFactory(key="sick", name="Sick leave", private=True)


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def cell(board, person, key):
    index = [column.key for column in board.columns].index(key)
    return next(row for row in board.rows if row.person.pk == person.pk).cells[index]


def test_holidays_and_absences_reach_every_page(calendar, pinned):
    org = calendar
    AbsenceFactory(user=org.sales_rep, type=vacation(), start=TUESDAY, end=FRIDAY)
    AbsenceFactory(user=org.east_rep, type=sick(), start=WEDNESDAY, end=WEDNESDAY, comment="flu")
    workday(org.east_head, TUESDAY, (9, 0), (18, 0))
    workday(org.east_head, WEDNESDAY, (9, 0))  # 11 h by now; the week would ask 17.4 h without the holiday

    # The control dashboard: absent instead of a missing day, in both of its ways of ranking.
    for subtree in (False, True):
        board = selectors.dashboard(user=org.sales_head, subtree=subtree, now=NOW)
        today = cell(board, org.sales_rep, "workday")
        assert (today.signal, today.text) == (Signal.GREEN, "Absent (Vacation) until 20 Nov")
        # Monday is a holiday, Tuesday and Wednesday away: the week asks nothing of sales_rep.
        week = cell(board, org.sales_rep, "week_hours")
        assert (week.signal, week.text) == (Signal.GREEN, "0.0 h")
        # east_head worked Tuesday: the holiday Monday asks nothing, so the week is not below the schedule.
        assert cell(board, org.east_head, "week_hours").signal == Signal.GREEN
    east_rep = cell(board, org.east_rep, "workday")
    assert east_rep.text == "Absent until 18 Nov"  # a private type says only "absent"

    # The timesheet: the holiday marked and not a working day; the absence in its column.
    sheet = selectors.timesheet_person(user=org.sales_head, person=org.sales_rep, month="2026-11", now=NOW)
    monday, tuesday = (next(row for row in sheet.days if row.date == d) for d in (MONDAY, TUESDAY))
    assert monday.holiday == "Founders' day" and not monday.is_working_day and not monday.missing
    assert tuesday.absence == "Vacation" and not tuesday.missing
    page = client_as(org.sales_head).get(
        reverse("reports:timesheet"), {"person": org.sales_rep.pk, "month": "2026-11"}
    )
    assert 'data-mark="holiday"' in page.content.decode()

    # The directory and the profile.
    html = client_as(org.developer).get(reverse("people:directory")).content.decode()
    assert "Vacation until 20 Nov" in html and "Absent until 18 Nov" in html and "Sick leave" not in html
    profile = (
        client_as(org.developer).get(reverse("people:profile", args=[org.sales_rep.pk])).content.decode()
    )
    assert 'id="profile-away"' in profile and "Vacation until 20 Nov" in profile

    # The task form's warning, the digest's list of who is away.
    warning = client_as(org.sales_head).get(
        reverse("tasks:responsible_away"), {"responsible": org.sales_rep.pk, "deadline": "2026-11-19T10:00"}
    )
    assert "is away (vacation) until 20 Nov" in " ".join(warning.content.decode().split())
    data = selectors.digest_supervisor_data(recipient=org.sales_head, date=WEDNESDAY, now=NOW)
    assert {item["person"]["id"]: item["until"] for item in data["away"]["items"]} == {
        org.sales_rep.pk: "2026-11-20",
        org.east_rep.pk: "2026-11-18",
    }
    assert data["previous_day"] == TUESDAY.isoformat()


def _grow(department, n, kind):
    """`n` more people in `department`, each away this week (a vacation of two weeks around today)."""
    for _i in range(n):
        person = UserFactory(
            department=department, date_joined=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        )
        AbsenceFactory(user=person, type=kind, start=TUESDAY, end=WEDNESDAY + datetime.timedelta(days=9))


@pytest.mark.parametrize("subtree", [False, True], ids=["python", "sql-ranking"])
def test_the_dashboard_queries_do_not_grow_with_the_people_away(calendar, subtree):
    org = calendar
    kind = vacation()
    department = org.sales if not subtree else org.field  # direct reports, or deep in the sub-tree
    _grow(department, 3, kind)

    def fetch():
        board = selectors.dashboard(user=org.sales_head, subtree=subtree, now=NOW, page=1)
        assert any(cell.value == "absent" for row in board.rows for cell in row.cells)
        return board

    fetch()
    assert_query_budget(fetch, lambda: _grow(department, 40, kind), budget=20)
    assert fetch().people_count >= 43


def test_the_directory_queries_do_not_grow_with_the_people_away(calendar, pinned):
    org = calendar
    kind = vacation()
    _grow(org.it, 3, kind)
    client = client_as(org.developer)

    def fetch():
        html = client.get(reverse("people:directory")).content.decode()
        assert "Vacation until 27 Nov" in html

    fetch()
    assert_query_budget(fetch, lambda: _grow(org.it, 40, kind), budget=10)
