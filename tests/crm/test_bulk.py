"""Bulk actions of the CRM lists: all or nothing, each record checked with the person's rights."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.choices import LeadStatus, StageKind
from crm.models import CrmRole, Deal, Lead
from crm.services import bulk
from portal.core.errors import Invalid, NotAllowed
from tests.crm.factories import ContactFactory, DealFactory, LeadFactory, PipelineFactory, give_role
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(org):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    return org.sales_head


def test_assign_all_or_nothing(org, head):
    mine = LeadFactory(responsible=org.east_rep)
    foreign = LeadFactory(responsible=org.developer, title="Not yours")
    with pytest.raises(NotAllowed) as refused:
        bulk.bulk_assign(
            actor=org.east_rep, entity="lead", ids=[mine.pk, foreign.pk], responsible=org.east_rep
        )
    # The hidden record is counted, not named.
    assert "Not yours" not in refused.value.message and "1" in refused.value.message
    # The supervisor reaches both of Sales East's leads.
    field = LeadFactory(responsible=org.field_rep)
    assert (
        bulk.bulk_assign(actor=head, entity="lead", ids=[mine.pk, field.pk], responsible=org.field_rep) == 2
    )
    assert set(Lead.objects.filter(pk__in=[mine.pk, field.pk]).values_list("responsible", flat=True)) == {
        org.field_rep.pk
    }


def test_refused_records_are_named_and_nothing_changes(org, head):
    seen = ContactFactory(responsible=org.east_rep, last_name="Visible")
    other = ContactFactory(responsible=org.developer, last_name="Outside")
    # The supervisor sees east_rep's contact; an "own"-level rep does not reach the supervisor's own one.
    own = ContactFactory(responsible=org.sales_head, last_name="HeadsOwn")
    with pytest.raises(NotAllowed) as refused:
        bulk.bulk_delete(actor=org.east_rep, entity="contact", ids=[seen.pk, own.pk, other.pk])
    assert "2" in refused.value.message
    assert type(seen).objects.filter(pk__in=[seen.pk, own.pk, other.pk]).count() == 3


def test_stage_same_pipeline_and_lost_reason(org):
    pipeline = PipelineFactory()
    stages = {s.name: s for s in pipeline.stages.all()}
    deals = [DealFactory(pipeline=pipeline, responsible=org.east_rep) for _ in range(2)]
    elsewhere = DealFactory(responsible=org.east_rep)
    ids = [d.pk for d in deals]
    with pytest.raises(Invalid):
        bulk.bulk_stage(actor=org.east_rep, ids=[*ids, elsewhere.pk], stage=stages["Offer"])
    with pytest.raises(Invalid):
        bulk.bulk_stage(actor=org.east_rep, ids=ids, stage=stages["Lost"])
    assert not Deal.objects.filter(pk__in=ids, stage=stages["Lost"]).exists()
    assert bulk.bulk_stage(actor=org.east_rep, ids=ids, stage=stages["Lost"], lost_reason="Too dear") == 2
    assert set(Deal.objects.filter(pk__in=ids).values_list("stage_kind", "lost_reason")) == {
        (StageKind.LOST, "Too dear")
    }


def test_status_of_leads(org):
    leads = [LeadFactory(responsible=org.east_rep) for _ in range(2)]
    converted = LeadFactory(responsible=org.east_rep, status=LeadStatus.CONVERTED)
    with pytest.raises(Invalid):  # a converted lead keeps its status: the whole batch stays
        bulk.bulk_status(actor=org.east_rep, ids=[leads[0].pk, converted.pk], status=LeadStatus.IN_PROGRESS)
    assert Lead.objects.get(pk=leads[0].pk).status == LeadStatus.NEW
    assert bulk.bulk_status(actor=org.east_rep, ids=[x.pk for x in leads], status="junk", reason="Spam") == 2
    assert set(Lead.objects.filter(pk__in=[x.pk for x in leads]).values_list("status", flat=True)) == {"junk"}


def test_bulk_page(org):
    deals = [DealFactory(responsible=org.east_rep) for _ in range(2)]
    foreign = DealFactory(responsible=org.developer)
    client = client_as(org.east_rep)
    url = reverse("crm:list_bulk", args=["deal"])
    response = client.post(
        url,
        {"action": "delete", "ids": [deals[0].pk, foreign.pk], "next": "/crm/deals/list/?q=x"},
        format="multipart",
    )
    assert response.status_code == 302 and response["Location"] == "/crm/deals/list/?q=x"
    assert Deal.objects.filter(pk__in=[deals[0].pk, foreign.pk]).count() == 2
    response = client.post(url, {"action": "delete", "ids": [d.pk for d in deals]}, format="multipart")
    assert response.status_code == 302
    assert not Deal.objects.filter(pk__in=[d.pk for d in deals]).exists()
    # An outside "next" is not followed.
    response = client.post(
        url, {"action": "delete", "ids": [foreign.pk], "next": "https://evil.test/"}, format="multipart"
    )
    assert response["Location"] == reverse("crm:deal_list")
