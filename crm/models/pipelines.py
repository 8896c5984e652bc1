"""Pipelines and their ordered stages (open, won, lost), edited by a CRM administrator."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import StageKind


class Pipeline(models.Model):
    """A sales pipeline ("Wholesale", "Store orders"). Deals idle for `idle_days` are counted as idle."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sort = models.PositiveIntegerField(_("order"), default=100)
    is_default = models.BooleanField(_("default"), default=False)
    idle_days = models.PositiveSmallIntegerField(
        _("idle after (days)"), default=7, help_text=_("An open deal without any activity this long is idle.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="crm_one_default"
            ),
        ]
        verbose_name = _("pipeline")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """A stage of a pipeline. Won and lost stages close the deal; a move to a lost stage needs a reason."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    sort = models.PositiveIntegerField(_("order"), default=100)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=0)
    color = models.CharField(_("colour"), max_length=7, default="#0d6efd")

    class Meta:
        ordering = ["pipeline", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="crm_stage_name_unique"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="crm_stage_probability"),
        ]
        verbose_name = _("stage")

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN
