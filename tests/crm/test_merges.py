"""record_merge: fields from the chosen side, every link of the merged record moved, custom values united,
the history written, the merged record gone; the rights on both records."""

from __future__ import annotations

import pytest

from crm.choices import TimelineKind
from crm.models import (
    Activity,
    Call,
    Communication,
    Contact,
    ContactCompany,
    CrmFile,
    CrmRole,
    Deal,
    Lead,
    PbxConnection,
    StoreConnection,
    TimelineEntry,
)
from crm.services import communications
from crm.services.merges import record_merge
from crm.services.timeline import timeline_add
from portal.core.errors import Invalid, NotFound
from portal.core.models import AuditLog
from tests.crm.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
)

pytestmark = pytest.mark.django_db


def _file(**links):
    from django.core.files.base import ContentFile

    row = CrmFile(**links, name="a.txt", size=3)
    row.file.save("a.txt", ContentFile(b"abc"), save=False)
    row.save()
    return row


def test_contact_merge_moves_every_link(org):
    kept = ContactFactory(responsible=org.east_rep, first_name="Ivan", position="", custom={"a": 1, "b": 2})
    merged = ContactFactory(
        responsible=org.east_rep, first_name="John", position="Buyer", custom={"b": 3, "c": 4}
    )
    communications.communications_set(record=kept, items=[{"kind": "phone", "value": "+7 495 123-45-67"}])
    communications.communications_set(
        record=merged,
        items=[
            {"kind": "phone", "value": "+7 (495) 123 45 67"},  # the same number: dropped
            {"kind": "email", "value": "john@client.test"},
        ],
    )
    shared, other = CompanyFactory(responsible=org.east_rep), CompanyFactory(responsible=org.east_rep)
    ContactCompany.objects.create(contact=kept, company=shared, is_primary=True)
    ContactCompany.objects.create(contact=merged, company=shared, is_primary=True)
    ContactCompany.objects.create(contact=merged, company=other, is_primary=False)
    pipeline = PipelineFactory()
    deal = DealFactory(pipeline=pipeline, contact=merged, responsible=org.east_rep)
    store = StoreConnection.objects.create(name="Shop", adapter="lumen", pipeline=pipeline)
    store_deal = DealFactory(pipeline=pipeline, contact=merged, store=store, external_id="1001")
    lead = LeadFactory(contact=merged, responsible=org.east_rep)
    activity = ActivityFactory(contact=merged, responsible=org.east_rep)
    entry = timeline_add(kind=TimelineKind.COMMENT, actor=org.east_rep, records=[merged], text="hello")
    pbx = PbxConnection.objects.create(name="PBX", token_hash="x" * 64)
    call = Call.objects.create(connection=pbx, call_id="c1", contact=merged)
    crm_file = _file(contact=merged)

    merged_pk = merged.pk
    record_merge(actor=org.east_rep, kept=kept, merged=merged, choices={"first_name": "kept"})

    assert not Contact.objects.filter(pk=merged_pk).exists()
    kept.refresh_from_db()
    assert kept.first_name == "Ivan"
    assert kept.position == "Buyer"  # empty on the kept side: filled from the merged one
    assert kept.custom == {"a": 1, "b": 2, "c": 4}
    assert sorted(Communication.objects.filter(contact=kept).values_list("normalized", flat=True)) == [
        "+74951234567",
        "john@client.test",
    ]
    assert set(ContactCompany.objects.filter(contact=kept).values_list("company_id", "is_primary")) == {
        (shared.pk, True),
        (other.pk, False),
    }
    assert Deal.objects.get(pk=deal.pk).contact_id == kept.pk
    assert Deal.objects.get(pk=store_deal.pk).contact_id == kept.pk
    assert Lead.objects.get(pk=lead.pk).contact_id == kept.pk
    assert Activity.objects.get(pk=activity.pk).contact_id == kept.pk
    assert TimelineEntry.objects.get(pk=entry.pk).contact_id == kept.pk
    assert Call.objects.get(pk=call.pk).contact_id == kept.pk
    assert CrmFile.objects.get(pk=crm_file.pk).contact_id == kept.pk
    merged_entry = TimelineEntry.objects.get(contact=kept, kind=TimelineKind.MERGED)
    assert merged_entry.data["merged"]["id"] == merged_pk
    assert AuditLog.objects.filter(action="crm.contact.merged", target_id=str(kept.pk)).exists()


def test_chosen_values_win(org):
    kept = ContactFactory(responsible=org.east_rep, first_name="Ivan", custom={"b": 2})
    merged = ContactFactory(responsible=org.east_rep, first_name="John", custom={"b": 3})
    record_merge(
        actor=org.east_rep, kept=kept, merged=merged, choices={"first_name": "merged", "custom.b": "merged"}
    )
    kept.refresh_from_db()
    assert (kept.first_name, kept.custom) == ("John", {"b": 3})


def test_company_merge_moves_contacts_deals_and_leads(org):
    kept = CompanyFactory(responsible=org.east_rep, name="Acme")
    merged = CompanyFactory(responsible=org.east_rep, name="ACME Ltd")
    person = ContactFactory(responsible=org.east_rep)
    ContactCompany.objects.create(contact=person, company=merged, is_primary=True)
    deal = DealFactory(company=merged, responsible=org.east_rep)
    lead = LeadFactory(company=merged, responsible=org.east_rep)
    activity = ActivityFactory(company=merged)
    record_merge(actor=org.east_rep, kept=kept, merged=merged, choices={"name": "merged"})
    kept.refresh_from_db()
    assert kept.name == "ACME Ltd"
    assert ContactCompany.objects.get(contact=person).company_id == kept.pk
    assert Deal.objects.get(pk=deal.pk).company_id == kept.pk
    assert Lead.objects.get(pk=lead.pk).company_id == kept.pk
    assert Activity.objects.get(pk=activity.pk).company_id == kept.pk


def test_lead_merge(org):
    kept = LeadFactory(responsible=org.east_rep, title="Inquiry")
    merged = LeadFactory(responsible=org.east_rep, title="Inquiry again", company_name="Acme")
    deal = DealFactory(lead=merged)
    record_merge(actor=org.east_rep, kept=kept, merged=merged)
    kept.refresh_from_db()
    assert (kept.title, kept.company_name) == ("Inquiry", "Acme")
    assert Deal.objects.get(pk=deal.pk).lead_id == kept.pk


def test_needs_edit_and_delete_on_both(org):
    mine = ContactFactory(responsible=org.east_rep)
    theirs = ContactFactory(responsible=org.developer)
    with pytest.raises(NotFound):
        record_merge(actor=org.east_rep, kept=mine, merged=theirs)
    editor = CrmRole.objects.create(name="Editors")
    for action in ("view", "edit"):
        editor.permissions.create(entity="contact", action=action, level=4)
    give_role(editor, user=org.east_rep)
    from crm import rights

    rights.forget(org.east_rep)
    with pytest.raises(NotFound):  # may edit it, not delete it
        record_merge(actor=org.east_rep, kept=mine, merged=theirs)
    assert Contact.objects.filter(pk=theirs.pk).exists()
    theirs_pk = theirs.pk
    record_merge(actor=org.admin, kept=mine, merged=theirs)
    assert not Contact.objects.filter(pk=theirs_pk).exists()


def test_refuses_different_kinds_and_itself(org):
    contact = ContactFactory(responsible=org.east_rep)
    company = CompanyFactory(responsible=org.east_rep)
    with pytest.raises(Invalid):
        record_merge(actor=org.east_rep, kept=contact, merged=company)
    with pytest.raises(Invalid):
        record_merge(actor=org.east_rep, kept=contact, merged=contact)
