"""Timesheet selectors: totals against hand-made months (late days, a short day, a day closed automatically,
task time crossing local midnight, non-UTC time zones, daylight-saving months), absences, visibility and
query budgets that do not grow with the number of days or people."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal.core.errors import NotFound
from reports import selectors
from reports.choices import DayState
from reports.selectors.timesheet_task_time import _split_by_local_day
from tests.people.factories import UserFactory
from tests.reports.factories import WorkDayFactory, WorkScheduleFactory
from tests.reports.timesheets_support import (
    AFTER_MARCH,
    BERLIN,
    BERLIN_DAYS_WORKED,
    BERLIN_TASK_SECONDS,
    BERLIN_TOTALS,
    MARCH,
    NEW_YORK,
    UTC,
    at,
    joined_long_ago,
    lay_berlin_march,
    lay_day,
    log_time,
    set_zone,
    vacations_fixture,  # noqa: F401 - the `vacations` fixture
)
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db


def _totals(sheet) -> dict:
    data = sheet.totals.as_dict()
    return {k: data[k] for k in BERLIN_TOTALS}


# --- the hand-made month ----------------------------------------------------------------------------------


def test_berlin_march_totals_match_the_hand_made_case(org, vacations):
    person = org.east_rep
    lay_berlin_march(person)
    sheet = selectors.timesheet_person(user=org.sales_head, person=person, month="2026-03", now=AFTER_MARCH)
    assert sheet.month == MARCH and len(sheet.days) == 31
    assert _totals(sheet) == BERLIN_TOTALS
    assert sheet.totals.worked_hours == round(BERLIN_TOTALS["worked_seconds"] / 3600, 2)
    assert sheet.totals.task_hours == 8.5
    assert sheet.totals.signal == "red"  # missing and short days


def test_berlin_march_rows_day_by_day(org, vacations):
    person = org.east_rep
    lay_berlin_march(person)
    sheet = selectors.timesheet_person(user=person, person=person, month="2026-03", now=AFTER_MARCH)
    rows = {row.date: row for row in sheet.days}
    assert {d: r.worked_seconds for d, r in rows.items() if r.worked_seconds} == BERLIN_DAYS_WORKED
    assert {d: r.task_seconds for d, r in rows.items() if r.task_seconds} == BERLIN_TASK_SECONDS

    d = datetime.date
    assert rows[d(2026, 3, 3)].is_late and rows[d(2026, 3, 3)].signal == "amber"
    assert rows[d(2026, 3, 4)].is_short and rows[d(2026, 3, 4)].is_early_end
    assert rows[d(2026, 3, 4)].signal == "red"
    five = rows[d(2026, 3, 5)]
    assert five.auto_closed and five.needs_confirmation and five.signal == "red"
    assert f"{five.ended_at:%H:%M:%S}" == "23:59:59"
    # Saturday work counts as worked time and is no signal.
    assert not rows[d(2026, 3, 7)].is_working_day and rows[d(2026, 3, 7)].signal == ""
    # Absences: the label on the date; a Saturday absence is shown but is no absent working day.
    assert rows[d(2026, 3, 9)].absence == "Vacation" and not rows[d(2026, 3, 9)].missing
    assert rows[d(2026, 3, 14)].absence == "Vacation"
    assert rows[d(2026, 3, 11)].missing and rows[d(2026, 3, 11)].signal == "red"
    assert not rows[d(2026, 3, 8)].missing  # a Sunday
    # The first Monday of summer time: shown in local time (UTC+2), late by the real rule.
    thirty = rows[d(2026, 3, 30)]
    assert f"{thirty.started_at:%H:%M}" == "09:20" and thirty.started_at.utcoffset() == datetime.timedelta(
        hours=2
    )
    assert thirty.is_late and not thirty.is_short and not thirty.is_early_end
    assert f"{rows[d(2026, 3, 2)].started_at:%H:%M}" == "09:00"  # winter time: UTC+1


def test_task_time_splits_at_local_midnight_not_utc():
    # 23:00 to 01:00 in Berlin (CET) is 22:00 to 00:00 UTC: all of it on the 3rd in UTC, half of it locally.
    split = _split_by_local_day(at(BERLIN, 2026, 3, 3, 23, 0), at(BERLIN, 2026, 3, 4, 1, 0), BERLIN)
    assert split == {datetime.date(2026, 3, 3): 3600, datetime.date(2026, 3, 4): 3600}
    # The night the clocks go forward: 00:00 to 23:59:59 local is 23 hours minus a second.
    start = at(BERLIN, 2026, 3, 29, 0, 0)
    split = _split_by_local_day(start, at(BERLIN, 2026, 3, 30, 0, 0), BERLIN)
    assert split == {datetime.date(2026, 3, 29): 23 * 3600}
    # ...and the night they go back (25 October 2026): 25 hours.
    split = _split_by_local_day(at(BERLIN, 2026, 10, 25, 0, 0), at(BERLIN, 2026, 10, 26, 0, 0), BERLIN)
    assert split == {datetime.date(2026, 10, 25): 25 * 3600}


def test_new_york_dst_month_and_the_month_edge_in_local_time(org):
    person = joined_long_ago(set_zone(org.field_rep, "America/New_York"))
    # The US clocks go forward on Sunday 8 March 2026: 00:00 to 04:00 local is three real hours.
    log_time(person, at(NEW_YORK, 2026, 3, 8, 0, 0), at(NEW_YORK, 2026, 3, 8, 4, 0))
    # Ends exactly at local midnight of 1 March (05:00 UTC): all of it is February's.
    log_time(person, at(UTC, 2026, 3, 1, 3, 0), at(UTC, 2026, 3, 1, 5, 0))
    # 31 March 22:00 to 1 April 02:00 local (EDT): two hours in March, though in UTC all of it is April.
    log_time(person, at(NEW_YORK, 2026, 3, 31, 22, 0), at(NEW_YORK, 2026, 4, 1, 2, 0))
    lay_day(person, datetime.date(2026, 3, 9), (9, 0), (18, 0), tz=NEW_YORK, paused=3600)
    sheet = selectors.timesheet_person(user=person, person=person, month="2026-03", now=AFTER_MARCH)
    rows = {row.date: row for row in sheet.days}
    assert rows[datetime.date(2026, 3, 8)].task_seconds == 3 * 3600
    assert rows[datetime.date(2026, 3, 31)].task_seconds == 2 * 3600
    assert sheet.totals.task_seconds == 5 * 3600
    assert sheet.totals.worked_seconds == 8 * 3600 and sheet.totals.days_worked == 1
    assert f"{rows[datetime.date(2026, 3, 9)].started_at:%H:%M}" == "09:00"
    assert sheet.totals.missing == 22 - 1


def test_current_month_counts_the_running_day_and_timer_and_no_future_days(org):
    person = joined_long_ago(set_zone(org.east_rep, "Europe/Berlin"))
    now = at(UTC, 2026, 3, 18, 12, 0)  # Wednesday 18 March, 13:00 in Berlin
    WorkDayFactory(
        user=person,
        date=datetime.date(2026, 3, 18),
        state=DayState.OPEN,
        started_at=at(UTC, 2026, 3, 18, 8, 0),
    )
    log_time(person, at(UTC, 2026, 3, 18, 10, 0), None)  # a timer still running
    sheet = selectors.timesheet_person(user=person, person=person, month=None, now=now)
    assert sheet.month == MARCH
    today = next(row for row in sheet.days if row.is_today)
    assert today.date == datetime.date(2026, 3, 18)
    assert today.worked_seconds == 4 * 3600 and today.is_open
    assert today.task_seconds == 2 * 3600
    assert not any(row.missing for row in sheet.days if row.date >= today.date)
    assert sheet.totals.missing == 12  # 2-6, 9-13, 16-17 March
    assert sheet.totals.worked_seconds == 4 * 3600


def test_a_timer_forgotten_for_weeks_counts_in_every_month_it_runs(org):
    person = org.east_rep  # UTC
    log_time(person, at(UTC, 2026, 2, 10, 9, 0), None)
    now = at(UTC, 2026, 3, 3, 0, 0)
    sheet = selectors.timesheet_person(user=person, person=person, month="2026-03", now=now)
    assert sheet.totals.task_seconds == 2 * 24 * 3600
    rows = selectors.timesheet_department(user=org.east_head, department=org.east, month=MARCH, now=now)
    assert {row.person: row.totals.task_seconds for row in rows}[person] == 2 * 24 * 3600


def test_working_days_follow_the_persons_schedule(org):
    person = org.east_rep
    WorkScheduleFactory(user=person, working_days=[0, 1, 2, 3])  # Monday to Thursday
    sheet = selectors.timesheet_person(user=person, person=person, month="2026-03", now=AFTER_MARCH)
    assert sheet.totals.working_days == 18
    assert not {row.date for row in sheet.days if row.is_working_day} & {datetime.date(2026, 3, 6)}


def test_days_before_joining_are_not_missing(org):
    person = set_zone(org.east_rep, "Europe/Berlin")
    # Joined on Monday 16 March, 08:00 in Berlin.
    person.date_joined = at(BERLIN, 2026, 3, 16, 8, 0)
    person.save(update_fields=["date_joined"])
    sheet = selectors.timesheet_person(user=person, person=person, month="2026-03", now=AFTER_MARCH)
    missing = [row.date.day for row in sheet.days if row.missing]
    assert missing == [16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30, 31]
    assert sheet.totals.working_days == 22 and sheet.totals.missing == 12


# --- absences: the hook ----------------------------------------------------------------------------------


def test_absence_days_is_empty_without_a_provider(org):
    assert (
        selectors.absence_days(user_ids=[org.east_rep.pk], start=MARCH, end=datetime.date(2026, 3, 31)) == {}
    )


def test_absence_providers_are_merged_and_clipped(org, vacations):
    def sick(*, user_ids, start, end):
        return {
            org.east_rep.pk: {
                datetime.date(2026, 3, 10): "Sick leave",
                datetime.date(2026, 4, 2): "Sick leave",
            },
            org.developer.pk: {datetime.date(2026, 3, 10): "Sick leave"},  # not asked about
        }

    selectors.register_absence_provider(sick)
    selectors.register_absence_provider(sick)  # registering twice keeps one
    try:
        days = selectors.absence_days(user_ids=[org.east_rep.pk], start=MARCH, end=datetime.date(2026, 3, 31))
    finally:
        selectors.unregister_absence_provider(sick)
    assert set(days) == {org.east_rep.pk}
    assert days[org.east_rep.pk] == {
        datetime.date(2026, 3, 9): "Vacation",
        datetime.date(2026, 3, 10): "Vacation, Sick leave",
        datetime.date(2026, 3, 14): "Vacation",
    }


# --- months -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-13", "March", "2026-3-1", "26-03", "0000-01"])
def test_a_bad_month_is_a_field_error(value):
    with pytest.raises(ValidationError) as exc:
        selectors.timesheet_month(value)
    assert "month" in exc.value.message_dict


def test_month_values():
    assert selectors.timesheet_month("2026-3") == MARCH
    assert selectors.timesheet_month(datetime.date(2026, 3, 17)) == MARCH
    # Empty: the person's current month in their own zone (already April in Tokyo, still March in UTC).
    tokyo = UserFactory.build(time_zone="Asia/Tokyo")
    moment = at(UTC, 2026, 3, 31, 20, 0)
    assert selectors.timesheet_month("", user=tokyo, now=moment) == datetime.date(2026, 4, 1)
    assert selectors.timesheet_month(None, user=UserFactory.build(time_zone="UTC"), now=moment) == MARCH


# --- who sees what ----------------------------------------------------------------------------------------


def test_visibility_of_a_persons_timesheet(org):
    person = org.east_rep
    for viewer in (person, org.east_head, org.sales_head, org.ceo, org.admin):
        assert selectors.timesheet_person(user=viewer, person=person, month=MARCH).person == person
    for viewer in (org.developer, org.it_head, org.sales_rep, org.field_rep):
        with pytest.raises(NotFound):
            selectors.timesheet_person(user=viewer, person=person, month=MARCH)
    with pytest.raises(NotFound):
        selectors.timesheet_person(user=org.admin, person=999999, month=MARCH)
    with pytest.raises(NotFound):
        selectors.timesheet_person(user=org.admin, person="x", month=MARCH)


def test_hr_sees_every_timesheet(org):
    from django.contrib.auth.models import Permission

    hr = UserFactory(department=org.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    hr = type(hr).objects.get(pk=hr.pk)
    sheet = selectors.timesheet_person(user=hr, person=org.east_rep, month=MARCH)
    assert sheet.can_confirm
    assert selectors.timesheet_department_get(user=hr).depth == 1  # the company by default


def test_who_may_confirm(org):
    person = org.east_rep
    assert selectors.timesheet_can_confirm(org.east_head, person)
    assert selectors.timesheet_can_confirm(org.sales_head, person)  # further up the tree
    assert selectors.timesheet_can_confirm(org.admin, person)
    assert not selectors.timesheet_can_confirm(person, person)
    assert not selectors.timesheet_can_confirm(org.it_head, person)
    assert not selectors.timesheet_can_confirm(org.sales_head, org.sales_head)


def test_departments_a_viewer_may_open(org):
    assert list(selectors.timesheet_departments(user=org.sales_head)) == [org.sales, org.east, org.field]
    assert not selectors.timesheet_departments(user=org.east_rep).exists()
    assert selectors.timesheet_department_get(user=org.east_head) == org.east
    assert selectors.timesheet_department_get(user=org.sales_head, pk=org.field.pk) == org.field
    for user, pk in [(org.east_head, org.sales.pk), (org.east_rep, None), (org.it_head, org.east.pk)]:
        with pytest.raises(NotFound):
            selectors.timesheet_department_get(user=user, pk=pk)


# --- the department -------------------------------------------------------------------------------------


def test_department_rows_equal_each_persons_timesheet(org, vacations):
    lay_berlin_march(org.east_rep)
    lay_day(org.east_head, datetime.date(2026, 3, 2), (8, 0), (17, 0), tz=UTC, paused=3600)
    set_zone(org.field_rep, "America/New_York")
    log_time(org.field_rep, at(NEW_YORK, 2026, 3, 31, 22, 0), at(NEW_YORK, 2026, 4, 1, 2, 0))
    log_time(org.field_rep, at(NEW_YORK, 2026, 3, 10, 9, 0), at(NEW_YORK, 2026, 3, 10, 10, 0))
    gone = UserFactory(department=org.east, is_active=False, last_name="Zz-gone")
    lay_day(gone, datetime.date(2026, 3, 2), (9, 0), (12, 0), tz=UTC)
    UserFactory(department=org.east, is_active=False)  # left before March: no line

    rows = selectors.timesheet_department(
        user=org.sales_head, department=org.east, month="2026-03", now=AFTER_MARCH
    )
    people = [row.person for row in rows]
    assert set(people) == {org.east_head, org.east_rep, gone, org.field_rep}
    assert people[-1] == org.field_rep  # tree order: East before East Field
    for row in rows:
        sheet = selectors.timesheet_person(
            user=org.sales_head, person=row.person, month=MARCH, now=AFTER_MARCH
        )
        assert row.totals.as_dict() == sheet.totals.as_dict(), row.person
    by_person = {row.person: row for row in rows}
    assert by_person[org.east_rep].totals.task_seconds == BERLIN_TOTALS["task_seconds"]
    assert by_person[org.field_rep].totals.task_seconds == 3 * 3600
    assert by_person[org.east_rep].can_confirm and by_person[org.east_head].can_confirm

    total = selectors.timesheet_department_totals(rows)
    assert total.worked_seconds == sum(r.totals.worked_seconds for r in rows)
    assert total.days_worked == BERLIN_TOTALS["days_worked"] + 2

    only = selectors.timesheet_department(
        user=org.sales_head, department=org.east, month="2026-03", subtree=False, now=AFTER_MARCH
    )
    assert {row.person for row in only} == {org.east_head, org.east_rep, gone}


def test_head_is_no_confirmer_of_their_own_line(org):
    rows = selectors.timesheet_department(
        user=org.east_head, department=org.east, month=MARCH, now=AFTER_MARCH
    )
    by_person = {row.person: row for row in rows}
    assert not by_person[org.east_head].can_confirm
    assert by_person[org.east_rep].can_confirm


# --- query budgets ---------------------------------------------------------------------------------------


def test_person_timesheet_queries_do_not_grow_with_days_or_entries(org, django_db_blocker):
    person = set_zone(org.east_rep, "Europe/Berlin")
    viewer = org.sales_head
    lay_day(person, datetime.date(2026, 3, 2), (9, 0), (18, 0))

    def grow():
        for n in range(3, 28):
            lay_day(person, datetime.date(2026, 3, n), (9, 0), (18, 0), is_late=n % 2 == 0)
            log_time(person, at(BERLIN, 2026, 3, n, 23, 0), at(BERLIN, 2026, 3, n + 1, 1, 0))

    def run():
        fresh = type(viewer).objects.get(pk=viewer.pk)  # no memoised rights between runs
        sheet = selectors.timesheet_person(user=fresh, person=person.pk, month=MARCH, now=AFTER_MARCH)
        assert sheet.totals

    run()  # warm: the viewer's permissions are cached after their first request, as on a running server
    assert_query_budget(run, grow, budget=12)  # (+ the company calendar and the absence provider)


def test_department_timesheet_queries_do_not_grow_with_people(org):
    viewer = org.sales_head
    lay_day(org.east_rep, datetime.date(2026, 3, 2), (9, 0), (18, 0))

    def grow():
        for n in range(30):
            person = UserFactory(
                department=org.field if n % 2 else org.east,
                time_zone=["UTC", "Europe/Berlin", "Asia/Tokyo"][n % 3],
            )
            for day in (2, 3, 4):
                lay_day(person, datetime.date(2026, 3, day), (9, 0), (18, 0), tz=UTC)
            log_time(person, at(UTC, 2026, 2, 28, 23, 0), at(UTC, 2026, 3, 1, 3, 0))
            log_time(person, at(UTC, 2026, 3, 5, 9, 0), at(UTC, 2026, 3, 5, 11, 0))
            if n % 5 == 0:
                WorkScheduleFactory(user=person, working_days=[0, 1, 2])

    def run():
        fresh = type(viewer).objects.get(pk=viewer.pk)
        rows = selectors.timesheet_department(
            user=fresh, department=org.east.pk, month=MARCH, now=AFTER_MARCH
        )
        assert rows

    run()  # warm: the viewer's permissions are cached after their first request, as on a running server
    assert_query_budget(run, grow, budget=14)  # (+ the company calendar and the absence provider)


@pytest.mark.parametrize(
    "now",
    [at(UTC, 2026, 3, 16, 12, 0), at(UTC, 2026, 3, 30, 23, 30), at(UTC, 2026, 3, 1, 0, 30), AFTER_MARCH],
)
def test_department_totals_equal_each_persons_timesheet_in_the_middle_of_the_month(org, vacations, now):
    """The department's totals are computed without a row per date: the same numbers on the month's days
    past, today (in each person's zone) and to come."""
    lay_berlin_march(org.east_rep)
    lay_day(org.east_head, datetime.date(2026, 3, 2), (8, 0), (17, 0), tz=UTC, paused=3600)
    set_zone(org.field_rep, "America/New_York")
    log_time(org.field_rep, at(NEW_YORK, 2026, 3, 10, 9, 0), at(NEW_YORK, 2026, 3, 10, 10, 0))
    recent = UserFactory(department=org.east, last_name="Recent", time_zone="Asia/Tokyo")
    type(recent).objects.filter(pk=recent.pk).update(date_joined=at(UTC, 2026, 3, 11, 20, 0))
    WorkScheduleFactory(user=recent, working_days=[0, 2, 4, 5])
    sheet = selectors.timesheet_department_page(
        user=org.sales_head, department=org.east, month=MARCH, now=now, page=1, per_page=2
    )
    assert sheet.count == 4 and len(sheet.rows) == 2 and sheet.pages == 2
    rows = selectors.timesheet_department(user=org.sales_head, department=org.east, month=MARCH, now=now)
    total = selectors.timesheet_department_totals([])
    for row in rows:
        person_sheet = selectors.timesheet_person(
            user=org.sales_head, person=row.person, month=MARCH, now=now
        )
        assert row.totals.as_dict() == person_sheet.totals.as_dict(), row.person
        total.add(person_sheet.totals)
    assert sheet.totals.as_dict() == total.as_dict()
