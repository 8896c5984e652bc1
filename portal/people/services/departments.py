"""The structure: departments, their heads and their stored head counts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid
from portal.core.permissions import is_portal_admin

from ..models import Company, Department, Invitation, User
from ..selectors import company_changed
from .permissions import _require_manager


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
        transaction.on_commit(company_changed)  # an update() sends no signal: forget the cached company
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
