"""Automation rules: checking a rule, matching events to rules (trigger + scope), conditions, the run once per
(rule, object, event), actions acted once, a failing action, waits resumed once, working-day waits, the chain
limit, texts with placeholders, and the triggers and actions of tasks, the CRM and the processes."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from portal.core.automation import automation_event
from portal.core.errors import Invalid, NotFound
from portal.core.registry import AutomationAction, registry
from portal.groups.choices import MemberRole
from portal.notifications.models import Notification
from portal.workflows.choices import RuleRunStatus
from portal.workflows.models import AutomationRule, RuleRun
from portal.workflows.services import rules as services
from tasks.choices import TaskPriority, TaskStatus
from tasks.models import Task
from tasks.services.transitions import task_set_status
from tests.groups.factories import MembershipFactory, ProjectFactory, WorkgroupFactory
from tests.tasks.factories import TaskFactory, TaskTemplateFactory
from tests.workflows.factories import HolidayFactory

pytestmark = pytest.mark.django_db

TRIGGER = "tasks.status_changed"


@pytest.fixture
def project(org):
    project = ProjectFactory(name="Apollo")
    MembershipFactory(group=project, user=org.east_head, role=MemberRole.OWNER)
    MembershipFactory(group=project, user=org.east_rep, role=MemberRole.MEMBER)
    return project


@pytest.fixture
def scope(project):
    return f"group:{project.pk}"


@pytest.fixture
def task(org, project):
    return TaskFactory(
        title="Ship the release", creator=org.east_head, responsible=org.east_rep, group=project
    )


@pytest.fixture
def template(org, project):
    return TaskTemplateFactory(
        creator=org.east_head, title="Write the release notes", responsible=org.developer, group=project
    )


def notify_action(text="{{ title }} is now {{ status }}", people=None, wait_days=0, working=False):
    return {
        "action": "workflows.notify",
        "params": {"to": "people", "people": people or [], "text": text},
        "wait_days": wait_days,
        "working": working,
    }


def template_action(template, **extra):
    return {"action": "tasks.create_from_template", "params": {"template": template.pk}, **extra}


def make_rule(org, scope, *, actions, conditions=None, name="Rule", actor=None, **kwargs):
    return services.rule_create(
        actor=actor or org.east_head,
        scope=scope,
        name=name,
        trigger=kwargs.pop("trigger", TRIGGER),
        conditions=conditions or [],
        actions=actions,
        **kwargs,
    )


def set_status(capture, task, status, actor):
    """Change the status as a person does: the event and the jobs run once the change commits."""
    with capture(execute=True):
        task_set_status(actor=actor, task=task, status=status)


@pytest.fixture
def events():
    """Every automation event sent (its keyword arguments), to deliver one again."""
    seen = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal", None)
        seen.append(kwargs)

    automation_event.connect(receiver, dispatch_uid="tests.workflows.events")
    yield seen
    automation_event.disconnect(dispatch_uid="tests.workflows.events")


# --- checking a rule ----------------------------------------------------------------------------------------


def test_a_rule_is_made_on_a_scope_its_author_may_set_rules_on(org, scope, template):
    rule = make_rule(org, scope, actions=[template_action(template)], name="  Notes   after release ")
    assert rule.name == "Notes after release" and rule.created_by == org.east_head
    assert rule.actions == [
        {
            "action": "tasks.create_from_template",
            "params": {"template": str(template.pk)},
            "wait_days": 0,
            "working": False,
        }
    ]
    # A member (not an owner) of the project may not: the scope does not exist for them.
    with pytest.raises(NotFound):
        make_rule(org, scope, actor=org.east_rep, actions=[template_action(template)])
    # Nor on a group of which they are nothing.
    with pytest.raises(NotFound):
        make_rule(org, f"group:{WorkgroupFactory().pk}", actions=[template_action(template)])
    # Admins may set rules everywhere.
    assert make_rule(org, scope, actor=org.admin, actions=[notify_action(people=[org.ceo.pk])]).pk


def test_a_rule_is_checked_field_by_field(org, scope, template):
    with pytest.raises(Invalid) as caught:
        make_rule(
            org,
            scope,
            name=" ",
            trigger="crm.deal_stage_changed",  # a trigger of another kind of scope
            actions=[template_action(template)],
        )
    assert set(caught.value.fields) == {"name", "trigger"}
    with pytest.raises(Invalid) as caught:
        make_rule(
            org,
            scope,
            conditions=[{"field": "nope", "op": "eq", "value": "x"}, {"field": "status", "op": "eq"}],
            actions=[
                {"action": "crm.change_deal", "params": {}},  # not an action of task rules
                notify_action(people=[]),  # nobody to notify
                {"action": "tasks.change_field", "params": {"field": "status"}},  # which status?
                notify_action(people=[org.ceo.pk], wait_days=400),
                template_action(TaskTemplateFactory(creator=org.developer)),  # not the author's template
            ],
        )
    fields = caught.value.fields
    assert len(fields["conditions"]) == 2
    assert len(fields["actions"]) == 5, fields["actions"]
    with pytest.raises(Invalid):
        make_rule(org, scope, actions=[])
    assert not AutomationRule.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "{% debug %}",
        "{% load static %}{{ title }}",
        '{% include "base.html" %}',
        "{{ title|safe }}",
        "{{ title|center:99999 }}",
        "{{ title|no_such_filter }}",
    ],
)
def test_texts_allow_placeholders_and_harmless_filters_only(org, scope, text):
    with pytest.raises(Invalid):
        services.text_template_check(text)
    with pytest.raises(Invalid) as caught:
        make_rule(org, scope, actions=[notify_action(text=text, people=[org.ceo.pk])])
    assert "actions" in caught.value.fields


def test_texts_render_the_event_values_only():
    text = "{{ title|upper }} ({{ status|default:'?' }}) {{ depth }}{{ settings }}{{ request.user }}"
    assert services.text_render(text, {"title": "Ship <it>", "_depth": 3}) == "SHIP <IT> (?) "


# --- matching events to rules ---------------------------------------------------------------------------------


def test_an_event_starts_the_active_rules_of_its_trigger_on_its_scopes_in_one_query(
    org, scope, project, task, django_assert_num_queries
):
    mine = make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])], name="Mine")
    other_group = ProjectFactory()
    MembershipFactory(group=other_group, user=org.east_head, role=MemberRole.OWNER)
    elsewhere = make_rule(org, f"group:{other_group.pk}", actions=[notify_action(people=[org.ceo.pk])])
    off = make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])], is_active=False, name="Off")

    with django_assert_num_queries(1):  # no rule of that trigger: the one lookup
        assert (
            services.automation_event_receive(
                trigger="tasks.something_else", object_id=task.pk, event_id="e1", scopes=[scope]
            )
            == []
        )
    made = services.automation_event_receive(
        trigger=TRIGGER, object_id=task.pk, event_id="e1", scopes=[scope, "group:999999"], data={}
    )
    assert list(RuleRun.objects.filter(pk__in=made).values_list("rule_id", flat=True)) == [mine.pk]
    assert not RuleRun.objects.filter(rule__in=[elsewhere, off]).exists()
    # No scopes: nothing to match.
    assert (
        services.automation_event_receive(trigger=TRIGGER, object_id=task.pk, event_id="e2", scopes=[]) == []
    )


def test_a_failing_receiver_never_fails_the_sender(org, scope, task, monkeypatch):
    make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])])

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "_receive", broken)
    assert (
        services.automation_event_receive(trigger=TRIGGER, object_id=task.pk, event_id="x", scopes=[scope])
        == []
    )


def test_a_status_change_runs_the_rule_whose_conditions_hold(
    org, scope, task, template, django_capture_on_commit_callbacks
):
    rule = make_rule(
        org,
        scope,
        conditions=[{"field": "status", "op": "eq", "value": "completed"}],
        actions=[notify_action(people=[org.ceo.pk]), template_action(template)],
    )
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.SKIPPED and run.data["status"] == "in_progress"
    assert run.actor == org.east_rep
    assert not Task.objects.filter(template=template).exists()

    set_status(django_capture_on_commit_callbacks, task, TaskStatus.COMPLETED, org.east_rep)
    run = RuleRun.objects.filter(rule=rule).exclude(status=RuleRunStatus.SKIPPED).get()
    assert run.status == RuleRunStatus.DONE and run.position == 2 and run.finished_at
    assert run.data == {"status": "completed", "old_status": "in_progress", "title": "Ship the release"}
    made = Task.objects.get(template=template)
    assert made.responsible == org.developer and made.creator == org.east_head  # the rule's author
    note = Notification.objects.get(recipient=org.ceo, kind="workflows_rule")
    assert note.title == "Ship the release is now completed"
    kinds = [entry["kind"] for entry in run.log]
    assert kinds == ["start", "action", "action"]
    assert run.log[0]["object"] == "Task: Ship the release" and run.log[0]["url"] == task.get_absolute_url()
    assert f"#{made.pk}" in run.log[2]["result"]


def test_a_task_outside_any_group_sets_off_nothing(org, scope, django_capture_on_commit_callbacks):
    make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])])
    loose = TaskFactory(creator=org.east_head, responsible=org.east_rep)
    set_status(django_capture_on_commit_callbacks, loose, TaskStatus.IN_PROGRESS, org.east_rep)
    assert not RuleRun.objects.exists()


# --- once per (rule, object, event) ----------------------------------------------------------------------------


def test_the_same_event_twice_makes_one_run_and_acts_once(
    org, scope, task, template, events, django_capture_on_commit_callbacks
):
    rule = make_rule(org, scope, actions=[template_action(template), notify_action(people=[org.ceo.pk])])
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    assert len(events) == 1
    with django_capture_on_commit_callbacks(execute=True):
        automation_event.send(sender=TRIGGER, **events[0])  # a repeated delivery
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.DONE
    assert Task.objects.filter(template=template).count() == 1
    assert Notification.objects.filter(recipient=org.ceo, kind="workflows_rule").count() == 1
    # The job delivered again (a retry) finds the run done and does nothing.
    assert services.rule_run_execute(run_id=run.pk) == RuleRunStatus.DONE
    assert Task.objects.filter(template=template).count() == 1
    # Another change of the same task is another event: another run.
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.PENDING, org.east_rep)
    assert RuleRun.objects.filter(rule=rule).count() == 2
    assert Task.objects.filter(template=template).count() == 2


def test_a_run_goes_on_where_it_stands_and_never_redoes_an_action(org, scope, task, template):
    rule = make_rule(org, scope, actions=[template_action(template), template_action(template)])
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={"status": "new"})
    calls = []
    original = registry.automation_actions["tasks.create_from_template"]

    def crash_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("the worker died")  # not an Exception: the job itself crashes
        return original.run(**kwargs)

    with registry.automation_actions.override(
        AutomationAction(key=original.key, label=original.label, run=crash_on_second, fields=original.fields)
    ):
        with pytest.raises(SystemExit):
            services.rule_run_execute(run_id=run.pk)
        run.refresh_from_db()
        # The first action and its log line committed together; the second left nothing.
        assert run.position == 1 and run.status == RuleRunStatus.PENDING
        assert Task.objects.filter(template=template).count() == 1
        assert services.rule_run_execute(run_id=run.pk) == RuleRunStatus.DONE
    assert Task.objects.filter(template=template).count() == 2
    assert len(calls) == 3


# --- a failing action --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_action_fails_the_run_and_shows_on_the_rule_but_the_change_stays(org, scope, task):
    def boom(**kwargs):
        raise RuntimeError("the mail server is down")

    with registry.automation_actions.override(AutomationAction(key="tests.boom", label="Explode", run=boom)):
        rule = make_rule(
            org,
            scope,
            actions=[notify_action(people=[org.ceo.pk]), {"action": "tests.boom", "params": {}}],
        )
        # Committed at once (no test transaction): the event, the run and its job follow the commit.
        task_set_status(actor=org.east_rep, task=task, status=TaskStatus.IN_PROGRESS)

    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.FAILED and run.position == 1
    assert run.error == "RuntimeError: the mail server is down"
    assert [e["kind"] for e in run.log] == ["start", "action", "error"]
    rule.refresh_from_db()
    assert rule.last_error == "Explode: RuntimeError: the mail server is down" and rule.last_error_at
    # The action before it stays done, once.
    assert Notification.objects.filter(recipient=org.ceo, kind="workflows_rule").count() == 1
    # Saving the rule again clears the error shown.
    services.rule_update(
        actor=org.east_head,
        rule=rule,
        name=rule.name,
        trigger=rule.trigger,
        actions=[notify_action(people=[org.ceo.pk])],
    )
    rule.refresh_from_db()
    assert rule.last_error == "" and rule.last_error_at is None


def test_a_domain_refusal_of_an_action_fails_the_run_with_its_message(
    org, scope, task, template, django_capture_on_commit_callbacks
):
    rule = make_rule(org, scope, actions=[template_action(template)])
    template.delete()
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.FAILED
    assert "task template is gone" in run.error
    rule.refresh_from_db()
    assert "task template is gone" in rule.last_error


def test_the_rules_author_leaving_fails_the_runs(
    org, scope, task, template, django_capture_on_commit_callbacks
):
    rule = make_rule(org, scope, actions=[template_action(template)])
    org.east_head.is_active = False
    org.east_head.save(update_fields=["is_active"])
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    assert RuleRun.objects.get(rule=rule).status == RuleRunStatus.FAILED
    assert not Task.objects.filter(template=template).exists()


def test_a_rule_turned_off_skips_its_pending_runs(org, scope, task):
    rule = make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])])
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={})
    AutomationRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert services.rule_run_execute(run_id=run.pk) == RuleRunStatus.SKIPPED
    assert not Notification.objects.filter(kind="workflows_rule").exists()


def test_a_run_of_an_object_gone_is_skipped(org, scope, task):
    rule = make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk])])
    run = RuleRun.objects.create(rule=rule, object_id="987654", event_id="e", data={})
    assert services.rule_run_execute(run_id=run.pk) == RuleRunStatus.SKIPPED
    run.refresh_from_db()
    assert run.log[-1]["result"] == "The object is gone."


# --- waits -----------------------------------------------------------------------------------------------------


def test_a_wait_parks_the_run_and_two_sweeps_resume_it_once(org, scope, task, monkeypatch):
    rule = make_rule(
        org,
        scope,
        actions=[
            notify_action(people=[org.ceo.pk]),
            notify_action(text="Later", people=[org.ceo.pk], wait_days=2),
        ],
    )
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={"title": "T"})
    now = timezone.now()
    assert services.rule_run_execute(run_id=run.pk, now=now) == RuleRunStatus.WAITING
    run.refresh_from_db()
    assert run.position == 1 and run.next_at == now + datetime.timedelta(days=2)
    assert Notification.objects.filter(kind="workflows_rule").count() == 1

    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    assert services.rule_waits_resume(now=now + datetime.timedelta(days=1)) == 0  # not yet
    # Two beats at once: the second lists the run before the first takes it.
    original = services._due_wait_ids
    inner = []

    def listing(at, limit):
        ids = original(at, limit)
        if not inner:
            inner.append(None)
            inner[0] = services.rule_waits_resume(now=at)  # the other beat, between listing and taking
        return ids

    monkeypatch.setattr(services, "_due_wait_ids", listing)
    assert services.rule_waits_resume(now=now + datetime.timedelta(days=3)) == 0
    assert inner == [1] and queued == [run.pk]
    run.refresh_from_db()
    assert run.status == RuleRunStatus.PENDING

    assert (
        services.rule_run_execute(run_id=run.pk, now=now + datetime.timedelta(days=3)) == RuleRunStatus.DONE
    )
    assert Notification.objects.filter(kind="workflows_rule").count() == 2
    run.refresh_from_db()
    assert [e["kind"] for e in run.log] == ["start", "action", "wait", "action"]


def test_the_beat_job_resumes_and_runs_what_is_due(org, scope, task, django_capture_on_commit_callbacks):
    from portal.workflows import jobs

    rule = make_rule(org, scope, actions=[notify_action(people=[org.ceo.pk], wait_days=1)])
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={"title": "T"})
    services.rule_run_execute(run_id=run.pk, now=timezone.now() - datetime.timedelta(days=2))
    run.refresh_from_db()
    assert run.status == RuleRunStatus.WAITING and run.next_at < timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.workflows_rule_waits() == 1
    run.refresh_from_db()
    assert run.status == RuleRunStatus.DONE
    assert jobs.workflows_rule_waits() == 0


def test_working_day_waits_skip_weekends_and_holidays(org, scope, task):
    rule = make_rule(
        org,
        scope,
        actions=[
            notify_action(people=[org.ceo.pk], wait_days=1, working=True),
            notify_action(people=[org.ceo.pk], wait_days=2, working=False),
        ],
    )
    zone = timezone.get_current_timezone()
    friday = datetime.datetime(2030, 5, 10, 15, 0, tzinfo=zone)
    assert friday.weekday() == 4
    HolidayFactory(date=datetime.date(2030, 5, 13), name="Spring day")  # the Monday
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={})
    services.rule_run_execute(run_id=run.pk, now=friday)
    run.refresh_from_db()
    assert timezone.localtime(run.next_at) == datetime.datetime(2030, 5, 14, 15, 0, tzinfo=zone)  # Tuesday
    RuleRun.objects.filter(pk=run.pk).update(status=RuleRunStatus.PENDING)
    tuesday = run.next_at
    services.rule_run_execute(run_id=run.pk, now=tuesday)
    run.refresh_from_db()
    # Calendar days wait through anything.
    assert run.status == RuleRunStatus.WAITING and run.next_at == tuesday + datetime.timedelta(days=2)


# --- chains ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rules_that_set_each_other_off_stop_after_a_few_links(org, scope, task):
    def change(status):
        return {"action": "tasks.change_field", "params": {"field": "status", "status": status}}

    make_rule(
        org,
        scope,
        name="Pause on start",
        conditions=[{"field": "status", "op": "eq", "value": "in_progress"}],
        actions=[change("pending")],
    )
    make_rule(
        org,
        scope,
        name="Start on pause",
        conditions=[{"field": "status", "op": "eq", "value": "pending"}],
        actions=[change("in_progress")],
    )
    task_set_status(actor=org.east_rep, task=task, status=TaskStatus.IN_PROGRESS)
    # The person's change and MAX_CHAIN links after it, each event starting both rules (one skips).
    assert RuleRun.objects.count() == 2 * (services.MAX_CHAIN + 1)
    depths = sorted({run.data.get("_depth", 0) for run in RuleRun.objects.all()})
    assert depths == list(range(services.MAX_CHAIN + 1))


# --- the actions ---------------------------------------------------------------------------------------------------


def test_change_a_task_field_actions(org, scope, task, django_capture_on_commit_callbacks):
    deadline = timezone.now() + datetime.timedelta(days=3)
    Task.objects.filter(pk=task.pk).update(deadline=deadline)
    make_rule(
        org,
        scope,
        conditions=[{"field": "status", "op": "eq", "value": "in_progress"}],
        actions=[
            {"action": "tasks.change_field", "params": {"field": "priority", "priority": TaskPriority.HIGH}},
            {"action": "tasks.change_field", "params": {"field": "deadline", "days": "-1"}},
            {"action": "tasks.change_field", "params": {"field": "responsible", "person": org.field_rep.pk}},
        ],
    )
    task.refresh_from_db()
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    task.refresh_from_db()
    assert task.priority == TaskPriority.HIGH
    assert task.deadline == deadline - datetime.timedelta(days=1)
    assert task.responsible == org.field_rep
    run = RuleRun.objects.get()
    assert run.status == RuleRunStatus.DONE, run.error


def test_the_email_action_renders_its_template_for_each_person(
    org, scope, task, django_capture_on_commit_callbacks
):
    make_rule(
        org,
        scope,
        actions=[
            {
                "action": "workflows.email",
                "params": {
                    "to": "both",
                    "people": [org.ceo.pk],
                    "subject": "{{ title }}: {{ status|upper }}",
                    "body": "Status {{ old_status }} → {{ status }}.\n<b>{{ title }}</b>",
                },
            }
        ],
    )
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    sent = sorted(mail.outbox, key=lambda m: m.to)
    assert [m.to for m in sent] == [[org.ceo.email], [org.east_rep.email]]  # the chosen one and the owner
    assert sent[0].subject == "Ship the release: IN_PROGRESS"
    assert "Status new → in_progress.\n<b>Ship the release</b>" in sent[0].body  # plain text, not escaped
    assert task.get_absolute_url() in sent[0].body


def test_the_deal_stage_trigger_and_the_change_deal_action(org, django_capture_on_commit_callbacks):
    from crm.services.deals import deal_create, deal_move
    from tests.crm.factories import PipelineFactory

    pipeline = PipelineFactory()
    talk, offer = list(pipeline.stages.order_by("sort"))[:2]
    deal = deal_create(actor=org.admin, title="Big order", pipeline=pipeline, responsible=org.east_rep)
    # Only CRM admins set rules on stages.
    with pytest.raises(NotFound):
        make_rule(org, f"stage:{offer.pk}", trigger="crm.deal_stage_changed", actions=[], actor=org.east_head)
    rule = make_rule(
        org,
        f"stage:{offer.pk}",
        actor=org.admin,
        trigger="crm.deal_stage_changed",
        conditions=[{"field": "old_stage", "op": "eq", "value": str(talk.pk)}],
        actions=[
            {"action": "crm.change_deal", "params": {"field": "probability", "probability": 75}},
            {"action": "crm.change_deal", "params": {"field": "responsible", "person": org.sales_rep.pk}},
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal_move(actor=org.admin, deal=deal, stage=offer)
    deal.refresh_from_db()
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.DONE, run.error
    assert deal.probability == 75 and deal.responsible == org.sales_rep and deal.stage == offer
    assert (
        run.data["stage"] == offer.pk
        and run.data["old_stage"] == talk.pk
        and run.data["title"] == "Big order"
    )


def test_the_process_finished_trigger_is_for_admins(org):
    from portal.workflows.registrations.rules import PROCESS_FINISHED
    from tests.workflows.factories import ProcessTemplateFactory

    template = ProcessTemplateFactory(name="Purchase")
    trigger = registry.automation_triggers[PROCESS_FINISHED]
    assert (f"template:{template.pk}", "Purchase") in trigger.scope_choices(user=org.admin)
    assert trigger.scope_choices(user=org.ceo) == []
    assert trigger.scope_choices(user=org.admin, scope=f"template:{template.pk}") == [
        (f"template:{template.pk}", "Purchase")
    ]


def test_a_finished_request_sets_off_the_rules_of_its_template(org, django_capture_on_commit_callbacks):
    from portal.workflows.services.processes import process_act, process_start
    from tests.workflows.factories import ProcessTemplateFactory

    template = ProcessTemplateFactory(name="Purchase")
    rule = make_rule(
        org,
        f"template:{template.pk}",
        actor=org.admin,
        trigger="workflows.process_finished",
        conditions=[{"field": "status", "op": "eq", "value": "approved"}],
        actions=[notify_action(text="{{ title }}: {{ status }}", people=[org.ceo.pk])],
    )
    with django_capture_on_commit_callbacks(execute=True):
        process = process_start(actor=org.east_rep, template=template, data={"subject": "New laptop"})
    assert not RuleRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        process_act(actor=org.east_head, process=process, action="approve")
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.DONE, run.error
    assert run.log[0]["url"] == process.get_absolute_url()
    note = Notification.objects.get(recipient=org.ceo, kind="workflows_rule")
    assert note.title.endswith(": approved")


def test_the_start_a_request_action_starts_one_for_the_person_who_made_the_change(
    org, scope, task, django_capture_on_commit_callbacks
):
    from portal.workflows.models import Process
    from tests.workflows.factories import ProcessTemplateFactory

    template = ProcessTemplateFactory(
        name="Release review",
        version__fields=[{"key": "title", "label": "What", "type": "text", "required": True}],
    )
    rule = make_rule(
        org,
        scope,
        actions=[
            {"action": "workflows.start_process", "params": {"template": template.pk, "requester": "actor"}}
        ],
    )
    set_status(django_capture_on_commit_callbacks, task, TaskStatus.IN_PROGRESS, org.east_rep)
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RuleRunStatus.DONE, run.error
    process = Process.objects.get(template=template)
    assert process.requester == org.east_rep and process.data["title"] == "Ship the release"
    # Delivered again, the run does nothing more.
    services.rule_run_execute(run_id=run.pk)
    assert Process.objects.filter(template=template).count() == 1
