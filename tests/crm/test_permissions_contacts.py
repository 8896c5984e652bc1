"""Every contact, company and merge route (pages and API) called as every role.

Records are made fresh per role with east_rep (the `member`) responsible. sales_head (the `supervisor`) holds
the "Head of department" role, so reaches east_rep's records; developer (the `outsider`) has only the default
"own" level: 404. Anonymous visitors go to the login page (302), or get 401/403 from the API.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Company, Contact, CrmRole
from tests.crm.factories import CompanyFactory, ContactFactory, give_role
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)


def _rule(anonymous, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


@pytest.fixture
def contact_endpoints(org, roles):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)

    def contact(role):
        return ContactFactory(responsible=org.east_rep)

    def company(role):
        return CompanyFactory(responsible=org.east_rep)

    def url(name, make):
        return lambda role: reverse(name, args=[make(role).pk])

    def merge_url(entity, make):
        def build(role):
            first, second = make(role), make(role)
            return reverse("crm:merge", args=[entity, first.pk]) + f"?with={second.pk}"

        return build

    seen = _rule(LOGIN, 404, 200, 200, 200)
    write = _rule(LOGIN, 404, 302, 302, 302)
    api_read = _rule(API_ANON, 404, 200, 200, 200)
    form = {"comm-TOTAL_FORMS": "0", "comm-INITIAL_FORMS": "0", "source": "manual"}
    return [
        Endpoint("contact page", "GET", url("crm:contact", contact), seen),
        Endpoint(
            "contact create form", "GET", reverse("crm:contact_create"), _rule(LOGIN, 200, 200, 200, 200)
        ),
        Endpoint(
            "contact create",
            "POST",
            reverse("crm:contact_create"),
            _rule(LOGIN, 302, 302, 302, 302),
            {**form, "last_name": "Matrix", "confirm": "create"},
            "form",
            changed=rows(Contact),
        ),
        Endpoint("contact edit form", "GET", url("crm:contact_edit", contact), seen),
        Endpoint(
            "contact edit",
            "POST",
            url("crm:contact_edit", contact),
            write,
            {**form, "last_name": "Edited"},
            "form",
            changed=rows(Contact, "last_name"),
        ),
        Endpoint("contact delete form", "GET", url("crm:contact_delete", contact), seen),
        Endpoint(
            "contact delete",
            "POST",
            url("crm:contact_delete", contact),
            write,
            {},
            "form",
            changed=rows(Contact),
        ),
        Endpoint("company page", "GET", url("crm:company", company), seen),
        Endpoint(
            "company create form", "GET", reverse("crm:company_create"), _rule(LOGIN, 200, 200, 200, 200)
        ),
        Endpoint(
            "company create",
            "POST",
            reverse("crm:company_create"),
            _rule(LOGIN, 302, 302, 302, 302),
            lambda role: {**form, "name": f"Matrix {role}", "kind": "client", "confirm": "create"},
            "form",
            changed=rows(Company),
        ),
        Endpoint("company edit form", "GET", url("crm:company_edit", company), seen),
        Endpoint(
            "company edit",
            "POST",
            url("crm:company_edit", company),
            write,
            {**form, "name": "Edited", "kind": "client"},
            "form",
            changed=rows(Company, "name"),
        ),
        Endpoint("company delete form", "GET", url("crm:company_delete", company), seen),
        Endpoint(
            "company delete",
            "POST",
            url("crm:company_delete", company),
            write,
            {},
            "form",
            changed=rows(Company),
        ),
        Endpoint(
            "merge pick", "GET", lambda role: reverse("crm:merge", args=["contact", contact(role).pk]), seen
        ),
        Endpoint(
            "merge suggestions",
            "GET",
            lambda role: reverse("crm:merge_suggestions", args=["company", company(role).pk]),
            seen,
        ),
        Endpoint("merge compare", "GET", merge_url("contact", contact), seen),
        Endpoint(
            "merge contacts",
            "POST",
            merge_url("contact", contact),
            write,
            lambda role: {},
            "form",
            changed=rows(Contact),
        ),
        Endpoint(
            "merge companies", "POST", merge_url("company", company), write, {}, "form", changed=rows(Company)
        ),
        # The API.
        Endpoint("api contacts list", "GET", "/api/v1/crm/contacts/", _rule(API_ANON, 200, 200, 200, 200)),
        Endpoint("api contact", "GET", lambda role: f"/api/v1/crm/contacts/{contact(role).pk}/", api_read),
        Endpoint(
            "api contact create",
            "POST",
            "/api/v1/crm/contacts/?force=1",
            _rule(API_ANON, 201, 201, 201, 201),
            {"last_name": "Api"},
            changed=rows(Contact),
        ),
        Endpoint(
            "api contact update",
            "PATCH",
            lambda role: f"/api/v1/crm/contacts/{contact(role).pk}/",
            api_read,
            {"position": "Changed"},
            changed=rows(Contact, "position"),
        ),
        Endpoint(
            "api contact delete",
            "DELETE",
            lambda role: f"/api/v1/crm/contacts/{contact(role).pk}/",
            _rule(API_ANON, 404, 204, 204, 204),
            changed=rows(Contact),
        ),
        Endpoint("api companies list", "GET", "/api/v1/crm/companies/", _rule(API_ANON, 200, 200, 200, 200)),
        Endpoint("api company", "GET", lambda role: f"/api/v1/crm/companies/{company(role).pk}/", api_read),
        Endpoint(
            "api company create",
            "POST",
            "/api/v1/crm/companies/?force=1",
            _rule(API_ANON, 201, 201, 201, 201),
            lambda role: {"name": f"Api {role}"},
            changed=rows(Company),
        ),
        Endpoint(
            "api company update",
            "PATCH",
            lambda role: f"/api/v1/crm/companies/{company(role).pk}/",
            api_read,
            {"industry": "Changed"},
            changed=rows(Company, "industry"),
        ),
        Endpoint(
            "api company delete",
            "DELETE",
            lambda role: f"/api/v1/crm/companies/{company(role).pk}/",
            _rule(API_ANON, 404, 204, 204, 204),
            changed=rows(Company),
        ),
    ]


def test_contacts_companies_merges_matrix(roles, contact_endpoints):
    assert_matrix(roles, contact_endpoints)


def test_outsider_does_not_list_hidden_records(org, roles):
    from tests.utils import client_as

    ContactFactory(responsible=org.east_rep)
    assert client_as(org.developer).get("/api/v1/crm/contacts/").json()["results"] == []
    assert len(client_as(org.east_rep).get("/api/v1/crm/contacts/").json()["results"]) == 1
