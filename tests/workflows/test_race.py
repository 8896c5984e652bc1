"""Two approvers (or one double click) approving the same step at the same moment, on PostgreSQL with two
threads: the process row lock makes one transition, and the other is told who decided and when."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from portal.core.errors import Invalid
from portal.workflows.choices import ActionKind, ProcessStatus
from portal.workflows.models import Process
from portal.workflows.services import processes
from portal.workflows.services.processes import process_act, process_start
from tests.workflows.factories import ProcessTemplateFactory

FIELDS = [{"key": "subject", "label": "Subject", "type": "text", "required": True}]


def _race(monkeypatch, process, actors) -> list:
    """`process_act(approve)` by each actor in its own thread, started together; the first to write its history
    row holds the lock a moment longer, so that the other surely waits on the row lock. Returns the outcomes in
    the actors' order: "ok" or the raised error."""
    history = processes._history
    first = threading.Event()

    def slow_history(*args, **kwargs):
        row = history(*args, **kwargs)
        if not first.is_set():
            first.set()
            time.sleep(0.5)
        return row

    monkeypatch.setattr(processes, "_history", slow_history)
    barrier = threading.Barrier(len(actors))
    outcomes: list = [None] * len(actors)

    def act(index, actor):
        from django.db import connection as thread_connection

        try:
            barrier.wait(10)
            process_act(
                actor=actor, process=Process(pk=process.pk), action="approve", step_id=process.current_step_id
            )
            outcomes[index] = "ok"
        except Exception as exc:  # the loser's answer is what the test reads
            outcomes[index] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=act, args=(i, actor)) for i, actor in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _start(requester, steps):
    template = ProcessTemplateFactory(version__fields=FIELDS, version__steps=steps)
    return process_start(actor=requester, template=template, data={"subject": "Race"})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_one_transition(org, monkeypatch):
    assert connection.vendor == "postgresql"
    people = [org.developer.pk, org.sales_rep.pk]
    process = _start(
        org.east_rep,
        [
            {"key": "pair", "name": "Pair", "rule": {"kind": "people", "people": people}},
            {"key": "boss", "name": "Boss", "rule": {"kind": "person", "person": org.ceo.pk}},
        ],
    )
    outcomes = _race(monkeypatch, process, [org.developer, org.sales_rep])
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, Invalid) and loser.code == "already_decided"
    winner = org.developer if outcomes[0] == "ok" else org.sales_rep
    assert winner.full_name in loser.message
    process.refresh_from_db()
    assert process.status == ProcessStatus.RUNNING and process.current_step.key == "boss"
    assert process.actions.filter(kind=ActionKind.APPROVE).count() == 1
    assert process.steps.filter(key="boss", status="active").count() == 1
    assert process.current_step.assignments.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_approves_once(org, monkeypatch):
    process = _start(org.east_rep, [{"key": "boss", "name": "Boss", "rule": {"kind": "supervisor"}}])
    outcomes = _race(monkeypatch, process, [org.east_head, org.east_head])
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, Invalid) and loser.code == "already_decided"
    process.refresh_from_db()
    assert process.status == ProcessStatus.APPROVED
    assert process.actions.filter(kind=ActionKind.APPROVE).count() == 1
