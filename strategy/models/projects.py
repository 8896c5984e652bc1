"""Projects (workgroups of the project kind) in the strategy: the goals they serve with a contribution
weight, and their weekly status notes with a RAG colour."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Rag
from .goals import Goal


class GoalProjectLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalProjectLinkQuerySet:
        """A link is seen by whoever sees both the goal and the project."""
        from portal.groups.models import Workgroup

        return self.filter(
            goal__in=Goal.objects.visible_to(user), project__in=Workgroup.objects.visible_to(user)
        )


class GoalProjectLink(models.Model):
    """A project serves a goal with a contribution weight (the tasks of the project inherit the goal)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="project_links")
    project = models.ForeignKey(
        "workgroups.Workgroup", verbose_name=_("project"), on_delete=models.CASCADE, related_name="goal_links"
    )
    weight = models.DecimalField(
        _("contribution weight"), max_digits=6, decimal_places=2, default=Decimal("1")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GoalProjectLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("project serving a goal")
        ordering = ["-weight", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "project"], name="goalprojectlink_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="goalprojectlink_weight_positive"),
        ]
        indexes = [models.Index(fields=["project", "goal"], name="goalprojectlink_project")]

    def __str__(self) -> str:
        return f"project {self.project_id} serves {self.goal_id} ({self.weight})"


class ProjectStatusNoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectStatusNoteQuerySet:
        """A note is seen by whoever sees its project."""
        from portal.groups.models import Workgroup

        return self.filter(project__in=Workgroup.objects.visible_to(user))


class ProjectStatusNote(models.Model):
    """A short weekly status entry of a project, with its RAG colour, written by the project's owner."""

    project = models.ForeignKey(
        "workgroups.Workgroup",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="status_notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    week = models.DateField(_("week"), help_text=_("The Monday of the week the note reports on."))
    rag = models.CharField(_("status"), max_length=8, choices=Rag.choices)
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ProjectStatusNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("project status note")
        ordering = ["-week", "-id"]
        indexes = [models.Index(fields=["project", "-week", "-id"], name="statusnote_project_week")]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="statusnote_text_not_empty")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.week} {self.rag}"
