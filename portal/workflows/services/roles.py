"""Process roles ("accountant", "lawyer", "HR"...), changed by portal admins: a route step can name a role's
holders as approvers, and a template can let a role see all its processes.

A role's code is what routes name, so it is fixed once made; a role a route still names (a template's current
route, or the route of a process in progress) is not deleted, nor is a built-in one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..definitions import KEY_RE
from ..models import ProcessRole
from ..selectors.roles import routes_naming
from .defaults import BUILTIN_ROLE_KEYS

ROLE_FIELDS = ["name", "description"]


def _require_admin(actor) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise NotAllowed(_("Only a portal administrator manages process roles."))


def _clean(*, name: str, description: str) -> tuple[str, str, dict[str, list[str]]]:
    name = (name or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the role a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if len(description) > 300:
        errors["description"] = [_("At most 300 characters.")]
    return name, description, errors


def _member_ids(members: Iterable | None) -> tuple[list[int], dict[str, list[str]]]:
    ids = sorted({int(getattr(m, "pk", m)) for m in (members or ())})
    if ids and get_user_model().objects.filter(pk__in=ids, is_active=True).count() != len(ids):
        return ids, {"members": [_("Choose active employees.")]}
    return ids, {}


def _set_members(role: ProcessRole, ids: list[int]) -> list | None:
    before = sorted(role.members.values_list("pk", flat=True))
    if before == ids:
        return None
    role.members.set(ids)
    return [before, ids]


@transaction.atomic
def role_create(*, actor, key: str, name: str, description: str = "", members: Iterable = ()) -> ProcessRole:
    """A new role with its code (what routes name), its name and its holders."""
    _require_admin(actor)
    key = (key or "").strip().lower()
    name, description, errors = _clean(name=name, description=description)
    if not KEY_RE.match(key):
        errors["key"] = [_("The code must start with a letter and use a-z, 0-9 and _.")]
    elif ProcessRole.objects.filter(key=key).exists():
        errors["key"] = [_("A role with this code exists already.")]
    ids, member_errors = _member_ids(members)
    errors.update(member_errors)
    if errors:
        raise Invalid(fields=errors)
    role = ProcessRole.objects.create(key=key, name=name, description=description)
    if ids:
        role.members.set(ids)
    audit_record(
        actor=actor, action="workflows.role.create", target=role, changes={"key": key, "members": ids}
    )
    return role


@transaction.atomic
def role_update(
    *, actor, role: ProcessRole, name: str, description: str = "", members: Iterable | None = None
) -> ProcessRole:
    """Rename a role, change its description and (when given) its holders; the code stays."""
    _require_admin(actor)
    name, description, errors = _clean(name=name, description=description)
    ids, member_errors = _member_ids(members) if members is not None else ([], {})
    errors.update(member_errors)
    if errors:
        raise Invalid(fields=errors)
    before = snapshot(role, ROLE_FIELDS)
    role.name, role.description = name, description
    role.save(update_fields=[*ROLE_FIELDS, "updated_at"])
    changes = diff(before, snapshot(role, ROLE_FIELDS))
    if members is not None:
        moved = _set_members(role, ids)
        if moved:
            changes["members"] = moved
    if changes:
        audit_record(actor=actor, action="workflows.role.update", target=role, changes=changes)
    return role


@transaction.atomic
def role_members_set(*, actor, role: ProcessRole, members: Iterable) -> ProcessRole:
    """Who holds the role (replacing the holders before)."""
    _require_admin(actor)
    ids, errors = _member_ids(members)
    if errors:
        raise Invalid(fields=errors)
    moved = _set_members(role, ids)
    if moved:
        audit_record(actor=actor, action="workflows.role.members", target=role, changes={"members": moved})
    return role


@transaction.atomic
def role_delete(*, actor, role: ProcessRole) -> None:
    """Delete a role no route names; built-in roles stay."""
    _require_admin(actor)
    if role.key in BUILTIN_ROLE_KEYS:
        raise Invalid(
            _("A built-in role cannot be deleted: rename it or change its holders."), code="builtin"
        )
    names = routes_naming(role.key)
    if names:
        raise Invalid(
            _("The route of %(templates)s names this role: change the route first.")
            % {"templates": ", ".join(f"“{n}”" for n in names)},
            code="in_use",
        )
    audit_record(actor=actor, action="workflows.role.delete", target=role)
    role.delete()
