# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""The dashboard's signals in SQL (`control_signals`) rank and count everybody exactly as the cells computed
in Python do: on people with every kind of schedule, time zone, joining date, day, report and counter, at
several instants of the week."""

from __future__ import annotations

import datetime
import itertools

import pytest

from portal.people.models import User
from reports import selectors
from reports.choices import DayState, ReportPeriod, ReportStatus
from reports.selectors import control
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.control_support import (
    MONDAY,
    NEGATIVE,
    NOW,
    POSITIVE,
    TUESDAY,
    UTC,
    WEDNESDAY,
    at,
    counter,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import ReportSettingsFactory, WorkDayFactory, WorkScheduleFactory
from tests.tasks.factories import TaskFactory

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland", "Not/AZone"]
HOURS = [(datetime.time(9, 0), datetime.time(18, 0)), (datetime.time(7, 30), datetime.time(16, 0))]
JOINED = [
    datetime.datetime(2020, 1, 1, tzinfo=UTC),
    at(MONDAY - datetime.timedelta(days=3), 12),
    at(MONDAY, 2),
    at(TUESDAY, 15),
    at(WEDNESDAY, 1),
    at(WEDNESDAY, 23),
]


@pytest.fixture
def crowd(staff):
    """Sixty people under sales_head with every combination worth telling apart."""
    org = staff
    weekly = DepartmentFactory(parent=org.sales, name="Weekly")
    ReportSettingsFactory(
        department=weekly, period=ReportPeriod.WEEK, due_weekday=0, due_time=datetime.time(9)
    )
    early = DepartmentFactory(parent=org.sales, name="Early")
    ReportSettingsFactory(department=early, period=ReportPeriod.DAY, due_time=datetime.time(8))
    WorkScheduleFactory(
        department=early, working_days=[0, 1, 2, 3, 4, 5], start=datetime.time(6), allowed_lateness=0
    )
    departments = [org.east, org.field, weekly, early]
    combos = itertools.product(ZONES, HOURS, JOINED, departments)
    for n, (zone, (start, end), joined, department) in enumerate(itertools.islice(combos, 0, None, 5)):
        person = UserFactory(
            department=department,
            time_zone=zone,
            work_start=start,
            work_end=end,
            first_name=["Ann", "bob", "Cy"][n % 3],
            last_name=["Smith", "smith", "Ng", "Zed"][n % 4],
        )
        User.objects.filter(pk=person.pk).update(date_joined=joined)
        if n % 7 == 0:
            WorkScheduleFactory(
                user=person, working_days=[1, 2, 5], start=datetime.time(10), allowed_lateness=30
            )
        kind = n % 6
        if kind == 0:
            workday(person, MONDAY, (9, 0), (17, 30))
            workday(person, TUESDAY, (9, 0), (18, 0))
        elif kind == 1:
            workday(person, WEDNESDAY, (9, 20), late=True)
        elif kind == 2:
            WorkDayFactory(
                user=person,
                date=WEDNESDAY,
                started_at=at(WEDNESDAY, 6),
                state=DayState.PAUSED,
                paused_seconds=600,
                pause_started_at=at(WEDNESDAY, 9, 30),
            )
            workday(person, MONDAY, (9, 0), (19, 0))
        elif kind == 3:
            workday(person, TUESDAY, (9, 0), (12, 0))
        report(person, TUESDAY, rating=[POSITIVE, NEGATIVE, ""][n % 3])
        if n % 4 == 1:
            report(person, MONDAY)
            report(person, MONDAY - datetime.timedelta(days=7))
            report(person, MONDAY - datetime.timedelta(days=6))
        if n % 5 == 2:
            report(person, MONDAY - datetime.timedelta(days=1), status=ReportStatus.DRAFT)
        counter(person, "tasks.overdue", n % 3)
        if n % 2:  # a task waiting for the head's control ("Waiting for my control", counted for the viewer)
            TaskFactory(
                creator=org.sales_head, responsible=person, status="awaiting_control", requires_control=True
            )
        if n % 4:
            counter(person, "tasks.no_deadline", n % 5)
    return org


def _board(user, now, *, in_python: bool, monkeypatch):
    if in_python:
        monkeypatch.setattr(control, "_rank_in_sql", lambda *args, **kwargs: None)
    try:
        return selectors.dashboard(user=User.objects.get(pk=user.pk), subtree=True, now=now)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        at(MONDAY, 6),
        at(MONDAY, 9, 5),
        at(WEDNESDAY, 23, 30),
        at(WEDNESDAY + datetime.timedelta(days=3), 12),
        at(TUESDAY, 16, 45),
    ],
)
def test_the_sql_signals_rank_and_count_as_the_cells_do(crowd, now, monkeypatch):
    head = crowd.sales_head
    in_sql = _board(head, now, in_python=False, monkeypatch=monkeypatch)
    in_python = _board(head, now, in_python=True, monkeypatch=monkeypatch)
    assert in_sql.people_count == in_python.people_count > 50
    summary = ("people_count", "red", "amber", "people_red", "people_amber", "row_count")
    assert {k: getattr(in_sql, k) for k in summary} == {k: getattr(in_python, k) for k in summary}
    assert [(r.person.pk, r.red, r.amber) for r in in_sql.rows] == [
        (r.person.pk, r.red, r.amber) for r in in_python.rows
    ]
    assert [r.cells for r in in_sql.rows] == [r.cells for r in in_python.rows]
    # the counts a row carries are those of its cells
    for row in in_sql.rows:
        signals = [str(cell.signal) for cell in row.cells]
        assert (row.red, row.amber) == (signals.count("red"), signals.count("amber"))
    assert in_sql.red > 0 and in_sql.amber > 0
    # and the database did rank them
    from reports.selectors.control_signals import signal_ranking

    token = control._RUN.set({"now": now})
    try:
        ranking = signal_ranking(
            in_sql.columns,
            selectors.control_people(user=head, subtree=True),
            today=in_sql.today,
            now=now,
            memo=control._memo,
            viewer=head,
        )
    finally:
        control._RUN.reset(token)
    assert ranking is not None
    assert ranking.entries == [(r.person.pk, r.red, r.amber) for r in in_python.rows]


def test_a_column_without_sql_signals_ranks_everybody_in_python(crowd):
    from reports.selectors import Cell, register_dashboard_column, unregister_dashboard_column

    register_dashboard_column(
        "odd",
        label="Odd",
        compute=lambda ids, today: {pk: Cell(pk, "red" if pk % 2 else "green") for pk in ids},
    )
    try:
        board = selectors.dashboard(user=crowd.sales_head, subtree=True, now=NOW, page=1)
    finally:
        unregister_dashboard_column("odd")
    assert board.rows[0].person.pk % 2 == 1
    keys = [(-row.red, -row.amber) for row in board.rows]
    assert keys == sorted(keys)


def test_a_head_s_own_team_is_ranked_from_its_cells_and_a_sub_tree_in_sql(crowd, monkeypatch):
    """The SQL ranking is for sub-trees (thousands of people, fifty shown); a head's own team is computed
    once, in full, and ranked from its cells."""
    from reports.selectors import control_signals

    asked = []
    real = control_signals.signal_ranking

    def counted(*args, **kwargs):
        asked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(control_signals, "signal_ranking", counted)
    team = selectors.dashboard(user=crowd.sales_head, subtree=False, now=NOW, page=1)
    assert asked == [] and team.rows
    keys = [(-row.red, -row.amber) for row in team.rows]
    assert keys == sorted(keys)
    selectors.dashboard(user=crowd.sales_head, subtree=True, now=NOW, page=1)
    assert asked == [1]
