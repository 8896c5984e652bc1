"""Every route of leads, their conversion and web forms, called as every role.

The lead of a row is made fresh for each role with east_rep (the `member`) responsible. sales_head (the
`supervisor`) holds the "Head of department" role (every action on his department's sub-tree), so sees and
changes it; developer (the `outsider`) holds only the default "Employee" role (own records): the lead answers
404 to him, though he may make leads of his own. Web form settings are for CRM administrators only (404 for
everybody else); the public form answers everybody, anonymous visitors included.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.choices import LeadStatus
from crm.models import Company, Contact, CrmRole, Deal, Lead, WebForm
from crm.services import webforms as webform_services
from tests.crm.factories import LeadFactory, give_role
from tests.utils import Endpoint, assert_matrix, rows, tables

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
FIELDS = [{"name": "name", "label": "Name", "target": "first_name", "type": "text", "required": True}]


def _rule(*, anonymous=LOGIN, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def _lead_rule(status, *, anonymous=LOGIN) -> dict:
    return _rule(anonymous=anonymous, outsider=404, member=status, supervisor=status, admin=status)


def _admin_only(status) -> dict:
    return _rule(outsider=404, member=404, supervisor=404, admin=status)


def _everyone(status, *, anonymous=LOGIN) -> dict:
    return _rule(anonymous=anonymous, outsider=status, member=status, supervisor=status, admin=status)


LEAD_FORM = {
    "title": "Changed",
    "source": "call",
    "comm-TOTAL_FORMS": "1",
    "comm-INITIAL_FORMS": "0",
    "comm-0-kind": "email",
    "comm-0-type": "work",
    "comm-0-value": "someone@client.test",
    "amount_0": "",
    "amount_1": "USD",
}


@pytest.fixture
def endpoints(org, settings):
    settings.LUMEN_CRM_WEBFORM_RATE = 1000
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)

    def fresh(role, **extra):
        return LeadFactory(responsible=org.east_rep, **extra)

    def page(name, **extra):
        return lambda role: reverse(f"crm:{name}", args=[fresh(role, **extra).pk])

    def api(suffix="", **extra):
        return lambda role: f"/api/v1/crm/leads/{fresh(role, **extra).pk}/{suffix}"

    def fresh_form(role=None):
        return webform_services.webform_create(actor=org.admin, name=f"Form {role}", fields=FIELDS)

    webform = fresh_form("shared")
    lead_rows = rows(Lead, "title", "status", "junk_reason", "contact_id", "company_id")
    records = tables(Lead, Contact, Company, Deal)
    junk = {"status": LeadStatus.JUNK, "junk_reason": "spam"}
    builder = {
        "name": "Renamed",
        "target": "lead",
        "is_active": "on",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-0-label": "Name",
        "fields-0-name": "name",
        "fields-0-target": "first_name",
        "fields-0-type": "text",
    }
    public = reverse("crm:webform_public", args=[webform.token])
    return [
        # --- lead pages
        Endpoint("lead page", "GET", page("lead"), _lead_rule(200)),
        Endpoint("lead create page", "GET", reverse("crm:lead_create"), _everyone(200)),
        Endpoint(
            "lead create",
            "POST",
            reverse("crm:lead_create"),
            _everyone(302),
            {
                **LEAD_FORM,
                "confirm": "create",
            },  # past the duplicate warning (every role posts the same e-mail)
            "form",
            changed=lead_rows,
        ),
        Endpoint("lead edit page", "GET", page("lead_edit"), _lead_rule(200)),
        Endpoint(
            "lead edit",
            "POST",
            page("lead_edit"),
            _lead_rule(302),
            lambda role: {**LEAD_FORM, "responsible": org.east_rep.pk},
            "form",
            changed=lead_rows,
        ),
        Endpoint("lead delete page", "GET", page("lead_delete"), _lead_rule(200)),
        Endpoint(
            "lead delete", "POST", page("lead_delete"), _lead_rule(302), None, "form", changed=lead_rows
        ),
        Endpoint("lead take", "POST", page("lead_take"), _lead_rule(302), None, "form", changed=lead_rows),
        Endpoint(
            "lead junk",
            "POST",
            page("lead_junk"),
            _lead_rule(302),
            {"reason": "Spam"},
            "form",
            changed=lead_rows,
        ),
        Endpoint(
            "lead reopen",
            "POST",
            page("lead_reopen", **junk),
            _lead_rule(302),
            None,
            "form",
            changed=lead_rows,
        ),
        Endpoint("lead convert page", "GET", page("lead_convert"), _lead_rule(200)),
        Endpoint(
            "lead convert, one click",
            "POST",
            page("lead_convert"),
            _lead_rule(302),
            {"defaults": "1"},
            "form",
            changed=records,
        ),
        Endpoint(
            "lead convert, chosen",
            "POST",
            page("lead_convert"),
            _lead_rule(302),
            {"make_contact": "on", "amount_0": "", "amount_1": "USD"},
            "form",
            changed=records,
        ),
        # --- web form settings and the public form
        Endpoint("webform list", "GET", reverse("crm:webform_list"), _admin_only(200)),
        Endpoint("webform create page", "GET", reverse("crm:webform_create"), _admin_only(200)),
        Endpoint(
            "webform create",
            "POST",
            reverse("crm:webform_create"),
            _admin_only(302),
            builder,
            "form",
            changed=rows(WebForm, "name"),
        ),
        Endpoint(
            "webform edit page", "GET", reverse("crm:webform_edit", args=[webform.pk]), _admin_only(200)
        ),
        Endpoint(
            "webform edit",
            "POST",
            lambda role: reverse("crm:webform_edit", args=[fresh_form(role).pk]),
            _admin_only(302),
            builder,
            "form",
            changed=rows(WebForm, "name"),
        ),
        Endpoint(
            "webform delete page", "GET", reverse("crm:webform_delete", args=[webform.pk]), _admin_only(200)
        ),
        Endpoint(
            "webform delete",
            "POST",
            lambda role: reverse("crm:webform_delete", args=[fresh_form(role).pk]),
            _admin_only(302),
            None,
            "form",
            changed=rows(WebForm),
        ),
        Endpoint("webform public page", "GET", public, _everyone(200, anonymous=200)),
        Endpoint(
            "webform public submit",
            "POST",
            public,
            _everyone(200, anonymous=200),
            {"name": "Visitor"},
            "form",
            changed=rows(Lead),
        ),
        # --- the API
        Endpoint("api lead list", "GET", "/api/v1/crm/leads/", _everyone(200, anonymous=API_ANON)),
        Endpoint(
            "api lead create",
            "POST",
            "/api/v1/crm/leads/",
            _everyone(201, anonymous=API_ANON),
            {"title": "Via API"},
            changed=lead_rows,
        ),
        Endpoint("api lead read", "GET", api(), _lead_rule(200, anonymous=API_ANON)),
        Endpoint(
            "api lead put",
            "PUT",
            api(),
            _lead_rule(200, anonymous=API_ANON),
            {"title": "Put"},
            changed=lead_rows,
        ),
        Endpoint(
            "api lead patch",
            "PATCH",
            api(),
            _lead_rule(200, anonymous=API_ANON),
            {"title": "Patched"},
            changed=lead_rows,
        ),
        Endpoint("api lead delete", "DELETE", api(), _lead_rule(204, anonymous=API_ANON), changed=lead_rows),
        Endpoint(
            "api lead take", "POST", api("take/"), _lead_rule(200, anonymous=API_ANON), changed=lead_rows
        ),
        Endpoint(
            "api lead junk",
            "POST",
            api("junk/"),
            _lead_rule(200, anonymous=API_ANON),
            {"reason": "Spam"},
            changed=lead_rows,
        ),
        Endpoint(
            "api lead reopen",
            "POST",
            api("reopen/", **junk),
            _lead_rule(200, anonymous=API_ANON),
            changed=lead_rows,
        ),
        Endpoint(
            "api lead convert",
            "POST",
            api("convert/"),
            _lead_rule(200, anonymous=API_ANON),
            {"make_contact": True, "make_deal": True},
            changed=records,
        ),
    ]


def test_lead_and_webform_permission_matrix(roles, endpoints):
    assert_matrix(roles, endpoints)
