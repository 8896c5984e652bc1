"""The CRM in the global search and the pickers: names, phones and e-mails, filtered by the rights first."""

from __future__ import annotations

import pytest

from crm import search
from crm.lookups import deals_resolve, deals_search
from crm.models import Communication, CrmRole
from portal.core.search import search_all
from tests.crm.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
)


@pytest.fixture
def book(org):
    rep, other = org.east_rep, org.developer
    anna = ContactFactory(responsible=rep, first_name="Anna", last_name="Karenina")
    Communication.objects.create(
        contact=anna, kind="phone", value="+1 415 555 0101", normalized="+14155550101", tail="4155550101"
    )
    Communication.objects.create(
        contact=anna, kind="email", value="Anna@Example.com", normalized="anna@example.com"
    )
    hidden = ContactFactory(responsible=other, first_name="Anna", last_name="Kareninova")
    acme = CompanyFactory(responsible=rep, name="Karenin Logistics")
    pipeline = PipelineFactory()
    deal = DealFactory(pipeline=pipeline, responsible=rep, title="Rails for Karenin", contact=anna)
    hidden_deal = DealFactory(pipeline=pipeline, responsible=other, title="Rails for Karenin too")
    lead = LeadFactory(responsible=rep, title="Karenin wants rails")
    return {
        "anna": anna,
        "hidden": hidden,
        "acme": acme,
        "deal": deal,
        "hidden_deal": hidden_deal,
        "lead": lead,
    }


def _ids(hits) -> set[int]:
    return {hit.extra["id"] for hit in hits}


def test_names_match_only_what_the_person_may_see(org, book):
    rep = org.east_rep
    assert _ids(search.search_contacts(user=rep, query="karenina", limit=10)) == {book["anna"].pk}
    assert _ids(search.search_companies(user=rep, query="karenin", limit=10)) == {book["acme"].pk}
    assert _ids(search.search_deals(user=rep, query="rails karenin", limit=10)) == {book["deal"].pk}
    assert _ids(search.search_leads(user=rep, query="Karenin", limit=10)) == {book["lead"].pk}
    assert search.search_deals(user=org.it_head, query="rails", limit=10) == []


def test_the_hidden_ones_appear_with_the_right_role(org, book):
    admin_hits = search.search_contacts(user=org.admin, query="anna", limit=10)
    assert _ids(admin_hits) == {book["anna"].pk, book["hidden"].pk}
    give_role(CrmRole.objects.get(name="Head of department"), user=org.it_head)
    assert _ids(search.search_deals(user=org.it_head, query="rails", limit=10)) == {book["hidden_deal"].pk}


def test_phones_and_emails_find_records_and_their_deals(org, book):
    rep = org.east_rep
    for query in ("+1 (415) 555-0101", "415 555 0101", "ANNA@example.com"):
        assert _ids(search.search_contacts(user=rep, query=query, limit=10)) == {book["anna"].pk}, query
        assert _ids(search.search_deals(user=rep, query=query, limit=10)) == {book["deal"].pk}, query
    assert search.search_contacts(user=org.developer, query="415 555 0101", limit=10) == []


def test_a_typo_still_finds_on_postgres(org, book, is_postgres):
    if not is_postgres:
        pytest.skip("trigram similarity is PostgreSQL's")
    assert book["acme"].pk in _ids(
        search.search_companies(user=org.east_rep, query="Karenen Logistics", limit=10)
    )


def test_search_is_one_query_per_provider(org, book, django_assert_max_num_queries):
    rep = org.east_rep
    from crm import rights

    rights.levels(rep)
    for provider in (
        search.search_contacts,
        search.search_companies,
        search.search_deals,
        search.search_leads,
    ):
        with django_assert_max_num_queries(1):
            provider(user=rep, query="karenin", limit=10)
    for _ in range(10):
        DealFactory(pipeline=book["deal"].pipeline, responsible=rep, title="Karenin again")
    with django_assert_max_num_queries(1):
        assert len(search.search_deals(user=rep, query="karenin", limit=20)) == 11


def test_the_providers_are_registered(org, book):
    found = dict((provider.key, hits) for provider, hits in search_all(user=org.east_rep, query="karenin"))
    assert {"crm_contacts", "crm_companies", "crm_deals", "crm_leads"} <= set(found)


def test_the_deals_lookup(org, book):
    rep = org.east_rep
    items = deals_search(user=rep, query="rails", limit=8)
    assert [item.value for item in items] == [str(book["deal"].pk)]
    assert deals_resolve(user=rep, values=[book["deal"].pk, book["hidden_deal"].pk]) == items
    from portal.core.registry import registry

    assert {"crm_contacts", "crm_companies", "crm_deals"} <= {s.key for s in registry.lookup_sources}
