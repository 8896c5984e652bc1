"""duplicates_find: the same normalised phone (or its last ten digits), the same e-mail, a very similar
company name (trigram on PostgreSQL), only among the records the person sees, in one query."""

from __future__ import annotations

import pytest
from django.db import connection

from crm.selectors.duplicates import duplicates_find
from crm.services import communications
from tests.crm.factories import CompanyFactory, ContactFactory, LeadFactory
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db


def _contact(responsible, *items):
    contact = ContactFactory(responsible=responsible)
    communications.communications_set(record=contact, items=list(items))
    return contact


def test_phone_matches_in_any_format_and_by_its_tail(org):
    contact = _contact(org.east_rep, {"kind": "phone", "value": "+7 495 123-45-67"})
    _contact(org.east_rep, {"kind": "phone", "value": "+7 495 000-00-00"})
    for written in ("8 (495) 123 45 67", "+74951234567", "495-123-45-67", "+1 495 123 4567"):
        found = duplicates_find(user=org.east_rep, entity="contact", phones=[written], region="RU")
        assert found == [contact], written


def test_email_matches_case_insensitively_and_only_for_the_entity(org):
    contact = _contact(org.east_rep, {"kind": "email", "value": "Olga@Client.test"})
    lead = LeadFactory(responsible=org.east_rep)
    communications.communications_set(record=lead, items=[{"kind": "email", "value": "olga@client.test"}])
    assert duplicates_find(user=org.east_rep, entity="contact", emails=["OLGA@client.TEST"]) == [contact]
    assert duplicates_find(user=org.east_rep, entity="lead", emails=["olga@client.test"]) == [lead]
    assert duplicates_find(user=org.east_rep, entity="contact", emails=["other@client.test"]) == []


def test_hidden_records_are_not_offered(org):
    _contact(org.developer, {"kind": "email", "value": "secret@client.test"})
    assert duplicates_find(user=org.east_rep, entity="contact", emails=["secret@client.test"]) == []
    assert len(duplicates_find(user=org.admin, entity="contact", emails=["secret@client.test"])) == 1


def test_company_names_very_similar(org):
    acme = CompanyFactory(name="Acme Trading LLC", responsible=org.east_rep)
    CompanyFactory(name="Globex", responsible=org.east_rep)
    assert duplicates_find(user=org.east_rep, entity="company", name="acme trading llc") == [acme]
    if connection.vendor == "postgresql":
        assert duplicates_find(user=org.east_rep, entity="company", name="ACME Trading") == [acme]
        assert duplicates_find(user=org.east_rep, entity="company", name="Acme Tradng LLC") == [acme]
    assert duplicates_find(user=org.east_rep, entity="company", name="Initech") == []


def test_nothing_to_compare_finds_nothing(org):
    _contact(org.east_rep, {"kind": "phone", "value": "+7 495 123-45-67"})
    assert duplicates_find(user=org.east_rep, entity="contact") == []
    assert (
        duplicates_find(user=org.east_rep, entity="contact", phones=["12"], emails=["not an address"]) == []
    )


def test_one_query_whatever_the_matches(org):
    _contact(org.east_rep, {"kind": "phone", "value": "+7 495 123-45-67"})

    def find():
        user = type(org.east_rep).objects.get(pk=org.east_rep.pk)  # its roles are read again
        return duplicates_find(user=user, entity="contact", phones=["+74951234567"], limit=20)

    def grow():
        for _ in range(12):
            _contact(org.east_rep, {"kind": "phone", "value": "+7 495 123-45-67"})

    assert_query_budget(find, grow, budget=6)
    assert len(find()) == 13
