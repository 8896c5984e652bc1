"""People: adding, editing, moving, switching off and making administrators."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.attachments import CleanImage, check_image_upload
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..models import Company, Department, User
from .departments import departments_recount
from .permissions import _require_admin, _require_manager

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
