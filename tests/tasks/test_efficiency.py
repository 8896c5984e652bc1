"""Reports of time and efficiency: `time_spent_by` and `efficiency` (tasks/selectors.py), limited to what
the viewer may see, in a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tasks import selectors
from tasks.choices import TaskStatus
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory
from tests.utils import count_queries

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


# --- time spent --------------------------------------------------------------------------------------


@pytest.fixture
def logged(org):
    """Time on three tasks: two in the "Site" project (east_rep responsible), one hidden from east_rep."""
    site = WorkgroupFactory(name="Site", visibility="secret")
    MembershipFactory(group=site, user=org.east_rep)
    design = TaskFactory(
        title="Design", creator=org.east_rep, responsible=org.east_rep, group=site, time_estimate=7200
    )
    build = TaskFactory(title="Build", creator=org.east_rep, responsible=org.field_rep, group=site)
    hidden = TaskFactory(title="Budget", creator=org.it_head, responsible=org.developer)

    def entry(task, user, seconds, day):
        return TimeEntryFactory(
            task=task,
            user=user,
            seconds=seconds,
            started_at=at(2025, 3, day, 9),
            ended_at=at(2025, 3, day, 9) + datetime.timedelta(seconds=seconds),
        )

    entry(design, org.east_rep, 3600, 3)
    entry(design, org.field_rep, 1800, 4)
    entry(build, org.field_rep, 5400, 5)
    entry(build, org.east_rep, 600, 10)
    entry(hidden, org.developer, 9000, 4)
    return {"site": site, "design": design, "build": build, "hidden": hidden}


def test_time_by_task(org, logged):
    rows = selectors.time_spent_by(user=org.east_rep, group_by="task")
    assert rows == [
        {
            "task_id": logged["build"].pk,
            "title": "Build",
            "time_estimate": None,
            "seconds": 6000,
            "entries": 2,
        },
        {
            "task_id": logged["design"].pk,
            "title": "Design",
            "time_estimate": 7200,
            "seconds": 5400,
            "entries": 2,
        },
    ]


def test_time_by_person_and_project(org, logged):
    by_person = selectors.time_spent_by(user=org.east_rep, group_by="person")
    assert [(r["user_id"], r["seconds"]) for r in by_person] == [
        (org.field_rep.pk, 7200),
        (org.east_rep.pk, 4200),
    ]
    assert by_person[0]["name"] == org.field_rep.full_name
    by_project = selectors.time_spent_by(user=org.admin, group_by="project")
    assert [(r["group_id"], r["name"], r["seconds"]) for r in by_project] == [
        (logged["site"].pk, "Site", 11400),
        (None, None, 9000),
    ]


def test_time_is_only_what_the_viewer_may_see(org, logged):
    assert selectors.time_spent_by(user=org.developer, group_by="task") == [
        {
            "task_id": logged["hidden"].pk,
            "title": "Budget",
            "time_estimate": None,
            "seconds": 9000,
            "entries": 1,
        }
    ]
    assert selectors.time_spent_by(user=org.sales_rep, group_by="person") == []
    # The supervisor of east_rep's department sees the tasks east/field reps are responsible for.
    seen = {r["title"] for r in selectors.time_spent_by(user=org.sales_head, group_by="task")}
    assert seen == {"Design", "Build"}


def test_time_filters(org, logged):
    def total(**filters):
        return sum(
            r["seconds"] for r in selectors.time_spent_by(user=org.admin, group_by="task", filters=filters)
        )

    assert total(task=logged["design"].pk) == 5400
    assert total(person=org.field_rep.pk) == 7200
    assert total(group=logged["site"]) == 11400
    assert total(start=datetime.date(2025, 3, 4), end=datetime.date(2025, 3, 5)) == 1800 + 5400 + 9000
    assert total(start="2025-03-05") == 6000
    assert total(end=at(2025, 3, 4, 9)) == 3600  # a moment is exclusive
    with pytest.raises(ValidationError):
        selectors.time_spent_by(user=org.admin, group_by="task", filters={"start": "soon"})
    with pytest.raises(ValidationError):
        selectors.time_spent_by(user=org.admin, group_by="task", filters={"person": "someone"})
    with pytest.raises(ValueError):
        selectors.time_spent_by(user=org.admin, group_by="week")


def test_time_report_is_one_query_after_the_viewers_department(org, logged):
    from django.contrib.auth import get_user_model

    def report(group_by):
        viewer = get_user_model().objects.get(pk=org.sales_head.pk)  # fresh: nothing memoised on it
        return count_queries(lambda: selectors.time_spent_by(user=viewer, group_by=group_by))

    for group_by in ("task", "person", "project"):
        few = report(group_by)
        TimeEntryFactory(task=logged["design"], user=org.east_rep, seconds=60)
        assert report(group_by) == few == 2  # the department the viewer heads, then the report


# --- efficiency --------------------------------------------------------------------------------------

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)


def closed_task(person, *, completed, deadline=None, became_overdue=False, status=TaskStatus.COMPLETED):
    return TaskFactory(
        responsible=person,
        status=status,
        completed_at=completed,
        deadline=deadline,
        became_overdue=became_overdue,
    )


@pytest.fixture
def record(org):
    """east_rep: 2 on time, 1 late, 1 open and overdue in March; field_rep: 1 on time; sales_rep: 1 late."""
    me = org.east_rep
    closed_task(me, completed=at(2025, 3, 3, 12), deadline=at(2025, 3, 4, 12))
    closed_task(me, completed=at(2025, 3, 10, 12))  # no deadline: on time
    closed_task(me, completed=at(2025, 3, 12, 12), deadline=at(2025, 3, 5, 12), became_overdue=True)
    TaskFactory(
        responsible=me, status=TaskStatus.IN_PROGRESS, deadline=at(2025, 3, 20, 12), became_overdue=True
    )
    # Outside the period, or not counted at all.
    closed_task(me, completed=at(2025, 2, 27, 12))
    closed_task(me, completed=at(2025, 4, 1, 0, 1))
    closed_task(me, completed=at(2025, 3, 15, 12), status=TaskStatus.DECLINED)
    TaskFactory(responsible=me, status=TaskStatus.IN_PROGRESS, deadline=at(2025, 2, 20, 12))
    TaskFactory(creator=me, responsible=org.developer, deadline=at(2025, 3, 20, 12))
    # Late although the sweep never flagged it: completed after the deadline.
    closed_task(org.sales_rep, completed=at(2025, 3, 6, 12), deadline=at(2025, 3, 6, 11))
    closed_task(org.field_rep, completed=at(2025, 3, 6, 12), deadline=at(2025, 3, 7, 11))
    return me


def rows_by_person(rows):
    return {
        r["user_id"]: (r["closed"], r["on_time"], r["overdue"], r["share"]) for r in rows if not r["is_total"]
    }


def test_efficiency_of_oneself(org, record):
    rows = selectors.efficiency(user=org.east_rep, start=START, end=END)
    assert rows_by_person(rows) == {org.east_rep.pk: (3, 2, 1, 50)}
    # Asking for others gives only oneself.
    rows = selectors.efficiency(
        user=org.east_rep, person_ids=[org.sales_rep.pk, org.east_rep.pk], start=START, end=END
    )
    assert list(rows_by_person(rows)) == [org.east_rep.pk]


def test_a_supervisor_sees_the_people_of_the_subtree(org, record):
    rows = rows_by_person(selectors.efficiency(user=org.sales_head, start=START, end=END))
    assert set(rows) == {
        org.sales_head.pk,
        org.sales_rep.pk,
        org.east_head.pk,
        org.east_rep.pk,
        org.field_rep.pk,
    }
    assert rows[org.sales_rep.pk] == (1, 0, 0, 0)
    assert rows[org.field_rep.pk] == (1, 1, 0, 100)
    assert rows[org.east_head.pk] == (0, 0, 0, None)  # nothing counted: no share
    assert org.developer.pk not in rows
    # A supervisor of another branch sees nobody of Sales.
    assert selectors.efficiency(user=org.it_head, person_ids=[org.east_rep.pk], start=START, end=END) == []


def test_department_total_covers_its_subtree(org, record):
    rows = selectors.efficiency(user=org.sales_head, department=org.east, start=START, end=END)
    people = rows_by_person(rows)
    assert set(people) == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    total = rows[-1]
    assert total["is_total"] and total["department_id"] == org.east.pk and total["name"] == "Sales East"
    assert (total["closed"], total["on_time"], total["overdue"], total["share"]) == (4, 3, 1, 60)
    # By id, as the API passes it; another branch's head gets an empty total.
    assert (
        selectors.efficiency(user=org.admin, department=org.east.pk, start=START, end=END)[-1]["share"] == 60
    )
    outside = selectors.efficiency(user=org.it_head, department=org.east, start=START, end=END)
    assert outside == [
        {**outside[0], "closed": 0, "on_time": 0, "overdue": 0, "share": None, "is_total": True}
    ]


def test_admin_sees_everyone_and_the_period_bounds(org, record):
    rows = rows_by_person(selectors.efficiency(user=org.admin, start=START, end=END))
    assert rows[org.east_rep.pk] == (3, 2, 1, 50) and rows[org.developer.pk] == (0, 0, 1, 0)
    # The whole of March 31 is in; an aware moment is an exclusive end.
    assert rows_by_person(
        selectors.efficiency(
            user=org.admin, person_ids=[org.east_rep.pk], start=START, end=at(2025, 3, 10, 12)
        )
    ) == {org.east_rep.pk: (1, 1, 0, 100)}  # the March 20 deadline is after the end
    with pytest.raises(ValidationError):
        selectors.efficiency(user=org.admin, start=None, end=END)


def test_efficiency_costs_the_same_queries_for_many_people(org, record):
    from django.contrib.auth import get_user_model

    def report():
        viewer = get_user_model().objects.get(pk=org.sales_head.pk)  # fresh: nothing memoised on it
        return count_queries(
            lambda: selectors.efficiency(user=viewer, department=org.sales, start=START, end=END)
        )

    few = report()
    for _ in range(20):
        person = UserFactory(department=org.east)
        closed_task(person, completed=at(2025, 3, 3, 12))
    assert report() == few <= 3
