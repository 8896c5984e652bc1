"""The company: registering the portal on an empty database, and its portal-wide settings."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid

from ..choices import TIME_ZONE_CHOICES, GroupCreationPolicy
from ..models import Company, Department, User
from .departments import departments_recount
from .people import _normalise_email
from .permissions import _require_admin


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
