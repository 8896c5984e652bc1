"""Writes of spaces: create, change, delete, and who reads, edits and administers them.

Who may create a space: portal admins any space; anyone their own personal space (one each); a department's
head a space of their department. The space's administrators change it and its rights.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin
from portal.core.sharing import object_share, object_unshare
from portal.core.visibility import is_active_person

from ..choices import EveryoneAccess, PageLanguage, SpaceKind, SpaceRole
from ..models import Space, SpaceGrant
from ..selectors.spaces import space_may_admin, space_role

ICONS = (
    "bi-journal-text", "bi-book", "bi-bullseye", "bi-shield-check", "bi-building", "bi-people",
    "bi-kanban", "bi-person", "bi-lightbulb", "bi-gear", "bi-briefcase", "bi-mortarboard",
)  # fmt: skip
FIELDS = ("title", "description", "icon", "everyone_access", "language", "responsible", "moderated")


def space_may_create(*, user, kind: str, department=None) -> bool:
    """Whether `user` may make a space of `kind` (a department space: of `department`)."""
    if not is_active_person(user):
        return False
    if is_portal_admin(user) or kind == SpaceKind.PERSONAL:
        return True
    return bool(kind == SpaceKind.DEPARTMENT and department is not None and department.head_id == user.pk)


def _check(*, title: str, responsible, icon: str) -> dict:
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the space a title.")]
    if responsible is None or not responsible.is_active:
        errors["responsible"] = [_("Name the responsible editor: someone working here.")]
    if icon and not icon.startswith("bi-"):
        errors["icon"] = [_("Choose one of the icons.")]
    return errors


@transaction.atomic
def space_create(
    *,
    actor,
    title: str,
    kind: str = SpaceKind.COMPANY,
    responsible=None,
    description: str = "",
    icon: str = "bi-journal-text",
    everyone_access: str = EveryoneAccess.READ,
    language: str = PageLanguage.ENGLISH,
    department=None,
    workgroup=None,
    moderated: bool = False,
    key: str = "",
) -> Space:
    """Make a space. A personal space belongs to the actor, is theirs alone and one per person; a department
    or workgroup space is read by that department (with its sub-departments) or workgroup; the responsible
    editor (the actor by default) administers it. Audited as ``kb.space.create``."""
    if kind not in SpaceKind.values:
        raise Invalid(fields={"kind": [_("Choose the kind of space.")]})
    if not space_may_create(user=actor, kind=kind, department=department):
        raise NotAllowed(_("You may not create this kind of space."))
    responsible = responsible or actor
    errors = _check(title=title, responsible=responsible, icon=icon)
    owner = None
    if kind == SpaceKind.PERSONAL:
        owner = actor
        everyone_access = EveryoneAccess.NONE
        if Space.objects.filter(kind=SpaceKind.PERSONAL, owner=actor).exists():
            errors["kind"] = [_("You already have a personal space.")]
    if kind == SpaceKind.DEPARTMENT and department is None:
        errors["department"] = [_("Choose the department.")]
    if kind == SpaceKind.WORKGROUP and workgroup is None:
        errors["workgroup"] = [_("Choose the workgroup or project.")]
    if errors:
        raise Invalid(fields=errors)
    space = Space.objects.create(
        kind=kind,
        title=title.strip(),
        description=description or "",
        icon=icon or "bi-journal-text",
        responsible=responsible,
        owner=owner,
        department=department if kind == SpaceKind.DEPARTMENT else None,
        workgroup=workgroup if kind == SpaceKind.WORKGROUP else None,
        everyone_access=everyone_access,
        language=language,
        moderated=moderated,
        key=key,
        created_by=actor,
    )
    # The first grants are the creation's own (already checked above), not a sharing by an administrator.
    if kind == SpaceKind.DEPARTMENT:
        SpaceGrant.objects.create(
            content_object=space,
            role=SpaceRole.READ,
            department=department,
            include_subdepartments=True,
            granted_by=actor,
        )
    elif kind == SpaceKind.WORKGROUP:
        SpaceGrant.objects.create(
            content_object=space, role=SpaceRole.READ, workgroup=workgroup, granted_by=actor
        )
    if actor.pk not in (responsible.pk, getattr(owner, "pk", None)) and not is_portal_admin(actor):
        SpaceGrant.objects.create(content_object=space, role=SpaceRole.ADMIN, user=actor, granted_by=actor)
        assign_perm("knowledgebase.view_space", actor, space)
    audit_record(actor=actor, action="kb.space.create", target=space, changes={"title": [None, space.title]})
    return space


def _require_admin(actor, space: Space) -> None:
    from portal.core.errors import NotFound

    if space_role(user=actor, space=space) is None:
        raise NotFound(_("No space matches the given query."))
    if not space_may_admin(user=actor, space=space):
        raise NotAllowed(_("Only the space's administrators may change it."))


@transaction.atomic
def space_update(*, actor, space: Space, **values) -> Space:
    """Change the space's title, description, icon, everyone's access, language, responsible editor or
    moderation (its administrators). Audited as ``kb.space.update`` with what changed."""
    _require_admin(actor, space)
    unknown = set(values) - set(FIELDS) - {"home_page"}
    if unknown:
        raise TypeError(f"space_update: unknown fields {sorted(unknown)}")
    errors = _check(
        title=values.get("title", space.title),
        responsible=values.get("responsible", space.responsible),
        icon=values.get("icon", space.icon),
    )
    home = values.get("home_page", space.home_page)
    if home is not None and home.space_id != space.pk:
        errors["home_page"] = [_("The home page must be a page of this space.")]
    if (
        space.kind == SpaceKind.PERSONAL
        and values.get("everyone_access", EveryoneAccess.NONE) != EveryoneAccess.NONE
    ):
        errors["everyone_access"] = [
            _("A personal space is yours alone; share it with named people instead.")
        ]
    if errors:
        raise Invalid(fields=errors)
    changes = {}
    for field, value in values.items():
        before = getattr(space, field)
        if before != value:
            changes[field] = [
                str(before) if before is not None else None,
                str(value) if value is not None else None,
            ]
            setattr(space, field, value)
    if changes:
        space.save(update_fields=[*values.keys(), "updated_at"])
        space.__dict__.pop("_kb_roles", None)
        audit_record(actor=actor, action="kb.space.update", target=space, changes=changes)
    return space


def _grant(
    *, actor, space: Space, role: str, user=None, department=None, include_subdepartments=False, group=None
):
    grant = object_share(
        actor=actor,
        obj=space,
        user=user,
        department=department,
        include_subdepartments=include_subdepartments,
        group=group,
    )
    if grant.role != role:
        grant.role = role
        grant.save(update_fields=["role"])
    return grant


@transaction.atomic
def space_rights_set(
    *,
    actor,
    space: Space,
    everyone_access: str | None = None,
    readers: dict | None = None,
    editors: dict | None = None,
    admins: dict | None = None,
) -> Space:
    """Set who reads, edits and administers `space` (its administrators). Each of `readers`, `editors` and
    `admins` is ``{"users": [...], "departments": [...], "groups": [...]}`` (departments count with their
    sub-departments); a grantee named under several roles gets the strongest. The grants not named any more
    are withdrawn (through `portal.core.sharing`, which audits each). Audited as ``kb.space.rights``."""
    _require_admin(actor, space)
    wanted: dict[tuple[str, int], str] = {}
    order = [(SpaceRole.READ, readers), (SpaceRole.EDIT, editors), (SpaceRole.ADMIN, admins)]
    for role, audience in order:
        for kind in ("users", "departments", "groups"):
            for item in (audience or {}).get(kind, ()):
                wanted[(kind, getattr(item, "pk", item))] = role  # later (stronger) roles win
    if everyone_access is not None:
        if everyone_access not in EveryoneAccess.values:
            raise Invalid(fields={"everyone_access": [_("Choose what everyone may do.")]})
        if space.kind == SpaceKind.PERSONAL and everyone_access != EveryoneAccess.NONE:
            raise Invalid(
                fields={
                    "everyone_access": [
                        _("A personal space is yours alone; share it with named people instead.")
                    ]
                }
            )
    existing = {}
    for grant in SpaceGrant.objects.filter(content_object=space):
        kind = "users" if grant.user_id else ("departments" if grant.department_id else "groups")
        existing[(kind, grant.user_id or grant.department_id or grant.workgroup_id)] = grant
    for key, grant in existing.items():
        if key not in wanted:
            object_unshare(actor=actor, grant=grant)
    from portal.groups.models import Workgroup
    from portal.people.models import Department, User

    models = {"users": User, "departments": Department, "groups": Workgroup}
    for (kind, pk), role in wanted.items():
        target = models[kind]._default_manager.filter(pk=pk).first()
        if target is None:
            raise Invalid(fields={kind: [_("Some of the chosen no longer exist.")]})
        grant = existing.get((kind, pk))
        if grant is not None and grant.role == role:
            continue
        _grant(
            actor=actor,
            space=space,
            role=role,
            user=target if kind == "users" else None,
            department=target if kind == "departments" else None,
            include_subdepartments=kind == "departments",
            group=target if kind == "groups" else None,
        )
    if everyone_access is not None and everyone_access != space.everyone_access:
        before = space.everyone_access
        space.everyone_access = everyone_access
        space.save(update_fields=["everyone_access", "updated_at"])
        audit_record(
            actor=actor,
            action="kb.space.rights",
            target=space,
            changes={"everyone_access": [before, everyone_access]},
        )
    space.__dict__.pop("_kb_roles", None)
    return space


@transaction.atomic
def space_delete(*, actor, space: Space) -> None:
    """Delete a space with all its pages (its administrators; a built-in space stays). Audited."""
    _require_admin(actor, space)
    if space.key:
        raise Invalid(_("A built-in space cannot be deleted; rename it instead."), code="builtin")
    audit_record(actor=actor, action="kb.space.delete", target=space, changes={"title": [space.title, None]})
    space.delete()
