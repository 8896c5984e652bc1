"""Writing CRM roles (their table of levels, their flags, who holds them) and the CRM's general settings.

Only CRM administrators change them. A person's levels are read afresh on every request (`crm.rights` memoises
them on the request's user object only), so a change takes effect on the next request of everybody concerned.
A CRM administrator who is not a portal administrator cannot take away their own administration (by deleting
or editing the role that gives it): nobody but a portal administrator could give it back. Portal
administrators are CRM administrators whatever the roles say, so the CRM never ends up without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotFound

from .. import rights
from ..choices import Action, Entity, LeadStatus, Level
from ..counters import LEADS_UNTAKEN, recount_for
from ..models import CrmRole, CrmRoleAssignment, CrmRolePermission, CrmSettings, Lead

ROLE_FIELDS = ["name", "is_admin", "is_default"]
SETTINGS_FIELDS = ["lead_take_minutes", "won_post_enabled", "won_post_threshold", "default_region"]


def _clean_levels(levels: Mapping) -> dict[tuple[str, str], int]:
    """{(entity, action): level} for every cell of the table (missing cells are "none")."""
    clean: dict[tuple[str, str], int] = {}
    valid = set(Level.values)
    for entity in Entity.values:
        for action in Action.values:
            value = int(levels.get((entity, action), Level.NONE) or Level.NONE)
            if value not in valid:
                raise Invalid(fields={"levels": [_("Unknown level.")]})
            clean[(entity, action)] = value
    unknown = [key for key in levels if key not in clean]
    if unknown:
        raise Invalid(fields={"levels": [_("Unknown entity or action.")]})
    return clean


def _role_levels(role: CrmRole) -> dict[str, int]:
    return {
        f"{entity}.{action}": level
        for entity, action, level in role.permissions.values_list("entity", "action", "level")
        if level
    }


def _role_grantees(role: CrmRole) -> dict[str, list]:
    rows = role.assignments.values_list("user_id", "department_id", "include_subdepartments")
    return {
        "users": sorted(user for user, _dept, _sub in rows if user),
        "departments": sorted(f"{dept}{'+' if sub else ''}" for _user, dept, sub in rows if dept),
    }


def _set_levels(role: CrmRole, levels: dict[tuple[str, str], int]) -> None:
    role.permissions.all().delete()
    CrmRolePermission.objects.bulk_create(
        CrmRolePermission(role=role, entity=entity, action=action, level=level)
        for (entity, action), level in levels.items()
        if level > Level.NONE
    )


def _set_grantees(
    role: CrmRole, *, users: Iterable, departments: Iterable, subtree_departments: Iterable
) -> None:
    """Replace who holds the role: people, departments alone, departments with their sub-departments (a
    department named in both lists counts with its sub-departments)."""
    user_ids = {int(getattr(u, "pk", u)) for u in users}
    subtree = {int(getattr(d, "pk", d)) for d in subtree_departments}
    alone = {int(getattr(d, "pk", d)) for d in departments} - subtree
    role.assignments.all().delete()
    CrmRoleAssignment.objects.bulk_create(
        [CrmRoleAssignment(role=role, user_id=pk) for pk in sorted(user_ids)]
        + [
            CrmRoleAssignment(role=role, department_id=pk, include_subdepartments=pk in subtree)
            for pk in sorted(alone | subtree)
        ]
    )


def _keep_own_admin(actor) -> None:
    """Refuse a change that leaves its CRM-administrator author without administration (see the module)."""
    rights.forget(actor)
    if not rights.is_crm_admin(actor):
        raise Invalid(
            fields={
                "is_admin": [
                    _(
                        "This would take away your own CRM administration; ask a portal administrator "
                        "or give it to you by another role first."
                    )
                ]
            }
        )


def _save_unique(role: CrmRole, **kwargs) -> None:
    try:
        with transaction.atomic():
            role.save(**kwargs)
    except IntegrityError:
        raise Invalid(fields={"name": [_("A role with this name exists already.")]}) from None


@transaction.atomic
def role_create(
    *,
    actor,
    name: str,
    is_admin: bool = False,
    is_default: bool = False,
    levels: Mapping | None = None,
    users: Iterable = (),
    departments: Iterable = (),
    subtree_departments: Iterable = (),
) -> CrmRole:
    """Create a role with its table of levels ({(entity, action): level}) and the people and departments who
    hold it."""
    rights.require_crm_admin(actor)
    name = (name or "").strip()
    if not name:
        raise Invalid(fields={"name": [_("Give the role a name.")]})
    table = _clean_levels(levels or {})
    role = CrmRole(name=name, is_admin=bool(is_admin), is_default=bool(is_default))
    _save_unique(role)
    _set_levels(role, table)
    _set_grantees(role, users=users, departments=departments, subtree_departments=subtree_departments)
    audit_record(
        actor=actor,
        action="crm.role_create",
        target=role,
        changes={**snapshot(role, ROLE_FIELDS), "levels": _role_levels(role), **_role_grantees(role)},
    )
    return role


@transaction.atomic
def role_update(
    *,
    actor,
    role: CrmRole,
    name: str,
    is_admin: bool,
    is_default: bool,
    levels: Mapping,
    users: Iterable = (),
    departments: Iterable = (),
    subtree_departments: Iterable = (),
) -> CrmRole:
    """Change a role's name, flags, table and holders at once; the audit row keeps what changed."""
    rights.require_crm_admin(actor)
    role = CrmRole.objects.select_for_update().filter(pk=role.pk).first()
    if role is None:
        raise NotFound()
    name = (name or "").strip()
    if not name:
        raise Invalid(fields={"name": [_("Give the role a name.")]})
    table = _clean_levels(levels)
    before = {**snapshot(role, ROLE_FIELDS), "levels": _role_levels(role), **_role_grantees(role)}
    role.name, role.is_admin, role.is_default = name, bool(is_admin), bool(is_default)
    _save_unique(role, update_fields=ROLE_FIELDS)
    _set_levels(role, table)
    _set_grantees(role, users=users, departments=departments, subtree_departments=subtree_departments)
    after = {**snapshot(role, ROLE_FIELDS), "levels": _role_levels(role), **_role_grantees(role)}
    _keep_own_admin(actor)
    changes = diff(before, after)
    if changes:
        audit_record(actor=actor, action="crm.role_update", target=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor, role: CrmRole) -> None:
    """Delete a role (its table and assignments go with it)."""
    rights.require_crm_admin(actor)
    role = CrmRole.objects.select_for_update().filter(pk=role.pk).first()
    if role is None:
        raise NotFound()
    audit_record(
        actor=actor,
        action="crm.role_delete",
        target=role,
        changes={**snapshot(role, ROLE_FIELDS), "levels": _role_levels(role), **_role_grantees(role)},
    )
    role.delete()
    _keep_own_admin(actor)


@transaction.atomic
def crm_settings_update(*, actor, **values) -> CrmSettings:
    """Change the CRM's general settings (`SETTINGS_FIELDS`)."""
    rights.require_crm_admin(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(fields={name: [_("Unknown setting.")] for name in sorted(unknown)})
    current = CrmSettings.current()
    row = CrmSettings.objects.select_for_update().get(pk=current.pk)
    before = snapshot(row, SETTINGS_FIELDS)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        row.full_clean()
    except ValidationError as error:
        raise Invalid(fields=error.message_dict) from None
    fields = list(values)
    if "won_post_threshold" in fields:
        fields.append("won_post_threshold_currency")  # django-money keeps the currency in a column of its own
    row.save(update_fields=fields)
    if before["lead_take_minutes"] != row.lead_take_minutes:
        # The time a new lead may wait changed: so did who has leads waiting too long.
        people = Lead.objects.filter(status=LeadStatus.NEW, taken_at__isnull=True).values_list(
            "responsible_id", flat=True
        )
        recount_for(set(people.order_by().distinct()), [LEADS_UNTAKEN])
    changes = diff(before, snapshot(row, SETTINGS_FIELDS))
    if changes:
        audit_record(actor=actor, action="crm.settings_update", target=row, changes=changes)
    return row
