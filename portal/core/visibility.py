"""Who may see what: the one structural rule as composable ``Q`` builders, plus explicit grants.

Every model's ``visible_to(user)`` composes the builders it needs and applies them with `visible`::

    def visible_to(self, user):
        return visible(
            self,
            user,
            lambda: owned_by(user, "author") | supervised_by(user, "author") | granted_to(user, WorkReport),
            sees_all=lambda: by_role(user, "reports.view_all"),
        )

The rules every builder keeps:

- Anonymous and inactive people see nothing: each builder answers `NOTHING` for them and `visible`
  returns ``none()`` before building anything.
- Roles that see everything (admins; holders of a permission such as HR's ``reports.view_all``) are a
  predicate (`by_role`), not a ``Q``: OR-ing "everything" into the filter would turn the list's index scans
  into a scan of the whole table, so `visible` returns ``all()`` instead. The rule and the role are passed
  as callables so that nothing is queried for a role that sees all (query budgets count those queries).
- Each builder is a column test on the row (or a many-to-one join), or an ``EXISTS`` subquery; never a
  join that multiplies rows. A list stays ONE SQL query and needs no ``.distinct()``.
- The department tree is a materialised path (django-treebeard MP): the sub-tree of the department a
  person heads is ``path LIKE '<head's path>%'``, one indexed test, no recursion.
- A builder that cannot match (not a head, nobody to check) returns `NOTHING`, which Django drops from an
  OR (it compiles to "empty result"), so the SQL is exactly the rule that applies.

Explicit grants ("shared with"). A sharable model has two small concrete models in its app:

- guardian's direct-foreign-key user object permission (a ``UserObjectPermissionBase`` subclass with a
  real ``content_object`` FK; ``GroupObjectPermissionBase`` likewise), so a person's grant is the
  ``view_<model>`` permission on one row of an indexed per-model table, and ``user.has_perm("app.view_x",
  obj)`` answers through guardian's backend without a generic (content type, text id) scan;
- an `ObjectGrantBase` subclass (``portal.core.models``): one row per grant of any kind, with who granted it
  and when. Departments (with or without their sub-departments) and workgroups are not auth groups, so
  their grants live only here; a person's grant is here too, as the sharing record.

Why both tables for a person: the issue asks for the person path on guardian's direct-FK table (checked
by guardian's backend, so the grant works for every ``has_perm`` caller), and a list of "shared with"
needs one uniform record with ``granted_by`` that guardian's table does not have. `portal.core.sharing`
writes both in one transaction; `granted_to` reads guardian's table for people and the grant table for
departments and workgroups, each as an ``EXISTS`` on an index that starts with ``content_object``.

Core imports no app: the department tree and the group memberships are registered by the people and
groups apps in their ``AppConfig.ready()`` (`register_department_tree`, `register_memberships`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery

from .models import ObjectGrantBase
from .permissions import is_portal_admin

# Matches no row. Django compiles it to "empty result", which an OR drops and an AND turns into none().
NOTHING = Q(pk__in=[])


@dataclass
class _Structure:
    headed_path: Callable | None = None  # user -> tree path of the department they head, or None
    person_department: str = "department"  # the FK from a person to their department
    department_path: str = "path"  # the department's materialised path
    memberships: Callable | None = None  # user -> queryset of their group memberships
    membership_group: str = "group"  # the FK from a membership to its group


_structure = _Structure()


def register_department_tree(
    *, headed_path: Callable, person_department: str = "department", department_path: str = "path"
) -> None:
    """Called by the people app: how to find the sub-tree a person heads and a person's department."""
    _structure.headed_path = headed_path
    _structure.person_department = person_department
    _structure.department_path = department_path


def register_memberships(*, memberships: Callable, group_field: str = "group") -> None:
    """Called by the groups app: a person's workgroup/project memberships (a queryset) and their group FK."""
    _structure.memberships = memberships
    _structure.membership_group = group_field


def _require(name: str):
    part = getattr(_structure, name)
    if part is None:
        raise ImproperlyConfigured(
            f"portal.core.visibility: nothing registered {name!r} (is the app installed?)"
        )
    return part


def is_active_person(user) -> bool:
    """Signed in and not deactivated: everybody else sees nothing."""
    return bool(user and user.is_authenticated and user.is_active)


def any_of(*rules: Q) -> Q:
    """OR the rules, leaving out those that cannot match; `NOTHING` when none is left."""
    kept = [rule for rule in rules if rule is not NOTHING]
    if not kept:
        return NOTHING
    return functools.reduce(lambda a, b: a | b, kept)


def visible(
    queryset: models.QuerySet,
    user,
    rule: Q | Callable[[], Q],
    *,
    sees_all: bool | Callable[[], bool] = False,
) -> models.QuerySet:
    """Apply a visibility rule: none for anonymous/inactive, everything for a role that sees all, else ONE
    filter (the rule's OR of columns and EXISTS subqueries: no duplicates, no ``.distinct()``)."""
    if not is_active_person(user):
        return queryset.none()
    if sees_all() if callable(sees_all) else sees_all:
        return queryset.all()
    q = rule() if callable(rule) else rule
    if q is NOTHING:
        return queryset.none()
    return queryset.filter(q)


# How many viewers' rules each memoised builder keeps per process (a rule is a few small objects).
VIEWER_RULES_MAX = 4096


def viewer_rule(*, heads: bool = False) -> Callable:
    """Memoise a rule builder ``builder(user) -> Q`` per viewer, across requests.

    Building a rule is all Python (``Q`` objects, the ``EXISTS`` subqueries' querysets): 2-5 ms for a rule of
    a few grants and lists, paid on every page that lists or opens the model, while the rule itself changes
    only with the viewer. A memoised builder must therefore read nothing of the viewer but their id, their
    department (``department_id``) and, with ``heads``, the path of the department they head (`supervised_by`):
    those make the key, read afresh on every request, so a person moved to another department or made a head
    gets their new rule at once. Everything else a rule depends on (memberships, grants, the rows' own
    columns) must stay in the SQL, as the builders here keep it: a membership or a grant changed since is
    then seen by the very next query. Roles (``sees_all``) are decided by `visible` before the rule is built,
    never inside it. ``Q`` objects are not changed by ``filter()`` or by ``&``/``|`` (both copy), so one rule
    serves every request of its viewer."""

    def decorate(builder: Callable[[object], Q]) -> Callable[[object], Q]:
        rules: dict[tuple, Q] = {}

        @functools.wraps(builder)
        def memoised(user) -> Q:
            if not is_active_person(user):
                return NOTHING
            key = (
                user.pk,
                getattr(user, f"{_structure.person_department}_id", None),
                _require("headed_path")(user) if heads else None,
            )
            rule = rules.get(key)
            if rule is None:
                if len(rules) >= VIEWER_RULES_MAX:
                    rules.clear()
                rule = rules[key] = builder(user)
            return rule

        memoised.cache_clear = rules.clear  # type: ignore[attr-defined]
        return memoised

    return decorate


# --- the builders ----------------------------------------------------------------------------------------


def by_role(user, *perms: str, admins: bool = True) -> bool:
    """Whether the user's role sees every row: an active admin (staff or superuser), or an active holder of
    one of ``perms`` (e.g. HR's ``"reports.view_all"``). A predicate for `visible`'s ``sees_all``."""
    if not is_active_person(user):
        return False
    if admins and is_portal_admin(user):
        return True
    return any(user.has_perm(perm) for perm in perms)


def owned_by(user, *fields: str) -> Q:
    """Rows whose ``fields`` (person FKs: owner, creator, responsible, author...) name the user."""
    if not is_active_person(user):
        return NOTHING
    return any_of(*(Q(**{field: user}) for field in fields))


def listed_on(
    user, through: type[models.Model], object_field: str, user_field: str = "user", *, outer="pk"
) -> Q:
    """Rows on whose people list the user is (a task's participants and observers, say): ``EXISTS`` on the
    ``through`` model's row ``(object_field = row, user_field = user)``."""
    if not is_active_person(user):
        return NOTHING
    rows = through._default_manager.filter(**{object_field: OuterRef(outer), user_field: user})
    return Q(Exists(rows))


def _member_rows(user) -> models.QuerySet:
    return _require("memberships")(user)


def in_groups_of(user, field: str) -> Q:
    """Rows whose workgroup/project ``field`` is one the user is a member of (``EXISTS`` on memberships)."""
    if not is_active_person(user):
        return NOTHING
    return Q(Exists(_member_rows(user).filter(**{_structure.membership_group: OuterRef(field)})))


def supervised_by(user, *person_fields: str) -> Q:
    """Rows whose person ``person_fields`` belong to the department the user heads or to any department
    under it (the tree's path prefix: one indexed test). `NOTHING` for someone who heads no department.

    The head's path is memoised on the user object by the people app, so a request pays one query for it.
    """
    path = _require("headed_path")(user) if is_active_person(user) else None
    if not path:
        return NOTHING
    lookup = f"{_structure.person_department}__{_structure.department_path}__startswith"
    return any_of(*(Q(**{f"{field}__{lookup}": path}) for field in person_fields))


@functools.cache
def grant_model_for(model: type[models.Model]) -> type[ObjectGrantBase] | None:
    """The `ObjectGrantBase` subclass whose ``content_object`` points at ``model``, if it is sharable."""
    return _direct_fk_model(model, ObjectGrantBase)


@functools.cache
def user_permission_model_for(model: type[models.Model]):
    """guardian's direct-FK user object permission model of ``model`` (``None`` if it has none)."""
    from guardian.models import UserObjectPermissionBase

    return _direct_fk_model(model, UserObjectPermissionBase)


def _direct_fk_model(model, base) -> type[models.Model] | None:
    concrete = model._meta.concrete_model
    for rel in concrete._meta.related_objects:
        related = rel.related_model
        if isinstance(related, type) and issubclass(related, base) and rel.field.name == "content_object":
            return related
    return None


def view_codename(model: type[models.Model]) -> str:
    return f"view_{model._meta.model_name}"


def granted_to(user, model: type[models.Model], *, outer: str = "pk") -> Q:
    """Rows shared with the user explicitly: with them (guardian's ``view_<model>`` on the model's direct-FK
    table), with their department (or a department above it, when granted with its sub-departments), or
    with a workgroup they are a member of. Each part is one ``EXISTS`` on an index led by content_object.
    """
    if not is_active_person(user):
        return NOTHING
    rules = []
    perm_model = user_permission_model_for(model)
    if perm_model is not None:
        perms = perm_model.objects.filter(
            content_object=OuterRef(outer), user=user, permission__codename=view_codename(model)
        )
        rules.append(Q(Exists(perms)))
    grant_model = grant_model_for(model)
    if grant_model is not None:
        rows = grant_model._default_manager.filter(content_object=OuterRef(outer)).filter(
            grantee_q(user, grant_model)
        )
        rules.append(Q(Exists(rows)))
    return any_of(*rules)


def grantee_q(user, grant_model: type[ObjectGrantBase], *, people: bool = False) -> Q:
    """The rows of ``grant_model`` (an `ObjectGrantBase` subclass) that name the user: their department (or a
    department above it, granted with its sub-departments) or a workgroup they are a member of; with
    ``people``, their own grant too. For a model whose grants carry more than "view" (a role), so that the
    app filters the same grantees by its own column."""
    if not is_active_person(user):
        return NOTHING
    grantee = Q(workgroup__in=_member_rows(user).values(_structure.membership_group))
    if people:
        grantee |= Q(user=user)
    department_id = getattr(user, f"{_structure.person_department}_id", None)
    if department_id:
        # The viewer's department and the departments above it (their paths are prefixes of its path).
        departments = grant_model._meta.get_field("department").related_model._base_manager
        path = _structure.department_path
        own_path = departments.filter(pk=department_id).values(path)[:1]
        above_or_own = (
            departments.annotate(_viewer_path=Subquery(own_path))
            .filter(_viewer_path__startswith=F(path))
            .values("pk")
        )
        grantee |= Q(department_id=department_id) | Q(
            include_subdepartments=True, department__in=above_or_own
        )
    return grantee
