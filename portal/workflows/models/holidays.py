"""The company calendar: public holidays and moved working days (entered by admins or imported from .ics);
registered as core's calendar source, so working-day counts everywhere take it into account."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import HolidayKind


class Holiday(models.Model):
    """A date of the company calendar: a public holiday (a day off) or a moved working day."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=HolidayKind.choices,
        default="holiday",
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
