"""The lead API: list with filters, read, create (duplicates), change, delete, status actions, convert."""

from __future__ import annotations

import pytest

from crm.choices import LeadStatus, Level
from crm.models import Contact, CrmRole, Deal, Lead
from crm.services import leads as services
from tests.crm.factories import LeadFactory, give_role, role_with
from tests.utils import client_as

pytestmark = pytest.mark.django_db
BASE = "/api/v1/crm/leads/"


def test_list_is_filtered_by_rights_and_filters(org, django_assert_max_num_queries):
    mine = LeadFactory(responsible=org.east_rep, status=LeadStatus.NEW)
    LeadFactory(responsible=org.east_rep, status=LeadStatus.IN_PROGRESS)
    LeadFactory(responsible=org.developer)
    client = client_as(org.east_rep)
    body = client.get(BASE).json()
    assert len(body["results"]) == 2
    body = client.get(BASE, {"status": "new"}).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    for _ in range(10):
        LeadFactory(responsible=org.east_rep)
    with django_assert_max_num_queries(8):
        assert len(client.get(BASE).json()["results"]) == 12


def test_create_update_and_duplicates(org):
    client = client_as(org.east_rep)
    payload = {
        "title": "From the API",
        "first_name": "Anna",
        "amount": "120.00",
        "currency": "EUR",
        "utm": {"utm_source": "partner"},
        "communications": [{"kind": "phone", "value": "+1 212 555 0100"}],
    }
    response = client.post(BASE, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["currency"], body["responsible"]) == ("120.00", "EUR", org.east_rep.pk)
    assert body["communications"][0]["normalized"] == "+12125550100"
    again = client.post(BASE, payload, format="json")
    assert again.status_code == 409 and again.json()["error"]["duplicates"][0]["id"] == body["id"]
    assert client.post(BASE + "?force=1", payload, format="json").status_code == 201
    response = client.patch(f"{BASE}{body['id']}/", {"amount": "99.00"}, format="json")
    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["currency"]) == ("99.00", "EUR")
    bad = client.post(BASE, {"communications": [{"kind": "phone", "value": "x"}]}, format="json")
    assert bad.status_code == 400 and "error" in bad.json()
    assert Lead.objects.count() == 2


def test_hidden_lead_is_404_and_read_only_is_403(org):
    lead = LeadFactory(responsible=org.east_rep)
    assert client_as(org.developer).get(f"{BASE}{lead.pk}/").status_code == 404
    assert client_as(org.developer).delete(f"{BASE}{lead.pk}/").status_code == 404
    give_role(role_with("Lead readers", Level.ALL, entities=["lead"], actions=["view"]), user=org.it_head)
    reader = client_as(org.it_head)
    assert reader.get(f"{BASE}{lead.pk}/").status_code == 200
    assert reader.delete(f"{BASE}{lead.pk}/").status_code == 403
    assert reader.post(f"{BASE}{lead.pk}/take/").status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    assert client_as(org.sales_head).delete(f"{BASE}{lead.pk}/").status_code == 204


def test_status_actions_and_convert(org):
    lead = services.lead_create(
        actor=org.east_rep,
        title="T",
        first_name="Anna",
        communications=[{"kind": "email", "value": "a@b.test"}],
    )
    client = client_as(org.east_rep)
    assert client.post(f"{BASE}{lead.pk}/take/").json()["status"] == "in_progress"
    assert client.post(f"{BASE}{lead.pk}/junk/", {}, format="json").status_code == 400
    assert client.post(f"{BASE}{lead.pk}/junk/", {"reason": "Spam"}, format="json").json()["status"] == "junk"
    assert client.post(f"{BASE}{lead.pk}/reopen/").json()["status"] == "new"
    response = client.post(
        f"{BASE}{lead.pk}/convert/", {"make_contact": True, "make_deal": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["lead"]["status"] == "converted" and body["created"] == ["contact", "deal"]
    assert Deal.objects.get(pk=body["deal"]).contact_id == body["contact"]
    again = client.post(f"{BASE}{lead.pk}/convert/", {"make_contact": True}, format="json")
    assert again.status_code == 400
    assert Contact.objects.count() == 1


def test_delete(org):
    lead = LeadFactory(responsible=org.east_rep)
    assert client_as(org.east_rep).delete(f"{BASE}{lead.pk}/").status_code == 204
    assert not Lead.objects.filter(pk=lead.pk).exists()
