"""The "Approvals waiting for me" counter: what it counts, one query for many people, and the incremental
recounts the engine schedules give the same numbers as the nightly rebuild."""

from __future__ import annotations

import datetime

import pytest

from portal.core.registry import registry
from portal.notifications.counters import counters_get, counters_rebuild_all
from portal.notifications.models import UserCounter
from portal.workflows.registrations.processes import WAITING_COUNTER, waiting_by_user
from portal.workflows.services.deadlines import deadlines_sweep
from portal.workflows.services.processes import process_act, process_start, process_withdraw
from tests.people.factories import UserFactory
from tests.workflows.factories import ProcessRoleFactory, ProcessTemplateFactory

FIELDS = [{"key": "subject", "label": "Subject", "type": "text", "required": True}]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


def _template(steps):
    return ProcessTemplateFactory(version__fields=FIELDS, version__steps=steps)


def _numbers(people) -> dict[int, int]:
    return {person.pk: counters_get(person)[WAITING_COUNTER] for person in people}


def test_the_counter_is_registered_for_the_workflows_area():
    definition = registry.counters[WAITING_COUNTER]
    assert definition.area == "workflows"
    assert str(definition.label) == "Approvals waiting for me"


def test_incremental_recounts_and_the_rebuild_agree(org, run):
    ProcessRoleFactory(key="accountant", members=[org.developer, org.it_head])
    boss_then_books = _template(
        [
            {"key": "boss", "name": "Boss", "rule": {"kind": "supervisor"}, "deadline": {"hours": 1}},
            {"key": "books", "name": "Books", "rule": {"kind": "role", "role": "accountant"}, "mode": "all"},
        ]
    )
    # Waiting at the supervisor (two), one escalated past its deadline, one at the accountants (one of two
    # decided), one approved, one rejected, one withdrawn, one returned.
    waiting = [
        run(process_start, actor=person, template=boss_then_books, data={"subject": "x"})
        for person in (org.east_rep, org.field_rep)
    ]
    at_books = run(process_start, actor=org.sales_rep, template=boss_then_books, data={"subject": "x"})
    run(process_act, actor=org.sales_head, process=at_books, action="approve")
    run(process_act, actor=org.developer, process=at_books, action="approve")
    approved = run(process_start, actor=org.sales_rep, template=boss_then_books, data={"subject": "x"})
    run(process_act, actor=org.sales_head, process=approved, action="approve")
    run(process_act, actor=org.developer, process=approved, action="approve")
    run(process_act, actor=org.it_head, process=approved, action="approve")
    rejected = run(process_start, actor=org.developer, template=boss_then_books, data={"subject": "x"})
    run(process_act, actor=org.it_head, process=rejected, action="reject", comment="No")
    withdrawn = run(process_start, actor=org.east_head, template=boss_then_books, data={"subject": "x"})
    run(process_withdraw, actor=org.east_head, process=withdrawn)
    returned = run(process_start, actor=org.it_head, template=boss_then_books, data={"subject": "x"})
    run(process_act, actor=org.ceo, process=returned, action="return", comment="Redo")
    run(deadlines_sweep, now=waiting[0].current_step.due_at + datetime.timedelta(days=2))

    people = [
        org.ceo,
        org.sales_head,
        org.east_head,
        org.developer,
        org.it_head,
        org.sales_rep,
        org.east_rep,
        org.admin,
    ]
    incremental = _numbers(people)
    assert incremental == {
        org.ceo.pk: 0,
        org.sales_head.pk: 2,  # escalated from east_head on both waiting requests
        org.east_head.pk: 2,
        org.developer.pk: 0,
        org.it_head.pk: 1,
        org.sales_rep.pk: 0,
        org.east_rep.pk: 0,
        org.admin.pk: 0,
    }
    UserCounter.objects.filter(key=WAITING_COUNTER).delete()
    counters_rebuild_all()
    assert _numbers(people) == incremental


def test_the_compute_is_one_query_for_many_people(org, run, django_assert_num_queries):
    template = _template([{"key": "boss", "name": "Boss", "rule": {"kind": "supervisor"}}])
    run(process_start, actor=org.east_rep, template=template, data={"subject": "x"})
    others = [UserFactory() for _ in range(20)]
    with django_assert_num_queries(1):
        found = waiting_by_user([org.east_head.pk, org.ceo.pk, *(p.pk for p in others)])
    assert found == {org.east_head.pk: 1}
    assert waiting_by_user([]) == {}
