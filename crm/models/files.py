"""Files of CRM records (uploaded on a record, or attachments of an incoming e-mail), through core's
attachments piece."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.attachments import AttachmentBase

from .links import RecordLinks, linked_visible


class CrmFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        return linked_visible(self, user)


class CrmFile(RecordLinks, AttachmentBase):
    """A file on a record; an e-mail's attachment also names its activity."""

    storage_folder = "crm"
    storage_owner_field = ""
    download_url_name = "crm:file_download"

    activity = models.ForeignKey(
        "crm.Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    objects = CrmFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CRM file")
