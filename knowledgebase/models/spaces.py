"""Spaces: where pages live, and who may read, edit and administer them.

Rights are three roles (read < edit < admin). Every employee may get a role through the space's
`everyone_access`; departments (with or without their sub-departments), workgroups and named people get one
through a `SpaceGrant` (core's `ObjectGrantBase` with a role; a person's grant is mirrored in guardian's
direct-FK table by `portal.core.sharing`). The responsible editor and a personal space's owner administer it.
Reading is a database filter (`Space.objects.visible_to`, core's rule builders); the stronger roles of one
space are answered by `knowledgebase.selectors.spaces.space_role`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.models import ObjectGrantBase, TimeStampedModel
from portal.core.visibility import (
    NOTHING,
    any_of,
    by_role,
    granted_to,
    is_active_person,
    owned_by,
    viewer_rule,
    visible,
)

from ..choices import EveryoneAccess, PageLanguage, SpaceKind, SpaceRole


@viewer_rule()
def space_visibility_q(user) -> Q:
    """Spaces open to every employee, those the user answers for or owns, and those granted to them."""
    if not is_active_person(user):
        return NOTHING
    return any_of(
        ~Q(everyone_access=EveryoneAccess.NONE),
        owned_by(user, "responsible", "owner"),
        granted_to(user, Space),
    )


class SpaceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SpaceQuerySet:
        """Spaces `user` may read; nothing for anonymous or inactive people, all for admins."""
        return visible(self, user, lambda: space_visibility_q(user), sees_all=lambda: by_role(user))


class Space(TimeStampedModel):
    """A part of the knowledge base with its own readers, editors, administrators and responsible editor."""

    kind = models.CharField(_("kind"), max_length=16, choices=SpaceKind.choices, default=SpaceKind.COMPANY)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(_("icon"), max_length=40, default="bi-journal-text")
    # A built-in space ("rules", "strategy") is found by its key, whatever it has been renamed to.
    key = models.SlugField(_("key"), max_length=40, blank=True, editable=False)
    home_page = models.ForeignKey(
        "knowledgebase.Page",
        verbose_name=_("home page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible editor"),
        on_delete=models.PROTECT,
        related_name="kb_spaces_responsible",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kb_personal_spaces",
        help_text=_("The person a personal space belongs to."),
    )
    department = models.ForeignKey(
        settings.LUMEN_GRANT_DEPARTMENT_MODEL,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kb_spaces",
    )
    workgroup = models.ForeignKey(
        settings.LUMEN_GRANT_GROUP_MODEL,
        verbose_name=_("workgroup or project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kb_spaces",
    )
    everyone_access = models.CharField(
        _("every employee may"),
        max_length=8,
        choices=EveryoneAccess.choices,
        default=EveryoneAccess.READ,
    )
    language = models.CharField(
        _("language of the pages"),
        max_length=16,
        choices=PageLanguage.choices,
        default=PageLanguage.ENGLISH,
        help_text=_("New pages are searched with this language's word forms."),
    )
    moderated = models.BooleanField(
        _("moderated discussion"),
        default=False,
        help_text=_("New comments wait for the responsible editor's approval."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="kb_space_unique_key"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(kind=SpaceKind.PERSONAL), name="kb_space_one_personal"
            ),
            models.CheckConstraint(
                condition=~Q(kind=SpaceKind.PERSONAL) | Q(owner__isnull=False),
                name="kb_space_personal_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:space_detail", args=[self.pk])

    def may_share(self, user) -> bool:
        """`portal.core.sharing` asks: only the space's administrators grant rights."""
        from ..selectors.spaces import space_role

        return space_role(user=user, space=self) == SpaceRole.ADMIN


class SpaceGrant(ObjectGrantBase):
    """A role in a space for a person, a department (optionally with its sub-departments) or a workgroup."""

    content_object = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=8, choices=SpaceRole.choices, default=SpaceRole.READ)

    class Meta(ObjectGrantBase.Meta):
        verbose_name = _("space grant")


class SpaceUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-FK object permissions of people on spaces (`view_space` for a person's grant)."""

    content_object = models.ForeignKey(Space, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("space user permission")


class SpaceGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct-FK object permissions of auth groups on spaces."""

    content_object = models.ForeignKey(Space, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("space group permission")
