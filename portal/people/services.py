"""Every write to the company, its structure, its people and invitations.

Services are keyword-only, atomic and validating; they write an audit row inside the action and schedule
mail after commit. Pages, the API, admin actions and commands call them; nobody else saves these models.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.core.attachments import CleanImage, check_image_upload
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from .choices import TIME_ZONE_CHOICES, GroupCreationPolicy, InvitationStatus
from .models import ApiToken, Company, Department, Invitation, PasswordResetRequest, User

INVITATION_SALT = "lumen.people.invitation"
_UNSET: object = object()

# Fields a person may change on their own profile; admins may change the rest too.
SELF_EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "birthday",
    "time_zone",
    "work_start",
    "work_end",
    "language",
    "photo",
)
ADMIN_EDITABLE_FIELDS = (*SELF_EDITABLE_FIELDS, "position", "email")


# --- Rules ------------------------------------------------------------------------------------------


def can_manage_department(user, department: Department) -> bool:
    """Admins manage every department; a head manages the departments of the sub-tree they head."""
    from .selectors import departments_managed_by

    if not (user and user.is_authenticated and user.is_active):
        return False
    return departments_managed_by(user).filter(pk=department.pk).exists()


def can_invite(user) -> bool:
    """Admins and supervisors invite people (into the departments they manage)."""
    from .selectors import is_supervisor

    return is_portal_admin(user) or is_supervisor(user)


def _require_admin(actor) -> None:
    if not is_portal_admin(actor):
        raise NotAllowed(_("Only a portal administrator may do this."))


def _require_manager(actor, department: Department) -> None:
    if not can_manage_department(actor, department):
        raise NotAllowed(_("You may not manage this department."))


def departments_recount(department_ids: Iterable[int] | None = None) -> None:
    """Refresh the stored head counts of some departments (or of all of them)."""
    qs = Department.objects.all()
    if department_ids is not None:
        ids = {i for i in department_ids if i}
        if not ids:
            return
        qs = qs.filter(pk__in=ids)
    counts = dict(
        User.objects.filter(is_active=True, department__in=qs)
        .values("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
    for dept in qs.only("id", "members_count"):
        wanted = counts.get(dept.pk, 0)
        if dept.members_count != wanted:
            Department.objects.filter(pk=dept.pk).update(members_count=wanted)


# --- The company ------------------------------------------------------------------------------------


@transaction.atomic
def company_register(
    *,
    company_name: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str = "",
    time_zone: str = "UTC",
) -> User:
    """Register the portal on an empty database: the company, its root department, the first admin.

    The first administrator heads the root department until somebody else is made its head.
    """
    if Company.objects.exists():
        raise Invalid(_("This portal is registered already."))
    company_name = (company_name or "").strip()
    errors = {}
    if not company_name:
        errors["company_name"] = [_("Give the company a name.")]
    if not (first_name or "").strip():
        errors["first_name"] = [_("This field is required.")]
    email = _normalise_email(email, errors)
    if time_zone not in dict(TIME_ZONE_CHOICES):
        errors["time_zone"] = [_("Unknown time zone.")]
    if errors:
        raise Invalid(errors)
    admin = User(email=email, first_name=first_name.strip(), last_name=(last_name or "").strip())
    try:
        validate_password(password, admin)
    except ValidationError as exc:
        raise Invalid({"password": exc.messages}) from exc
    company = Company.objects.create(name=company_name, default_time_zone=time_zone)
    root = Department.add_root(name=company_name)
    admin = User.objects.create_superuser(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=(last_name or "").strip(),
        department=root,
        time_zone=time_zone,
        position=_("Administrator"),
    )
    Department.objects.filter(pk=root.pk).update(head=admin)
    departments_recount([root.pk])
    audit_record(actor=admin, action="company.register", target=company, changes={"name": company_name})
    return admin


@transaction.atomic
def company_update(
    *,
    actor,
    company: Company,
    name: str | None = None,
    group_creation_policy: str | None = None,
    default_time_zone: str | None = None,
) -> Company:
    """Change the company's name and portal-wide rules (admins only). The root department keeps the name."""
    _require_admin(actor)
    before = snapshot(company, ["name", "group_creation_policy", "default_time_zone"])
    if name is not None:
        if not name.strip():
            raise Invalid({"name": [_("Give the company a name.")]})
        company.name = name.strip()
    if group_creation_policy is not None:
        if group_creation_policy not in GroupCreationPolicy.values:
            raise Invalid({"group_creation_policy": [_("Unknown policy.")]})
        company.group_creation_policy = group_creation_policy
    if default_time_zone is not None:
        company.default_time_zone = default_time_zone
    company.full_clean()
    company.save(update_fields=["name", "group_creation_policy", "default_time_zone", "updated_at"])
    if name is not None:
        Department.get_root_nodes().update(name=company.name)
    changes = diff(before, snapshot(company, list(before)))
    if changes:
        audit_record(actor=actor, action="company.update", target=company, changes=changes)
    return company


# --- People -----------------------------------------------------------------------------------------


def _normalise_email(email: str, errors: dict, field: str = "email") -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors[field] = [_("Enter a valid e-mail address.")]
        return email
    if User.objects.filter(email__iexact=email).exists():
        errors[field] = [_("A person with this e-mail address is already in the portal.")]
    return email


@transaction.atomic
def person_create(
    *,
    actor,
    email: str,
    first_name: str,
    last_name: str = "",
    password: str | None = None,
    position: str = "",
    department: Department | None = None,
    birthday=None,
    phone: str = "",
    time_zone: str | None = None,
    is_staff: bool = False,
) -> User:
    """Add a person directly (admins; or a head, into their sub-tree). Most people arrive by invitation."""
    if department is not None:
        _require_manager(actor, department)
    else:
        _require_admin(actor)
    if is_staff:
        _require_admin(actor)
    errors: dict = {}
    email = _normalise_email(email, errors)
    if not (first_name or "").strip():
        errors["first_name"] = [_("This field is required.")]
    if errors:
        raise Invalid(errors)
    company = Company.objects.order_by("id").first()
    person = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=(last_name or "").strip(),
        position=position,
        department=department,
        birthday=birthday,
        phone=phone,
        time_zone=time_zone or (company.default_time_zone if company else "UTC"),
        is_staff=is_staff,
    )
    if department is not None:
        departments_recount([department.pk])
    audit_record(actor=actor, action="person.create", target=person, changes={"email": email})
    return person


def _check_photo(photo) -> CleanImage | None:
    """The uploaded photo, checked and re-encoded by core attachments; None when the photo is removed."""
    if not photo:
        return None
    if not hasattr(photo, "read"):
        raise Invalid({"photo": [_("Choose a picture to upload.")]})
    return check_image_upload(
        photo, field="photo", max_bytes=settings.LUMEN_PHOTO_MAX_BYTES, label=_("The photo")
    )


@transaction.atomic
def person_update(*, actor, person: User, **fields) -> User:
    """Change a profile. A person edits their own contact details and preferences; admins edit all."""
    if actor.pk == person.pk and not is_portal_admin(actor):
        allowed = SELF_EDITABLE_FIELDS
    elif is_portal_admin(actor):
        allowed = ADMIN_EDITABLE_FIELDS
    else:
        raise NotAllowed(_("You may not edit this profile."))
    unknown = set(fields) - set(allowed)
    if unknown:
        raise NotAllowed(_("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    photo = _check_photo(fields.pop("photo")) if "photo" in fields else _UNSET
    if "email" in fields:
        email = (fields["email"] or "").strip().lower()
        if email != person.email:
            errors: dict = {}
            fields["email"] = _normalise_email(email, errors)
            if errors:
                raise Invalid(errors)
    tracked = list(fields)
    before = snapshot(person, tracked)
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean(exclude=["password", "department", "photo"])
    update_fields = list(fields)
    stored = None
    if photo is not _UNSET:
        # Stored under a random name with the extension of the detected format, and its type kept.
        if photo is None:
            person.photo, person.photo_content_type = "", ""
        else:
            person.photo.save(photo.stored_name, photo.content, save=False)
            person.photo_content_type = photo.content_type
            stored = person.photo.name
        update_fields += ["photo", "photo_content_type"]
    try:
        person.save(update_fields=update_fields)
    except Exception:
        if stored:
            person.photo.storage.delete(stored)
        raise
    changes = diff(before, snapshot(person, tracked))
    if photo is not _UNSET:
        changes["photo"] = [None, "changed"]
    if changes:
        audit_record(actor=actor, action="person.update", target=person, changes=changes)
    return person


@transaction.atomic
def person_move(*, actor, person: User, department: Department) -> User:
    """Move a person to another department. A head who leaves their department stops heading it;
    supervisors and subordinates follow from the tree, so nothing else needs rewriting."""
    _require_manager(actor, department)
    if person.department_id and not is_portal_admin(actor):
        _require_manager(actor, Department.objects.get(pk=person.department_id))
    old_id = person.department_id
    if old_id == department.pk:
        return person
    Department.objects.filter(head=person).exclude(pk=department.pk).update(head=None)
    person.department = department
    person.save(update_fields=["department"])
    departments_recount([old_id, department.pk])
    audit_record(
        actor=actor, action="person.move", target=person, changes={"department": [old_id, department.pk]}
    )
    return person


@transaction.atomic
def person_set_active(*, actor, person: User, active: bool) -> User:
    """Deactivate (the person can no longer sign in; their records stay) or reactivate (admins only)."""
    _require_admin(actor)
    if person.pk == actor.pk and not active:
        raise Invalid(_("You cannot deactivate yourself."))
    if person.is_active == active:
        return person
    person.is_active = active
    person.save(update_fields=["is_active"])
    if not active:
        Department.objects.filter(head=person).update(head=None)
    departments_recount([person.department_id])
    audit_record(actor=actor, action="person.activate" if active else "person.deactivate", target=person)
    return person


@transaction.atomic
def person_set_admin(*, actor, person: User, is_admin: bool) -> User:
    """Grant or take away portal administration (admins only; the last admin stays)."""
    _require_admin(actor)
    if not is_admin and person.pk == actor.pk:
        raise Invalid(_("You cannot take administration away from yourself."))
    person.is_staff = is_admin
    person.is_superuser = is_admin
    person.save(update_fields=["is_staff", "is_superuser"])
    audit_record(actor=actor, action="person.admin", target=person, changes={"is_staff": is_admin})
    return person


# --- Departments ------------------------------------------------------------------------------------


@transaction.atomic
def department_create(*, actor, name: str, parent: Department, head: User | None = None) -> Department:
    """Add a department under `parent` (admins, or the head of `parent`'s sub-tree)."""
    _require_manager(actor, parent)
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": [_("Give the department a name.")]})
    parent = Department.objects.get(pk=parent.pk)  # treebeard needs the fresh path and child count
    if parent.get_children().filter(name__iexact=name).exists():
        raise Invalid({"name": [_("There is already a department with this name here.")]})
    department = parent.add_child(name=name)
    audit_record(actor=actor, action="department.create", target=department, changes={"parent": parent.pk})
    if head is not None:
        department = department_set_head(actor=actor, department=department, head=head)
    return department


@transaction.atomic
def department_update(*, actor, department: Department, name: str) -> Department:
    _require_manager(actor, department)
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": [_("Give the department a name.")]})
    before = snapshot(department, ["name"])
    department.name = name
    department.save(update_fields=["name"])
    if department.is_root():
        Company.objects.update(name=name)
    else:
        # Siblings are kept sorted by name (node_order_by): a renamed department takes its new place,
        # else treebeard's next sorted insert shifts the wrong paths and collides on the unique path.
        department = Department.objects.get(pk=department.pk)
        Department.objects.move(department, Department.objects.get_parent(department), "sorted-child")
        department = Department.objects.get(pk=department.pk)
    changes = diff(before, snapshot(department, ["name"]))
    if changes:
        audit_record(actor=actor, action="department.update", target=department, changes=changes)
    return department


@transaction.atomic
def department_move(*, actor, department: Department, parent: Department) -> Department:
    """Move a department (with its sub-tree) under another one. Refused into its own sub-tree."""
    _require_manager(actor, department)
    _require_manager(actor, parent)
    department = Department.objects.get(pk=department.pk)
    parent = Department.objects.get(pk=parent.pk)
    if department.is_root():
        raise Invalid({"parent": [_("The company itself cannot be moved.")]})
    if parent.path.startswith(department.path):
        raise Invalid({"parent": [_("A department cannot move into its own sub-tree.")]})
    old_parent = department.get_parent()
    if old_parent and old_parent.pk == parent.pk:
        return department
    department.move(parent, "sorted-child")
    department = Department.objects.get(pk=department.pk)
    audit_record(
        actor=actor,
        action="department.move",
        target=department,
        changes={"parent": [old_parent.pk if old_parent else None, parent.pk]},
    )
    return department


@transaction.atomic
def department_delete(*, actor, department: Department) -> None:
    """Remove an empty department (no people, no sub-departments, no open invitations)."""
    _require_manager(actor, department)
    department = Department.objects.get(pk=department.pk)
    if department.is_root():
        raise Invalid(_("The company's root department cannot be removed."))
    if department.get_children_count():
        raise Invalid(_("Move or remove its sub-departments first."))
    if User.objects.filter(department=department).exists():
        raise Invalid(_("Move its people to another department first."))
    audit_record(
        actor=actor, action="department.delete", target=department, changes={"name": department.name}
    )
    Invitation.objects.filter(department=department, accepted_at__isnull=True).delete()
    department.delete()


@transaction.atomic
def department_set_head(*, actor, department: Department, head: User | None) -> Department:
    """Make `head` the head of `department` (None: no head). The head becomes a member of the department
    and stops heading any other one."""
    _require_manager(actor, department)
    department = Department.objects.select_for_update().get(pk=department.pk)
    old_head_id = department.head_id
    if head is not None:
        if not head.is_active:
            raise Invalid({"head": [_("A deactivated person cannot head a department.")]})
        if head.department_id and head.department_id != department.pk and not is_portal_admin(actor):
            # Making someone head moves them: like person_move, a head may only take people from
            # departments they manage.
            _require_manager(actor, Department.objects.get(pk=head.department_id))
        if head.department_id != department.pk:
            old_dept = head.department_id
            Department.objects.filter(head=head).exclude(pk=department.pk).update(head=None)
            head.department = department
            head.save(update_fields=["department"])
            departments_recount([old_dept, department.pk])
        else:
            Department.objects.filter(head=head).exclude(pk=department.pk).update(head=None)
    department.head = head
    department.save(update_fields=["head"])
    audit_record(
        actor=actor,
        action="department.head",
        target=department,
        changes={"head": [old_head_id, head.pk if head else None]},
    )
    return department


# --- Invitations ------------------------------------------------------------------------------------


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
    from . import jobs

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


# --- Signing in: passwords, sessions, API tokens ------------------------------------------------------
#
# A session and an API token both carry the session auth hash their person had when they were made (an HMAC
# of the password hash and of the sign-out generation, see User._get_session_auth_hash). Changing the password
# or signing out everywhere changes that hash, so every session and token made before stops working at once,
# whatever stores it (database, cache, cached_db). The services below also delete the tokens, so that lists
# show what works, and write the audit row.

API_TOKEN_PREFIX_LENGTH = 8
# Past this many working tokens, making one more revokes the oldest: scripts that ask for a token on every run
# keep working, and nobody collects thousands.
API_TOKENS_PER_PERSON = 50
# last_used_at is written at most this often per token (one UPDATE a minute, not one per request).
API_TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=1)
PASSWORD_RESET_DIGEST_SALT = "lumen.people.password_reset_request"


class TooManyRequests(NotAllowed):
    """Something was asked too often; `retry_after` says in how many seconds it may be asked again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _require_self_or_admin(actor, person: User) -> None:
    if not (actor and actor.is_authenticated and (actor.pk == person.pk or is_portal_admin(actor))):
        raise NotAllowed(_("You may not do this for another person."))


def _api_tokens_delete(*, actor, person: User, reason: str) -> int:
    """Delete all of `person`'s API tokens, with one audit row naming how many and why."""
    count, _details = ApiToken.objects.filter(user=person).delete()
    if count:
        audit_record(
            actor=actor,
            action="person.api_tokens_revoke",
            target=person,
            changes={"count": count, "reason": reason},
        )
    return count


@transaction.atomic
def person_api_tokens_revoke(*, actor, person: User, reason: str = "revoke") -> int:
    """Revoke every API token of `person` (the person themself, or an admin). Returns how many."""
    _require_self_or_admin(actor, person)
    return _api_tokens_delete(actor=actor, person=person, reason=reason)


@transaction.atomic
def person_sign_in_unlock(*, actor, person: User) -> int:
    """Lift the pause on signing in to `person`'s account (admins): the failed attempts made for it are
    forgotten. A paused client address is lifted in Django admin, Axes → access attempts."""
    from axes.handlers.proxy import AxesProxyHandler

    _require_admin(actor)
    count = AxesProxyHandler.reset_attempts(username=person.email)
    audit_record(actor=actor, action="person.sign_in_unlock", target=person, changes={"attempts": count})
    return count


@transaction.atomic
def api_token_create(*, actor, person: User, label: str = "") -> tuple[ApiToken, str]:
    """Make an API token for `person` (people make their own only) and return it with its key.

    The key is not stored, so it cannot be shown again. The token expires after LUMEN_API_TOKEN_TTL_DAYS.
    The person's tokens that stopped working are cleared away; past API_TOKENS_PER_PERSON working ones, the
    oldest are revoked.
    """
    if not (actor and actor.is_authenticated and actor.pk == person.pk and person.is_active):
        raise NotAllowed(_("People make their own API tokens."))
    label = (label or "").strip()
    if len(label) > 100:
        raise Invalid({"label": [_("At most 100 characters.")]})
    now = timezone.now()
    auth_hash = person.get_session_auth_hash()
    mine = ApiToken.objects.filter(user=person)
    mine.filter(expires_at__lte=now).delete()
    # Made before a password change or a sign-out everywhere (the portal's fallback keys still count).
    from .selectors import auth_hashes

    mine.exclude(auth_hash__in=auth_hashes(person)).delete()
    surplus = list(
        mine.order_by("-created_at", "-id").values_list("pk", flat=True)[API_TOKENS_PER_PERSON - 1 :]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
        audit_record(
            actor=actor,
            action="person.api_tokens_revoke",
            target=person,
            changes={"count": len(surplus), "reason": "limit"},
        )
    key = secrets.token_urlsafe(32)
    ttl = datetime.timedelta(days=max(1, settings.LUMEN_API_TOKEN_TTL_DAYS))
    token = ApiToken.objects.create(
        user=person,
        label=label,
        prefix=key[:API_TOKEN_PREFIX_LENGTH],
        key_hash=ApiToken.digest(key),
        auth_hash=auth_hash,
        created_at=now,
        expires_at=now + ttl,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        changes={"label": label, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke one API token: it stops working at once. Only its owner revokes it (admins sign people out
    everywhere instead)."""
    if not (actor and actor.is_authenticated and actor.pk == token.user_id):
        raise NotAllowed(_("Only the owner revokes an API token."))
    audit_record(actor=actor, action="api_token.revoke", target=token, changes={"prefix": token.prefix})
    ApiToken.objects.filter(pk=token.pk).delete()


def api_token_touch(*, token: ApiToken) -> None:
    """Note that `token` was just used (for its owner's list). Bookkeeping, not a change anybody made: no
    audit row, and at most one write per API_TOKEN_TOUCH_INTERVAL."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def _password_store(person: User, password: str) -> None:
    try:
        validate_password(password, person)
    except ValidationError as exc:
        raise Invalid({"password": exc.messages}) from exc
    person.set_password(password)
    person.save(update_fields=["password"])


@transaction.atomic
def person_password_change(*, actor, person: User, password: str) -> User:
    """Set a new password (the person themself, who proved the old one, or an admin).

    Every session and API token of the person stops working; the caller keeps the current session with
    Django's update_session_auth_hash when the person changed their own password.
    """
    _require_self_or_admin(actor, person)
    _password_store(person, password)
    audit_record(actor=actor, action="person.password_change", target=person)
    _api_tokens_delete(actor=actor, person=person, reason="password_change")
    return person


@transaction.atomic
def person_password_reset(*, person: User, password: str) -> User:
    """Set a new password through a reset link (the caller checked the link; nobody is signed in).

    Every session and API token of the person stops working.
    """
    _password_store(person, password)
    audit_record(actor=None, action="person.password_reset", target=person)
    _api_tokens_delete(actor=None, person=person, reason="password_reset")
    return person


@transaction.atomic
def person_sign_out_everywhere(*, actor, person: User) -> User:
    """End every session of `person` in every browser and app, and revoke their API tokens (the person
    themself, or an admin). The caller keeps its own session with update_session_auth_hash when the person
    signs out their other sessions."""
    _require_self_or_admin(actor, person)
    User.objects.filter(pk=person.pk).update(auth_generation=F("auth_generation") + 1)
    person.refresh_from_db(fields=["auth_generation"])
    audit_record(
        actor=actor,
        action="person.sign_out_everywhere",
        target=person,
        changes={"auth_generation": person.auth_generation},
    )
    _api_tokens_delete(actor=actor, person=person, reason="sign_out_everywhere")
    return person


def password_reset_email_digest(email: str) -> str:
    return salted_hmac(
        PASSWORD_RESET_DIGEST_SALT, (email or "").strip().lower(), algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def password_reset_request(*, email: str, address: str | None) -> None:
    """Someone asks for a password reset link for `email` from the client address `address`.

    Limited per e-mail address (LUMEN_PASSWORD_RESET_EMAIL_LIMIT) and per client address
    (LUMEN_PASSWORD_RESET_ADDRESS_LIMIT) within LUMEN_PASSWORD_RESET_WINDOW_MINUTES, whether or not anybody
    uses the address, so that the limit tells nothing and reset cannot flood a mailbox. Over a limit:
    TooManyRequests. The mail goes from a job after commit, so the answer takes as long whether or not the
    address belongs to somebody.
    """
    now = timezone.now()
    window = datetime.timedelta(minutes=settings.LUMEN_PASSWORD_RESET_WINDOW_MINUTES)
    since = now - window
    PasswordResetRequest.objects.filter(created_at__lt=since).delete()
    digest = password_reset_email_digest(email)
    recent = PasswordResetRequest.objects.filter(created_at__gte=since)
    by_email = recent.filter(email_digest=digest)
    by_address = recent.filter(address=address)
    limited = [
        qs
        for qs, limit in (
            (by_email, settings.LUMEN_PASSWORD_RESET_EMAIL_LIMIT),
            (by_address, settings.LUMEN_PASSWORD_RESET_ADDRESS_LIMIT),
        )
        if qs.count() >= limit
    ]
    if limited:
        firsts = [qs.order_by("created_at").values_list("created_at", flat=True).first() for qs in limited]
        oldest = min((first for first in firsts if first is not None), default=now)
        retry_after = max(1, int((oldest + window - now).total_seconds()))
        raise TooManyRequests(
            _("Too many requests for a password reset. Try again later."), retry_after=retry_after
        )
    PasswordResetRequest.objects.create(email_digest=digest, address=address, created_at=now)
    from . import jobs

    email = (email or "").strip()
    for person in User.objects.filter(email__iexact=email, is_active=True):
        if not person.has_usable_password():
            continue
        audit_record(
            actor=None, action="person.password_reset_request", target=person, changes={"address": address}
        )
        person_id = person.pk
        transaction.on_commit(lambda person_id=person_id: jobs.password_reset_mail_send.delay(person_id))
