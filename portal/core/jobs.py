"""Celery jobs of core: the shared pieces' background work (thumbnails of attachments)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.apps import apps

from portal.core.errors import job_edge

log = logging.getLogger(__name__)


@shared_task(name="portal.core.jobs.attachment_thumbnail_job")
@job_edge
def attachment_thumbnail_job(model_label: str, pk: int) -> bool:
    """Make the thumbnail of one picture attachment. Re-reads the row and does nothing when it is gone,
    is not a picture or already has a thumbnail, so running it twice is harmless."""
    from portal.core.attachments import AttachmentBase, attachment_thumbnail_make

    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        log.warning("attachment thumbnail: unknown model %s", model_label)
        return False
    if not issubclass(model, AttachmentBase):
        log.warning("attachment thumbnail: %s is not an attachment model", model_label)
        return False
    attachment = model._base_manager.filter(pk=pk).first()
    if attachment is None:
        return False
    return attachment_thumbnail_make(attachment=attachment)
