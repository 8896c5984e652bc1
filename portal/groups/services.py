"""Every write to workgroups, memberships, join requests and group files.

Each service is keyword-only and atomic, checks who may act (a group the actor may not see answers 404;
a visible group without the right answers 403), validates its input (ValidationError with a field dict),
writes an audit row and keeps the stored counters (`members_count`, `files_count`) right with F().
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.attachments import attachment_files_discard, attachment_store
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.permissions import is_portal_admin

from . import selectors
from .choices import GroupKind, GroupVisibility, JoinRequestStatus, MemberRole
from .models import GroupFile, JoinRequest, Membership, Workgroup

_UNSET: object = object()
_GROUP_FIELDS = ["name", "description", "kind", "visibility", "start_date", "end_date", "department"]


# --- guards ------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _require_visible(actor, group: Workgroup) -> None:
    _require_actor(actor)
    if not selectors.can_see(actor, group):
        raise NotFound("No workgroup matches the given query.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _require_not_archived(group: Workgroup) -> None:
    if group.is_archived:
        raise Invalid({"group": [_("This group is archived; it takes no changes.")]})


def _clean_group_fields(
    *, name: str, kind: str, visibility: str, start_date, end_date
) -> tuple[str, datetime.date | None, datetime.date | None]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the group a name.")]
    elif len(name) > Workgroup._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long (200 characters at most).")]
    if kind not in GroupKind.values:
        errors["kind"] = [_("Choose a workgroup or a project.")]
    if visibility not in GroupVisibility.values:
        errors["visibility"] = [_("Choose open, closed or secret.")]
    if kind == GroupKind.PROJECT:
        if start_date is None:
            errors["start_date"] = [_("A project needs a start date.")]
        if end_date is None:
            errors["end_date"] = [_("A project needs an end date.")]
    else:
        start_date = end_date = None  # dates only mean something for projects
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise Invalid(errors)
    return name, start_date, end_date


def _bump(group: Workgroup, field: str, delta: int) -> None:
    Workgroup.objects.filter(pk=group.pk).update(**{field: F(field) + delta})
    group.refresh_from_db(fields=[field])


def _owners_left(group: Workgroup, *, without_user_id: int) -> int:
    return (
        Membership.objects.filter(group=group, role=MemberRole.OWNER).exclude(user_id=without_user_id).count()
    )


# --- groups ------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    actor,
    name: str,
    description: str = "",
    kind: str = GroupKind.GROUP,
    visibility: str = GroupVisibility.OPEN,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    department=None,
) -> Workgroup:
    """Create a group or project; the company's creation policy decides who may, the creator owns it."""
    _require_actor(actor)
    _require(selectors.can_create_group(actor), _("You may not create groups on this portal."))
    name, start_date, end_date = _clean_group_fields(
        name=name, kind=kind, visibility=visibility, start_date=start_date, end_date=end_date
    )
    group = Workgroup.objects.create(
        name=name,
        description=(description or "").strip(),
        kind=kind,
        visibility=visibility,
        start_date=start_date,
        end_date=end_date,
        department=department,
        created_by=actor,
        members_count=1,
    )
    Membership.objects.create(group=group, user=actor, role=MemberRole.OWNER)
    audit_record(actor=actor, action="group.create", target=group, changes=snapshot(group, _GROUP_FIELDS))
    return group


@transaction.atomic
def group_update(
    *,
    actor,
    group: Workgroup,
    name: str | object = _UNSET,
    description: str | object = _UNSET,
    kind: str | object = _UNSET,
    visibility: str | object = _UNSET,
    start_date: datetime.date | None | object = _UNSET,
    end_date: datetime.date | None | object = _UNSET,
    department: object = _UNSET,
) -> Workgroup:
    """Change a group's settings (owners and admins). Arguments left out stay as they are."""
    _require_visible(actor, group)
    _require(selectors.can_edit(actor, group), _("Only the group's owners may change it."))
    given = {
        "name": name,
        "description": description,
        "kind": kind,
        "visibility": visibility,
        "start_date": start_date,
        "end_date": end_date,
        "department": department,
    }
    values = {f: getattr(group, f) for f in _GROUP_FIELDS}
    values.update({f: v for f, v in given.items() if v is not _UNSET})
    clean_name, clean_start, clean_end = _clean_group_fields(
        name=values["name"],
        kind=values["kind"],
        visibility=values["visibility"],
        start_date=values["start_date"],
        end_date=values["end_date"],
    )
    values.update(
        name=clean_name,
        start_date=clean_start,
        end_date=clean_end,
        description=(values["description"] or "").strip(),
    )
    before = snapshot(group, _GROUP_FIELDS)
    for field, value in values.items():
        setattr(group, field, value)
    changes = diff(before, snapshot(group, _GROUP_FIELDS))
    if changes:
        group.save(update_fields=[*changes.keys(), "updated_at"])
        audit_record(actor=actor, action="group.update", target=group, changes=changes)
    return group


@transaction.atomic
def group_archive(*, actor, group: Workgroup, archived: bool = True) -> Workgroup:
    """Archive a group (read-only from then on) or bring it back (owners and admins)."""
    _require_visible(actor, group)
    _require(selectors.can_edit(actor, group), _("Only the group's owners may archive it."))
    if group.is_archived != archived:
        group.is_archived = archived
        group.save(update_fields=["is_archived", "updated_at"])
        audit_record(
            actor=actor,
            action="group.archive" if archived else "group.unarchive",
            target=group,
            changes={"is_archived": [not archived, archived]},
        )
    return group


# --- members -----------------------------------------------------------------------------------------


def _add_membership(*, actor, group: Workgroup, user, role: str, action: str) -> Membership:
    if role not in MemberRole.values:
        raise Invalid({"role": [_("Choose owner, moderator or member.")]})
    if not (user and user.is_active):
        raise Invalid({"user": [_("Only active colleagues can join a group.")]})
    if Membership.objects.filter(group=group, user=user).exists():
        raise Invalid({"user": [_("%(name)s is a member of this group already.") % {"name": user}]})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, role=role)
    except IntegrityError as exc:  # a concurrent request added them first
        raise Invalid({"user": [_("%(name)s is a member of this group already.") % {"name": user}]}) from exc
    _bump(group, "members_count", 1)
    # Someone added directly no longer needs their pending request.
    JoinRequest.objects.filter(group=group, user=user, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.APPROVED, decided_by=actor, decided_at=timezone.now()
    )
    audit_record(actor=actor, action=action, target=group, changes={"user": user, "role": role})
    return membership


@transaction.atomic
def group_member_add(*, actor, group: Workgroup, user, role: str = MemberRole.MEMBER) -> Membership:
    """Add a colleague to a group. Owners and admins give any role; moderators add plain members."""
    _require_visible(actor, group)
    _require(selectors.can_moderate(actor, group), _("Only owners and moderators add members."))
    _require_not_archived(group)
    if role != MemberRole.MEMBER and not selectors.can_set_roles(actor, group):
        raise NotAllowed(_("Only owners hand out roles."))
    return _add_membership(actor=actor, group=group, user=user, role=role, action="group.member_add")


def _membership_of(group: Workgroup, user) -> Membership:
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        raise Invalid({"user": [_("%(name)s is not a member of this group.") % {"name": user}]})
    return membership


def _delete_membership(*, actor, group: Workgroup, membership: Membership, action: str) -> None:
    if membership.role == MemberRole.OWNER and not _owners_left(group, without_user_id=membership.user_id):
        raise Invalid({"user": [_("A group needs at least one owner: make someone else an owner first.")]})
    user = membership.user
    membership.delete()
    _bump(group, "members_count", -1)
    audit_record(actor=actor, action=action, target=group, changes={"user": user, "role": membership.role})


@transaction.atomic
def group_member_remove(*, actor, group: Workgroup, user) -> None:
    """Remove someone: owners and admins remove anyone, moderators plain members; the last owner stays."""
    _require_visible(actor, group)
    membership = _membership_of(group, user)
    _require(
        selectors.can_remove_member(actor, group, membership),
        _("You may not remove this member."),
    )
    action = "group.leave" if user.pk == actor.pk else "group.member_remove"
    _delete_membership(actor=actor, group=group, membership=membership, action=action)


@transaction.atomic
def group_member_set_role(*, actor, group: Workgroup, user, role: str) -> Membership:
    """Change a member's role (owners and admins); there always remains at least one owner."""
    _require_visible(actor, group)
    _require(selectors.can_set_roles(actor, group), _("Only owners hand out roles."))
    if role not in MemberRole.values:
        raise Invalid({"role": [_("Choose owner, moderator or member.")]})
    membership = _membership_of(group, user)
    if membership.role == role:
        return membership
    if (
        membership.role == MemberRole.OWNER
        and not Membership.objects.select_for_update()
        .filter(group=group, role=MemberRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise Invalid({"role": [_("A group needs at least one owner: make someone else an owner first.")]})
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor, action="group.member_role", target=group, changes={"user": user, "role": [old, role]}
    )
    return membership


@transaction.atomic
def group_join(*, actor, group: Workgroup, message: str = "") -> Membership | JoinRequest:
    """Join an open group at once, or ask to join a closed one. Secret groups are not found by outsiders."""
    _require_visible(actor, group)
    if selectors.role_of(actor, group) is not None:
        raise Invalid({"group": [_("You are a member of this group already.")]})
    _require_not_archived(group)
    if group.visibility == GroupVisibility.OPEN:
        return _add_membership(
            actor=actor, group=group, user=actor, role=MemberRole.MEMBER, action="group.join"
        )
    if group.visibility == GroupVisibility.CLOSED:
        return join_request_create(actor=actor, group=group, message=message)
    # A secret group seen by a non-member: only an admin gets here; they add themselves like anyone.
    raise NotAllowed(_("Secret groups are joined on invitation by their owners."))


@transaction.atomic
def group_leave(*, actor, group: Workgroup) -> None:
    """Leave a group; its last owner cannot (hand the group over first)."""
    _require_visible(actor, group)
    membership = Membership.objects.select_for_update().filter(group=group, user=actor).first()
    if membership is None:
        raise Invalid({"group": [_("You are not a member of this group.")]})
    if membership.role == MemberRole.OWNER and not _owners_left(group, without_user_id=actor.pk):
        raise Invalid({"group": [_("You are the last owner: make someone else an owner before you leave.")]})
    _delete_membership(actor=actor, group=group, membership=membership, action="group.leave")


# --- join requests -----------------------------------------------------------------------------------


@transaction.atomic
def join_request_create(*, actor, group: Workgroup, message: str = "") -> JoinRequest:
    """Ask to join a closed group; a moderator approves or rejects."""
    _require_visible(actor, group)
    _require_not_archived(group)
    if group.visibility != GroupVisibility.CLOSED:
        raise Invalid({"group": [_("Only closed groups take join requests.")]})
    if selectors.role_of(actor, group) is not None:
        raise Invalid({"group": [_("You are a member of this group already.")]})
    message = (message or "").strip()
    if len(message) > 2000:
        raise Invalid({"message": [_("The message is too long (2,000 characters at most).")]})
    pending = JoinRequest.objects.filter(group=group, user=actor, status=JoinRequestStatus.PENDING)
    if pending.exists():
        raise Invalid({"group": [_("Your request to join is waiting for a decision already.")]})
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(group=group, user=actor, message=message)
    except IntegrityError as exc:
        raise Invalid({"group": [_("Your request to join is waiting for a decision already.")]}) from exc
    audit_record(actor=actor, action="group.join_request", target=join_request)
    return join_request


def _pending(join_request: JoinRequest) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().select_related("group", "user").get(pk=join_request.pk)
    if locked.status != JoinRequestStatus.PENDING:
        raise Invalid({"status": [_("This request has been decided already.")]})
    return locked


def _decide(*, actor, join_request: JoinRequest, status: str) -> JoinRequest:
    _require_visible(actor, join_request.group)
    _require(
        selectors.can_moderate(actor, join_request.group),
        _("Only the group's owners and moderators decide join requests."),
    )
    join_request = _pending(join_request)
    join_request.status = status
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"group.join_request_{status}",
        target=join_request,
        changes={"status": [JoinRequestStatus.PENDING, status]},
    )
    return join_request


@transaction.atomic
def join_request_approve(*, actor, join_request: JoinRequest) -> Membership:
    """Approve a pending request: the requester becomes a member."""
    group = join_request.group
    _require_not_archived(group)
    join_request = _decide(actor=actor, join_request=join_request, status=JoinRequestStatus.APPROVED)
    existing = Membership.objects.filter(group=group, user=join_request.user).first()
    if existing is not None:
        return existing
    return _add_membership(
        actor=actor, group=group, user=join_request.user, role=MemberRole.MEMBER, action="group.member_add"
    )


@transaction.atomic
def join_request_reject(*, actor, join_request: JoinRequest) -> JoinRequest:
    """Reject a pending request; the requester may ask again later."""
    return _decide(actor=actor, join_request=join_request, status=JoinRequestStatus.REJECTED)


@transaction.atomic
def join_request_cancel(*, actor, join_request: JoinRequest) -> None:
    """The requester withdraws their pending request."""
    _require_actor(actor)
    _require(
        join_request.user_id == actor.pk or is_portal_admin(actor),
        _("Only the person who asked may withdraw a request."),
    )
    join_request = _pending(join_request)
    audit_record(actor=actor, action="group.join_request_cancel", target=join_request)
    join_request.delete()


# --- files -------------------------------------------------------------------------------------------


@transaction.atomic
def group_file_upload(*, actor, group: Workgroup, uploaded_file: UploadedFile) -> GroupFile:
    """Keep a file in a group (members and admins). Empty and oversized files are refused."""
    _require_visible(actor, group)
    _require(selectors.can_reach_content(actor, group), _("Only members upload files to a group."))
    _require_not_archived(group)
    group_file = attachment_store(
        model=GroupFile,
        actor=actor,
        upload=uploaded_file,
        max_bytes=settings.LUMEN_GROUP_FILE_MAX_BYTES,
        group=group,
    )
    name, size = group_file.name, group_file.size
    _bump(group, "files_count", 1)
    audit_record(actor=actor, action="group.file_upload", target=group, changes={"file": name, "size": size})
    return group_file


@transaction.atomic
def group_file_delete(*, actor, group_file: GroupFile) -> None:
    """Delete a file (its uploader, the group's owners and moderators, admins); storage follows on commit."""
    group = group_file.group
    _require_actor(actor)
    if not selectors.can_reach_content(actor, group):
        raise NotFound("No group file matches the given query.")
    _require(selectors.can_delete_file(actor, group_file), _("You may not delete this file."))
    name = group_file.name
    deleted, _rows = GroupFile.objects.filter(pk=group_file.pk).delete()
    if deleted:
        _bump(group, "files_count", -1)
        audit_record(actor=actor, action="group.file_delete", target=group, changes={"file": name})
        attachment_files_discard(group_file)
