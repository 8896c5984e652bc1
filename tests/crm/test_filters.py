"""The CRM FilterSets: each parameter narrows the records as its name says."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from crm.choices import LeadSource, LeadStatus, StageKind
from crm.filters.companies import CompanyFilterSet
from crm.filters.contacts import ContactFilterSet
from crm.filters.deals import DealFilterSet
from crm.filters.leads import LeadFilterSet
from crm.models import Communication, Company, Contact, ContactCompany, CustomField, Deal, Lead
from crm.models.companies import CompanyKind
from tests.crm.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
)

pytestmark = pytest.mark.django_db


def ids(filterset_class, data, model):
    filterset = filterset_class(data, model.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def test_shared_parameters(org):
    mine = LeadFactory(responsible=org.east_rep, title="Window order")
    field = LeadFactory(responsible=org.field_rep, title="Door order")
    other = LeadFactory(responsible=org.developer, title="Roof")
    Lead.objects.filter(pk=other.pk).update(created_at=ago(days=10))
    assert ids(LeadFilterSet, {"responsible": org.east_rep.pk}, Lead) == {mine.pk}
    # The department takes its sub-tree along.
    assert ids(LeadFilterSet, {"department": org.east.pk}, Lead) == {mine.pk, field.pk}
    assert ids(LeadFilterSet, {"department": org.sales.pk}, Lead) == {mine.pk, field.pk}
    assert ids(LeadFilterSet, {"department": 999999}, Lead) == set()
    today = timezone.localdate()
    assert ids(LeadFilterSet, {"created_from": today.isoformat()}, Lead) == {mine.pk, field.pk}
    old = (today - datetime.timedelta(days=5)).isoformat()
    assert ids(LeadFilterSet, {"created_to": old}, Lead) == {other.pk}
    assert ids(LeadFilterSet, {"q": "order window"}, Lead) == {mine.pk}


def test_lead_parameters(org):
    new_late = LeadFactory(responsible=org.east_rep, source=LeadSource.EMAIL)
    Lead.objects.filter(pk=new_late.pk).update(created_at=ago(hours=3))
    new_fresh = LeadFactory(responsible=org.east_rep)
    taken = LeadFactory(
        responsible=org.east_rep,
        status=LeadStatus.IN_PROGRESS,
        taken_at=timezone.now(),
        last_activity_at=timezone.now(),
    )
    Lead.objects.filter(pk=taken.pk).update(created_at=ago(hours=3))
    junk = LeadFactory(responsible=org.east_rep, status=LeadStatus.JUNK, junk_reason="spam")
    Communication.objects.create(
        kind="email", value="Olga@Shop.test", normalized="olga@shop.test", lead=new_fresh
    )
    assert ids(LeadFilterSet, {"status": "in_progress"}, Lead) == {taken.pk}
    assert ids(LeadFilterSet, {"source": "email"}, Lead) == {new_late.pk}
    assert ids(LeadFilterSet, {"untaken": "1"}, Lead) == {new_late.pk}
    assert ids(LeadFilterSet, {"no_activity": "1"}, Lead) == {new_late.pk, new_fresh.pk}
    assert ids(LeadFilterSet, {"no_activity": ""}, Lead) == {new_late.pk, new_fresh.pk, taken.pk, junk.pk}
    assert ids(LeadFilterSet, {"q": "olga@shop"}, Lead) == {new_fresh.pk}


def test_contact_parameters(org):
    ivan = ContactFactory(first_name="Ivan", last_name="Sidorov")
    anna = ContactFactory(first_name="Anna", last_name="Ivanova")
    company = CompanyFactory()
    ContactCompany.objects.create(contact=anna, company=company)
    Communication.objects.create(
        kind="phone", value="+7 999 123-45-67", normalized="+79991234567", contact=ivan
    )
    assert ids(ContactFilterSet, {"company": company.pk}, Contact) == {anna.pk}
    assert ids(ContactFilterSet, {"q": "sidorov"}, Contact) == {ivan.pk}
    assert ids(ContactFilterSet, {"q": "123-45"}, Contact) == {ivan.pk}
    assert ids(ContactFilterSet, {"q": "ivan"}, Contact) == {ivan.pk, anna.pk}


def test_company_parameters(org):
    client = CompanyFactory(name="Northwind", kind=CompanyKind.CLIENT)
    supplier = CompanyFactory(name="Southwind", kind=CompanyKind.SUPPLIER, tax_id="7701234567")
    assert ids(CompanyFilterSet, {"kind": "supplier"}, Company) == {supplier.pk}
    assert ids(CompanyFilterSet, {"q": "north"}, Company) == {client.pk}
    assert ids(CompanyFilterSet, {"q": "77012"}, Company) == {supplier.pk}


def test_deal_parameters(org):
    pipeline = PipelineFactory()
    other_pipeline = PipelineFactory()
    stages = list(pipeline.stages.order_by("sort"))
    contact = ContactFactory()
    company = CompanyFactory()
    small = DealFactory(
        pipeline=pipeline, amount=Money(Decimal("100"), "USD"), contact=contact, last_activity_at=ago(days=30)
    )
    big = DealFactory(
        pipeline=pipeline,
        stage=stages[1],
        amount=Money(Decimal("5000"), "USD"),
        company=company,
        source=LeadSource.STORE,
        last_activity_at=timezone.now(),
    )
    won = DealFactory(
        pipeline=pipeline,
        stage=stages[2],
        stage_kind=StageKind.WON,
        closed_at=ago(days=3),
        last_activity_at=ago(days=30),
    )
    elsewhere = DealFactory(pipeline=other_pipeline)
    Deal.objects.filter(pk=elsewhere.pk).update(created_at=ago(days=60))  # idle: never worked on
    assert ids(DealFilterSet, {"pipeline": pipeline.pk}, Deal) == {small.pk, big.pk, won.pk}
    assert ids(DealFilterSet, {"stage": stages[1].pk}, Deal) == {big.pk}
    assert ids(DealFilterSet, {"stage_kind": "won"}, Deal) == {won.pk}
    assert ids(DealFilterSet, {"source": "store"}, Deal) == {big.pk}
    assert ids(DealFilterSet, {"contact": contact.pk}, Deal) == {small.pk}
    assert ids(DealFilterSet, {"company": company.pk}, Deal) == {big.pk}
    assert ids(DealFilterSet, {"amount_min": "1000"}, Deal) == {big.pk, won.pk, elsewhere.pk}
    assert ids(DealFilterSet, {"amount_max": "999.99"}, Deal) == {small.pk}
    assert ids(DealFilterSet, {"idle": "1"}, Deal) == {small.pk, elsewhere.pk}
    closed_day = timezone.localdate(won.closed_at).isoformat()
    assert ids(DealFilterSet, {"closed_from": closed_day, "closed_to": closed_day}, Deal) == {won.pk}
    assert (
        ids(
            DealFilterSet,
            {"closed_to": (timezone.localdate() - datetime.timedelta(days=10)).isoformat()},
            Deal,
        )
        == set()
    )
    assert ids(DealFilterSet, {"q": small.title}, Deal) == {small.pk}


def test_custom_field_filter(org):
    CustomField.objects.create(entity="deal", key="region", label="Region")
    north = DealFactory(custom={"region": "North", "size": 5})
    DealFactory(custom={"region": "South"})
    assert ids(DealFilterSet, {"cf_region": "north"}, Deal) == {north.pk}
    assert ids(DealFilterSet, {"cf_size": "5"}, Deal) == {north.pk}
    # A malformed key is ignored, not an error.
    assert len(ids(DealFilterSet, {"cf_bad key;": "x"}, Deal)) == 2


def test_bad_values_are_errors(org):
    filterset = DealFilterSet({"amount_min": "lots", "stage_kind": "maybe"}, Deal.objects.all())
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"amount_min", "stage_kind"}
