# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""The control dashboard: the signal of every column on hand-made data, the summary, direct and sub-tree
rows, the column registry, the query budget with 5 and 500 people, control time against its budget and the
personal overview."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.people.models import User
from reports import selectors
from reports.choices import Signal
from reports.models import ControlTime
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.control_support import (
    MONDAY,
    NEGATIVE,
    NOW,
    POSITIVE,
    SATURDAY,
    TUESDAY,
    UTC,
    WEDNESDAY,
    at,
    counter,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import WorkScheduleFactory
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget

RED, AMBER, GREEN = Signal.RED, Signal.AMBER, Signal.GREEN
# The CRM's counter columns: green for everybody here (nobody has a CRM counter in these scenes).
CRM_GREEN = {"crm_activities_overdue": GREEN, "crm_deals_idle": GREEN, "crm_leads_untaken": GREEN}
# The approvals column (portal.workflows): nothing waits on anyone in these scenes.
CRM_GREEN["workflows_waiting"] = GREEN
# The knowledge base's "reading overdue" column: nobody is asked to read anything in these scenes.
CRM_GREEN["kb_reading_overdue"] = GREEN
# The strategy's "without a goal" column: informative, never red or amber (nobody closed a task this month here).
CRM_GREEN["strategy.orphan_work"] = GREEN
CRM_DASHBOARD_COUNTERS = ["crm.activities_overdue", "crm.deals_idle", "crm.leads_untaken"]


def by_person(board) -> dict[int, dict[str, selectors.Cell]]:
    keys = [column.key for column in board.columns]
    return {row.person.pk: dict(zip(keys, row.cells, strict=True)) for row in board.rows}


def signals(cells: dict) -> dict[str, str]:
    return {key: str(cell.signal) for key, cell in cells.items()}


@pytest.fixture
def scene(staff):
    """sales_head's sub-tree on Wednesday 11:00 UTC:

    - sales_rep: all fine (on time today, full days Monday and Tuesday, Tuesday's report rated positive);
    - east_head: started late today, Tuesday's report missing;
    - east_rep: not started, Tuesday's report rated negative, three reports waiting for a rating;
    - field_rep: on time today, Tuesday's report waiting, overdue tasks and other task counters.
    """
    org = staff
    for date in (MONDAY, TUESDAY):
        workday(org.sales_rep, date, (9, 0), (17, 0))
    workday(org.sales_rep, WEDNESDAY, (9, 0))
    report(org.sales_rep, TUESDAY, rating=POSITIVE)

    workday(org.east_head, WEDNESDAY, (9, 30), late=True)

    report(org.east_rep, TUESDAY, rating=NEGATIVE)
    for date in (datetime.date(2026, 11, 11), datetime.date(2026, 11, 12), datetime.date(2026, 11, 13)):
        report(org.east_rep, date)

    workday(org.field_rep, WEDNESDAY, (8, 55))
    report(org.field_rep, TUESDAY)
    counter(org.field_rep, "tasks.overdue", 2)
    # a task field_rep completed that waits for sales_head's control ("Waiting for my control")
    TaskFactory(
        creator=org.sales_head,
        responsible=org.field_rep,
        status="awaiting_control",
        requires_control=True,
        completed_at=at(TUESDAY, 17),
    )
    counter(org.field_rep, "tasks.no_deadline", 4)
    return org


# --- the columns -------------------------------------------------------------------------------------------


def test_every_column_signals_on_hand_made_data(scene):
    board = selectors.dashboard(user=scene.sales_head, subtree=True, now=NOW)
    cells = by_person(board)

    assert signals(cells[scene.sales_rep.pk]) == {
        "workday": GREEN,
        "week_hours": GREEN,
        "last_report": GREEN,
        "reports_waiting": GREEN,
        "day_corrections": GREEN,
        "tasks_overdue": GREEN,
        "tasks_my_control": GREEN,
        "tasks_no_deadline": GREEN,
        **CRM_GREEN,
    }
    assert signals(cells[scene.east_head.pk]) == {
        "workday": AMBER,  # started late
        "week_hours": AMBER,  # 1.5 h by Wednesday 11:00
        "last_report": RED,  # Tuesday's report missing
        "reports_waiting": GREEN,
        "day_corrections": GREEN,
        "tasks_overdue": GREEN,
        "tasks_my_control": GREEN,
        "tasks_no_deadline": GREEN,
        **CRM_GREEN,
    }
    assert signals(cells[scene.east_rep.pk]) == {
        "workday": RED,  # not started at 11:00 on a working day
        "week_hours": AMBER,
        "last_report": RED,  # rated negative
        "reports_waiting": RED,  # three waiting
        "day_corrections": GREEN,
        "tasks_overdue": GREEN,
        "tasks_my_control": GREEN,
        "tasks_no_deadline": GREEN,
        **CRM_GREEN,
    }
    assert signals(cells[scene.field_rep.pk]) == {
        "workday": GREEN,
        "week_hours": AMBER,
        "last_report": GREEN,  # sent, not rated yet
        "reports_waiting": AMBER,
        "day_corrections": GREEN,
        "tasks_overdue": RED,
        "tasks_my_control": AMBER,
        "tasks_no_deadline": AMBER,
        **CRM_GREEN,
    }


def test_cells_show_values_and_link_to_the_lists_behind_them(scene):
    cells = by_person(selectors.dashboard(user=scene.sales_head, subtree=True, now=NOW))
    rep, head, field = cells[scene.east_rep.pk], cells[scene.east_head.pk], cells[scene.field_rep.pk]
    days_url = reverse("reports:my_days")
    reports_url = reverse("reports:report_list")
    tasks_url = reverse("tasks:home")

    assert head["workday"].value == "open"
    assert head["workday"].display.startswith("09:30")
    assert head["workday"].url == f"{days_url}?person={scene.east_head.pk}&month=2026-11"
    assert rep["workday"].display == "Not started"
    assert "09:00" in rep["workday"].hint
    assert head["last_report"].value == "missing"
    assert head["last_report"].url == f"{reports_url}?author={scene.east_head.pk}"
    assert rep["last_report"].value == NEGATIVE
    assert rep["reports_waiting"].value == 3
    assert rep["reports_waiting"].url == f"{reports_url}?author={scene.east_rep.pk}&status=sent"
    assert field["tasks_overdue"].value == 2
    assert field["tasks_overdue"].url == f"{tasks_url}?role=all&responsible={scene.field_rep.pk}&overdue=true"
    assert field["tasks_my_control"].value == 1
    assert field["tasks_my_control"].url == (
        f"{tasks_url}?role=set&responsible={scene.field_rep.pk}&status=awaiting_control"
    )
    assert (
        field["tasks_no_deadline"].url
        == f"{tasks_url}?role=all&responsible={scene.field_rep.pk}&no_deadline=true"
    )
    # 16 h on Monday and Tuesday + 2 h today, against 2 × 7 h 50 + 2/9 of today's 7 h 50
    assert cells[scene.sales_rep.pk]["week_hours"].value == 18 * 3600
    assert cells[scene.sales_rep.pk]["week_hours"].display == "18.0 / 17.4 h"


def test_the_summary_counts_every_signal_and_puts_the_worst_rows_first(scene):
    board = selectors.dashboard(user=scene.sales_head, subtree=True, now=NOW)
    assert (board.red, board.amber, board.signals) == (5, 7, 12)
    assert board.summary == "12 signals"
    assert not board.is_fine
    assert [row.person.pk for row in board.rows] == [
        scene.east_rep.pk,  # 3 red
        scene.field_rep.pk,  # 1 red, 4 amber
        scene.east_head.pk,  # 1 red, 2 amber
        scene.sales_rep.pk,
    ]

    only = selectors.dashboard(user=scene.sales_head, subtree=True, now=NOW, only_signals=True)
    assert [row.person.pk for row in only.rows] == [scene.east_rep.pk, scene.field_rep.pk, scene.east_head.pk]
    assert (only.red, only.amber, only.people_count) == (5, 7, 4)


def test_all_is_fine(staff):
    team = DepartmentFactory(name="Quiet", parent=staff.root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    person = UserFactory(department=team)
    User.objects.filter(pk__in=[head.pk, person.pk]).update(
        date_joined=datetime.datetime(2020, 1, 1, tzinfo=UTC)
    )
    for date in (MONDAY, TUESDAY):
        workday(person, date, (9, 0), (18, 0))
    workday(person, WEDNESDAY, (8, 50))
    report(person, TUESDAY, rating=POSITIVE)

    board = selectors.dashboard(user=head, now=NOW)
    assert [row.person.pk for row in board.rows] == [person.pk]
    assert board.is_fine
    assert board.summary == "All is fine"


def test_the_workday_column_before_the_start_within_lateness_and_on_a_day_off(staff):
    person = staff.east_rep
    early = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8, 30)))[person.pk]
    assert (early["workday"].signal, early["workday"].display) == (GREEN, "Starts at 09:00")
    grace = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 9, 5)))[person.pk]
    assert (grace["workday"].signal, grace["workday"].display) == (GREEN, "Not started yet")
    late = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 9, 11)))[person.pk]
    assert late["workday"].signal == RED
    weekend = selectors.dashboard(user=staff.east_head, now=at(SATURDAY, 12))
    saturday = by_person(weekend)[person.pk]
    assert weekend.today == SATURDAY
    assert (saturday["workday"].signal, saturday["workday"].value) == (GREEN, "off")
    assert saturday["week_hours"].signal == AMBER  # nothing worked all week


def test_the_workday_column_uses_each_persons_time_zone_and_schedule(staff):
    User.objects.filter(pk=staff.east_rep.pk).update(time_zone="Europe/Berlin")
    WorkScheduleFactory(user=staff.field_rep, start=datetime.time(10, 0), end=datetime.time(19, 0))
    # 08:30 UTC = 09:30 in Berlin: east_rep is 30 minutes late; field_rep starts at 10:00 UTC.
    cells = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8, 30)))
    assert cells[staff.east_rep.pk]["workday"].signal == RED
    assert (cells[staff.field_rep.pk]["workday"].signal, cells[staff.field_rep.pk]["workday"].display) == (
        GREEN,
        "Starts at 10:00",
    )


def test_week_hours_below_the_schedule_pro_rata(staff):
    person = staff.east_rep
    workday(person, MONDAY, (9, 0), (16, 0))  # 7 h < 7 h 50 required
    workday(person, TUESDAY, (9, 0), (16, 0))
    short = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8)))[person.pk]
    assert short["week_hours"].signal == AMBER
    assert short["week_hours"].display == "14.0 / 15.7 h"
    assert "15.7" in short["week_hours"].hint
    workday(person, MONDAY - datetime.timedelta(days=1), (9, 0), (19, 0))  # Sunday before: not this week
    workday(person, WEDNESDAY, (7, 0))  # an early start catches up: 14 h + 1 h by 08:00 ≥ 15.7 h? no
    still = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8)))[person.pk]
    assert still["week_hours"].value == 15 * 3600
    assert still["week_hours"].signal == AMBER
    later = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 10)))[person.pk]
    assert later["week_hours"].value == 17 * 3600  # the open day counts until now
    assert later["week_hours"].signal == GREEN  # 17 h ≥ 15.7 h + 1/9 of 7 h 50


def test_week_hours_count_from_the_day_the_person_joined(staff):
    person = staff.east_rep
    User.objects.filter(pk=person.pk).update(date_joined=at(TUESDAY, 8))
    workday(person, TUESDAY, (9, 0), (17, 0))  # 8 h on the first day ≥ 7 h 50 required
    cells = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8)))[person.pk]
    assert cells["week_hours"].display == "8.0 / 7.8 h"  # Monday, before they joined, asks nothing
    assert cells["week_hours"].signal == GREEN
    User.objects.filter(pk=person.pk).update(date_joined=at(WEDNESDAY, 7))
    today = by_person(selectors.dashboard(user=staff.east_head, now=at(WEDNESDAY, 8)))[person.pk]
    assert (today["week_hours"].display, today["week_hours"].signal) == ("8.0 h", GREEN)


def test_last_report_looks_at_the_last_working_day(staff):
    person = staff.east_rep
    monday = by_person(selectors.dashboard(user=staff.east_head, now=at(MONDAY, 10)))[person.pk]
    assert monday["last_report"].signal == RED  # Friday's report is missing
    assert monday["last_report"].display == "Missing for Fri 13 Nov"
    report(person, datetime.date(2026, 11, 13), rating=POSITIVE)
    fixed = by_person(selectors.dashboard(user=staff.east_head, now=at(MONDAY, 10)))[person.pk]
    assert (fixed["last_report"].signal, fixed["last_report"].value) == (GREEN, POSITIVE)
    # Tuesday morning: Monday's report was due on Monday 19:00 and is missing
    tuesday = by_person(selectors.dashboard(user=staff.east_head, now=at(TUESDAY, 10)))[person.pk]
    assert tuesday["last_report"].signal == RED


def test_waiting_reports_amber_above_zero_red_above_two(staff):
    person = staff.east_rep

    def waiting():
        return by_person(selectors.dashboard(user=staff.east_head, now=NOW))[person.pk]["reports_waiting"]

    assert waiting().signal == GREEN
    report(person, datetime.date(2026, 11, 10))
    assert (waiting().signal, waiting().value) == (AMBER, 1)
    report(person, datetime.date(2026, 11, 11))
    assert (waiting().signal, waiting().value) == (AMBER, 2)
    report(person, datetime.date(2026, 11, 12))
    assert (waiting().signal, waiting().value) == (RED, 3)


# --- rows -------------------------------------------------------------------------------------------------


def test_direct_rows_and_the_whole_sub_tree(staff):
    direct = selectors.dashboard(user=staff.sales_head, now=NOW)
    subtree = selectors.dashboard(user=staff.sales_head, subtree=True, now=NOW)
    assert {row.person.pk for row in direct.rows} == {staff.sales_rep.pk, staff.east_head.pk}
    assert {row.person.pk for row in subtree.rows} == {
        staff.sales_rep.pk,
        staff.east_head.pk,
        staff.east_rep.pk,
        staff.field_rep.pk,
    }
    assert not direct.subtree and subtree.subtree
    east = selectors.dashboard(user=staff.east_head, now=NOW)
    assert {row.person.pk for row in east.rows} == {staff.east_rep.pk, staff.field_rep.pk}


def test_hr_and_admins_see_the_company_from_the_top(staff):
    direct = selectors.dashboard(user=staff.admin, now=NOW)
    assert {row.person.pk for row in direct.rows} == {staff.ceo.pk, staff.sales_head.pk, staff.it_head.pk}
    everyone = selectors.dashboard(user=staff.admin, subtree=True, now=NOW)
    assert staff.admin.pk not in {row.person.pk for row in everyone.rows}
    assert len(everyone.rows) == User.objects.filter(is_active=True).count() - 1


def test_people_who_control_nobody_have_no_dashboard(staff):
    assert not selectors.can_control(staff.developer)
    with pytest.raises(PermissionDenied):
        selectors.dashboard(user=staff.developer, now=NOW)
    assert list(selectors.control_people(user=staff.developer)) == []


# --- the registry -----------------------------------------------------------------------------------------


@pytest.fixture
def registry():
    yield
    selectors.unregister_dashboard_column("mood")
    selectors.unregister_dashboard_counter("crm.stale_deals")


def test_apps_add_columns_and_counter_columns(staff, registry, settings):
    def mood(user_ids, today):
        return {pk: selectors.Cell(":)", Signal.GREEN if pk % 2 else Signal.AMBER) for pk in user_ids}

    selectors.register_dashboard_column("mood", label="Mood", compute=mood, order=15)
    selectors.register_dashboard_counter(
        "crm.stale_deals", label="Stale deals", amber_at=1, red_at=5, url="/crm/?owner={user_id}&stale=1"
    )
    settings.DASHBOARD_COUNTER_KEYS = ["approvals.waiting"]
    counter(staff.east_rep, "crm.stale_deals", 5)
    counter(staff.field_rep, "crm.stale_deals", 1)
    counter(staff.field_rep, "approvals.waiting", 3)

    board = selectors.dashboard(user=staff.east_head, now=NOW)
    keys = [column.key for column in board.columns]
    assert keys.index("workday") < keys.index("mood") < keys.index("week_hours")
    assert keys[-2:] == ["counter:crm.stale_deals", "counter:approvals.waiting"]
    assert selectors.dashboard_counter_keys() == [
        *CRM_DASHBOARD_COUNTERS,
        "crm.stale_deals",
        "approvals.waiting",
    ]
    cells = by_person(board)
    assert cells[staff.east_rep.pk]["counter:crm.stale_deals"].signal == RED
    assert (
        cells[staff.east_rep.pk]["counter:crm.stale_deals"].url == f"/crm/?owner={staff.east_rep.pk}&stale=1"
    )
    assert cells[staff.field_rep.pk]["counter:crm.stale_deals"].signal == AMBER
    assert cells[staff.field_rep.pk]["counter:approvals.waiting"].value == 3
    assert cells[staff.east_rep.pk]["counter:approvals.waiting"].signal == GREEN
    assert {str(c.label) for c in board.columns if c.key.startswith("counter:")} == {
        "Stale deals",
        "approvals.waiting",
    }


def test_a_counter_column_takes_the_counters_own_label(staff, registry):
    selectors.register_dashboard_counter("tasks.due_soon")
    try:
        column = next(c for c in selectors.dashboard_columns() if c.key == "counter:tasks.due_soon")
        from portal.notifications.counters import counter_definitions

        assert column.label == next(d.label for d in counter_definitions() if d.key == "tasks.due_soon")
    finally:
        selectors.unregister_dashboard_counter("tasks.due_soon")


# --- query budget -----------------------------------------------------------------------------------------


def _team_with(root):
    team = DepartmentFactory(name="Budget team", parent=root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    return team, head


def _add_people(team, count: int, start: int):
    """`count` people in `team`, each with days, reports and counters that light every column."""
    from portal.notifications.models import UserCounter
    from reports.models import WorkDay, WorkReport

    joined = datetime.datetime(2020, 1, 1, tzinfo=UTC)
    people = User.objects.bulk_create(
        [
            User(
                email=f"p{start + i}@budget.test",
                first_name="P",
                last_name=f"{start + i:04d}",
                department=team,
                date_joined=joined,
            )
            for i in range(count)
        ]
    )
    days, reports, counters = [], [], []
    for i, person in enumerate(people):
        days.append(
            WorkDay(
                user=person,
                date=MONDAY,
                started_at=at(MONDAY, 9),
                ended_at=at(MONDAY, 17),
                state="closed",
                worked_seconds=28800,
            )
        )
        if i % 3:
            days.append(WorkDay(user=person, date=WEDNESDAY, started_at=at(WEDNESDAY, 9, 30), is_late=True))
        rating = ("positive", "negative", "")[i % 3]
        reports.append(
            WorkReport(
                author=person,
                period_start=TUESDAY,
                period_end=TUESDAY,
                status="rated" if rating else "sent",
                rating=rating,
                sent_at=at(TUESDAY, 18),
                facts="x",
            )
        )
        counters += [
            UserCounter(user=person, key="tasks.overdue", value=i % 2),
            UserCounter(user=person, key="tasks.no_deadline", value=1),
        ]
    WorkDay.objects.bulk_create(days)
    WorkReport.objects.bulk_create(reports)
    UserCounter.objects.bulk_create(counters)


def test_the_dashboard_costs_the_same_queries_for_5_and_500_people(staff):
    team, head = _team_with(staff.root)
    _add_people(team, 5, 0)

    def fetch():
        board = selectors.dashboard(user=User.objects.get(pk=head.pk), subtree=True, now=NOW)
        assert board.signals > 0
        return board

    assert len(fetch().rows) == 5
    # the viewer, the people (3), the day, schedules (2), hours (2), last reports, missing reports (5),
    # waiting reports, the stored counters (one query for every counter column), the tasks waiting for the
    # viewer's control
    # + the company calendar and who is away this week (core absences: the provider and its people)
    assert_query_budget(fetch, lambda: _add_people(team, 495, 5), budget=22)
    assert len(fetch().rows) == 500


def test_the_dashboard_filters_its_people_by_a_subquery_not_a_list_of_their_ids(staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team, head = _team_with(staff.root)
    _add_people(team, 300, 0)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.dashboard(user=User.objects.get(pk=head.pk), subtree=True, now=NOW, page=1)
    assert board.people_count == 300 and len(board.rows) == selectors.DASHBOARD_PAGE_SIZE
    ids = {str(pk) for pk in User.objects.filter(department=team).values_list("pk", flat=True)}
    for query in queries.captured_queries:
        # no query names hundreds of people (only the page's rows, read in full at the end, may name theirs)
        tokens = query["sql"].replace(",", " ").replace("(", " ").replace(")", " ").split()
        assert sum(1 for token in tokens if token in ids) <= 60, query["sql"][:300]


def test_the_dashboard_cells_match_the_columns_computed_for_a_plain_list_of_ids(scene):
    board = selectors.dashboard(user=scene.sales_head, subtree=True, now=NOW)
    ids = [row.person.pk for row in board.rows]
    builtin = ("workday", "week_hours", "last_report", "reports_waiting")
    today = board.today
    with_links = by_person(board)
    from reports.selectors import control

    for column in board.columns:
        if column.key not in builtin:
            continue
        # the same instant, outside a dashboard's run: a plain list, the links built in every cell
        token = control._RUN.set({"now": NOW, "counter_keys": []})
        try:
            plain = column.compute(list(ids), today)
        finally:
            control._RUN.reset(token)
        for pk in ids:
            assert with_links[pk][column.key] == plain[pk], (column.key, pk)


# --- control time ----------------------------------------------------------------------------------------


def test_control_time_summary_against_5_percent_of_the_worked_time(staff):
    east = staff.east_head  # controls east_rep and field_rep directly
    workday(staff.east_rep, WEDNESDAY, (9, 0), (17, 0))  # 8 h
    workday(staff.field_rep, WEDNESDAY, (9, 0), (13, 0))  # 4 h
    ControlTime.objects.create(supervisor=east, date=WEDNESDAY, seconds=720)

    summary = selectors.control_time_summary(user=east, date=WEDNESDAY, now=at(WEDNESDAY, 20))
    assert summary["basis"] == "worked"
    assert summary["controlled_seconds"] == 12 * 3600
    assert summary["budget_seconds"] == 2160  # 36 min
    assert summary["seconds"] == 720
    assert summary["share"] == 33  # of the budget used
    assert (summary["time"], summary["budget_time"], summary["over_budget"]) == ("12 min", "36 min", False)


def test_control_time_budget_counts_each_person_worked_or_scheduled(staff):
    """Someone who has started counts with the time worked so far, someone who has not with their
    scheduled time (not the first person to start making everybody else's time vanish)."""
    east = staff.east_head
    workday(staff.field_rep, WEDNESDAY, (9, 0))  # still working at 13:00: 4 h so far
    running = selectors.control_time_summary(user=east, date=WEDNESDAY, now=at(WEDNESDAY, 13))
    assert running["basis"] == "mixed"
    assert running["controlled_seconds"] == 4 * 3600 + 8 * 3600  # east_rep: 9 h − 1 h break
    assert running["budget_seconds"] == round(12 * 3600 * 0.05)


def test_control_time_budget_falls_back_to_the_scheduled_time(staff):
    east = staff.east_head
    summary = selectors.control_time_summary(user=east, date=WEDNESDAY, now=at(WEDNESDAY, 7))
    # nobody has started: two people × (9 h − 1 h break)
    assert summary["basis"] == "scheduled"
    assert summary["controlled_seconds"] == 2 * 8 * 3600
    assert summary["budget_seconds"] == 2880
    assert summary["seconds"] == 0 and summary["share"] == 0


def test_control_time_on_a_day_off_has_no_budget_and_is_never_over_it(staff):
    east = staff.east_head
    weekend = selectors.control_time_summary(user=east, date=SATURDAY, now=at(SATURDAY, 7))
    assert weekend["controlled_seconds"] == 0 and weekend["budget_seconds"] == 0
    assert weekend["basis"] == "day_off" and weekend["has_budget"] is False
    ControlTime.objects.create(supervisor=east, date=SATURDAY, seconds=185)
    spent = selectors.control_time_summary(user=east, date=SATURDAY, now=at(SATURDAY, 7))
    assert (spent["seconds"], spent["time"], spent["share"], spent["over_budget"]) == (
        185,
        "3 min 5 s",
        None,
        False,
    )
    # someone working on the day off gives a budget again
    workday(staff.east_rep, SATURDAY, (9, 0), (11, 0))
    worked = selectors.control_time_summary(user=east, date=SATURDAY, now=at(SATURDAY, 12))
    assert worked["basis"] == "worked" and worked["budget_seconds"] == 360
    assert worked["over_budget"] is False and worked["share"] == 51


def test_control_time_summary_of_someone_who_controls_nobody(staff):
    summary = selectors.control_time_summary(user=staff.developer, date=WEDNESDAY, now=NOW)
    assert (summary["people"], summary["budget_seconds"], summary["seconds"]) == (0, 0, 0)
    assert summary["basis"] == "nobody" and summary["over_budget"] is False


# --- the personal overview ---------------------------------------------------------------------------------


def test_personal_overview(staff):
    person = staff.developer
    workday(person, WEDNESDAY, (9, 0))
    for date in (MONDAY, TUESDAY):
        report(person, date, rating=POSITIVE)
    report(staff.east_rep, TUESDAY)  # not theirs
    counter(person, "tasks.overdue", 3)
    counter(person, "tasks.no_deadline", 0)

    overview = selectors.personal_overview(user=person, now=NOW)
    assert overview["today"] == WEDNESDAY
    assert overview["day"].date == WEDNESDAY
    assert [r.period_start for r in overview["reports"]] == [TUESDAY, MONDAY]
    assert [(c["key"], c["value"]) for c in overview["counters"]] == [("tasks.overdue", 3)]
