"""The automation rule pages: the rules of a scope (and without one), the editor (drawn again on a change,
saved through the services, errors by section), delete, the run log; query budgets; the links from a group's
page, a pipeline's settings and the workflows home."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.groups.choices import MemberRole
from portal.workflows.choices import RuleRunStatus
from portal.workflows.models import AutomationRule, RuleRun
from portal.workflows.services import rules as services
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db

TRIGGER = "tasks.status_changed"
HTMX = {"HTTP_HX_REQUEST": "true"}


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
def owner(org, client_for):
    return client_for(org.east_head)


def post(client, url, data=None, **extra):
    """A form POST (the API client sends JSON by default)."""
    return client.post(url, data or {}, format="multipart", **extra)


def list_url(scope):
    return f"{reverse('workflows:rule_list')}?scope={scope}"


def create_url(scope):
    return f"{reverse('workflows:rule_create')}?scope={scope}"


def make_rule(org, scope, name="Notify the CEO", **kwargs):
    return services.rule_create(
        actor=org.east_head,
        scope=scope,
        name=name,
        trigger=TRIGGER,
        conditions=kwargs.pop("conditions", [{"field": "status", "op": "eq", "value": "completed"}]),
        actions=kwargs.pop(
            "actions",
            [
                {
                    "action": "workflows.notify",
                    "params": {"to": "people", "people": [org.ceo.pk], "text": "{{ title }} done"},
                    "wait_days": 2,
                    "working": True,
                }
            ],
        ),
        **kwargs,
    )


def editor_post(org, **extra):
    data = {
        "name": "Release notes",
        "trigger": TRIGGER,
        "is_active": "on",
        "conditions-count": "1",
        "c0-field": "status",
        "c0-op": "eq",
        "c0-value": "completed",
        "actions-count": "1",
        "a0-action": "workflows.notify",
        "a0-wait_days": "0",
        "a0-p-to": "people",
        "a0-p-people": [str(org.ceo.pk)],
        "a0-p-text": "{{ title }} is done",
    }
    data.update(extra)
    return data


# --- the list ---------------------------------------------------------------------------------------------------


def test_the_list_shows_trigger_conditions_actions_error_and_counts(org, scope, owner):
    rule = make_rule(org, scope)
    AutomationRule.objects.filter(pk=rule.pk).update(last_error="Notify people: nobody is there")
    for status in (RuleRunStatus.DONE, RuleRunStatus.DONE, RuleRunStatus.FAILED):
        RuleRun.objects.create(
            rule=rule, object_id="1", event_id=f"e{RuleRun.objects.count()}", status=status
        )
    page = owner.get(list_url(scope)).content.decode()
    assert "Apollo" in page and "Notify the CEO" in page
    assert "A task&#x27;s status changed" in page or "A task's status changed" in page
    assert "New status = Completed" in page  # the condition in words, the choice by its label
    assert "after 2 working days" in page and "Notify people" in page
    assert "data-rule-error" in page and "nobody is there" in page
    assert "3 runs" in page and "2 done" in page and "1 failed" in page
    assert f'href="{reverse("workflows:rule_runs", args=[rule.pk])}"' in page
    assert f'href="{reverse("workflows:rule_edit", args=[rule.pk])}"' in page


def test_the_list_of_a_scope_not_mine_does_not_exist(org, scope, client_for):
    make_rule(org, scope)
    for person in (org.east_rep, org.developer):  # a member, a stranger
        assert client_for(person).get(list_url(scope)).status_code == 404
    assert client_for(org.east_head).get(list_url("group:99999")).status_code == 404
    assert client_for(org.east_head).get(list_url("nonsense")).status_code == 404
    assert client_for(org.admin).get(list_url(scope)).status_code == 200


@pytest.mark.parametrize("rules", [2, 12])
def test_the_list_has_a_query_budget(org, scope, owner, rules, django_assert_max_num_queries):
    for n in range(rules):
        make_rule(org, scope, name=f"Rule {n}")
    with django_assert_max_num_queries(8):
        response = owner.get(list_url(scope))
    assert response.status_code == 200 and response.content.decode().count("data-rule=") == rules


@pytest.mark.parametrize("rules", [2, 12])
def test_the_overview_lists_my_scopes_and_their_rules_with_a_budget(
    org, scope, project, owner, rules, django_assert_max_num_queries
):
    other = ProjectFactory(name="Borealis")
    MembershipFactory(group=other, user=org.east_head, role=MemberRole.OWNER)
    for n in range(rules):
        make_rule(org, scope if n % 2 else f"group:{other.pk}", name=f"Rule {n}")
    with django_assert_max_num_queries(9):
        response = owner.get(reverse("workflows:rule_list"))
    page = response.content.decode()
    assert response.status_code == 200 and page.count("data-rule=") == rules
    assert "Apollo" in page and "Borealis" in page and f"?scope=group:{other.pk}" in page


def test_the_overview_is_for_people_who_may_set_rules_somewhere(org, client_for):
    assert client_for(org.developer).get(reverse("workflows:rule_list")).status_code == 404
    assert client_for(org.admin).get(reverse("workflows:rule_list")).status_code == 200


# --- the editor ---------------------------------------------------------------------------------------------------


def test_the_editor_offers_the_scope_kinds_triggers_and_their_actions(org, scope, owner):
    page = owner.get(create_url(scope)).content.decode()
    assert f'value="{TRIGGER}"' in page
    assert 'value="crm.deal_stage_changed"' not in page  # a trigger of stages
    assert 'value="tasks.create_from_template"' in page and 'value="tasks.change_field"' in page
    assert 'value="crm.change_deal"' not in page
    assert "{{ title }}" in page  # the placeholders
    assert 'hx-post="' in page and "<script>" not in page.split("</main>")[0].split("<main")[-1]


def test_choosing_an_action_draws_its_settings_without_saving(org, scope, owner):
    TaskTemplateFactory(creator=org.east_head, title="Release notes template")
    TaskTemplateFactory(creator=org.developer, title="Someone else's template")
    data = editor_post(org, **{"a0-action": "tasks.create_from_template", "refresh": "1"})
    response = post(owner, create_url(scope), data, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and 'id="rule-editor"' in page
    assert "Release notes template" in page and "Someone else" not in page  # the author's templates only
    assert 'name="a0-p-template"' in page
    assert not AutomationRule.objects.exists()


def test_rows_are_added_and_removed_without_saving(org, scope, owner):
    page = post(owner, create_url(scope), editor_post(org, add="condition"), **HTMX).content.decode()
    assert 'name="conditions-count" value="2"' in page and 'name="c1-field"' in page
    page = post(owner, create_url(scope), editor_post(org, add="action"), **HTMX).content.decode()
    assert 'name="actions-count" value="2"' in page and 'name="a1-action"' in page
    page = post(
        owner, create_url(scope), editor_post(org, refresh="1", **{"c0-remove": "on"})
    ).content.decode()
    assert 'name="conditions-count" value="0"' in page and "<html" in page  # without htmx: the page
    assert not AutomationRule.objects.exists()


def test_saving_makes_the_rule_and_goes_back_to_the_list(org, scope, owner):
    response = post(owner, create_url(scope), editor_post(org))
    assert response.status_code == 302 and response["Location"] == list_url(scope)
    rule = AutomationRule.objects.get()
    assert rule.scope == scope and rule.name == "Release notes" and rule.created_by == org.east_head
    assert rule.conditions == [{"field": "status", "op": "eq", "value": "completed"}]
    assert rule.actions == [
        {
            "action": "workflows.notify",
            "params": {"to": "people", "people": [org.ceo.pk], "text": "{{ title }} is done"},
            "wait_days": 0,
            "working": False,
        }
    ]


def test_bad_input_is_shown_by_section_and_saves_nothing(org, scope, owner):
    data = editor_post(org, name="", **{"c0-value": "", "a0-p-text": "{% debug %}"})
    response = post(owner, create_url(scope), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the rule a name." in page
    assert "Condition 1: give a value to compare with." in page
    assert "no {% tags %}" in page
    assert not AutomationRule.objects.exists()
    # What was typed stays.
    assert "{% debug %}" in page


def test_the_editor_of_a_rule_shows_it_and_saves_changes(org, scope, owner):
    rule = make_rule(org, scope)
    page = owner.get(reverse("workflows:rule_edit", args=[rule.pk])).content.decode()
    assert 'value="Notify the CEO"' in page and "{{ title }} done" in page
    assert f'value="{org.ceo.pk}"' in page  # the chosen person's chip
    data = editor_post(
        org, name="Renamed", **{"conditions-count": "0", "a0-wait_days": "3", "a0-working": "on"}
    )
    response = post(owner, reverse("workflows:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Renamed" and rule.conditions == [] and rule.actions[0]["wait_days"] == 3


def test_delete_asks_then_deletes(org, scope, owner):
    rule = make_rule(org, scope)
    RuleRun.objects.create(rule=rule, object_id="1", event_id="e")
    page = owner.get(reverse("workflows:rule_delete", args=[rule.pk])).content.decode()
    assert "Notify the CEO" in page and "1 run" in page
    response = post(owner, reverse("workflows:rule_delete", args=[rule.pk]))
    assert response.status_code == 302 and response["Location"] == list_url(scope)
    assert not AutomationRule.objects.exists() and not RuleRun.objects.exists()


# --- the run log ----------------------------------------------------------------------------------------------------


def _runs(org, rule, task, n):
    for i in range(n):
        run = RuleRun.objects.create(
            rule=rule,
            object_id=str(task.pk),
            event_id=f"e{i}",
            data={"status": "completed"},
            actor=org.east_rep,
        )
        services.rule_run_execute(run_id=run.pk)


@pytest.mark.parametrize("runs", [2, 12])
def test_the_run_log_shows_each_run_with_a_budget(
    org, scope, project, owner, runs, django_assert_max_num_queries
):
    rule = make_rule(
        org, scope, actions=[{"action": "workflows.notify", "params": {"to": "owner", "text": "Hi"}}]
    )
    task = TaskFactory(title="Ship it", creator=org.east_head, responsible=org.east_rep, group=project)
    _runs(org, rule, task, runs)
    with django_assert_max_num_queries(9):
        response = owner.get(reverse("workflows:rule_runs", args=[rule.pk]))
    page = response.content.decode()
    assert page.count("data-run=") == runs
    assert "Task: Ship it" in page and task.get_absolute_url() in page
    assert "Notified 1 person." in page


def test_the_run_log_shows_errors_and_filters_by_status(org, scope, project, owner):
    rule = make_rule(
        org,
        scope,
        conditions=[],
        actions=[
            {
                "action": "tasks.create_from_template",
                "params": {"template": TaskTemplateFactory(creator=org.east_head).pk},
            }
        ],
    )
    TaskTemplateFactory._meta.model.objects.all().delete()
    task = TaskFactory(title="Ship it", creator=org.east_head, responsible=org.east_rep, group=project)
    _runs(org, rule, task, 1)
    RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="other", status=RuleRunStatus.DONE)
    page = owner.get(reverse("workflows:rule_runs", args=[rule.pk])).content.decode()
    assert "data-run-error" in page and "task template is gone" in page and "data-rule-error" in page
    page = owner.get(
        reverse("workflows:rule_runs", args=[rule.pk]) + "?status=failed", **HTMX
    ).content.decode()
    assert page.count("data-run=") == 1 and "<html" not in page


# --- links ---------------------------------------------------------------------------------------------------------


def test_the_group_page_links_its_owners_to_the_rules(org, project, client_for):
    link = f"?scope=group:{project.pk}"
    assert link in client_for(org.east_head).get(project.get_absolute_url()).content.decode()
    assert link not in client_for(org.east_rep).get(project.get_absolute_url()).content.decode()


def test_the_pipeline_settings_link_each_stage_to_its_rules(org, client_for):
    from tests.crm.factories import PipelineFactory

    pipeline = PipelineFactory()
    page = client_for(org.admin).get(reverse("crm:pipeline_edit", args=[pipeline.pk])).content.decode()
    for stage in pipeline.stages.all():
        assert f"?scope=stage:{stage.pk}" in page
    assert client_for(org.admin).get(list_url(f"stage:{pipeline.stages.first().pk}")).status_code == 200


def test_the_workflows_home_links_admins_to_the_rules(org, client_for):
    assert 'id="wf-rules-link"' in client_for(org.admin).get(reverse("workflows:home")).content.decode()
    assert (
        'id="wf-rules-link"' not in client_for(org.east_rep).get(reverse("workflows:home")).content.decode()
    )
