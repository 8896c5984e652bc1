"""Telephony: PBX connections calling Lumen's webhook API, their extensions, and the calls they report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from ..choices import CallState, Direction


class PbxConnection(TimeStampedModel):
    """A PBX. It authenticates with a token; only the token's SHA-256 is stored (shown once when made)."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_event_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("PBX connection")

    def __str__(self) -> str:
        return self.name


class PbxExtension(models.Model):
    """Which employee answers an extension of a PBX."""

    connection = models.ForeignKey(PbxConnection, on_delete=models.CASCADE, related_name="extensions")
    extension = models.CharField(_("extension"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="crm_extensions",
    )

    class Meta:
        ordering = ["connection", "extension"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "extension"], name="crm_extension_unique"),
        ]

    def __str__(self) -> str:
        return self.extension


class Call(models.Model):
    """A call reported by a PBX, from ringing to finished; the finished call becomes an activity."""

    connection = models.ForeignKey(PbxConnection, on_delete=models.CASCADE, related_name="calls")
    call_id = models.CharField(max_length=100)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.INCOMING)
    state = models.CharField(max_length=10, choices=CallState.choices, default=CallState.RINGING)
    external_number = models.CharField(max_length=50, blank=True)
    normalized = models.CharField(max_length=32, blank=True)
    extension = models.CharField(max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField(max_length=16, blank=True)
    recording_url = models.URLField(max_length=1000, blank=True)
    activity = models.ForeignKey(
        "crm.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["connection", "call_id"], name="crm_call_unique")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.external_number}"
