"""Celery jobs of notifications: counter recounts, the nightly rebuild, and e-mail copies."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.core.cache import cache

from portal.core.errors import job_edge

log = logging.getLogger(__name__)

REBUILD_LOCK_KEY = "lumen:notifications:counters-rebuild-lock"
REBUILD_LOCK_SECONDS = 60 * 60


@shared_task(name="portal.notifications.jobs.counters_recount_job")
def counters_recount_job(user_ids: list[int], keys: list[str] | None = None) -> int:
    """Recount these people's counters from live data, store them and push the changed ones."""
    from .counters import counters_recount_now

    return counters_recount_now(user_ids, keys)


@shared_task(name="portal.notifications.jobs.counters_rebuild_job")
def counters_rebuild_job() -> int | None:
    """Nightly: rebuild every counter. A lock keeps two beats (or a slow previous run) from doubling up."""
    from .counters import counters_rebuild_all

    token = uuid.uuid4().hex
    if not cache.add(REBUILD_LOCK_KEY, token, timeout=REBUILD_LOCK_SECONDS):
        log.info("counters rebuild already running; skipped")
        return None
    try:
        return counters_rebuild_all()
    finally:
        if cache.get(REBUILD_LOCK_KEY) == token:
            cache.delete(REBUILD_LOCK_KEY)


@shared_task(
    name="portal.notifications.jobs.notification_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
@job_edge
def notification_email_send(notification_id: int) -> bool:
    """Mail the copy of one notification. Sends nothing when already sent, read, or no longer wanted."""
    from .services import notification_email_deliver

    return notification_email_deliver(notification_id=notification_id)
