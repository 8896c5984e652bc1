"""Deputies: who acts for a person on approvals over a period (set by the person, or by an admin)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel


class Deputy(TimeStampedModel):
    """`deputy` acts for `user` on approvals from `start` to `end` (inclusive)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputies")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputy_for")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))

    class Meta:
        ordering = ["user_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="workflows_deputy_dates"),
            models.CheckConstraint(condition=~Q(user=F("deputy")), name="workflows_deputy_not_self"),
        ]
        indexes = [models.Index(fields=["user", "start", "end"], name="workflows_deputy_user")]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")

    def __str__(self) -> str:
        return f"{self.deputy} for {self.user} {self.start}–{self.end}"
