"""Stream jobs, run inline (eager Celery): thumbnails and closing polls."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.stream import jobs
from portal.stream.models import Photo, Poll
from portal.stream.services import PollSpec
from tests.stream.conftest import kinds
from tests.stream.factories import image_upload, post


def test_thumbnail_job_makes_a_small_jpeg_once(org):
    post(org.east_rep, "Big picture", photos=[image_upload("wide.png", size=(1600, 900))])
    photo = Photo.objects.get()
    assert not photo.thumbnail  # made after commit, by the job
    assert jobs.photo_thumbnail_job.delay(photo.pk).get() is True
    photo.refresh_from_db()
    from PIL import Image

    with photo.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 480
    first = photo.thumbnail.name
    assert jobs.photo_thumbnail_job.delay(photo.pk).get() is False  # repeating does nothing
    photo.refresh_from_db()
    assert photo.thumbnail.name == first


def test_thumbnail_job_for_a_deleted_photo_does_nothing(db):
    assert jobs.photo_thumbnail_job.delay(123456).get() is False


def test_upload_schedules_the_thumbnail_on_commit(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(org.east_rep, "Pic", photos=[image_upload()])
    assert callbacks and Photo.objects.get().thumbnail


def test_poll_close_job_closes_at_the_time_and_notifies(org, notified):
    entry = post(
        org.ceo,
        "Vote",
        poll=PollSpec(
            question="Q", options=["A", "B"], closes_at=timezone.now() + datetime.timedelta(hours=1)
        ),
    )
    assert jobs.poll_close_job.delay(entry.poll.pk).get() is False  # too early: nothing happens
    Poll.objects.filter(pk=entry.poll.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    assert jobs.poll_close_job.delay(entry.poll.pk).get() is True
    assert jobs.poll_close_job.delay(entry.poll.pk).get() is False
    assert len(kinds(notified, "poll_closed")) == 1


def test_sweep_job_closes_due_polls(org, notified):
    entry = post(
        org.ceo,
        "Vote",
        poll=PollSpec(
            question="Q", options=["A", "B"], closes_at=timezone.now() + datetime.timedelta(hours=1)
        ),
    )
    Poll.objects.filter(pk=entry.poll.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=5))
    assert jobs.polls_close_due_job.delay().get() == 1
    entry.poll.refresh_from_db()
    assert entry.poll.closed_at is not None
