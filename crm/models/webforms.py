"""Web forms: built by the CRM administrator, embedded on the company's site; a submission makes a lead or a
deal."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from ..choices import Entity


class WebForm(TimeStampedModel):
    """A public form. `fields` is a list of {"name", "label", "target" (a lead/contact/deal field or
    "custom:<key>"), "type", "required", "choices"}. Submissions are rate limited per address and held back by a
    honeypot field."""

    name = models.CharField(_("name"), max_length=100)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.CharField(
        _("creates"),
        max_length=16,
        choices=[(Entity.LEAD, _("a lead")), (Entity.DEAL, _("a deal"))],
        default=Entity.LEAD,
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    title = models.CharField(_("heading"), max_length=200, blank=True)
    thank_you = models.TextField(_("thank-you text"), blank=True)
    redirect_url = models.URLField(_("redirect after sending"), blank=True)
    pipeline = models.ForeignKey(
        "crm.Pipeline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible for new records"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    submissions_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")

    def __str__(self) -> str:
        return self.name


class WebFormSubmission(models.Model):
    """One accepted (or held back) submission: the rate limit counts these per address hash."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    address_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    is_spam = models.BooleanField(default=False)
    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deal = models.ForeignKey("crm.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["address_hash", "created_at"], name="crm_submission_rate")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.created_at:%Y-%m-%d %H:%M}"
