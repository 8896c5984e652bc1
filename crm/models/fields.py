"""Custom fields the CRM administrator defines per entity. Values live in the record's `custom` JSON column,
validated against these definitions (crm.services.fields), so a new field needs no migration."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Entity, FieldType


class CustomField(models.Model):
    """A field of one entity: its key in the JSON, label, type, list choices, required flag and help text."""

    entity = models.CharField(_("record kind"), max_length=16, choices=Entity.choices)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=200)
    type = models.CharField(_("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.JSONField(_("list values"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    filterable = models.BooleanField(_("filter by it in lists"), default=True)
    sort = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="crm_custom_field_key"),
            models.CheckConstraint(condition=~Q(key=""), name="crm_custom_field_key_set"),
        ]
        verbose_name = _("custom field")

    def __str__(self) -> str:
        return self.label
