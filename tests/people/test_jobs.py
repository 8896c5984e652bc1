"""The people jobs: the invitation mail (eager Celery in tests) and the nightly head-count rebuild."""

import pytest

from portal.people import jobs, services
from portal.people.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(org):
    (invitation,) = services.invitation_send(
        actor=org.sales_head, emails=["nina@acme.test"], department=org.east, first_name="Nina"
    )
    return invitation


def test_invitation_send_mails_the_link_once_after_commit(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (invitation,) = services.invitation_send(actor=org.admin, emails=["eve@acme.test"], department=org.it)
    assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["eve@acme.test"] and "Acme" in mail.subject
    # The mailed link is this invitation's (signed when the mail was built: its timestamp may differ).
    token = mail.body.split("/invite/")[1].split("/")[0]
    assert services.invitation_from_token(token) == invitation
    assert invitation.secret not in mail.body.replace(token, "")


def test_invitation_mail_names_inviter_department_and_link(invitation, mailoutbox, org):
    assert jobs.invitation_mail_send.delay(invitation.pk).get() is True
    (mail,) = mailoutbox
    assert org.sales_head.full_name in mail.body and "Sales East" in mail.body and "Hello Nina" in mail.body
    assert services.invitation_url(invitation) in mail.body
    token = mail.body.split("/invite/")[1].split("/")[0]
    assert services.invitation_from_token(token) == invitation


def test_a_resent_invitation_mails_the_new_link(invitation, mailoutbox, org):
    resent = services.invitation_resend(actor=org.admin, invitation=invitation)
    jobs.invitation_mail_send(invitation.pk)
    assert services.invitation_url(resent) in mailoutbox[-1].body


def test_no_mail_for_revoked_invitation(invitation, mailoutbox, org):
    services.invitation_revoke(actor=org.admin, invitation=invitation)
    assert jobs.invitation_mail_send(invitation.pk) is False
    assert mailoutbox == []


def test_no_mail_for_accepted_invitation(invitation, mailoutbox):
    services.invitation_accept(
        token=services.invitation_token(invitation), password="join-us-2025!", first_name="Nina"
    )
    assert jobs.invitation_mail_send(invitation.pk) is False
    assert mailoutbox == []


def test_no_mail_for_a_missing_invitation(db, mailoutbox):
    assert jobs.invitation_mail_send(987654) is False
    assert mailoutbox == []


def test_departments_recount_job_rebuilds_counts(org):
    Department.objects.update(members_count=99)
    jobs.departments_recount.delay()
    counts = dict(Department.objects.values_list("name", "members_count"))
    assert counts == {"Acme": 2, "Sales": 2, "Sales East": 2, "East Field": 1, "IT": 2}
