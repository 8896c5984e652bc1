"""Invitations: signed links sent by mail, resent, revoked and accepted."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..choices import InvitationStatus
from ..models import Company, Department, Invitation, User
from .departments import departments_recount
from .permissions import _require_manager, can_invite

INVITATION_SALT = "lumen.people.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The token of the invitation's link: the id and the secret, signed with the portal's key."""
    return signing.dumps([invitation.pk, invitation.secret], salt=INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    from django.urls import reverse

    path = reverse("people:invitation_accept", args=[invitation_token(invitation)])
    return settings.LUMEN_BASE_URL.rstrip("/") + path


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link stands for, if it may still be used; else a ValidationError saying why."""
    try:
        pk, secret = signing.loads(token, salt=INVITATION_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Invalid(_("This invitation link is not valid."), code="invalid") from exc
    invitation = Invitation.objects.select_related("department").filter(pk=pk).first()
    if invitation is None or not secrets.compare_digest(str(invitation.secret), str(secret)):
        raise Invalid(
            _("This invitation link is no longer valid: a newer one may have been sent."), code="invalid"
        )
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        raise Invalid(_("This invitation has been used already. Sign in instead."), code="used")
    if status == InvitationStatus.REVOKED:
        raise Invalid(_("This invitation was withdrawn."), code="revoked")
    if status == InvitationStatus.EXPIRED:
        raise Invalid(
            _("This invitation has expired. Ask the person who invited you to send it again."), code="expired"
        )
    return invitation


def _schedule_invitation_mail(invitation: Invitation) -> None:
    from .. import jobs

    invitation_id = invitation.pk
    transaction.on_commit(lambda: jobs.invitation_mail_send.delay(invitation_id))


def parse_emails(text: str) -> list[str]:
    """Split a pasted list of addresses (commas, semicolons, spaces, new lines) into unique addresses."""
    import re

    seen: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        part = part.strip().strip("<>").lower()
        if part and part not in seen:
            seen.append(part)
    return seen


@transaction.atomic
def invitation_send(
    *,
    actor,
    emails: list[str],
    department: Department,
    first_name: str = "",
    last_name: str = "",
    position: str = "",
) -> list[Invitation]:
    """Invite one or many people by e-mail into `department`. All or nothing: one bad address refuses
    the whole batch with a message naming it. An address with an open invitation gets it re-sent."""
    if not can_invite(actor):
        raise NotAllowed(_("Only administrators and supervisors invite people."))
    _require_manager(actor, department)
    # Unique, in the order given: the same address twice in one batch is one invitation.
    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    if not emails:
        raise Invalid({"emails": [_("Enter at least one e-mail address.")]})
    if len(emails) > 200:
        raise Invalid({"emails": [_("At most 200 addresses at once.")]})
    problems = []
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("“%(email)s” is not a valid e-mail address.") % {"email": email})
    taken = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    for email in sorted(taken):
        problems.append(_("%(email)s is already in the portal.") % {"email": email})
    if problems:
        raise Invalid({"emails": problems})
    single = len(emails) == 1
    result = []
    for email in emails:
        existing = Invitation.objects.filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).first()
        if existing is not None:
            if existing.department_id != department.pk:
                existing.department = department
                existing.save(update_fields=["department", "updated_at"])
            result.append(invitation_resend(actor=actor, invitation=existing))
            continue
        invitation = Invitation(
            email=email,
            first_name=first_name.strip() if single else "",
            last_name=last_name.strip() if single else "",
            position=position.strip() if single else "",
            department=department,
            invited_by=actor,
            secret=secrets.token_urlsafe(32),
            expires_at=timezone.now() + datetime.timedelta(days=settings.LUMEN_INVITATION_TTL_DAYS),
            sent_count=1,
            last_sent_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError as exc:  # a concurrent invite of the same address
            raise Invalid({"emails": [_("%(email)s was invited just now.") % {"email": email}]}) from exc
        audit_record(
            actor=actor, action="invitation.send", target=invitation, changes={"department": department.pk}
        )
        _schedule_invitation_mail(invitation)
        result.append(invitation)
    return result


def _require_invitation_manager(actor, invitation: Invitation) -> None:
    if is_portal_admin(actor) or invitation.invited_by_id == actor.pk:
        return
    _require_manager(actor, invitation.department)


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """Send the invitation again with a fresh link and a fresh expiry; the old link stops working."""
    _require_invitation_manager(actor, invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise Invalid(_("This invitation has been accepted already."))
    if invitation.revoked_at:
        raise Invalid(_("This invitation was withdrawn; invite the person again."))
    now = timezone.now()
    invitation.secret = secrets.token_urlsafe(32)
    invitation.expires_at = now + datetime.timedelta(days=settings.LUMEN_INVITATION_TTL_DAYS)
    invitation.sent_count = F("sent_count") + 1
    invitation.last_sent_at = now
    invitation.save(update_fields=["secret", "expires_at", "sent_count", "last_sent_at", "updated_at"])
    invitation.refresh_from_db()
    audit_record(actor=actor, action="invitation.resend", target=invitation)
    _schedule_invitation_mail(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its link stops working at once."""
    _require_invitation_manager(actor, invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise Invalid(_("This invitation has been accepted already."))
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="invitation.revoke", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str, first_name: str, last_name: str = "", time_zone: str | None = None
) -> User:
    """Turn an invitation into an account: the person sets their password and joins the department.

    The invitation row is locked, so the same link used twice at once still makes one account.
    """
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().select_related("department").get(pk=invitation.pk)
    invitation_from_token(token)  # re-check under the lock
    errors: dict = {}
    if not (first_name or "").strip():
        errors["first_name"] = [_("This field is required.")]
    if User.objects.filter(email__iexact=invitation.email).exists():
        errors["email"] = [_("A person with this e-mail address is already in the portal.")]
    candidate = User(email=invitation.email, first_name=first_name or "", last_name=last_name or "")
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise Invalid(errors)
    company = Company.objects.order_by("id").first()
    person = User.objects.create_user(
        email=invitation.email,
        password=password,
        first_name=first_name.strip(),
        last_name=(last_name or "").strip(),
        position=invitation.position,
        department=invitation.department,
        time_zone=time_zone or (company.default_time_zone if company else "UTC"),
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = person
    invitation.save(update_fields=["accepted_at", "accepted_user", "updated_at"])
    departments_recount([invitation.department_id])
    audit_record(actor=person, action="invitation.accept", target=invitation)
    return person
