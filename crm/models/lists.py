"""A person's lists: saved filters and the columns they chose, per entity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Entity


class CrmSavedFilter(models.Model):
    """A person's named filter of a CRM list (the list page's query string)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_filters")
    entity = models.CharField(max_length=16, choices=Entity.choices)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity", "name"], name="crm_saved_filter_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CrmListColumns(models.Model):
    """The columns a person chose for a CRM list, in order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=16, choices=Entity.choices)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "entity"], name="crm_list_columns_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.entity}"
