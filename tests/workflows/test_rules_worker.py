"""Automation rules on real servers: this process changes a task's status and sends the event on commit; a real
Celery worker (Redis, the PostgreSQL test database) runs the rule's job. The event delivered twice and the job
delivered twice still make one task; a failing action fails the run in the worker and leaves the person's
change as it was."""

from __future__ import annotations

import time

import pytest

from portal.core.automation import automation_event
from portal.groups.choices import MemberRole
from portal.workflows.choices import RuleRunStatus
from portal.workflows.models import AutomationRule, RuleRun
from portal.workflows.services.rules import rule_create
from tasks.choices import TaskStatus
from tasks.models import Task
from tasks.services.transitions import task_set_status
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory, TaskTemplateFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]

TRIGGER = "tasks.status_changed"


def wait_for(check, worker, *, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"nothing after {timeout:.0f} s:\n{worker.log_tail()}", pytrace=False)


@pytest.fixture
def rules_project(org):
    project = ProjectFactory(name="Apollo")
    MembershipFactory(group=project, user=org.east_head, role=MemberRole.OWNER)
    return project


@pytest.fixture
def rules_events():
    seen = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal", None)
        seen.append(kwargs)

    automation_event.connect(receiver, dispatch_uid="tests.workflows.worker_events")
    yield seen
    automation_event.disconnect(dispatch_uid="tests.workflows.worker_events")


def _run_of(rule):
    return RuleRun.objects.filter(rule=rule).first()


def test_the_worker_creates_the_task_once_whatever_the_deliveries(
    org, rules_project, rules_events, celery_worker
):
    from portal.workflows import jobs

    template = TaskTemplateFactory(
        creator=org.east_head, title="Write the release notes", group=rules_project
    )
    rule = rule_create(
        actor=org.east_head,
        scope=f"group:{rules_project.pk}",
        name="Release notes when done",
        trigger=TRIGGER,
        conditions=[{"field": "status", "op": "eq", "value": "completed"}],
        actions=[{"action": "tasks.create_from_template", "params": {"template": template.pk}}],
    )
    task = TaskFactory(creator=org.east_head, responsible=org.east_rep, group=rules_project, title="Release")

    # Committed at once: the event leaves on commit, the run is made here, its job goes to the worker.
    task_set_status(actor=org.east_rep, task=task, status=TaskStatus.COMPLETED)
    run = wait_for(
        lambda: RuleRun.objects.filter(rule=rule, status=RuleRunStatus.DONE).first(), celery_worker
    )
    assert Task.objects.filter(template=template).count() == 1

    # The same event delivered again makes no run and queues nothing.
    assert len(rules_events) == 1
    automation_event.send(sender=TRIGGER, **rules_events[0])
    # The job delivered again (a retry, a duplicate message): the worker finds the run done.
    assert jobs.workflows_rule_run.delay(run.pk).get(timeout=30) == RuleRunStatus.DONE
    assert RuleRun.objects.filter(rule=rule).count() == 1
    assert Task.objects.filter(template=template).count() == 1
    made = Task.objects.get(template=template)
    assert made.creator == org.east_head and made.group == rules_project


def test_a_failing_action_fails_the_run_in_the_worker_and_the_change_stays(org, rules_project, celery_worker):
    template = TaskTemplateFactory(creator=org.east_head, title="Gone soon", group=rules_project)
    rule = rule_create(
        actor=org.east_head,
        scope=f"group:{rules_project.pk}",
        name="Broken",
        trigger=TRIGGER,
        actions=[{"action": "tasks.create_from_template", "params": {"template": template.pk}}],
    )
    template.delete()
    task = TaskFactory(creator=org.east_head, responsible=org.east_rep, group=rules_project)

    task_set_status(actor=org.east_rep, task=task, status=TaskStatus.IN_PROGRESS)
    run = wait_for(
        lambda: RuleRun.objects.filter(rule=rule, status=RuleRunStatus.FAILED).first(), celery_worker
    )
    assert "task template is gone" in run.error
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    assert "task template is gone" in AutomationRule.objects.get(pk=rule.pk).last_error
