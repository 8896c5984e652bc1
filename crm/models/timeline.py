"""One timeline per record: comments, activities, stage changes, field changes, files, conversions, merges."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import TimelineKind
from .links import RecordLinks, linked_visible


class TimelineEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return linked_visible(self, user, own=Q(actor=user))


class TimelineEntry(RecordLinks):
    """An event on the timeline of the records it links (newest first). `data` holds what the kind needs to be
    shown: {"changes": [[field label, old, new], ...]} for field changes, the stages for a move, ..."""

    kind = models.CharField(_("kind"), max_length=16, choices=TimelineKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    activity = models.ForeignKey(
        "crm.Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    file = models.ForeignKey(
        "crm.CrmFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["deal", "-created_at", "-id"], name="crm_timeline_deal"),
            models.Index(fields=["contact", "-created_at", "-id"], name="crm_timeline_contact"),
            models.Index(fields=["company", "-created_at", "-id"], name="crm_timeline_company"),
            models.Index(fields=["lead", "-created_at", "-id"], name="crm_timeline_lead"),
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
