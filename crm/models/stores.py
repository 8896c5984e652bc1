"""Online-store connections: signed order webhooks make and update contacts and deals."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from ..choices import StoreAdapter


class StoreConnection(TimeStampedModel):
    """A store sending order webhooks to its own URL (by `token`), signed with `secret` (stored encrypted).
    `status_map` maps the store's order statuses to stage ids of `pipeline`."""

    name = models.CharField(_("name"), max_length=100)
    adapter = models.CharField(_("store kind"), max_length=16, choices=StoreAdapter.choices)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret_encrypted = models.TextField(editable=False, blank=True)
    pipeline = models.ForeignKey(
        "crm.Pipeline", verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    status_map = models.JSONField(_("order status → stage"), default=dict, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible for new deals"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    deliveries_count = models.PositiveIntegerField(default=0, editable=False)
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("store connection")

    def __str__(self) -> str:
        return self.name


class StoreDelivery(models.Model):
    """An accepted delivery, unique by (connection, order id, event key): a repeat changes nothing twice. The raw
    body is kept for support for a while (a sweep empties old ones)."""

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="deliveries")
    order_id = models.CharField(max_length=100)
    event_key = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    payload = models.TextField(blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    deal = models.ForeignKey("crm.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "order_id", "event_key"], name="crm_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}/{self.order_id}/{self.event_key}"
