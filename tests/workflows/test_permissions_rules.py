"""Every route of the automation rules (pages and API), called as every role.

The rules live on a project whose owner is east_head (`owner`, the one role of this matrix beyond the usual
set): owners of a workgroup and portal admins set its rules. east_rep (`member`) is a plain member of the
project, sales_head (`supervisor`) heads member's department, developer (`outsider`) has nothing to do with
it: for all three the scope, its rules and their runs do not exist (404). Each write row makes a fresh rule
per role and probes the rules table."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.groups.choices import MemberRole
from portal.workflows.models import AutomationRule, RuleRun
from portal.workflows.services import rules as services
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
TRIGGER = "tasks.status_changed"
BASE = "/api/v1/workflows"


def _page(**statuses) -> dict:
    return {"anonymous": LOGIN, **statuses}


def _api(**statuses) -> dict:
    return {"anonymous": API_ANON, **statuses}


@pytest.fixture
def rules_roles(roles, org):
    return {**roles, "owner": org.east_head}


@pytest.fixture
def rules_scope(org):
    project = ProjectFactory(name="Apollo")
    MembershipFactory(group=project, user=org.east_head, role=MemberRole.OWNER)
    MembershipFactory(group=project, user=org.east_rep, role=MemberRole.MEMBER)
    return f"group:{project.pk}"


@pytest.fixture
def rules_fresh(org, rules_scope):
    """A new rule of the project (with a run) for each call."""

    def make(role=None):
        rule = services.rule_create(
            actor=org.east_head,
            scope=rules_scope,
            name=f"Rule {AutomationRule.objects.count()}",
            trigger=TRIGGER,
            actions=[{"action": "workflows.notify", "params": {"to": "owner", "text": "{{ title }}"}}],
        )
        RuleRun.objects.create(rule=rule, object_id="1", event_id=f"e{rule.pk}")
        return rule

    return make


def _form(org, name: str) -> dict:
    return {
        "name": name,
        "trigger": TRIGGER,
        "is_active": "on",
        "conditions-count": "0",
        "actions-count": "1",
        "a0-action": "workflows.notify",
        "a0-wait_days": "0",
        "a0-p-to": "people",
        "a0-p-people": str(org.ceo.pk),
        "a0-p-text": "{{ title }}",
    }


def _api_rule(org, scope: str, name: str) -> dict:
    return {
        "scope": scope,
        "name": name,
        "trigger": TRIGGER,
        "actions": [
            {"action": "workflows.notify", "params": {"to": "people", "people": [org.ceo.pk], "text": "x"}}
        ],
    }


def test_rule_pages_matrix(rules_roles, org, rules_scope, rules_fresh):
    owners = dict(outsider=404, member=404, supervisor=404, owner=200, admin=200)
    saved = dict(outsider=404, member=404, supervisor=404, owner=302, admin=302)
    listed = f"{reverse('workflows:rule_list')}?scope={rules_scope}"
    create = f"{reverse('workflows:rule_create')}?scope={rules_scope}"

    def rule_url(name):
        return lambda role: reverse(name, args=[rules_fresh(role).pk])

    assert_matrix(
        rules_roles,
        [
            Endpoint("rules of a scope", "GET", listed, _page(**owners)),
            Endpoint("rules of all my scopes", "GET", reverse("workflows:rule_list"), _page(**owners)),
            Endpoint("rule create form", "GET", create, _page(**owners)),
            Endpoint(
                "rule create",
                "POST",
                create,
                _page(**saved),
                lambda role: _form(org, f"Made by {role}"),
                "form",
                changed=rows(AutomationRule),
            ),
            Endpoint("rule edit form", "GET", rule_url("workflows:rule_edit"), _page(**owners)),
            Endpoint(
                "rule edit",
                "POST",
                rule_url("workflows:rule_edit"),
                _page(**saved),
                lambda role: _form(org, f"Edited by {role}"),
                "form",
                changed=rows(AutomationRule, "name"),
            ),
            Endpoint("rule delete form", "GET", rule_url("workflows:rule_delete"), _page(**owners)),
            Endpoint(
                "rule delete",
                "POST",
                rule_url("workflows:rule_delete"),
                _page(**saved),
                {},
                "form",
                changed=rows(AutomationRule),
            ),
            Endpoint("rule runs", "GET", rule_url("workflows:rule_runs"), _page(**owners)),
        ],
    )


def test_rule_api_matrix(rules_roles, org, rules_scope, rules_fresh):
    owners = dict(outsider=404, member=404, supervisor=404, owner=200, admin=200)
    everyone = dict(outsider=200, member=200, supervisor=200, owner=200, admin=200)

    def api_rule(suffix=""):
        return lambda role: f"{BASE}/rules/{rules_fresh(role).pk}/{suffix}"

    def api_run(role):
        return f"{BASE}/rule-runs/{rules_fresh(role).runs.get().pk}/"

    assert_matrix(
        rules_roles,
        [
            Endpoint("api rules", "GET", f"{BASE}/rules/", _api(**everyone)),
            Endpoint("api rules of a scope", "GET", f"{BASE}/rules/?scope={rules_scope}", _api(**owners)),
            Endpoint(
                "api rule create",
                "POST",
                f"{BASE}/rules/",
                _api(outsider=404, member=404, supervisor=404, owner=201, admin=201),
                lambda role: _api_rule(org, rules_scope, f"By {role}"),
                changed=rows(AutomationRule),
            ),
            Endpoint("api rule", "GET", api_rule(), _api(**owners)),
            Endpoint(
                "api rule change",
                "PUT",
                api_rule(),
                _api(**owners),
                lambda role: _api_rule(org, rules_scope, f"Changed by {role}"),
                changed=rows(AutomationRule, "name"),
            ),
            Endpoint(
                "api rule partial change",
                "PATCH",
                api_rule(),
                _api(**owners),
                lambda role: {"name": f"Patched by {role}"},
                changed=rows(AutomationRule, "name"),
            ),
            Endpoint(
                "api rule delete",
                "DELETE",
                api_rule(),
                _api(outsider=404, member=404, supervisor=404, owner=204, admin=204),
                changed=rows(AutomationRule),
            ),
            Endpoint("api catalogue", "GET", f"{BASE}/rules/catalogue/?scope={rules_scope}", _api(**owners)),
            Endpoint("api runs", "GET", f"{BASE}/rule-runs/", _api(**everyone)),
            Endpoint("api run", "GET", api_run, _api(**owners)),
        ],
    )


def test_hidden_rules_and_runs_are_not_listed(org, rules_scope, rules_fresh, client_for):
    rule = rules_fresh()
    for person in (org.developer, org.east_rep, org.sales_head):
        client = client_for(person)
        assert client.get(f"{BASE}/rules/").json()["count"] == 0
        assert client.get(f"{BASE}/rule-runs/").json()["count"] == 0
        assert client.get(f"{BASE}/rule-runs/?rule={rule.pk}").json()["count"] == 0
    assert client_for(org.east_head).get(f"{BASE}/rules/").json()["count"] == 1
