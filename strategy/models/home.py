"""The strategy's descriptive text on its home page: the mission and the vision (one row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StrategyTextQuerySet(models.QuerySet):
    def visible_to(self, user) -> StrategyTextQuerySet:
        """The mission and vision are for every employee."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.all()


class StrategyText(models.Model):
    """The company's mission and vision (Markdown), edited by strategy managers. One row (pk 1)."""

    mission = models.TextField(_("mission"), blank=True, help_text=_("Markdown"))
    vision = models.TextField(_("vision"), blank=True, help_text=_("Markdown"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StrategyTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("mission and vision")

    def __str__(self) -> str:
        return "mission and vision"
