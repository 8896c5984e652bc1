"""Process templates and their versions.

A template is what an admin edits: its name, who may start it, who sees all its processes. Its form and route
live in versions: editing the form or route makes a new `TemplateVersion`, and a running process keeps the
version it started with. `fields` and `steps` are JSON lists whose shape `portal.workflows.definitions`
defines and checks (the one place that knows it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel
from portal.core.permissions import is_portal_admin
from portal.core.visibility import is_active_person

from ..choices import TemplateKind


class ProcessTemplateQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProcessTemplateQuerySet:
        """Templates `user` may start or whose processes a role of theirs lets them see; admins see all."""
        if not is_active_person(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(Q(is_active=True) & (self._startable_q(user) | self._viewer_q(user)))

    def startable_by(self, user) -> ProcessTemplateQuerySet:
        """Active templates `user` may start: everyone's, or their department's (sub-departments included),
        or a workgroup's they are a member of."""
        if not is_active_person(user):
            return self.none()
        return self.filter(is_active=True, current_version__isnull=False).filter(self._startable_q(user))

    @staticmethod
    def _startable_q(user) -> Q:
        """Everyone's; a starter department at or above the person's own (its sub-tree); a workgroup of theirs."""
        from portal.groups.models import Membership
        from portal.people.models import Department

        rule = Q(starters_everyone=True)
        if getattr(user, "department_id", None):
            in_subtree = Exists(
                Department.objects.filter(
                    pk=user.department_id, path__startswith=OuterRef("department__path")
                )
            )
            rule |= Exists(
                ProcessTemplate.start_departments.through.objects.filter(
                    processtemplate_id=OuterRef("pk")
                ).filter(in_subtree)
            )
        rule |= Exists(
            ProcessTemplate.start_groups.through.objects.filter(
                processtemplate_id=OuterRef("pk"),
                workgroup_id__in=Membership.objects.filter(user_id=user.pk).values("group_id"),
            )
        )
        return rule

    @staticmethod
    def _viewer_q(user) -> Q:
        return Exists(
            ProcessTemplate.viewer_roles.through.objects.filter(
                processtemplate_id=OuterRef("pk"),
                processrole__members=user.pk,
            )
        )


class ProcessTemplate(TimeStampedModel):
    """A kind of process people start: a leave request, an outgoing payment, a contract approval..."""

    key = models.SlugField(_("code"), max_length=50, unique=True, null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=TemplateKind.choices, default=TemplateKind.CUSTOM
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(_("icon"), max_length=50, default="bi-diagram-3")
    is_active = models.BooleanField(_("active"), default=True)
    starters_everyone = models.BooleanField(_("everyone may start it"), default=True)
    start_departments = models.ManyToManyField(
        "people.Department", blank=True, related_name="+", verbose_name=_("departments that may start it")
    )
    start_groups = models.ManyToManyField(
        "workgroups.Workgroup", blank=True, related_name="+", verbose_name=_("workgroups that may start it")
    )
    viewer_roles = models.ManyToManyField(
        "workflows.ProcessRole",
        blank=True,
        related_name="viewed_templates",
        verbose_name=_("roles that see all"),
    )
    current_version = models.ForeignKey(
        "workflows.TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProcessTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("process template")
        verbose_name_plural = _("process templates")

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One version of a template's form and route; never changed once a process used it."""

    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("form fields"), default=list, blank=True)
    steps = models.JSONField(_("route steps"), default=list, blank=True)
    comment = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="workflows_version_unique_number")
        ]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"
