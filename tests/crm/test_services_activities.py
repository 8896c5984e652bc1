"""Activities: rights, the records' last activity, a lead taken in work, the timeline, the audit, the
notification of the responsible person and the outgoing e-mail sent once by its job."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from crm.choices import ActivityKind, CommunicationKind, Direction, Level, TimelineKind
from crm.jobs import activity_email_send_job
from crm.models import Activity, CrmRole, TimelineEntry
from crm.services import activities as services
from crm.services.communications import communications_set
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from portal.notifications.models import Notification
from tests.crm.factories import ContactFactory, DealFactory, LeadFactory, give_role, role_with

pytestmark = pytest.mark.django_db

SOON = datetime.timedelta(days=1)


@pytest.fixture
def deal(org):
    contact = ContactFactory(responsible=org.east_rep)
    return DealFactory(responsible=org.east_rep, contact=contact)


def test_a_call_marks_the_records_and_lands_on_the_timeline(org, deal):
    activity = services.activity_create(
        actor=org.east_rep,
        kind=ActivityKind.CALL,
        records=[deal, deal.contact],
        subject="",
        direction=Direction.OUTGOING,
        duration=125,
        call_result="answered",
        phone="+15550100",
        recording_url="https://pbx.example.com/rec/1.mp3",
        is_done=True,
    )
    assert activity.subject == "Call" and activity.is_done and activity.done_at is not None
    assert (activity.deal_id, activity.contact_id) == (deal.pk, deal.contact_id)
    deal.refresh_from_db()
    deal.contact.refresh_from_db()
    assert deal.last_activity_at is not None and deal.contact.last_activity_at == deal.last_activity_at
    entry = TimelineEntry.objects.get(activity=activity)
    assert (
        entry.kind == TimelineKind.ACTIVITY
        and entry.deal_id == deal.pk
        and entry.contact_id == deal.contact_id
    )
    assert AuditLog.objects.filter(action="crm.activity_create", target_id=str(activity.pk)).exists()


def test_an_activity_takes_a_lead_in_work_once(org):
    lead = LeadFactory(responsible=org.east_rep)
    assert lead.taken_at is None
    services.activity_create(
        actor=org.east_rep,
        kind=ActivityKind.TODO,
        records=[lead],
        subject="Call back",
        deadline=timezone.now() + SOON,
    )
    lead.refresh_from_db()
    first = lead.taken_at
    assert first is not None and lead.last_activity_at is not None
    services.activity_create(
        actor=org.east_rep,
        kind=ActivityKind.TODO,
        records=[lead],
        subject="Again",
        deadline=timezone.now() + SOON,
    )
    lead.refresh_from_db()
    assert lead.taken_at == first


def test_creating_needs_the_right_to_edit_the_record(org, deal):
    # The outsider (own level only) does not see the deal at all.
    with pytest.raises(NotFound):
        services.activity_create(
            actor=org.developer,
            kind=ActivityKind.TODO,
            records=[deal],
            subject="x",
            deadline=timezone.now() + SOON,
        )
    # Someone who sees every deal but edits only their own is refused.
    give_role(role_with("Viewer", Level.ALL, actions=["view"]), user=org.sales_rep)
    with pytest.raises(NotAllowed):
        services.activity_create(
            actor=org.sales_rep,
            kind=ActivityKind.TODO,
            records=[deal],
            subject="x",
            deadline=timezone.now() + SOON,
        )
    assert not Activity.objects.exists()


def test_a_supervisor_with_the_head_role_may_add(org, deal):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    activity = services.activity_create(
        actor=org.sales_head,
        kind=ActivityKind.MEETING,
        records=[deal],
        subject="Visit",
        deadline=timezone.now() + SOON,
        ends_at=timezone.now() + SOON + datetime.timedelta(hours=1),
    )
    assert activity.responsible == org.sales_head


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        (ActivityKind.TODO, {}, "deadline"),
        (ActivityKind.MEETING, {}, "deadline"),
        (ActivityKind.CALL, {"direction": "sideways"}, "direction"),
        (ActivityKind.CALL, {"direction": "in", "recording_url": "ftp://x"}, "recording_url"),
        (ActivityKind.CALL, {"direction": "in", "call_result": "bored"}, "call_result"),
        (ActivityKind.EMAIL, {"direction": "out"}, "email_to"),  # the deal's contact has no e-mail
        (ActivityKind.TODO, {"subject": "x" * 301, "deadline": "set"}, "subject"),
    ],
)
def test_bad_input_is_refused_field_by_field(org, deal, kind, values, field):
    if values.get("deadline") == "set":
        values["deadline"] = timezone.now()
    with pytest.raises(Invalid) as caught:
        services.activity_create(actor=org.east_rep, kind=kind, records=[deal], **values)
    assert field in caught.value.message_dict
    assert not Activity.objects.exists() and not TimelineEntry.objects.exists()


def test_an_outgoing_email_is_sent_once_after_commit(org, deal, django_capture_on_commit_callbacks):
    communications_set(
        record=deal.contact, items=[{"kind": CommunicationKind.EMAIL, "value": "Client@Example.com"}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        activity = services.activity_create(
            actor=org.east_rep,
            kind=ActivityKind.EMAIL,
            records=[deal],
            subject="Our offer",
            body="Dear client,\nthe offer is attached.",
            direction=Direction.OUTGOING,
        )
    assert activity.email_to == "Client@Example.com" and activity.is_done
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Client@Example.com"] and message.subject == "Our offer"
    assert "the offer is attached" in message.body
    activity.refresh_from_db()
    assert activity.message_id
    # A second run (a retried job) sends nothing more.
    assert activity_email_send_job(activity.pk) is False
    assert len(mail.outbox) == 1


def test_an_incoming_email_is_not_sent(org, deal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_create(
            actor=org.east_rep,
            kind=ActivityKind.EMAIL,
            records=[deal],
            subject="Re: offer",
            direction=Direction.INCOMING,
            email_from="client@example.com",
        )
    assert mail.outbox == []


def test_the_responsible_person_is_told_when_someone_else_assigns(org, deal):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    activity = services.activity_create(
        actor=org.sales_head,
        kind=ActivityKind.TODO,
        records=[deal],
        subject="Send the contract",
        responsible=org.east_rep,
        deadline=timezone.now() + SOON,
    )
    note = Notification.objects.get(recipient=org.east_rep)
    assert note.kind == "crm_activity" and "Send the contract" in note.title
    # Their own to-do tells nobody.
    services.activity_create(
        actor=org.east_rep,
        kind=ActivityKind.TODO,
        records=[deal],
        subject="Mine",
        deadline=timezone.now() + SOON,
    )
    assert Notification.objects.count() == 1
    # Handing it over to someone else tells them.
    services.activity_update(actor=org.sales_head, activity=activity, responsible=org.east_head)
    assert Notification.objects.filter(recipient=org.east_head, kind="crm_activity").exists()


def test_who_changes_completes_and_deletes(org, deal):
    activity = services.activity_create(
        actor=org.east_rep,
        kind=ActivityKind.TODO,
        records=[deal],
        subject="Call",
        deadline=timezone.now() + SOON,
    )
    with pytest.raises(NotFound):
        services.activity_complete(actor=org.developer, activity=activity)
    services.activity_complete(actor=org.east_rep, activity=activity)
    activity.refresh_from_db()
    assert activity.is_done and activity.done_at is not None
    services.activity_complete(actor=org.east_rep, activity=activity, done=False)
    activity.refresh_from_db()
    assert not activity.is_done and activity.done_at is None
    services.activity_update(actor=org.east_rep, activity=activity, subject="Call the director")
    activity.refresh_from_db()
    assert activity.subject == "Call the director"
    assert AuditLog.objects.filter(action="crm.activity_update").exists()
    with pytest.raises(NotFound):
        services.activity_delete(actor=org.developer, activity=activity)
    services.activity_delete(actor=org.east_rep, activity=activity)
    assert (
        not Activity.objects.exists()
        and not TimelineEntry.objects.filter(kind=TimelineKind.ACTIVITY).exists()
    )


def test_the_responsible_person_of_another_records_activity_may_change_it(org, deal):
    """An activity given to someone who may not edit the record stays theirs to complete."""
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    activity = services.activity_create(
        actor=org.sales_head,
        kind=ActivityKind.TODO,
        records=[deal],
        subject="Help",
        responsible=org.developer,
        deadline=timezone.now() + SOON,
    )
    services.activity_complete(actor=org.developer, activity=activity)
    activity.refresh_from_db()
    assert activity.is_done
