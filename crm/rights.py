"""Who may do what in the CRM: the levels of a person's roles, and the SQL filter each level means.

`levels(user)` reads every (entity, action, level) of the roles a person holds in ONE query (memoised on the
user object, so a request pays it once). A level becomes a ``Q`` on the record's responsible person:

- own: the person is responsible (and, for deals, an observer);
- own department: the responsible person works in the person's department;
- department with sub-departments: ... in it or any department under it (the tree's path prefix);
- all: every record (returned as ``all()``, not as a filter).

Portal admins and holders of a CRM administrator role see and do everything.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.core.errors import NotFound
from portal.core.permissions import is_portal_admin
from portal.core.visibility import NOTHING, any_of, is_active_person, visible

from .choices import Action, Entity, Level

_CACHE = "_crm_levels"


def _department_paths(user) -> tuple[int | None, str]:
    department = getattr(user, "department", None) if getattr(user, "department_id", None) else None
    return (getattr(user, "department_id", None), department.path if department is not None else "")


def levels(user) -> dict:
    """{(entity, action): level, "admin": bool} of the person's roles (default roles included)."""
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    from .models import CrmRole

    result: dict = {"admin": False}
    if not is_active_person(user):
        return result
    department_id = getattr(user, "department_id", None)
    held = Q(is_default=True) | Q(assignments__user=user)
    if department_id:
        from portal.people.models import Department

        # The departments above the person's (their path starts its path) as a subquery, so that reading the
        # rights does not load the department first.
        mine = Department.objects.filter(pk=department_id, path__startswith=OuterRef("path"))
        above = Department.objects.filter(Exists(mine)).exclude(pk=department_id).values("pk")
        held |= Q(assignments__department_id=department_id)
        held |= Q(assignments__department__in=above, assignments__include_subdepartments=True)
    rows = CrmRole.objects.filter(held).values_list(
        "is_admin", "permissions__entity", "permissions__action", "permissions__level"
    )
    for admin, entity, action, reach in rows:
        result["admin"] = result["admin"] or admin
        if entity is not None and reach > result.get((entity, action), Level.NONE):
            result[(entity, action)] = reach
    setattr(user, _CACHE, result)
    return result


def forget(user) -> None:
    """Drop the memoised levels (after the person's roles changed, in the same request)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def is_crm_admin(user) -> bool:
    """May change the CRM's settings (pipelines, fields, roles, intake channels): a portal admin or the holder
    of a CRM administrator role."""
    if not is_active_person(user):
        return False
    return is_portal_admin(user) or levels(user)["admin"]


def require_crm_admin(user) -> None:
    """The CRM's settings are for its administrators: anyone else is told they do not exist (404)."""
    if not is_crm_admin(user):
        raise NotFound()


def level(user, entity: str, action: str = Action.VIEW) -> int:
    """How far the person's right to `action` on `entity` reaches (a `Level`)."""
    if not is_active_person(user):
        return Level.NONE
    if is_crm_admin(user):
        return Level.ALL
    return levels(user).get((str(entity), str(action)), Level.NONE)


def may(user, entity: str, action: str) -> bool:
    """Whether the person holds `action` on `entity` at any level (may open the list, may create...)."""
    return level(user, entity, action) > Level.NONE


def scope_q(user, reach: int, *, responsible: str = "responsible", own: Callable[[], Q] | None = None) -> Q:
    """The rows a level reaches, as a filter on the record's `responsible` person FK."""
    if reach <= Level.NONE or not is_active_person(user):
        return NOTHING
    rules = [Q(**{responsible: user})]
    if own is not None:
        rules.append(own())
    if reach == Level.DEPARTMENT:
        department_id = getattr(user, "department_id", None)
        if department_id:
            rules.append(Q(**{f"{responsible}__department_id": department_id}))
    elif reach >= Level.SUBTREE:
        # Only this level needs the department's path (the others do not load the department).
        _department_id, path = _department_paths(user)
        if path:
            rules.append(Q(**{f"{responsible}__department__path__startswith": path}))
    return any_of(*rules)


def restrict(
    queryset: QuerySet,
    user,
    entity: str,
    action: str = Action.VIEW,
    *,
    responsible: str = "responsible",
    own: Callable[[], Q] | None = None,
) -> QuerySet:
    """The records of `queryset` the person may `action`: one filter, no per-row checks."""
    reach = level(user, entity, action)
    return visible(
        queryset,
        user,
        lambda: scope_q(user, reach, responsible=responsible, own=own),
        sees_all=lambda: reach >= Level.ALL,
    )


def allows(user, entity: str, action: str, record, *, observers: Callable[[], bool] | None = None) -> bool:
    """The same rule for one record already loaded (its `responsible` with the department, if it matters)."""
    reach = level(user, entity, action)
    if reach >= Level.ALL:
        return True
    if reach <= Level.NONE:
        return False
    if record.responsible_id == user.pk:
        return True
    if observers is not None and observers():
        return True
    if reach == Level.OWN or record.responsible_id is None:
        return False
    department_id, path = _department_paths(user)
    other = record.responsible
    if reach == Level.DEPARTMENT:
        return bool(department_id) and other.department_id == department_id
    return bool(path) and other.department_id is not None and other.department.path.startswith(path)


def people_in_reach(user, entity: str, action: str) -> Q:
    """The people the person may make responsible for a record (a ``Q`` on users): themselves at "own", their
    department's or sub-tree's people, or anybody at "all"; nobody without the right."""
    reach = level(user, entity, action)
    if reach >= Level.ALL:
        return Q()
    if reach <= Level.NONE:
        return NOTHING
    department_id, path = _department_paths(user)
    if reach == Level.DEPARTMENT and department_id:
        return Q(pk=user.pk) | Q(department_id=department_id)
    if reach >= Level.SUBTREE and path:
        return Q(pk=user.pk) | Q(department__path__startswith=path)
    return Q(pk=user.pk)


__all__ = [
    "Action",
    "Entity",
    "Level",
    "allows",
    "forget",
    "is_crm_admin",
    "require_crm_admin",
    "level",
    "levels",
    "may",
    "people_in_reach",
    "restrict",
    "scope_q",
]
