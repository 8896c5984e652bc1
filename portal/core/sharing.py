"""Sharing one object with a person, a department (with or without sub-departments) or a workgroup.

The services write the grant (see `portal.core.visibility` for how grants are stored and read) and an
audit row in the same transaction. Who may share is the model's call:

- a method ``may_share(user) -> bool`` on the object, if it has one; else
- a class attribute ``share_owner_fields`` (e.g. ``("creator", "responsible")``): those people may share;
- admins may always share. In every case the actor must be able to see the object.

An object the actor cannot see answers `NotFound` (existence does not leak); one they see but may not
share answers `NotAllowed`. Sharing twice keeps one grant (and writes no second audit row).
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from .audit import audit_record
from .errors import Invalid, NotAllowed, NotFound
from .models import ObjectGrantBase
from .permissions import is_portal_admin
from .visibility import grant_model_for, is_active_person, user_permission_model_for, view_codename


def _grant_model(obj: models.Model) -> type[ObjectGrantBase]:
    model = grant_model_for(type(obj))
    if model is None:
        raise Invalid(f"A {obj._meta.verbose_name} cannot be shared.", code="not_sharable")
    return model


def _perm(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{view_codename(type(obj))}"


def object_visible(*, user, obj: models.Model) -> bool:
    """Whether ``user`` sees ``obj`` through its model's ``visible_to`` (one query)."""
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def object_may_share(*, user, obj: models.Model) -> bool:
    """Whether ``user`` may share ``obj`` (not counting visibility): the model's ``may_share``, else one of
    its ``share_owner_fields``, else only admins."""
    if not is_active_person(user):
        return False
    if is_portal_admin(user):
        return True
    may_share = getattr(obj, "may_share", None)
    if callable(may_share):
        return bool(may_share(user))
    fields = getattr(type(obj), "share_owner_fields", ())
    return any(getattr(obj, f"{field}_id", None) == user.pk for field in fields)


def _check_actor(actor, obj: models.Model) -> None:
    if not is_active_person(actor) or not object_visible(user=actor, obj=obj):
        raise NotFound(f"No {obj._meta.verbose_name} matches the given query.")
    if not object_may_share(user=actor, obj=obj):
        raise NotAllowed(f"You may not share this {obj._meta.verbose_name}.")


def _grantee_repr(grant: ObjectGrantBase) -> dict:
    return {
        "kind": grant.grantee_kind,
        "grantee": grant.grantee,
        "include_subdepartments": grant.include_subdepartments,
    }


@transaction.atomic
def object_share(
    *,
    actor,
    obj: models.Model,
    user=None,
    department=None,
    include_subdepartments: bool = False,
    group=None,
) -> ObjectGrantBase:
    """Share ``obj`` with exactly one of ``user``, ``department`` (``include_subdepartments``: its whole
    sub-tree too) or ``group`` (a workgroup/project). Returns the grant; sharing again returns the same one
    (a department grant takes the new ``include_subdepartments``). Audited as ``object.share``."""
    grantees = [g for g in (user, department, group) if g is not None]
    if len(grantees) != 1:
        raise Invalid(fields={"__all__": [_("Share with exactly one person, department or group.")]})
    if include_subdepartments and department is None:
        raise Invalid(fields={"include_subdepartments": [_("Only a department has sub-departments.")]})
    _check_actor(actor, obj)
    grant_model = _grant_model(obj)
    if user is not None:
        lookup = {"user": user}
    elif department is not None:
        lookup = {"department": department}
    else:
        lookup = {"workgroup": group}
    # Lock the object's row: two concurrent shares of the same grantee then meet here, not at the constraint.
    type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()
    grant = grant_model._default_manager.filter(content_object=obj, **lookup).first()
    if grant is None:
        grant = grant_model._default_manager.create(
            content_object=obj, include_subdepartments=include_subdepartments, granted_by=actor, **lookup
        )
        changes = {"shared_with": [None, _grantee_repr(grant)]}
    elif department is not None and grant.include_subdepartments != include_subdepartments:
        before = _grantee_repr(grant)
        grant.include_subdepartments = include_subdepartments
        grant.save(update_fields=["include_subdepartments"])
        changes = {"shared_with": [before, _grantee_repr(grant)]}
    else:
        return grant  # already shared so: nothing changes, nothing to audit
    if user is not None and user_permission_model_for(type(obj)) is not None:
        assign_perm(_perm(obj), user, obj)  # guardian's direct-FK table: what visible_to and has_perm read
    audit_record(actor=actor, action="object.share", target=obj, changes=changes)
    return grant


@transaction.atomic
def object_unshare(*, actor, grant: ObjectGrantBase) -> None:
    """Withdraw one grant (and, for a person, guardian's ``view_<model>`` on the object). Audited as
    ``object.unshare``."""
    obj = grant.content_object
    _check_actor(actor, obj)
    before = _grantee_repr(grant)
    if grant.user_id and user_permission_model_for(type(obj)) is not None:
        remove_perm(_perm(obj), grant.user, obj)
    grant.delete()
    audit_record(actor=actor, action="object.unshare", target=obj, changes={"shared_with": [before, None]})


def object_grants(*, user, obj: models.Model) -> models.QuerySet:
    """The grants of ``obj`` (oldest first), for someone who may see it; `NotFound` otherwise."""
    if not object_visible(user=user, obj=obj):
        raise NotFound(f"No {obj._meta.verbose_name} matches the given query.")
    return (
        _grant_model(obj)
        ._default_manager.filter(content_object=obj)
        .select_related("user", "department", "workgroup", "granted_by")
        .order_by("created_at", "id")
    )


def object_grant_get(*, user, obj: models.Model, pk) -> ObjectGrantBase:
    """One grant of ``obj`` by id, for someone who may see the object; `NotFound` otherwise."""
    try:
        return object_grants(user=user, obj=obj).get(pk=pk)
    except (ValueError, TypeError, models.ObjectDoesNotExist) as exc:
        raise NotFound("No grant matches the given query.") from exc
