"""Deadlines with a frozen clock, across a weekend and a public holiday: the due date in working days, one
reminder past it, one escalation after the further delay however many sweeps run, the beat job's lock."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache

from portal.core.errors import Invalid
from portal.notifications.counters import counters_get
from portal.notifications.models import Notification
from portal.workflows import jobs
from portal.workflows.choices import ActionKind, AssignmentReason, ProcessStatus
from portal.workflows.services.deadlines import deadlines_sweep
from portal.workflows.services.processes import process_act, process_start
from tests.workflows.factories import HolidayFactory, ProcessTemplateFactory

UTC = datetime.UTC
FRIDAY = datetime.datetime(2030, 3, 8, 10, 0, tzinfo=UTC)
# Friday + 2 working days: Saturday and Sunday are off, Monday 11 March is a public holiday → Wednesday.
DUE = datetime.datetime(2030, 3, 13, 10, 0, tzinfo=UTC)
FIELDS = [{"key": "subject", "label": "Subject", "type": "text", "required": True}]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture(autouse=True)
def _escalate_after(settings):
    settings.LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS = 24


@pytest.fixture
def holiday(db):
    return HolidayFactory(date=datetime.date(2030, 3, 11), name="Spring holiday")


def _start(run, requester, steps):
    template = ProcessTemplateFactory(version__fields=FIELDS, version__steps=steps)
    with time_machine.travel(FRIDAY, tick=False):
        return run(process_start, actor=requester, template=template, data={"subject": "Quote"})


def _step(rule, **extra):
    return {"key": "s", "name": "Check", "rule": rule, "deadline": {"workdays": 2}, **extra}


def _reminders(user) -> int:
    return Notification.objects.filter(recipient=user, kind="workflows_reminder").count()


def test_the_due_date_counts_working_days_past_the_weekend_and_the_holiday(org, run, holiday):
    process = _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    assert process.current_step.due_at == DUE
    # Without the holiday the same start is due on Tuesday.
    holiday.delete()
    other = _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    assert other.current_step.due_at == datetime.datetime(2030, 3, 12, 10, 0, tzinfo=UTC)


def test_hours_deadlines_are_plain_hours(org, run):
    process = _start(run, org.east_rep, [{**_step({"kind": "supervisor"}), "deadline": {"hours": 30}}])
    assert process.current_step.due_at == FRIDAY + datetime.timedelta(hours=30)


def test_one_reminder_then_one_escalation(org, run, holiday):
    process = _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    step = process.current_step

    assert run(deadlines_sweep, now=DUE - datetime.timedelta(minutes=1)) == {"reminders": 0, "escalations": 0}
    assert run(deadlines_sweep, now=DUE + datetime.timedelta(minutes=1)) == {"reminders": 1, "escalations": 0}
    assert run(deadlines_sweep, now=DUE + datetime.timedelta(minutes=6)) == {"reminders": 0, "escalations": 0}
    assert _reminders(org.east_head) == 1
    step.refresh_from_db()
    assert step.reminded_at == DUE + datetime.timedelta(minutes=1) and step.escalated_at is None

    before = DUE + datetime.timedelta(hours=24) - datetime.timedelta(minutes=1)
    assert run(deadlines_sweep, now=before) == {"reminders": 0, "escalations": 0}
    later = DUE + datetime.timedelta(hours=24, minutes=1)
    assert run(deadlines_sweep, now=later) == {"reminders": 0, "escalations": 1}
    assert run(deadlines_sweep, now=later + datetime.timedelta(minutes=5)) == {
        "reminders": 0,
        "escalations": 0,
    }

    assignments = list(step.assignments.order_by("id").values_list("user_id", "reason", "instead_of_id"))
    assert assignments == [
        (org.east_head.pk, AssignmentReason.DIRECT, None),
        (org.sales_head.pk, AssignmentReason.ESCALATED, org.east_head.pk),
    ]
    assert _reminders(org.sales_head) == 1 and _reminders(org.east_head) == 1
    assert counters_get(org.sales_head)["workflows_waiting"] == 1
    kinds = list(process.actions.values_list("kind", flat=True))
    assert kinds.count(ActionKind.REMIND) == 1 and kinds.count(ActionKind.ESCALATE) == 1
    escalation = process.actions.get(kind=ActionKind.ESCALATE)
    assert org.sales_head.full_name in escalation.comment and org.east_head.full_name in escalation.comment

    # The original approver can still act; the escalated supervisor is then too late.
    run(process_act, actor=org.east_head, process=process, action="approve")
    process.refresh_from_db()
    assert process.status == ProcessStatus.APPROVED
    assert counters_get(org.sales_head)["workflows_waiting"] == 0
    with pytest.raises(Invalid) as caught:
        process_act(actor=org.sales_head, process=process, action="approve")
    assert caught.value.code == "already_decided"


def test_a_sweep_catching_up_reminds_and_escalates_at_once(org, run, holiday):
    process = _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    result = run(deadlines_sweep, now=DUE + datetime.timedelta(days=3))
    assert result == {"reminders": 1, "escalations": 1}
    assert process.current_step.assignments.count() == 2


def test_an_escalated_supervisor_approves_for_their_approver_in_an_all_step(org, run, holiday, settings):
    settings.LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS = 2
    rule = {"kind": "people", "people": [org.developer.pk, org.sales_rep.pk]}
    process = _start(run, org.east_rep, [_step(rule, mode="all")])
    run(deadlines_sweep, now=DUE + datetime.timedelta(hours=3))
    added = dict(
        process.current_step.assignments.filter(reason=AssignmentReason.ESCALATED).values_list(
            "user_id", "instead_of_id"
        )
    )
    assert added == {org.it_head.pk: org.developer.pk, org.sales_head.pk: org.sales_rep.pk}
    run(process_act, actor=org.it_head, process=process, action="approve")
    assert counters_get(org.developer)["workflows_waiting"] == 0  # their part is done
    process.refresh_from_db()
    assert process.status == ProcessStatus.RUNNING
    run(process_act, actor=org.sales_rep, process=process, action="approve")
    process.refresh_from_db()
    assert process.status == ProcessStatus.APPROVED


def test_finished_and_undated_steps_are_left_alone(org, run, holiday):
    done = _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    run(process_act, actor=org.east_head, process=done, action="approve")
    _start(run, org.east_rep, [{"key": "s", "name": "No deadline", "rule": {"kind": "supervisor"}}])
    assert run(deadlines_sweep, now=DUE + datetime.timedelta(days=30)) == {"reminders": 0, "escalations": 0}


def test_the_beat_job_takes_a_lock(org, run, holiday):
    _start(run, org.east_rep, [_step({"kind": "supervisor"})])
    cache.delete(jobs.DEADLINES_LOCK_KEY)
    cache.add(jobs.DEADLINES_LOCK_KEY, "another run", timeout=60)
    try:
        with time_machine.travel(DUE + datetime.timedelta(minutes=1), tick=False):
            assert jobs.workflows_deadlines_sweep() is None
    finally:
        cache.delete(jobs.DEADLINES_LOCK_KEY)
    with time_machine.travel(DUE + datetime.timedelta(minutes=1), tick=False):
        assert jobs.workflows_deadlines_sweep() == {"reminders": 1, "escalations": 0}
    assert cache.get(jobs.DEADLINES_LOCK_KEY) is None


def test_the_beat_runs_the_sweep_every_five_minutes():
    from portal.celery import app

    app.loader.import_default_modules()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    name = "portal.workflows.jobs.workflows_deadlines_sweep"
    assert app.tasks[name].name == jobs.workflows_deadlines_sweep.name == name
    assert len(schedule[name].minute) == 12 and all(
        b - a == 5
        for a, b in zip(sorted(schedule[name].minute), sorted(schedule[name].minute)[1:], strict=False)
    )
