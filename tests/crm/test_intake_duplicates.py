"""Records the intake makes without anybody asked (a lead from an e-mail or a web form, a contact from a store
order or a call) meet their duplicates afterwards: converting a lead links the contact and the company that
already exist instead of making them again, and a record's page offers its possible duplicates for merging."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crm.choices import LeadSource
from crm.models import Company, Contact, Lead
from crm.services import communications
from crm.services.leads import lead_create
from tests.crm.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _intake_lead(**extra) -> Lead:
    """A lead the mailbox fetch would make: no actor."""
    return lead_create(
        actor=None,
        title="Question about chairs",
        first_name="Anna",
        source=LeadSource.EMAIL,
        communications=[{"kind": "email", "type": "work", "value": "ANNA@Client.test"}],
        **extra,
    )


def test_one_click_conversion_links_the_known_contact_and_company(org):
    known = ContactFactory(responsible=org.east_rep, first_name="Anna")
    communications.communications_set(record=known, items=[{"kind": "email", "value": "anna@client.test"}])
    company = CompanyFactory(responsible=org.east_rep, name="Smith and Co")
    lead = _intake_lead(company_name="Smith and Co", responsible=org.east_rep)
    contacts, companies = Contact.objects.count(), Company.objects.count()

    response = _client(org.east_rep).post(reverse("crm:lead_convert", args=[lead.pk]), {"defaults": "1"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.contact, lead.company) == (known, company)
    assert (Contact.objects.count(), Company.objects.count()) == (contacts, companies)


def test_the_conversion_page_proposes_the_known_contact(org):
    known = ContactFactory(responsible=org.east_rep, first_name="Anna")
    communications.communications_set(record=known, items=[{"kind": "email", "value": "anna@client.test"}])
    lead = _intake_lead(responsible=org.east_rep)

    form = _client(org.east_rep).get(reverse("crm:lead_convert", args=[lead.pk])).context["form"]

    assert form.initial["contact"] == known.pk and form.initial["make_contact"] is False


def test_a_contact_the_converter_cannot_see_is_not_linked(org):
    hidden = ContactFactory(responsible=org.sales_head)
    communications.communications_set(record=hidden, items=[{"kind": "email", "value": "anna@client.test"}])
    lead = _intake_lead(responsible=org.developer)

    _client(org.developer).post(reverse("crm:lead_convert", args=[lead.pk]), {"defaults": "1"})

    lead.refresh_from_db()
    assert lead.contact is not None and lead.contact != hidden


def test_a_record_page_offers_its_duplicates(org):
    first = ContactFactory(responsible=org.east_rep, last_name="First")
    second = ContactFactory(responsible=org.east_rep, last_name="Second")
    other = ContactFactory(responsible=org.east_rep, last_name="Other")
    communications.communications_set(record=first, items=[{"kind": "phone", "value": "+1 212 555 0100"}])
    communications.communications_set(record=second, items=[{"kind": "phone", "value": "(212) 555-0100"}])
    communications.communications_set(record=other, items=[{"kind": "phone", "value": "+1 212 555 0199"}])
    client = _client(org.east_rep)

    page = client.get(reverse("crm:contact", args=[first.pk])).content.decode()
    url = reverse("crm:merge_suggestions", args=["contact", first.pk])
    assert f'hx-get="{url}"' in page
    notice = client.get(url).content.decode()
    assert f'data-duplicate="{second.pk}"' in notice and f'data-duplicate="{other.pk}"' not in notice
    pick = client.get(reverse("crm:merge", args=["contact", first.pk])).content.decode()
    assert 'id="crm-merge-suggestions"' in pick and f"?with={second.pk}" in pick

    alone = client.get(reverse("crm:merge_suggestions", args=["contact", other.pk])).content.decode()
    assert "crm-duplicate-notice" not in alone
    assert _client(org.developer).get(url).status_code == 404


def test_a_company_with_a_very_similar_name_is_offered(org):
    first = CompanyFactory(responsible=org.east_rep, name="Orion Logistics")
    second = CompanyFactory(responsible=org.east_rep, name="Orion Logistics LLC")
    CompanyFactory(responsible=org.east_rep, name="Vega Foods")

    notice = _client(org.east_rep).get(reverse("crm:merge_suggestions", args=["company", first.pk]))

    html = notice.content.decode()
    assert f'data-duplicate="{second.pk}"' in html and html.count("data-duplicate=") == 1
