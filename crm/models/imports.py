"""Imports of leads, contacts and companies from CSV/XLSX: upload, map columns, preview, run, report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DuplicateMode, Entity, ImportStatus


class CrmImport(models.Model):
    """One import: the uploaded file (kept as text rows), the column mapping, the duplicate handling and the
    report of created, merged, skipped and rejected rows."""

    entity = models.CharField(_("records"), max_length=16, choices=Entity.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    duplicates = models.CharField(max_length=8, choices=DuplicateMode.choices, default=DuplicateMode.SKIP)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
