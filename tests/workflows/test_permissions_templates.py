"""Every route of the template and role pages and of the templates API, called as every role.

The pages are the portal admins' (as the CRM's settings pages, anyone else gets 404 and anonymous visitors
the login page): a supervisor, the requester and the holder of a process role ("holder": an accountant, who
sees all payments) included. The API is read by everyone signed in: a template restricted to the Sales
department answers the member and the supervisor (Sales East is under Sales) and the admin, 404 to the
others. Each write row works on a fresh template or role and checks its side effect.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from portal.workflows.models import ProcessRole, ProcessTemplate, TemplateVersion
from portal.workflows.services import templates as services
from tests.utils import Endpoint, assert_matrix, rows, tables
from tests.workflows.factories import SIMPLE_FIELDS, SIMPLE_STEPS, ProcessRoleFactory, ProcessTemplateFactory

pytestmark = pytest.mark.django_db

LOGIN = 302
HIDDEN = 404
API_ANON = (401, 403)
ROLES = ("anonymous", "outsider", "member", "supervisor", "holder", "admin")


def _admin_only(status) -> dict:
    return {role: LOGIN if role == "anonymous" else (status if role == "admin" else HIDDEN) for role in ROLES}


def _api(**statuses) -> dict:
    return {"anonymous": API_ANON, **statuses}


def editor_post(name: str) -> dict:
    """The editor's form as a browser posts it: the settings, one field and one step."""
    return {
        "name": name,
        "kind": "custom",
        "icon": "bi-cart",
        "description": "",
        "is_active": "on",
        "starters_everyone": "1",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
        "fields-0-ORDER": "1",
        "fields-0-key": "subject",
        "fields-0-label": "Subject",
        "fields-0-type": "text",
        "fields-0-required": "on",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
        "steps-0-ORDER": "1",
        "steps-0-name": "Boss",
        "steps-0-kind": "approval",
        "steps-0-rule": "supervisor",
        "steps-0-levels": "2",
        "steps-0-mode": "any",
        "steps-0-deadline": "2",
        "steps-0-deadline_unit": "workdays",
        "steps-0-actions": ["approve", "reject", "return"],
        "comment": "",
    }


@pytest.fixture
def templates_users(org, roles):
    holder = org.it_head
    ProcessRole.objects.get(key="accountant").members.add(holder)
    return {**roles, "holder": holder}


@pytest.fixture
def templates_endpoints(org, templates_users):
    made = itertools.count(1)
    payment = ProcessTemplate.objects.get(key="payment")
    sales_only = services.template_create(
        actor=org.admin,
        name="Sales bonus",
        fields=SIMPLE_FIELDS,
        steps=SIMPLE_STEPS,
        starters_everyone=False,
        start_departments=[org.sales],
    )

    def fresh_template(role):
        return ProcessTemplateFactory(name=f"Template {next(made)} for {role}")

    def template_url(name):
        return lambda role: reverse(f"workflows:{name}", args=[fresh_template(role).pk])

    def fresh_role(role):
        return ProcessRoleFactory(key=f"role_{next(made)}", name=f"Role for {role}")

    def role_url(name):
        return lambda role: reverse(f"workflows:{name}", args=[fresh_role(role).pk])

    return [
        Endpoint("template list", "GET", reverse("workflows:template_list"), _admin_only(200)),
        Endpoint("template create page", "GET", reverse("workflows:template_create"), _admin_only(200)),
        Endpoint(
            "template create",
            "POST",
            reverse("workflows:template_create"),
            _admin_only(302),
            data=lambda role: editor_post(f"New {next(made)} by {role}"),
            format="form",
            changed=tables(ProcessTemplate, TemplateVersion),
        ),
        Endpoint(
            "template editor", "GET", reverse("workflows:template_edit", args=[payment.pk]), _admin_only(200)
        ),
        Endpoint(
            "template save",
            "POST",
            template_url("template_edit"),
            _admin_only(302),
            data=lambda role: editor_post(f"Renamed {next(made)} by {role}"),
            format="form",
            changed=tables(ProcessTemplate, TemplateVersion),
        ),
        Endpoint("template delete page", "GET", template_url("template_delete"), _admin_only(200)),
        Endpoint(
            "template delete",
            "POST",
            template_url("template_delete"),
            _admin_only(302),
            format="form",
            changed=rows(ProcessTemplate),
        ),
        Endpoint(
            "template versions",
            "GET",
            reverse("workflows:template_versions", args=[payment.pk]),
            _admin_only(200),
        ),
        Endpoint(
            "template version",
            "GET",
            reverse("workflows:template_version", args=[payment.pk, 1]),
            _admin_only(200),
        ),
        Endpoint("role list", "GET", reverse("workflows:role_list"), _admin_only(200)),
        Endpoint("role create page", "GET", reverse("workflows:role_create"), _admin_only(200)),
        Endpoint(
            "role create",
            "POST",
            reverse("workflows:role_create"),
            _admin_only(302),
            data=lambda role: {"name": f"New {role}", "key": f"new_{next(made)}", "members": [org.ceo.pk]},
            format="form",
            changed=tables(ProcessRole),
        ),
        Endpoint("role edit page", "GET", role_url("role_edit"), _admin_only(200)),
        Endpoint(
            "role edit",
            "POST",
            role_url("role_edit"),
            _admin_only(302),
            data=lambda role: {"name": f"Renamed {next(made)} by {role}", "members": [org.ceo.pk]},
            format="form",
            changed=tables(ProcessRole),
        ),
        Endpoint("role delete page", "GET", role_url("role_delete"), _admin_only(200)),
        Endpoint(
            "role delete",
            "POST",
            role_url("role_delete"),
            _admin_only(302),
            format="form",
            changed=rows(ProcessRole),
        ),
        Endpoint(
            "api template list",
            "GET",
            reverse("workflows-template-list"),
            _api(outsider=200, member=200, supervisor=200, holder=200, admin=200),
        ),
        Endpoint(
            "api template (everyone's)",
            "GET",
            reverse("workflows-template-detail", args=[payment.pk]),
            _api(outsider=200, member=200, supervisor=200, holder=200, admin=200),
        ),
        Endpoint(
            "api template (Sales only)",
            "GET",
            reverse("workflows-template-detail", args=[sales_only.pk]),
            _api(outsider=HIDDEN, member=200, supervisor=200, holder=HIDDEN, admin=200),
        ),
    ]


def test_templates_matrix(templates_users, templates_endpoints):
    assert_matrix(templates_users, templates_endpoints)
