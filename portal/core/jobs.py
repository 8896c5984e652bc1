"""Celery jobs of core: the shared pieces' background work (thumbnails of attachments), and `with_lock`, the
one way a periodic job keeps two beats (or a slow previous run) from doubling up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.apps import apps
from django.core.cache import cache

from portal.core.errors import job_edge

log = logging.getLogger(__name__)


def with_lock(key: str, seconds: int, work: Callable[[], Any]) -> Any:
    """Run `work` unless another run holds `key`; None when skipped. The lock expires by itself after
    `seconds` should a worker die holding it."""
    token = uuid.uuid4().hex
    if not cache.add(key, token, timeout=seconds):
        log.info("%s: another run holds the lock; skipped", key)
        return None
    try:
        return work()
    finally:
        if cache.get(key) == token:
            cache.delete(key)


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
