"""The KPI metrics of approvals (portal/workflows/registrations/metrics.py) against hand-made data: values,
drill-downs, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.core.metrics import formula_evaluate_many, formula_parse, metric_get
from portal.people.models import Department
from portal.workflows.models import ProcessStep, StepAssignment
from tests.people.factories import DepartmentFactory, UserFactory
from tests.workflows.factories import process_laid

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 3, 1)
END = datetime.date(2025, 3, 31)


def at(day: int, month: int = 3, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2025, month, day, hour))


def compute(key, calls):
    return metric_get(key).compute(calls, START, END)


def rows(key, args, user):
    return metric_get(key).drill_down(args, START, END, user)


def assignment(requester, approver, *, title, due=None, decided=None, decision="", finished=None, **step):
    """A request of `requester` whose one step asked `approver`."""
    process = process_laid(requester=requester, title=title, started_at=at(1))
    ProcessStep.objects.filter(pk=process.current_step_id).update(due_at=due, finished_at=finished, **step)
    return StepAssignment.objects.create(
        step_id=process.current_step_id,
        user=approver,
        decided_at=decided,
        decision=decision or ("approve" if decided else ""),
    )


@pytest.fixture
def approvals(org):
    rep, east, requester = org.sales_rep, org.east_rep, org.developer
    return {
        "undecided": assignment(requester, rep, title="Undecided", due=at(5)),
        "decided_late": assignment(
            requester, rep, title="Decided late", due=at(6), decided=at(8), finished=at(8), status="approved"
        ),
        "decided_in_time": assignment(
            requester, rep, title="In time", due=at(10), decided=at(9), finished=at(9), status="approved"
        ),
        "february": assignment(requester, rep, title="February", due=at(20, month=2)),
        "other_decided_in_time": assignment(
            requester, rep, title="Someone else", due=at(12), finished=at(11), status="approved"
        ),
        "information": assignment(
            requester, rep, title="Info", due=at(5), decided=at(7), decision="informed", kind="info"
        ),
        "returned": assignment(requester, rep, title="Returned", decided=at(20), decision="return"),
        "east_undecided": assignment(requester, east, title="East undecided", due=at(15)),
        "east_rejected": assignment(
            requester, east, title="East rejected", decided=at(16), decision="reject"
        ),
    }


@pytest.fixture
def escalated(org, approvals):
    made = assignment(org.developer, org.sales_rep, title="Escalated", due=at(14))
    StepAssignment.objects.filter(pk=made.pk).update(reason="escalated")
    return made


def test_approvals_overdue(org, approvals, escalated):
    values = compute(
        "workflows.approvals_overdue",
        [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.east.pk), (None, org.it.pk)],
    )
    assert values == {
        (org.sales_rep.pk, None): Decimal(2),  # undecided, decided late
        (None, org.sales.pk): Decimal(3),
        (None, org.east.pk): Decimal(1),
        (None, org.it.pk): Decimal(0),
    }


def test_approvals_done(org, approvals):
    values = compute(
        "workflows.approvals_done", [(org.sales_rep.pk, None), (None, org.sales.pk), (None, 999_999)]
    )
    # decided late, in time, returned; not "informed"
    assert values == {
        (org.sales_rep.pk, None): Decimal(3),
        (None, org.sales.pk): Decimal(4),
        (None, 999_999): None,
    }


@pytest.mark.parametrize("key", ["workflows.approvals_overdue", "workflows.approvals_done"])
def test_drill_down_equals_the_value(org, approvals, escalated, key):
    for args in [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.root.pk)]:
        assert len(rows(key, args, org.admin)) == compute(key, [args])[args]
    listed = rows("workflows.approvals_overdue", (org.sales_rep.pk, None), org.admin)
    assert [label for label, _ in listed] == ["Undecided: Supervisor", "Decided late: Supervisor"]
    assert listed[0][1] == approvals["undecided"].step.process.get_absolute_url()


def test_drill_down_shows_only_requests_the_reader_may_see(org, approvals):
    args = (None, org.sales.pk)
    # the requester's head sees the requests; the approvers' head is not on them and does not
    assert len(rows("workflows.approvals_overdue", args, org.it_head)) == 3
    assert rows("workflows.approvals_overdue", args, org.sales_head) == []
    # an approver sees the requests they are asked on, not their colleague's
    assert len(rows("workflows.approvals_overdue", args, org.east_rep)) == 1


def test_in_a_formula(org, approvals):
    formula = formula_parse(
        "workflows.approvals_done(person) / (workflows.approvals_done(person) + workflows.approvals_overdue(person))",
        variables=["person"],
    )
    results = formula_evaluate_many(
        formula, [{"person": org.sales_rep.pk}, {"person": org.ceo.pk}], START, END
    )
    assert results[0].value == Decimal("0.6")
    assert (results[1].value, results[1].error) == (None, "division by zero")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


@pytest.mark.parametrize("key", ["workflows.approvals_overdue", "workflows.approvals_done"])
def test_query_count_does_not_grow_with_subjects(org, approvals, key):
    departments = [org.sales]
    while len(departments) < 100:
        parent = Department.objects.get(pk=departments[(len(departments) - 1) // 2].pk)
        departments.append(DepartmentFactory(parent=parent))
    people = [UserFactory(department=departments[i]) for i in range(100)]
    counts = []
    for size in (10, 100):
        calls = [(p.pk, None) for p in people[:size]] + [(None, d.pk) for d in departments[:size]]
        counts.append(_queries(lambda calls=calls: compute(key, calls)))
    assert counts[0] == counts[1] == 3
