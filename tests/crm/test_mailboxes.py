"""The e-mail intake against a real dovecot (tests/crm/imap_server.py), and the mailbox pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.choices import ActivityKind, CommunicationKind, Direction, LeadSource, MailSecurity
from crm.crypto import decrypt_secret
from crm.models import Activity, CrmFile, Lead, Mailbox, TimelineEntry
from crm.services import mailboxes as services
from crm.services.communications import communications_set
from portal.core.models import AuditLog
from portal.notifications.models import Notification
from tests.crm.factories import ContactFactory, DealFactory, LeadFactory
from tests.crm.imap_server import message
from tests.utils import client_as

pytestmark = [pytest.mark.django_db, pytest.mark.imap]


@pytest.fixture
def mailbox(org, imap_mailbox) -> Mailbox:
    return services.mailbox_create(
        actor=org.admin,
        name="Sales inbox",
        host=imap_mailbox.host,
        port=imap_mailbox.port,
        security=MailSecurity.NONE,
        login=imap_mailbox.user,
        password=imap_mailbox.password,
        responsible=org.east_rep,
    )


def fetch() -> int:
    from crm.jobs import mail_fetch_job

    return mail_fetch_job()


def with_email(record, email):
    communications_set(
        record=record, items=[{"kind": CommunicationKind.EMAIL, "type": "work", "value": email}]
    )
    return record


def test_a_known_contact_gets_a_done_incoming_email_on_it_and_its_open_deal(org, mailbox, imap_mailbox):
    contact = with_email(ContactFactory(responsible=org.east_rep), "Client@Example.com")
    older = DealFactory(contact=contact, responsible=org.east_rep)
    deal = DealFactory(contact=contact, responsible=org.east_rep, pipeline=older.pipeline)
    imap_mailbox.deliver(
        message(subject="About the offer", sender="Ivan <client@example.com>", Message_ID="<m1@example.com>")
    )
    assert fetch() == 1
    activity = Activity.objects.get()
    assert activity.kind == ActivityKind.EMAIL and activity.direction == Direction.INCOMING
    assert activity.is_done and activity.done_at is not None
    assert activity.contact == contact and activity.deal == deal and activity.lead is None
    assert activity.subject == "About the offer" and "Hello there." in activity.body
    assert activity.message_id == "<m1@example.com>" and activity.mailbox == mailbox
    assert activity.responsible == org.east_rep
    assert not Lead.objects.exists()
    assert TimelineEntry.objects.filter(activity=activity, contact=contact, deal=deal).exists()
    mailbox.refresh_from_db()
    assert mailbox.messages_read == 1 and mailbox.last_uid > 0 and mailbox.uidvalidity
    assert mailbox.last_error == "" and mailbox.last_checked_at is not None


def test_a_known_lead_gets_the_email(org, mailbox, imap_mailbox):
    lead = with_email(LeadFactory(responsible=org.sales_rep), "lead@example.org")
    imap_mailbox.deliver(message(sender="lead@example.org"))
    fetch()
    activity = Activity.objects.get()
    assert activity.lead == lead and activity.contact is None and activity.responsible == org.sales_rep
    assert Lead.objects.count() == 1


def test_an_unknown_sender_becomes_a_lead_with_the_email_on_it(org, mailbox, imap_mailbox):
    imap_mailbox.deliver(message(subject="Need 10 mugs", sender="Anna Smirnova <Anna@New-Client.ru>"))
    fetch()
    lead = Lead.objects.get()
    assert lead.source == LeadSource.EMAIL and lead.source_detail == "Sales inbox"
    assert lead.title == "Need 10 mugs" and (lead.first_name, lead.last_name) == ("Anna", "Smirnova")
    assert lead.responsible == org.east_rep
    assert lead.communications.filter(kind=CommunicationKind.EMAIL, normalized="anna@new-client.ru").exists()
    activity = Activity.objects.get()
    assert activity.lead == lead and activity.is_done


def test_the_email_and_its_lead_get_what_their_services_give(org, mailbox, imap_mailbox):
    """The activity comes from `activity_create` as the portal itself: its audit row and timeline entry, the
    responsible person told; an arriving e-mail does not take the new lead in work (it still waits)."""
    imap_mailbox.deliver(message(subject="Need 10 mugs", sender="Anna Smirnova <Anna@New-Client.ru>"))
    fetch()
    activity = Activity.objects.select_related("lead").get()
    assert (activity.responsible, activity.created_by, activity.mailbox) == (org.east_rep, None, mailbox)
    assert AuditLog.objects.filter(
        action="crm.activity_create", target_id=str(activity.pk), actor=None
    ).exists()
    assert AuditLog.objects.filter(action="crm.lead.create", target_id=str(activity.lead_id)).exists()
    assert TimelineEntry.objects.filter(activity=activity, lead=activity.lead).exists()
    note = Notification.objects.get(recipient=org.east_rep, kind="crm_activity")
    assert "Need 10 mugs" in note.title
    assert activity.lead.last_activity_at is not None and activity.lead.taken_at is None


def test_attachments_are_kept_as_files_of_the_activity_and_its_record(mailbox, imap_mailbox):
    mail = message(subject="Files", sender="someone@example.net")
    mail.add_attachment(
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename="offer.pdf",
    )
    imap_mailbox.deliver(mail)
    fetch()
    activity = Activity.objects.get()
    files = list(CrmFile.objects.filter(activity=activity))
    assert [f.name for f in files] == ["offer.pdf"]
    assert files[0].lead == activity.lead and files[0].size > 0


def test_running_twice_and_starting_over_make_nothing_twice(mailbox, imap_mailbox):
    imap_mailbox.deliver(message(subject="One", sender="a@example.net", Message_ID="<one@x>"))
    imap_mailbox.deliver(message(subject="No id", sender="b@example.net"))
    assert fetch() == 2
    assert fetch() == 0
    # The stored place lost (a changed folder, a recreated mailbox): everything is read again, nothing is new.
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=None, last_uid=0)
    call_command("crm_fetch_mail", mailbox=mailbox.pk)
    assert Activity.objects.count() == 2 and Lead.objects.count() == 2
    imap_mailbox.deliver(message(subject="Two", sender="a@example.net", Message_ID="<two@x>"))
    assert fetch() == 1
    assert Activity.objects.filter(lead__communications__normalized="a@example.net").count() == 2
    assert Lead.objects.count() == 2  # the second letter of a@ found the lead the first one made


def test_a_failing_mailbox_records_its_error_and_the_others_still_work(org, mailbox, imap_mailbox):
    broken = services.mailbox_create(
        actor=org.admin,
        name="Wrong password",
        host=imap_mailbox.host,
        port=imap_mailbox.port,
        security=MailSecurity.NONE,
        login=imap_mailbox.user,
        password="not-the-password",
    )
    imap_mailbox.deliver(message(sender="x@example.net"))
    assert fetch() == 1
    broken.refresh_from_db()
    assert "Authentication failed" in broken.last_error and broken.last_error_at is not None
    assert broken.last_uid == 0
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.messages_read == 1
    # Once the password is right, a run succeeds and clears the error.
    services.mailbox_update(actor=org.admin, mailbox=broken, password=imap_mailbox.password)
    fetch()
    broken.refresh_from_db()
    assert broken.last_error == "" and broken.last_error_at is None and broken.messages_read == 1


def test_the_fetch_job_does_not_run_twice_at_once(mailbox, imap_mailbox):
    from django.core.cache import cache

    from crm.jobs import MAIL_FETCH_LOCK_KEY

    imap_mailbox.deliver(message(sender="x@example.net"))
    cache.set(MAIL_FETCH_LOCK_KEY, "another run", 60)
    try:
        assert fetch() is None and not Activity.objects.exists()
    finally:
        cache.delete(MAIL_FETCH_LOCK_KEY)
    assert fetch() == 1


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_pages_keep_the_password_and_show_the_check(org, imap_mailbox):
    client = client_as(org.admin)
    data = {
        "name": "Support",
        "host": imap_mailbox.host,
        "port": imap_mailbox.port,
        "security": "none",
        "login": imap_mailbox.user,
        "password": imap_mailbox.password,
        "folder": "INBOX",
        "responsible": org.east_rep.pk,
        "is_active": "on",
    }
    answer = client.post(reverse("crm:mailbox_create"), data, format="multipart")
    mailbox = Mailbox.objects.get()
    assert answer.status_code == 302
    assert decrypt_secret(mailbox.password_encrypted) == imap_mailbox.password
    page = client.get(reverse("crm:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert imap_mailbox.password not in page and mailbox.password_encrypted not in page
    # An empty password keeps the stored one.
    client.post(
        reverse("crm:mailbox_edit", args=[mailbox.pk]),
        {**data, "password": "", "name": "Help"},
        format="multipart",
    )
    mailbox.refresh_from_db()
    assert mailbox.name == "Help" and decrypt_secret(mailbox.password_encrypted) == imap_mailbox.password
    checked = client.post(reverse("crm:mailbox_check", args=[mailbox.pk]), HTTP_HX_REQUEST="true")
    assert checked.status_code == 200 and "The connection works." in checked.content.decode()
    services.mailbox_update(actor=org.admin, mailbox=mailbox, password="wrong")
    checked = client.post(reverse("crm:mailbox_check", args=[mailbox.pk]), HTTP_HX_REQUEST="true")
    assert "Authentication failed" in checked.content.decode()
    mailbox.refresh_from_db()
    assert "Authentication failed" in mailbox.last_error
    listing = client.get(reverse("crm:mailbox_list")).content.decode()
    assert "Authentication failed" in listing
    missing_password = client.post(
        reverse("crm:mailbox_create"), {**data, "password": ""}, format="multipart"
    )
    assert missing_password.status_code == 400 and Mailbox.objects.count() == 1
