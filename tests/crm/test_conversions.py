"""Converting a lead: every link kept or moved, and all or nothing."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from djmoney.money import Money

from crm import rights
from crm.choices import LeadStatus, Level, StageKind, TimelineKind
from crm.models import (
    Activity,
    Company,
    Contact,
    ContactCompany,
    CrmRole,
    Deal,
    DealStageChange,
    Lead,
    TimelineEntry,
)
from crm.services import conversions, leads
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from tests.crm.factories import ActivityFactory, CompanyFactory, ContactFactory, PipelineFactory, role_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(org):
    lead = leads.lead_create(
        actor=org.east_rep,
        title="Office chairs",
        first_name="Anna",
        last_name="Smith",
        company_name="Smith & Co",
        communications=[
            {"kind": "phone", "type": "mobile", "value": "+1 212 555 0100"},
            {"kind": "email", "type": "work", "value": "anna@smith.test"},
            {"kind": "website", "type": "work", "value": "smith.test"},
        ],
        amount=Money(Decimal("2500.00"), "EUR"),
        comment="Wants a discount",
    )
    ActivityFactory(lead=lead, responsible=org.east_rep, subject="First call")
    return lead


def test_convert_into_everything_moves_every_link(org, lead):
    pipeline = PipelineFactory()
    result = conversions.lead_convert(
        actor=org.east_rep, lead=lead, make_contact=True, make_company=True, make_deal=True, pipeline=pipeline
    )
    contact, company, deal = result.contact, result.company, result.deal
    assert (contact.first_name, contact.last_name, contact.responsible) == ("Anna", "Smith", org.east_rep)
    assert sorted(contact.communications.values_list("kind", flat=True)) == ["email", "phone"]
    assert company.name == "Smith & Co"
    assert list(company.communications.values_list("kind", flat=True)) == ["website"]
    assert ContactCompany.objects.filter(contact=contact, company=company).exists()
    assert deal.pipeline == pipeline and deal.stage.kind == StageKind.OPEN and deal.stage.sort == 10
    assert deal.amount == Money(Decimal("2500.00"), "EUR")
    assert (deal.contact, deal.company, deal.lead) == (contact, company, lead)
    assert deal.title == "Office chairs"
    assert DealStageChange.objects.filter(deal=deal, from_stage=None, to_stage=deal.stage).exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert (lead.contact, lead.company) == (contact, company)
    assert lead.converted_at is not None and lead.taken_at is not None
    activity = Activity.objects.get(subject="First call")
    assert (activity.lead, activity.contact, activity.company, activity.deal) == (
        lead,
        contact,
        company,
        deal,
    )
    # The lead's own "created" entry (the deal's, made by the deals service, names the lead too).
    created = TimelineEntry.objects.get(lead=lead, kind=TimelineKind.CREATED, data__has_key="source")
    assert (created.contact, created.deal) == (contact, deal)
    converted = TimelineEntry.objects.get(kind=TimelineKind.CONVERTED)
    assert (converted.lead, converted.contact, converted.company, converted.deal) == (
        lead,
        contact,
        company,
        deal,
    )
    for record in (contact, company, deal):
        assert record in [getattr(e, type(record).__name__.lower()) for e in TimelineEntry.objects.all()]


def test_existing_contact_and_company_stand_in(org, lead):
    contact = ContactFactory(responsible=org.east_rep)
    company = CompanyFactory(responsible=org.east_rep)
    result = conversions.lead_convert(actor=org.east_rep, lead=lead, contact=contact, company=company)
    assert result.created == ()
    assert (result.contact, result.company, result.deal) == (contact, company, None)
    assert Contact.objects.count() == 1 and Company.objects.count() == 1
    assert ContactCompany.objects.filter(contact=contact, company=company).exists()
    assert Activity.objects.get(subject="First call").contact == contact


def test_deal_only_uses_the_default_pipeline_and_given_amount(org, lead):
    result = conversions.lead_convert(
        actor=org.east_rep,
        lead=lead,
        make_deal=True,
        deal_title="Chairs Q3",
        amount=Money(Decimal("10"), "USD"),
    )
    assert result.deal.pipeline.is_default
    assert result.deal.title == "Chairs Q3" and result.deal.amount == Money(Decimal("10"), "USD")
    assert result.deal.contact is None


def test_a_failure_late_in_the_conversion_writes_nothing(org, lead):
    before = (
        Contact.objects.count(),
        Company.objects.count(),
        Deal.objects.count(),
        TimelineEntry.objects.count(),
    )
    with mock.patch.object(conversions, "timeline_add", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            conversions.lead_convert(
                actor=org.east_rep, lead=lead, make_contact=True, make_company=True, make_deal=True
            )
    after = (
        Contact.objects.count(),
        Company.objects.count(),
        Deal.objects.count(),
        TimelineEntry.objects.count(),
    )
    assert after == before
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and lead.contact_id is None
    assert Activity.objects.get(subject="First call").contact_id is None


def test_refusals_write_nothing(org, lead):
    with pytest.raises(Invalid):
        conversions.lead_convert(actor=org.east_rep, lead=lead)
    with pytest.raises(Invalid):
        conversions.lead_convert(
            actor=org.east_rep, lead=lead, make_contact=True, contact=ContactFactory(responsible=org.east_rep)
        )
    hidden = ContactFactory(responsible=org.developer)
    with pytest.raises(Invalid) as exc:
        conversions.lead_convert(actor=org.east_rep, lead=lead, contact=hidden)
    assert "contact" in exc.value.fields
    with pytest.raises(NotFound):
        conversions.lead_convert(actor=org.developer, lead=lead, make_contact=True)
    role = CrmRole.objects.get(is_default=True)
    role.permissions.filter(entity="deal", action="add").update(level=Level.NONE)
    rights.forget(org.east_rep)
    with pytest.raises(NotAllowed):
        conversions.lead_convert(actor=org.east_rep, lead=lead, make_contact=True, make_deal=True)
    assert Contact.objects.count() == 2  # the two made by this test, none by a conversion
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_converted_lead_cannot_convert_again(org, lead):
    conversions.lead_convert(actor=org.east_rep, lead=lead, make_contact=True)
    with pytest.raises(Invalid):
        conversions.lead_convert(actor=org.east_rep, lead=lead, make_contact=True)
    assert Contact.objects.count() == 1


def test_a_responsible_out_of_reach_gives_the_records_to_the_actor(org):
    lead = leads.lead_create(actor=org.admin, title="T", first_name="A", responsible=org.developer)
    give = role_with("Lead editors", Level.ALL, entities=["lead"])
    from tests.crm.factories import give_role

    give_role(give, user=org.east_rep)
    result = conversions.lead_convert(actor=org.east_rep, lead=lead, make_contact=True)
    assert result.contact.responsible == org.east_rep
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONVERTED


def test_a_zero_amount_keeps_its_currency(org, lead):
    result = conversions.lead_convert(
        actor=org.east_rep, lead=lead, make_deal=True, amount=Money(Decimal("0"), "EUR")
    )
    assert result.deal.amount == Money(Decimal("0"), "EUR")


# --- the new records come from their features' services --------------------------------------------------------


def test_the_records_a_conversion_makes_get_what_records_made_by_hand_get(org, lead):
    result = conversions.lead_convert(
        actor=org.east_rep, lead=lead, make_contact=True, make_company=True, make_deal=True
    )
    made = {
        "contact": (result.contact, "crm.contact.created"),
        "company": (result.company, "crm.company.created"),
        "deal": (result.deal, "crm.deal.create"),
    }
    for record, action in made.values():
        assert AuditLog.objects.filter(action=action, target_id=str(record.pk), actor=org.east_rep).exists()
    # each has its own "created" entry, besides the lead's (which now names them too)
    created = TimelineEntry.objects.filter(kind=TimelineKind.CREATED, actor=org.east_rep)
    assert created.filter(contact=result.contact, lead=None, company=None).exists()
    assert created.filter(company=result.company, lead=None, contact=None).exists()
    assert created.filter(deal=result.deal, data__deal=result.deal.pk).exists()
    # the link of the contact and the company is on both timelines, as when made by hand
    assert TimelineEntry.objects.filter(
        kind=TimelineKind.LINKED, contact=result.contact, company=result.company
    ).exists()
    assert ContactCompany.objects.get(contact=result.contact, company=result.company).is_primary


def test_a_company_added_to_an_existing_contact_keeps_its_other_companies(org, lead):
    contact = ContactFactory(responsible=org.east_rep)
    before = CompanyFactory(responsible=org.east_rep, name="Old employer")
    ContactCompany.objects.create(contact=contact, company=before, is_primary=True)
    result = conversions.lead_convert(actor=org.east_rep, lead=lead, contact=contact, make_company=True)
    links = dict(ContactCompany.objects.filter(contact=contact).values_list("company_id", "is_primary"))
    assert links == {before.pk: True, result.company.pk: False}


def test_a_conversion_as_the_portal_itself_needs_no_rights(org, lead):
    """A web form's deal: `actor=None` makes the records with the lead's responsible person."""
    result = conversions.lead_convert(actor=None, lead=lead, make_contact=True, make_deal=True)
    assert result.contact.responsible == lead.responsible == result.deal.responsible
    assert result.contact.created_by is None and result.deal.created_by is None
    assert AuditLog.objects.filter(action="crm.contact.created", target_id=str(result.contact.pk)).exists()
    assert TimelineEntry.objects.filter(kind=TimelineKind.CREATED, contact=result.contact, lead=None).exists()
