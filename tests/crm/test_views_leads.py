"""Lead pages: the record page (and its query budget), create with the duplicate check, edit, statuses,
conversion and delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.choices import LeadStatus, TimelineKind
from crm.models import Contact, CrmRole, Deal, Lead, TimelineEntry
from crm.services import leads as services
from tests.crm.factories import ActivityFactory, LeadFactory, give_role


def page_client(user):
    """A signed-in client whose posts are HTML form posts (the API client's default is JSON)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


pytestmark = pytest.mark.django_db


def _lead(org, **extra):
    return services.lead_create(
        actor=org.east_rep,
        title="Chairs",
        first_name="Anna",
        company_name="Smith & Co",
        communications=[{"kind": "phone", "type": "work", "value": "+1 212 555 0100"}],
        **extra,
    )


def test_lead_page_shows_the_lead_and_its_actions(org):
    lead = _lead(org, utm={"utm_source": "newsletter"})
    response = page_client(org.east_rep).get(reverse("crm:lead", args=[lead.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Chairs", "Smith &amp; Co", "+1 212 555 0100", "newsletter", 'id="crm-lead-take"',
                 'id="crm-lead-convert-now"', 'id="crm-timeline"'):  # fmt: skip
        assert text in html, text


def test_supervisor_sees_but_cannot_act(org):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    lead = _lead(org)
    html = page_client(org.sales_head).get(reverse("crm:lead", args=[lead.pk])).content.decode()
    assert "Chairs" in html
    assert page_client(org.developer).get(reverse("crm:lead", args=[lead.pk])).status_code == 404


def test_lead_page_query_budget_does_not_grow(org, django_assert_max_num_queries):
    lead = _lead(org)
    client = page_client(org.east_rep)
    url = reverse("crm:lead", args=[lead.pk])
    client.get(url)
    from tests.utils import count_queries

    before = count_queries(lambda: client.get(url))
    for _ in range(10):
        ActivityFactory(lead=lead, responsible=org.east_rep)
        TimelineEntry.objects.create(kind=TimelineKind.COMMENT, lead=lead, text="x")
    services.lead_update(
        actor=org.east_rep,
        lead=lead,
        communications=[{"kind": "email", "value": f"a{i}@b.test"} for i in range(10)],
    )
    with django_assert_max_num_queries(before):
        assert client.get(url).status_code == 200
    assert before <= 16


def test_create_warns_about_duplicates_then_creates_anyway(org):
    _lead(org)
    client = page_client(org.east_rep)
    data = {
        "title": "Again",
        "source": "manual",
        "responsible": org.east_rep.pk,
        "comm-TOTAL_FORMS": "1",
        "comm-INITIAL_FORMS": "0",
        "comm-0-kind": "phone",
        "comm-0-type": "work",
        "comm-0-value": "212 555 0100",
        "amount_0": "",
        "amount_1": "USD",
    }
    response = client.post(reverse("crm:lead_create"), data)
    assert response.status_code == 200
    assert 'id="crm-duplicates"' in response.content.decode()
    assert Lead.objects.count() == 1
    response = client.post(reverse("crm:lead_create"), {**data, "confirm": "create"})
    assert response.status_code == 302
    lead = Lead.objects.get(title="Again")
    assert response["Location"] == lead.get_absolute_url()


def test_create_with_bad_input_keeps_nothing(org):
    response = page_client(org.east_rep).post(
        reverse("crm:lead_create"),
        {
            "title": "",
            "source": "manual",
            "comm-TOTAL_FORMS": "1",
            "comm-INITIAL_FORMS": "0",
            "comm-0-kind": "phone",
            "comm-0-type": "work",
            "comm-0-value": "not a phone",
            "amount_0": "",
            "amount_1": "USD",
        },
    )
    assert response.status_code == 400
    assert "is not a phone number" in response.content.decode()
    assert Lead.objects.count() == 0


def test_edit_page(org):
    lead = _lead(org)
    client = page_client(org.east_rep)
    assert client.get(reverse("crm:lead_edit", args=[lead.pk])).status_code == 200
    response = client.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        {
            "title": "Chairs and tables",
            "source": "call",
            "first_name": "Anna",
            "responsible": org.east_rep.pk,
            "comm-TOTAL_FORMS": "1",
            "comm-INITIAL_FORMS": "1",
            "comm-0-kind": "email",
            "comm-0-type": "work",
            "comm-0-value": "anna@smith.test",
            "amount_0": "99.50",
            "amount_1": "EUR",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.title, lead.source, str(lead.amount.amount), str(lead.amount.currency)) == (
        "Chairs and tables", "call", "99.50", "EUR",
    )  # fmt: skip
    assert list(lead.communications.values_list("value", flat=True)) == ["anna@smith.test"]


def test_status_buttons(org):
    lead = _lead(org)
    client = page_client(org.east_rep)
    client.post(reverse("crm:lead_take", args=[lead.pk]))
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.IN_PROGRESS
    response = client.post(reverse("crm:lead_junk", args=[lead.pk]), {"reason": ""})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.IN_PROGRESS
    client.post(reverse("crm:lead_junk", args=[lead.pk]), {"reason": "Wrong number"})
    assert Lead.objects.get(pk=lead.pk).junk_reason == "Wrong number"
    client.post(reverse("crm:lead_reopen", args=[lead.pk]))
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_one_click_convert_makes_contact_company_and_deal(org):
    lead = _lead(org)
    response = page_client(org.east_rep).post(reverse("crm:lead_convert", args=[lead.pk]), {"defaults": "1"})
    assert response.status_code == 302
    lead.refresh_from_db()
    deal = Deal.objects.get(lead=lead)
    assert lead.status == LeadStatus.CONVERTED
    assert lead.contact.first_name == "Anna" and lead.company.name == "Smith & Co"
    assert (deal.contact, deal.company) == (lead.contact, lead.company)
    html = page_client(org.east_rep).get(reverse("crm:lead", args=[lead.pk])).content.decode()
    assert 'id="crm-lead-converted"' in html and 'id="crm-lead-take"' not in html


def test_convert_page_with_choices(org):
    lead = _lead(org)
    client = page_client(org.east_rep)
    assert client.get(reverse("crm:lead_convert", args=[lead.pk])).status_code == 200
    response = client.post(
        reverse("crm:lead_convert", args=[lead.pk]),
        {"make_contact": "on", "amount_0": "", "amount_1": "USD"},
    )
    assert response.status_code == 302
    assert Contact.objects.count() == 1 and Deal.objects.count() == 0
    response = client.post(reverse("crm:lead_convert", args=[lead.pk]), {"make_contact": "on"})
    assert response.status_code == 400  # converted already
    assert Contact.objects.count() == 1


def test_delete(org):
    lead = LeadFactory(responsible=org.east_rep)
    client = page_client(org.east_rep)
    assert client.get(reverse("crm:lead_delete", args=[lead.pk])).status_code == 200
    assert client.post(reverse("crm:lead_delete", args=[lead.pk])).status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()
