"""The contacts and companies API: round trips with nested communications and companies, the 409 duplicate
answer and `?force=1`, errors in the project's shape, the shared FilterSet, the list's query budget."""

from __future__ import annotations

import pytest

from crm.models import Company, Contact, ContactCompany
from crm.services import communications
from tests.crm.factories import CompanyFactory, ContactFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def test_create_read_update_delete_contact(org):
    company = CompanyFactory(responsible=org.east_rep, name="Acme")
    client = client_as(org.east_rep)
    response = client.post(
        "/api/v1/crm/contacts/",
        {
            "first_name": "Ivan",
            "last_name": "Petrov",
            "communications": [{"kind": "email", "value": "Ivan@Client.test"}],
            "companies": [company.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "Ivan Petrov"
    assert body["communications"][0]["normalized"] == "ivan@client.test"
    assert body["companies"] == [{"id": company.pk, "name": "Acme", "is_primary": True, "role": ""}]
    assert body["responsible"] == org.east_rep.pk
    url = f"/api/v1/crm/contacts/{body['id']}/"
    response = client.patch(url, {"position": "CEO"}, format="json")
    assert response.status_code == 200 and response.json()["position"] == "CEO"
    assert response.json()["communications"]  # not given: kept
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_duplicates_answer_409_unless_forced(org):
    existing = ContactFactory(responsible=org.east_rep)
    communications.communications_set(record=existing, items=[{"kind": "email", "value": "dup@client.test"}])
    client = client_as(org.east_rep)
    data = {"last_name": "Again", "communications": [{"kind": "email", "value": "DUP@client.test"}]}
    response = client.post("/api/v1/crm/contacts/", data, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicates" and [d["id"] for d in error["duplicates"]] == [existing.pk]
    assert Contact.objects.count() == 1
    assert client.post("/api/v1/crm/contacts/?force=1", data, format="json").status_code == 201
    assert Contact.objects.count() == 2


def test_company_name_duplicates(org):
    CompanyFactory(responsible=org.east_rep, name="Globex Corporation")
    client = client_as(org.east_rep)
    response = client.post("/api/v1/crm/companies/", {"name": "globex corporation"}, format="json")
    assert response.status_code == 409
    assert (
        client.post(
            "/api/v1/crm/companies/?force=1", {"name": "globex corporation"}, format="json"
        ).status_code
        == 201
    )
    assert Company.objects.count() == 2


def test_errors_have_the_project_shape_and_store_nothing(org):
    client = client_as(org.east_rep)
    response = client.post(
        "/api/v1/crm/contacts/?force=1",
        {"last_name": "X", "communications": [{"kind": "phone", "value": "not a phone"}]},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "communications-0" in error["fields"]
    response = client.post(
        "/api/v1/crm/contacts/?force=1", {"last_name": "X", "responsible": org.sales_head.pk}, format="json"
    )
    assert response.status_code == 400 and "responsible" in response.json()["error"]["fields"]
    assert not Contact.objects.exists()


def test_filters_are_the_list_pages(org):
    acme = CompanyFactory(responsible=org.east_rep)
    inside = ContactFactory(responsible=org.east_rep, last_name="Inside")
    ContactFactory(responsible=org.east_rep, last_name="Outside")
    ContactCompany.objects.create(contact=inside, company=acme)
    client = client_as(org.east_rep)
    ids = [c["id"] for c in client.get(f"/api/v1/crm/contacts/?company={acme.pk}").json()["results"]]
    assert ids == [inside.pk]
    ids = [c["id"] for c in client.get("/api/v1/crm/contacts/?q=outs").json()["results"]]
    assert len(ids) == 1 and ids != [inside.pk]


def test_list_query_budget(org):
    client = client_as(org.east_rep)

    def grow(n):
        for _ in range(n):
            contact = ContactFactory(responsible=org.east_rep)
            communications.communications_set(
                record=contact, items=[{"kind": "email", "value": f"c{contact.pk}@client.test"}]
            )
            ContactCompany.objects.create(contact=contact, company=CompanyFactory(responsible=org.east_rep))

    grow(10)

    def page():
        assert client.get("/api/v1/crm/contacts/").status_code == 200
        assert client.get("/api/v1/crm/companies/").status_code == 200

    page()
    assert_query_budget(page, lambda: grow(20), budget=24)
