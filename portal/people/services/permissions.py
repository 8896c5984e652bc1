"""Who may change the company's structure and invite people: the rules the services below check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.core.errors import NotAllowed
from portal.core.permissions import is_portal_admin

from ..models import Department


def can_manage_department(user, department: Department) -> bool:
    """Admins manage every department; a head manages the departments of the sub-tree they head."""
    from ..selectors import departments_managed_by

    if not (user and user.is_authenticated and user.is_active):
        return False
    return departments_managed_by(user).filter(pk=department.pk).exists()


def can_invite(user) -> bool:
    """Admins and supervisors invite people (into the departments they manage)."""
    from ..selectors import is_supervisor

    return is_portal_admin(user) or is_supervisor(user)


def _require_admin(actor) -> None:
    if not is_portal_admin(actor):
        raise NotAllowed(_("Only a portal administrator may do this."))


def _require_manager(actor, department: Department) -> None:
    if not can_manage_department(actor, department):
        raise NotAllowed(_("You may not manage this department."))
