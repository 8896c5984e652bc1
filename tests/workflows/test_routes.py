"""Resolving a step's approvers: every approver rule, conditions, delegation (deputy, absent → supervisor), the
requester never approving their own request, nobody → the admins, and a constant number of queries per step."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.people.models import Department
from portal.workflows.choices import AssignmentReason, StepStatus
from portal.workflows.definitions import parse_steps
from portal.workflows.models import Process
from portal.workflows.services.processes import process_start
from portal.workflows.services.routes import Assignee, resolve_step, supervisors_of
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.workflows.factories import (
    AbsenceFactory,
    DeputyFactory,
    ProcessRoleFactory,
    ProcessTemplateFactory,
)

DAY = datetime.date(2030, 3, 6)  # a Wednesday


def _step(rule: dict, **extra):
    return parse_steps([{"key": "s", "name": "Step", "rule": rule, **extra}], [])[0]


def _resolve(requester, rule: dict, *, day=DAY, **extra) -> list[Assignee]:
    return resolve_step(process=Process(requester=requester), step_def=_step(rule, **extra), day=day)


def _ids(assignees) -> list[int]:
    return [a.user_id for a in assignees]


# --- the rules --------------------------------------------------------------------------------------------


def test_supervisor_is_the_head_of_the_nearest_department_with_a_head(org):
    assert _ids(_resolve(org.east_rep, {"kind": "supervisor"})) == [org.east_head.pk]
    # East Field has no head: the head above it supervises.
    assert _ids(_resolve(org.field_rep, {"kind": "supervisor"})) == [org.east_head.pk]
    # A head's supervisor is the head above their own department.
    assert _ids(_resolve(org.east_head, {"kind": "supervisor"})) == [org.sales_head.pk]
    found = _resolve(org.developer, {"kind": "supervisor"})
    assert found == [Assignee(user_id=org.it_head.pk, reason=AssignmentReason.DIRECT)]


def test_an_inactive_head_is_passed_over(org):
    type(org.east_head).objects.filter(pk=org.east_head.pk).update(is_active=False)
    assert _ids(_resolve(org.east_rep, {"kind": "supervisor"})) == [org.sales_head.pk]


def test_levels_up_climbs_the_chain_and_stops_at_its_top(org):
    assert _ids(_resolve(org.field_rep, {"kind": "levels_up", "levels": 1})) == [org.east_head.pk]
    assert _ids(_resolve(org.field_rep, {"kind": "levels_up", "levels": 2})) == [org.sales_head.pk]
    assert _ids(_resolve(org.field_rep, {"kind": "levels_up", "levels": 3})) == [org.ceo.pk]
    assert _ids(_resolve(org.field_rep, {"kind": "levels_up", "levels": 7})) == [org.ceo.pk]


def test_department_head_is_the_effective_head(org):
    assert _ids(_resolve(org.developer, {"kind": "department_head", "department": org.sales.pk})) == [
        org.sales_head.pk
    ]
    # East Field has no head of its own: Sales East's head is its effective head.
    assert _ids(_resolve(org.developer, {"kind": "department_head", "department": org.field.pk})) == [
        org.east_head.pk
    ]
    Department.objects.filter(pk=org.sales.pk).update(head=None)
    assert _ids(_resolve(org.developer, {"kind": "department_head", "department": org.sales.pk})) == [
        org.ceo.pk
    ]


def test_a_named_person_and_a_list_of_people_in_order(org):
    assert _ids(_resolve(org.east_rep, {"kind": "person", "person": org.developer.pk})) == [org.developer.pk]
    people = [org.it_head.pk, org.developer.pk, org.sales_rep.pk]
    assert _ids(_resolve(org.east_rep, {"kind": "people", "people": people})) == people


def test_inactive_people_are_skipped(org):
    type(org.developer).objects.filter(pk=org.developer.pk).update(is_active=False)
    people = [org.developer.pk, org.sales_rep.pk]
    assert _ids(_resolve(org.east_rep, {"kind": "people", "people": people})) == [org.sales_rep.pk]


def test_the_members_of_a_workgroup(org):
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=org.developer)
    MembershipFactory(group=group, user=org.sales_rep)
    MembershipFactory(user=org.it_head)  # another group
    found = _ids(_resolve(org.east_rep, {"kind": "group", "group": group.pk}))
    assert sorted(found) == sorted([org.developer.pk, org.sales_rep.pk])


def test_the_holders_of_a_role(org):
    ProcessRoleFactory(key="accountant", members=[org.developer, org.sales_rep])
    ProcessRoleFactory(key="lawyer", members=[org.it_head])
    found = _ids(_resolve(org.east_rep, {"kind": "role", "role": "accountant"}))
    assert sorted(found) == sorted([org.developer.pk, org.sales_rep.pk])
    assert _resolve(org.east_rep, {"kind": "role", "role": "nobody-holds-it"})[0].note  # → the admins


# --- conditions -------------------------------------------------------------------------------------------

PAYMENT_FIELDS = [
    {"key": "subject", "label": "Subject", "type": "text", "required": True},
    {"key": "amount", "label": "Amount", "type": "money", "required": True, "purpose": "amount"},
]
PAYMENT_STEPS = [
    {"key": "boss", "name": "Supervisor", "rule": {"kind": "supervisor"}},
    {
        "key": "cfo",
        "name": "Financial director",
        "rule": {"kind": "role", "role": "cfo"},
        "condition": {"field": "amount", "op": "gt", "value": "100000"},
    },
]


@pytest.mark.parametrize(
    ("amount", "cfo_status"), [("100000.00", StepStatus.SKIPPED), ("100000.01", "waiting")]
)
def test_amount_over_100000_adds_the_cfo_step(org, amount, cfo_status):
    ProcessRoleFactory(key="cfo", members=[org.ceo])
    template = ProcessTemplateFactory(version__fields=PAYMENT_FIELDS, version__steps=PAYMENT_STEPS)
    process = process_start(
        actor=org.east_rep,
        template=template,
        data={"subject": "Servers", "amount": {"amount": amount, "currency": "USD"}},
    )
    steps = {s.key: s.status for s in process.steps.all()}
    assert steps == {"boss": StepStatus.ACTIVE, "cfo": cfo_status}


# --- delegation -------------------------------------------------------------------------------------------


def test_a_deputy_covering_the_day_takes_the_step(org):
    DeputyFactory(user=org.developer, deputy=org.it_head, start=DAY, end=DAY)
    DeputyFactory(
        user=org.sales_rep,
        deputy=org.ceo,
        start=DAY + datetime.timedelta(days=1),
        end=DAY + datetime.timedelta(days=9),
    )
    found = _resolve(org.east_rep, {"kind": "people", "people": [org.developer.pk, org.sales_rep.pk]})
    assert found[0].user_id == org.it_head.pk
    assert found[0].reason == AssignmentReason.DEPUTY
    assert found[0].instead_of_id == org.developer.pk
    assert "deputy" in found[0].note
    # The other deputy's period has not begun: the approver keeps the step.
    assert found[1] == Assignee(user_id=org.sales_rep.pk)


def test_an_absent_approver_gives_way_to_their_supervisor(org):
    AbsenceFactory(user=org.developer, start=DAY - datetime.timedelta(days=2), end=DAY)
    AbsenceFactory(user=org.sales_rep, start=DAY + datetime.timedelta(days=1))  # away only from tomorrow
    found = _resolve(org.east_rep, {"kind": "people", "people": [org.developer.pk, org.sales_rep.pk]})
    assert found[0].user_id == org.it_head.pk
    assert found[0].reason == AssignmentReason.ABSENT
    assert found[0].instead_of_id == org.developer.pk
    assert "absent" in found[0].note
    assert found[1] == Assignee(user_id=org.sales_rep.pk)


def test_a_deputy_wins_over_the_absence(org):
    AbsenceFactory(user=org.developer, start=DAY, end=DAY)
    DeputyFactory(user=org.developer, deputy=org.sales_rep, start=DAY, end=DAY)
    found = _resolve(org.east_rep, {"kind": "person", "person": org.developer.pk})
    assert [(a.user_id, a.reason) for a in found] == [(org.sales_rep.pk, AssignmentReason.DEPUTY)]


def test_two_approvers_delegating_to_the_same_person_give_one_assignment(org):
    DeputyFactory(user=org.developer, deputy=org.ceo, start=DAY, end=DAY)
    DeputyFactory(user=org.sales_rep, deputy=org.ceo, start=DAY, end=DAY)
    found = _resolve(org.east_rep, {"kind": "people", "people": [org.developer.pk, org.sales_rep.pk]})
    assert _ids(found) == [org.ceo.pk]


# --- the requester; nobody ----------------------------------------------------------------------------------


def test_the_requester_never_approves_their_own_request(org):
    found = _resolve(org.developer, {"kind": "person", "person": org.developer.pk})
    assert _ids(found) == [org.it_head.pk]
    assert "own request" in found[0].note
    # Among others who may each decide alone, the requester simply drops out...
    ProcessRoleFactory(key="accountant", members=[org.developer, org.sales_rep])
    assert _ids(_resolve(org.developer, {"kind": "role", "role": "accountant"})) == [org.sales_rep.pk]
    # ...where everyone must approve, their supervisor takes their place.
    found = _resolve(org.developer, {"kind": "role", "role": "accountant"}, mode="all")
    assert sorted(_ids(found)) == sorted([org.it_head.pk, org.sales_rep.pk])


def test_the_requester_is_not_the_deputy_nor_the_absent_approvers_supervisor(org):
    # east_rep's request; east_head (the approver) is away and their deputy would be east_rep themselves.
    DeputyFactory(user=org.east_head, deputy=org.east_rep, start=DAY, end=DAY)
    AbsenceFactory(user=org.east_head, start=DAY, end=DAY)
    found = _resolve(org.east_rep, {"kind": "supervisor"})
    assert [(a.user_id, a.reason) for a in found] == [(org.sales_head.pk, AssignmentReason.ABSENT)]
    # sales_head's request to a person they supervise who is away: their supervisor would be sales_head.
    AbsenceFactory(user=org.sales_rep, start=DAY, end=DAY)
    found = _resolve(org.sales_head, {"kind": "person", "person": org.sales_rep.pk})
    assert _ids(found) == [org.ceo.pk]


def test_nobody_found_goes_to_the_portal_admins(org):
    # The CEO has no supervisor.
    found = _resolve(org.ceo, {"kind": "supervisor"})
    assert _ids(found) == [org.admin.pk]
    assert found[0].note == "No approver found: the portal admins decide."


def test_supervisors_of_many_people_in_one_query(org, django_assert_num_queries):
    people = list(
        type(org.ceo)
        .objects.select_related("department")
        .filter(pk__in=[org.east_rep.pk, org.field_rep.pk, org.developer.pk, org.ceo.pk])
    )
    with django_assert_num_queries(1):
        found = supervisors_of(people)
    assert {pk: s.pk for pk, s in found.items()} == {
        org.east_rep.pk: org.east_head.pk,
        org.field_rep.pk: org.east_head.pk,
        org.developer.pk: org.it_head.pk,
    }


# --- queries ----------------------------------------------------------------------------------------------


def _holders(org, n: int, *, key: str):
    """`n` role holders spread over the departments, a third with a deputy today and a third absent."""
    departments = [org.sales, org.east, org.field, org.it]
    # The absent ones (i % 3 == 1) work in IT, off the requester's chain: their supervisors need the chart.
    people = [UserFactory(department=org.it if i % 3 == 1 else departments[i % 4]) for i in range(n)]
    ProcessRoleFactory(key=key, members=people)
    for i, person in enumerate(people):
        if i % 3 == 0:
            DeputyFactory(user=person, deputy=org.ceo, start=DAY, end=DAY)
        elif i % 3 == 1:
            AbsenceFactory(user=person, start=DAY, end=DAY)
    return people


def _count(org, key: str) -> tuple[int, list[Assignee]]:
    requester = type(org.ceo).objects.get(pk=org.east_rep.pk)  # nothing cached on it
    with CaptureQueriesContext(connection) as ctx:
        found = _resolve(requester, {"kind": "role", "role": key}, mode="all")
    return len(ctx.captured_queries), found


def test_queries_per_step_do_not_grow_with_the_people(org):
    _holders(org, 3, key="few")
    _holders(org, 30, key="many")
    few, found_few = _count(org, "few")
    many, found_many = _count(org, "many")
    assert few == many <= 6
    reasons = {a.reason for a in found_many}
    assert reasons == {AssignmentReason.DEPUTY, AssignmentReason.ABSENT, AssignmentReason.DIRECT}
    assert len(found_few) == 3 and len(found_many) > 3
