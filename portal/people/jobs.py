"""Celery jobs of the people app. Jobs take ids, re-read state and do nothing when the work is moot."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

log = logging.getLogger(__name__)


@shared_task(
    name="portal.people.jobs.invitation_mail_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def invitation_mail_send(invitation_id: int) -> bool:
    """Mail the invitation's link. Skipped when the invitation was accepted or withdrawn meanwhile."""
    from portal.core.i18n import message
    from portal.core.mail import mail_send

    from .choices import InvitationStatus
    from .models import Invitation
    from .selectors import company_get
    from .services import invitation_url

    invitation = (
        Invitation.objects.select_related("department", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        log.info("invitation %s: nothing to send", invitation_id)
        return False
    company = company_get()
    company_name = company.name if company else "Lumen"
    mail_send(
        to=[invitation.email],
        # Lazy: translated by mail_send in the mail's language, not in the worker's.
        subject=message(gettext_lazy("You are invited to %(company)s on Lumen"), company=company_name),
        template="people/email/invitation",
        context={
            "invitation": invitation,
            "company_name": company_name,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by,
        },
        language=getattr(invitation.invited_by, "language", None),
        # The invitee has no zone yet: the inviter's is the company's best guess.
        time_zone=getattr(invitation.invited_by, "time_zone", None),
    )
    return True


@shared_task(name="portal.people.jobs.departments_recount")
def departments_recount() -> None:
    """Nightly: rebuild the stored head counts of all departments from the people table."""
    from .services import departments_recount as recount

    recount()


@shared_task(
    name="portal.people.jobs.password_reset_mail_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def password_reset_mail_send(person_id: int) -> bool:
    """Mail a person the link to choose a new password (services.password_reset_request asked for it).

    The link is made here, from the person as they are now: it works once, until the password changes.
    Skipped when the person was deactivated meanwhile or signs in without a password.
    """
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from portal.core.mail import mail_send

    from .models import User
    from .selectors import company_get

    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.has_usable_password():
        log.info("password reset for %s: nothing to send", person_id)
        return False
    company = company_get()
    context = {
        "user": person,
        "portal_name": company.name if company else "Lumen",
        "url": settings.LUMEN_BASE_URL.rstrip("/")
        + reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
                "token": default_token_generator.make_token(person),
            },
        ),
    }
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("Reset your password on %(portal_name)s") % {"portal_name": context["portal_name"]}
    mail_send(
        to=[person.email],
        subject=subject,
        template="people/email/password_reset",
        context=context,
        language=person.language,
        time_zone=person.time_zone,
    )
    return True
