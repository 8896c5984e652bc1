"""Lead services: create, change, delete, statuses, with the CRM rights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from djmoney.money import Money

from crm.choices import LeadSource, LeadStatus, Level, TimelineKind
from crm.models import Activity, CrmRole, Lead, TimelineEntry
from crm.services import leads as services
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from tests.crm.factories import ActivityFactory, ContactFactory, LeadFactory, give_role, role_with

pytestmark = pytest.mark.django_db


def test_create_fills_everything_and_writes_history(org):
    lead = services.lead_create(
        actor=org.east_rep,
        title="Needs 20 chairs",
        first_name="Anna",
        last_name="Smith",
        company_name="Smith & Co",
        communications=[
            {"kind": "phone", "type": "work", "value": "+1 212 555 0100"},
            {"kind": "email", "type": "work", "value": "Anna@Smith.test"},
        ],
        amount=Money(Decimal("1500.00"), "USD"),
        utm={"utm_source": "google", "evil": "x"},
        comment=" call after 5 ",
    )
    assert lead.responsible == org.east_rep
    assert lead.created_by == org.east_rep
    assert lead.status == LeadStatus.NEW and lead.source == LeadSource.MANUAL
    assert lead.utm == {"utm_source": "google"}
    assert lead.comment == "call after 5"
    assert sorted(lead.communications.values_list("normalized", flat=True)) == [
        "+12125550100",
        "anna@smith.test",
    ]
    assert TimelineEntry.objects.filter(lead=lead, kind=TimelineKind.CREATED).count() == 1
    assert AuditLog.objects.filter(action="crm.lead.create", target_id=str(lead.pk)).exists()


def test_create_derives_a_title_and_refuses_an_empty_lead(org):
    assert services.lead_create(actor=org.east_rep, first_name="Bob", last_name="Lee").title == "Bob Lee"
    with pytest.raises(Invalid) as exc:
        services.lead_create(actor=org.east_rep)
    assert "title" in exc.value.fields
    assert not Lead.objects.filter(title="").exists()


def test_bad_phone_stores_nothing(org):
    with pytest.raises(Invalid):
        services.lead_create(
            actor=org.east_rep, title="X", communications=[{"kind": "phone", "value": "abc"}]
        )
    assert Lead.objects.count() == 0


def test_own_level_may_not_give_a_lead_to_someone_else(org):
    with pytest.raises(Invalid) as exc:
        services.lead_create(actor=org.east_rep, title="X", responsible=org.developer)
    assert "responsible" in exc.value.fields
    lead = services.lead_create(actor=org.admin, title="Y", responsible=org.developer)
    assert lead.responsible == org.developer


def test_no_add_right_is_refused(org):
    role = CrmRole.objects.get(is_default=True)
    role.permissions.filter(entity="lead", action="add").update(level=Level.NONE)
    with pytest.raises(NotAllowed):
        services.lead_create(actor=org.east_rep, title="X")


def test_update_diffs_and_rights(org):
    lead = LeadFactory(responsible=org.east_rep, title="Old")
    services.lead_update(
        actor=org.east_rep, lead=lead, title="New", communications=[{"kind": "email", "value": "a@b.c"}]
    )
    lead.refresh_from_db()
    assert lead.title == "New"
    assert list(lead.communications.values_list("value", flat=True)) == ["a@b.c"]
    entry = TimelineEntry.objects.get(lead=lead, kind=TimelineKind.FIELDS)
    assert entry.data["changes"][0][1:] == ["Old", "New"]
    with pytest.raises(NotFound):
        services.lead_update(actor=org.developer, lead=lead, title="Hacked")
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    view_only = role_with("Viewer", Level.ALL, actions=["view"])
    give_role(view_only, user=org.it_head)
    with pytest.raises(NotAllowed):
        services.lead_update(actor=org.it_head, lead=lead, title="Hacked")
    lead.refresh_from_db()
    assert lead.title == "New"


def test_update_keeps_the_amount_with_its_currency(org):
    lead = LeadFactory(responsible=org.east_rep)
    services.lead_update(actor=org.east_rep, lead=lead, amount=Money(Decimal("99.50"), "EUR"))
    fresh = Lead.objects.get(pk=lead.pk)
    assert fresh.amount == Money(Decimal("99.50"), "EUR")


def test_statuses(org):
    lead = LeadFactory(responsible=org.east_rep)
    services.lead_take(actor=org.east_rep, lead=lead)
    assert lead.status == LeadStatus.IN_PROGRESS and lead.taken_at is not None
    with pytest.raises(Invalid) as exc:
        services.lead_junk(actor=org.east_rep, lead=lead, reason=" ")
    assert "reason" in exc.value.fields
    services.lead_junk(actor=org.east_rep, lead=lead, reason="Spam caller")
    lead.refresh_from_db()
    assert (lead.status, lead.junk_reason) == (LeadStatus.JUNK, "Spam caller")
    with pytest.raises(Invalid):
        services.lead_set_status(actor=org.east_rep, lead=lead, status=LeadStatus.CONVERTED)
    services.lead_set_status(actor=org.east_rep, lead=lead, status=LeadStatus.NEW)
    lead.refresh_from_db()
    assert lead.junk_reason == "" and lead.status == LeadStatus.NEW
    assert AuditLog.objects.filter(action="crm.lead.status", target_id=str(lead.pk)).count() == 3


def test_delete_keeps_what_the_lead_became(org):
    lead = LeadFactory(responsible=org.east_rep)
    contact = ContactFactory(responsible=org.east_rep)
    own = ActivityFactory(lead=lead)
    shared = ActivityFactory(lead=lead, contact=contact)
    with pytest.raises(NotFound):
        services.lead_delete(actor=org.developer, lead=lead)
    services.lead_delete(actor=org.east_rep, lead=lead)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(pk=own.pk).exists()
    shared.refresh_from_db()
    assert shared.lead_id is None and shared.contact_id == contact.pk
