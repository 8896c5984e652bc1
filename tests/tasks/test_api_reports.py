# ruff: noqa: F811 - the fixtures imported from test_views_reports are redefined as test arguments
"""The reports of the tasks API: GET /api/v1/tasks/efficiency/ and /api/v1/tasks/time-report/: the same rules as
the pages (themselves; a supervisor the sub-tree; admins everyone; a department outside the sub-tree 404,
people outside it left out), validation errors in the API's one shape, the schema, and query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tasks.forms.reports import period_bounds
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory
from tests.tasks.test_views_reports import MARCH, at, closed, logged, march  # noqa: F401 (fixtures)
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db

EFFICIENCY = "/api/v1/tasks/efficiency/"
TIME = "/api/v1/tasks/time-report/"
PERIOD = {"start": MARCH["start"], "end": MARCH["end"]}


def get(user, url, **params):
    return client_as(user).get(url, params)


def by_person(body) -> dict:
    return {
        row["user_id"]: (row["closed"], row["on_time"], row["overdue"], row["share"]) for row in body["rows"]
    }


# --- efficiency --------------------------------------------------------------------------------------


def test_efficiency_of_oneself(org, march):
    response = get(org.east_rep, EFFICIENCY, **PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["total"]) == ("2025-03-01", "2025-03-31", None)
    assert by_person(body) == {org.east_rep.pk: (3, 2, 1, 50)}
    assert body["rows"][0]["name"] == org.east_rep.full_name
    assert set(body["rows"][0]) == {"user_id", "name", "closed", "on_time", "overdue", "share"}


def test_a_supervisor_sees_the_subtree_and_asks_for_some_people(org, march):
    body = get(org.sales_head, EFFICIENCY, **PERIOD).json()
    assert set(by_person(body)) == {
        org.sales_head.pk,
        org.sales_rep.pk,
        org.east_head.pk,
        org.east_rep.pk,
        org.field_rep.pk,
    }
    # People outside the sub-tree are left out, whichever way the ids come.
    body = get(org.sales_head, EFFICIENCY, people=f"{org.east_rep.pk},{org.developer.pk}", **PERIOD).json()
    assert by_person(body) == {org.east_rep.pk: (3, 2, 1, 50)}
    response = client_as(org.sales_head).get(
        EFFICIENCY, {"people": [org.field_rep.pk, org.sales_rep.pk], **PERIOD}
    )
    assert set(by_person(response.json())) == {org.field_rep.pk, org.sales_rep.pk}
    assert by_person(get(org.east_rep, EFFICIENCY, people=org.sales_rep.pk, **PERIOD).json()) == {}


def test_a_department_with_its_total(org, march):
    body = get(org.sales_head, EFFICIENCY, department=org.east.pk, **PERIOD).json()
    assert set(by_person(body)) == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    assert body["total"] == {
        "department_id": org.east.pk,
        "name": "Sales East",
        "closed": 4,
        "on_time": 3,
        "overdue": 1,
        "share": 60,
    }
    body = get(org.admin, EFFICIENCY, department=org.it.pk, **PERIOD).json()
    assert by_person(body)[org.developer.pk] == (1, 1, 0, 100)


def test_a_department_outside_the_subtree_answers_404(org, march):
    for user, department in [
        (org.it_head, org.east.pk),
        (org.east_head, org.sales.pk),
        (org.east_rep, org.east.pk),
        (org.sales_head, 999999),
    ]:
        response = get(user, EFFICIENCY, department=department, **PERIOD)
        assert response.status_code == 404, (user, department)
        assert response.json()["error"]["status"] == 404


def test_efficiency_defaults_to_this_month(org):
    TaskFactory(responsible=org.east_rep, status="completed", completed_at=timezone.now())
    body = get(org.east_rep, EFFICIENCY).json()
    start, end = period_bounds("this_month", timezone.localdate())
    assert (body["start"], body["end"]) == (start.isoformat(), end.isoformat())
    assert by_person(body) == {org.east_rep.pk: (1, 1, 0, 100)}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-03-01"}, "end"),
        ({"end": "2025-03-01"}, "start"),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "end"),
        ({"start": "2020-01-01", "end": "2025-03-01"}, "end"),
        ({"start": "soon", "end": "2025-03-01"}, "start"),
        ({"people": "1,x"}, "people"),
        ({"department": "sales"}, "department"),
    ],
)
def test_efficiency_validation(org, params, field):
    response = get(org.sales_head, EFFICIENCY, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_efficiency_needs_a_signed_in_person(org):
    assert client_as(None).get(EFFICIENCY).status_code in (401, 403)
    assert client_as(None).get(TIME).status_code in (401, 403)


def test_efficiency_query_budget(org, march):
    client = client_as(org.sales_head)

    def grow():
        for _ in range(10):
            person = UserFactory(department=org.east)
            closed(person, completed=at(2025, 3, 8, 12))

    client.get(EFFICIENCY, PERIOD)
    assert_query_budget(
        lambda: client.get(EFFICIENCY, {"department": org.sales.pk, **PERIOD}), grow, budget=8
    )
    assert_query_budget(lambda: client.get(EFFICIENCY, PERIOD), lambda: None, budget=8)


# --- time --------------------------------------------------------------------------------------------


def test_time_by_task(org, logged):
    response = get(org.east_rep, TIME, **PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert body["group_by"] == "task" and (body["total_seconds"], body["total_entries"]) == (11400, 4)
    assert body["rows"][0] == {
        "id": logged["design"].pk,
        "name": "Design",
        "seconds": 5400,
        "entries": 2,
        "time_estimate": 3600,
    }
    assert [row["name"] for row in body["rows"]] == ["Design", "Build", "Memo"]


def test_time_by_person_and_project(org, logged):
    body = get(org.east_rep, TIME, group_by="person", **PERIOD).json()
    assert [(r["id"], r["seconds"], r["time_estimate"]) for r in body["rows"]] == [
        (org.field_rep.pk, 7200, None),
        (org.east_rep.pk, 4200, None),
    ]
    body = get(org.east_rep, TIME, group_by="project", **PERIOD).json()
    assert [(r["id"], r["name"], r["seconds"]) for r in body["rows"]] == [
        (logged["site"].pk, "Site", 10800),
        (None, None, 600),
    ]


def test_time_counts_only_tasks_the_caller_may_see(org, logged):
    body = get(org.developer, TIME, **PERIOD).json()
    assert [r["name"] for r in body["rows"]] == ["Budget"]
    assert get(org.sales_rep, TIME, **PERIOD).json()["rows"] == []


def test_time_filters_and_404s(org, logged):
    assert get(org.east_rep, TIME, person=org.field_rep.pk, **PERIOD).json()["total_seconds"] == 7200
    assert get(org.east_rep, TIME, group=logged["site"].pk, **PERIOD).json()["total_seconds"] == 10800
    # A secret project the caller is not in, and a person who is not there, answer 404.
    assert get(org.developer, TIME, group=logged["site"].pk, **PERIOD).status_code == 404
    assert get(org.east_rep, TIME, person=999999, **PERIOD).status_code == 404
    response = get(org.east_rep, TIME, group_by="week", **PERIOD)
    assert response.status_code == 400 and "group_by" in response.json()["error"]["fields"]


def test_time_query_budget(org, logged):
    client = client_as(org.sales_head)

    def grow():
        for i in range(10):
            person = UserFactory(department=org.east)
            task = TaskFactory(title=f"More {i}", creator=person, responsible=person)
            TimeEntryFactory(
                task=task,
                user=person,
                seconds=600,
                started_at=at(2025, 3, 12, 9),
                ended_at=at(2025, 3, 12, 9) + datetime.timedelta(minutes=10),
            )

    client.get(TIME, PERIOD)
    for group_by in ("task", "person", "project"):
        assert_query_budget(lambda g=group_by: client.get(TIME, {"group_by": g, **PERIOD}), grow, budget=5)
        grow = lambda: None  # noqa: E731


# --- found by the API fuzz (tests/core/test_api_fuzz.py) ---------------------------------------------


@pytest.mark.parametrize("url", [EFFICIENCY, TIME])
def test_periods_stay_within_the_calendar(org, url):
    """The reports count up to the moment after the last day, which 9999-12-31 has not: that was a server
    error; and "²" passed for a person id."""
    response = get(org.sales_head, url, start="9999-12-01", end="9999-12-31")
    assert response.status_code == 400 and "end" in response.json()["error"]["fields"]
    response = get(org.sales_head, url, start="0001-01-01", end="0001-01-31")
    assert response.status_code == 400 and "start" in response.json()["error"]["fields"]
    if url == EFFICIENCY:
        response = get(org.sales_head, url, people="\u00b2")
        assert response.status_code == 400 and "people" in response.json()["error"]["fields"]
