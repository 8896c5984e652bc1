"""The KPI metrics of tasks (tasks/metrics.py) against hand-made data: values, drill-downs, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.core.metrics import formula_drill_down, formula_evaluate_many, formula_parse, metric_get
from portal.people.models import Department
from tasks.choices import TaskStatus
from tests.people.factories import DepartmentFactory, UserFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory

START = datetime.date(2025, 3, 1)
END = datetime.date(2025, 3, 31)


def at(month, day, hour=12):
    return datetime.datetime(2025, month, day, hour, tzinfo=timezone.get_default_timezone())


def compute(key, calls):
    return metric_get(key).compute(calls, START, END)


def rows(key, args, user):
    return metric_get(key).drill_down(args, START, END, user)


@pytest.fixture
def work(org):
    """sales_rep (Sales) and east_rep (Sales East, under Sales) closed, missed and logged time in March 2025;
    the developer (IT) too; and some things that must not count."""

    def task(name, who, status, completed=None, deadline=None, late=False):
        return TaskFactory(
            creator=org.ceo,
            responsible=who,
            status=status,
            completed_at=completed,
            deadline=deadline,
            became_overdue=late,
            title=name.replace("_", " ").capitalize(),
        )

    rep, east, dev = org.sales_rep, org.east_rep, org.developer
    t = {
        "on_time": task("on_time", rep, TaskStatus.COMPLETED, at(3, 5), at(3, 10)),
        "late": task("late", rep, TaskStatus.COMPLETED, at(3, 20), at(3, 15), late=True),
        "no_deadline_last_evening": task(
            "no_deadline_last_evening", rep, TaskStatus.COMPLETED, at(3, 31, 23)
        ),
        "february": task("february", rep, TaskStatus.COMPLETED, at(2, 28), at(3, 1, 1), late=True),
        "awaiting": task("awaiting", rep, TaskStatus.AWAITING_CONTROL, at(3, 6), at(3, 9)),
        "declined": task("declined", rep, TaskStatus.DECLINED, at(3, 7)),
        "running_overdue": task(
            "running_overdue", rep, TaskStatus.IN_PROGRESS, deadline=at(3, 12), late=True
        ),
        "due_in_april": task("due_in_april", rep, TaskStatus.IN_PROGRESS, deadline=at(4, 2)),
        # deadline moved after it passed: closed by the new deadline, but it was overdue
        "moved": task("moved", east, TaskStatus.COMPLETED, at(3, 3), at(3, 4), late=True),
        "east_overdue": task("east_overdue", east, TaskStatus.NEW, deadline=at(3, 2)),
        "dev": task("dev", dev, TaskStatus.COMPLETED, at(3, 4), at(3, 5)),
    }
    entries = [
        TimeEntryFactory(
            task=t["on_time"], user=rep, started_at=at(3, 2), ended_at=at(3, 2, 13), seconds=3600
        ),
        TimeEntryFactory(
            task=t["late"], user=rep, started_at=at(3, 31, 22), ended_at=at(3, 31, 23), seconds=1800
        ),
        TimeEntryFactory(
            task=t["late"], user=rep, started_at=at(2, 27), ended_at=at(2, 27, 14), seconds=7200
        ),
        TimeEntryFactory(task=t["running_overdue"], user=rep, started_at=at(3, 15), ended_at=None, seconds=0),
        TimeEntryFactory(
            task=t["moved"], user=east, started_at=at(3, 10), ended_at=at(3, 10, 14), seconds=7200
        ),
        TimeEntryFactory(task=t["dev"], user=dev, started_at=at(3, 11), ended_at=at(3, 11, 13), seconds=900),
    ]
    return t, entries


def test_closed_count(org, work):
    values = compute(
        "tasks.closed_count",
        [
            (org.sales_rep.pk, None),
            (None, org.sales.pk),
            (None, org.east.pk),
            (None, org.it.pk),
            (org.ceo.pk, None),
        ],
    )
    assert values == {
        (org.sales_rep.pk, None): Decimal(
            3
        ),  # on time, late, the last evening; not February, control, declined
        (None, org.sales.pk): Decimal(4),  # with Sales East's
        (None, org.east.pk): Decimal(1),
        (None, org.it.pk): Decimal(1),
        (org.ceo.pk, None): Decimal(0),
    }


def test_closed_on_time_share(org, work):
    values = compute(
        "tasks.closed_on_time_share",
        [
            (org.sales_rep.pk, None),
            (None, org.sales.pk),
            (None, org.east.pk),
            (None, org.it.pk),
            (org.ceo.pk, None),
        ],
    )
    assert values[org.sales_rep.pk, None] == Decimal(2) / Decimal(3)
    assert values[None, org.sales.pk] == Decimal("0.5")
    assert values[None, org.east.pk] == Decimal(0)  # the moved deadline does not hide that it was overdue
    assert values[None, org.it.pk] == Decimal(1)
    assert values[org.ceo.pk, None] is None  # nothing closed: no share


def test_overdue_count(org, work):
    values = compute(
        "tasks.overdue_count",
        [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.it.pk), (None, 999_999)],
    )
    # the late one and the running one; not February's deadline, not April's, not the one awaiting control
    assert values[org.sales_rep.pk, None] == Decimal(2)
    # + Sales East's new one; its moved one was handed in by the (new) deadline
    assert values[None, org.sales.pk] == Decimal(3)
    assert values[None, org.it.pk] == Decimal(0)
    assert values[None, 999_999] is None  # no such department


def test_hours_logged(org, work):
    values = compute(
        "tasks.hours_logged", [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.root.pk)]
    )
    assert values[org.sales_rep.pk, None] == Decimal("1.50")  # not February's, not the running timer
    assert values[None, org.sales.pk] == Decimal("3.50")
    assert values[None, org.root.pk] == Decimal("3.75")


@pytest.mark.parametrize("key", ["tasks.closed_count", "tasks.overdue_count", "tasks.closed_on_time_share"])
def test_drill_down_lists_what_was_counted(org, work, key):
    tasks, _ = work
    for args in [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.root.pk)]:
        listed = rows(key, args, org.admin)
        counted = compute("tasks.closed_count" if key.endswith("share") else key, [args])[args]
        assert len(listed) == counted
        assert all(url.startswith("/") for _, url in listed)
    listed = dict(rows("tasks.closed_count", (org.sales_rep.pk, None), org.admin))
    assert set(listed) == {
        tasks["on_time"].title,
        tasks["late"].title,
        tasks["no_deadline_last_evening"].title,
    }
    assert listed[tasks["late"].title] == tasks["late"].get_absolute_url()
    shares = [label for label, _ in rows("tasks.closed_on_time_share", (None, org.sales.pk), org.admin)]
    assert sum(1 for label in shares if "(late)" in label) == 2


def test_drill_down_shows_only_what_the_reader_may_see(org, work):
    args = (None, org.sales.pk)
    assert len(rows("tasks.closed_count", args, org.sales_head)) == 4  # heads Sales: sees it all
    assert len(rows("tasks.closed_count", args, org.east_head)) == 1  # Sales East's only
    assert rows("tasks.closed_count", args, org.developer) == []
    assert rows("tasks.hours_logged", (org.sales_rep.pk, None), org.developer) == []
    assert len(rows("tasks.hours_logged", (org.sales_rep.pk, None), org.sales_head)) == 2


def test_hours_drill_down_adds_up_to_the_value(org, work):
    listed = rows("tasks.hours_logged", (None, org.sales.pk), org.admin)
    total = sum(Decimal(label.rsplit(": ", 1)[1].removesuffix(" h")) for label, _ in listed)
    assert total == compute("tasks.hours_logged", [(None, org.sales.pk)])[None, org.sales.pk]


def test_in_a_formula(org, work):
    formula = formula_parse("tasks.closed_on_time_share(department) * 100", variables=["department"])
    results = formula_evaluate_many(
        formula, [{"department": org.sales.pk}, {"department": org.it.pk}], START, END
    )
    assert [r.value for r in results] == [Decimal(50), Decimal(100)]
    [section] = formula_drill_down(formula, {"department": org.sales.pk}, START, END, org.admin)
    assert section.value == Decimal("0.5") and len(section.rows) == 4


@pytest.mark.parametrize(
    "key", ["tasks.closed_count", "tasks.closed_on_time_share", "tasks.overdue_count", "tasks.hours_logged"]
)
def test_query_count_does_not_grow_with_subjects(org, work, key, django_assert_num_queries):
    departments = [org.sales]
    while len(departments) < 100:
        parent = Department.objects.get(pk=departments[(len(departments) - 1) // 2].pk)
        departments.append(DepartmentFactory(parent=parent))
    people = [UserFactory(department=departments[i]) for i in range(100)]
    for person in people[:20]:
        TaskFactory(creator=org.ceo, responsible=person, status=TaskStatus.COMPLETED, completed_at=at(3, 9))
    for size in (10, 100):
        calls = [(p.pk, None) for p in people[:size]] + [(None, d.pk) for d in departments[:size]]
        with django_assert_num_queries(3):  # the departments' paths, by person, by department
            values = compute(key, calls)
        assert len(values) == 2 * size
    if key == "tasks.closed_count":
        assert values[None, org.sales.pk] == Decimal(4 + 20)  # every new department is under Sales
