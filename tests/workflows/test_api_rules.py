"""The automation rules API: rules of the scopes one may set rules on (list with filters and run counts, read,
make, change, delete), what a scope offers (catalogue), the run log; the one JSON error shape; query budgets."""

from __future__ import annotations

import pytest

from portal.groups.choices import MemberRole
from portal.workflows.choices import RuleRunStatus
from portal.workflows.models import AutomationRule, RuleRun
from portal.workflows.services import rules as services
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workflows"
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
def owner(org, client_for):
    return client_for(org.east_head)


def notify(org):
    return {
        "action": "workflows.notify",
        "params": {"to": "people", "people": [org.ceo.pk], "text": "{{ title }}"},
    }


def make_rule(org, scope, name="Tell the CEO"):
    return services.rule_create(
        actor=org.east_head, scope=scope, name=name, trigger=TRIGGER, actions=[notify(org)]
    )


def test_the_list_shows_my_scopes_rules_with_their_counts(org, scope, owner):
    rule = make_rule(org, scope)
    other = ProjectFactory()
    services.rule_create(
        actor=org.admin, scope=f"group:{other.pk}", name="Not mine", trigger=TRIGGER, actions=[notify(org)]
    )
    RuleRun.objects.create(rule=rule, object_id="1", event_id="a", status=RuleRunStatus.FAILED)
    body = owner.get(f"{BASE}/rules/").json()
    assert [r["name"] for r in body["results"]] == ["Tell the CEO"]
    row = body["results"][0]
    assert row["scope"] == scope and row["trigger"] == TRIGGER and row["runs_total"] == 1
    assert row["runs_failed"] == 1 and row["actions"][0]["params"]["people"] == [org.ceo.pk]
    assert owner.get(f"{BASE}/rules/", {"scope": scope}).json()["count"] == 1
    assert owner.get(f"{BASE}/rules/", {"trigger": "crm.deal_stage_changed"}).json()["count"] == 0
    # A scope not mine: 404, as if it did not exist.
    assert owner.get(f"{BASE}/rules/", {"scope": f"group:{other.pk}"}).status_code == 404
    # The admin sees both.
    assert client_admin_count(org) == 2


def client_admin_count(org):
    from tests.utils import client_as

    return client_as(org.admin).get(f"{BASE}/rules/").json()["count"]


@pytest.mark.parametrize("rules", [2, 15])
def test_the_list_has_a_query_budget(org, scope, owner, rules, django_assert_max_num_queries):
    for n in range(rules):
        make_rule(org, scope, name=f"Rule {n}")
    with django_assert_max_num_queries(6):
        response = owner.get(f"{BASE}/rules/", {"scope": scope})
    assert response.json()["count"] == rules
    with django_assert_max_num_queries(7):
        response = owner.get(f"{BASE}/rules/")
    assert response.json()["count"] == rules


def test_make_change_and_delete_a_rule(org, scope, owner):
    response = owner.post(
        f"{BASE}/rules/",
        {
            "scope": scope,
            "name": "Done → tell",
            "trigger": TRIGGER,
            "conditions": [{"field": "status", "op": "eq", "value": "completed"}],
            "actions": [notify(org)],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scope"] == scope and body["created_by"] == org.east_head.pk and body["is_active"]
    assert body["conditions"] == [{"field": "status", "op": "eq", "value": "completed"}]
    url = f"{BASE}/rules/{body['id']}/"
    response = owner.patch(url, {"name": "Renamed", "is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    rule = AutomationRule.objects.get()
    assert not rule.is_active and rule.conditions == body["conditions"]  # kept by the partial change
    response = owner.put(url, {"name": "Whole", "trigger": TRIGGER, "actions": [notify(org)]}, format="json")
    assert response.status_code == 200 and response.json()["conditions"] == []
    assert owner.get(url).json()["name"] == "Whole"
    assert owner.delete(url).status_code == 204
    assert not AutomationRule.objects.exists()


def test_bad_rules_get_the_one_error_shape_and_change_nothing(org, scope, owner):
    response = owner.post(
        f"{BASE}/rules/",
        {
            "scope": scope,
            "name": "Bad",
            "trigger": TRIGGER,
            "conditions": [{"field": "status", "op": "??"}],
            "actions": [{"action": "workflows.email", "params": {"to": "people", "subject": "{% debug %}"}}],
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"conditions", "actions"}
    assert owner.post(
        f"{BASE}/rules/", {"name": "x", "trigger": TRIGGER, "actions": []}, format="json"
    ).json()["error"]["fields"] == {"scope": ["Name the scope of the rule."]}
    other = ProjectFactory()
    response = owner.post(
        f"{BASE}/rules/",
        {"scope": f"group:{other.pk}", "name": "x", "trigger": TRIGGER, "actions": [notify(org)]},
        format="json",
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not AutomationRule.objects.exists()


def test_the_catalogue_says_what_a_scope_offers(org, scope, owner, client_for):
    body = owner.get(f"{BASE}/rules/catalogue/", {"scope": scope}).json()
    assert body["scope"] == scope and body["label"] == "Apollo"
    (trigger,) = body["triggers"]
    assert trigger["key"] == TRIGGER
    status = next(c for c in trigger["conditions"] if c["field"] == "status")
    assert {"value": "completed", "label": "Completed"} in status["choices"]
    keys = [a["key"] for a in trigger["actions"]]
    assert "tasks.change_field" in keys and "crm.change_deal" not in keys
    notify_action = next(a for a in trigger["actions"] if a["key"] == "workflows.notify")
    people = next(p for p in notify_action["params"] if p["name"] == "people")
    assert people["kind"] == "people" and people["when"] == ["to", ["people", "both"]]
    assert client_for(org.east_rep).get(f"{BASE}/rules/catalogue/", {"scope": scope}).status_code == 404


def test_the_run_log(org, scope, project, owner, client_for):
    rule = make_rule(org, scope)
    task = TaskFactory(title="Ship", creator=org.east_head, responsible=org.east_rep, group=project)
    run = RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="e", data={"title": "Ship"})
    services.rule_run_execute(run_id=run.pk)
    RuleRun.objects.create(rule=rule, object_id=str(task.pk), event_id="f", status=RuleRunStatus.FAILED)
    body = owner.get(f"{BASE}/rule-runs/", {"rule": rule.pk, "status": "done"}).json()
    assert [r["id"] for r in body["results"]] == [run.pk]
    row = body["results"][0]
    assert row["object"] == "Task: Ship" and row["url"] == task.get_absolute_url()
    assert [e["kind"] for e in row["log"]] == ["start", "action"]
    assert owner.get(f"{BASE}/rule-runs/{run.pk}/").json()["status"] == "done"
    assert client_for(org.east_rep).get(f"{BASE}/rule-runs/").json()["count"] == 0
    assert client_for(org.east_rep).get(f"{BASE}/rule-runs/{run.pk}/").status_code == 404


@pytest.mark.parametrize("runs", [2, 15])
def test_the_run_log_has_a_query_budget(org, scope, owner, runs, django_assert_max_num_queries):
    rule = make_rule(org, scope)
    for n in range(runs):
        RuleRun.objects.create(rule=rule, object_id="1", event_id=f"e{n}", actor=org.east_rep)
    with django_assert_max_num_queries(7):
        response = owner.get(f"{BASE}/rule-runs/")
    assert response.json()["count"] == runs


def test_the_schema_lists_the_rules_api(client_for, org):
    from django.urls import reverse

    schema = client_for(org.admin).get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert f"{BASE}/rules/" in paths and f"{BASE}/rules/catalogue/" in paths and f"{BASE}/rule-runs/" in paths
