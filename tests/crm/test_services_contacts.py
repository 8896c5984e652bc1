"""Contact and company services: rights, the responsible person's reach, normalised communications, company
links, audit rows and timeline entries."""

from __future__ import annotations

import pytest

from crm.choices import CommunicationKind, TimelineKind
from crm.models import Communication, ContactCompany, CrmRole, TimelineEntry
from crm.services import companies as company_services
from crm.services import contacts as services
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from tests.crm.factories import CompanyFactory, ContactFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(org):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    return org.sales_head


def test_create_normalises_communications_and_writes_history(org):
    company = CompanyFactory(responsible=org.east_rep)
    contact = services.contact_create(
        actor=org.east_rep,
        first_name=" Ivan ",
        last_name="Petrov",
        communications=[
            {"kind": "phone", "type": "mobile", "value": "+7 (495) 123-45-67"},
            {"kind": "email", "type": "work", "value": "Ivan.Petrov@Example.COM"},
            {"kind": "phone", "type": "work", "value": ""},
        ],
        companies=[company],
    )
    assert contact.first_name == "Ivan"
    assert contact.responsible == org.east_rep and contact.created_by == org.east_rep
    rows = {c.kind: c for c in Communication.objects.filter(contact=contact)}
    assert len(rows) == 2
    assert rows[CommunicationKind.PHONE].normalized == "+74951234567"
    assert rows[CommunicationKind.PHONE].tail == "4951234567"
    assert rows[CommunicationKind.EMAIL].normalized == "ivan.petrov@example.com"
    link = ContactCompany.objects.get(contact=contact)
    assert link.company == company and link.is_primary
    kinds = set(TimelineEntry.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds == {TimelineKind.CREATED, TimelineKind.LINKED}
    assert TimelineEntry.objects.filter(company=company, kind=TimelineKind.LINKED).exists()
    assert AuditLog.objects.filter(action="crm.contact.created", target_id=str(contact.pk)).exists()


def test_create_refuses_a_bad_phone_and_stores_nothing(org):
    with pytest.raises(Invalid) as caught:
        services.contact_create(
            actor=org.east_rep, last_name="Bad", communications=[{"kind": "phone", "value": "call me"}]
        )
    assert "communications-0" in caught.value.fields
    assert not ContactFactory._meta.model.objects.filter(last_name="Bad").exists()


def test_create_needs_a_name(org):
    with pytest.raises(Invalid) as caught:
        services.contact_create(actor=org.east_rep, first_name=" ", last_name="")
    assert "last_name" in caught.value.fields


def test_responsible_must_be_in_reach(org, head):
    # The member holds "own": only themselves.
    with pytest.raises(Invalid) as caught:
        services.contact_create(actor=org.east_rep, last_name="X", responsible=org.sales_head)
    assert "responsible" in caught.value.fields
    # The head of Sales reaches the sub-tree: east_rep works under them, the developer does not.
    contact = services.contact_create(actor=head, last_name="Y", responsible=org.east_rep)
    assert contact.responsible == org.east_rep
    with pytest.raises(Invalid):
        services.contact_create(actor=head, last_name="Z", responsible=org.developer)


def test_linked_companies_must_be_visible(org):
    hidden = CompanyFactory(responsible=org.developer)
    with pytest.raises(Invalid) as caught:
        services.contact_create(actor=org.east_rep, last_name="X", companies=[hidden])
    assert "companies" in caught.value.fields


def test_update_diffs_fields_into_the_timeline_and_audit(org):
    contact = ContactFactory(responsible=org.east_rep, position="Buyer")
    services.contact_update(actor=org.east_rep, contact=contact, position="Head buyer", first_name="Ivan")
    contact.refresh_from_db()
    assert contact.position == "Head buyer"
    entry = TimelineEntry.objects.get(contact=contact, kind=TimelineKind.FIELDS)
    assert entry.data["changes"] == [["position", "Buyer", "Head buyer"]]
    audit = AuditLog.objects.get(action="crm.contact.updated")
    assert audit.changes == {"position": ["Buyer", "Head buyer"]}


def test_update_and_delete_rights(org, head):
    contact = ContactFactory(responsible=org.east_rep)
    with pytest.raises(NotFound):  # the developer does not see it
        services.contact_update(actor=org.developer, contact=contact, position="X")
    with pytest.raises(NotFound):
        services.contact_delete(actor=org.developer, contact=contact)
    viewer = CrmRole.objects.create(name="Viewer")
    viewer.permissions.create(entity="contact", action="view", level=4)
    give_role(viewer, user=org.it_head)
    with pytest.raises(NotAllowed):  # sees it, may not change it
        services.contact_update(actor=org.it_head, contact=contact, position="X")
    services.contact_update(actor=head, contact=contact, position="Lead buyer")
    pk = contact.pk
    services.contact_delete(actor=head, contact=contact)
    assert not type(contact).objects.filter(pk=pk).exists()
    assert AuditLog.objects.filter(action="crm.contact.deleted", target_id=str(pk)).exists()


def test_companies_set_replaces_links_and_keeps_the_primary_first(org):
    a, b, c = (CompanyFactory(responsible=org.east_rep) for _ in range(3))
    contact = services.contact_create(actor=org.east_rep, last_name="L", companies=[a, b])
    services.contact_update(actor=org.east_rep, contact=contact, companies=[c, b])
    links = dict(ContactCompany.objects.filter(contact=contact).values_list("company_id", "is_primary"))
    assert links == {c.pk: True, b.pk: False}


def test_company_create_update_delete(org):
    company = company_services.company_create(
        actor=org.east_rep,
        name="  Acme Ltd ",
        communications=[{"kind": "email", "value": "Sales@Acme.test"}],
    )
    assert company.name == "Acme Ltd"
    assert company.communications.get().normalized == "sales@acme.test"
    with pytest.raises(Invalid) as caught:
        company_services.company_update(actor=org.east_rep, company=company, name=" ")
    assert "name" in caught.value.fields
    company_services.company_update(actor=org.east_rep, company=company, industry="Steel", employees=40)
    company.refresh_from_db()
    assert (company.industry, company.employees) == ("Steel", 40)
    assert TimelineEntry.objects.filter(company=company, kind=TimelineKind.FIELDS).exists()
    with pytest.raises(NotFound):
        company_services.company_delete(actor=org.developer, company=company)
    pk = company.pk
    company_services.company_delete(actor=org.east_rep, company=company)
    assert not type(company).objects.filter(pk=pk).exists()
