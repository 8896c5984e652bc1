"""Thumbnails on real servers: the service commits, a real Celery worker takes the job from Redis and
writes the thumbnail to the storage, which this process then reads."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def celery_worker_env(settings, tmp_path) -> dict[str, str]:
    """The worker's test settings keep media under $LUMEN_VAR_DIR/test-media: point both processes there."""
    var_dir = tmp_path / "worker-var"
    settings.MEDIA_ROOT = str(var_dir / "test-media")
    return {"LUMEN_VAR_DIR": str(var_dir)}


def test_thumbnail_is_made_by_the_worker(org, celery_worker):
    from portal.stream.models import Photo
    from tests.stream.factories import image_upload, post

    post(org.east_rep, "Offsite", photos=[image_upload("offsite.png", size=(1200, 800))])
    photo = Photo.objects.get()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        photo.refresh_from_db()
        if photo.thumbnail:
            break
        time.sleep(0.3)
    assert photo.thumbnail, f"no thumbnail after 30 s:\n{celery_worker.log_tail()}"
    with photo.thumbnail.open("rb") as handle:
        assert handle.read(2) == b"\xff\xd8"
