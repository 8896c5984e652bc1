"""Contact and company pages: the record page (and its query budget), the forms keeping input on errors,
the duplicate step before creating, delete, and the merge page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Company, Contact, ContactCompany, CrmRole
from crm.services import communications
from tests.crm.factories import CompanyFactory, ContactFactory, DealFactory, PipelineFactory, give_role
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def _formset(prefix="comm", rows=()):
    data = {f"{prefix}-TOTAL_FORMS": str(max(len(rows), 1)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, (kind, value) in enumerate(rows or [("phone", "")]):
        data.update(
            {
                f"{prefix}-{index}-kind": kind,
                f"{prefix}-{index}-type": "work",
                f"{prefix}-{index}-value": value,
            }
        )
    return data


def test_record_page_shows_fields_links_and_buttons(org):
    contact = ContactFactory(responsible=org.east_rep, position="Buyer")
    communications.communications_set(
        record=contact,
        items=[{"kind": "phone", "value": "+7 495 123-45-67"}, {"kind": "email", "value": "i@client.test"}],
    )
    company = CompanyFactory(responsible=org.east_rep, name="Acme")
    hidden = CompanyFactory(responsible=org.developer, name="Secret Inc")
    ContactCompany.objects.create(contact=contact, company=company, is_primary=True)
    ContactCompany.objects.create(contact=contact, company=hidden)
    response = client_as(org.east_rep).get(reverse("crm:contact", args=[contact.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="tel:+74951234567"' in html and 'href="mailto:i@client.test"' in html
    assert "Acme" in html and "Secret Inc" not in html
    assert reverse("crm:contact_edit", args=[contact.pk]) in html
    assert reverse("crm:merge", args=["contact", contact.pk]) in html
    assert 'id="crm-timeline"' in html


@pytest.mark.parametrize("name", ["crm:contact", "crm:company"])
def test_record_page_queries_do_not_grow(org, name):
    contact = ContactFactory(responsible=org.east_rep)
    company = CompanyFactory(responsible=org.east_rep)
    ContactCompany.objects.create(contact=contact, company=company)
    pipeline = PipelineFactory()
    client = client_as(org.east_rep)
    record = contact if name == "crm:contact" else company
    added = {"n": 0}

    def add(n):
        start = added["n"]
        added["n"] += n
        communications.communications_set(
            record=record, items=[{"kind": "email", "value": f"p{i}@client.test"} for i in range(added["n"])]
        )
        for _ in range(n):
            DealFactory(pipeline=pipeline, contact=contact, company=company, responsible=org.east_rep)
        for _ in range(start, start + n):
            other = ContactFactory(responsible=org.east_rep)
            ContactCompany.objects.create(contact=other, company=company)
            ContactCompany.objects.create(contact=contact, company=CompanyFactory(responsible=org.east_rep))

    add(10)

    def page():
        response = client.get(reverse(name, args=[record.pk]))
        assert response.status_code == 200

    page()  # the first request of a session fills per-person caches
    assert_query_budget(page, lambda: add(20), budget=12)


def test_create_keeps_input_on_errors(org):
    client = client_as(org.east_rep)
    data = {"last_name": "", "first_name": "", "position": "Chief buyer", "source": "manual"}
    data.update(_formset(rows=[("phone", "not a phone"), ("email", "kept@client.test")]))
    response = client.post(reverse("crm:contact_create"), data, format="multipart")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a first or a last name." in html
    assert 'value="Chief buyer"' in html and 'value="kept@client.test"' in html
    assert not Contact.objects.exists()
    data["last_name"] = "Petrov"
    response = client.post(reverse("crm:contact_create"), data, format="multipart")
    assert response.status_code == 400
    assert "is not a phone number" in response.content.decode()
    assert not Contact.objects.exists()


def test_create_offers_duplicates_then_creates_when_confirmed(org):
    existing = ContactFactory(responsible=org.east_rep, last_name="Petrov")
    communications.communications_set(record=existing, items=[{"kind": "email", "value": "ivan@client.test"}])
    client = client_as(org.east_rep)
    data = {"last_name": "Petrov", "first_name": "Ivan", "source": "manual"}
    data.update(_formset(rows=[("email", "IVAN@client.test")]))
    response = client.post(reverse("crm:contact_create"), data, format="multipart")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="crm-duplicates"' in html and f'data-duplicate="{existing.pk}"' in html
    assert Contact.objects.count() == 1
    response = client.post(reverse("crm:contact_create"), {**data, "confirm": "create"}, format="multipart")
    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_merge_with_a_duplicate_from_the_create_page(org):
    existing = CompanyFactory(responsible=org.east_rep, name="Acme Trading")
    client = client_as(org.east_rep)
    data = {"name": "ACME Trading", "kind": "client", "source": "manual", **_formset()}
    response = client.post(reverse("crm:company_create"), data, format="multipart")
    assert response.status_code == 200 and f'data-duplicate="{existing.pk}"' in response.content.decode()
    response = client.post(
        reverse("crm:company_create"), {**data, "merge_into": str(existing.pk)}, format="multipart"
    )
    new = Company.objects.exclude(pk=existing.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:merge", args=["company", existing.pk]) + f"?with={new.pk}"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="crm-merge-fields"' in page.content.decode()
    response = client.post(response["Location"], {"with": new.pk, "name": "merged"}, format="multipart")
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.name == "ACME Trading"
    assert not Company.objects.filter(pk=new.pk).exists()


def test_edit_saves_and_keeps_input_on_errors(org):
    contact = ContactFactory(responsible=org.east_rep, last_name="Old")
    client = client_as(org.east_rep)
    url = reverse("crm:contact_edit", args=[contact.pk])
    assert client.get(url).status_code == 200
    data = {"last_name": "New", "first_name": "", "position": "CEO", "source": "manual"}
    data.update(_formset(rows=[("email", "bad address")]))
    response = client.post(url, data, format="multipart")
    assert response.status_code == 400 and 'value="CEO"' in response.content.decode()
    data.update(_formset(rows=[("email", "good@client.test")]))
    assert client.post(url, data, format="multipart").status_code == 302
    contact.refresh_from_db()
    assert (contact.last_name, contact.position) == ("New", "CEO")


def test_delete_confirms_then_deletes(org):
    contact = ContactFactory(responsible=org.east_rep)
    client = client_as(org.east_rep)
    url = reverse("crm:contact_delete", args=[contact.pk])
    assert client.get(url).status_code == 200
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(url, format="multipart").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_supervisor_sees_the_sub_tree_the_outsider_gets_404(org):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    company = CompanyFactory(responsible=org.east_rep)
    url = reverse("crm:company", args=[company.pk])
    assert client_as(org.sales_head).get(url).status_code == 200
    assert client_as(org.developer).get(url).status_code == 404
