"""Reads of workgroups, their members, join requests and files; everything is already permission-filtered.

The permission predicates (`can_*`) live here too: they are reads, and templates, views, the API and the
services all ask the same questions in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from portal.core.errors import NotFound
from portal.core.permissions import get_visible, is_portal_admin

from .choices import GroupVisibility, JoinRequestStatus, MemberRole
from .models import GroupFile, JoinRequest, Membership, Workgroup

MODERATING_ROLES = (MemberRole.OWNER, MemberRole.MODERATOR)
_UNKNOWN = object()


# --- who may do what ---------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def role_of(user, group: Workgroup) -> str | None:
    """The user's role in the group, or None. Uses the `my_role` annotation of the selectors when present."""
    if not _active(user):
        return None
    cached = getattr(group, "my_role", _UNKNOWN)
    if cached is not _UNKNOWN and getattr(group, "_my_role_user_id", user.pk) == user.pk:
        return cached
    role = Membership.objects.filter(group=group, user=user).values_list("role", flat=True).first()
    group.my_role = role
    group._my_role_user_id = user.pk
    return role


def can_see(user, group: Workgroup) -> bool:
    """Mirrors `Workgroup.objects.visible_to` for one group already in hand."""
    if not _active(user):
        return False
    if is_portal_admin(user) or group.visibility != GroupVisibility.SECRET:
        return True
    return role_of(user, group) is not None


def can_reach_content(user, group: Workgroup) -> bool:
    """Members (and admins) reach a group's files; mirrors `Workgroup.objects.member_of`."""
    return is_portal_admin(user) or role_of(user, group) is not None


def can_create_group(user) -> bool:
    """The portal setting `Company.group_creation_policy` decides; admins may always."""
    from portal.people.choices import GroupCreationPolicy
    from portal.people.selectors import company_get

    if not _active(user):
        return False
    if is_portal_admin(user):
        return True
    company = company_get()
    policy = company.group_creation_policy if company else GroupCreationPolicy.SUPERVISORS
    if policy == GroupCreationPolicy.EVERYONE:
        return True
    if policy == GroupCreationPolicy.SUPERVISORS:
        return _is_supervisor(user)
    return False


def _is_supervisor(user) -> bool:
    from portal.people.selectors import is_supervisor

    return is_supervisor(user)


def can_edit(user, group: Workgroup) -> bool:
    """Owners and admins change a group's settings and archive it."""
    return is_portal_admin(user) or role_of(user, group) == MemberRole.OWNER


def can_moderate(user, group: Workgroup) -> bool:
    """Owners, moderators and admins add members and decide join requests."""
    return is_portal_admin(user) or role_of(user, group) in MODERATING_ROLES


def can_set_roles(user, group: Workgroup) -> bool:
    """Only owners (and admins) hand out roles."""
    return can_edit(user, group)


def can_remove_member(user, group: Workgroup, membership: Membership) -> bool:
    """Owners and admins remove anyone; moderators remove plain members; everyone may remove themselves."""
    if not _active(user):
        return False
    if membership.user_id == user.pk or can_edit(user, group):
        return True
    return role_of(user, group) == MemberRole.MODERATOR and membership.role == MemberRole.MEMBER


def can_upload(user, group: Workgroup) -> bool:
    return not group.is_archived and can_reach_content(user, group)


def can_delete_file(user, group_file: GroupFile) -> bool:
    """The uploader, the group's owners and moderators, and admins."""
    if not _active(user):
        return False
    return group_file.uploaded_by_id == user.pk or can_moderate(user, group_file.group)


@dataclass(frozen=True)
class GroupPermissions:
    """Everything a page or an API answer needs to know about one user and one group, asked once."""

    role: str | None
    is_member: bool
    can_edit: bool
    can_moderate: bool
    can_set_roles: bool
    can_join: bool
    can_request: bool
    can_leave: bool
    can_reach_content: bool
    can_upload: bool
    pending_request: JoinRequest | None


def group_permissions(*, user, group: Workgroup) -> GroupPermissions:
    role = role_of(user, group)
    is_member = role is not None
    pending = None
    if _active(user) and not is_member and group.visibility == GroupVisibility.CLOSED:
        pending = JoinRequest.objects.filter(group=group, user=user, status=JoinRequestStatus.PENDING).first()
    open_for_joining = _active(user) and not is_member and not group.is_archived
    return GroupPermissions(
        role=role,
        is_member=is_member,
        can_edit=can_edit(user, group),
        can_moderate=can_moderate(user, group),
        can_set_roles=can_set_roles(user, group),
        can_join=open_for_joining and group.visibility == GroupVisibility.OPEN,
        can_request=open_for_joining and group.visibility == GroupVisibility.CLOSED and pending is None,
        can_leave=is_member,
        can_reach_content=can_reach_content(user, group),
        can_upload=can_upload(user, group),
        pending_request=pending,
    )


# --- reads -------------------------------------------------------------------------------------------


def _with_my_role(qs: QuerySet, user) -> QuerySet:
    if not _active(user):
        return qs.annotate(my_role=Value(None, output_field=CharField()))
    role = Membership.objects.filter(group=OuterRef("pk"), user=user).values("role")[:1]
    return qs.annotate(my_role=Subquery(role))


def group_list(*, user, filters=None) -> QuerySet[Workgroup]:
    """The groups the user may see, filtered by the one FilterSet of the page and the API."""
    from .filters import WorkgroupFilterSet

    qs = _with_my_role(Workgroup.objects.visible_to(user), user)
    if filters is not None:
        filterset = WorkgroupFilterSet(filters, queryset=qs, user=user)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return qs.select_related("department")


def group_list_of_member(*, user) -> QuerySet[Workgroup]:
    """The groups the user belongs to (admins too: only their own), by name."""
    if not _active(user):
        return Workgroup.objects.none()
    return _with_my_role(Workgroup.objects.filter(memberships__user=user), user).order_by("name", "id")


def group_get(*, user, pk) -> Workgroup:
    """One group; hidden and missing alike answer 404."""
    qs = _with_my_role(Workgroup.objects.visible_to(user), user).select_related("department", "created_by")
    group = get_visible(qs, pk=pk)
    if _active(user):
        group._my_role_user_id = user.pk
    return group


def _require_visible(user, group: Workgroup) -> None:
    if not can_see(user, group):
        raise NotFound("No workgroup matches the given query.")


def group_members(*, user, group: Workgroup) -> QuerySet[Membership]:
    """Members of a group the user may see: owners first, then moderators, then members, by name."""
    _require_visible(user, group)
    rank = Case(
        When(role=MemberRole.OWNER, then=Value(0)),
        When(role=MemberRole.MODERATOR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(group=group)
        .select_related("user", "user__department")
        .annotate(role_rank=rank)
        .order_by("role_rank", "user__last_name", "user__first_name", "user_id")
    )


def group_join_requests(*, user, group: Workgroup) -> QuerySet[JoinRequest]:
    """Pending requests: moderators see all of their group's, anyone else only their own."""
    _require_visible(user, group)
    return (
        JoinRequest.objects.visible_to(user)
        .filter(group=group, status=JoinRequestStatus.PENDING)
        .select_related("user", "user__department")
        .order_by("created_at", "id")
    )


def join_request_get(*, user, pk) -> JoinRequest:
    """One join request the user may see (their own, or one of a group they moderate)."""
    qs = JoinRequest.objects.visible_to(user).select_related("group", "user")
    return get_visible(qs, pk=pk)


def group_files(*, user, group: Workgroup) -> QuerySet[GroupFile]:
    """Files of a group; outsiders get 404, whether or not they may see that the group exists."""
    if not can_reach_content(user, group):
        raise NotFound("No workgroup matches the given query.")
    return GroupFile.objects.visible_to(user).filter(group=group).select_related("uploaded_by", "group")


def group_file_queryset(request, **_url_kwargs) -> QuerySet[GroupFile]:
    """The files the requesting user may download (for core's download view)."""
    return GroupFile.objects.visible_to(request.user)


def group_file_get(*, user, pk) -> GroupFile:
    """One file of a group the user belongs to; anyone else gets 404."""
    qs = GroupFile.objects.visible_to(user).select_related("group", "uploaded_by")
    return get_visible(qs, pk=pk)


def member_candidates(*, user, group: Workgroup):
    """Active colleagues who are not in the group yet (for the "add member" picker)."""
    from portal.people.models import User

    return (
        User.objects.visible_to(user)
        .filter(is_active=True)
        .exclude(memberships__group=group)
        .select_related("department")
        .order_by("last_name", "first_name", "id")
    )
