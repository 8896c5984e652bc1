"""The CRM list pages: what a person sees, sorting, columns, saved filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import CrmListColumns, CrmRole, CrmSavedFilter, CustomField
from tests.crm.factories import CompanyFactory, ContactFactory, DealFactory, LeadFactory, give_role
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(org):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    return org.sales_head


@pytest.mark.parametrize(
    ("route", "factory", "label"),
    [
        ("crm:lead_list", LeadFactory, "title"),
        ("crm:contact_list", ContactFactory, "last_name"),
        ("crm:company_list", CompanyFactory, "name"),
        ("crm:deal_list", DealFactory, "title"),
    ],
)
def test_lists_show_what_the_roles_allow(org, head, route, factory, label):
    mine = factory(responsible=org.east_rep)
    other = factory(responsible=org.developer)
    own = client_as(org.east_rep).get(reverse(route))
    assert own.status_code == 200
    text = own.content.decode()
    assert getattr(mine, label) in text and getattr(other, label) not in text
    assert mine.get_absolute_url() in text
    supervisor = client_as(head).get(reverse(route)).content.decode()
    assert getattr(mine, label) in supervisor and getattr(other, label) not in supervisor
    admin = client_as(org.admin).get(reverse(route)).content.decode()
    assert getattr(mine, label) in admin and getattr(other, label) in admin


def test_sorting_and_filters(org):
    DealFactory(responsible=org.east_rep, title="Bravo")
    DealFactory(responsible=org.east_rep, title="Alpha")
    DealFactory(responsible=org.east_rep, title="Charlie")
    client = client_as(org.east_rep)
    text = client.get(reverse("crm:deal_list"), {"sort": "title"}).content.decode()
    assert text.index("Alpha") < text.index("Bravo") < text.index("Charlie")
    text = client.get(reverse("crm:deal_list"), {"sort": "-title"}).content.decode()
    assert text.index("Charlie") < text.index("Bravo") < text.index("Alpha")
    # An unknown sort falls back to the default one; a filter narrows.
    assert client.get(reverse("crm:deal_list"), {"sort": "password"}).status_code == 200
    text = client.get(reverse("crm:deal_list"), {"q": "bravo"}).content.decode()
    assert "Bravo" in text and "Alpha" not in text
    # htmx asks only for the results.
    part = client.get(reverse("crm:deal_list"), {"q": "bravo"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="list-results"' in part and 'id="list-filters"' not in part


def test_pages_of_fifty(org):
    for number in range(52):
        LeadFactory(responsible=org.east_rep, title=f"Lead number {number:03d}")
    client = client_as(org.east_rep)
    first = client.get(reverse("crm:lead_list"), {"sort": "title"}).content.decode()
    assert "Lead number 049" in first and "Lead number 050" not in first and 'rel="next"' in first
    second = client.get(reverse("crm:lead_list"), {"sort": "title", "page": 2}).content.decode()
    assert "Lead number 050" in second and "Lead number 051" in second and 'rel="next"' not in second


def test_columns_chosen_and_ordered(org):
    CustomField.objects.create(entity="company", key="region", label="Region")
    CompanyFactory(
        responsible=org.east_rep, name="Northwind", industry="Shipping", custom={"region": "North"}
    )
    client = client_as(org.east_rep)
    url = reverse("crm:list_columns", args=["company"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"columns": ["name", "industry", "cf_region"], "order": "cf_region,industry,name"},
        format="multipart",
    )
    assert response.status_code == 302
    assert CrmListColumns.objects.get(user=org.east_rep, entity="company").columns == [
        "cf_region",
        "industry",
        "name",
    ]
    text = client.get(reverse("crm:company_list")).content.decode()
    assert text.index("North<") < text.index("Shipping") < text.index("Northwind")
    assert 'data-column="kind"' not in text
    # Unknown keys are dropped; none at all is refused; reset gives the defaults back.
    assert client.post(url, {"columns": ["bogus"]}, format="multipart").status_code == 400
    client.post(url, {"reset": "1"}, format="multipart")
    assert not CrmListColumns.objects.filter(user=org.east_rep).exists()
    assert 'data-column="kind"' in client.get(reverse("crm:company_list")).content.decode()


def test_saved_filters(org):
    client = client_as(org.east_rep)
    response = client.post(
        reverse("crm:list_filter_save", args=["deal"]),
        {"name": "Big ones", "query": "amount_min=1000&page=3"},
        format="multipart",
    )
    saved = CrmSavedFilter.objects.get(user=org.east_rep, entity="deal")
    assert saved.query == "amount_min=1000"
    assert response["Location"].endswith("?amount_min=1000")
    text = client.get(reverse("crm:deal_list")).content.decode()
    assert "Big ones" in text
    # Someone else cannot delete it.
    assert (
        client_as(org.sales_head).post(reverse("crm:list_filter_delete", args=[saved.pk])).status_code == 404
    )
    client.post(reverse("crm:list_filter_delete", args=[saved.pk]))
    assert not CrmSavedFilter.objects.exists()
