"""Workgroups and projects: visibility, members with roles, join requests and files.

`Workgroup.objects.visible_to(user)` is the model of the permission choke point that every app copies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.attachments import AttachmentBase
from portal.core.links import url_for_pk
from portal.core.models import TimeStampedModel

from .choices import GroupKind, GroupVisibility, JoinRequestStatus, MemberRole


def _is_admin(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


class WorkgroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkgroupQuerySet:
        """Open and closed groups are seen by every employee; secret ones by their members and admins."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if _is_admin(user):
            return self.all()
        is_member = Membership.objects.filter(group=OuterRef("pk"), user=user)
        return self.filter(
            Q(visibility__in=[GroupVisibility.OPEN, GroupVisibility.CLOSED]) | Q(Exists(is_member))
        )

    def member_of(self, user) -> WorkgroupQuerySet:
        """Groups whose content (files, members' things) the user may reach."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if _is_admin(user):
            return self.all()
        return self.filter(Exists(Membership.objects.filter(group=OuterRef("pk"), user=user)))


class Workgroup(TimeStampedModel):
    """A department team or a project, seen and joined according to its visibility."""

    name = models.CharField(pgettext_lazy("title of a thing", "name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=GroupKind.choices, default=GroupKind.GROUP)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=GroupVisibility.choices, default=GroupVisibility.OPEN
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workgroups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="workgroups_created"
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    # Stored counters, updated by services.
    members_count = models.PositiveIntegerField(default=0)
    files_count = models.PositiveIntegerField(default=0)

    objects = WorkgroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("workgroup")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["visibility", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=GroupKind.GROUP) | Q(start_date__isnull=False, end_date__isnull=False),
                name="workgroup_project_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="workgroup_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return url_for_pk("groups:detail", self.pk)


class Membership(models.Model):
    """A person's membership of a group, with their role."""

    group = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        ordering = ["group", "role", "user"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"


class JoinRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> JoinRequestQuerySet:
        """The requester sees their own; owners and moderators see their group's; admins see all."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if _is_admin(user):
            return self.all()
        moderates = Membership.objects.filter(
            group=OuterRef("group"), user=user, role__in=[MemberRole.OWNER, MemberRole.MODERATOR]
        )
        return self.filter(Q(user=user) | Q(Exists(moderates)))


class JoinRequest(TimeStampedModel):
    """A request to join a closed group, approved or rejected by an owner or moderator."""

    group = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(
        max_length=16, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("join request")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status=JoinRequestStatus.PENDING),
                name="joinrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group} ({self.status})"


def group_file_path(instance, filename: str) -> str:
    """Where files went before `attachment_upload_to`; the first migration still names it."""
    return f"groups/{instance.group_id}/{filename}"


class GroupFileQuerySet(models.QuerySet):
    def visible_to(self, user) -> GroupFileQuerySet:
        """Only members of the group (and admins) reach its files."""
        return self.filter(group__in=Workgroup.objects.member_of(user))


class GroupFile(AttachmentBase):
    """A file kept in a group, served only through a permission-checked view (never a public URL)."""

    storage_folder = "groups"
    storage_owner_field = "group"
    download_url_name = "groups:file_download"

    group = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="files")

    objects = GroupFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("group file")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"])]
