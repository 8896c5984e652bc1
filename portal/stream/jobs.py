"""Celery jobs of the stream. Jobs take ids, re-read state and call a service; repeating them is harmless."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.core.errors import job_edge

log = logging.getLogger(__name__)


@shared_task(
    name="portal.stream.jobs.photo_thumbnail_job",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
)
@job_edge
def photo_thumbnail_job(photo_id: int) -> bool:
    """Make a photo's thumbnail (nothing when it exists already or the photo was deleted)."""
    from .services import photo_thumbnail_make

    return photo_thumbnail_make(photo_id=photo_id)


@shared_task(name="portal.stream.jobs.poll_close_job")
@job_edge
def poll_close_job(poll_id: int) -> bool:
    """Scheduled for a poll's closing time: close it and notify the author (once)."""
    from .models import Poll
    from .services import poll_close

    poll = Poll.objects.select_related("entry").filter(pk=poll_id).first()
    if poll is None or poll.closed_at is not None:
        return False
    poll_close(poll=poll)
    return poll.closed_at is not None


@shared_task(name="portal.stream.jobs.polls_close_due_job")
def polls_close_due_job() -> int:
    """Beat sweep (every few minutes): close polls whose time has passed, in case an ETA job was lost.

    A cache lock keeps two beats from sweeping at once; the service itself is idempotent anyway.
    """
    from django.core.cache import cache

    from .services import polls_close_due

    if not cache.add("stream:polls_close_due:lock", "1", timeout=240):
        return 0
    try:
        return polls_close_due()
    finally:
        cache.delete("stream:polls_close_due:lock")
