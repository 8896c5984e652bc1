# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""The control-time panel counts right: every moment from a page's opening to its leaving (quick hops
between pages included), minutes and seconds, a budget of 5% of the work of the people actually on the
page (direct or the whole sub-tree), no red bar on a day off, and the summary's queries at 5 and 50 people.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.people.models import User
from reports import selectors, services
from reports.models import ControlTime, WorkDay
from reports.views.control import control_time_text
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.control_support import (
    SATURDAY,
    WEDNESDAY,
    at,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import WorkScheduleFactory
from tests.utils import assert_query_budget

SECOND = datetime.timedelta(seconds=1)


def page_of(user, path: str = "", **params) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path or reverse("reports:home"), params)
    assert response.status_code == 200
    return response.content.decode()


def panel_of(html: str) -> str:
    match = re.search(r'<div class="card h-100" id="control-time".*?</div>\s*</div>\s*</div>', html, re.S)
    assert match, "no control-time panel"
    return match.group(0)


def bar_of(panel: str) -> str:
    return re.search(r'<div class="progress-bar[^"]*"', panel).group(0)


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": at(WEDNESDAY, 11)}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    return moment


def beat(person, moment) -> int:
    return services.control_time_beat(actor=person, now=moment).added


def seconds_of(person, date=WEDNESDAY) -> int:
    return ControlTime.objects.get(supervisor=person, date=date).seconds


# --- counting from the page's opening to its leaving ---------------------------------------------------------


def test_quick_page_hops_count(staff):
    """Open, leave, open the next page...: each a few seconds, no beat in between. All of it counts (before,
    the first beat went 5 s after a page opened, so these visits counted nothing)."""
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    assert beat(head, t) == 0  # the dashboard opens: the start
    assert beat(head, t + 3 * SECOND) == 3  # left for a report
    assert beat(head, t + 3.4 * SECOND) == 0  # the report opens 0.4 s later: carried, not lost
    assert beat(head, t + 7 * SECOND) == 4  # left again (3.6 s + the 0.4 s carried)
    assert beat(head, t + 8 * SECOND) == 1  # the inbox opens
    assert beat(head, t + 12 * SECOND) == 4  # and is left
    assert seconds_of(head) == 12


def test_the_time_between_two_stretches_does_not_count(staff):
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    beat(head, t)
    beat(head, t + 10 * SECOND)  # the page is left
    assert beat(head, t + 10 * 60 * SECOND) == 0  # ten minutes later a page opens: a new start
    assert beat(head, t + 10 * 60 * SECOND + 20 * SECOND) == 20
    assert seconds_of(head) == 30


def test_the_cap_keeps_two_tabs_from_counting_twice(staff):
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    beat(head, t)  # tab A opens
    beat(head, t + 5 * SECOND)  # tab B opens
    assert beat(head, t + 20 * SECOND) == 15  # A's beat: the time since B's
    assert beat(head, t + 25 * SECOND) == 5  # B's
    assert beat(head, t + 70 * SECOND) == 30  # 45 s without a beat: at most 30
    assert seconds_of(head) == 55


def test_a_leave_beat_by_send_beacon_with_the_csrf_token_as_a_form_field(staff, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff.east_head)
    html = client.get(reverse("reports:touch")).content.decode()
    token = re.search(r'id="control-beat"[^>]*data-csrf="([^"]+)"', html).group(1)
    url = reverse("reports:control_beat")
    assert client.post(url).status_code == 403  # no token
    assert client.post(url, {"csrfmiddlewaretoken": token}).json()["added"] == 0  # touch control opens
    clock["now"] += 9 * SECOND
    assert client.post(url, {"csrfmiddlewaretoken": token}).json() == {
        "added": 9,
        "seconds": 9,
        "date": "2026-11-18",
    }


def test_every_control_page_carries_the_heartbeat(staff, clock):
    for name in ("reports:home", "reports:touch", "reports:to_rate"):
        assert 'id="control-beat"' in page_of(staff.east_head, reverse(name)), name


# --- minutes and seconds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45, "45 s"), (60, "1 min"), (135, "2 min 15 s"), (720, "12 min"), (3725, "62 min 5 s")],
)
def test_durations_in_minutes_and_seconds(seconds, text):
    assert selectors.duration_text(seconds) == text


def test_the_panel_shows_minutes_and_seconds_and_the_share_of_the_budget(staff, clock):
    ControlTime.objects.create(supervisor=staff.east_head, date=WEDNESDAY, seconds=135)
    # nobody has started at 7:00: 2 people × 8 h, a budget of 48 min
    clock["now"] = at(WEDNESDAY, 7)
    panel = panel_of(page_of(staff.east_head))
    assert "Control today: 2 min 15 s of 48 min budget: 5%" in panel
    assert 'data-template="Control today: {time} of {budget} budget: {share}%"' in panel
    assert 'data-unit-seconds="{seconds} s"' in panel and 'data-unit-minutes="{minutes} min"' in panel
    assert 'data-width="5"' in bar_of(panel) + panel and "bg-success" in bar_of(panel)


def test_a_few_seconds_of_work_no_longer_give_a_zero_budget_at_83_percent(staff, clock):
    """Found by an outside test: the first person to start made everybody else's scheduled time vanish
    ("0 min of 0 min budget (83.3%)")."""
    workday(staff.east_rep, WEDNESDAY, (9, 0))
    ControlTime.objects.create(supervisor=staff.east_head, date=WEDNESDAY, seconds=50)
    clock["now"] = at(WEDNESDAY, 9, 1)
    summary = selectors.control_time_summary(user=staff.east_head)
    assert summary["controlled_seconds"] == 60 + 8 * 3600  # east_rep's minute, field_rep's schedule
    assert summary["budget_seconds"] == 1443 and summary["share"] == 3
    assert "Control today: 50 s of 24 min 3 s budget: 3%" in panel_of(page_of(staff.east_head))


def test_a_budget_of_zero_seconds_shows_no_share(staff):
    summary = {"basis": "worked", "has_budget": True, "budget_seconds": 0, "share": None}
    summary |= {"time": "10 s", "budget_time": "0 s"}
    assert control_time_text(summary) == "Control today: 10 s of 0 s budget"


# --- the day off ------------------------------------------------------------------------------------------


def test_a_day_off_has_no_budget_and_a_neutral_bar(staff, clock):
    clock["now"] = at(SATURDAY, 12)
    ControlTime.objects.create(supervisor=staff.east_head, date=SATURDAY, seconds=185)
    panel = panel_of(page_of(staff.east_head))
    assert "Control today: 3 min 5 s. No budget today (day off)." in panel
    assert 'data-template="Control today: {time}. No budget today (day off)."' in panel
    assert "Nobody you control is scheduled to work today." in panel
    assert "nobody has worked yet today" not in panel and "0.0%" not in panel
    assert "bg-secondary" in bar_of(panel) and "bg-danger" not in panel and "text-danger" not in panel
    assert 'data-has-budget="0"' in panel


# --- the people actually controlled -------------------------------------------------------------------------


def test_the_sub_tree_switch_counts_the_whole_sub_tree(staff, clock):
    clock["now"] = at(WEDNESDAY, 7)  # nobody has started: 8 h scheduled each, 24 min of budget each
    direct = panel_of(page_of(staff.sales_head, subtree="0"))
    assert "of 48 min budget" in direct and "your 2 people" in direct
    subtree = panel_of(page_of(staff.sales_head, subtree="1"))
    assert "of 96 min budget" in subtree and "your 4 people" in subtree
    summary = selectors.control_time_summary(user=staff.sales_head, subtree=True)
    assert (summary["people"], summary["budget_seconds"]) == (4, 4 * 1440)


def test_schedules_of_departments_people_and_time_zones_in_the_budget(staff, clock):
    """Each person with their own schedule: a department's short days, a personal day off, a time zone."""
    WorkScheduleFactory(department=staff.east, working_days=[0, 1, 2, 3, 4], start=datetime.time(10, 0))
    WorkScheduleFactory(user=staff.field_rep, working_days=[0, 1], start=datetime.time(8, 0))  # off today
    User.objects.filter(pk=staff.east_rep.pk).update(time_zone="Asia/Tokyo")
    clock["now"] = at(WEDNESDAY, 0, 30)  # 9:30 in Tokyo, nobody started
    summary = selectors.control_time_summary(user=staff.east_head)
    assert summary["basis"] == "scheduled"
    assert summary["controlled_seconds"] == 7 * 3600  # east_rep: 10:00-18:00 less the hour's break
    assert summary["people"] == 2


# --- queries --------------------------------------------------------------------------------------------------


def _company(count: int, start: int, root) -> None:
    """`count` more people in three departments (one with its own schedule), some with a personal schedule
    or another time zone; every other one has started today."""
    departments = list(root.get_children()) or [
        DepartmentFactory(name=f"Part {n}", parent=root) for n in range(3)
    ]
    if not WorkScheduleFactory._meta.model.objects.filter(department=departments[0]).exists():
        WorkScheduleFactory(department=departments[0], start=datetime.time(8, 0), end=datetime.time(16, 0))
    people = User.objects.bulk_create(
        [
            User(
                email=f"budget{start + i}@time.test",
                first_name="T",
                last_name=f"{start + i:04d}",
                department=departments[i % 3],
                time_zone="Europe/Berlin" if i % 4 == 0 else "UTC",
            )
            for i in range(count)
        ]
    )
    for person in people[::7]:
        WorkScheduleFactory(user=person, working_days=[2, 3])
    WorkDay.objects.bulk_create(
        [WorkDay(user=p, date=WEDNESDAY, started_at=at(WEDNESDAY, 9)) for p in people[::2]]
    )


@pytest.mark.parametrize("subtree", [True, False])
def test_the_summary_costs_the_same_queries_for_5_and_50_people(staff, subtree):
    company = DepartmentFactory(name="Budget company", parent=staff.root)
    head = UserFactory(department=company)
    company.head = head
    company.save(update_fields=["head"])
    _company(5, 0, company)
    now = at(WEDNESDAY, 11)

    def summary():
        head.refresh_from_db()
        return selectors.control_time_summary(user=head, now=now, subtree=subtree)

    small = summary()
    assert_query_budget(summary, lambda: _company(45, 5, company), budget=8)
    large = summary()
    assert large["controlled_seconds"] > small["controlled_seconds"] > 0
    if subtree:
        assert (small["people"], large["people"]) == (5, 50)


def test_the_summary_with_the_dashboards_ids_costs_few_queries(staff, django_assert_max_num_queries):
    board = selectors.dashboard(user=staff.sales_head, now=at(WEDNESDAY, 11))
    with django_assert_max_num_queries(5):  # (+ the company calendar of the schedules)
        summary = selectors.control_time_summary(
            user=staff.sales_head, date=board.today, now=board.now, people_ids=board.direct_ids
        )
    assert summary["people"] == 2
