# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""The control API: the dashboard (the same data as the page), touch control, control time, and the schema."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from reports import selectors
from reports.models import ControlCheck, ControlTime
from tests.reports.control_support import (
    NEGATIVE,
    NOW,
    TUESDAY,
    WEDNESDAY,
    at,
    counter,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import ControlCheckFactory
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

DASHBOARD = "/api/v1/reports/dashboard/"
TOUCH = "/api/v1/reports/touch/"
CONTROL_TIME = "/api/v1/reports/control-time/"
BEAT = "/api/v1/reports/control-time/beat/"


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_the_dashboard_has_the_same_data_as_the_page(staff, clock):
    workday(staff.east_head, WEDNESDAY, (9, 30), late=True)
    report(staff.east_rep, TUESDAY, rating=NEGATIVE)
    counter(staff.field_rep, "tasks.overdue", 2)
    ControlTime.objects.create(supervisor=staff.sales_head, date=WEDNESDAY, seconds=300)

    response = client_as(staff.sales_head).get(DASHBOARD, {"subtree": "1"})
    assert response.status_code == 200
    data = response.json()
    board = selectors.dashboard(user=staff.sales_head, subtree=True, now=NOW)
    keys = [column.key for column in board.columns]
    cells = {row.person.pk: dict(zip(keys, row.cells, strict=True)) for row in board.rows}
    assert data["today"] == "2026-11-18"
    assert data["subtree"] is True and data["only_signals"] is False
    assert (data["red"], data["amber"], data["signals"]) == (board.red, board.amber, board.signals)
    assert data["summary"] == board.summary
    assert [c["key"] for c in data["columns"]] == [c.key for c in board.columns]
    assert [r["person"]["id"] for r in data["rows"]] == [r.person.pk for r in board.rows]
    by_id = {r["person"]["id"]: r for r in data["rows"]}
    assert by_id[staff.east_head.pk]["cells"]["workday"]["signal"] == "amber"
    assert by_id[staff.east_rep.pk]["cells"]["last_report"] == {
        "value": "negative",
        "signal": "red",
        "url": f"/reports/work/?author={staff.east_rep.pk}",
        "text": cells[staff.east_rep.pk]["last_report"].display,
        "hint": "The last report is rated negative",
    }
    assert by_id[staff.field_rep.pk]["cells"]["tasks_overdue"]["value"] == 2
    assert by_id[staff.field_rep.pk]["person"]["department"] == "East Field"
    assert data["control_time"]["seconds"] == 300

    direct = client_as(staff.sales_head).get(DASHBOARD).json()
    assert {r["person"]["id"] for r in direct["rows"]} == {staff.sales_rep.pk, staff.east_head.pk}
    only = client_as(staff.sales_head).get(DASHBOARD, {"subtree": "1", "signals": "1"}).json()
    assert all(r["red"] + r["amber"] for r in only["rows"])


def test_the_dashboard_is_for_those_who_control_people(staff, clock):
    response = client_as(staff.east_rep).get(DASHBOARD)
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403


def test_touch_pick_list_retrieve_and_done(staff, clock):
    TaskFactory(responsible=staff.east_rep, status="completed", completed_at=NOW - datetime.timedelta(days=1))
    client = client_as(staff.east_head)
    picked = client.post(TOUCH, {"subject": staff.east_rep.pk}, format="json")
    assert picked.status_code == 201
    check = picked.json()
    assert check["subject"]["id"] == staff.east_rep.pk
    assert check["item_type"] == "tasks.task"
    assert check["checked_at"] is None

    listed = client.get(TOUCH).json()
    assert [c["id"] for c in listed["results"]] == [check["id"]]
    assert client.get(f"{TOUCH}{check['id']}/").json()["item_url"] == check["item_url"]

    done = client.post(f"{TOUCH}{check['id']}/done/", {"note": "Good"}, format="json")
    assert done.status_code == 200
    assert done.json()["note"] == "Good" and done.json()["checked_at"]
    again = client.post(f"{TOUCH}{check['id']}/done/", {}, format="json")
    assert again.status_code == 400
    assert "check" in again.json()["error"]["fields"]

    nothing = client.post(TOUCH, {"subject": staff.east_rep.pk}, format="json")
    assert nothing.status_code == 400
    assert "subject" in nothing.json()["error"]["fields"]


def test_touch_rules(staff, clock):
    client = client_as(staff.east_head)
    assert client.post(TOUCH, {"subject": staff.developer.pk}, format="json").status_code == 403
    assert client.post(TOUCH, {"subject": 999999}, format="json").status_code == 400
    assert client_as(staff.east_rep).post(TOUCH, {}, format="json").status_code == 403
    assert client_as(staff.east_rep).get(TOUCH).status_code == 403
    others = ControlCheckFactory(supervisor=staff.sales_head, subject=staff.sales_rep)
    assert client.get(f"{TOUCH}{others.pk}/").status_code == 404
    assert client.post(f"{TOUCH}{others.pk}/done/", {}, format="json").status_code == 404
    # admins see every check (HR oversight) but mark only their own
    admin = client_as(staff.admin)
    assert others.pk in [c["id"] for c in admin.get(TOUCH).json()["results"]]
    assert admin.post(f"{TOUCH}{others.pk}/done/", {}, format="json").status_code == 403
    assert ControlCheck.objects.get(pk=others.pk).checked_at is None


def test_control_time_beat_and_summary(staff, monkeypatch):
    current = {"now": at(WEDNESDAY, 10)}
    monkeypatch.setattr(timezone, "now", lambda: current["now"])
    client = client_as(staff.east_head)
    assert client.post(BEAT).json() == {"added": 0, "seconds": 0, "date": "2026-11-18"}  # the page opens
    current["now"] = at(WEDNESDAY, 10) + datetime.timedelta(seconds=25)
    assert client.post(BEAT).json()["added"] == 25
    workday(staff.east_rep, WEDNESDAY, (2, 0), (10, 0))  # 8 h
    workday(staff.field_rep, WEDNESDAY, (2, 0), (6, 0))  # 4 h

    summary = client.get(CONTROL_TIME, {"date": "2026-11-18"}).json()
    assert summary["seconds"] == 25 and summary["time"] == "25 s"
    assert summary["controlled_seconds"] == 12 * 3600
    assert summary["budget_seconds"] == 2160 and summary["budget_time"] == "36 min"
    assert summary["share"] == 1
    assert summary["basis"] == "worked" and summary["people"] == 2
    assert client.get(CONTROL_TIME).json()["date"] == "2026-11-18"  # my today
    bad = client.get(CONTROL_TIME, {"date": "yesterday"})
    assert bad.status_code == 400 and "date" in bad.json()["error"]["fields"]
    assert client_as(staff.east_rep).post(BEAT).status_code == 403
    assert client_as(staff.east_rep).get(CONTROL_TIME).status_code == 403


def test_control_time_of_the_whole_sub_tree(staff, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(WEDNESDAY, 7))
    client = client_as(staff.sales_head)  # directly: sales_rep, east_head; the sub-tree adds two more
    direct = client.get(CONTROL_TIME).json()
    subtree = client.get(CONTROL_TIME, {"subtree": "1"}).json()
    assert (direct["people"], subtree["people"]) == (2, 4)
    assert subtree["budget_seconds"] == 2 * direct["budget_seconds"] == 4 * 1440
    board = client.get(DASHBOARD, {"subtree": "1"}).json()
    assert board["control_time"]["people"] == 4 and board["control_time"]["budget_seconds"] == 4 * 1440
    assert client.get(DASHBOARD, {"subtree": "0"}).json()["control_time"]["people"] == 2


def test_the_endpoints_are_in_the_schema(staff):
    response = client_as(staff.east_head).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/reports/dashboard/",
        "/api/v1/reports/touch/",
        "/api/v1/reports/touch/{id}/",
        "/api/v1/reports/touch/{id}/done/",
        "/api/v1/reports/control-time/",
        "/api/v1/reports/control-time/beat/",
    ):
        assert path in paths, path
    dashboard = paths["/api/v1/reports/dashboard/"]["get"]
    assert {p["name"] for p in dashboard["parameters"]} >= {"subtree", "signals"}
    assert "date" in {p["name"] for p in paths["/api/v1/reports/control-time/"]["get"]["parameters"]}
    assert "post" in paths["/api/v1/reports/touch/"] and "get" in paths["/api/v1/reports/touch/"]


def test_the_dashboard_and_control_time_are_documented_as_one_object():
    """Found by the API fuzz: as view set `list`s, they were documented as arrays of what they answer."""
    from tests.core.openapi import response_schema

    for url in (DASHBOARD, CONTROL_TIME):
        documented = response_schema(url, "get")
        assert documented["type"] == "object" and "date" in str(documented["properties"]), url


def test_the_dashboard_api_is_paged_signals_first_in_constant_queries(staff, clock):
    from reports.selectors.control import DASHBOARD_PAGE_SIZE
    from tests.reports.test_control_views import _grow, _team
    from tests.utils import assert_query_budget

    team, head = _team(staff.root)
    _grow(team, 5, 0)
    client = client_as(head)

    def fetch():
        response = client.get(DASHBOARD, {"subtree": "1"})
        assert response.status_code == 200
        return response.json()

    fetch()
    # + the company calendar (the dashboard, the control time) and who is away this week (core absences)
    assert_query_budget(fetch, lambda: _grow(team, 95, 5), budget=29)
    data = fetch()
    assert (data["count"], data["page"], data["pages"]) == (100, 1, 2)
    assert len(data["rows"]) == DASHBOARD_PAGE_SIZE
    assert data["people_red"] + data["people_amber"] <= 100 and data["previous"] is None
    assert data["next"].endswith("?subtree=1&page=2")
    keys = [(-r["red"], -r["amber"]) for r in data["rows"]]
    assert keys == sorted(keys)
    second = client.get(data["next"]).json()
    assert (second["page"], second["next"]) == (2, None) and second["previous"].endswith("page=1")
    ids = [r["person"]["id"] for r in data["rows"] + second["rows"]]
    board = selectors.dashboard(user=head, subtree=True)
    assert ids == [row.person.pk for row in board.rows]
    assert (second["red"], second["amber"]) == (board.red, board.amber)
    # the cells of the page carry their links (built for the page's rows only)
    assert all(r["cells"]["tasks_overdue"]["url"].startswith("/tasks/") for r in second["rows"])
