"""Celery jobs of the people app. Jobs take ids, re-read state and do nothing when the work is moot."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


@shared_task(
    name="portal.people.jobs.invitation_mail_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def invitation_mail_send(invitation_id: int) -> bool:
    """Mail the invitation's link. Skipped when the invitation was accepted or withdrawn meanwhile."""
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
        subject=_("You are invited to %(company)s on Lumen") % {"company": company_name},
        template="people/email/invitation",
        context={
            "invitation": invitation,
            "company_name": company_name,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by,
        },
        language=getattr(invitation.invited_by, "language", None),
    )
    return True


@shared_task(name="portal.people.jobs.departments_recount")
def departments_recount() -> None:
    """Nightly: rebuild the stored head counts of all departments from the people table."""
    from .services import departments_recount as recount

    recount()
