"""Query budgets of the CRM lists: the same number of queries for 10 rows and for a full page (60 made)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Communication, ContactCompany, CrmListColumns, CrmRole, CustomField
from tests.crm.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db

BUDGET = 15


def make(entity, count, org, pipeline):
    for number in range(count):
        responsible = org.east_rep if number % 2 else org.field_rep
        if entity == "lead":
            record = LeadFactory(responsible=responsible)
            Communication.objects.create(
                kind="phone", value="+1 212 555 0100", normalized="+12125550100", lead=record
            )
        elif entity == "contact":
            record = ContactFactory(responsible=responsible)
            company = CompanyFactory(responsible=responsible)
            ContactCompany.objects.create(contact=record, company=company)
            Communication.objects.create(
                kind="email", value="a@b.test", normalized="a@b.test", contact=record
            )
        elif entity == "company":
            CompanyFactory(responsible=responsible, custom={"region": "North"})
        else:
            DealFactory(
                responsible=responsible, pipeline=pipeline, contact=ContactFactory(responsible=responsible)
            )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("entity", "route"),
    [
        ("lead", "crm:lead_list"),
        ("contact", "crm:contact_list"),
        ("company", "crm:company_list"),
        ("deal", "crm:deal_list"),
    ],
)
def test_list_queries_do_not_grow_with_rows(org, entity, route, django_assert_max_num_queries):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    CustomField.objects.create(entity=entity, key="region", label="Region")
    pipeline = PipelineFactory()
    # Every kind of column the lists have: people, phones and e-mails, companies, custom fields.
    from crm.selectors.lists import list_spec

    CrmListColumns.objects.create(
        user=org.sales_head, entity=entity, columns=[*list_spec(entity).columns, "cf_region"]
    )
    client = client_as(org.sales_head)
    url = reverse(route)
    make(entity, 10, org, pipeline)
    client.get(url)  # warm the per-process caches (the company, the URL halves)
    at_ten = count_queries(client, url)
    make(entity, 50, org, pipeline)
    at_sixty = count_queries(client, url)
    assert at_ten == at_sixty
    with django_assert_max_num_queries(BUDGET):
        client.get(url)
    with django_assert_max_num_queries(BUDGET - 5):
        client.get(url, HTTP_HX_REQUEST="true")
