"""The CRM's portal-wide settings (one row)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class CrmSettings(models.Model):
    """Counters' thresholds and the stream post of a won deal. Read with `CrmSettings.current()`."""

    lead_take_minutes = models.PositiveIntegerField(
        _("a new lead must be taken in work within (minutes)"), default=30
    )
    won_post_enabled = models.BooleanField(_("post won deals to the department's stream"), default=True)
    won_post_threshold = MoneyField(
        _("post won deals from"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency=None,
    )
    default_region = models.CharField(
        _("phone region"),
        max_length=2,
        default="US",
        help_text=_("Numbers without a country code are read as this country's."),
    )

    class Meta:
        verbose_name = _("CRM settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> CrmSettings:
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls.objects.create()
