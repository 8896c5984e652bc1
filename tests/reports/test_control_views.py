# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""Control pages: reports:home as the dashboard (direct / sub-tree, htmx, only signals, the control-time and
digest panels, the heartbeat script) or as the personal overview, touch control, the heartbeat endpoint and
the page's query budget."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import UserCounter
from portal.people.models import User
from reports import selectors
from reports.models import ControlCheck, ControlTime
from reports.selectors.control import DASHBOARD_PAGE_SIZE
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.control_support import (
    MONDAY,
    NEGATIVE,
    NOW,
    POSITIVE,
    TUESDAY,
    WEDNESDAY,
    at,
    counter,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import DigestFactory
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget


@pytest.fixture
def clock(monkeypatch):
    """Pages read the real clock: pin it to Wednesday 11:00 UTC."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def control_time_panel(html: str) -> str:
    """The control-time panel of a page."""
    match = re.search(r'<div class="card h-100" id="control-time".*?data-control-time-basis', html, re.S)
    assert match, "no control-time panel"
    return match.group(0)


def rows_of(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-person="(\d+)"', html)]


# --- the dashboard ------------------------------------------------------------------------------------------


def test_home_is_the_dashboard_for_a_supervisor(staff, clock):
    workday(staff.east_head, WEDNESDAY, (9, 30), late=True)
    report(staff.sales_rep, TUESDAY, rating=NEGATIVE)
    response = page_client(staff.sales_head).get(reverse("reports:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="control-dashboard"' in html
    assert set(rows_of(html)) == {staff.sales_rep.pk, staff.east_head.pk}
    board = response.context["board"]
    assert board.summary in html
    assert f'data-signals="{board.signals}"' in html
    assert 'data-signal="red"' in html and 'data-signal="amber"' in html
    # every column has its header; red and amber cells carry an icon, not only a colour
    for column in board.columns:
        assert f'data-column="{column.key}"' in html
    assert "bi-exclamation-octagon-fill" in html and "bi-exclamation-triangle-fill" in html
    # a cell leads to the list behind it
    assert f"{reverse('reports:report_list')}?author={staff.sales_rep.pk}" in html
    # the control-time panel, the heartbeat and the switch
    assert "Control today: 0 s of" in html
    assert 'id="control-beat"' in html and "reports/control.js" in html
    assert 'id="control-subtree"' in html


def test_the_switch_to_the_whole_sub_tree_and_its_htmx_partial(staff, clock):
    client = page_client(staff.sales_head)
    full = client.get(reverse("reports:home"), {"subtree": "1"})
    assert set(rows_of(full.content.decode())) == {
        staff.sales_rep.pk,
        staff.east_head.pk,
        staff.east_rep.pk,
        staff.field_rep.pk,
    }
    partial = client.get(reverse("reports:home"), {"subtree": "1"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert html.lstrip().startswith('<section id="control-dashboard"')
    assert "<html" not in html and 'id="control-beat"' not in html
    # the panels of the page that depend on the switch come along out of band: the budget of the people shown
    assert 'id="control-time" data-control-time hx-swap-oob="true"' in html
    assert 'id="control-to-rate" hx-swap-oob="true"' in html and "?all=1" in html
    assert len(rows_of(html)) == 4
    assert 'id="control-subtree"' in html and 'aria-current="true"' in html


def test_only_rows_with_signals(staff, clock):
    for date in (MONDAY, TUESDAY):
        workday(staff.east_rep, date, (9, 0), (18, 0))
    workday(staff.east_rep, WEDNESDAY, (8, 55))
    report(staff.east_rep, TUESDAY, rating=POSITIVE)  # all fine
    client = page_client(staff.east_head)
    everyone = client.get(reverse("reports:home")).content.decode()
    assert set(rows_of(everyone)) == {staff.east_rep.pk, staff.field_rep.pk}
    only = client.get(reverse("reports:home"), {"signals": "1"}).content.decode()
    assert rows_of(only) == [staff.field_rep.pk]


def test_the_control_time_panel_shows_the_measured_time_against_the_budget(staff, clock):
    workday(staff.east_rep, WEDNESDAY, (3, 0))  # 8 h by 11:00; field_rep not started: 8 h scheduled
    ControlTime.objects.create(supervisor=staff.east_head, date=WEDNESDAY, seconds=735)
    html = page_client(staff.east_head).get(reverse("reports:home")).content.decode()
    assert "Control today: 12 min 15 s of 48 min budget: 26%" in html
    assert 'data-controlled-seconds="57600"' in html and 'data-budget-seconds="2880"' in html
    assert 'data-template="Control today: {time} of {budget} budget: {share}%"' in html
    assert 'data-unit-both="{minutes} min {seconds} s"' in html
    panel = control_time_panel(html)
    assert "bg-success" in panel and "bg-danger" not in panel


def test_the_control_time_budget_line_counts_people_in_singular_and_plural(staff, clock):
    team = DepartmentFactory(name="Pair", parent=staff.root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    person = UserFactory(department=team)
    html = page_client(head).get(reverse("reports:home")).content.decode()
    assert "of the scheduled time of your 1 person (who has not worked yet today)." in html
    workday(person, WEDNESDAY, (9, 0))
    html = page_client(head).get(reverse("reports:home")).content.decode()
    assert "of the time your 1 person has worked today." in html
    assert "your 1 people" not in html
    html = page_client(staff.east_head).get(reverse("reports:home")).content.decode()
    assert re.search(r"of the scheduled time of your [2-9] people \(nobody has worked yet today\)\.", html)


def test_the_latest_control_digest_is_on_the_dashboard(staff, clock):
    DigestFactory(recipient=staff.east_head, date=TUESDAY, signals=1)
    latest = DigestFactory(recipient=staff.east_head, date=WEDNESDAY, signals=3)
    DigestFactory(recipient=staff.sales_head, date=WEDNESDAY, signals=9)  # someone else's
    response = page_client(staff.east_head).get(reverse("reports:home"))
    assert response.context["digest"] == latest
    html = response.content.decode()
    assert 'id="digest-panel"' in html and "3 signals" in html
    assert reverse("reports:digest_detail", args=[latest.pk]) in html


def test_without_a_digest(staff, clock):
    response = page_client(staff.east_head).get(reverse("reports:home"))
    assert response.context["digest"] is None
    assert response.status_code == 200


def test_nobody_reports_to_a_head_of_an_empty_department(staff, clock):
    team = DepartmentFactory(name="Empty", parent=staff.root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    html = page_client(head).get(reverse("reports:home")).content.decode()
    assert "Nobody reports to you yet." in html
    assert "All is fine" in html


def _team(root):
    team = DepartmentFactory(name="Page budget", parent=root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    return team, head


def _grow(team, count: int, start: int) -> None:
    from reports.models import WorkDay, WorkReport

    people = User.objects.bulk_create(
        [
            User(
                email=f"page{start + i}@budget.test",
                first_name="Q",
                last_name=f"{start + i:04d}",
                department=team,
            )
            for i in range(count)
        ]
    )
    WorkDay.objects.bulk_create(
        [WorkDay(user=p, date=WEDNESDAY, started_at=at(WEDNESDAY, 9, 20), is_late=True) for p in people[::2]]
    )
    WorkReport.objects.bulk_create(
        [
            WorkReport(
                author=p, period_start=TUESDAY, period_end=TUESDAY, status="sent", sent_at=at(TUESDAY, 18)
            )
            for p in people
        ]
    )
    UserCounter.objects.bulk_create([UserCounter(user=p, key="tasks.overdue", value=1) for p in people[1::2]])


def test_the_dashboard_page_costs_the_same_queries_for_5_and_500_people(staff, clock):
    team, head = _team(staff.root)
    _grow(team, 5, 0)
    client = page_client(head)

    def fetch():
        response = client.get(reverse("reports:home"), {"subtree": "1"})
        assert response.status_code == 200
        return response

    fetch()  # the session's first request writes it; measure the steady state
    # session, viewer, the dashboard (16), control time (6: the row, the direct people, hours), the digest,
    # the shell (company, counters)
    # + the company calendar (the dashboard, the control time) and who is away this week (core absences)
    assert_query_budget(fetch, lambda: _grow(team, 495, 5), budget=30)
    html = fetch().content.decode()
    # a page of rows; the counts cover all 500
    assert len(rows_of(html)) == DASHBOARD_PAGE_SIZE
    assert 'data-people="500"' in html


def test_the_dashboard_is_paged_signals_first_keeping_its_filters(staff, clock):
    team, head = _team(staff.root)
    _grow(team, 120, 0)
    client = page_client(head)
    first = client.get(reverse("reports:home"), {"subtree": "1"})
    html = first.content.decode()
    board = first.context["board"]
    assert (board.page, board.pages, board.row_count, board.people_count) == (1, 3, 120, 120)
    # signals first: red rows before amber rows before green ones, on every page
    keys = [(-row.red, -row.amber) for row in board.rows]
    assert keys == sorted(keys)
    assert board.rows[0].signals > 0
    # the people in each state cover everybody, not just the page
    assert board.people_red + board.people_amber + board.people_green == 120
    assert board.people_red == sum(1 for r in selectors.dashboard(user=head, subtree=True).rows if r.red)
    assert 'id="control-page-next"' in html and 'id="control-page-previous"' not in html
    next_url = re.search(r'id="control-page-next" rel="next" href="([^"]+)"', html).group(1)
    assert next_url.replace("&amp;", "&") == f"{reverse('reports:home')}?subtree=1&signals=0&page=2"
    assert f'hx-get="{next_url}"' in html
    # the next page as an htmx partial: other rows, both links
    second = client.get(reverse("reports:home"), {"subtree": "1", "page": "2"}, HTTP_HX_REQUEST="true")
    part = second.content.decode()
    assert "<!doctype" not in part
    assert not set(rows_of(part)) & set(rows_of(html))
    assert 'id="control-page-previous"' in part and 'id="control-page-next"' in part
    # the whole sub-tree over the pages, each person once, in the selector's order
    last = client.get(reverse("reports:home"), {"subtree": "1", "page": "3"}).content.decode()
    everyone = rows_of(html) + rows_of(part) + rows_of(last)
    assert everyone == [row.person.pk for row in selectors.dashboard(user=head, subtree=True).rows]
    # out of range is the last page; only signals keeps the filter in the links
    assert rows_of(client.get(reverse("reports:home"), {"subtree": "1", "page": "99"}).content.decode()) == (
        rows_of(last)
    )
    signals = client.get(reverse("reports:home"), {"subtree": "1", "signals": "1"})
    assert signals.context["board"].pages == 3  # everybody here has a signal
    link = re.search(r'id="control-page-next" rel="next" href="([^"]+)"', signals.content.decode()).group(1)
    assert link.replace("&amp;", "&") == f"{reverse('reports:home')}?subtree=1&signals=1&page=2"
    assert all(row.signals for row in signals.context["board"].rows)


# --- the personal overview -------------------------------------------------------------------------------


def test_home_is_the_personal_overview_for_people_who_control_nobody(staff, clock):
    person = staff.east_rep
    workday(person, WEDNESDAY, (9, 2))
    report(person, TUESDAY, rating=POSITIVE)
    counter(person, "tasks.overdue", 2)
    response = page_client(person).get(reverse("reports:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="overview-today"' in html and 'data-state="open"' in html
    assert f'data-report="{response.context["overview"]["reports"][0].pk}"' in html
    assert 'data-counter="tasks.overdue"' in html
    assert 'id="overview-timesheet"' in html
    assert 'id="control-dashboard"' not in html
    assert 'id="control-beat"' not in html  # no control time for them
    assert 'id="overview-dashboard"' not in html


def test_a_supervisor_has_a_personal_overview_too(staff, clock):
    html = page_client(staff.east_head).get(reverse("reports:overview")).content.decode()
    assert 'id="overview-today"' in html and 'data-state="none"' in html
    assert 'id="overview-dashboard"' in html


# --- touch control ------------------------------------------------------------------------------------------


def test_touch_control_page_pick_and_check(staff, clock):
    task = TaskFactory(
        responsible=staff.east_rep,
        status="completed",
        completed_at=NOW - datetime.timedelta(days=1),
        title="Ship it",
    )
    client = page_client(staff.east_head)
    page = client.get(reverse("reports:touch"))
    assert page.status_code == 200
    html = page.content.decode()
    # "Whose item" is core's chip picker over the "my_people" lookup: no <select> of the whole sub-tree.
    assert 'data-sources="my_people"' in html and 'id="touch-subject" role="combobox"' in html
    form = html.split('id="touch-pick"')[1].split("</form>")[0]
    assert "<select" not in form and "<option" not in form and staff.east_rep.full_name not in form
    assert "lumen/chip_picker.js" in html

    picked = client.post(reverse("reports:touch"), {"subject": staff.east_rep.pk})
    check = ControlCheck.objects.get()
    assert picked.status_code == 302
    assert picked["Location"] == f"{reverse('reports:touch')}#check-{check.pk}"
    assert check.item_url == task.get_absolute_url()
    html = client.get(reverse("reports:touch")).content.decode()
    assert f'id="check-{check.pk}"' in html and "Task: Ship it" in html

    done = client.post(reverse("reports:touch_done", args=[check.pk]), {"note": "Fine"})
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.checked_at is not None and check.note == "Fine"
    html = client.get(reverse("reports:touch")).content.decode()
    assert f'id="check-{check.pk}"' not in html
    assert re.search(rf'<tr data-check="{check.pk}">', html)

    again = client.post(reverse("reports:touch_done", args=[check.pk]), {"note": ""}, follow=True)
    assert "already marked as checked" in again.content.decode()


def test_the_my_people_lookup_offers_only_the_people_i_control(staff, clock):
    def offered(user, q=""):
        response = page_client(user).get(reverse("lookup"), {"sources": "my_people", "q": q})
        assert response.status_code == 200
        return {int(item["value"]) for group in response.json()["results"] for item in group["items"]}

    mine = offered(staff.east_head)
    assert staff.east_rep.pk in mine and staff.sales_rep.pk not in mine and staff.east_head.pk not in mine
    # (Searched by name: another of my people may share a generated last name, never someone else's.)
    assert staff.east_rep.pk in offered(staff.east_head, staff.east_rep.last_name)
    assert offered(staff.east_head, staff.sales_rep.last_name) <= mine
    assert offered(staff.east_rep) == set()  # controls nobody
    # A chip is labelled for my people only: someone else's pk stays a bare number.
    from reports.lookups import my_people_resolve

    values = [staff.sales_rep.pk, staff.east_rep.pk]
    labels = [item.label for item in my_people_resolve(user=staff.east_head, values=values)]
    assert labels == [staff.east_rep.full_name]


def test_touch_with_nothing_to_check_says_so(staff, clock):
    response = page_client(staff.east_head).post(reverse("reports:touch"), {}, follow=True)
    assert response.status_code == 200
    assert "Nothing new to check" in response.content.decode()
    assert not ControlCheck.objects.exists()


def test_touch_for_someone_i_do_not_supervise(staff, clock):
    client = page_client(staff.east_head)
    assert client.post(reverse("reports:touch"), {"subject": staff.developer.pk}).status_code == 403
    assert client.post(reverse("reports:touch"), {"subject": 999999}).status_code == 404
    assert client.post(reverse("reports:touch"), {"subject": "x"}).status_code == 404


# --- the heartbeat ------------------------------------------------------------------------------------------


def test_the_heartbeat_endpoint(staff, monkeypatch):
    moments = iter([at(WEDNESDAY, 10), at(WEDNESDAY, 10, 0) + datetime.timedelta(seconds=20)])
    current = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: current["now"])
    client = page_client(staff.east_head)
    current["now"] = next(moments)
    first = client.post(reverse("reports:control_beat"))
    assert first.status_code == 200
    assert first.json() == {"added": 0, "seconds": 0, "date": "2026-11-18"}  # the page opens
    current["now"] = next(moments)
    assert client.post(reverse("reports:control_beat")).json()["seconds"] == 20
    assert client.get(reverse("reports:control_beat")).status_code == 405
    assert page_client(staff.east_rep).post(reverse("reports:control_beat")).status_code == 403
    assert ControlTime.objects.get(supervisor=staff.east_head, date=WEDNESDAY).seconds == 20


def test_the_heartbeat_include_renders_only_for_those_who_control_people(staff, rf):
    from django.template.loader import render_to_string

    for person, expected in ((staff.east_head, True), (staff.admin, True), (staff.east_rep, False)):
        request = rf.get("/")
        request.user = person
        html = render_to_string("reports/control/partials/beat.html", request=request)
        assert ('id="control-beat"' in html) is expected
        if expected:
            assert f'data-beat-url="{reverse("reports:control_beat")}"' in html
            assert 'data-interval="20"' in html and 'data-idle="60"' in html


def test_the_heartbeat_script_is_served(staff):
    from django.contrib.staticfiles import finders

    path = finders.find("reports/control.js")
    assert path
    source = open(path, encoding="utf-8").read()
    assert "visibilityState" in source and "X-CSRFToken" in source
